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
	"fmt"
	"path/filepath"
	"strings"

	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

// sampleRef is a FluxConfig devenv created.
type sampleRef struct {
	namespace, name, sourceKind string
	// deployKey: an SSH source without a private key, whose generated public key devenv
	// registers with its SSH server.
	deployKey bool
}

func (s sampleRef) String() string { return s.namespace + "/" + s.name }

// loadSamples fills the samples' placeholders from the running sources. A sample needing a
// source that could not start is skipped with the reason; a placeholder no source provides is
// an error, so a typo in a sample does not pass for a missing tool.
func loadSamples(dir string, src *sources) ([]testenv.SampleFile, error) {
	files, err := testenv.LoadSamples(dir, src.vars)
	if err != nil {
		return nil, err
	}
	var out []testenv.SampleFile
	for _, f := range files {
		if len(f.Unset) == 0 {
			out = append(out, f)
			continue
		}
		var reasons []string
		for _, name := range f.Unset {
			reason, ok := src.unavailable[name]
			if !ok {
				return nil, fmt.Errorf("%s: no value for ${%s}; devenv fills in %s", f.Path, name, strings.Join(placeholderNames(), ", "))
			}
			if !contains(reasons, reason) {
				reasons = append(reasons, reason)
			}
		}
		fmt.Printf("Skipping %s: %s\n", filepath.Base(f.Path), strings.Join(reasons, "; "))
	}
	if len(out) == 0 {
		return nil, errNoSamples
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
