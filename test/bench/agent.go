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

package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/render"
)

const (
	agentCluster = "bench"
	agentToken   = "bench-cluster-token"
	// agentPoll is short so the no-change poll comes quickly; the production default is 30s.
	agentPoll = 3 * time.Second
)

// agentResult is the agent converging a cluster to the endpoint's desired set.
type agentResult struct {
	N             int            `json:"n"`
	ExistSeconds  float64        `json:"allFluxConfigsExistSeconds"`
	ExistRuns     []float64      `json:"allFluxConfigsExistRuns"`
	ExistRequests map[string]int `json:"apiRequestsToExist"`
	Push          pushResult     `json:"statusPush"`
	NoChange      pollWindow     `json:"noChangePoll"`
	OneChanged    pollWindow     `json:"oneConfigChangedPoll"`
}

// pushResult is the reports of n configs whose status changed.
type pushResult struct {
	Requests int     `json:"requests"`
	Bytes    int64   `json:"bytes"`
	Seconds  float64 `json:"seconds"`
}

// pollWindow is what one poll cost: requests at the endpoint, requests to the API server.
type pollWindow struct {
	Endpoint    map[string]int `json:"endpointRequests"`
	APIRequests map[string]int `json:"apiRequests"`
	APIWrites   int            `json:"apiWrites"`
}

// agentRun is a fresh cluster and endpoint holding the fixtures, with an agent that has
// created every FluxConfig.
type agentRun struct {
	c     *cluster
	up    *upstream
	p     *process
	fx    []fixture
	exist float64
}

func (r *agentRun) stop() {
	if r.p != nil {
		r.p.stop()
	}
	if r.up != nil {
		r.up.stop()
	}
	if r.c != nil {
		r.c.stop()
	}
}

// startAgentRun starts an agent against an endpoint holding o.agentN configurations and
// waits until it has created every FluxConfig. The caller stops the run, also on error.
func (o *options) startAgentRun(ctx context.Context) (r *agentRun, err error) {
	r = &agentRun{fx: fixtures("agent", o.agentN)}
	if r.c, err = startCluster(o.out, "agent"); err != nil {
		return r, err
	}
	if err := r.c.fluxConfigCacheReady(ctx); err != nil {
		return r, err
	}
	if r.up, err = startUpstream(map[string]string{agentCluster: agentToken}); err != nil {
		return r, err
	}
	o.logf("agent: putting %d configurations at the endpoint", len(r.fx))
	if err := parallel(ctx, len(r.fx), 4, func(ctx context.Context, i int) error { return r.up.put(ctx, agentCluster, r.fx[i]) }); err != nil {
		return r, err
	}
	if r.p, err = o.startAgent(r.c, r.up); err != nil {
		return r, err
	}
	if err := waitCount(ctx, r.c.env.Config, len(r.fx)); err != nil {
		return r, err
	}
	r.exist = time.Since(r.p.started).Seconds()
	o.logf("agent: %d FluxConfigs exist after %.1fs", len(r.fx), r.exist)
	return r, nil
}

