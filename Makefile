# fluxconfig: build, test and run everything from Go modules and Debian packages only.

LOCALBIN ?= $(CURDIR)/bin
KUBE_VERSION ?= v1.36.4
ETCD_VERSION ?= v3.6.8
CONTROLLER_TOOLS_VERSION ?= v0.21.0
SOURCE_CONTROLLER_VERSION ?= v1.9.6
KUSTOMIZE_CONTROLLER_VERSION ?= v1.9.5
# The newest helm-controller served here; its API module in go.mod (HelmRelease CRD) is newer.
HELM_CONTROLLER_VERSION ?= v1.4.0
# API modules the notification and image CRDs are generated from (charts/fluxconfig installs them).
NOTIFICATION_API_VERSION ?= v1.9.4
IMAGE_API_VERSION ?= v1.2.5

CRD_REF_DOCS_VERSION ?= v0.3.0
# The Helm CLI for `helm lint`; the same release as the helm.sh/helm/v3 SDK in go.mod.
HELM_VERSION ?= v3.21.4
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)/controller-gen
CRD_REF_DOCS ?= $(LOCALBIN)/crd-ref-docs-$(CRD_REF_DOCS_VERSION)/crd-ref-docs
HELM ?= $(LOCALBIN)/helm-$(HELM_VERSION)/helm
KUSTOMIZE_CONTROLLER ?= $(LOCALBIN)/kustomize-controller-$(KUSTOMIZE_CONTROLLER_VERSION)/kustomize-controller
SOURCE_CONTROLLER ?= $(LOCALBIN)/source-controller-$(SOURCE_CONTROLLER_VERSION)/source-controller
HELM_CONTROLLER ?= $(LOCALBIN)/helm-controller-$(HELM_CONTROLLER_VERSION)/helm-controller
FLUX_CONTROLLERS := $(SOURCE_CONTROLLER) $(KUSTOMIZE_CONTROLLER) $(HELM_CONTROLLER)
BINARIES := fluxconfig-controller fluxconfig-agent fluxconfig-endpoint
GO_TEST_FLAGS ?= -count=1 -timeout 20m

# The pinned toolchain builds everything; never fetch another.
export GOTOOLCHAIN := local
export LOCALBIN KUBE_VERSION ETCD_VERSION SOURCE_CONTROLLER_VERSION KUSTOMIZE_CONTROLLER_VERSION HELM_CONTROLLER_VERSION CONTROLLER_GEN
export NOTIFICATION_API_VERSION IMAGE_API_VERSION

# Paths of the control-plane binaries and Flux CRDs; the scripts build or collect them once
# and print the cached directory afterwards.
TEST_ENV = KUBEBUILDER_ASSETS="$$(hack/envtest-assets.sh)" FLUXCONFIG_FLUX_CRDS="$$(hack/flux-crds.sh)"

.DEFAULT_GOAL := help

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: generate
generate: $(CONTROLLER_GEN) $(CRD_REF_DOCS) ## Generate deep-copy code, the CRD, each binary's RBAC, the chart's CRD and RBAC templates and the API reference.
	$(CONTROLLER_GEN) object:headerFile=hack/boilerplate.go.txt paths=./api/...
	$(CONTROLLER_GEN) crd:crdVersions=v1 paths=./api/... output:crd:dir=config/crd/bases
	$(CONTROLLER_GEN) rbac:roleName=fluxconfig-agent paths=./internal/agent/... output:rbac:dir=config/rbac/agent
	$(CONTROLLER_GEN) rbac:roleName=fluxconfig-controller paths=./internal/controller/... output:rbac:dir=config/rbac/controller
	$(CONTROLLER_GEN) rbac:roleName=fluxconfig-cleanup paths=./internal/cleanup/... output:rbac:dir=config/rbac/cleanup
	hack/chart-crds.sh config/crd/bases charts/fluxconfig/templates/crds .Values.crds.enabled fluxconfig.labels
	hack/chart-crds.sh "$$(hack/flux-crds.sh)" charts/fluxconfig/templates/flux-crds '(and .Values.crds.enabled .Values.flux.install)' fluxconfig.fluxLabels
	hack/chart-rbac.sh config/rbac/controller/role.yaml fluxconfig-controller true charts/fluxconfig/templates/rbac/controller.yaml
	hack/chart-rbac.sh config/rbac/agent/role.yaml fluxconfig-agent '(include "fluxconfig.agentEnabled" .)' charts/fluxconfig/templates/rbac/agent.yaml
	hack/chart-rbac.sh config/rbac/cleanup/role.yaml fluxconfig-cleanup .Values.cleanup.enabled charts/fluxconfig/templates/rbac/cleanup.yaml
	go run ./hack/openapi-gen api/dataplane/v1/openapi.yaml
	$(CRD_REF_DOCS) --log-level=ERROR --source-path=./api/v1alpha1 --config=hack/api-docs/config.yaml --renderer=markdown --output-path=docs/api-reference.md

