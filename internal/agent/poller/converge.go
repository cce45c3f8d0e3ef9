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

package poller

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/agent"
	"github.com/fluxconfig/fluxconfig/internal/arm"
)

// DefaultReconciliationWait is the wait when waitForReconciliation is set without a
// reconciliationWaitDuration.
const DefaultReconciliationWait = 10 * time.Minute

// DefaultConcurrency is how many configurations the agent applies at once when
// Poller.Concurrency is zero. The API server sets the pace (controller-runtime's client has
// no rate limit of its own; API Priority and Fairness queues what exceeds the agent's
// share). 48 keeps it busier than 16 did: the bench's 1,000 configurations exist 7 to 30%
// sooner, on a shared machine.
const DefaultConcurrency = 48

// converge applies every desired item, carries out deletions, and prunes managed
// FluxConfigs the endpoint no longer lists. One item's failure does not stop the others:
// an item the cluster refuses is reported Failed, one that hits a passing error is retried
// on its own backoff (see items.go). Items are independent, so they are applied by a
// bounded pool of workers: each apply is one round trip, and the API server (or the
// client's rate limiter) sets the pace, not the round-trip latency.
func (p *Poller) converge(ctx context.Context, items []dpv1.DesiredConfiguration, authoritative bool) error {
	if err := p.loadFailed(ctx); err != nil {
		return err
	}
	p.forgetStale(items)
	defer p.holdEvents()()
	keep := map[types.NamespacedName]bool{}
	for i := range items {
		keep[itemKey(&items[i])] = true
	}
	p.forEach(items, func(_ int, item *dpv1.DesiredConfiguration) {
		if item.Deleting {
			p.deleteOne(ctx, item)
			return
		}
		p.applyOne(ctx, item)
	})
	var err error
	if len(items) == 0 {
		// An empty desired set is what a lost endpoint database looks like; removing a
		// configuration goes through DELETE, which lists it as deleting until it is gone.
		// Not even an authoritative endpoint empties a cluster in one answer.
		p.Log.V(1).Info("The endpoint lists no configuration; pruning skipped")
		p.setPending(nil)
	} else {
		err = p.prune(ctx, keep, authoritative)
	}
	return errors.Join(err, p.saveFailed(ctx))
}

// deleteOne carries out one deletion; a failure is logged and tried again at every poll
// until it succeeds, without holding up the others. A delete the cluster refuses (an
// admission policy, missing RBAC) is also reported Failed with the reason, once per reason,
// so the endpoint does not show it Deleting without a word; lifting the refusal finishes it.
func (p *Poller) deleteOne(ctx context.Context, item *dpv1.DesiredConfiguration) {
	err := p.deleteItem(ctx, item, itemKey(item))
	if err == nil {
		return
	}
	agent.ApplyErrors.Inc()
	if !refusedByAPIServer(err) {
		p.Log.Info("Deleting a configuration failed; tried again at the next poll", "name", item.Name,
			"operationId", item.OperationID, "error", err.Error())
		return
	}
	msg := truncateMessage(err.Error())
	p.Log.Info("Deleting a configuration was refused; reported Failed and tried again at the next poll",
		"name", item.Name, "operationId", item.OperationID, "reason", msg)
	refusal := failedOp{OperationID: item.OperationID, Message: msg}
	p.mu.Lock()
	told := p.deleteRefused[item.Name] == refusal
	p.mu.Unlock()
	if told {
		return
	}
	if err := p.reportFailed(ctx, item.Name, item.OperationID, msg); err != nil {
		p.Log.Info("Reporting a refused delete failed; retried at the next poll", "name", item.Name, "error", err.Error())
		return
	}
	p.mu.Lock()
	if p.deleteRefused == nil {
		p.deleteRefused = map[string]failedOp{}
	}
	p.deleteRefused[item.Name] = refusal
	p.mu.Unlock()
}