func runAgent(ctx context.Context, o *options) (*agentResult, error) {
	// One start takes a few seconds, on a machine shared with the API server and etcd: the
	// figure is the median of o.agentRuns starts, each on a fresh cluster, all reported.
	var exists []float64
	for range o.agentRuns - 1 {
		r, err := o.startAgentRun(ctx)
		r.stop()
		if err != nil {
			return nil, err
		}
		exists = append(exists, r.exist)
	}
	r, err := o.startAgentRun(ctx)
	defer r.stop()
	if err != nil {
		return nil, err
	}
	c, up, p, fx := r.c, r.up, r.p, r.fx
	res := &agentResult{N: len(fx), ExistRuns: append(exists, r.exist)}
	res.ExistSeconds = median(res.ExistRuns)
	if _, err := waitReports(ctx, up, 0, len(fx)); err != nil {
		return nil, err
	}
	m, _ := quiesce(ctx, p, 60*time.Second)
	res.ExistRequests = m.requests()
	if res.Push, err = pushStatuses(ctx, c.user, up, fx); err != nil {
		return nil, err
	}
	// Two polls settle whatever the reports changed in the desired set.
	for range 2 {
		if _, err := o.pollWindow(ctx, up, p); err != nil {
			return nil, err
		}
	}
	if res.NoChange, err = o.pollWindow(ctx, up, p); err != nil {
		return nil, err
	}
	changed := fx[0]
	changed.config = changed.config.DeepCopy()
	changed.config.Spec.Kustomizations[0].Path = "./infrastructure/v2"
	if err := up.put(ctx, agentCluster, changed); err != nil {
		return nil, err
	}
	res.OneChanged, err = o.pollWindow(ctx, up, p)
	return res, err
}

// median is the middle value of xs, the mean of the two middle ones for an even count.
func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (o *options) startAgent(c *cluster, up *upstream) (*process, error) {
	tokenFile := up.Tokens.AgentTokenFile(agentCluster)
	return startManager(filepath.Join(o.binDir, "fluxconfig-agent"), c.kubeconfig, filepath.Join(o.out, "agent.log"),
		"--endpoint="+up.URL, "--cluster-name="+agentCluster, "--token-file="+tokenFile,
		"--poll-interval="+agentPoll.String(), "--status-interval=1s", "--health-probe-bind-address=127.0.0.1:0")
}

