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
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/render"
)

// ProtectedNamespaceError refuses a config in a protected namespace.
type ProtectedNamespaceError struct{ err error }

func (e *ProtectedNamespaceError) Error() string {
	return e.err.Error() + "; nothing of this config is applied, and what it applied before is suspended"
}

// ScopeConflictError refuses a config whose scope differs from the one its namespace already
// runs with. The flux-applier account is shared by the namespace's configs: a cluster-scoped
// config would make it cluster-admin under the namespace-scoped ones, whose Flux objects
// already run as it; a namespace-scoped one would run with the cluster-scoped one's rights.
// So the later arrival is refused, and an existing tenant is never escalated.
type ScopeConflictError struct {
	Namespace string
	// Scope is the refused config's; Held is the namespace's.
	Scope, Held v1alpha1.Scope
	// Holders name the namespace's configs of the held scope.
	Holders []string
}

func (e *ScopeConflictError) Error() string {
	return fmt.Sprintf("namespace %s already runs %s-scoped FluxConfigs (%s) as its flux-applier account, and a %s-scoped "+
		"config would change that account's rights under them, so this later config is refused and nothing of it is applied. "+
		"Move it to a namespace of its own, or use scope %s; it is admitted once the namespace holds no %s-scoped config",
		e.Namespace, e.Held, strings.Join(e.Holders, ", "), e.Scope, e.Held, e.Held)
}

// admit returns why obj may not run, or nil: a protected namespace, or a scope conflict.
func (r *FluxConfigReconciler) admit(ctx context.Context, obj *v1alpha1.FluxConfig) (refusal, err error) {
	if err := r.Protected.Check(obj.Namespace); err != nil {
		return &ProtectedNamespaceError{err: err}, nil
	}
	if !r.MultiTenancy {
		return nil, nil
	}
	held, err := r.heldScope(ctx, obj.Namespace)
	if err != nil {
		return nil, err
	}
	configs, err := r.namespaceConfigs(ctx, obj)
	if err != nil {
		return nil, err
	}
	if held == "" {
		// Nobody holds the namespace: its oldest config's scope takes it, by creating the
		// account. Create is atomic, so two configs racing here cannot both win.
		if oldest := render.ScopeOf(configs[0].Spec.Scope); oldest != render.ScopeOf(obj.Spec.Scope) {
			return scopeConflict(obj, oldest, configs), nil
		}
		if held, err = r.claimScope(ctx, obj); err != nil {
			return nil, err
		}
	}
	if held != render.ScopeOf(obj.Spec.Scope) {
		return scopeConflict(obj, held, configs), nil
	}
	return nil, nil
}

// namespaceConfigs lists the configs of obj's namespace, obj included, oldest first: by
// creation time, then name, so every reconcile (and every restart) orders them alike.
func (r *FluxConfigReconciler) namespaceConfigs(ctx context.Context, obj *v1alpha1.FluxConfig) ([]v1alpha1.FluxConfig, error) {
	list := &v1alpha1.FluxConfigList{}
	if err := r.List(ctx, list, client.InNamespace(obj.Namespace)); err != nil {
		return nil, fmt.Errorf("listing FluxConfigs: %w", err)
	}
	configs := list.Items
	found := false
	for _, c := range configs {
		found = found || c.Name == obj.Name
	}
	if !found {
		configs = append(configs, *obj)
	}
	sort.Slice(configs, func(i, j int) bool {
		a, b := configs[i].CreationTimestamp, configs[j].CreationTimestamp
		if !a.Equal(&b) {
			return a.Before(&b)
		}
		return configs[i].Name < configs[j].Name
	})
	return configs, nil
}

func scopeConflict(obj *v1alpha1.FluxConfig, held v1alpha1.Scope, configs []v1alpha1.FluxConfig) *ScopeConflictError {
	e := &ScopeConflictError{Namespace: obj.Namespace, Scope: render.ScopeOf(obj.Spec.Scope), Held: held}
	for _, c := range configs {
		if render.ScopeOf(c.Spec.Scope) == held {
			e.Holders = append(e.Holders, c.Name)
		}
	}
	return e
}

// heldScope is the scope the namespace's flux-applier account runs with, or "" when there is
// no account. An account from before the scope annotation tells by its bindings.
func (r *FluxConfigReconciler) heldScope(ctx context.Context, ns string) (v1alpha1.Scope, error) {
	sa := &corev1.ServiceAccount{}
	key := client.ObjectKey{Namespace: ns, Name: render.ApplierServiceAccount}
	err := r.Get(ctx, key, sa)
	if apierrors.IsNotFound(err) {
		// The cache may lag behind an account just created: ask the API server before
		// anyone claims the namespace.
		err = r.APIReader.Get(ctx, key, sa)
	}
	if apierrors.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading ServiceAccount %s: %w", render.ApplierServiceAccount, err)
	}
	if scope := sa.Annotations[v1alpha1.TenantScopeAnnotation]; scope != "" || sa.Labels[v1alpha1.TenantRBACLabel] != "true" {
		return v1alpha1.Scope(scope), nil
	}
	crb := &rbacv1.ClusterRoleBinding{}
	if err := r.Get(ctx, client.ObjectKey{Name: render.ClusterRoleBindingName(ns)}, crb); err == nil {
		return v1alpha1.ScopeCluster, nil
	} else if !apierrors.IsNotFound(err) {
		return "", err
	}
	return v1alpha1.ScopeNamespace, nil
}

