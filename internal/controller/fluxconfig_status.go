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

package controller

import (
	"context"
	"fmt"
	"strings"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/compliance"
	"github.com/fluxconfig/fluxconfig/internal/render"
	"github.com/fluxconfig/fluxconfig/internal/truncate"
)

// maxStatuses bounds status.statuses; the rest is counted in omittedStatuses.
const maxStatuses = 500

func statusEqual(a, b v1alpha1.FluxConfigStatus) bool { return equality.Semantic.DeepEqual(a, b) }

// inventoryOf lists what was applied for obj, in Flux's inventory id format.
func inventoryOf(obj *v1alpha1.FluxConfig, objs []client.Object) *v1alpha1.ResourceInventory {
	inv := &v1alpha1.ResourceInventory{}
	for _, o := range objs {
		gvk := o.GetObjectKind().GroupVersionKind()
		inv.Entries = append(inv.Entries, v1alpha1.ResourceRef{
			ID:      fmt.Sprintf("%s_%s_%s_%s", o.GetNamespace(), o.GetName(), gvk.Group, gvk.Kind),
			Version: gvk.Version,
		})
	}
	return inv
}

// observe reads the config's Flux objects and the Flux objects its Kustomizations applied,
// and sets compliance, statuses, the synced revision and the conditions.
// current holds the config's own objects as the apply step left them, by objectKey; they are
// read from there rather than from the cache.
func (r *FluxConfigReconciler) observe(ctx context.Context, obj *v1alpha1.FluxConfig, current map[string]client.Object) {
	var observed []compliance.Object
	source, src, _ := r.read(ctx, render.SourceOf(obj).GVK.GroupKind(), obj.Namespace, obj.Name, nil, current)
	observed = append(observed, src)
	obj.Status.SourceSyncedCommitID, obj.Status.SourceUpdatedAt = "", nil
	if source != nil {
		if rev, ok, _ := unstructured.NestedString(source.Object, "status", "artifact", "revision"); ok {
			obj.Status.SourceSyncedCommitID = rev
		}
		if ts, ok, _ := unstructured.NestedString(source.Object, "status", "artifact", "lastUpdateTime"); ok {
			if t, err := timeParse(ts); err == nil {
				obj.Status.SourceUpdatedAt = &t
			}
		}
	}
	kGK := schema.GroupKind{Group: kustomizev1.GroupVersion.Group, Kind: kustomizev1.KustomizationKind}
	for _, k := range obj.Spec.Kustomizations {
		name := render.KustomizationName(obj.Name, k.Name)
		live, ko, _ := r.read(ctx, kGK, obj.Namespace, name, nil, current)
		observed = append(observed, ko)
		if live != nil {
			observed = append(observed, r.children(ctx, live)...)
		}
	}
	obj.Status.ComplianceState = compliance.Combine(obj.Spec.Suspend, observed)
	statuses, omitted := compliance.Statuses(observed, maxStatuses)
	compliance.Hints(statuses, obj.Namespace, render.ScopeOf(obj.Spec.Scope))
	obj.Status.Statuses, obj.Status.OmittedStatuses = statuses, int32(omitted)
	obj.Status.ProvisioningState = v1alpha1.ProvisioningSucceeded
	obj.Status.ErrorMessage = ""
	apimeta.RemoveStatusCondition(&obj.Status.Conditions, v1alpha1.StalledCondition)
	var readErrors []string
	for _, o := range observed {
		if o.ReadError != "" {
			readErrors = append(readErrors, o.ReadError)
		}
	}
	setReadyFromCompliance(obj, statuses, readErrors)
}

func setReadyFromCompliance(obj *v1alpha1.FluxConfig, statuses []v1alpha1.ObjectStatus, readErrors []string) {
	switch obj.Status.ComplianceState {
	case v1alpha1.Compliant:
		setCondition(obj, v1alpha1.ReadyCondition, metav1.ConditionTrue, v1alpha1.ReconciliationSucceededReason,
			"every Flux object is ready at revision "+obj.Status.SourceSyncedCommitID)
	case v1alpha1.Suspended:
		setCondition(obj, v1alpha1.ReadyCondition, metav1.ConditionFalse, v1alpha1.SuspendedReason, "reconciliation is suspended")
		apimeta.RemoveStatusCondition(&obj.Status.Conditions, v1alpha1.ReconcilingCondition)
	case v1alpha1.NonCompliant:
		var failing []string
		for _, s := range statuses {
			if s.ComplianceState == v1alpha1.NonCompliant {
				msg := ""
				if c := apimeta.FindStatusCondition(s.StatusConditions, "Ready"); c != nil {
					msg = ": " + c.Message
				}
				if s.Hint != "" {
					msg += " (" + s.Hint + ")"
				}
				failing = append(failing, s.Kind+" "+s.Name+msg)
			}
		}
		if n := len(failing); n > 3 {
			failing = append(failing[:3:3], fmt.Sprintf("%d more in status.statuses", n-3))
		}
		setCondition(obj, v1alpha1.ReadyCondition, metav1.ConditionFalse, v1alpha1.NotCompliantReason,
			boundMessage(strings.Join(failing, "; ")))
		apimeta.RemoveStatusCondition(&obj.Status.Conditions, v1alpha1.ReconcilingCondition)
	default:
		msg := "waiting for the Flux objects to become ready"
		if n := len(readErrors); n > 3 {
			// A condition message is bounded; three say what is wrong.
			readErrors = append(readErrors[:3:3], fmt.Sprintf("%d more", n-3))
		}
		if len(readErrors) > 0 {
			msg += "; " + strings.Join(readErrors, "; ")
		}
		setCondition(obj, v1alpha1.ReadyCondition, metav1.ConditionUnknown, v1alpha1.ProgressingReason, msg)
		setCondition(obj, v1alpha1.ReconcilingCondition, metav1.ConditionTrue, v1alpha1.ProgressingReason, msg)
	}
}

