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

package endpoint_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/internal/endpoint"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// BenchmarkFleetStatus_10kClusters measures GET .../status (a page of 100, over HTTP on
// 127.0.0.1) of a fleet configuration placed on 10,000 clusters: 10 % Non-Compliant, 5 %
// never polling (Disconnected), the rest Compliant on one of two commits. The goal is
// under 50 ms an answer.
func BenchmarkFleetStatus_10kClusters(b *testing.B) {
	f := newFleetStatusBench(b)
	for b.Loop() {
		f.check()
	}
}

// BenchmarkFleetStatus_10kClustersReporting is BenchmarkFleetStatus_10kClusters while
// agents report and poll without pause, as at a mass wake-up: every report write-locks
// what the status reads of the clusters' contacts.
func BenchmarkFleetStatus_10kClustersReporting(b *testing.B) {
	f := newFleetStatusBench(b)
	const reporters, pollers = 16, 128
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: reporters + pollers}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var failed atomic.Int64
	send := func(method, path string, i int, body []byte) {
		req, err := http.NewRequest(method, f.e.http.URL+path, bytes.NewReader(body))
		if err != nil {
			failed.Add(1)
			return
		}
		req.Header.Set("Authorization", fmt.Sprintf("Bearer token-%d", i))
		req.Header.Set("User-Agent", "fluxconfig-agent/v1")
		resp, err := client.Do(req)
		if err != nil {
			failed.Add(1)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode >= 300 {
			failed.Add(1)
		}
	}
	for w := range reporters + pollers {
		wg.Go(func() {
			for i := w; ; i = (i + reporters + pollers) % len(f.recs) {
				select {
				case <-stop:
					return
				default:
				}
				rec := f.recs[i]
				path := "/v1/clusters/" + rec.Cluster + "/fluxConfigurations"
				if w >= reporters {
					send("GET", path, i, nil)
					continue
				}
				rep, _ := json.Marshal(dpv1.StatusReport{OperationID: rec.OperationID, ProvisioningState: dpv1.ProvisioningSucceeded,
					ObservedStatus: dpv1.ObservedStatus{ComplianceState: rec.Properties.ComplianceState,
						SourceSyncedCommitID: rec.Properties.SourceSyncedCommitID}})
				send("PUT", path+"/web/status", i, rep)
			}
		})
	}
	time.Sleep(time.Second) // the agents are all busy before the first status
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		f.check()
		took = append(took, time.Since(start))
	}
	close(stop)
	wg.Wait()
	// The goal is on the slowest answers, which the mean hides.
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d agent requests failed", n)
	}
}

// fleetStatusBench is a fleet configuration placed on 10,000 registered clusters, with
// what each reported; check reads its status.
type fleetStatusBench struct {
	e     *registryEndpoint
	recs  []*endpoint.Record
	check func()
}

func newFleetStatusBench(b *testing.B) *fleetStatusBench {
	const n = 10000
	e := startRegistry(b, b.TempDir(), onBolt, testutil.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	ctx := context.Background()
	recs := make([]*endpoint.ClusterRecord, 0, n)
	for i := range n {
		sum := sha256.Sum256(fmt.Appendf(nil, "token-%d", i))
		recs = append(recs, &endpoint.ClusterRecord{Name: fmt.Sprintf("c-%05d", i), TokenHash: hex.EncodeToString(sum[:]),
			Labels: map[string]string{"region": []string{"eu", "us", "ap"}[i%3]}})
	}
	if err := e.http.Store.PutClusters(ctx, recs); err != nil {
		b.Fatal(err)
	}
	reg, err := endpoint.NewRegistry(ctx, e.http.Store)
	if err != nil {
		b.Fatal(err)
	}
	reg.PollInterval = pollInterval
	e.srv.Registry = reg // the handlers read the field at each request
	if code, body, _ := e.do("PUT", "/v1/fleetConfigurations/web", adminToken, fleetSpec(matchLabels())); code != http.StatusCreated {
		b.Fatalf("%d %s", code, body)
	}
	// The agents' reports, written straight to the store: 10,000 HTTP reports would
	// measure fsyncs, not the status. Then the aggregate is rebuilt from it, as at start.
	all, err := e.http.Store.ListAll(ctx)
	if err != nil {
		b.Fatal(err)
	}
	now := e.clock.Now()
	for i, rec := range all {
		state, commit := dpv1.ComplianceCompliant, []string{"abc123", "def456"}[i%2]
		if i%10 == 0 {
			state = dpv1.ComplianceNonCompliant
			rec.Properties.Statuses = []dpv1.ObjectStatusDefinition{{Kind: "Kustomization", Name: "apps", ComplianceState: state,
				StatusConditions: []dpv1.ObjectStatusConditionDefinition{{Status: "False", Message: "health check failed"}}}}
		}
		rec.Properties.ComplianceState, rec.Properties.SourceSyncedCommitID, rec.Properties.StatusUpdatedAt = state, commit, &now
		if i%20 != 1 {
			e.http.Dashboard.Index().AgentSeen(rec.Cluster, "fluxconfig-agent/v1", now)
		}
	}
	if err := e.http.Store.PutAll(ctx, all); err != nil {
		b.Fatal(err)
	}
	if err := e.srv.LoadFleetStatus(ctx); err != nil {
		b.Fatal(err)
	}
	f := &fleetStatusBench{e: e, recs: all}
	var st dpv1.FleetStatus
	f.check = func() {
		code, body, _ := e.do("GET", "/v1/fleetConfigurations/web/status?limit=100", adminToken, nil)
		if code != http.StatusOK {
			b.Fatalf("%d %s", code, body)
		}
		if err := json.Unmarshal(body, &st); err != nil {
			b.Fatal(err)
		}
	}
	f.check()
	want := dpv1.FleetStatusCounts{NonCompliant: 1000, Compliant: 8500, Disconnected: 500}
	if st.Clusters != n || st.Counts != want || len(st.Value) != 100 || st.Value[0].State != dpv1.ComplianceNonCompliant {
		b.Fatalf("clusters %d, counts %+v, %d on the page", st.Clusters, st.Counts, len(st.Value))
	}
	return f
}
