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
	"time"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/render"
)

// deletionPoll is how often deletion checks whether Flux has released the Kustomizations;
// their watch usually answers sooner.
const deletionPoll = 2 * time.Second

// owned returns the config's own objects (not the namespace's shared RBAC): those its last
// inventory lists that still carry its labels, and every object of a rendered kind that
// carries its labels. The inventory finds what was applied; the labels are the safety net for
// an object applied just before a crash, which no inventory lists yet. All reads are from the
// cache.
func (r *FluxConfigReconciler) owned(ctx context.Context, obj *v1alpha1.FluxConfig, kustomizationsOnly bool) ([]client.Object, error) {
	return r.ownedIn(ctx, r.Client, obj, kustomizationsOnly)
}

// ownedIn is owned, reading through rd.
func (r *FluxConfigReconciler) ownedIn(ctx context.Context, rd client.Reader, obj *v1alpha1.FluxConfig, kustomizationsOnly bool) ([]client.Object, error) {
	lists := []client.ObjectList{&kustomizev1.KustomizationList{}}
	if !kustomizationsOnly {
		for _, s := range render.FluxSources() {
			// A kind that is not served has no objects, and its list would fail.
			if r.watching(s.GVK.GroupKind()) {
				lists = append(lists, s.NewList())
			}
		}
		lists = append(lists, &corev1.SecretList{})
	}
	seen := map[string]bool{}
	var out []client.Object
	add := func(o client.Object) {
		if k := objectKey(r, o); !seen[k] && ownedBy(o, obj) && o.GetLabels()[v1alpha1.TenantRBACLabel] != "true" {
			seen[k] = true
			out = append(out, o)
		}
	}
	if inv := obj.Status.Inventory; inv != nil {
		for _, e := range inv.Entries {
			o, err := r.inventoryObject(ctx, rd, e, kustomizationsOnly)
			if err != nil {
				return nil, err
			}
			if o != nil {
				add(o)
			}
		}
	}
	for _, list := range lists {
		if err := rd.List(ctx, list, client.InNamespace(obj.Namespace), client.MatchingLabels(render.Labels(obj.Namespace, obj.Name))); err != nil {
			return nil, fmt.Errorf("listing managed objects: %w", err)
		}
		items, err := apimetaExtract(list)
		if err != nil {
			return nil, err
		}
		for _, o := range items {
			add(o)
		}
	}
	return out, nil
}

// inventoryObject reads the live object an inventory entry names, or returns nil when it is
// gone or of a kind the controller does not render.
func (r *FluxConfigReconciler) inventoryObject(ctx context.Context, rd client.Reader, e v1alpha1.ResourceRef, kustomizationsOnly bool) (client.Object, error) {
	parts := strings.Split(e.ID, "_")
	if len(parts) != 4 {
		return nil, nil
	}
	gk := schema.GroupKind{Group: parts[2], Kind: parts[3]}
	newObj, ok := renderedKinds()[gk]
	if !ok || (kustomizationsOnly && gk.Kind != kustomizev1.KustomizationKind) || (gk.Group != "" && !r.watching(gk)) {
		return nil, nil
	}
	o := newObj()
	if err := rd.Get(ctx, client.ObjectKey{Namespace: parts[0], Name: parts[1]}, o); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("reading %s %s/%s of the inventory: %w", gk.Kind, parts[0], parts[1], err)
	}
	return o, nil
}

// renderedKinds are the kinds a config's own objects may have.
func renderedKinds() map[schema.GroupKind]func() client.Object {
	kinds := map[schema.GroupKind]func() client.Object{
		{Group: kustomizev1.GroupVersion.Group, Kind: kustomizev1.KustomizationKind}: func() client.Object { return &kustomizev1.Kustomization{} },
		{Kind: "Secret"}: func() client.Object { return &corev1.Secret{} },
	}
	for _, s := range render.FluxSources() {
		kinds[s.GVK.GroupKind()] = s.New
	}
	return kinds
}

