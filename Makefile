# fluxconfig: build, test and run everything from Go modules and Debian packages only.

LOCALBIN ?= $(CURDIR)/bin
KUBE_VERSION ?= v1.36.4
ETCD_VERSION ?= v3.6.8
CONTROLLER_TOOLS_VERSION ?= v0.21.0
SOURCE_CONTROLLER_VERSION ?= v1.9.6
KUSTOMIZE_CONTROLLER_VERSION ?= v1.9.5

CRD_REF_DOCS_VERSION ?= v0.3.0
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)/controller-gen
CRD_REF_DOCS ?= $(LOCALBIN)/crd-ref-docs-$(CRD_REF_DOCS_VERSION)/crd-ref-docs
BINARIES := fluxconfig-controller fluxconfig-agent fluxconfig-endpoint
GO_TEST_FLAGS ?= -count=1 -timeout 20m

# The pinned toolchain builds everything; never fetch another.
export GOTOOLCHAIN := local
export LOCALBIN KUBE_VERSION ETCD_VERSION SOURCE_CONTROLLER_VERSION KUSTOMIZE_CONTROLLER_VERSION CONTROLLER_GEN

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
generate: $(CONTROLLER_GEN) $(CRD_REF_DOCS) ## Generate deep-copy code, the CRD, the agent RBAC, the chart's CRD templates and the API reference.
	$(CONTROLLER_GEN) object:headerFile=hack/boilerplate.go.txt paths=./api/...
	$(CONTROLLER_GEN) crd:crdVersions=v1 paths=./api/... output:crd:dir=config/crd/bases
	$(CONTROLLER_GEN) rbac:roleName=fluxconfig-agent paths=./internal/agent/... output:rbac:dir=config/rbac/agent
	$(CONTROLLER_GEN) rbac:roleName=fluxconfig-controller paths=./internal/controller/... output:rbac:dir=config/rbac/controller
	hack/chart-crds.sh config/crd/bases charts/fluxconfig/templates/crds
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
test: verify vet test-unit test-fuzz test-e2e ## Run everything CI runs.

.PHONY: test-unit
test-unit: $(CONTROLLER_GEN) ## Run the unit and envtest suites against a real kube-apiserver and etcd.
	$(TEST_ENV) go test $(GO_TEST_FLAGS) ./...

FUZZ_TIME ?= 5s
FUZZ_TARGETS := internal/render:FuzzRender internal/compliance:FuzzCombine internal/sshkey:FuzzCheckKnownHosts

.PHONY: test-fuzz
test-fuzz: ## Run each fuzz target for FUZZ_TIME.
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "go test -run '^$$' -fuzz '^$${t#*:}$$' -fuzztime $(FUZZ_TIME) ./$${t%%:*}"; \
		go test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZ_TIME) ./$${t%%:*}; \
	done

.PHONY: test-e2e
test-e2e: build $(CONTROLLER_GEN) ## Run the e2e suite: the built binaries as processes against a real control plane.
	$(TEST_ENV) FLUXCONFIG_BIN_DIR=$(LOCALBIN) go test $(GO_TEST_FLAGS) -tags e2e ./test/e2e/... -ginkgo.v

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

##@ Tools

$(CONTROLLER_GEN):
	GOBIN=$(dir $@) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)

$(CRD_REF_DOCS):
	GOBIN=$(dir $@) go install github.com/elastic/crd-ref-docs@$(CRD_REF_DOCS_VERSION)

.PHONY: tools
tools: $(CONTROLLER_GEN) $(CRD_REF_DOCS) ## Build every tool and test binary into bin/ (cached by version).
	hack/envtest-assets.sh
	hack/flux-crds.sh
