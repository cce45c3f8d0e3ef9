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

// Package controller reconciles FluxConfig objects: it resolves their inputs, renders the Flux
// objects, applies them with server-side apply, prunes what is no longer rendered, and reads the
// Flux objects back into status.
package controller

import (
	"context"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/render"
	"github.com/fluxconfig/fluxconfig/internal/tenancy"
)

// FluxConfigReconciler reconciles FluxConfig objects.
type FluxConfigReconciler struct {
	client.Client
	// APIReader reads objects the cache does not hold: protected-parameters and localAuthRef
	// Secrets, and objects that may exist without the managed label.
	APIReader client.Reader
	Scheme    *runtime.Scheme
	Recorder  events.EventRecorder
	// MultiTenancy runs every Kustomization as flux-applier and manages its RBAC.
	MultiTenancy bool
	// KnownHosts is used for ssh URLs without spec.gitRepository.sshKnownHosts.
	KnownHosts []byte
	// ResyncInterval is how often a settled config is reconciled again.
	ResyncInterval time.Duration
	// ReconcileTimeout bounds one reconcile; DefaultReconcileTimeout when zero.
	ReconcileTimeout time.Duration
	// WatchNamespace limits the cache of foreign Secrets to one namespace, as --watch-namespace
	// limits the manager's cache; empty for all.
	WatchNamespace string
	// Protected are the namespaces configs are refused in; see tenancy.ForWatch.
	Protected tenancy.Protected
	// FluxAPIs tells which Flux kinds the API server serves; SetupWithManager discovers them
	// when nil.
	FluxAPIs *FluxAPIs
	// CRDRecheckInterval is how often a config refused for a missing CRD looks again;
	// DefaultCRDRecheckInterval when zero.
	CRDRecheckInterval time.Duration

	// foreignSecrets and watches are set up by SetupWithManager.
	foreignSecrets client.Reader
	watches        *fluxWatches
	// finalizers are the configs whose finalizer this process added lately (see
	// reapOrphans); set up by SetupWithManager, nil (nothing remembered) otherwise.
	finalizers *finalizerWatch
}

// +kubebuilder:rbac:groups=clusterconfig.azure.com,resources=fluxconfigs,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=clusterconfig.azure.com,resources=fluxconfigs/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=clusterconfig.azure.com,resources=fluxconfigs/finalizers,verbs=update
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=gitrepositories;buckets;ocirepositories,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=helmrepositories;helmcharts,verbs=get;list;watch
// +kubebuilder:rbac:groups=kustomize.toolkit.fluxcd.io,resources=kustomizations,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=helm.toolkit.fluxcd.io,resources=helmreleases,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets;serviceaccounts,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=rolebindings;clusterrolebindings,verbs=get;list;watch;create;update;patch;delete
// The controller binds flux-applier to cluster-admin, which RBAC allows only to a holder of
// cluster-admin's rights or of bind on that one ClusterRole.
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=clusterroles,verbs=bind,resourceNames=cluster-admin
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// --leader-elect keeps a Lease and records core/v1 Events about it; the chart runs with it on.
// The Lease is in the release namespace ("system" is the placeholder kustomize and
// hack/chart-rbac.sh replace), so the right is a Role there, not over every namespace's Leases.
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;create;update,namespace=system
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch

// Reconcile brings one FluxConfig's Flux objects, Secrets and RBAC to what its spec declares.
// Whatever path it takes, one deferred function finishes the status and writes it if it changed.
func (r *FluxConfigReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	obj := &v1alpha1.FluxConfig{}
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return r.reapOrphans(ctx, req.NamespacedName)
		}
		return ctrl.Result{}, err
	}
	before, acted := obj.DeepCopy(), false
	defer func() {
		if err := r.finishStatus(ctx, before, obj, acted); err != nil {
			retErr = errors.Join(retErr, err)
		}
	}()
	if !obj.DeletionTimestamp.IsZero() {
		acted = true
		return r.finalize(ctx, obj)
	}
	unpublished := false
	if !controllerutil.ContainsFinalizer(obj, v1alpha1.Finalizer) {
		patch := client.MergeFrom(obj.DeepCopy())
		controllerutil.AddFinalizer(obj, v1alpha1.Finalizer)
		if err := r.Patch(ctx, obj, patch); err != nil {
			return ctrl.Result{}, fmt.Errorf("adding the finalizer: %w", err)
		}
		r.finalizers.add(req.NamespacedName, time.Now())
		// The patch's answer is the object as the API server holds it, status included: with
		// no status ever written, no key generated for it was ever published.
		unpublished = obj.Status.ObservedGeneration == 0
	}
	if obj.Status.ObservedGeneration != obj.Generation {
		markProgressing(obj)
		// Announce a new generation of a provisioned config before acting on it, so its old
		// Ready=True is not read as the new one's. A config never provisioned has nothing to
		// mistake: its first status is the outcome, one write instead of two.
		if obj.Status.ObservedGeneration != 0 {
			if err := r.patchStatus(ctx, before, obj); err != nil {
				return ctrl.Result{}, err
			}
			before = obj.DeepCopy()
		}
	}
	acted = true
	return r.reconcile(ctx, obj, unpublished)
}