// prune deletes the config's objects that are no longer rendered: a removed kustomization,
// the old source after a sourceKind switch, a Secret no longer needed. What the previous
// inventory lists is diffed against what was rendered.
func (r *FluxConfigReconciler) prune(ctx context.Context, obj *v1alpha1.FluxConfig, rendered []client.Object) error {
	keep := map[string]bool{}
	for _, o := range rendered {
		keep[objectKey(r, o)] = true
	}
	owned, err := r.owned(ctx, obj, false)
	if err != nil {
		return err
	}
	for _, o := range owned {
		if keep[objectKey(r, o)] || !o.GetDeletionTimestamp().IsZero() {
			continue
		}
		if err := r.delete(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

func (r *FluxConfigReconciler) delete(ctx context.Context, o client.Object) error {
	// A kind no longer served has no objects left to delete.
	if err := r.Delete(ctx, o); client.IgnoreNotFound(err) != nil && !apimeta.IsNoMatchError(err) {
		return fmt.Errorf("deleting %s: %w", objectKey(r, o), err)
	}
	ctrl.LoggerFrom(ctx).V(1).Info("Deleted", "kind", r.kindOf(o), "object", klog.KObj(o))
	return nil
}

// objectKey is "Kind/namespace/name": an object's identity among those of a config.
func objectKey(r *FluxConfigReconciler, o client.Object) string {
	return r.kindOf(o) + "/" + o.GetNamespace() + "/" + o.GetName()
}

// kindOf is o's kind as the scheme knows it; typed objects often come without one.
func (r *FluxConfigReconciler) kindOf(o client.Object) string {
	gvk, _ := apiutil.GVKForObject(o, r.Scheme)
	return gvk.Kind
}

// kindName is "Kind name", as events name an object.
func (r *FluxConfigReconciler) kindName(o client.Object) string {
	return r.kindOf(o) + " " + o.GetName()
}

// Reasons of the events that tell the stages of a deletion, one event per stage.
const (
	EventDeletingKustomizations = "DeletingKustomizations"
	EventDeletingSource         = "DeletingSource"
	EventReleasedTenantRBAC     = "ReleasedTenantRBAC"
	EventFinalized              = "Finalized"
)

// finalize removes the config in order: Kustomizations first, waiting until Flux has pruned
// what they applied while flux-applier still exists; then the source and Secrets; then the
// namespace's RBAC unless another config still needs it; then the finalizer. Every step
// re-reads the cluster, so a restart at any point resumes where it stopped. The status is
// written by Reconcile's deferred step.
//
// Its reads go to the API server, not the cache: right after a restart of the controller or
// of the API server, the cache may not yet hold an object applied a moment before, and a
// finalizer removed on that word would leave the object without its config for good.
// Deletion is rare, so the direct reads cost little.
func (r *FluxConfigReconciler) finalize(ctx context.Context, obj *v1alpha1.FluxConfig) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(obj, v1alpha1.Finalizer) {
		return ctrl.Result{}, nil
	}
	log := ctrl.LoggerFrom(ctx)
	obj.Status.ProvisioningState = v1alpha1.ProvisioningDeleting
	setCondition(obj, v1alpha1.ReadyCondition, metav1.ConditionFalse, v1alpha1.DeletingReason, "deleting the Flux objects")
	if waiting, err := r.deleteOwned(ctx, obj); err != nil || waiting {
		return requeueUnless(err)
	}
	patch := client.MergeFrom(obj.DeepCopy())
	controllerutil.RemoveFinalizer(obj, v1alpha1.Finalizer)
	if err := r.Patch(ctx, obj, patch); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	r.finalizers.forget(client.ObjectKeyFromObject(obj))
	log.Info("Removed the finalizer: every object of the config is deleted")
	r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, EventFinalized, "Delete", "Every object of the config is deleted; the finalizer is removed")
	deleteInfo(obj)
	return ctrl.Result{}, nil
}

// deleteOwned deletes obj's objects in finalize's order and reports whether it still waits
// for Flux to release Kustomizations. Its reads go to the API server (see finalize).
func (r *FluxConfigReconciler) deleteOwned(ctx context.Context, obj *v1alpha1.FluxConfig) (waiting bool, err error) {
	log := ctrl.LoggerFrom(ctx)
	kustomizations, err := r.ownedIn(ctx, r.APIReader, obj, true)
	if err != nil {
		return false, err
	}
	if len(kustomizations) > 0 {
		var deleting, pending []string
		for _, k := range kustomizations {
			if k.GetDeletionTimestamp().IsZero() {
				if err := r.delete(ctx, k); err != nil {
					return false, err
				}
				r.warnUnpruned(ctx, obj, k)
				deleting = append(deleting, k.GetName())
			} else {
				pending = append(pending, k.GetName())
			}
		}
		if len(deleting) > 0 {
			log.Info("Deleting the Kustomizations first", "kustomizations", deleting)
			r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, EventDeletingKustomizations, "Delete",
				"Deleting Kustomization %s first; the source, Secrets and RBAC stay until Flux has pruned what they applied", strings.Join(deleting, ", "))
		}
		if len(pending) > 0 {
			log.Info("Waiting for Flux to finalize the Kustomizations", "kustomizations", pending)
		}
		return true, nil
	}
	rest, err := r.ownedIn(ctx, r.APIReader, obj, false)
	if err != nil {
		return false, err
	}
	if len(rest) > 0 {
		log.Info("Deleting the source and Secrets", "count", len(rest))
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, EventDeletingSource, "Delete", "Deleting %s", r.kindNames(rest))
	}
	for _, o := range rest {
		if err := r.delete(ctx, o); err != nil {
			return false, err
		}
	}
	return false, r.releaseTenantRBAC(ctx, obj)
}

