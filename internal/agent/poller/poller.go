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

// The agent's least privilege, generated into config/rbac/agent by `make generate`:
// +kubebuilder:rbac:groups=clusterconfig.azure.com,resources=fluxconfigs,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch;create
// Secrets: the protected parameters it writes, read by name (never listed), server-side applied
// (patch, never update) and deleted with their config.
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;create;patch;delete
// The leader election Lease, in the release namespace only ("system" is the placeholder
// kustomize and hack/chart-rbac.sh replace).
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;create;update,namespace=system
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch

// Package poller is fluxconfig-agent's poll loop: a leader-elected runnable that fetches the
// desired set from the endpoint and converges the FluxConfigs the agent manages to it.
package poller

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/agent"
	"github.com/fluxconfig/fluxconfig/internal/agent/drift"
	"github.com/fluxconfig/fluxconfig/internal/agent/health"
	"github.com/fluxconfig/fluxconfig/internal/tenancy"
)

// DefaultMaxBackoff caps the wait between failed polls.
const DefaultMaxBackoff = 5 * time.Minute

// Poller fetches the desired set and converges the cluster to it.
type Poller struct {
	// Client writes to the cluster; it should not cache Secrets.
	Client ctrlclient.Client
	// Config is the endpoint.
	Config client.Agent
	// Interval between polls, jittered by ±10%.
	Interval time.Duration
	// LongPollWait, above zero, makes each poll a long-poll: the endpoint holds it for up to
	// this long (at most Interval and dpv1.MaxLongPollWait) and answers as soon as the
	// desired set changes, and the next poll follows at once. Against an endpoint that
	// answers at once the agent polls every Interval.
	LongPollWait time.Duration
	// Concurrency is how many configurations are applied at once; DefaultConcurrency
	// when zero.
	Concurrency int
	// MaxBackoff caps the exponential backoff after errors; DefaultMaxBackoff when zero.
	MaxBackoff time.Duration
	// Now is the clock.
	Now func() time.Time
	Log logr.Logger
	// Identity is stamped on every object the agent writes; only objects with it are
	// updated, pruned and reported.
	Identity agent.Identity
	// PruneLimit is how many FluxConfigs one poll may prune without an authoritative list;
	// DefaultPruneLimit when zero. More than half of the agent's configs is refused too.
	PruneLimit int
	// Protected are the namespaces no configuration may use; tenancy's defaults when nil.
	Protected tenancy.Protected
	// StateNamespace keeps the operations the agent ended Failed across restarts (the
	// release namespace); in memory only when empty.
	StateNamespace string
	// Desired remembers what was applied, for drift repair; nil remembers nothing.
	Desired *drift.Desired
	// Recorder records events on the FluxConfigs the agent writes; nil records none.
	Recorder events.EventRecorder

	mu     sync.Mutex
	health error
	etag   string
	// longPollIgnored is set while the endpoint answers long-polls at once.
	longPollIgnored bool
	// items is the last desired set, kept to finish deletions and retries while the
	// endpoint answers 304.
	items []dpv1.DesiredConfiguration
	// deleteReported remembers the delete operations whose completion was reported;
	// deleteRefused the refusal last reported Failed for each.
	deleteReported map[string]string
	deleteRefused  map[string]failedOp
	// pendingPrune is a prune held back or not finished, nil when none is.
	pendingPrune *pendingPrune
	// retry holds the items waiting for their own retry; failed the operations ended Failed.
	retry        map[string]retryState
	failed       map[string]*failedOp
	failedLoaded bool
	failedSaved  *corev1.Secret
	saveMu       sync.Mutex
	// firstRound is closed when the first poll round has ended; see FirstRound.
	firstRound      chan struct{}
	firstRoundEnded bool
	// held are the events of the round in progress while holding; queued those released
	// and not yet sent, by sendQueued while sending. See holdEvents.
	eventsMu  sync.Mutex
	holding   bool
	held      []heldEvent
	queued    []heldEvent
	sending   bool
	eventPace *rate.Limiter
}

var (
	_ manager.Runnable               = (*Poller)(nil)
	_ manager.LeaderElectionRunnable = (*Poller)(nil)
)

// NeedLeaderElection makes only the leader poll, so two replicas never fight over writes.
func (p *Poller) NeedLeaderElection() bool { return true }

// minLongPollGap is the least time between the starts of two polls when a changed set
// makes the next one follow at once: an endpoint that ignored If-None-Match and wait alike
// could otherwise make the agent poll in a busy loop.
const minLongPollGap = time.Second

