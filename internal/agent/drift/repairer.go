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

// Package drift puts back the FluxConfigs fluxconfig-agent manages when someone edits or
// deletes them in the cluster, within seconds and without waiting for the endpoint, whose
// answer does not change (304) while the cluster drifts.
//
// It watches the agent's FluxConfigs through a label-filtered, metadata-only informer: a spec
// edit bumps metadata.generation, and a deletion is an event of its own. The desired state is
// what the poller last applied (Desired), not a new read of the endpoint, so a configuration
// suspended through the endpoint stays suspended, while a suspension by kubectl edit is drift
// like any other spec change. It never watches Secrets: RBAC cannot limit list on Secrets to
// a label, so a watch would let the agent read every Secret of the cluster. A deleted
// protected-parameters Secret comes back with the next repair or change that carries it.
package drift

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/agent"
	"github.com/fluxconfig/fluxconfig/internal/ssa"
)

// The reasons of a repair: the reason label of agent.RepairsTotal.
const (
	ReasonEdited  = "Edited"
	ReasonDeleted = "Deleted"
)

// EventRepaired is the reason of the event each repair records on the FluxConfig.
const EventRepaired = "Repaired"

// Repairer is a leader-elected controller that restores what Desired holds.
type Repairer struct {
	// Client writes; Reader reads the FluxConfig and Secret as they are now (no cache).
	Client   ctrlclient.Client
	Reader   ctrlclient.Reader
	Desired  *Desired
	Recorder events.EventRecorder

	// watched reads the watch's copy of a FluxConfig's metadata; nil before SetupWithManager.
	watched ctrlclient.Reader
}

// SetupWithManager watches the agent's FluxConfigs with an informer of its own: the
// manager's FluxConfig cache holds every FluxConfig, which the poller needs to see the ones
// it must not touch; this one holds only the metadata of the agent's.
func (r *Repairer) SetupWithManager(mgr ctrl.Manager) error {
	c, err := cache.New(mgr.GetConfig(), cache.Options{
		HTTPClient: mgr.GetHTTPClient(), Scheme: mgr.GetScheme(), Mapper: mgr.GetRESTMapper(),
		DefaultLabelSelector: labels.SelectorFromSet(labels.Set{v1alpha1.AgentManagedByLabel: v1alpha1.AgentManagedByValue}),
		DefaultTransform:     cache.TransformStripManagedFields(),
	})
	if err != nil {
		return err
	}
	if err := mgr.Add(c); err != nil {
		return err
	}
	r.watched = c
	obj := &metav1.PartialObjectMetadata{}
	obj.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind(v1alpha1.FluxConfigKind))
	specChanged := predicate.TypedFuncs[*metav1.PartialObjectMetadata]{
		UpdateFunc: func(e event.TypedUpdateEvent[*metav1.PartialObjectMetadata]) bool {
			return e.ObjectOld.GetGeneration() != e.ObjectNew.GetGeneration()
		},
		GenericFunc: func(event.TypedGenericEvent[*metav1.PartialObjectMetadata]) bool { return false },
	}
	r.Desired.recheck = make(chan event.TypedGenericEvent[*metav1.PartialObjectMetadata], 64)
	return ctrl.NewControllerManagedBy(mgr).
		Named("fluxconfig-drift-repair").
		WatchesRawSource(source.Kind(c, obj, &handler.TypedEnqueueRequestForObject[*metav1.PartialObjectMetadata]{}, specChanged)).
		WatchesRawSource(source.Channel(r.Desired.recheck, &handler.TypedEnqueueRequestForObject[*metav1.PartialObjectMetadata]{})).
		Complete(r)
}

// Reconcile restores one FluxConfig when its spec is no longer what the agent last applied
// or when it is gone. It takes the config's slot in Desired for the whole repair.
func (r *Repairer) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	s := r.Desired.lock(req.NamespacedName, false)
	if s == nil {
		return ctrl.Result{}, nil // not applied by this agent (yet): the first poll will
	}
	defer s.mu.Unlock()
	if s.config == nil {
		return ctrl.Result{}, nil
	}
	if r.asApplied(ctx, req.NamespacedName, s.generation) {
		return ctrl.Result{}, nil
	}
	log := ctrl.LoggerFrom(ctx)
	live := &v1alpha1.FluxConfig{}
	reason := ReasonEdited
	switch err := r.Reader.Get(ctx, req.NamespacedName, live); {
	case apierrors.IsNotFound(err):
		live, reason = nil, ReasonDeleted
	case err != nil:
		return ctrl.Result{}, fmt.Errorf("reading FluxConfig %s: %w", req.NamespacedName, err)
	case live.DeletionTimestamp != nil:
		return ctrl.Result{}, nil // its deletion event follows once the controller has cleaned up
	case live.Labels[v1alpha1.AgentManagedByLabel] != v1alpha1.AgentManagedByValue:
		log.Info("FluxConfig no longer labelled as the agent's; left alone", "FluxConfig", req.NamespacedName)
		return ctrl.Result{}, nil
	case live.Generation == s.generation:
		return ctrl.Result{}, nil // the spec is as the agent left it
	}
	now, wrote, err := r.restore(ctx, s.config, live)
	if err != nil {
		return ctrl.Result{}, err
	}
	s.generation = now.Generation
	if !wrote {
		return ctrl.Result{}, nil // the edit was undone already
	}
	if s.secret != nil {
		if err := r.restoreSecret(ctx, s.secret); err != nil {
			return ctrl.Result{}, err
		}
	}
	agent.RepairsTotal.WithLabelValues(reason).Inc()
	note := "Restored the spec fluxconfig-agent last applied (operation %s); change it through the configuration endpoint"
	if reason == ReasonDeleted {
		note = "Recreated the FluxConfig deleted in the cluster (operation %s); delete it through the configuration endpoint"
	}
	if r.Recorder != nil {
		r.Recorder.Eventf(now, nil, corev1.EventTypeNormal, EventRepaired, "Repair", note, s.config.Spec.OperationID)
	}
	log.Info("Repaired drift", "FluxConfig", req.NamespacedName, "reason", reason, "operationId", s.config.Spec.OperationID)
	return ctrl.Result{}, nil
}

