# fluxconfig: build, test and run everything from Go modules and Debian packages only.

LOCALBIN ?= $(CURDIR)/bin
KUBE_VERSION ?= v1.36.4
ETCD_VERSION ?= v3.6.8
CONTROLLER_TOOLS_VERSION ?= v0.21.0
# Flux, in one place: the controllers the tests and `make run` build and run, the CRDs the tests
# and the chart install, the Deployments `make generate` writes into the chart, and (kept equal
# by test/packaging, or the reason they differ said in values.yaml) the chart's image tags.
# Source-, kustomize- and helm-controller: binary, CRDs, chart manifests and image at one version.
# helm-controller v1.4.0 is the newest served; go.mod's helm-controller/api is newer, and only
# reads HelmRelease v2, which this CRD serves.
SOURCE_CONTROLLER_VERSION ?= v1.9.6
KUSTOMIZE_CONTROLLER_VERSION ?= v1.9.5
HELM_CONTROLLER_VERSION ?= v1.4.0
# Azurite (Azure Blob emulator, npm) for the AzureBlob e2e scenarios and `make run`; optional.
AZURITE_VERSION ?= 3.37.0
# Not built (their controller modules are not served): the notification and image CRDs and image
# tags come from their API modules' versions. notification-controller's config/manager comes from
# the newest version of its module that is served.
NOTIFICATION_API_VERSION ?= v1.9.4
NOTIFICATION_MANIFEST_VERSION ?= v1.6.0
IMAGE_API_VERSION ?= v1.2.5

CRD_REF_DOCS_VERSION ?= v0.3.0
# The Helm CLI for `helm lint`: go.mod's helm.sh/helm/v3, built as a tool of this module (see Tools).
HELM_VERSION := $(shell awk '$$1 == "helm.sh/helm/v3" { print $$2 }' go.mod)
# The newest golangci-lint v2 served that builds with the pinned Go.
GOLANGCI_LINT_VERSION ?= v2.15.0
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)/controller-gen
CRD_REF_DOCS ?= $(LOCALBIN)/crd-ref-docs-$(CRD_REF_DOCS_VERSION)/crd-ref-docs
HELM ?= $(LOCALBIN)/helm-$(HELM_VERSION)/helm
GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)/golangci-lint
KUSTOMIZE_CONTROLLER ?= $(LOCALBIN)/kustomize-controller-$(KUSTOMIZE_CONTROLLER_VERSION)/kustomize-controller
SOURCE_CONTROLLER ?= $(LOCALBIN)/source-controller-$(SOURCE_CONTROLLER_VERSION)/source-controller
HELM_CONTROLLER ?= $(LOCALBIN)/helm-controller-$(HELM_CONTROLLER_VERSION)/helm-controller
AZURITE ?= $(LOCALBIN)/azurite-$(AZURITE_VERSION)/node_modules/.bin/azurite-blob
# Azurite only where npm is installed; without it the AzureBlob scenarios skip, saying why.
AZURITE_IF_NPM = $(if $(shell command -v npm),$(AZURITE))
FLUX_CONTROLLERS := $(SOURCE_CONTROLLER) $(KUSTOMIZE_CONTROLLER) $(HELM_CONTROLLER)
BINARIES := fluxconfig-controller fluxconfig-agent fluxconfig-endpoint
# The command line for the endpoint's management API; built with the binaries, not an image.
CLI := fluxconfig
GO_TEST_FLAGS ?= -count=1 -timeout 20m

# The pinned toolchain builds everything; never fetch another.
export GOTOOLCHAIN := local
# Nothing here needs cgo, and with one set of build flags for the binaries, vet, lint and the
# suites, each package compiles once for all of them (cgo changes net's build, and so every
# package above it).
export CGO_ENABLED := 0
export LOCALBIN KUBE_VERSION ETCD_VERSION SOURCE_CONTROLLER_VERSION KUSTOMIZE_CONTROLLER_VERSION HELM_CONTROLLER_VERSION CONTROLLER_GEN
export NOTIFICATION_API_VERSION IMAGE_API_VERSION