// forEach runs fn for every item on at most Concurrency workers and waits for all.
func (p *Poller) forEach(items []dpv1.DesiredConfiguration, fn func(int, *dpv1.DesiredConfiguration)) {
	workers := p.Concurrency
	if workers <= 0 {
		workers = DefaultConcurrency
	}
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i := range items {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i, &items[i])
		}()
	}
	wg.Wait()
}

func itemKey(item *dpv1.DesiredConfiguration) types.NamespacedName {
	return types.NamespacedName{Namespace: arm.Namespace(&item.Properties), Name: item.Name}
}

// applyItem writes one configuration: namespace, protected parameters, then the FluxConfig.
// A *refusal error means the item cannot be applied as it is; any other error may pass.
func (p *Poller) applyItem(ctx context.Context, item *dpv1.DesiredConfiguration, key types.NamespacedName) error {
	if err := p.protected().Check(key.Namespace); err != nil {
		return &refusal{err.Error()}
	}
	spec, err := arm.ToSpec(&item.Properties)
	if err != nil {
		return &refusal{"the configuration cannot be converted: " + err.Error()}
	}
	secretData, err := decodeProtected(item.ConfigurationProtectedSettings)
	if err != nil {
		return &refusal{err.Error()}
	}
	var existing *v1alpha1.FluxConfig
	found := &v1alpha1.FluxConfig{}
	switch err := p.Client.Get(ctx, key, found); {
	case err == nil:
		existing = found
	case !apierrors.IsNotFound(err):
		return fmt.Errorf("reading FluxConfig %s: %w", key, err)
	}
	if existing != nil {
		switch p.Identity.Owner(existing) {
		case agent.NotAgent:
			return &refusal{fmt.Sprintf("FluxConfig %s already exists and was not created by fluxconfig-agent; "+
				"it is left untouched: delete it or give the configuration another name", key)}
		case agent.OtherAgent:
			return &refusal{fmt.Sprintf("FluxConfig %s already exists and belongs to %s; it is left untouched: "+
				"delete it, or remove its labels %s and %s to hand it over to this agent",
				key, agent.Describe(existing), v1alpha1.AgentEndpointLabel, v1alpha1.AgentClusterLabel)}
		}
	}
	if err := p.ensureNamespace(ctx, key.Namespace); err != nil {
		return err
	}
	if len(secretData) > 0 {
		if err := p.applySecret(ctx, key, secretData); err != nil {
			p.event(existing, corev1.EventTypeWarning, EventFailed, "Not applied: %v", err)
			return err
		}
	} else {
		p.Desired.ForgetSecret(key) // the endpoint purged the settings; so does the agent
	}
	if len(secretData) > 0 || (existing != nil && existing.Spec.ProtectedParametersSecretRef != nil) {
		spec.ProtectedParametersSecretRef = &v1alpha1.LocalObjectReference{Name: agent.ProtectedParametersSecretName(key.Name)}
	}
	spec.OperationID, spec.CorrelationID = item.OperationID, item.CorrelationID
	return p.applyFluxConfig(ctx, key, spec, p.operationAnnotations(item, existing), existing)
}

// operationAnnotations keeps the annotations of an operation already applied, so the
// reconciliation wait counts from the first apply, even across agent restarts.
func (p *Poller) operationAnnotations(item *dpv1.DesiredConfiguration, existing *v1alpha1.FluxConfig) map[string]string {
	ann := map[string]string{}
	if existing != nil && existing.Spec.OperationID == item.OperationID {
		ann[v1alpha1.OperationStateAnnotation] = existing.Annotations[v1alpha1.OperationStateAnnotation]
		ann[v1alpha1.OperationAppliedAtAnnotation] = existing.Annotations[v1alpha1.OperationAppliedAtAnnotation]
	} else {
		ann[v1alpha1.OperationStateAnnotation] = dpv1.ProvisioningUpdating
		if existing == nil {
			ann[v1alpha1.OperationStateAnnotation] = dpv1.ProvisioningCreating
		}
		ann[v1alpha1.OperationAppliedAtAnnotation] = p.Now().UTC().Format(time.RFC3339)
	}
	if w := item.Properties.WaitForReconciliation; w != nil && *w {
		wait := DefaultReconciliationWait
		if d, err := arm.ParseISODuration(item.Properties.ReconciliationWaitDuration); err == nil {
			wait = d
		}
		ann[v1alpha1.WaitDurationAnnotation] = wait.String()
	}
	return ann
}

