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

package render

import (
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// ClusterRoleBindingName is the per-namespace binding of a cluster-scoped applier.
func ClusterRoleBindingName(namespace string) string { return ApplierServiceAccount + "-" + namespace }

// tenantLabels marks shared tenant RBAC of a namespace.
func tenantLabels(namespace string) map[string]string {
	return map[string]string{
		v1alpha1.ManagedLabel:    "true",
		v1alpha1.NamespaceLabel:  namespace,
		v1alpha1.TenantRBACLabel: "true",
	}
}

// ScopeOf is scope as the API server defaults it: cluster unless namespace.
func ScopeOf(scope v1alpha1.Scope) v1alpha1.Scope {
	if scope == v1alpha1.ScopeNamespace {
		return scope
	}
	return v1alpha1.ScopeCluster
}

// TenantServiceAccount is the flux-applier account of a namespace, annotated with the scope
// its configs run with.
func TenantServiceAccount(namespace string, scope v1alpha1.Scope) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: metav1.ObjectMeta{
			Name: ApplierServiceAccount, Namespace: namespace, Labels: tenantLabels(namespace),
			Annotations: map[string]string{v1alpha1.TenantScopeAnnotation: string(ScopeOf(scope))},
		},
	}
}

// TenantRBAC is the flux-applier ServiceAccount of a namespace and its binding to
// cluster-admin: cluster-wide for scope cluster, inside the namespace for scope namespace.
func TenantRBAC(namespace string, scope v1alpha1.Scope) []client.Object {
	sa := TenantServiceAccount(namespace, scope)
	subjects := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: ApplierServiceAccount, Namespace: namespace}}
	roleRef := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: ApplierClusterRole}
	if scope == v1alpha1.ScopeNamespace {
		return []client.Object{sa, &rbacv1.RoleBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "RoleBinding"},
			ObjectMeta: metav1.ObjectMeta{Name: ApplierServiceAccount, Namespace: namespace, Labels: tenantLabels(namespace)},
			Subjects:   subjects,
			RoleRef:    roleRef,
		}}
	}
	return []client.Object{sa, &rbacv1.ClusterRoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRoleBinding"},
		ObjectMeta: metav1.ObjectMeta{Name: ClusterRoleBindingName(namespace), Labels: tenantLabels(namespace)},
		Subjects:   subjects,
		RoleRef:    roleRef,
	}}
}
