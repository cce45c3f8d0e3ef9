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

// Package compliance computes a FluxConfig's compliance from the Flux objects it created and
// the Flux objects those applied. Pure functions: the controller reads the objects.
package compliance

import (
	"sort"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// dependencyNotReady is the Ready=False reason Flux uses while a dependency is not ready yet:
// waiting, not failing.
const dependencyNotReady = "DependencyNotReady"

// Object is what was observed of one Flux object.
type Object struct {
	Kind, Name, Namespace string
	// Missing: the object does not exist (yet) or could not be read.
	Missing bool
	// ReadError says why the object could not be read, when it was not a NotFound, so a read
	// failure is reported rather than taken for "missing".
	ReadError          string
	Suspended          bool
	Generation         int64
	ObservedGeneration int64
	Conditions         []metav1.Condition
	// AppliedBy is the Kustomization that applied the object; nil for the config's own.
	AppliedBy   *v1alpha1.ObjectReference
	HelmRelease *v1alpha1.HelmReleaseProperties
}

// State is the compliance of one object.
func State(o Object) v1alpha1.ComplianceState {
	if o.Missing {
		return v1alpha1.Unknown
	}
	if o.Suspended {
		return v1alpha1.Suspended
	}
	ready := apimeta.FindStatusCondition(o.Conditions, "Ready")
	switch {
	case ready == nil:
		return v1alpha1.Pending
	case ready.Status == metav1.ConditionTrue && o.ObservedGeneration >= o.Generation:
		return v1alpha1.Compliant
	case ready.Status == metav1.ConditionFalse && ready.Reason != dependencyNotReady:
		return v1alpha1.NonCompliant
	default:
		return v1alpha1.Pending
	}
}

// Combine is the compliance of a config: Suspended when the config is, else any
// Non-Compliant object wins, then anything not yet known is Pending, and only all Compliant
// is Compliant. No objects at all is Unknown.
func Combine(suspended bool, objs []Object) v1alpha1.ComplianceState {
	if suspended {
		return v1alpha1.Suspended
	}
	if len(objs) == 0 {
		return v1alpha1.Unknown
	}
	result := v1alpha1.Compliant
	for _, o := range objs {
		switch State(o) {
		case v1alpha1.NonCompliant:
			return v1alpha1.NonCompliant
		case v1alpha1.Pending, v1alpha1.Unknown, v1alpha1.Suspended:
			result = v1alpha1.Pending
		}
	}
	return result
}

// Statuses lists at most limit object statuses, the config's own objects first, and returns how
// many were left out.
func Statuses(objs []Object, limit int) ([]v1alpha1.ObjectStatus, int) {
	sorted := append([]Object(nil), objs...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if (a.AppliedBy == nil) != (b.AppliedBy == nil) {
			return a.AppliedBy == nil
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	omitted := 0
	if limit >= 0 && len(sorted) > limit {
		omitted = len(sorted) - limit
		sorted = sorted[:limit]
	}
	out := make([]v1alpha1.ObjectStatus, 0, len(sorted))
	for _, o := range sorted {
		conds := o.Conditions
		if len(conds) > 16 {
			conds = conds[:16]
		}

		out = append(out, v1alpha1.ObjectStatus{
			Name: o.Name, Namespace: o.Namespace, Kind: o.Kind,
			ComplianceState:       State(o),
			AppliedBy:             o.AppliedBy,
			StatusConditions:      conds,
			HelmReleaseProperties: o.HelmRelease,
		})
	}
	return out, omitted
}