// maxConditionMessage is below the API server's bound on a condition message (32768), which
// three long Flux messages could pass: the status patch would then be refused.
const maxConditionMessage = 16384

func boundMessage(msg string) string { return truncate.String(msg, maxConditionMessage, " …") }

// read fetches a Flux object from the cache and describes it for compliance. Only the kinds
// the controller watches are read; for others it returns nil and ok=false. A failed read other
// than NotFound is logged and reported in the object's status, never taken for "missing".
func (r *FluxConfigReconciler) read(ctx context.Context, gk schema.GroupKind, ns, name string,
	appliedBy *v1alpha1.ObjectReference, current map[string]client.Object) (u *unstructured.Unstructured, o compliance.Object, ok bool) {
	o = compliance.Object{Kind: gk.Kind, Name: name, Namespace: ns, AppliedBy: appliedBy}
	newObj, ok := fluxKinds[gk]
	if !ok || !r.watching(gk) {
		return nil, o, false
	}
	var err error
	cobj, fresh := current[gk.Kind+"/"+ns+"/"+name]
	if !fresh {
		cobj = newObj()
		err = r.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, cobj)
	}
	if err != nil {
		o.Missing = true
		if !apierrors.IsNotFound(err) {
			o.ReadError = fmt.Sprintf("cannot read %s %s/%s: %v", gk.Kind, ns, name, err)
			ctrl.LoggerFrom(ctx).Error(err, "Cannot read a Flux object", "kind", gk.Kind, "object", klog.KRef(ns, name))
		}
		return nil, o, true
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(cobj)
	if err != nil {
		o.Missing, o.ReadError = true, fmt.Sprintf("cannot convert %s %s/%s: %v", gk.Kind, ns, name, err)
		return nil, o, true
	}
	u = &unstructured.Unstructured{Object: m}
	o.Generation = u.GetGeneration()
	o.ObservedGeneration, _, _ = unstructured.NestedInt64(m, "status", "observedGeneration")
	o.Suspended, _, _ = unstructured.NestedBool(m, "spec", "suspend")
	if conds, ok, _ := unstructured.NestedSlice(m, "status", "conditions"); ok {
		for _, c := range conds {
			var cond metav1.Condition
			if cm, ok := c.(map[string]any); ok && runtime.DefaultUnstructuredConverter.FromUnstructured(cm, &cond) == nil {
				o.Conditions = append(o.Conditions, cond)
			}
		}
	}
	if gk.Kind == helmv2.HelmReleaseKind {
		o.HelmRelease = helmProperties(m)
	}
	return u, o, true
}

// children reads the Flux objects a Kustomization applied, from its inventory.
func (r *FluxConfigReconciler) children(ctx context.Context, k *unstructured.Unstructured) []compliance.Object {
	entries, _, _ := unstructured.NestedSlice(k.Object, "status", "inventory", "entries")
	by := &v1alpha1.ObjectReference{Name: k.GetName(), Namespace: k.GetNamespace()}
	var out []compliance.Object
	for _, e := range entries {
		m, _ := e.(map[string]any)
		id, _ := m["id"].(string)
		parts := strings.Split(id, "_")
		if len(parts) != 4 {
			continue
		}
		if _, o, ok := r.read(ctx, schema.GroupKind{Group: parts[2], Kind: parts[3]}, parts[0], parts[1], by, nil); ok {
			out = append(out, o)
		}
	}
	return out
}

func helmProperties(m map[string]any) *v1alpha1.HelmReleaseProperties {
	p := &v1alpha1.HelmReleaseProperties{}
	p.FailureCount, _, _ = unstructured.NestedInt64(m, "status", "failures")
	p.InstallFailureCount, _, _ = unstructured.NestedInt64(m, "status", "installFailures")
	p.UpgradeFailureCount, _, _ = unstructured.NestedInt64(m, "status", "upgradeFailures")
	if history, ok, _ := unstructured.NestedSlice(m, "status", "history"); ok && len(history) > 0 {
		if h, ok := history[0].(map[string]any); ok {
			p.LastRevisionApplied, _, _ = unstructured.NestedInt64(h, "version")
		}
	}
	if chart, ok, _ := unstructured.NestedString(m, "status", "helmChart"); ok && chart != "" {
		ns, name, _ := strings.Cut(chart, "/")
		p.HelmChartRef = &v1alpha1.ObjectReference{Namespace: ns, Name: name}
	}
	return p
}

func timeParse(s string) (metav1.Time, error) {
	var t metav1.Time
	err := t.UnmarshalQueryParameter(s)
	return t, err
}
