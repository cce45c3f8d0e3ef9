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

package cli

import (
	"errors"
	"fmt"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// What create and update send, for a cluster's configuration and a fleet configuration alike:
// both take the same source flags and differ only in where they send the result.

// apiSourceKind returns the API source kind of the az kind given with --kind.
func apiSourceKind(kind string) (string, error) {
	sourceKind, ok := sourceKinds[kind]
	if !ok {
		return "", fmt.Errorf("--kind %q: use git, bucket, azblob or oci", kind)
	}
	return sourceKind, nil
}

// checkCreate checks --kind and the required --url of a create, before anything is read.
func (f *sourceFlags) checkCreate() error {
	if _, err := apiSourceKind(f.kind); err != nil {
		return err
	}
	if !f.changed("url") {
		return usageError{errors.New("--url is required")}
	}
	return nil
}

// newConfig builds the configuration a create sends; without --kustomization, one named
// kustomization-1 applies the source's root, as az does. Call checkCreate first.
func (f *sourceFlags) newConfig(secrets *secretReader) (*dpv1.FluxConfiguration, error) {
	sourceKind, err := apiSourceKind(f.kind)
	if err != nil {
		return nil, err
	}
	props, err := f.properties(f.kind, false, secrets)
	if err != nil {
		return nil, err
	}
	props["sourceKind"] = sourceKind
	if _, ok := props["kustomizations"]; !ok {
		props["kustomizations"] = map[string]any{defaultKustomization: map[string]any{}}
	}
	return decodeConfig(props)
}

// updatePatch builds the properties an update merges into a configuration whose API source
// kind is current. --kind with another kind replaces the source: the other bodies are sent
// as null.
func (f *sourceFlags) updatePatch(current string, secrets *secretReader) (map[string]any, error) {
	kind := kindOf(current)
	if f.changed("kind") {
		if _, err := apiSourceKind(f.kind); err != nil {
			return nil, err
		}
		kind = f.kind
	}
	patch, err := f.properties(kind, true, secrets)
	if err != nil {
		return nil, err
	}
	if kind != kindOf(current) {
		patch["sourceKind"] = sourceKinds[kind]
		for k, body := range bodyKeys {
			if k != sourceKinds[kind] {
				patch[body] = nil
			}
		}
	}
	return patch, nil
}
