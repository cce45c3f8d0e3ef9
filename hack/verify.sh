#!/usr/bin/env bash
# Fails when `make generate` would change anything, when go.mod/go.sum are not tidy, or when
# gofmt would reformat a file. Works on a dirty tree: it compares the generated paths before
# and after regenerating, rather than against the last commit.
set -euo pipefail

paths=(api config charts docs)
snapshot() { { git status --porcelain -- "${paths[@]}"; git diff -- "${paths[@]}"; git ls-files -o --exclude-standard -- "${paths[@]}" | xargs -r cat; } | sha256sum; }

before=$(snapshot)
make -s generate >/dev/null
after=$(snapshot)
if [[ "$before" != "$after" ]]; then
  echo "verify: generated files were stale; \`make generate\` has rewritten them:" >&2
  git status --short -- "${paths[@]}" >&2
  exit 1
fi

if ! go mod tidy -diff >/dev/null; then
  echo "verify: go.mod/go.sum are not tidy; run \`go mod tidy\`:" >&2
  go mod tidy -diff >&2 || true
  exit 1
fi

unformatted=$(git ls-files -co --exclude-standard '*.go' | xargs -r gofmt -l)
if [[ -n "$unformatted" ]]; then
  echo "verify: gofmt would change these files; run \`make fmt\`:" >&2
  echo "$unformatted" >&2
  exit 1
fi
# A built binary committed by mistake makes a push too large to land; nothing we write is 1 MiB.
large=$(git ls-files -co --exclude-standard -z | xargs -0 -r sh -c 'find "$@" -maxdepth 0 -type f -size +1024k 2>/dev/null' sh || true)
if [[ -n "$large" ]]; then
  echo "verify: these files are over 1 MiB; build outputs belong in bin/ (ignored), not in git:" >&2
  echo "$large" >&2
  exit 1
fi
echo "verify: generated files, go.mod, formatting and file sizes are current"
