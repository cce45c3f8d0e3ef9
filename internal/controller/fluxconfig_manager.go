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
	"reflect"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
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
	"github.com/fluxconfig/fluxconfig/internal/render"
)

// DefaultReconcileTimeout bounds one reconcile, so no read or write can hold a worker forever.
const DefaultReconcileTimeout = 2 * time.Minute

// labelFiltered are the kinds the cache holds only when labelled, so memory does not grow
// with unrelated objects of the cluster; a cache miss of these proves nothing.
var labelFiltered = []client.Object{&corev1.Secret{}, &corev1.ServiceAccount{}, &rbacv1.RoleBinding{}, &rbacv1.ClusterRoleBinding{}}

// CacheOptions keeps Secrets, ServiceAccounts and RBAC out of the cache unless they carry
// the managed label. Secrets are cached when they name a config, which covers the auth
// Secrets the controller writes and the protected-parameters Secrets the agent writes, so a
// reconcile reads its inputs from memory.
func CacheOptions() cache.Options {
	managed := labels.SelectorFromSet(labels.Set{v1alpha1.ManagedLabel: "true"})
	named, _ := labels.Parse(v1alpha1.NameLabel)
	by := map[client.Object]cache.ByObject{}
	for _, obj := range labelFiltered {
		// Keys are pointers: one entry per kind, or the cache picks one of them at random.
		if _, secret := obj.(*corev1.Secret); secret {
			by[obj] = cache.ByObject{Label: named}
		} else {
			by[obj] = cache.ByObject{Label: managed}
		}
	}
	// A read of a kind nobody watches fails instead of starting an informer on the spot: the
	// controller's RBAC may not allow that kind, and such an informer never syncs, so the read
	// would wait for as long as the reconcile runs.
	return cache.Options{ByObject: by, ReaderFailOnMissingInformer: true}
}

// readFrom are the kinds the controller reads through the cache without watching them; their
// informers are started with the manager's, since the cache starts none on a read.
var readFrom = []client.Object{&corev1.ServiceAccount{}, &rbacv1.RoleBinding{}, &rbacv1.ClusterRoleBinding{}}

// fluxKinds are the Flux kinds the controller watches, and so the only ones it reads: status
// reports an object a Kustomization applied only when it is of one of these kinds. Each is
// allowed by the controller's RBAC (see the markers on FluxConfigReconciler); a kind added
// here needs a marker too.
var fluxKinds = func() map[schema.GroupKind]func() client.Object {
	kinds := map[schema.GroupKind]func() client.Object{
		{Group: sourcev1.GroupVersion.Group, Kind: sourcev1.HelmRepositoryKind}: func() client.Object { return &sourcev1.HelmRepository{} },
		{Group: sourcev1.GroupVersion.Group, Kind: sourcev1.HelmChartKind}:      func() client.Object { return &sourcev1.HelmChart{} },
		{Group: kustomizev1.GroupVersion.Group, Kind: kustomizev1.KustomizationKind}: func() client.Object {
			return &kustomizev1.Kustomization{}
		},
		{Group: helmv2.GroupVersion.Group, Kind: helmv2.HelmReleaseKind}: func() client.Object { return &helmv2.HelmRelease{} },
	}
	for _, s := range render.FluxSources() {
		kinds[s.GVK.GroupKind()] = s.New
	}
	return kinds
}()

func isLabelFiltered(obj client.Object) bool {
	for _, f := range labelFiltered {
		if reflect.TypeOf(f) == reflect.TypeOf(obj) {
			return true
		}
	}
	return false
}

// SetupWithManager watches FluxConfigs and every object whose state they report.
// Each reconcile is bounded by ReconcileTimeout, DefaultReconcileTimeout when zero.
func (r *FluxConfigReconciler) SetupWithManager(mgr ctrl.Manager, concurrency int) error {
	for _, obj := range readFrom {
		if _, err := mgr.GetCache().GetInformer(context.Background(), obj); err != nil {
			return fmt.Errorf("starting the informer of %T: %w", obj, err)
		}
	}
	timeout := r.ReconcileTimeout
	if timeout == 0 {
		timeout = DefaultReconcileTimeout
	}
	foreign, foreignSource, err := foreignSecrets(mgr, r.WatchNamespace)
	if err != nil {
		return err
	}
	r.foreignSecrets = foreign
	b := ctrl.NewControllerManagedBy(mgr).
		WatchesRawSource(foreignSource).
		For(&v1alpha1.FluxConfig{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&v1alpha1.FluxConfig{}, r.neighbours()).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(configOfSecret))
	for _, newObj := range fluxKinds {
		b = b.Watches(newObj(), handler.EnqueueRequestsFromMapFunc(r.configOfFlux))
	}
	return b.WithOptions(controller.Options{MaxConcurrentReconciles: concurrency, ReconciliationTimeout: timeout}).Complete(r)
}