// deleteItem removes a configuration the endpoint is deleting and reports once it is gone.
func (p *Poller) deleteItem(ctx context.Context, item *dpv1.DesiredConfiguration, key types.NamespacedName) error {
	fc := &v1alpha1.FluxConfig{}
	err := p.Client.Get(ctx, key, fc)
	switch {
	case apierrors.IsNotFound(err):
		return p.reportDeleted(ctx, item, key)
	case err != nil:
		return fmt.Errorf("reading FluxConfig %s: %w", key, err)
	case p.Identity.Owner(fc) != agent.Ours && p.Identity.Owner(fc) != agent.Legacy:
		// Not ours: the endpoint's configuration never reached the cluster. One written
		// by an earlier agent version is ours to delete: the endpoint names it.
		return p.reportDeleted(ctx, item, key)
	case fc.DeletionTimestamp != nil:
		return nil // the controller's finalizer is still cleaning up
	}
	p.Log.Info("Deleting FluxConfig", "FluxConfig", key, "operationId", item.OperationID)
	p.Desired.Forget(key) // a deletion by the agent is no drift
	if err := p.Client.Delete(ctx, fc); ctrlclient.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting FluxConfig %s: %w", key, err)
	}
	p.event(fc, corev1.EventTypeNormal, EventDeleted, "Deleted by fluxconfig-agent: the endpoint deletes the configuration (operation %s)", item.OperationID)
	if err := p.Client.Get(ctx, key, fc); apierrors.IsNotFound(err) {
		return p.reportDeleted(ctx, item, key)
	}
	return nil
}

// finishDeletions re-checks deletions not reported yet.
func (p *Poller) finishDeletions(ctx context.Context, items []dpv1.DesiredConfiguration) {
	for i := range items {
		if item := &items[i]; item.Deleting && p.reported(item) != item.OperationID {
			p.deleteOne(ctx, item)
		}
	}
}

func (p *Poller) reported(item *dpv1.DesiredConfiguration) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.deleteReported[item.Name]
}

// reportDeleted removes the protected parameters and tells the endpoint the delete is done.
func (p *Poller) reportDeleted(ctx context.Context, item *dpv1.DesiredConfiguration, key types.NamespacedName) error {
	if p.reported(item) == item.OperationID {
		return nil
	}
	if err := p.deleteSecret(ctx, key); err != nil {
		return err
	}
	rep := &dpv1.StatusReport{OperationID: item.OperationID, ProvisioningState: dpv1.ProvisioningSucceeded}
	if err := p.Config.ReportStatus(ctx, item.Name, rep); err != nil {
		agent.ReportErrors.Inc()
		return err
	}
	p.mu.Lock()
	if p.deleteReported == nil {
		p.deleteReported = map[string]string{}
	}
	p.deleteReported[item.Name] = item.OperationID
	p.mu.Unlock()
	return nil
}

// reportFailed ends an operation as Failed.
func (p *Poller) reportFailed(ctx context.Context, name, operationID, msg string) error {
	rep := &dpv1.StatusReport{OperationID: operationID, ProvisioningState: dpv1.ProvisioningFailed, ErrorMessage: msg}
	if err := p.Config.ReportStatus(ctx, name, rep); err != nil {
		agent.ReportErrors.Inc()
		return err
	}
	return nil
}

// decodeProtected decodes every protected value; the first that is not base64 fails the
// whole operation. Messages name the key, never the value.
func decodeProtected(in map[string]string) (map[string][]byte, error) {
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string][]byte, len(in))
	for _, k := range keys {
		v, err := base64.StdEncoding.DecodeString(in[k])
		if err != nil {
			return nil, fmt.Errorf("protected setting %q is not base64; nothing was applied: re-send it base64-encoded", k)
		}
		out[k] = v
	}
	return out, nil
}
