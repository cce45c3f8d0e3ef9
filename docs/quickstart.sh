#!/usr/bin/env bash
# A tour of the fluxconfig CLI against a configuration endpoint: what a platform team does
# for one cluster, from a new configuration to its deletion. test/e2e runs it against a real
# endpoint, agent, controller and Flux (scenario 9, test/e2e/quickstart_test.go).
#
# The CLI finds the endpoint, token and cluster in its flags, the environment
# (FLUXCONFIG_ENDPOINT, FLUXCONFIG_TOKEN_FILE or FLUXCONFIG_TOKEN, FLUXCONFIG_CLUSTER,
# FLUXCONFIG_CA_FILE) or ~/.config/fluxconfig/config.yaml. The script takes:
#
#   QUICKSTART_URL             git repository with ./infra, ./apps and ./extra (required)
#   QUICKSTART_BRANCH          branch (main)
#   QUICKSTART_NAME            configuration name (quickstart)
#   QUICKSTART_NAMESPACE       its namespace in the cluster (quickstart)
#   QUICKSTART_HTTPS_USER      HTTPS user, with QUICKSTART_HTTPS_KEY_FILE holding the password
#   QUICKSTART_HTTPS_CA_FILE   PEM CA of the git server
#   QUICKSTART_TIMEOUT         how long each wait may take (5m)
#   FLUXCONFIG                 the CLI (fluxconfig on the PATH)
set -euo pipefail

FLUXCONFIG=${FLUXCONFIG:-fluxconfig}
URL=${QUICKSTART_URL:?set QUICKSTART_URL to a git repository with ./infra, ./apps and ./extra}
BRANCH=${QUICKSTART_BRANCH:-main}
NAME=${QUICKSTART_NAME:-quickstart}
NAMESPACE=${QUICKSTART_NAMESPACE:-quickstart}
TIMEOUT=${QUICKSTART_TIMEOUT:-5m}

step() { printf '\n== %s\n' "$*"; }
fc() {
	printf '$ fluxconfig %s\n' "$*"
	"$FLUXCONFIG" "$@"
}

# Credentials go in by file: a secret on the command line would be in the process list.
auth=()
if [[ -n ${QUICKSTART_HTTPS_USER:-} ]]; then
	auth+=(--https-user "$QUICKSTART_HTTPS_USER" --https-key "@${QUICKSTART_HTTPS_KEY_FILE:?set QUICKSTART_HTTPS_KEY_FILE with QUICKSTART_HTTPS_USER}")
fi
if [[ -n ${QUICKSTART_HTTPS_CA_FILE:-} ]]; then
	auth+=(--https-ca-cert-file "$QUICKSTART_HTTPS_CA_FILE")
fi

step "Create a configuration: the repository, and two kustomizations, apps after infra"
fc create -n "$NAME" --namespace "$NAMESPACE" --scope cluster -u "$URL" --branch "$BRANCH" --interval 30s "${auth[@]}" \
	--kustomization name=infra path=./infra prune=true retry_interval=10s \
	--kustomization name=apps path=./apps depends_on=infra prune=true retry_interval=10s

step "The cluster's configurations"
fc list

step "Wait until the agent has applied it and Flux reports every object Ready"
fc wait -n "$NAME" --for compliant --timeout "$TIMEOUT"

step "What it deployed, as the cluster reports it"
fc deployed-object list -n "$NAME"

step "Add a kustomization, wait for it, and remove it again (prune deletes what it applied)"
fc kustomization create -n "$NAME" -k extra --path ./extra --prune --retry-interval 10s
fc kustomization list -n "$NAME"
fc wait -n "$NAME" --for compliant --timeout "$TIMEOUT"
fc kustomization delete -n "$NAME" -k extra --yes
fc wait -n "$NAME" --for compliant --timeout "$TIMEOUT"

step "Suspend it: Flux stops syncing; then resume it"
fc update -n "$NAME" --suspend -o json >/dev/null
fc wait -n "$NAME" --for suspended --timeout "$TIMEOUT" >/dev/null
fc show -n "$NAME"
fc update -n "$NAME" --suspend=false -o json >/dev/null
fc wait -n "$NAME" --for compliant --timeout "$TIMEOUT"

step "Delete it: the agent removes it from the cluster, then the endpoint forgets it"
fc delete -n "$NAME" --yes
fc wait -n "$NAME" --for deleted --timeout "$TIMEOUT"
fc list
