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
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
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
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/render"
	"github.com/fluxconfig/fluxconfig/internal/scheme"
)

// fluxScheme maps the Flux types to their group versions.
var fluxScheme = scheme.New()

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

// SetupWithManager watches FluxConfigs and every object whose state they report: of the Flux
// kinds, those the API server serves (GitRepository and Kustomization must be; a kind served
// later is watched once a config needs it or a discovery finds it).
// Each reconcile is bounded by ReconcileTimeout, DefaultReconcileTimeout when zero.
func (r *FluxConfigReconciler) SetupWithManager(mgr ctrl.Manager, concurrency int) error {
	for _, obj := range readFrom {
		if _, err := mgr.GetCache().GetInformer(context.Background(), obj); err != nil {
			return fmt.Errorf("starting the informer of %T: %w", obj, err)
		}
	}
	if err := r.discoverFluxAPIs(mgr); err != nil {
		return err
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
	r.finalizers = &finalizerWatch{}
	c, err := ctrl.NewControllerManagedBy(mgr).
		WatchesRawSource(foreignSource).
		For(&v1alpha1.FluxConfig{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&v1alpha1.FluxConfig{}, r.neighbours()).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(configOfSecret)).
		Watches(&corev1.ServiceAccount{}, r.tenantReleased()).
		WithOptions(controller.Options{MaxConcurrentReconciles: concurrency, ReconciliationTimeout: timeout}).
		Build(r)
	if err != nil {
		return err
	}
	r.watches = &fluxWatches{controller: c, cache: mgr.GetCache(), handler: handler.EnqueueRequestsFromMapFunc(r.configOfFlux),
		kinds: map[schema.GroupKind]bool{}}
	return r.watchServedKinds(context.Background())
}

// discoverFluxAPIs finds which Flux kinds are served, unless the caller did (the command
// waits for them with backoff before it builds the manager).
func (r *FluxConfigReconciler) discoverFluxAPIs(mgr ctrl.Manager) error {
	if r.FluxAPIs != nil {
		return nil
	}
	dc, err := discovery.NewDiscoveryClientForConfig(mgr.GetConfig())
	if err != nil {
		return err
	}
	r.FluxAPIs = NewFluxAPIs(dc, FluxGVKs())
	if err := r.FluxAPIs.Refresh(); err != nil {
		return err
	}
	if missing := r.FluxAPIs.Missing(requiredFluxKinds); len(missing) > 0 {
		return fmt.Errorf("the CRDs %s are not served; install Flux's source and kustomize CRDs", strings.Join(missing, ", "))
	}
	return nil
}

// FluxGVKs are the Flux kinds the controller may watch.
func FluxGVKs() []schema.GroupVersionKind {
	var out []schema.GroupVersionKind
	for gk, newObj := range fluxKinds {
		gvk, err := apiutil.GVKForObject(newObj(), fluxScheme)
		if err != nil {
			panic(fmt.Sprintf("%s is not in the scheme: %v", gk, err))
		}
		out = append(out, gvk)
	}
	return out
}

// fluxWatches are the Flux kinds the controller watches, which may grow while it runs.
type fluxWatches struct {
	controller controller.Controller
	cache      cache.Cache
	handler    handler.EventHandler

	mu    sync.Mutex
	kinds map[schema.GroupKind]bool
}

// watching says whether gk is watched, and so may be read from the cache.
func (r *FluxConfigReconciler) watching(gk schema.GroupKind) bool {
	if r.watches == nil {
		return false
	}
	r.watches.mu.Lock()
	defer r.watches.mu.Unlock()
	return r.watches.kinds[gk]
}

// watchServedKinds starts watching each Flux kind the last discovery found served and that is
// not watched yet.
func (r *FluxConfigReconciler) watchServedKinds(ctx context.Context) error {
	w := r.watches
	w.mu.Lock()
	defer w.mu.Unlock()
	for gk, newObj := range fluxKinds {
		if w.kinds[gk] || !r.FluxAPIs.Served(gk) {
			continue
		}
		src := source.Kind(w.cache, newObj(), w.handler)
		if err := w.controller.Watch(src); err != nil {
			return fmt.Errorf("watching %s: %w", gk, err)
		}
		w.kinds[gk] = true
	}
	return nil
}

// requireSourceAPI refuses a config whose source kind is not served, discovering again (at
// most once per FluxAPIs.Interval) before it says so, and watches a kind found served late.
func (r *FluxConfigReconciler) requireSourceAPI(ctx context.Context, obj *v1alpha1.FluxConfig) error {
	gk := render.SourceOf(obj).GVK.GroupKind()
	if r.watching(gk) && r.FluxAPIs.Served(gk) {
		return nil
	}
	served, err := r.FluxAPIs.Ensure(gk)
	if err != nil {
		return err
	}
	if !served {
		return &CRDNotInstalledError{CRD: CRDName(gk)}
	}
	ctrl.LoggerFrom(ctx).Info("A Flux CRD is served now; watching it", "crd", CRDName(gk))
	return r.watchServedKinds(ctx)
}

// noMatch turns the API server's NoMatch for a Flux kind (its CRD removed, or not served yet
// after a restart of the API server) into CRDNotInstalled, and has the kind discovered again.
func (r *FluxConfigReconciler) noMatch(err error) error {
	var noKind *apimeta.NoKindMatchError
	if !errors.As(err, &noKind) {
		return err
	}
	r.FluxAPIs.Forget(noKind.GroupKind)
	return &CRDNotInstalledError{CRD: CRDName(noKind.GroupKind)}
}

func (r *FluxConfigReconciler) crdRecheck() time.Duration {
	if r.CRDRecheckInterval > 0 {
		return r.CRDRecheckInterval
	}
	return DefaultCRDRecheckInterval
}

// tenantReleased re-reconciles the configs of a namespace whose flux-applier account went:
// a config refused for the other scope may now claim the namespace.
func (r *FluxConfigReconciler) tenantReleased() handler.EventHandler {
	return handler.Funcs{
		DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			if e.Object.GetLabels()[v1alpha1.TenantRBACLabel] == "true" {
				r.enqueueNeighbours(ctx, e.Object, q)
			}
		},
	}
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

// neighbours re-reconciles the configs of a namespace when one starts to go or goes: it may
// leave shared RBAC to the others. Arrivals concern nobody else (the first config of a
// namespace decides its scope), which keeps a namespace of many configs from reconciling all
// of them for each one created.
func (r *FluxConfigReconciler) neighbours() handler.EventHandler {
	type queue = workqueue.TypedRateLimitingInterface[reconcile.Request]
	return handler.Funcs{
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q queue) {
			if !e.ObjectOld.GetDeletionTimestamp().Equal(e.ObjectNew.GetDeletionTimestamp()) {
				r.enqueueNeighbours(ctx, e.ObjectNew, q)
			}
		},
		DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q queue) {
			r.enqueueNeighbours(ctx, e.Object, q)
		},
	}
}

// enqueueNeighbours enqueues the configs of obj's namespace, but obj itself.
func (r *FluxConfigReconciler) enqueueNeighbours(ctx context.Context, obj client.Object, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	self := ""
	if _, ok := obj.(*v1alpha1.FluxConfig); ok {
		self = obj.GetName()
	}
	list := &v1alpha1.FluxConfigList{}
	if err := r.List(ctx, list, client.InNamespace(obj.GetNamespace())); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Cannot list the FluxConfigs that share a namespace", "namespace", obj.GetNamespace())
		return
	}
	for _, fc := range list.Items {
		if fc.Name != self {
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