// EventPruneSkipped warns that deleting a suspended Kustomization leaves what it applied.
const EventPruneSkipped = "PruneSkipped"

// warnUnpruned tells that Flux will leave what k applied in place: kustomize-controller
// prunes nothing for a Kustomization deleted while suspended, and a config's Kustomizations
// are suspended by spec.suspend and while the config is refused. It is called once k's
// deletion is accepted: a refused one is retried, and would tell again.
func (r *FluxConfigReconciler) warnUnpruned(ctx context.Context, obj *v1alpha1.FluxConfig, k client.Object) {
	ks, ok := k.(*kustomizev1.Kustomization)
	if !ok || !ks.Spec.Suspend || !ks.Spec.Prune || ks.Status.Inventory == nil || len(ks.Status.Inventory.Entries) == 0 {
		return
	}
	n := len(ks.Status.Inventory.Entries)
	why := "the config is suspended; resume it (spec.suspend: false) before deleting it to have them pruned"
	if !obj.Spec.Suspend {
		why = "the config was refused, so its Kustomizations were suspended; delete the objects by hand"
	}
	ctrl.LoggerFrom(ctx).Info("Deleting a suspended Kustomization: Flux leaves what it applied", "kustomization", klog.KObj(ks), "objects", n)
	r.Recorder.Eventf(obj, nil, corev1.EventTypeWarning, EventPruneSkipped, "Delete",
		"Kustomization %s is suspended, so Flux leaves the %d objects it applied in place: %s", ks.Name, n, why)
}

// reapOrphans deletes, in finalize's order, the objects of a config that is gone although
// this process added its finalizer lately. There are such objects when the config was
// deleted while its finalizer was being added: kube-apiserver may answer that the finalizer
// was added and still remove the object (kubernetes/kubernetes#77988), and the reconcile
// under way then applies objects no finalizer guards. Their own watch events bring them
// here. The cache says which objects to look at; only the API server may say the config is
// gone.
func (r *FluxConfigReconciler) reapOrphans(ctx context.Context, key client.ObjectKey) (ctrl.Result, error) {
	if !r.finalizers.recent(key, time.Now()) {
		return ctrl.Result{}, nil
	}
	stub := &v1alpha1.FluxConfig{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}
	cached, err := r.owned(ctx, stub, false)
	if err != nil || len(cached) == 0 {
		return ctrl.Result{}, err
	}
	if err := r.APIReader.Get(ctx, key, &v1alpha1.FluxConfig{}); !apierrors.IsNotFound(err) {
		return ctrl.Result{}, err // it exists (the cache lags, and its event follows) or the read failed
	}
	ctrl.LoggerFrom(ctx).Info("Deleting the objects of a FluxConfig that is gone", "count", len(cached))
	if waiting, err := r.deleteOwned(ctx, stub); err != nil || waiting {
		return requeueUnless(err)
	}
	r.finalizers.forget(key)
	return ctrl.Result{}, nil
}

// requeueUnless polls again after deletionPoll, or returns err for the rate-limited retry.
func requeueUnless(err error) (ctrl.Result, error) {
	if err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: deletionPoll}, nil
}
