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

package compliance

import (
	"fmt"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

func ready(status metav1.ConditionStatus, reason string) []metav1.Condition {
	return []metav1.Condition{{Type: "Ready", Status: status, Reason: reason}}
}

func TestState(t *testing.T) {
	tests := []struct {
		name string
		obj  Object
		want v1alpha1.ComplianceState
	}{
		{"missing", Object{Missing: true}, v1alpha1.Unknown},
		{"suspended beats ready", Object{Suspended: true, Conditions: ready("True", "Succeeded")}, v1alpha1.Suspended},
		{"no conditions yet", Object{Generation: 1}, v1alpha1.Pending},
		{"ready at current generation", Object{Generation: 2, ObservedGeneration: 2, Conditions: ready("True", "Succeeded")}, v1alpha1.Compliant},
		{"ready at an old generation", Object{Generation: 3, ObservedGeneration: 2, Conditions: ready("True", "Succeeded")}, v1alpha1.Pending},
		{"failed", Object{Generation: 1, ObservedGeneration: 1, Conditions: ready("False", "BuildFailed")}, v1alpha1.NonCompliant},
		{"waiting for a dependency", Object{Conditions: ready("False", "DependencyNotReady")}, v1alpha1.Pending},
		{"progressing", Object{Conditions: ready("Unknown", "Progressing")}, v1alpha1.Pending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			NewWithT(t).Expect(State(tt.obj)).To(Equal(tt.want))
		})
	}
}

func TestCombine(t *testing.T) {
	ok := Object{Conditions: ready("True", "Succeeded")}
	failed := Object{Conditions: ready("False", "Failed")}
	waiting := Object{}
	tests := []struct {
		name      string
		suspended bool
		objs      []Object
		want      v1alpha1.ComplianceState
	}{
		{"nothing observed", false, nil, v1alpha1.Unknown},
		{"all compliant", false, []Object{ok, ok}, v1alpha1.Compliant},
		{"one pending", false, []Object{ok, waiting}, v1alpha1.Pending},
		{"one missing", false, []Object{ok, {Missing: true}}, v1alpha1.Pending},
		{"failure beats pending", false, []Object{waiting, failed, ok}, v1alpha1.NonCompliant},
		{"suspended config", true, []Object{failed}, v1alpha1.Suspended},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			NewWithT(t).Expect(Combine(tt.suspended, tt.objs)).To(Equal(tt.want))
		})
	}
}

func TestStatuses_OwnObjectsFirstAndBounded(t *testing.T) {
	g := NewWithT(t)
	var objs []Object
	for i := 0; i < 10; i++ {
		objs = append(objs, Object{Kind: "HelmRelease", Namespace: "n", Name: fmt.Sprintf("hr-%d", i),
			AppliedBy: &v1alpha1.ObjectReference{Name: "k", Namespace: "n"}})
	}
	objs = append(objs, Object{Kind: "Kustomization", Namespace: "n", Name: "k"}, Object{Kind: "GitRepository", Namespace: "n", Name: "c"})

	out, omitted := Statuses(objs, 5)
	g.Expect(out).To(HaveLen(5))
	g.Expect(omitted).To(Equal(7))
	g.Expect(out[0].Kind).To(Equal("GitRepository"))
	g.Expect(out[1].Kind).To(Equal("Kustomization"))
	g.Expect(out[2].AppliedBy).NotTo(BeNil())
}

func FuzzCombine(f *testing.F) {
	f.Add(true, "True", "x", int64(1), int64(1), false)
	f.Add(false, "False", "DependencyNotReady", int64(2), int64(1), true)
	f.Fuzz(func(t *testing.T, suspended bool, status, reason string, gen, observed int64, missing bool) {
		objs := []Object{
			{Missing: missing, Generation: gen, ObservedGeneration: observed,
				Conditions: ready(metav1.ConditionStatus(status), reason)},
			{Conditions: ready("True", "ok")},
		}
		got := Combine(suspended, objs)
		switch {
		case suspended && got != v1alpha1.Suspended:
			t.Fatalf("a suspended config is %s", got)
		case !suspended && State(objs[0]) == v1alpha1.NonCompliant && got != v1alpha1.NonCompliant:
			t.Fatalf("a failing object left the config %s", got)
		case got == v1alpha1.Compliant && State(objs[0]) != v1alpha1.Compliant:
			t.Fatalf("config Compliant while an object is %s", State(objs[0]))
		}
		statuses, omitted := Statuses(objs, 1)
		if len(statuses) != 1 || omitted != 1 {
			t.Fatalf("bound not kept: %d statuses, %d omitted", len(statuses), omitted)
		}
	})
}
