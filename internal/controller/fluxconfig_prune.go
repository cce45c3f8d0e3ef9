/*
Copyright 2026 The fluxconfig Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

	http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/
package controller

import (
	"context"
	"fmt"
	"time"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

// ownedObjects lists, from the cache, every per-config object carrying obj's labels. Labels,
// not only the inventory, so an object applied just before a crash is still found.
func (r *FluxConfigReconciler) ownedObjects(ctx context.Context, obj *v1alpha1.FluxConfig, kustomizationsOnly bool) ([]client.Object, error) {
	lists := []client.ObjectList{&kustomizev1.KustomizationList{}}
	if !kustomizationsOnly {
		lists = append(lists, &sourcev1.GitRepositoryList{}, &sourcev1.BucketList{}, &sourcev1.OCIRepositoryList{}, &corev1.SecretList{})
	}
	var out []client.Object
	for _, list := range lists {
		if err := r.List(ctx, list, client.InNamespace(obj.Namespace), client.MatchingLabels(render.Labels(obj.Namespace, obj.Name))); err != nil {
			return nil, fmt.Errorf("listing managed objects: %w", err)
		}
		items, err := apimetaExtract(list)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	return out, nil
}

// prune deletes the config's objects that are no longer rendered: a removed kustomization,
// the old source after a sourceKind switch, a Secret no longer needed.
func (r *FluxConfigReconciler) prune(ctx context.Context, obj *v1alpha1.FluxConfig, rendered []client.Object) error {
	keep := map[string]bool{}
	for _, o := range rendered {
		keep[objectKey(r, o)] = true
	}
	owned, err := r.ownedObjects(ctx, obj, false)
	if err != nil {
		return err
	}
	for _, o := range owned {
		if keep[objectKey(r, o)] || !o.GetDeletionTimestamp().IsZero() {
			continue
		}
		if err := r.Delete(ctx, o); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting %s: %w", objectKey(r, o), err)
		}
	}
	return nil
}

func objectKey(r *FluxConfigReconciler, o client.Object) string {
	gvk, _ := apiutil.GVKForObject(o, r.Scheme)
	return gvk.Kind + "/" + o.GetNamespace() + "/" + o.GetName()
}

// finalize removes the config in order: Kustomizations first, waiting until Flux has pruned
// what they applied while flux-applier still exists; then the source and Secrets; then the
// namespace's RBAC unless another config still needs it; then the finalizer. Every step
// re-reads the cluster, so a restart at any point resumes where it stopped.
func (r *FluxConfigReconciler) finalize(ctx context.Context, obj *v1alpha1.FluxConfig) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(obj, v1alpha1.Finalizer) {
		return ctrl.Result{}, nil
	}
	before := obj.DeepCopy()
	obj.Status.ProvisioningState = v1alpha1.ProvisioningDeleting
	setCondition(obj, v1alpha1.ReadyCondition, metav1.ConditionFalse, v1alpha1.DeletingReason, "deleting the Flux objects")
	if err := r.patchStatus(ctx, before, obj); err != nil {
		return ctrl.Result{}, err
	}
	kustomizations, err := r.ownedObjects(ctx, obj, true)
	if err != nil {
		return ctrl.Result{}, err
	}
	if len(kustomizations) > 0 {
		for _, k := range kustomizations {
			if k.GetDeletionTimestamp().IsZero() {
				if err := r.Delete(ctx, k); client.IgnoreNotFound(err) != nil {
					return ctrl.Result{}, fmt.Errorf("deleting Kustomization %s: %w", k.GetName(), err)
				}
			}
		}
		return ctrl.Result{RequeueAfter: deletionPoll}, nil
	}
	rest, err := r.ownedObjects(ctx, obj, false)
	if err != nil {
		return ctrl.Result{}, err
	}
	for _, o := range rest {
		if err := r.Delete(ctx, o); client.IgnoreNotFound(err) != nil {
			return ctrl.Result{}, fmt.Errorf("deleting %s: %w", objectKey(r, o), err)
		}
	}
	if err := r.releaseTenantRBAC(ctx, obj); err != nil {
		return ctrl.Result{}, err
	}
	before = obj.DeepCopy()
	controllerutil.RemoveFinalizer(obj, v1alpha1.Finalizer)
	if err := r.Patch(ctx, obj, client.MergeFrom(before)); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	deleteInfo(obj)
	return ctrl.Result{}, nil
}

// releaseTenantRBAC deletes the namespace's shared RBAC that no remaining config needs.
// Configs still being deleted count as remaining: their Kustomizations may still be pruning
// as flux-applier.
func (r *FluxConfigReconciler) releaseTenantRBAC(ctx context.Context, obj *v1alpha1.FluxConfig) error {
	list := &v1alpha1.FluxConfigList{}
	if err := r.List(ctx, list, client.InNamespace(obj.Namespace)); err != nil {
		return fmt.Errorf("listing FluxConfigs: %w", err)
	}
	needAccount, needCluster, needNamespace := false, false, false
	for _, other := range list.Items {
		if other.Name == obj.Name || !r.MultiTenancy {
			continue
		}
		needAccount = true
		if other.Spec.Scope == v1alpha1.ScopeNamespace {
			needNamespace = true
		} else {
			needCluster = true
		}
	}
	candidates := []struct {
		obj    client.Object
		needed bool
	}{
		{&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: render.ClusterRoleBindingName(obj.Namespace)}}, needCluster},
		{&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: render.ApplierServiceAccount, Namespace: obj.Namespace}}, needNamespace},
		{&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: render.ApplierServiceAccount, Namespace: obj.Namespace}}, needAccount},
	}
	for _, c := range candidates {
		if c.needed {
			continue
		}
		if err := r.Get(ctx, client.ObjectKeyFromObject(c.obj), c.obj); err != nil {
			if apierrors.IsNotFound(err) {
				continue
			}
			return err
		}
		if c.obj.GetLabels()[v1alpha1.TenantRBACLabel] != "true" {
			continue // not ours: never delete a foreign object
		}
		if err := r.Delete(ctx, c.obj); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting %s: %w", objectKey(r, c.obj), err)
		}
	}
	return nil
}
