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
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

// Every placeholder of the samples is one devenv fills in, and every source kind has a sample.
func TestSamplesUseOnlyDevenvPlaceholders(t *testing.T) {
	vars := map[string]string{}
	for _, name := range placeholderNames() {
		vars[name] = "x"
	}
	files, err := testenv.LoadSamples("../../config/samples", vars)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, f := range files {
		if len(f.Unset) > 0 {
			t.Errorf("%s: placeholders devenv does not fill in: %v", f.Path, f.Unset)
		}
		for _, obj := range f.Objects {
			if obj.GetKind() == v1alpha1.FluxConfigKind {
				kind, _ := obj.Object["spec"].(map[string]any)["sourceKind"].(string)
				kinds[kind] = true
			}
		}
	}
	for _, k := range []string{"GitRepository", "Bucket", "AzureBlob", "OCIRepository"} {
		if !kinds[k] {
			t.Errorf("no sample with sourceKind %s", k)
		}
	}
}

// Nothing `make run` syncs names a host beyond 127.0.0.1: every URL in the samples and their
// content is a placeholder address.
func TestSamplesStayOnLoopback(t *testing.T) {
	url := regexp.MustCompile(`[a-z0-9+]+://([^/\s"']+)`)
	allowed := regexp.MustCompile(`^(git@)?(\$\{[A-Z0-9_]+\}|127\.0\.0\.1(:\d+)?)$`)
	n := 0
	err := filepath.WalkDir("../../config/samples", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range url.FindAllSubmatch(data, -1) {
			n++
			if !allowed.Match(m[1]) {
				t.Errorf("%s: %s reaches beyond 127.0.0.1", path, m[0])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("found no URL at all; the pattern is broken")
	}
}