// configOfLabels maps a managed object to its FluxConfig.
func configOfLabels(_ context.Context, obj client.Object) []reconcile.Request {
	l := obj.GetLabels()
	if l[v1alpha1.ManagedLabel] != "true" || l[v1alpha1.NameLabel] == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: l[v1alpha1.NamespaceLabel], Name: l[v1alpha1.NameLabel]}}}
}

// configOfFlux maps a Flux object to its FluxConfig: the one whose labels it carries, else the
// one whose Kustomization applied it.
func (r *FluxConfigReconciler) configOfFlux(ctx context.Context, obj client.Object) []reconcile.Request {
	if reqs := configOfLabels(ctx, obj); reqs != nil {
		return reqs
	}
	l := obj.GetLabels()
	name, ns := l[v1alpha1.KustomizeNameLabel], l[v1alpha1.KustomizeNamespaceLabel]
	if name == "" {
		return nil
	}
	k := &kustomizev1.Kustomization{}
	if err := r.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, k); err != nil {
		if !apierrors.IsNotFound(err) {
			ctrl.LoggerFrom(ctx).Error(err, "Cannot map an applied object to its FluxConfig",
				"object", klog.KObj(obj), "kustomization", klog.KRef(ns, name))
		}
		return nil
	}
	return configOfLabels(ctx, k)
}

// configOfSecret maps a managed Secret, or an input Secret labelled with the name of its
// config (the agent labels the protected parameters so), to that config.
func configOfSecret(ctx context.Context, obj client.Object) []reconcile.Request {
	l := obj.GetLabels()
	if l[v1alpha1.ManagedLabel] != "true" && l[v1alpha1.NameLabel] != "" {
		return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: obj.GetNamespace(), Name: l[v1alpha1.NameLabel]}}}
	}
	return configOfLabels(ctx, obj)
}

// neighbours re-reconciles the configs of a namespace that depend on one that came or went.
// A cluster-scoped config arriving changes whether the namespace-scoped ones conflict; a
// config going (or starting to go) may lift a conflict or leave shared RBAC to the others.
// Other arrivals concern nobody else, which keeps a namespace of many configs from
// reconciling all of them for each one created.
func (r *FluxConfigReconciler) neighbours() handler.EventHandler {
	type queue = workqueue.TypedRateLimitingInterface[reconcile.Request]
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q queue) {
			if fc, ok := e.Object.(*v1alpha1.FluxConfig); ok && fc.Spec.Scope != v1alpha1.ScopeNamespace {
				r.enqueueNeighbours(ctx, e.Object, q, true)
			}
		},
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q queue) {
			if !e.ObjectOld.GetDeletionTimestamp().Equal(e.ObjectNew.GetDeletionTimestamp()) {
				r.enqueueNeighbours(ctx, e.ObjectNew, q, false)
			}
		},
		DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q queue) {
			r.enqueueNeighbours(ctx, e.Object, q, false)
		},
	}
}

func (r *FluxConfigReconciler) enqueueNeighbours(ctx context.Context, obj client.Object, q workqueue.TypedRateLimitingInterface[reconcile.Request], namespacedOnly bool) {
	list := &v1alpha1.FluxConfigList{}
	if err := r.List(ctx, list, client.InNamespace(obj.GetNamespace())); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Cannot list the FluxConfigs that share a namespace", "namespace", obj.GetNamespace())
		return
	}
	for _, fc := range list.Items {
		if fc.Name != obj.GetName() && (!namespacedOnly || fc.Spec.Scope == v1alpha1.ScopeNamespace) {
			q.Add(reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&fc)})
		}
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