// finishStatus records that obj's generation was acted on, keeps the kstatus invariants
// (Reconciling goes once Ready or Stalled is True; Stalled goes once Ready is True), and
// writes the status if it changed. A config whose finalizer was just removed is gone.
func (r *FluxConfigReconciler) finishStatus(ctx context.Context, before, obj *v1alpha1.FluxConfig, acted bool) error {
	if !obj.DeletionTimestamp.IsZero() && !controllerutil.ContainsFinalizer(obj, v1alpha1.Finalizer) {
		return nil
	}
	if acted {
		obj.Status.ObservedGeneration = obj.Generation
	}
	if apimeta.IsStatusConditionTrue(obj.Status.Conditions, v1alpha1.ReadyCondition) {
		apimeta.RemoveStatusCondition(&obj.Status.Conditions, v1alpha1.StalledCondition)
	}
	if apimeta.IsStatusConditionTrue(obj.Status.Conditions, v1alpha1.ReadyCondition) ||
		apimeta.IsStatusConditionTrue(obj.Status.Conditions, v1alpha1.StalledCondition) {
		apimeta.RemoveStatusCondition(&obj.Status.Conditions, v1alpha1.ReconcilingCondition)
	}
	recordInfo(obj)
	return client.IgnoreNotFound(r.patchStatus(ctx, before, obj))
}

// reconcile runs the steps and records their outcome in obj's status. A refused config
// (protected namespace, scope conflict) applies nothing; if it ran before, its objects are
// rendered suspended and without tenant RBAC, so it stops.
func (r *FluxConfigReconciler) reconcile(ctx context.Context, obj *v1alpha1.FluxConfig, unpublished bool) (ctrl.Result, error) {
	if err := r.requireSourceAPI(ctx, obj); err != nil {
		return r.fail(ctx, obj, err)
	}
	refusal, err := r.admit(ctx, obj)
	if err == nil && refusal != nil {
		err = r.refuseUnlessApplied(ctx, obj, refusal)
	}
	if err != nil {
		return r.fail(ctx, obj, err)
	}
	in, err := r.resolveInputs(ctx, obj, unpublished)
	if err != nil {
		return r.fail(ctx, obj, err)
	}
	rendered, err := render.Render(obj, in.Inputs, render.Options{
		MultiTenancy: r.MultiTenancy, ForceSuspend: refusal != nil, KnownHosts: r.KnownHosts,
	})
	if err != nil {
		return r.fail(ctx, obj, err)
	}
	changed, current, err := r.applyAll(ctx, obj, rendered.Objects)
	if err != nil {
		return r.fail(ctx, obj, r.noMatch(err))
	}
	if err := r.prune(ctx, obj, rendered.Objects); err != nil {
		return r.fail(ctx, obj, err)
	}
	// An event tells of a change to a config already applied (a spec change, a repaired
	// drift). The first apply is told by the status alone: an event per new config would be
	// one more write per config, for a fact the status already states.
	if len(changed) > 0 && obj.Status.Inventory != nil {
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, "Applied", "Apply", "Applied %s", strings.Join(changed, ", "))
	}
	obj.Status.Inventory = inventoryOf(obj, rendered.Objects)
	obj.Status.RepositoryPublicKey = rendered.RepositoryPublicKey
	r.announceRegeneratedKey(obj, in)
	if refusal != nil {
		return r.stop(ctx, obj, refusal)
	}
	r.observe(ctx, obj, current)
	return ctrl.Result{RequeueAfter: jitter(r.ResyncInterval)}, nil
}