// asApplied says whether the watch's copy of key has the generation the agent left it at.
// Then the read of the live object is spared: every FluxConfig the poller creates comes
// back as a create event, and a change the copy does not show yet brings an event of its
// own, with another look.
func (r *Repairer) asApplied(ctx context.Context, key types.NamespacedName, generation int64) bool {
	if r.watched == nil || generation == 0 {
		return false
	}
	meta := &metav1.PartialObjectMetadata{}
	meta.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind(v1alpha1.FluxConfigKind))
	if err := r.watched.Get(ctx, key, meta); err != nil {
		return false
	}
	return meta.DeletionTimestamp == nil && meta.Generation == generation
}

// restore applies desired over live (nil when it was deleted) and returns the FluxConfig as
// it now is, and whether anything was written.
func (r *Repairer) restore(ctx context.Context, desired, live *v1alpha1.FluxConfig) (*v1alpha1.FluxConfig, bool, error) {
	key := ctrlclient.ObjectKeyFromObject(desired)
	var liveObj runtime.Object
	if live != nil {
		liveObj = live
	}
	// Values the agent sets come back, and the agent owns them again, so a later apply that
	// drops one removes it.
	applied, err := ssa.ApplyIfChanged(ctx, r.Client, agent.FieldOwner, desired, liveObj)
	if err != nil {
		return nil, false, fmt.Errorf("restoring FluxConfig %s: %w", key, err)
	}
	now := live
	if applied != nil {
		now = &v1alpha1.FluxConfig{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(applied.Object, now); err != nil {
			return nil, false, err
		}
	}
	if live == nil || !othersOwnSpec(now.ManagedFields) {
		return now, applied != nil, nil
	}
	// What someone else added (suspend: true, a kustomization of their own) is theirs, and
	// an apply never removes it: replacing the spec does. The API server defaults it again.
	form, err := ssa.ApplyForm(desired)
	if err != nil {
		return nil, false, err
	}
	patch, err := json.Marshal([]map[string]any{{"op": "replace", "path": "/spec", "value": form.Object["spec"]}})
	if err != nil {
		return nil, false, err
	}
	replaced := &v1alpha1.FluxConfig{ObjectMeta: metav1.ObjectMeta{Name: key.Name, Namespace: key.Namespace}}
	if err := r.Client.Patch(ctx, replaced, ctrlclient.RawPatch(types.JSONPatchType, patch), ctrlclient.FieldOwner(agent.FieldOwner)); err != nil {
		return nil, false, fmt.Errorf("restoring the spec of FluxConfig %s: %w", key, err)
	}
	return replaced, applied != nil || replaced.ResourceVersion != now.ResourceVersion, nil
}

// othersOwnSpec says whether a field manager other than the agent owns a field of the spec:
// after the agent's forced apply, that is a field someone added. (The agent's own update
// entry, from replacing the spec, owns at most defaults the API server set again.)
func othersOwnSpec(entries []metav1.ManagedFieldsEntry) bool {
	for _, e := range entries {
		if e.Subresource != "" || e.FieldsV1 == nil || e.Manager == agent.FieldOwner {
			continue
		}
		var fields map[string]json.RawMessage
		if json.Unmarshal(e.FieldsV1.GetRawBytes(), &fields) == nil && fields["f:spec"] != nil {
			return true
		}
	}
	return false
}

// restoreSecret puts back the protected parameters, unless a Secret of that name is not the
// agent's. Its data never reaches a message.
func (r *Repairer) restoreSecret(ctx context.Context, secret *corev1.Secret) error {
	key := ctrlclient.ObjectKeyFromObject(secret)
	live := &corev1.Secret{}
	var liveObj runtime.Object
	switch err := r.Reader.Get(ctx, key, live); {
	case err == nil && live.Labels[v1alpha1.AgentManagedByLabel] != v1alpha1.AgentManagedByValue:
		ctrl.LoggerFrom(ctx).Info("Secret exists and was not created by fluxconfig-agent; left untouched", "Secret", key)
		return nil
	case err == nil:
		liveObj = live
	case !apierrors.IsNotFound(err):
		return fmt.Errorf("reading secret %s: %w", key, err)
	}
	if _, err := ssa.ApplyIfChanged(ctx, r.Client, agent.FieldOwner, secret, liveObj); err != nil {
		return fmt.Errorf("restoring secret %s: the API server refused it (%s)", key, apierrors.ReasonForError(err))
	}
	return nil
}
