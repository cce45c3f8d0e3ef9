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

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// CacheOptions keeps Secrets, ServiceAccounts and RBAC out of the cache unless they carry the
// managed label, so memory does not grow with unrelated objects of the cluster.
func CacheOptions() cache.Options {
	managed := labels.SelectorFromSet(labels.Set{v1alpha1.ManagedLabel: "true"})
	by := cache.ByObject{Label: managed}
	return cache.Options{ByObject: map[client.Object]cache.ByObject{
		&corev1.Secret{}:             by,
		&corev1.ServiceAccount{}:     by,
		&rbacv1.RoleBinding{}:        by,
		&rbacv1.ClusterRoleBinding{}: by,
	}}
}

// SetupWithManager watches FluxConfigs and every object whose state they report.
func (r *FluxConfigReconciler) SetupWithManager(mgr ctrl.Manager, concurrency int) error {
	byLabels := handler.EnqueueRequestsFromMapFunc(configOfLabels)
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.FluxConfig{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&v1alpha1.FluxConfig{}, handler.EnqueueRequestsFromMapFunc(r.namespaceNeighbours),
			builder.WithPredicates(createOrDelete())).
		Watches(&sourcev1.GitRepository{}, byLabels).
		Watches(&sourcev1.Bucket{}, byLabels).
		Watches(&sourcev1.OCIRepository{}, byLabels).
		Watches(&kustomizev1.Kustomization{}, byLabels).
		Watches(&corev1.Secret{}, byLabels).
		Watches(&helmv2.HelmRelease{}, handler.EnqueueRequestsFromMapFunc(r.configOfApplied)).
		WithOptions(controller.Options{MaxConcurrentReconciles: concurrency}).
		Complete(r)
}

// configOfLabels maps a managed object to its FluxConfig.
func configOfLabels(_ context.Context, obj client.Object) []reconcile.Request {
	l := obj.GetLabels()
	if l[v1alpha1.ManagedLabel] != "true" || l[v1alpha1.NameLabel] == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: l[v1alpha1.NamespaceLabel], Name: l[v1alpha1.NameLabel]}}}
}

// configOfApplied maps an object a Kustomization applied to that Kustomization's FluxConfig.
func (r *FluxConfigReconciler) configOfApplied(ctx context.Context, obj client.Object) []reconcile.Request {
	l := obj.GetLabels()
	name, ns := l["kustomize.toolkit.fluxcd.io/name"], l["kustomize.toolkit.fluxcd.io/namespace"]
	if name == "" {
		return nil
	}
	k := &kustomizev1.Kustomization{}
	if err := r.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, k); err != nil {
		return nil
	}
	return configOfLabels(ctx, k)
}

// namespaceNeighbours re-reconciles the other configs of a namespace when one comes or goes:
// scope conflicts and shared RBAC depend on the set.
func (r *FluxConfigReconciler) namespaceNeighbours(ctx context.Context, obj client.Object) []reconcile.Request {
	list := &v1alpha1.FluxConfigList{}
	if err := r.List(ctx, list, client.InNamespace(obj.GetNamespace())); err != nil {
		return nil
	}
	var out []reconcile.Request
	for _, fc := range list.Items {
		if fc.Name != obj.GetName() {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&fc)})
		}
	}
	return out
}

func createOrDelete() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			return !e.ObjectOld.GetDeletionTimestamp().Equal(e.ObjectNew.GetDeletionTimestamp())
		},
	}
}

func apimetaExtract(list client.ObjectList) ([]client.Object, error) {
	items, err := apimeta.ExtractList(list)
	if err != nil {
		return nil, err
	}
	out := make([]client.Object, 0, len(items))
	for _, it := range items {
		out = append(out, it.(client.Object))
	}
	return out, nil
}

// infoGauge is fluxconfig_info: one series per config with its readiness, so alerts need no
// access to the API server.
var infoGauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{
	Name: "fluxconfig_info",
	Help: "FluxConfig readiness: 1 per config, labelled with its Ready status and reason.",
}, []string{"name", "exported_namespace", "ready", "reason", "suspended", "compliance"})

func init() { metrics.Registry.MustRegister(infoGauge) }

func recordInfo(obj *v1alpha1.FluxConfig) {
	deleteInfo(obj)
	ready, reason := "Unknown", ""
	if c := apimeta.FindStatusCondition(obj.Status.Conditions, v1alpha1.ReadyCondition); c != nil {
		ready, reason = string(c.Status), c.Reason
	}
	suspended := "false"
	if obj.Spec.Suspend {
		suspended = "true"
	}
	infoGauge.WithLabelValues(obj.Name, obj.Namespace, ready, reason, suspended, string(obj.Status.ComplianceState)).Set(1)
}

func deleteInfo(obj *v1alpha1.FluxConfig) {
	infoGauge.DeletePartialMatch(prometheus.Labels{"name": obj.Name, "exported_namespace": obj.Namespace})
}
