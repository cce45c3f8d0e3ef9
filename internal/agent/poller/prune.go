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
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/agent"
)

// DefaultPruneLimit is how many FluxConfigs one poll may prune when Poller.PruneLimit is zero.
const DefaultPruneLimit = 10

// pendingPrune is a prune to look at again while the endpoint answers 304: one held back
// for crossing the limit (reason set), or one whose deletions did not all succeed.
type pendingPrune struct {
	keep          map[types.NamespacedName]bool
	authoritative bool
	count         int
	reason        string
}

// prune deletes this agent's FluxConfigs that the endpoint no longer lists (forceDelete
// there). Only objects labelled with this agent's endpoint and cluster are candidates: what
// another agent, a user or an earlier agent version wrote is never pruned. A prune of more
// than PruneLimit configs, or of more than half of the agent's configs, looks like a store
// that lost records rather than a decision: it is held back, and shown in the readiness
// probe and a metric, unless the endpoint says its list is authoritative. A deletion that
// fails is logged and tried again at the next poll; it holds up neither the others nor the
// poll loop.
func (p *Poller) prune(ctx context.Context, keep map[types.NamespacedName]bool, authoritative bool) error {
	list := &v1alpha1.FluxConfigList{}
	if err := p.Client.List(ctx, list, ctrlclient.MatchingLabels{v1alpha1.AgentManagedByLabel: v1alpha1.AgentManagedByValue}); err != nil {
		return fmt.Errorf("listing managed FluxConfigs: %w", err)
	}
	var gone []*v1alpha1.FluxConfig
	mine := 0
	for i := range list.Items {
		fc := &list.Items[i]
		key := types.NamespacedName{Namespace: fc.Namespace, Name: fc.Name}
		switch p.Identity.Owner(fc) {
		case agent.Ours:
			mine++
			if !keep[key] && fc.DeletionTimestamp == nil {
				gone = append(gone, fc)
			}
		case agent.Legacy:
			if !keep[key] {
				p.Log.Info("A FluxConfig written by an earlier agent version is not listed by the endpoint; "+
					"nothing says it is this agent's, so it is left in place: delete it by hand if it is no longer wanted", "FluxConfig", key)
			}
		}
	}
	limit := p.PruneLimit
	if limit <= 0 {
		limit = DefaultPruneLimit
	}
	if !authoritative && (len(gone) > limit || 2*len(gone) > mine) {
		held := &pendingPrune{keep: keep, count: len(gone), reason: fmt.Sprintf(
			"PruneHeld: the endpoint no longer lists %d of the %d FluxConfigs this agent manages; deleting more than %d (--prune-limit) "+
				"or more than half in one poll is refused, as it looks like a lost or partly restored endpoint store. "+
				"Restore the endpoint's configurations, delete the FluxConfigs by hand, or serve the list with fluxconfig-endpoint --authoritative",
			len(gone), mine, limit)}
		p.setPending(held)
		p.Log.Info("Pruning held back", "reason", held.reason)
		return nil
	}
	var failed *pendingPrune
	for _, fc := range gone {
		key := types.NamespacedName{Namespace: fc.Namespace, Name: fc.Name}
		p.Log.Info("Pruning FluxConfig the endpoint no longer lists", "FluxConfig", key)
		p.Desired.Forget(key) // a deletion by the agent is no drift
		err := p.Client.Delete(ctx, fc)
		if err == nil {
			p.event(fc, corev1.EventTypeNormal, EventDeleted, "Deleted by fluxconfig-agent: the endpoint no longer lists the configuration")
		}
		if ctrlclient.IgnoreNotFound(err) == nil {
			err = p.deleteSecret(ctx, key)
		}
		if err != nil {
			agent.ApplyErrors.Inc()
			p.Log.Info("Pruning failed; tried again at the next poll", "FluxConfig", key, "error", err.Error())
			failed = &pendingPrune{keep: keep, authoritative: authoritative}
		}
	}
	p.setPending(failed)
	return nil
}

// setPending records a prune to look at again, or clears it with nil.
func (p *Poller) setPending(pp *pendingPrune) {
	p.mu.Lock()
	p.pendingPrune = pp
	p.mu.Unlock()
	if pp == nil {
		agent.PruneRefused.Set(0)
		return
	}
	agent.PruneRefused.Set(float64(pp.count))
}

// prunePending looks again at a held or failed prune during a poll that brought no change,
// with reads only unless a deletion is due, so FluxConfigs deleted by hand clear the
// readiness probe.
func (p *Poller) prunePending(ctx context.Context) error {
	p.mu.Lock()
	pp := p.pendingPrune
	p.mu.Unlock()
	if pp == nil {
		return nil
	}
	return p.prune(ctx, pp.keep, pp.authoritative)
}