.PHONY: manifests
manifests: generate ## Alias of generate, for kubebuilder habits.

.PHONY: fmt
fmt: ## Format the Go code.
	gofmt -w $$(git ls-files -co --exclude-standard '*.go')

.PHONY: vet
vet: ## Run go vet, including the e2e suite.
	go vet ./...
	go vet -tags e2e ./test/...

.PHONY: verify
verify: $(CONTROLLER_GEN) $(CRD_REF_DOCS) ## Fail when generated files, go.mod/go.sum or formatting are stale.
	hack/verify.sh

##@ Test

.PHONY: test
test: verify lint-chart vet test-unit test-fuzz test-e2e ## Run everything CI runs.

.PHONY: lint-chart
lint-chart: $(HELM) ## Lint the chart with its defaults and with each charts/fluxconfig/ci/*-values.yaml.
	$(HELM) lint --strict --quiet charts/fluxconfig
	@set -e; for f in charts/fluxconfig/ci/*-values.yaml; do \
		echo "$(HELM) lint --strict --quiet charts/fluxconfig -f $$f"; \
		$(HELM) lint --strict --quiet charts/fluxconfig -f $$f; \
	done

.PHONY: test-unit
test-unit: $(CONTROLLER_GEN) ## Run the unit and envtest suites against a real kube-apiserver and etcd.
	$(TEST_ENV) go test $(GO_TEST_FLAGS) ./...

# An execution count, not a duration: Go 1.26's fuzz coordinator can fail a target with a bare
# "context deadline exceeded" when a -fuzztime duration ends under CPU load (golang/go#75804).
FUZZ_TIME ?= 20000x
FUZZ_TARGETS := internal/render:FuzzRender internal/compliance:FuzzCombine internal/sshkey:FuzzCheckKnownHosts

.PHONY: test-fuzz
test-fuzz: ## Run each fuzz target for FUZZ_TIME executions.
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "go test -run '^$$' -fuzz '^$${t#*:}$$' -fuzztime $(FUZZ_TIME) ./$${t%%:*}"; \
		go test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZ_TIME) ./$${t%%:*}; \
	done

.PHONY: test-e2e
test-e2e: build $(CONTROLLER_GEN) $(KUSTOMIZE_CONTROLLER) ## Run the e2e suite: the built binaries and the real kustomize-controller as processes against a real control plane.
	@rm -f $(LOCALBIN)/e2e-figures.txt
	$(TEST_ENV) FLUXCONFIG_BIN_DIR=$(LOCALBIN) FLUXCONFIG_KUSTOMIZE_CONTROLLER=$(KUSTOMIZE_CONTROLLER) go test $(GO_TEST_FLAGS) -tags e2e ./test/e2e -ginkgo.v
	@cat $(LOCALBIN)/e2e-figures.txt 2>/dev/null || true

.PHONY: test-env
test-env: $(CONTROLLER_GEN) ## Print the environment to run `go test` by hand.
	@echo "export KUBEBUILDER_ASSETS=$$(hack/envtest-assets.sh) FLUXCONFIG_FLUX_CRDS=$$(hack/flux-crds.sh)"

##@ Benchmarks

BENCH_DIR ?= $(CURDIR)/bin/bench
BENCH_FLAGS ?=

.PHONY: bench
bench: $(CONTROLLER_GEN) ## Measure converge against a bare-client floor, resync, foreign load, the agent and the endpoint; prints a table, writes bin/bench/results.json.
	@mkdir -p $(BENCH_DIR)
	@for b in $(BINARIES) ; do echo "go build $$b" ; CGO_ENABLED=0 go build -trimpath -o $(BENCH_DIR)/$$b ./cmd/$$b || exit 1 ; done
	go build -o $(BENCH_DIR)/bench ./test/bench
	$(TEST_ENV) $(BENCH_DIR)/bench --bin-dir $(BENCH_DIR) --out $(BENCH_DIR) $(BENCH_FLAGS)

##@ Build

.PHONY: build
build: $(addprefix $(LOCALBIN)/,$(BINARIES)) ## Build the three binaries into bin/.

$(LOCALBIN)/%: FORCE
	CGO_ENABLED=0 go build -trimpath -o $@ ./cmd/$*

.PHONY: FORCE
FORCE:

##@ Run

.PHONY: run
run: build $(CONTROLLER_GEN) ## Run a local control plane with the controller, the endpoint and the agent; the samples go through the endpoint; Ctrl-C stops it.
	go build -o $(LOCALBIN)/devenv ./hack/devenv
	$(TEST_ENV) $(LOCALBIN)/devenv --state-dir .dev --controller $(LOCALBIN)/fluxconfig-controller --endpoint $(LOCALBIN)/fluxconfig-endpoint --agent $(LOCALBIN)/fluxconfig-agent --samples config/samples

.PHONY: dev-up
dev-up: build $(CONTROLLER_GEN) ## Like run, in the background; returns once the API answers.
	go build -o $(LOCALBIN)/devenv ./hack/devenv
	$(TEST_ENV) hack/dev.sh up $(LOCALBIN)/devenv --state-dir .dev --controller $(LOCALBIN)/fluxconfig-controller --endpoint $(LOCALBIN)/fluxconfig-endpoint --agent $(LOCALBIN)/fluxconfig-agent --samples config/samples

.PHONY: dev-down
dev-down: ## Stop what dev-up started.
	hack/dev.sh down

##@ Deploy

IMG ?= ghcr.io/fluxconfig/fluxconfig-controller:0.1.0

.PHONY: install
install: ## Install the FluxConfig CRD into the cluster of the current kubectl context.
	kubectl apply --server-side -k config/crd

.PHONY: uninstall
uninstall: ## Remove the FluxConfig CRD (and so every FluxConfig) from the cluster.
	kubectl delete --ignore-not-found -k config/crd

.PHONY: deploy
deploy: ## Deploy the CRD and the controller (config/default) to flux-system; IMG sets the controller image.
	kubectl kustomize config/default | sed 's|ghcr.io/fluxconfig/fluxconfig-controller:[^ ]*|$(IMG)|' | kubectl apply --server-side -f -

.PHONY: undeploy
undeploy: ## Delete every FluxConfig while the controller still cleans up, then what deploy created.
	-kubectl delete fluxconfigs.clusterconfig.azure.com --all --all-namespaces --wait
	kubectl delete --ignore-not-found -k config/default

##@ Tools

$(CONTROLLER_GEN):
	GOBIN=$(dir $@) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)

$(CRD_REF_DOCS):
	GOBIN=$(dir $@) go install github.com/elastic/crd-ref-docs@$(CRD_REF_DOCS_VERSION)

# Built with the Kubernetes version it renders and lints for (Helm's own release build sets it
# the same way; without it, Helm assumes 1.20 and refuses the chart's kubeVersion).
HELM_KUBE_MINOR = $(word 2,$(subst ., ,$(KUBE_VERSION)))
HELM_LDFLAGS = -s -w -X helm.sh/helm/v3/internal/version.version=$(HELM_VERSION) \
	$(foreach p,pkg/lint/rules pkg/chartutil,-X helm.sh/helm/v3/$(p).k8sVersionMajor=1 -X helm.sh/helm/v3/$(p).k8sVersionMinor=$(HELM_KUBE_MINOR))
$(HELM):
	hack/build-go-tool.sh $@ helm.sh/helm/v3 $(HELM_VERSION) helm.sh/helm/v3/cmd/helm "$(HELM_LDFLAGS)"

# The real Flux controllers for e2e and `make run`. `go install` refuses their modules (they carry
# replace directives), so each is built in a wrapper module that repeats the replaces it needs.
FLUX_REPLACES = "github.com/opencontainers/go-digest=github.com/opencontainers/go-digest@v1.0.1-0.20220411205349-bde1400a84be" \
	"gopkg.in/yaml.v3=gopkg.in/yaml.v3@v3.0.1"
$(KUSTOMIZE_CONTROLLER):
	hack/build-go-tool.sh $@ github.com/fluxcd/kustomize-controller $(KUSTOMIZE_CONTROLLER_VERSION) \
		github.com/fluxcd/kustomize-controller "-s -w" $(FLUX_REPLACES) \
		"sigs.k8s.io/kustomize/api=sigs.k8s.io/kustomize/api@v0.21.1" \
		"sigs.k8s.io/kustomize/kyaml=sigs.k8s.io/kustomize/kyaml@v0.21.1"

# pkg/artifact v0.18.3, which v1.9.6 requires, is not served; v0.18.0 is and compiles.
$(SOURCE_CONTROLLER):
	hack/build-go-tool.sh $@ github.com/fluxcd/source-controller $(SOURCE_CONTROLLER_VERSION) \
		github.com/fluxcd/source-controller "-s -w" $(FLUX_REPLACES) \
		"github.com/fluxcd/pkg/artifact=github.com/fluxcd/pkg/artifact@v0.18.0"

$(HELM_CONTROLLER):
	hack/build-go-tool.sh $@ github.com/fluxcd/helm-controller $(HELM_CONTROLLER_VERSION) \
		github.com/fluxcd/helm-controller "-s -w" $(FLUX_REPLACES)

.PHONY: flux-controllers
flux-controllers: $(FLUX_CONTROLLERS) ## Build source-, kustomize- and helm-controller into bin/ (cached by version).

.PHONY: tools
tools: $(CONTROLLER_GEN) $(CRD_REF_DOCS) $(HELM) $(FLUX_CONTROLLERS) ## Build every tool and test binary into bin/ (cached by version).
	hack/envtest-assets.sh
	hack/flux-crds.sh