// claimScope creates the namespace's flux-applier account with obj's scope, and returns the
// scope the account holds: obj's, or the one of a config that created it first.
func (r *FluxConfigReconciler) claimScope(ctx context.Context, obj *v1alpha1.FluxConfig) (v1alpha1.Scope, error) {
	sa := render.TenantServiceAccount(obj.Namespace, obj.Spec.Scope)
	err := r.Create(ctx, sa, client.FieldOwner(FieldManager))
	if err == nil {
		ctrl.LoggerFrom(ctx).Info("Claimed the namespace's flux-applier account", "scope", render.ScopeOf(obj.Spec.Scope))
		return render.ScopeOf(obj.Spec.Scope), nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return "", fmt.Errorf("creating ServiceAccount %s: %w", render.ApplierServiceAccount, err)
	}
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(sa), sa); err != nil {
		return "", fmt.Errorf("reading ServiceAccount %s: %w", render.ApplierServiceAccount, err)
	}
	if scope := sa.Annotations[v1alpha1.TenantScopeAnnotation]; scope != "" {
		return v1alpha1.Scope(scope), nil
	}
	// Someone else's account, or one from before the annotation: apply tells which.
	return render.ScopeOf(obj.Spec.Scope), nil
}

// releaseTenantRBAC deletes the namespace's shared RBAC that no other config needs. A config
// needs the account and its scope's binding while it runs; a config being deleted needs them
// only while it still has Kustomizations, which Flux may be pruning as flux-applier. So two
// configs deleted together cannot each keep the RBAC for the other. A refused config needs
// nothing. Deleting the account frees the namespace for the other scope.
func (r *FluxConfigReconciler) releaseTenantRBAC(ctx context.Context, obj *v1alpha1.FluxConfig) error {
	needs, err := r.tenantNeeds(ctx, obj)
	if err != nil {
		return err
	}
	candidates := []struct {
		obj    client.Object
		needed bool
	}{
		{&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: render.ClusterRoleBindingName(obj.Namespace)}}, needs[v1alpha1.ScopeCluster]},
		{&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: render.ApplierServiceAccount, Namespace: obj.Namespace}}, needs[v1alpha1.ScopeNamespace]},
		{&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: render.ApplierServiceAccount, Namespace: obj.Namespace}}, len(needs) > 0},
	}
	var released []client.Object
	defer func() {
		if len(released) > 0 {
			r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, EventReleasedTenantRBAC, "Delete",
				"Deleted the namespace's tenant RBAC, which no other config needs: %s", r.kindNames(released))
		}
	}()
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
		ctrl.LoggerFrom(ctx).Info("Releasing the namespace's tenant RBAC, which no other config needs", "object", objectKey(r, c.obj))
		if err := r.delete(ctx, c.obj); err != nil {
			return err
		}
		released = append(released, c.obj)
	}
	return nil
}

// kindNames is "Kind name, Kind name" for an event.
func (r *FluxConfigReconciler) kindNames(objs []client.Object) string {
	names := make([]string, 0, len(objs))
	for _, o := range objs {
		names = append(names, r.kindName(o))
	}
	return strings.Join(names, ", ")
}

// tenantNeeds returns the scopes whose RBAC the namespace's configs other than obj need.
func (r *FluxConfigReconciler) tenantNeeds(ctx context.Context, obj *v1alpha1.FluxConfig) (map[v1alpha1.Scope]bool, error) {
	needs := map[v1alpha1.Scope]bool{}
	if !r.MultiTenancy || r.Protected.Check(obj.Namespace) != nil {
		return needs, nil // RBAC left from when multi-tenancy was on goes too
	}
	held, err := r.heldScope(ctx, obj.Namespace)
	if err != nil {
		return nil, err
	}
	list := &v1alpha1.FluxConfigList{}
	if err := r.List(ctx, list, client.InNamespace(obj.Namespace)); err != nil {
		return nil, fmt.Errorf("listing FluxConfigs: %w", err)
	}
	for i := range list.Items {
		other := &list.Items[i]
		scope := render.ScopeOf(other.Spec.Scope)
		if other.Name == obj.Name || (held != "" && scope != held) {
			continue
		}
		if !other.DeletionTimestamp.IsZero() {
			kustomizations, err := r.owned(ctx, other, true)
			if err != nil {
				return nil, err
			}
			if len(kustomizations) == 0 {
				continue
			}
		}
		needs[scope] = true
	}
	return needs, nil
}