# The control plane for envtest and the Flux CRDs, built or collected once per version (see Tools).
ETCD := $(LOCALBIN)/etcd-$(ETCD_VERSION)/etcd
KUBE_APISERVER := $(LOCALBIN)/kube-apiserver-$(KUBE_VERSION)/kube-apiserver
ENVTEST_ASSETS := $(LOCALBIN)/envtest-$(KUBE_VERSION)-$(ETCD_VERSION)
FLUX_CRDS := $(LOCALBIN)/flux-crds-source-$(SOURCE_CONTROLLER_VERSION)-kustomize-$(KUSTOMIZE_CONTROLLER_VERSION)-helm-$(HELM_CONTROLLER_VERSION)-notification-$(NOTIFICATION_API_VERSION)-image-$(IMAGE_API_VERSION)
TEST_ASSETS := $(ENVTEST_ASSETS)/.complete $(FLUX_CRDS)/.complete
# envtest's 20 s default start budget is too short when the suites run side by side on 2 cores.
# The PostgreSQL store's tests start a throwaway server from Debian's postgresql package;
# REQUIRE_PG=0 lets them skip where it is not installed (CI installs it, so they run there).
REQUIRE_PG ?= 1
TEST_ENV = KUBEBUILDER_ASSETS=$(ENVTEST_ASSETS) FLUXCONFIG_FLUX_CRDS=$(FLUX_CRDS) \
	KUBEBUILDER_CONTROLPLANE_START_TIMEOUT=3m KUBEBUILDER_CONTROLPLANE_STOP_TIMEOUT=1m \
	FLUXCONFIG_REQUIRE_PG=$(filter-out 0,$(REQUIRE_PG))

.DEFAULT_GOAL := help

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: generate
generate: $(CONTROLLER_GEN) $(CRD_REF_DOCS) $(FLUX_CRDS)/.complete ## Generate deep-copy code, the CRD, each binary's RBAC, the chart's CRD, RBAC and Flux controller templates and the API reference.
	$(CONTROLLER_GEN) object:headerFile=hack/boilerplate.go.txt paths=./api/...
	$(CONTROLLER_GEN) crd:crdVersions=v1 paths=./api/... output:crd:dir=config/crd/bases
	$(CONTROLLER_GEN) rbac:roleName=fluxconfig-agent paths=./internal/agent/... output:rbac:dir=config/rbac/agent
	$(CONTROLLER_GEN) rbac:roleName=fluxconfig-controller paths=./internal/controller/... output:rbac:dir=config/rbac/controller
	$(CONTROLLER_GEN) rbac:roleName=fluxconfig-cleanup paths=./internal/cleanup/... output:rbac:dir=config/rbac/cleanup
	$(CONTROLLER_GEN) rbac:roleName=fluxconfig-preflight paths=./internal/preflight/... output:rbac:dir=config/rbac/preflight
	hack/chart-crds.sh config/crd/bases charts/fluxconfig/templates/crds .Values.crds.enabled fluxconfig.labels
	hack/chart-crds.sh $(FLUX_CRDS) charts/fluxconfig/templates/flux-crds '(and .Values.crds.enabled .Values.flux.install)' fluxconfig.fluxLabels
	go run ./hack/flux-chart -out charts/fluxconfig/templates/flux-controllers.yaml \
		-source $(SOURCE_CONTROLLER_VERSION) -kustomize $(KUSTOMIZE_CONTROLLER_VERSION) \
		-helm $(HELM_CONTROLLER_VERSION) -notification $(NOTIFICATION_MANIFEST_VERSION)
	hack/chart-rbac.sh config/rbac/controller/role.yaml fluxconfig-controller true charts/fluxconfig/templates/rbac/controller.yaml
	hack/chart-rbac.sh config/rbac/agent/role.yaml fluxconfig-agent '(include "fluxconfig.agentEnabled" .)' charts/fluxconfig/templates/rbac/agent.yaml
	hack/chart-rbac.sh config/rbac/cleanup/role.yaml fluxconfig-cleanup .Values.cleanup.enabled charts/fluxconfig/templates/rbac/cleanup.yaml
	hack/chart-rbac.sh config/rbac/preflight/role.yaml fluxconfig-preflight .Values.preflight.enabled charts/fluxconfig/templates/rbac/preflight.yaml pre-install
	go run ./hack/openapi-gen api/dataplane/v1/openapi.yaml
	$(CRD_REF_DOCS) --log-level=ERROR --source-path=./api/v1alpha1 --config=hack/api-docs/config.yaml --renderer=markdown --output-path=docs/api-reference.md

