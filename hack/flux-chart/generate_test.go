// Copyright 2026 The fluxconfig Authors.
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.yaml")

// fixture serves every controller's config/manager from testdata, an upstream-shaped manifest.
func fixture(string) (string, string) { return "testdata", "v0.0.0-fixture" }

// TestGenerate_Golden: the chart layered over an upstream manifest, every controller's way.
// `go test ./hack/flux-chart -update` rewrites the golden file after an intended change.
func TestGenerate_Golden(t *testing.T) {
	got, err := generate(fixture)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "golden.yaml")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("generated template differs from %s; run with -update if intended:\n%s", golden, got)
	}
}

// An upstream manifest that no longer sets the flags the chart templates fails loudly,
// rather than generating a chart that silently ignores watchAllNamespaces or logLevel.
func TestGenerate_RefusesUnknownShape(t *testing.T) {
	dir := t.TempDir()
	manager := filepath.Join(dir, "config", "manager")
	if err := os.MkdirAll(manager, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"kustomization.yaml", "deployment.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", "config", "manager", f))
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(data), "- --log-level=info\n", "")
		text = strings.ReplaceAll(text, "- service.yaml\n", "")
		if err := os.WriteFile(filepath.Join(manager, f), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := generate(func(string) (string, string) { return dir, "v0.0.0-fixture" })
	if err == nil || !strings.Contains(err.Error(), "--log-level") {
		t.Fatalf("want an error naming --log-level, got %v", err)
	}
}
