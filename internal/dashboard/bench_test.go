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

package dashboard_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/internal/endpoint"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

const benchClusters, benchConfigs = 10_000, 10

// BenchmarkDashboard serves the dashboard of 10,000 clusters with 10 configurations each
// (1% Non-Compliant, 2% Pending, 1% of the clusters Disconnected) from a real endpoint on
// 127.0.0.1 and prints what each page costs. It asserts nothing:
//
//	go test -run '^$' -bench Dashboard -benchtime 200x ./internal/dashboard/
func BenchmarkDashboard(b *testing.B) {
	dir := b.TempDir()
	start := time.Now()
	seedStore(b, filepath.Join(dir, "store.db"))
	fmt.Printf("seeding %d records took %s\n", benchClusters*benchConfigs, time.Since(start).Round(time.Millisecond))

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start = time.Now()
	admin, agentToken := testutil.NewToken(), testutil.NewToken()
	e, err := testutil.StartEndpoint(dir, testutil.EndpointOptions{AdminToken: admin,
		Clusters: map[string]string{benchCluster(42): agentToken}, AgentPollInterval: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	indexed := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	fmt.Printf("indexing the store at start took %s; live heap %.1f MiB before the endpoint started, %.1f MiB after\n",
		indexed.Round(time.Millisecond), float64(before.HeapAlloc)/(1<<20), float64(after.HeapAlloc)/(1<<20))

	// Disconnected needs the dashboard to have watched for three poll intervals; the
	// connected clusters' polls are put an hour ahead so they stay connected throughout.
	time.Sleep(3 * time.Second)
	now := time.Now()
	idx := e.Dashboard.Index()
	for i := range benchClusters {
		at := now.Add(time.Hour)
		if i%100 == 7 {
			at = now.Add(-10 * time.Minute)
		}
		idx.AgentSeen(benchCluster(i), "fluxconfig-agent/v1.0.0", at)
	}

	f := &fleet{e: e, admin: admin}
	c := f.signedIn(&testing.T{})
	for _, page := range []struct{ name, path string }{
		{"overview", "/ui/"},
		{"overview-page-150", "/ui/?page=150"},
		{"overview-non-compliant-page-2", "/ui/?state=Non-Compliant&page=2"},
		{"overview-disconnected", "/ui/?state=Disconnected"},
		{"overview-prefix", "/ui/?q=cluster-0421"},
		{"configuration", "/ui/configurations/config-03"},
		{"configuration-non-compliant", "/ui/configurations/config-03?state=Non-Compliant"},
		{"cluster", "/ui/clusters/" + benchCluster(4217)},
	} {
		b.Run(page.name, func(b *testing.B) {
			var size int
			for b.Loop() {
				size = fetch(b, c, e.URL+page.path, "")
			}
			b.ReportMetric(float64(size), "bytes/page")
		})
	}
	// The agent's poll that changed nothing, now that every poll is recorded for the dashboard.
	b.Run("agent-poll-not-modified", func(b *testing.B) {
		agent := &http.Client{}
		url := e.URL + "/v1/clusters/" + benchCluster(42) + "/fluxConfigurations"
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer "+agentToken)
		resp, err := agent.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		etag := resp.Header.Get("ETag")
		for b.Loop() {
			req.Header.Set("If-None-Match", etag)
			resp, err := agent.Do(req)
			if err != nil || resp.StatusCode != http.StatusNotModified {
				b.Fatalf("poll: %v %v", err, resp)
			}
			_ = resp.Body.Close()
		}
	})
}

func benchCluster(i int) string { return fmt.Sprintf("cluster-%05d", i) }

// seedStore writes the fleet straight into a bbolt file, in transactions of 10,000.
func seedStore(b *testing.B, path string) {
	b.Helper()
	store, err := endpoint.OpenBolt(path)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = store.Close() }()
	var batch []*endpoint.Record
	at := time.Now().UTC().Add(-time.Hour)
	for i := range benchClusters {
		for j := range benchConfigs {
			n := i*benchConfigs + j
			state := "Compliant"
			switch {
			case n%100 == 3:
				state = "Non-Compliant"
			case n%50 == 1:
				state = "Pending"
			}
			name := fmt.Sprintf("config-%02d", j)
			rec := &endpoint.Record{Cluster: benchCluster(i), Name: name, OperationID: "op", OperationDone: true}
			p := &rec.Properties
			p.SourceKind = "GitRepository"
			p.GitRepository = &dpv1.GitRepositoryDefinition{URL: "https://git.example.com/fleet/" + name,
				RepositoryRef: &dpv1.RepositoryRefDefinition{Branch: "main"}}
			p.ComplianceState, p.ProvisioningState, p.StatusUpdatedAt = state, dpv1.ProvisioningSucceeded, &at
			p.SourceSyncedCommitID = "main@sha1:0123456789abcdef0123456789abcdef01234567"
			p.Statuses = []dpv1.ObjectStatusDefinition{
				{Kind: "GitRepository", Namespace: name, Name: name, ComplianceState: "Compliant",
					StatusConditions: []dpv1.ObjectStatusConditionDefinition{{Type: "Ready", Status: "True", Message: "stored artifact"}}},
				{Kind: "Kustomization", Namespace: name, Name: name + "-apps", ComplianceState: state,
					StatusConditions: []dpv1.ObjectStatusConditionDefinition{{Type: "Ready", Status: "True", Message: "Applied revision"}}},
			}
			batch = append(batch, rec)
			if len(batch) == 10_000 {
				if err := store.PutAll(context.Background(), batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
	}
}

// fetch GETs url with the session and returns the body's size.
func fetch(b *testing.B, c *http.Client, url, _ string) int {
	resp, err := c.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	n, _ := io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s answered %d", url, resp.StatusCode)
	}
	return int(n)
}
