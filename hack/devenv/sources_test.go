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
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

// The sources start on loopback with the repository's sample content, and every sample
// expands against what they fill in, except those of a source that could not start.
func TestSourcesServeTheSampleContent(t *testing.T) {
	// With FLUXCONFIG_AZURITE (as make test sets it where npm is installed), Azurite runs too.
	o := options{stateDir: t.TempDir(), content: "../../config/samples/content", azurite: os.Getenv("FLUXCONFIG_AZURITE")}
	src, err := startSources(o)
	t.Cleanup(src.stop)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range src.vars {
		if strings.Contains(name, "ADDR") && !strings.HasPrefix(v, "127.0.0.1:") {
			t.Errorf("%s = %q, want an address on 127.0.0.1", name, v)
		}
	}

	// A git client sees the content over HTTP.
	clone := filepath.Join(t.TempDir(), "clone")
	out, err := exec.Command("git", "clone", "-q", "http://"+src.vars[varGitHTTPAddr]+"/"+sampleRepo+".git", clone).CombinedOutput()
	if err != nil {
		t.Fatalf("git clone: %v: %s", err, out)
	}
	for _, f := range []string{"infra/namespace.yaml", "apps/release.yaml", "charts/demo/Chart.yaml", "tenant/settings.yaml"} {
		if _, err := os.Stat(filepath.Join(clone, f)); err != nil {
			t.Errorf("the sample repository lacks %s: %v", f, err)
		}
	}

	if o.azurite != "" && src.vars[varAzuriteSAS] == "" {
		t.Errorf("Azurite at %s did not start: %s", o.azurite, src.unavailable[varAzuriteAddr])
	}

	files, err := testenv.LoadSamples("../../config/samples", src.vars)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		for _, name := range f.Unset {
			if _, ok := src.unavailable[name]; !ok {
				t.Errorf("%s: ${%s} is neither filled in nor explained", f.Path, name)
			}
		}
	}
}