// refuseUnlessApplied returns the refusal when obj has nothing applied, so nothing is; nil
// when it has, which must then be stopped. The labels find what was applied when a status
// with its inventory was never written.
func (r *FluxConfigReconciler) refuseUnlessApplied(ctx context.Context, obj *v1alpha1.FluxConfig, refusal error) error {
	if obj.Status.Inventory != nil && len(obj.Status.Inventory.Entries) > 0 {
		return nil
	}
	owned, err := r.owned(ctx, obj, false)
	if err != nil {
		return err
	}
	if len(owned) == 0 {
		return refusal
	}
	return nil
}

// stop records a refusal of a config whose objects were just rendered suspended. In a
// protected namespace every config is refused, so the namespace's tenant RBAC goes too, and
// Flux objects its Kustomizations applied lose the account they ran as.
func (r *FluxConfigReconciler) stop(ctx context.Context, obj *v1alpha1.FluxConfig, refusal error) (ctrl.Result, error) {
	var protectedErr *ProtectedNamespaceError
	if errors.As(refusal, &protectedErr) {
		if err := r.releaseTenantRBAC(ctx, obj); err != nil {
			return r.fail(ctx, obj, err)
		}
	}
	return r.fail(ctx, obj, refusal)
}

// jitter spreads d by ±10 %, so configs created together do not all resync in the same second.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return d - d/10 + mathrand.N(d/5+1)
}

// resolveInputs reads the protected parameters, checks localAuthRef, and finds or generates
// the SSH key the config keeps for its whole life. unpublished says that obj is known never
// to have published a key.
func (r *FluxConfigReconciler) resolveInputs(ctx context.Context, obj *v1alpha1.FluxConfig, unpublished bool) (inputs, error) {
	in := inputs{unpublished: unpublished}
	if ref := obj.Spec.ProtectedParametersSecretRef; ref != nil {
		secret := &corev1.Secret{}
		if err := r.readSecret(ctx, client.ObjectKey{Namespace: obj.Namespace, Name: ref.Name}, secret); err != nil {
			return in, missingSecret(err, "spec.protectedParametersSecretRef", ref.Name)
		}
		in.ProtectedParameters = secret.Data
	}
	if name := obj.LocalAuthRef(); name != "" {
		if err := r.readSecret(ctx, client.ObjectKey{Namespace: obj.Namespace, Name: name}, &corev1.Secret{}); err != nil {
			return in, missingSecret(err, "localAuthRef", name)
		}
	}
	err := r.resolveSSHKey(ctx, obj, &in)
	return in, err
}

// readSecret reads an input Secret from the cache, which holds it when it is labelled with
// the name of its config (as the agent writes them), else directly from the API server.
func (r *FluxConfigReconciler) readSecret(ctx context.Context, key client.ObjectKey, secret *corev1.Secret) error {
	err := r.Get(ctx, key, secret)
	if apierrors.IsNotFound(err) {
		err = r.APIReader.Get(ctx, key, secret)
	}
	return err
}

// errSecretMissing is waited on, not stalled on: the agent may write the Secret after the
// FluxConfig.
type errSecretMissing struct{ msg string }

func (e *errSecretMissing) Error() string { return e.msg }

func missingSecret(err error, field, name string) error {
	if apierrors.IsNotFound(err) {
		return &errSecretMissing{msg: fmt.Sprintf("%s: Secret %s not found in this namespace; create it", field, name)}
	}
	return fmt.Errorf("reading Secret %s: %w", name, err)
}

// applyAll applies the rendered objects in order, names the ones it changed, and returns each
// object as it now is, by objectKey: what status reads of them is then what was just written,
// not a cache that may not have caught up yet.
func (r *FluxConfigReconciler) applyAll(ctx context.Context, obj *v1alpha1.FluxConfig, objs []client.Object) ([]string, map[string]client.Object, error) {
	log := ctrl.LoggerFrom(ctx)
	a := &applier{client: r.Client, reader: r.APIReader, foreign: r.foreignSecrets, scheme: r.Scheme}
	var changed []string
	current := map[string]client.Object{}
	for _, o := range objs {
		now, did, err := a.apply(ctx, obj, o)
		if err != nil {
			return changed, nil, err
		}
		if now != nil {
			current[objectKey(r, o)] = now
		}
		if did {
			log.V(1).Info("Applied", "kind", r.kindOf(o), "object", klog.KObj(o))
			changed = append(changed, r.kindName(o))
		}
	}
	return changed, current, nil
}

