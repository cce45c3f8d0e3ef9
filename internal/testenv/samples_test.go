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

package testenv

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestExpand(t *testing.T) {
	in := []byte("url: http://${GIT_HTTP_ADDR}/x.git\nenv: ${environment}\nagain: ${GIT_HTTP_ADDR}\n")
	out, unset := Expand(in, map[string]string{"GIT_HTTP_ADDR": "127.0.0.1:4242"})
	if unset != nil {
		t.Fatalf("unset = %v, want none", unset)
	}
	want := "url: http://127.0.0.1:4242/x.git\nenv: ${environment}\nagain: 127.0.0.1:4242\n"
	if string(out) != want {
		t.Errorf("got %q, want %q (Flux's lower-case variables must pass through)", out, want)
	}

	out, unset = Expand([]byte("a: ${B_ADDR}\nb: ${A_TOKEN}\nc: ${B_ADDR}\n"), map[string]string{})
	if !reflect.DeepEqual(unset, []string{"A_TOKEN", "B_ADDR"}) {
		t.Errorf("unset = %v, want [A_TOKEN B_ADDR]", unset)
	}
	if string(out) != "a: ${B_ADDR}\nb: ${A_TOKEN}\nc: ${B_ADDR}\n" {
		t.Errorf("a file with unset placeholders came back changed: %q", out)
	}
}

func TestLoadSamplesMarksFilesWithUnsetPlaceholders(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a.yaml":             "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  url: http://${ADDR}\n",
		"b.yaml":             "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  token: ${TOKEN}\n",
		"kustomization.yaml": "resources: [a.yaml, b.yaml]\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := LoadSamples(dir, map[string]string{"ADDR": "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d files, want 2 (kustomization.yaml is not a sample)", len(got))
	}
	if len(got[0].Objects) != 1 || got[0].Objects[0].Object["data"].(map[string]any)["url"] != "http://127.0.0.1:1" {
		t.Errorf("a.yaml: %+v", got[0])
	}
	if len(got[1].Objects) != 0 || !reflect.DeepEqual(got[1].Unset, []string{"TOKEN"}) {
		t.Errorf("b.yaml: objects %d, unset %v; want none and [TOKEN]", len(got[1].Objects), got[1].Unset)
	}
}
