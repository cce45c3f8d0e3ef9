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

package ssa

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

func TestUnchanged(t *testing.T) {
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "ns", Labels: map[string]string{"a": "b"}},
		Data:       map[string]string{"k": "v"},
	}
	desired, err := ApplyForm(cm)
	if err != nil {
		t.Fatal(err)
	}
	digest, err := Digest(desired)
	if err != nil {
		t.Fatal(err)
	}
	// What the controller wrote before the annotations were merged: 8 bytes of the same sum.
	data, _ := json.Marshal(desired.Object)
	sum := sha256.Sum256(data)
	legacy := hex.EncodeToString(sum[:8])

	live := func(annotations map[string]string, value string) map[string]any {
		obj := cm.DeepCopy()
		obj.Annotations = annotations
		obj.Data = map[string]string{"k": value}
		obj.UID, obj.ResourceVersion = "uid", "7" // set by the API server: not a difference
		u, err := ApplyForm(obj)
		if err != nil {
			t.Fatal(err)
		}
		return u.Object
	}
	for name, tc := range map[string]struct {
		live map[string]any
		want bool
	}{
		"same digest":                 {live(map[string]string{v1alpha1.AppliedDigestAnnotation: digest}, "v"), true},
		"legacy annotation, same sum": {live(map[string]string{v1alpha1.LegacyAppliedHashAnnotation: legacy}, "v"), true},
		"legacy annotation, other":    {live(map[string]string{v1alpha1.LegacyAppliedHashAnnotation: "0123456789abcdef"}, "v"), false},
		"no annotation":               {live(nil, "v"), false},
		"other digest":                {live(map[string]string{v1alpha1.AppliedDigestAnnotation: "00"}, "v"), false},
		"field changed by another":    {live(map[string]string{v1alpha1.AppliedDigestAnnotation: digest}, "w"), false},
	} {
		if got := Unchanged(desired, digest, tc.live); got != tc.want {
			t.Errorf("%s: Unchanged = %v, want %v", name, got, tc.want)
		}
	}
}
