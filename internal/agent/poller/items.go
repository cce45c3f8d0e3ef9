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
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/agent"
	"github.com/fluxconfig/fluxconfig/internal/ssa"
	"github.com/fluxconfig/fluxconfig/internal/tenancy"
	"github.com/fluxconfig/fluxconfig/internal/truncate"
)

// refusal is an item the agent will not apply as it is: its operation is reported Failed
// with the message, and not tried again until the endpoint sends a new operation.
type refusal struct{ msg string }

func (r *refusal) Error() string { return r.msg }

// maxMessage bounds a Failed report's message, which the endpoint stores.
const maxMessage = 1024

func truncateMessage(msg string) string { return truncate.String(msg, maxMessage, "...") }

// retryState is an item that failed with an error that may pass: it is tried again on its
// own backoff, without holding up the other items or the poll loop.
type retryState struct {
	operationID string
	failures    int
	at          time.Time
}

// failedOp is an operation the agent ended Failed. It is remembered across restarts (see
// saveFailed): the endpoint purges protected settings once an operation is reported, so
// applying the same operation again would apply it without its secrets.
type failedOp struct {
	OperationID string `json:"operationId"`
	Message     string `json:"message"`
	reported    bool
}

func (p *Poller) protected() tenancy.Protected {
	if p.Protected == nil {
		return tenancy.NewProtected(nil, "")
	}
	return p.Protected
}

// applyOne applies one item unless its operation already ended Failed or it waits for its
// retry, and records the outcome.
func (p *Poller) applyOne(ctx context.Context, item *dpv1.DesiredConfiguration) {
	now := p.Now()
	p.mu.Lock()
	failed := p.failed[item.Name]
	reported := failed != nil && failed.reported
	retry, retrying := p.retry[item.Name]
	p.mu.Unlock()
	if failed != nil && failed.OperationID == item.OperationID {
		if !reported {
			p.sendFailed(ctx, item.Name, failed)
		}
		return
	}
	if retrying && retry.operationID == item.OperationID && now.Before(retry.at) {
		return
	}
	err := p.applyItem(ctx, item, itemKey(item))
	if err == nil {
		p.mu.Lock()
		delete(p.retry, item.Name)
		p.mu.Unlock()
		return
	}
	agent.ApplyErrors.Inc()
	msg, final := failureMessage(err)
	if !final {
		if !retrying || retry.operationID != item.OperationID {
			retry = retryState{operationID: item.OperationID}
		}
		retry.failures++
		wait := p.backoff(retry.failures)
		retry.at = now.Add(wait)
		p.mu.Lock()
		p.retry[item.Name] = retry
		p.mu.Unlock()
		p.Log.Info("Configuration not applied; retrying it alone", "name", item.Name, "operationId", item.OperationID,
			"error", msg, "retryIn", wait.Round(time.Second))
		return
	}
	msg = truncateMessage(msg)
	p.Log.Info("Configuration refused; its operation ends Failed", "name", item.Name, "operationId", item.OperationID, "reason", msg)
	p.failedEvent(ctx, item, msg)
	failed = &failedOp{OperationID: item.OperationID, Message: msg}
	p.mu.Lock()
	p.failed[item.Name] = failed
	delete(p.retry, item.Name)
	p.mu.Unlock()
	// Remember the failure before telling the endpoint, which then purges the protected
	// settings: an agent restarted in between must not apply the operation without them.
	if err := p.saveFailed(ctx); err != nil {
		p.Log.Info("Recording a failed operation failed; reported at the next poll", "name", item.Name, "error", err.Error())
		return
	}
	p.sendFailed(ctx, item.Name, failed)
}

func (p *Poller) sendFailed(ctx context.Context, name string, f *failedOp) {
	if err := p.reportFailed(ctx, name, f.OperationID, f.Message); err != nil {
		p.Log.Info("Reporting a failed operation failed; retried at the next poll", "name", name, "error", err.Error())
		return
	}
	p.mu.Lock()
	f.reported = true
	p.mu.Unlock()
}

// failureMessage says what went wrong with an item, and whether that is final for its
// operation: the agent refused it, or the API server did (validation, admission, size).
// Timeouts, conflicts and unavailability pass, and are retried.
func failureMessage(err error) (string, bool) {
	var r *refusal
	if errors.As(err, &r) {
		return r.msg, true
	}
	return err.Error(), refusedByAPIServer(err)
}

// refusedByAPIServer says whether the API server refused a write for good: sending it again
// would be refused again. A namespace being deleted passes: the agent creates it anew.
func refusedByAPIServer(err error) bool {
	if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
		return false
	}
	return apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) || apierrors.IsForbidden(err) ||
		apierrors.IsRequestEntityTooLargeError(err) || apierrors.IsNotAcceptable(err) || apierrors.IsUnsupportedMediaType(err)
}