// fail records err in status: Stalled for what only a person can fix, Ready=False either way.
// A terminal error is returned as such, so it is logged and counted but not retried: a
// change of the spec or of a watched object triggers the next attempt.
func (r *FluxConfigReconciler) fail(ctx context.Context, obj *v1alpha1.FluxConfig, err error) (ctrl.Result, error) {
	reason, terminal, wait := v1alpha1.ApplyFailedReason, false, time.Duration(0)
	var invalidErr *render.InvalidSpecError
	var conflictErr *ScopeConflictError
	var protectedErr *ProtectedNamespaceError
	var foreignErr *ForeignObjectError
	var missingErr *errSecretMissing
	var crdErr *CRDNotInstalledError
	stalled := false
	switch {
	case errors.As(err, &invalidErr):
		reason, terminal = v1alpha1.InvalidSpecReason, true
	case errors.As(err, &conflictErr):
		reason, terminal = v1alpha1.ScopeConflictReason, true
	case errors.As(err, &protectedErr):
		reason, terminal = v1alpha1.ProtectedNamespaceReason, true
	case errors.As(err, &crdErr):
		// Stalled until someone installs the CRD, but looked at again now and then, so a
		// CRD installed later is found without a change to the config.
		reason, stalled, wait = v1alpha1.CRDNotInstalledReason, true, r.crdRecheck()
	case errors.As(err, &foreignErr):
		reason, terminal = v1alpha1.ForeignObjectReason, true
	case errors.As(err, &missingErr):
		reason, wait = v1alpha1.SecretNotFoundReason, 30*time.Second
	}
	msg := err.Error()
	// Warn once per distinct failure: a config that stays refused is re-reconciled by the
	// watches of its objects, and an event per pass would be a write per pass.
	prev := apimeta.FindStatusCondition(obj.Status.Conditions, v1alpha1.ReadyCondition)
	repeated := prev != nil && prev.Reason == reason && prev.Message == msg
	obj.Status.ProvisioningState = v1alpha1.ProvisioningFailed
	obj.Status.ErrorMessage = msg
	setCondition(obj, v1alpha1.ReadyCondition, metav1.ConditionFalse, reason, msg)
	apimeta.RemoveStatusCondition(&obj.Status.Conditions, v1alpha1.ReconcilingCondition)
	if terminal || stalled {
		setCondition(obj, v1alpha1.StalledCondition, metav1.ConditionTrue, reason, msg)
	} else {
		apimeta.RemoveStatusCondition(&obj.Status.Conditions, v1alpha1.StalledCondition)
	}
	if !repeated {
		r.Recorder.Eventf(obj, nil, corev1.EventTypeWarning, reason, "Reconcile", "%s", msg)
	}
	switch {
	case terminal:
		return ctrl.Result{}, reconcile.TerminalError(err)
	case wait > 0:
		ctrl.LoggerFrom(ctx).Info("Waiting", "reason", reason, "message", msg, "retryAfter", wait)
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	return ctrl.Result{}, err
}

func markProgressing(obj *v1alpha1.FluxConfig) {
	state := v1alpha1.ProvisioningUpdating
	if obj.Status.ObservedGeneration == 0 {
		state = v1alpha1.ProvisioningCreating
	}
	obj.Status.ProvisioningState = state
	msg := fmt.Sprintf("applying generation %d", obj.Generation)
	setCondition(obj, v1alpha1.ReconcilingCondition, metav1.ConditionTrue, v1alpha1.ProgressingReason, msg)
	setCondition(obj, v1alpha1.ReadyCondition, metav1.ConditionUnknown, v1alpha1.ProgressingReason, msg)
}

func setCondition(obj *v1alpha1.FluxConfig, typ string, status metav1.ConditionStatus, reason, msg string) {
	apimeta.SetStatusCondition(&obj.Status.Conditions, metav1.Condition{
		Type: typ, Status: status, Reason: reason, Message: msg, ObservedGeneration: obj.Generation,
	})
}

// patchStatus writes the status only when it changed, so a steady-state reconcile is quiet.
func (r *FluxConfigReconciler) patchStatus(ctx context.Context, before, obj *v1alpha1.FluxConfig) error {
	if statusEqual(before.Status, obj.Status) {
		return nil
	}
	if err := r.Status().Patch(ctx, obj, client.MergeFrom(before)); err != nil {
		return fmt.Errorf("patching status: %w", err)
	}
	return nil
}
