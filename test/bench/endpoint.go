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
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/arm"
	"github.com/fluxconfig/fluxconfig/internal/endpoint"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// endpointResult is the endpoint process under concurrent pollers.
type endpointResult struct {
	Clusters   int       `json:"clusters"`
	PerCluster int       `json:"configsPerCluster"`
	Pollers    int       `json:"pollers"`
	Changed    pollPhase `json:"changedPoll"`
	NoChange   pollPhase `json:"noChangePoll"`
	PeakRSSMiB float64   `json:"peakRSSMiB"`
}

// pollPhase is the latency of one kind of poll.
type pollPhase struct {
	Requests  int     `json:"requests"`
	Errors    int     `json:"errors"`
	P50ms     float64 `json:"p50ms"`
	P99ms     float64 `json:"p99ms"`
	MaxMs     float64 `json:"maxMs"`
	PerSecond float64 `json:"perSecond"`
	BodyBytes int64   `json:"bodyBytesPerAnswer"`
}

func clusterName(i int) string  { return fmt.Sprintf("cluster-%05d", i) }
func clusterToken(i int) string { return fmt.Sprintf("token-%05d-0123456789abcdef", i) }

func runEndpoint(ctx context.Context, o *options) (*endpointResult, error) {
	dir, err := os.MkdirTemp("", "fluxconfig-bench-fleet-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	o.logf("endpoint: storing %d clusters x %d configurations", o.clusters, o.perCluster)
	tokens, err := seedFleet(ctx, dir, o.clusters, o.perCluster)
	if err != nil {
		return nil, err
	}
	addr, err := testutil.FreeAddr()
	if err != nil {
		return nil, err
	}
	p, err := startProcess(filepath.Join(o.binDir, "fluxconfig-endpoint"), "", filepath.Join(o.out, "endpoint.log"), false,
		append(tokens.EndpointFlags(), "--listen="+addr, "--data="+filepath.Join(dir, "store.db"))...)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	base := "http://" + addr
	if err := testutil.WaitHTTP(ctx, base+"/healthz", 30*time.Second); err != nil {
		return nil, err
	}
	res := &endpointResult{Clusters: o.clusters, PerCluster: o.perCluster, Pollers: o.pollers}
	etags := make([]string, o.clusters)
	o.logf("endpoint: changed polls (full answers)")
	res.Changed = poll(ctx, base, o, etags, false)
	o.logf("endpoint: no-change polls (If-None-Match)")
	res.NoChange = poll(ctx, base, o, etags, true)
	peak, _ := p.memory()
	res.PeakRSSMiB = float64(peak) / mib
	return res, nil
}

// seedFleet writes the token files and the store: every cluster gets the fixture mix,
// its operations delivered, as a fleet in steady state looks.
func seedFleet(ctx context.Context, dir string, clusters, perCluster int) (*testutil.TokenDir, error) {
	tokens := map[string]string{}
	for i := range clusters {
		tokens[clusterName(i)] = clusterToken(i)
	}
	tokenDir, err := testutil.WriteTokenDir(dir, adminToken, tokens)
	if err != nil {
		return nil, err
	}
	store, err := endpoint.OpenBolt(filepath.Join(dir, "store.db"))
	if err != nil {
		return nil, err
	}
	defer store.Close()
	fx := fixtures("fleet", perCluster)
	now := time.Now().UTC()
	var batch []*endpoint.Record
	for i := range clusters {
		for j, f := range fx {
			spec := f.config.Spec
			spec.ProtectedParametersSecretRef = nil
			props := arm.FromSpec(f.config.Namespace, &spec)
			props.ProvisioningState = dpv1.ProvisioningSucceeded
			batch = append(batch, &endpoint.Record{Cluster: clusterName(i), Name: f.config.Name, Properties: props,
				OperationID: fmt.Sprintf("%08d-0000-4000-8000-%012d", i, j), OperationStartedAt: now, OperationDone: true})
		}
		if len(batch) >= 10000 || i == clusters-1 {
			if err := store.PutAll(ctx, batch); err != nil {
				return nil, err
			}
			batch = batch[:0]
		}
	}
	return tokenDir, nil
}

// poll runs the pollers over the clusters round-robin for the poll time; changed polls also
// until every cluster was polled once.
func poll(ctx context.Context, base string, o *options, etags []string, conditional bool) pollPhase {
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: o.pollers}}
	var next, errs atomic.Int64
	var bodyBytes atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	deadline := time.Now().Add(o.pollTime)
	start := time.Now()
	var wg sync.WaitGroup
	for range o.pollers {
		wg.Go(func() {
			var mine []time.Duration
			for ctx.Err() == nil {
				n := int(next.Add(1) - 1)
				// Changed polls go on until every cluster was polled once, to learn
				// all ETags, and at most four poll times.
				if over := time.Now().After(deadline); (conditional || n >= len(etags)) && over ||
					time.Now().After(deadline.Add(3*o.pollTime)) {
					break
				}
				i := n % len(etags)
				if conditional && etags[i] == "" {
					continue
				}
				d, size, err := pollOnce(ctx, hc, base, i, etags, conditional)
				if err != nil {
					errs.Add(1)
					continue
				}
				bodyBytes.Add(size)
				mine = append(mine, d)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	return summarize(lat, int(errs.Load()), elapsed, bodyBytes.Load())
}

func pollOnce(ctx context.Context, c *http.Client, base string, i int, etags []string, conditional bool) (time.Duration, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+client.CollectionPath(clusterName(i)), nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+clusterToken(i))
	if conditional {
		req.Header.Set("If-None-Match", etags[i])
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	want := http.StatusOK
	if conditional {
		want = http.StatusNotModified
	}
	if err != nil || resp.StatusCode != want {
		return 0, 0, fmt.Errorf("poll of %s answered %d", clusterName(i), resp.StatusCode)
	}
	if !conditional {
		etags[i] = resp.Header.Get("ETag")
	}
	return d, n, nil
}

func summarize(lat []time.Duration, errs int, elapsed time.Duration, bodyBytes int64) pollPhase {
	slices.Sort(lat)
	ph := pollPhase{Requests: len(lat), Errors: errs, PerSecond: float64(len(lat)) / elapsed.Seconds()}
	if len(lat) == 0 {
		return ph
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	ph.P50ms = ms(lat[len(lat)/2])
	ph.P99ms = ms(lat[min(len(lat)-1, len(lat)*99/100)])
	ph.MaxMs = ms(lat[len(lat)-1])
	ph.BodyBytes = bodyBytes / int64(len(lat))
	return ph
}
