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
	"fmt"
	"regexp"
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// placeholder is ${NAME} with an upper-case NAME. The samples use it for what `make run`
// only knows at start (ports, a host key, a token); Flux's own post-build variables are
// lower case and pass through untouched.
var placeholder = regexp.MustCompile(`\$\{([A-Z][A-Z0-9_]*)\}`)

// SampleFile is one file of config/samples with its placeholders filled in.
type SampleFile struct {
	Path    string
	Objects []*unstructured.Unstructured
	// Unset names the placeholders vars has no value for, sorted; Objects is then empty.
	Unset []string
}

// Expand replaces each ${NAME} in data by vars[NAME]. It returns the names without a value,
// sorted and once each, and leaves data unexpanded when there are any.
func Expand(data []byte, vars map[string]string) ([]byte, []string) {
	unset := map[string]bool{}
	out := placeholder.ReplaceAllFunc(data, func(m []byte) []byte {
		name := string(placeholder.FindSubmatch(m)[1])
		v, ok := vars[name]
		if !ok {
			unset[name] = true
			return m
		}
		return []byte(v)
	})
	if len(unset) > 0 {
		names := make([]string, 0, len(unset))
		for n := range unset {
			names = append(names, n)
		}
		sort.Strings(names)
		return data, names
	}
	return out, nil
}

// LoadSamples reads the .yaml files of dir (not kustomization.yaml) in name order, fills in
// their placeholders from vars and decodes them. A file with placeholders vars lacks comes
// back with Unset set, for the caller to skip or refuse.
func LoadSamples(dir string, vars map[string]string) ([]SampleFile, error) {
	var out []SampleFile
	err := readManifestFiles(dir, func(f string, data []byte) error {
		expanded, unset := Expand(data, vars)
		if len(unset) > 0 {
			out = append(out, SampleFile{Path: f, Unset: unset})
			return nil
		}
		objs, err := DecodeManifests(expanded)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, SampleFile{Path: f, Objects: objs})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
