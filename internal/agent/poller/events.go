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
	"time"

	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/agent"
	"github.com/fluxconfig/fluxconfig/internal/arm"
)

// Reasons of the events the agent records on the FluxConfigs it writes. Drift repairs record
// drift.EventRepaired.
const (
	EventCreated = "Created"
	EventUpdated = "Updated"
	EventDeleted = "Deleted"
	EventFailed  = "Failed"
)

// applied counts a write of a FluxConfig and records it on the object the API server answered.
func (p *Poller) applied(fc *unstructured.Unstructured, created bool) {
	reason, note := EventUpdated, "Updated by fluxconfig-agent from the configuration endpoint (operation %s)"
	if created {
		reason, note = EventCreated, "Created by fluxconfig-agent from the configuration endpoint (operation %s)"
	}
	agent.AppliesTotal.WithLabelValues(reason).Inc()
	operation, _, _ := unstructured.NestedString(fc.Object, "spec", "operationId")
	p.record(fc, corev1.EventTypeNormal, reason, note, operation)
}

// event records an event on fc, if there is one.
func (p *Poller) event(fc *v1alpha1.FluxConfig, eventType, reason, note string, args ...any) {
	if fc != nil {
		p.record(fc, eventType, reason, note, args...)
	}
}

// heldEvent is an event recorded while a round holds them; see holdEvents.
type heldEvent struct {
	obj                     runtime.Object
	eventType, reason, note string
	args                    []any
}

// record records an event on obj now, or at the end of the round that holds events.
func (p *Poller) record(obj runtime.Object, eventType, reason, note string, args ...any) {
	if p.Recorder == nil {
		return
	}
	p.eventsMu.Lock()
	if p.holding {
		// A copy: the caller may read into obj again before the round ends.
		p.held = append(p.held, heldEvent{obj: obj.DeepCopyObject(), eventType: eventType, reason: reason, note: note, args: args})
		p.eventsMu.Unlock()
		return
	}
	p.eventsMu.Unlock()
	p.Recorder.Eventf(obj, nil, eventType, reason, "Apply", note, args...)
}

// holdEvents holds the events of a round until the returned func is called, once its
// writes are done. Each event is a write of its own: sent as each config is applied, a
// thousand of them share the API server with the configs still waiting for their apply.
func (p *Poller) holdEvents() (release func()) {
	p.eventsMu.Lock()
	p.holding = true
	p.eventsMu.Unlock()
	return func() {
		p.eventsMu.Lock()
		p.queued = append(p.queued, p.held...)
		p.held, p.holding = nil, false
		start := !p.sending && len(p.queued) > 0
		p.sending = p.sending || start
		p.eventsMu.Unlock()
		if start {
			go p.sendQueued()
		}
	}
}

// Released events go out at most eventBurst at once, then one per eventInterval. The
// recorder posts each event from a goroutine of its own, so a first round's thousand events
// sent together are a thousand requests at the same moment: more than one HTTP/2
// connection carries, and the client opens hundreds of TLS connections to the API server
// for them. Paced, they share one connection, and a thousand take five seconds.
const (
	eventBurst    = 50
	eventInterval = 5 * time.Millisecond
)

// sendQueued records the released events at the pace above, in order, until none is left;
// a later round's events queue behind the earlier ones.
func (p *Poller) sendQueued() {
	p.eventsMu.Lock()
	if p.eventPace == nil {
		p.eventPace = rate.NewLimiter(rate.Every(eventInterval), eventBurst)
	}
	pace := p.eventPace
	p.eventsMu.Unlock()
	for {
		p.eventsMu.Lock()
		if len(p.queued) == 0 {
			p.queued, p.sending = nil, false
			p.eventsMu.Unlock()
			return
		}
		e := p.queued[0]
		p.queued[0] = heldEvent{}
		p.queued = p.queued[1:]
		p.eventsMu.Unlock()
		_ = pace.Wait(context.Background()) // fails only for a deadline or a wait beyond the burst
		p.Recorder.Eventf(e.obj, nil, e.eventType, e.reason, "Apply", e.note, e.args...)
	}
}

// failedEvent tells of an operation that ended Failed on the FluxConfig it is about, when
// that FluxConfig exists and is the agent's: a FluxConfig applied by hand gets no event
// from the agent. The message never holds a secret value.
func (p *Poller) failedEvent(ctx context.Context, item *dpv1.DesiredConfiguration, msg string) {
	if p.Recorder == nil {
		return
	}
	fc := &v1alpha1.FluxConfig{}
	key := types.NamespacedName{Namespace: arm.Namespace(&item.Properties), Name: item.Name}
	if err := p.Client.Get(ctx, key, fc); err != nil || p.Identity.Owner(fc) != agent.Ours {
		return
	}
	p.event(fc, corev1.EventTypeWarning, EventFailed, "Operation %s failed: %s", item.OperationID, msg)
}