// Start polls until ctx ends.
func (p *Poller) Start(ctx context.Context) error {
	p.mu.Lock()
	if p.health == nil && p.etag == "" {
		p.health = errors.New("the first poll of the endpoint has not finished yet")
	}
	p.mu.Unlock()
	failures := 0
	for {
		start := time.Now()
		again, err := p.poll(ctx, p.holdFor())
		wait := jitter(p.Interval, 0.1)
		if err != nil {
			failures++
			wait = p.backoff(failures)
			p.Log.Info("Polling the endpoint failed; the cluster keeps its current state", "error", err.Error(), "retryIn", wait.Round(time.Second))
		} else {
			failures = 0
			if again {
				wait = max(0, minLongPollGap-time.Since(start))
			}
			// An item retried on its own backoff may be due before the next poll.
			if due, ok := p.NextRetry(); ok && due < wait {
				wait = due
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// FirstRound is closed once the first poll round has ended, whether it converged the
// cluster or failed: the status reporter waits for it (reporter.Reporter.Hold).
func (p *Poller) FirstRound() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.firstRound == nil {
		p.firstRound = make(chan struct{})
	}
	return p.firstRound
}

func (p *Poller) endFirstRound() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.firstRoundEnded {
		return
	}
	if p.firstRound == nil {
		p.firstRound = make(chan struct{})
	}
	close(p.firstRound)
	p.firstRoundEnded = true
}

// holdFor is how long the next poll may be held: LongPollWait, jittered so a fleet woken
// by one change does not poll in step, and at most Interval, so deletions, prunes and
// retries checked each round keep their pace and an idle agent sends no more requests than
// without long-poll; shortened so an item's own retry is not delayed; zero for a plain poll.
func (p *Poller) holdFor() time.Duration {
	if p.LongPollWait <= 0 {
		return 0
	}
	wait := min(jitter(min(p.LongPollWait, p.Interval), 0.1), dpv1.MaxLongPollWait)
	if due, ok := p.NextRetry(); ok && due < wait {
		wait = due
	}
	if wait < time.Second {
		return 0
	}
	return wait
}

// backoff doubles from one second per consecutive failure up to MaxBackoff, with jitter so
// a fleet of agents does not retry in step.
func (p *Poller) backoff(failures int) time.Duration {
	limit := p.MaxBackoff
	if limit == 0 {
		limit = DefaultMaxBackoff
	}
	d := time.Second << min(failures-1, 20)
	if d > limit {
		d = limit
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func jitter(d time.Duration, fraction float64) time.Duration {
	if d <= 0 {
		return time.Second
	}
	delta := float64(d) * fraction
	return time.Duration(float64(d) - delta + rand.Float64()*2*delta)
}

// Poll runs one round: fetch, converge on change, and finish pending deletions. A failed
// fetch or a broken response changes nothing in the cluster.
func (p *Poller) Poll(ctx context.Context) error {
	_, err := p.poll(ctx, 0)
	return err
}

// poll is Poll, long-polling for up to wait once the agent has an ETag. again is true when
// the next round may start at once: the set changed, or the endpoint held the poll for its
// wait. A 304 well before the wait means the endpoint ignores it (or is shutting down):
// the agent then keeps its interval, so it never polls in a loop.
func (p *Poller) poll(ctx context.Context, wait time.Duration) (again bool, err error) {
	defer p.endFirstRound()
	p.mu.Lock()
	etag := p.etag
	p.mu.Unlock()

	var opts []client.ListOption
	held := wait > 0 && etag != ""
	if held {
		opts = append(opts, client.WithWait(wait))
	}
	sent := time.Now()
	res, err := p.Config.ListDesired(ctx, etag, opts...)
	answered, start := time.Now(), sent
	if held {
		// The metric times the agent's work, not the endpoint's wait for a change.
		start = answered
	}
	defer func() { agent.PollDuration.Observe(time.Since(start).Seconds()) }()
	if err != nil {
		p.setHealth(err)
		return false, err
	}
	p.setHealth(nil)
	if res.NotModified {
		if held {
			again = answered.Sub(sent) >= wait/2
			p.noteLongPoll(again)
		}
		// Deletions wait on the controller's finalizer; check them with reads only. Items
		// retried on their own backoff, and a held or failed prune, are looked at again.
		items := p.lastItems()
		p.retryDue(ctx, items)
		p.finishDeletions(ctx, items)
		return again, errors.Join(p.prunePending(ctx), p.saveFailed(ctx))
	}
	if err := p.converge(ctx, res.Items, res.Authoritative); err != nil {
		agent.ApplyErrors.Inc()
		return false, err
	}
	p.mu.Lock()
	// Keep the ETag only once the cluster matches it, so a failed round is redone.
	p.etag, p.items = res.ETag, res.Items
	p.mu.Unlock()
	return p.LongPollWait > 0 && res.ETag != "" && res.ETag != etag, nil
}

// noteLongPoll logs when the endpoint starts or stops holding the agent's polls.
func (p *Poller) noteLongPoll(honoured bool) {
	p.mu.Lock()
	changed := p.longPollIgnored == honoured
	p.longPollIgnored = !honoured
	p.mu.Unlock()
	switch {
	case changed && !honoured:
		p.Log.Info("The endpoint answered a long-poll at once; polling every interval", "interval", p.Interval)
	case changed:
		p.Log.Info("The endpoint holds long-polls again")
	}
}

func (p *Poller) lastItems() []dpv1.DesiredConfiguration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.items
}

// setHealth records the outcome of a fetch for the readiness probe and the metric.
func (p *Poller) setHealth(err error) {
	p.mu.Lock()
	p.health = err
	p.mu.Unlock()
	agent.UpstreamConnected.Reset()
	if err == nil {
		agent.UpstreamConnected.WithLabelValues("Connected").Set(1)
		agent.LastSuccessfulPoll.SetToCurrentTime()
		return
	}
	reason := client.ReasonUnreachable
	var ce *client.Error
	if errors.As(err, &ce) {
		reason = ce.Reason
	}
	agent.UpstreamConnected.WithLabelValues(reason).Set(0)
}

// ReadyChecks are the agent's readiness checks. "upstream" fails with the reason of the
// last failed fetch, so an unready pod says exactly what is wrong; "prune" fails while a
// prune is held, for someone has to decide. A replica that is not the leader passes both.
func (p *Poller) ReadyChecks() []health.Check {
	return []health.Check{{Name: "upstream", Err: p.upstreamCheck}, {Name: "prune", Err: p.pruneCheck}}
}

func (p *Poller) upstreamCheck() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.health != nil {
		return errors.New("UpstreamConnected=False: " + p.health.Error())
	}
	return nil
}

func (p *Poller) pruneCheck() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pendingPrune != nil && p.pendingPrune.reason != "" {
		return errors.New(p.pendingPrune.reason)
	}
	return nil
}
