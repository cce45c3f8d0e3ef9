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

// The agent's least privilege, generated into config/rbac/agent by `make generate`:
// +kubebuilder:rbac:groups=clusterconfig.azure.com,resources=fluxconfigs,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch;create
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;create;update;patch;delete
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch

// Package poller is fluxconfig-agent's poll loop: a leader-elected runnable that fetches the
// desired set from the endpoint and converges the FluxConfigs the agent manages to it.
package poller

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/go-logr/logr"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/agent"
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
	// Concurrency is how many configurations are applied at once; DefaultConcurrency
	// when zero.
	Concurrency int
	// MaxBackoff caps the exponential backoff after errors; DefaultMaxBackoff when zero.
	MaxBackoff time.Duration
	// Now is the clock.
	Now func() time.Time
	Log logr.Logger

	mu     sync.Mutex
	health error
	etag   string
	// items is the last desired set, kept to finish deletions while the endpoint answers 304.
	items []dpv1.DesiredConfiguration
	// deleteReported remembers the delete operations whose completion was reported.
	deleteReported map[string]string
}

var (
	_ manager.Runnable               = (*Poller)(nil)
	_ manager.LeaderElectionRunnable = (*Poller)(nil)
)

// NeedLeaderElection makes only the leader poll, so two replicas never fight over writes.
func (p *Poller) NeedLeaderElection() bool { return true }

// Start polls until ctx ends.
func (p *Poller) Start(ctx context.Context) error {
	p.mu.Lock()
	if p.health == nil && p.etag == "" {
		p.health = errors.New("the first poll of the endpoint has not finished yet")
	}
	p.mu.Unlock()
	failures := 0
	for {
		wait := jitter(p.Interval, 0.1)
		if err := p.Poll(ctx); err != nil {
			failures++
			wait = p.backoff(failures)
			p.Log.Info("Polling the endpoint failed; the cluster keeps its current state", "error", err.Error(), "retryIn", wait.Round(time.Second))
		} else {
			failures = 0
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
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
	start := time.Now()
	defer func() { agent.PollDuration.Observe(time.Since(start).Seconds()) }()
	p.mu.Lock()
	etag := p.etag
	p.mu.Unlock()

	res, err := p.Config.ListDesired(ctx, etag)
	if err != nil {
		p.setHealth(err)
		return err
	}
	p.setHealth(nil)
	if res.NotModified {
		// Deletions wait on the controller's finalizer; check them with reads only.
		return p.finishDeletions(ctx, p.lastItems())
	}
	if err := p.converge(ctx, res.Items); err != nil {
		agent.ApplyErrors.Inc()
		return err
	}
	p.mu.Lock()
	// Keep the ETag only once the cluster matches it, so a failed round is redone.
	p.etag, p.items = res.ETag, res.Items
	p.mu.Unlock()
	return nil
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

// ReadyCheck is a readiness probe: it fails with the reason of the last failed fetch, so
// an unready pod says exactly what is wrong. A replica that is not the leader is ready.
func (p *Poller) ReadyCheck(_ *http.Request) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.health == nil {
		return nil
	}
	return errors.New("UpstreamConnected=False: " + p.health.Error())
}
