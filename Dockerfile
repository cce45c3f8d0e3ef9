# One build for the three binaries: docker build --build-arg BINARY=fluxconfig-agent .
# (BINARY is fluxconfig-controller, fluxconfig-agent or fluxconfig-endpoint). The controller
# image also runs the chart's pre-delete hook: `fluxconfig-controller cleanup`.
ARG GO_VERSION=1.26

# The compiler runs on the build machine and cross-compiles, so `docker buildx build
# --platform linux/amd64,linux/arm64` needs no emulation.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
ARG BINARY=fluxconfig-controller
ARG TARGETOS=linux
ARG TARGETARCH
WORKDIR /src
ENV CGO_ENABLED=0 GOTOOLCHAIN=local
COPY go.mod go.sum ./
RUN go mod download
COPY api/ api/
COPY cmd/ cmd/
COPY internal/ internal/
RUN GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -trimpath -ldflags "-s -w" -o /out/manager ./cmd/${BINARY}

# Static, non-root, no shell.
FROM gcr.io/distroless/static:nonroot
COPY --from=build /out/manager /manager
USER 65532:65532
ENTRYPOINT ["/manager"]