// forgetStale drops what is remembered about operations the endpoint no longer lists.
func (p *Poller) forgetStale(items []dpv1.DesiredConfiguration) {
	current := make(map[string]string, len(items))
	for i := range items {
		current[items[i].Name] = items[i].OperationID
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for name, f := range p.failed {
		if current[name] != f.OperationID {
			delete(p.failed, name)
		}
	}
	for name, r := range p.retry {
		if current[name] != r.operationID {
			delete(p.retry, name)
		}
	}
	for name, refusal := range p.deleteRefused {
		if current[name] != refusal.OperationID {
			delete(p.deleteRefused, name)
		}
	}
}

// retryDue applies, during a poll that brought no change, the items whose retry is due and
// the failed operations not yet reported.
func (p *Poller) retryDue(ctx context.Context, items []dpv1.DesiredConfiguration) {
	now := p.Now()
	var due []dpv1.DesiredConfiguration
	p.mu.Lock()
	for i := range items {
		item := &items[i]
		r, retrying := p.retry[item.Name]
		f := p.failed[item.Name]
		if (retrying && !now.Before(r.at)) || (f != nil && !f.reported) {
			due = append(due, *item)
		}
	}
	p.mu.Unlock()
	p.forEach(due, func(_ int, item *dpv1.DesiredConfiguration) { p.applyOne(ctx, item) })
}

// NextRetry is how long until the earliest item retry is due; ok is false when none waits.
// The poll loop wakes for it, so an item's backoff does not wait for the poll interval.
func (p *Poller) NextRetry() (wait time.Duration, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.retry {
		if d := r.at.Sub(p.Now()); !ok || d < wait {
			wait, ok = d, true
		}
	}
	return max(wait, 0), ok
}

// failedSecretName is the Secret in StateNamespace that keeps the failed operations of this
// agent's identity, so two agents in one namespace keep apart.
func (p *Poller) failedSecretName() string {
	sum := sha256.Sum256([]byte(p.Identity.Endpoint + "/" + p.Identity.Cluster))
	return "fluxconfig-agent-failed-operations-" + hex.EncodeToString(sum[:5])
}

// loadFailed reads the failed operations a previous run recorded, once. Without
// StateNamespace they are kept in memory only.
func (p *Poller) loadFailed(ctx context.Context) error {
	p.mu.Lock()
	loaded := p.failedLoaded
	if p.failed == nil {
		p.failed, p.retry = map[string]*failedOp{}, map[string]retryState{}
	}
	p.mu.Unlock()
	if loaded || p.StateNamespace == "" {
		return nil
	}
	secret := &corev1.Secret{}
	err := p.Client.Get(ctx, types.NamespacedName{Namespace: p.StateNamespace, Name: p.failedSecretName()}, secret)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("reading the failed operations in %s/%s: %w", p.StateNamespace, p.failedSecretName(), err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for name, data := range secret.Data {
		f := &failedOp{}
		if json.Unmarshal(data, f) == nil && f.OperationID != "" {
			// Reported again after a restart: cheap, and the endpoint may not have heard it.
			p.failed[name] = f
		}
	}
	p.failedLoaded = true
	if err == nil {
		p.failedSaved = secret
	}
	return nil
}

// saveFailed writes the failed operations to StateNamespace when they changed.
func (p *Poller) saveFailed(ctx context.Context) error {
	if p.StateNamespace == "" {
		return nil
	}
	p.saveMu.Lock()
	defer p.saveMu.Unlock()
	data := map[string][]byte{}
	p.mu.Lock()
	for name, f := range p.failed {
		data[name], _ = json.Marshal(f)
	}
	live := p.failedSaved
	p.mu.Unlock()
	secret := &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		// The identity labels say whose it is; not managed-by, which marks what belongs to
		// a FluxConfig.
		ObjectMeta: metav1.ObjectMeta{Name: p.failedSecretName(), Namespace: p.StateNamespace, Labels: map[string]string{
			v1alpha1.AgentEndpointLabel: p.Identity.Endpoint, v1alpha1.AgentClusterLabel: p.Identity.Cluster}},
		Type: corev1.SecretTypeOpaque,
		Data: data,
	}
	var liveObj runtime.Object
	switch {
	case live != nil:
		liveObj = live
	case len(data) == 0:
		return nil // nothing failed, nothing to keep
	}
	applied, err := ssa.ApplyIfChanged(ctx, p.Client, agent.FieldOwner, secret, liveObj)
	if err != nil {
		return fmt.Errorf("recording the failed operations in %s/%s: %s", p.StateNamespace, secret.Name, apierrors.ReasonForError(err))
	}
	if applied != nil {
		saved := &corev1.Secret{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(applied.Object, saved); err == nil {
			p.mu.Lock()
			p.failedSaved = saved
			p.mu.Unlock()
		}
	}
	return nil
}

// secretRefusal turns the API server's refusal of a protected-parameters Secret into a
// message without any value: the reason and the fields, never the server's own words,
// which may quote what was sent.
func secretRefusal(key types.NamespacedName, err error) error {
	msg := fmt.Sprintf("the API server refused Secret %s/%s (%s)", key.Namespace, agent.ProtectedParametersSecretName(key.Name), apierrors.ReasonForError(err))
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Details != nil {
		var fields []string
		for _, c := range status.Status().Details.Causes {
			fields = append(fields, c.Field+": "+string(c.Type))
		}
		if len(fields) > 0 {
			msg += ": " + strings.Join(fields, "; ")
		}
	}
	if refusedByAPIServer(err) {
		return &refusal{msg}
	}
	return errors.New(msg)
}
