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

package endpoint

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// rolledOutFleet is the stored document of a fleet configuration rolled out to n clusters.
func rolledOutFleet(t testing.TB, n int, phase string) []byte {
	t.Helper()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &RolloutProgress{Target: 2, From: 1, Wave: 3, Clusters: map[string]*ClusterProgress{},
		Status: dpv1.FleetRolloutStatus{Phase: phase, Revision: 2, FromRevision: 1, Waves: []dpv1.RolloutWaveStatus{{Name: "canary"}}}}
	for i := range n {
		p.Clusters[fmt.Sprintf("cluster-%05d", i)] = &ClusterProgress{Wave: i % 4, StartedAt: at, CompliantSince: &at, Done: true}
	}
	doc, err := json.Marshal(&FleetRecord{Name: "web", Revision: 2, Progress: p, CreatedAt: at})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestFleetSummaryCache: the same document gives the same summary without decoding it
// again, a changed one its own, and what a caller changes in its copy stays its own.
func TestFleetSummaryCache(t *testing.T) {
	var c fleetSummaryCache
	progressing := rolledOutFleet(t, 100, "Progressing")
	first, err := c.decode("web", progressing)
	if err != nil {
		t.Fatal(err)
	}
	if first.Revision != 2 || first.Progress.Status.Phase != "Progressing" || first.Progress.Clusters != nil {
		t.Fatalf("summary %+v, want revision 2, Progressing, no clusters", first)
	}
	first.Revision, first.Progress.Status.Phase = 99, "changed by the caller"
	again, err := c.decode("web", progressing)
	if err != nil {
		t.Fatal(err)
	}
	if again.Revision != 2 || again.Progress.Status.Phase != "Progressing" {
		t.Fatalf("a caller's change reached the cache: %+v", again)
	}
	completed, err := c.decode("web", rolledOutFleet(t, 100, "Completed"))
	if err != nil {
		t.Fatal(err)
	}
	if completed.Progress.Status.Phase != "Completed" {
		t.Fatalf("a changed document gave the old summary: %q", completed.Progress.Status.Phase)
	}
	if _, err := c.decode("api", []byte("{")); err == nil {
		t.Fatal("a broken document decoded")
	}
	c.forget("web")
	if len(c.byName) != 0 {
		t.Fatalf("forget left %d summaries", len(c.byName))
	}
}

// BenchmarkFleetSummary_10kClusters: what reading a fleet configuration for a status costs
// once its rollout has reached 10,000 clusters, decoded every time or taken from the cache.
func BenchmarkFleetSummary_10kClusters(b *testing.B) {
	doc := rolledOutFleet(b, 10000, "Completed")
	b.Logf("document: %d KiB", len(doc)/1024)
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeFleetSummary(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		var c fleetSummaryCache
		for b.Loop() {
			if _, err := c.decode("web", doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}