.PHONY: manifests
manifests: generate ## Alias of generate, for kubebuilder habits.

.PHONY: fmt
fmt: ## Format the Go code.
	gofmt -w $$(git ls-files -co --exclude-standard '*.go')

.PHONY: vet
# The e2e and chaos suites, behind build tags, are vetted by `make lint` (its govet runs with
# their tags); vetting them here too cost a cold `make test` minutes of compiling for nothing.
vet: ## Run go vet over the untagged packages (lint vets the tagged suites).
	go vet ./...

.PHONY: verify
verify: $(CONTROLLER_GEN) $(CRD_REF_DOCS) $(FLUX_CRDS)/.complete ## Fail when generated files, go.mod/go.sum or formatting are stale.
	hack/verify.sh

##@ Test

# What `make test` runs after verify, side by side: the suites spend much of their time waiting on
# processes, so two cores run them in about half the time of one after the other.
TEST_PARTS ?= lint lint-chart vet test-unit test-fuzz test-e2e test-chaos-short test-fleet
TEST_JOBS ?= 4

.PHONY: test
# verify first and alone: it regenerates files that the other parts compile. Then, one at a time,
# the tools and vet: two go commands side by side each compile what they share (the Go cache does
# not share work in progress), so on a cold machine the parts would compile Kubernetes' packages
# once each. vet leaves them compiled for the parts, and the suites' control planes then start
# on a machine not busy compiling.
test: verify ## Run everything CI runs.
	$(MAKE) -j2 test-tools
	$(MAKE) $(filter vet,$(TEST_PARTS))
	$(MAKE) -j$(TEST_JOBS) --output-sync=target $(filter-out vet,$(TEST_PARTS))

.PHONY: test-tools test-go-tools
# Azurite's npm install waits on the network, so it runs beside the Go builds, which run one at a
# time for the reason above.
test-tools: $(AZURITE_IF_NPM) test-go-tools
test-go-tools:
	$(MAKE) -j1 build $(TEST_ASSETS) $(FLUX_CONTROLLERS) $(HELM) $(GOLANGCI_LINT)

.PHONY: lint
# --allow-serial-runners: a second run (another worktree) waits for the first instead of failing.
lint: $(GOLANGCI_LINT) ## Run golangci-lint with .golangci.yml (the e2e suite included).
	$(GOLANGCI_LINT) run --allow-serial-runners ./...

