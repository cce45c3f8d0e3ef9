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
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// LoadManifests decodes every YAML document of the .yaml files in dir, except kustomize's
// kustomization.yaml, in file-name order.
func LoadManifests(dir string) ([]*unstructured.Unstructured, error) {
	var objs []*unstructured.Unstructured
	err := readManifestFiles(dir, func(f string, data []byte) error {
		decoded, err := DecodeManifests(data)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		objs = append(objs, decoded...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return objs, nil
}

// readManifestFiles reads the .yaml files of dir in file-name order, except kustomize's
// kustomization.yaml, and hands each to use; the first error ends the walk.
func readManifestFiles(dir string, use func(path string, data []byte) error) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := use(f, data); err != nil {
			return err
		}
	}
	return nil
}

// DecodeManifests splits multi-document YAML into objects, skipping empty documents.
func DecodeManifests(data []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, err
		}
		if len(u.Object) == 0 {
			continue
		}
		objs = append(objs, u)
	}
}

// ApplyManifests creates each object's namespace when missing, then server-side applies the
// object as fieldOwner.
func ApplyManifests(ctx context.Context, c client.Client, fieldOwner string, objs []*unstructured.Unstructured) error {
	for _, obj := range objs {
		if ns := obj.GetNamespace(); ns != "" {
			if err := EnsureNamespace(ctx, c, ns); err != nil {
				return err
			}
		}
		if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj), client.FieldOwner(fieldOwner), client.ForceOwnership); err != nil {
			return fmt.Errorf("applying %s %s/%s: %w", obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
		}
	}
	return nil
}

// EnsureNamespace creates the namespace unless it exists.
func EnsureNamespace(ctx context.Context, c client.Client, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := c.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating namespace %s: %w", name, err)
	}
	return nil
}