// waitCount waits until n FluxConfigs managed by the agent exist. It watches: listing a
// thousand objects every 200ms would take from the API server a share the agent it measures
// then lacks.
func waitCount(ctx context.Context, cfg *rest.Config, n int) error {
	mc, err := metadata.NewForConfig(cfg)
	if err != nil {
		return err
	}
	configs := mc.Resource(v1alpha1.GroupVersion.WithResource("fluxconfigs"))
	opts := metav1.ListOptions{LabelSelector: labels.SelectorFromSet(labels.Set{
		v1alpha1.AgentManagedByLabel: v1alpha1.AgentManagedByValue}).String()}
	list, err := configs.List(ctx, opts)
	if err != nil {
		return err
	}
	seen := map[types.UID]bool{}
	for _, fc := range list.Items {
		seen[fc.UID] = true
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	opts.ResourceVersion = list.ResourceVersion
	w, err := configs.Watch(ctx, opts)
	if err != nil {
		return err
	}
	defer w.Stop()
	for len(seen) < n {
		ev, ok := <-w.ResultChan()
		if !ok && ctx.Err() != nil {
			return fmt.Errorf("%d of %d FluxConfigs exist after 5 minutes", len(seen), n)
		}
		if !ok {
			return fmt.Errorf("the API server ended the watch with %d of %d FluxConfigs seen", len(seen), n)
		}
		switch obj, _ := ev.Object.(*metav1.PartialObjectMetadata); {
		case ev.Type == watch.Error:
			return apierrors.FromObject(ev.Object)
		case obj == nil:
		case ev.Type == watch.Added:
			seen[obj.UID] = true
		case ev.Type == watch.Deleted:
			delete(seen, obj.UID)
		}
	}
	return nil
}

// waitReports waits until the endpoint accepted n more status reports than base.
func waitReports(ctx context.Context, up *upstream, base, n int) (time.Duration, error) {
	start := time.Now()
	for {
		req, _ := up.snapshot()
		if req["PUT status 204"]-base >= n {
			return time.Since(start), nil
		}
		if time.Since(start) > 5*time.Minute {
			return 0, fmt.Errorf("%d of %d status reports after 5 minutes", req["PUT status 204"]-base, n)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// pushStatuses writes what the controller would write once Flux reconciled every config
// (Compliant, four object statuses), and measures the agent's reports of it.
func pushStatuses(ctx context.Context, c client.Client, up *upstream, fx []fixture) (pushResult, error) {
	req0, bytes0 := up.snapshot()
	start := time.Now()
	err := parallel(ctx, len(fx), 8, func(ctx context.Context, i int) error {
		fc := &v1alpha1.FluxConfig{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(fx[i].config), fc); err != nil {
			return err
		}
		base := fc.DeepCopy()
		fc.Status = compliantStatus(fc)
		return c.Status().Patch(ctx, fc, client.MergeFrom(base))
	})
	if err != nil {
		return pushResult{}, err
	}
	if _, err := waitReports(ctx, up, req0["PUT status 204"], len(fx)); err != nil {
		return pushResult{}, err
	}
	req, b := up.snapshot()
	const key = "PUT status 204"
	return pushResult{Requests: req[key] - req0[key], Bytes: b[key] - bytes0[key], Seconds: time.Since(start).Seconds()}, nil
}

func compliantStatus(fc *v1alpha1.FluxConfig) v1alpha1.FluxConfigStatus {
	st := v1alpha1.FluxConfigStatus{
		ObservedGeneration: fc.Generation, ProvisioningState: v1alpha1.ProvisioningSucceeded,
		ComplianceState: v1alpha1.Compliant, SourceSyncedCommitID: "main@sha1:0123456789abcdef0123456789abcdef01234567",
	}
	ready := metav1.Condition{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Succeeded",
		Message:            "stored artifact for revision 'main@sha1:0123456789abcdef0123456789abcdef01234567'",
		LastTransitionTime: metav1.Now()}
	apimeta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: v1alpha1.ReadyCondition, Status: metav1.ConditionTrue,
		Reason: v1alpha1.ReconciliationSucceededReason, Message: "every Flux object is ready", ObservedGeneration: fc.Generation})
	st.Statuses = append(st.Statuses, v1alpha1.ObjectStatus{Name: fc.Name, Namespace: fc.Namespace, Kind: "GitRepository",
		ComplianceState: v1alpha1.Compliant, StatusConditions: []metav1.Condition{ready}})
	for _, k := range fc.Spec.Kustomizations {
		st.Statuses = append(st.Statuses, v1alpha1.ObjectStatus{Name: render.KustomizationName(fc.Name, k.Name),
			Namespace: fc.Namespace, Kind: "Kustomization", ComplianceState: v1alpha1.Compliant, StatusConditions: []metav1.Condition{ready}})
	}
	return st
}

// pollWindow measures the next poll: it waits until the endpoint saw one more list request,
// then until the agent is idle, and reports what happened in between.
func (o *options) pollWindow(ctx context.Context, up *upstream, p *process) (pollWindow, error) {
	m0, err := p.scrape()
	if err != nil {
		return pollWindow{}, err
	}
	req0, _ := up.snapshot()
	lists := func(m map[string]int) int { return m["GET list 200"] + m["GET list 304"] }
	deadline := time.Now().Add(3 * agentPoll)
	for {
		req, _ := up.snapshot()
		if lists(req) > lists(req0) {
			break
		}
		if time.Now().After(deadline) {
			return pollWindow{}, fmt.Errorf("the agent did not poll within %s", 3*agentPoll)
		}
		select {
		case <-ctx.Done():
			return pollWindow{}, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	// Idle for 1s, shorter than the poll interval, so the window holds one poll.
	last, stable := -1, time.Now()
	var m1 metrics
	for time.Since(stable) < time.Second {
		if m1, err = p.scrape(); err != nil {
			return pollWindow{}, err
		}
		if n := total(m1.requests()); n != last {
			last, stable = n, time.Now()
		}
		time.Sleep(100 * time.Millisecond)
	}
	req1, _ := up.snapshot()
	w := pollWindow{Endpoint: diff(req1, req0), APIRequests: diff(m1.requests(), m0.requests())}
	w.APIWrites = mutating(w.APIRequests)
	return w, nil
}