.PHONY: lint-chart
lint-chart: $(HELM) ## Lint the chart with its defaults and with each charts/fluxconfig/ci/*-values.yaml.
	$(HELM) lint --strict --quiet charts/fluxconfig
	@set -e; for f in charts/fluxconfig/ci/*-values.yaml; do \
		echo "$(HELM) lint --strict --quiet charts/fluxconfig -f $$f"; \
		$(HELM) lint --strict --quiet charts/fluxconfig -f $$f; \
	done

.PHONY: test-unit
test-unit: $(CONTROLLER_GEN) $(TEST_ASSETS) ## Run the unit and envtest suites against a real kube-apiserver and etcd.
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
test-e2e: build $(CONTROLLER_GEN) $(FLUX_CONTROLLERS) $(AZURITE_IF_NPM) $(TEST_ASSETS) ## Run the e2e suite: the built binaries and the real Flux controllers as processes against a real control plane.
	@rm -f $(LOCALBIN)/e2e-figures.txt
	$(TEST_ENV) FLUXCONFIG_BIN_DIR=$(LOCALBIN) FLUXCONFIG_SOURCE_CONTROLLER=$(SOURCE_CONTROLLER) \
		FLUXCONFIG_KUSTOMIZE_CONTROLLER=$(KUSTOMIZE_CONTROLLER) FLUXCONFIG_HELM_CONTROLLER=$(HELM_CONTROLLER) \
		FLUXCONFIG_AZURITE=$(AZURITE_IF_NPM) go test $(GO_TEST_FLAGS) -tags e2e ./test/e2e -ginkgo.v
	@cat $(LOCALBIN)/e2e-figures.txt 2>/dev/null || true

# The fault-injection suite (test/chaos): faults from a printed SEED for DURATION over
# CHAOS_CONFIGS configurations, then invariants; every process's log is kept in
# bin/chaos/<seed>/. The short form is what `make test` runs.
SEED ?= 1
DURATION ?= 10m
CHAOS_CONFIGS ?= 300
CHAOS_TIMEOUT ?= 90m
CHAOS_ENV = $(TEST_ENV) FLUXCONFIG_BIN_DIR=$(LOCALBIN) CHAOS_DIR=$(LOCALBIN)/chaos CHAOS_SEED=$(SEED)

.PHONY: test-chaos
test-chaos: build $(TEST_ASSETS) ## Run the fault-injection suite: SEED=1 DURATION=10m of kills, a kube-apiserver restart, proxy and full-disk faults over 300 FluxConfigs.
	$(CHAOS_ENV) CHAOS_DURATION=$(DURATION) CHAOS_CONFIGS=$(CHAOS_CONFIGS) \
		go test -count=1 -timeout $(CHAOS_TIMEOUT) -tags chaos ./test/chaos -run '^TestChaos$$' -v

.PHONY: test-chaos-short
test-chaos-short: build $(TEST_ASSETS) ## The chaos suite's short form (60 configs, 75s of faults, under 3 minutes), part of make test.
	$(CHAOS_ENV) CHAOS_SHORT=1 go test -count=1 -timeout 15m -tags chaos ./test/chaos -run '^TestChaos$$' -v

.PHONY: test-env
test-env: $(CONTROLLER_GEN) $(TEST_ASSETS) ## Print the environment to run `go test` by hand.
	@echo "export $(TEST_ENV)"

##@ Benchmarks

BENCH_DIR ?= $(CURDIR)/bin/bench
BENCH_FLAGS ?=

.PHONY: bench
bench: $(CONTROLLER_GEN) $(TEST_ASSETS) ## Measure converge against a bare-client floor, resync, foreign load, the agent and the endpoint; prints a table, writes bin/bench/results.json.
	@mkdir -p $(BENCH_DIR)
	@for b in $(BINARIES) ; do echo "go build $$b" ; go build -o $(BENCH_DIR)/$$b ./cmd/$$b || exit 1 ; done
	go build -o $(BENCH_DIR)/bench ./test/bench
	$(TEST_ENV) $(BENCH_DIR)/bench --bin-dir $(BENCH_DIR) --out $(BENCH_DIR) $(BENCH_FLAGS)

BENCH_FLEET_DIR ?= $(BENCH_DIR)/fleet
BENCH_FLEET_FLAGS ?=

.PHONY: bench-fleet
bench-fleet: ## Roll a fleet configuration out to 10,000 simulated agents against the real endpoint; prints a table, writes bin/bench/fleet/fleet-results.json.
	@mkdir -p $(BENCH_FLEET_DIR)
	go build -o $(BENCH_FLEET_DIR)/fluxconfig-endpoint ./cmd/fluxconfig-endpoint
	go build -o $(BENCH_FLEET_DIR)/benchfleet ./test/benchfleet
	$(BENCH_FLEET_DIR)/benchfleet --bin-dir $(BENCH_FLEET_DIR) --out $(BENCH_FLEET_DIR) $(BENCH_FLEET_FLAGS)

##@ Build

.PHONY: build
# One go command for all four, so their shared packages compile once. No -trimpath (the image
# build keeps it): these binaries are for local runs, and with the suites' flags the packages
# compiled here serve vet, lint and the tests too.
build: ## Build the three binaries and the fluxconfig CLI into bin/.
	go build -o $(LOCALBIN)/ $(addprefix ./cmd/,$(BINARIES) $(CLI))

$(LOCALBIN)/%: FORCE
	go build -o $@ ./cmd/$*

.PHONY: FORCE
FORCE:

##@ Run

# What devenv runs. Azurite is optional: without node and npm, `make run` says how to get them
# and skips the Azure Blob sample.
DEVENV_ARGS = --state-dir .dev --samples config/samples --content config/samples/content \
	--controller $(LOCALBIN)/fluxconfig-controller --endpoint $(LOCALBIN)/fluxconfig-endpoint --agent $(LOCALBIN)/fluxconfig-agent \
	--source-controller $(SOURCE_CONTROLLER) --kustomize-controller $(KUSTOMIZE_CONTROLLER) --helm-controller $(HELM_CONTROLLER) \
	--azurite "$(AZURITE)"

.PHONY: run
run: dev-check build $(CONTROLLER_GEN) $(FLUX_CONTROLLERS) $(AZURITE_IF_NPM) $(TEST_ASSETS) ## Run a control plane, the Flux controllers, fluxconfig and local git, OCI, S3 and Azurite servers; the samples sync from them; Ctrl-C stops it.
	go build -o $(LOCALBIN)/devenv ./hack/devenv
	$(TEST_ENV) $(LOCALBIN)/devenv $(DEVENV_ARGS)

.PHONY: dev-up
dev-up: dev-check build $(CONTROLLER_GEN) $(FLUX_CONTROLLERS) $(AZURITE_IF_NPM) $(TEST_ASSETS) ## Like run, in the background; returns once the samples have settled.
	go build -o $(LOCALBIN)/devenv ./hack/devenv
	$(TEST_ENV) hack/dev.sh up $(LOCALBIN)/devenv $(DEVENV_ARGS)

.PHONY: dev-change
dev-change: ## Commit to the running devenv's sample repository and show the commit arriving.
	$(LOCALBIN)/devenv change --state-dir .dev

.PHONY: dev-down
dev-down: ## Stop what dev-up started.
	hack/dev.sh down

# Fails at once, before building anything, when a devenv already runs in .dev.
.PHONY: dev-check
dev-check:
	@hack/dev.sh check .dev

# What `devenv fleet` runs: three clusters, each with its own control plane, source- and
# kustomize-controller (no helm-controller), fluxconfig-controller and agent, one endpoint.
FLEET_ARGS = --state-dir .dev-fleet \
	--controller $(LOCALBIN)/fluxconfig-controller --endpoint $(LOCALBIN)/fluxconfig-endpoint --agent $(LOCALBIN)/fluxconfig-agent \
	--source-controller $(SOURCE_CONTROLLER) --kustomize-controller $(KUSTOMIZE_CONTROLLER)

.PHONY: run-fleet
run-fleet: fleet-check build $(SOURCE_CONTROLLER) $(KUSTOMIZE_CONTROLLER) $(TEST_ASSETS) ## Run three local clusters, each with its own control plane, Flux and agent, registered at one endpoint, for docs/fleet.md's canary rollout; Ctrl-C stops it.
	go build -o $(LOCALBIN)/devenv ./hack/devenv
	$(TEST_ENV) $(LOCALBIN)/devenv fleet $(FLEET_ARGS)

.PHONY: fleet-up
fleet-up: fleet-check build $(SOURCE_CONTROLLER) $(KUSTOMIZE_CONTROLLER) $(TEST_ASSETS) ## Like run-fleet, in the background; returns once every agent polls.
	go build -o $(LOCALBIN)/devenv ./hack/devenv
	$(TEST_ENV) DEV_STATE=.dev-fleet hack/dev.sh up $(LOCALBIN)/devenv fleet $(FLEET_ARGS)

.PHONY: fleet-down
fleet-down: ## Stop what fleet-up started.
	DEV_STATE=.dev-fleet hack/dev.sh down

.PHONY: fleet-check
fleet-check:
	@hack/dev.sh check .dev-fleet

.PHONY: test-fleet
test-fleet: build $(SOURCE_CONTROLLER) $(KUSTOMIZE_CONTROLLER) $(TEST_ASSETS) ## Start the three clusters of run-fleet and roll a fleet configuration out, canary first (about 45 s alone on 2 cores).
	$(TEST_ENV) FLUXCONFIG_BIN_DIR=$(LOCALBIN) FLUXCONFIG_SOURCE_CONTROLLER=$(SOURCE_CONTROLLER) FLUXCONFIG_KUSTOMIZE_CONTROLLER=$(KUSTOMIZE_CONTROLLER) \
		go test -count=1 -timeout 10m ./hack/devenv -run '^TestFleet$$' -v

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

$(GOLANGCI_LINT):
	GOBIN=$(dir $@) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

# kube-apiserver and etcd for envtest, built from the module proxy (prebuilt downloads are not
# reachable): their own replace directives stop `go install`, so each goes through a wrapper
# module. Recipes that a `make -s test-env` may run print to stderr only, so its output stays
# something to eval.
KUBE_MINOR = $(word 2,$(subst ., ,$(KUBE_VERSION)))
KUBE_PATCH = $(word 3,$(subst ., ,$(KUBE_VERSION)))
KUBE_LDFLAGS = -s -w $(foreach p,k8s.io/component-base/version k8s.io/client-go/pkg/version,\
	-X $(p).gitVersion=$(KUBE_VERSION) -X $(p).gitMajor=1 -X $(p).gitMinor=$(KUBE_MINOR) \
	-X $(p).gitTreeState=clean -X $(p).buildDate=2026-01-01T00:00:00Z)
$(ETCD):
	PIN_MODFILE=$(CURDIR)/go.mod hack/build-go-tool.sh $@ go.etcd.io/etcd/server/v3 $(ETCD_VERSION) go.etcd.io/etcd/server/v3 \
		"-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$(ETCD_VERSION)" >&2

# k8s.io/kubernetes requires its staging repos at v0.0.0; they are published as v0.MINOR.PATCH.
# Built against go.mod's versions (PIN_MODFILE), which are as new or newer than its own, it
# reuses the Kubernetes packages `make build` compiled: about 1,000 of its 1,800 (etcd, pinned
# the same way, reuses 280 of its 380).
$(KUBE_APISERVER):
	PIN_MODFILE=$(CURDIR)/go.mod AUTO_STAGING=1 STAGING_VERSION=v0.$(KUBE_MINOR).$(KUBE_PATCH) hack/build-go-tool.sh $@ k8s.io/kubernetes \
		$(KUBE_VERSION) k8s.io/kubernetes/cmd/kube-apiserver "$(KUBE_LDFLAGS)" >&2

# The directory envtest takes (KUBEBUILDER_ASSETS).
$(ENVTEST_ASSETS)/.complete: $(ETCD) $(KUBE_APISERVER)
	@mkdir -p $(@D)
	@ln -sfn ../etcd-$(ETCD_VERSION)/etcd $(@D)/etcd
	@ln -sfn ../kube-apiserver-$(KUBE_VERSION)/kube-apiserver $(@D)/kube-apiserver
	@touch $@

$(FLUX_CRDS)/.complete: $(CONTROLLER_GEN)
	hack/flux-crds.sh $(@D) >&2

# Built with the Kubernetes version it renders and lints for (Helm's own release build sets it
# the same way; without it, Helm assumes 1.20 and refuses the chart's kubeVersion).
HELM_KUBE_MINOR = $(word 2,$(subst ., ,$(KUBE_VERSION)))
HELM_LDFLAGS = -s -w -X helm.sh/helm/v3/internal/version.version=$(HELM_VERSION) \
	$(foreach p,pkg/lint/rules pkg/chartutil,-X helm.sh/helm/v3/$(p).k8sVersionMajor=1 -X helm.sh/helm/v3/$(p).k8sVersionMinor=$(HELM_KUBE_MINOR))
# A tool of this module (go.mod's tool directive), so it shares the Kubernetes packages that the
# binaries and suites compile instead of compiling its own copy.
$(HELM):
	go build -ldflags "$(HELM_LDFLAGS)" -o $@ helm.sh/helm/v3/cmd/helm

# The real Flux controllers for e2e and `make run`. `go install` refuses their modules (they carry
# replace directives), so each is built in a wrapper module that repeats the replaces it needs.
FLUX_REPLACES = "github.com/opencontainers/go-digest=github.com/opencontainers/go-digest@v1.0.1-0.20220411205349-bde1400a84be" \
	"gopkg.in/yaml.v3=gopkg.in/yaml.v3@v3.0.1"

# source- and kustomize-controller build in one wrapper module: one version of each dependency
# they share, compiled once. pkg/artifact v0.18.3, which source-controller v1.9.6 requires, is
# not served; v0.18.0 is and compiles.
$(SOURCE_CONTROLLER) $(KUSTOMIZE_CONTROLLER) &:
	hack/build-go-tool.sh $(SOURCE_CONTROLLER),$(KUSTOMIZE_CONTROLLER) \
		github.com/fluxcd/source-controller,github.com/fluxcd/kustomize-controller \
		$(SOURCE_CONTROLLER_VERSION),$(KUSTOMIZE_CONTROLLER_VERSION) \
		github.com/fluxcd/source-controller,github.com/fluxcd/kustomize-controller "-s -w" $(FLUX_REPLACES) \
		"github.com/fluxcd/pkg/artifact=github.com/fluxcd/pkg/artifact@v0.18.0" \
		"sigs.k8s.io/kustomize/api=sigs.k8s.io/kustomize/api@v0.21.1" \
		"sigs.k8s.io/kustomize/kyaml=sigs.k8s.io/kustomize/kyaml@v0.21.1"

$(HELM_CONTROLLER):
	hack/build-go-tool.sh $@ github.com/fluxcd/helm-controller $(HELM_CONTROLLER_VERSION) \
		github.com/fluxcd/helm-controller "-s -w" $(FLUX_REPLACES)

.PHONY: flux-controllers
flux-controllers: $(FLUX_CONTROLLERS) ## Build source-, kustomize- and helm-controller into bin/ (cached by version).

$(AZURITE):
	@command -v npm >/dev/null || { echo "Azurite needs Node.js 20+ and npm (Debian: apt-get install nodejs npm)"; exit 1; }
	npm install --prefix $(LOCALBIN)/azurite-$(AZURITE_VERSION) --no-audit --no-fund --loglevel=error azurite@$(AZURITE_VERSION)

.PHONY: azurite
azurite: $(AZURITE) ## Install Azurite's blob server into bin/ with npm (optional: AzureBlob e2e scenarios and sample).

.PHONY: tools
tools: $(CONTROLLER_GEN) $(CRD_REF_DOCS) $(HELM) $(GOLANGCI_LINT) $(FLUX_CONTROLLERS) $(TEST_ASSETS) ## Build every tool and test binary into bin/ (cached by version).
