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

// Package ssa writes objects with server-side apply, and only when the live object differs
// from what would be applied, so a steady state sends no writes. The controller applies what
// it renders with it, the agent the FluxConfigs and Secrets it writes.
package ssa

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// digestBytes is how much of the SHA-256 the digest annotation keeps: enough that two
// different objects never collide in practice, short enough to read.
const digestBytes = 12

// legacyDigestBytes is what LegacyAppliedHashAnnotation kept of the same SHA-256.
const legacyDigestBytes = 8

// ApplyIfChanged server-side applies obj as fieldOwner, forcing ownership, unless live (the
// object as it is, or nil when it does not exist) already holds it. It returns the object the
// API server answered when it wrote, nil when it did not. Two checks decide: the digest annotation notices a field the writer stopped setting,
// which the live object still carries; the subset comparison notices a field someone else
// changed.
func ApplyIfChanged(ctx context.Context, c client.Client, fieldOwner string, obj, live runtime.Object) (*unstructured.Unstructured, error) {
	desired, err := ApplyForm(obj)
	if err != nil {
		return nil, err
	}
	digest, err := Digest(desired)
	if err != nil {
		return nil, err
	}
	if live != nil && !reflect.ValueOf(live).IsNil() {
		current, err := runtime.DefaultUnstructuredConverter.ToUnstructured(live)
		if err != nil {
			return nil, err
		}
		// A typed read may come without its type; the name and namespace say enough.
		current["apiVersion"], current["kind"] = desired.GetAPIVersion(), desired.GetKind()
		if Unchanged(desired, digest, current) {
			return nil, nil
		}
	}
	withDigest(desired, v1alpha1.AppliedDigestAnnotation, digest)
	// The answer is written into desired: the object as it now is.
	if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(desired),
		client.FieldOwner(fieldOwner), client.ForceOwnership); err != nil {
		return nil, err
	}
	return desired, nil
}

// Unchanged says whether live already is desired (in apply form, without a digest) as last
// applied with that digest. An object last applied under the legacy annotation counts as
// unchanged when that annotation holds the same digest, so an upgrade rewrites nothing; the
// next real change replaces the legacy annotation.
func Unchanged(desired *unstructured.Unstructured, digest string, live map[string]any) bool {
	annotations, _, _ := unstructured.NestedStringMap(live, "metadata", "annotations")
	for key, want := range map[string]string{
		v1alpha1.AppliedDigestAnnotation:     digest,
		v1alpha1.LegacyAppliedHashAnnotation: digest[:2*legacyDigestBytes],
	} {
		if annotations[key] != want {
			continue
		}
		expected := desired.DeepCopy()
		withDigest(expected, key, want)
		return subset(expected.Object, live)
	}
	return false
}

// ApplyForm is obj as it is applied: unstructured, without status or creation timestamp.
func ApplyForm(obj runtime.Object) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	delete(m, "status")
	unstructured.RemoveNestedField(m, "metadata", "creationTimestamp")
	return &unstructured.Unstructured{Object: m}, nil
}

// Digest is the digest of an object in apply form, before the digest annotation is added.
func Digest(u *unstructured.Unstructured) (string, error) {
	data, err := json.Marshal(u.Object)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:digestBytes]), nil
}

func withDigest(u *unstructured.Unstructured, key, digest string) {
	annotations := u.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[key] = digest
	u.SetAnnotations(annotations)
}
