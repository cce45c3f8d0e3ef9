# One build for the three binaries: docker build --build-arg BINARY=fluxconfig-agent .
ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
ARG BINARY=fluxconfig-controller
WORKDIR /src
ENV CGO_ENABLED=0 GOTOOLCHAIN=local
COPY go.mod go.sum ./
RUN go mod download
COPY api/ api/
COPY cmd/ cmd/
COPY internal/ internal/
RUN go build -trimpath -ldflags "-s -w" -o /out/manager ./cmd/${BINARY}

# Static, non-root, no shell.
FROM gcr.io/distroless/static:nonroot
COPY --from=build /out/manager /manager
USER 65532:65532
ENTRYPOINT ["/manager"]
