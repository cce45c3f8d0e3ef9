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

package dashboard

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/internal/endpoint"
)

func openBolt(t testing.TB) *endpoint.BoltStore {
	t.Helper()
	s, err := endpoint.OpenBolt(filepath.Join(t.TempDir(), "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// openIndex opens a bbolt store and an index built from it.
func openIndex(t testing.TB, g *WithT) (*endpoint.BoltStore, *Index) {
	t.Helper()
	store := openBolt(t)
	x, err := NewIndex(context.Background(), store)
	g.Expect(err).NotTo(HaveOccurred())
	return store, x
}

func record(cluster, name, state string, reported time.Time) *endpoint.Record {
	rec := &endpoint.Record{Cluster: cluster, Name: name, OperationID: "op", OperationDone: true}
	rec.Properties.ComplianceState = state
	rec.Properties.ProvisioningState = dpv1.ProvisioningSucceeded
	if !reported.IsZero() {
		rec.Properties.StatusUpdatedAt = &reported
	}
	return rec
}

// t0 is when every record of the tests was reported.
var t0 = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)

// seed puts 120 clusters c-000…c-119 with configurations a and b; b is Non-Compliant on
// every tenth cluster.
func seed(t *testing.T, x *Index) {
	t.Helper()
	ctx := context.Background()
	for i := range 120 {
		c := fmt.Sprintf("c-%03d", i)
		state := Compliant
		if i%10 == 0 {
			state = NonCompliant
		}
		if err := x.Put(ctx, record(c, "a", Compliant, t0)); err != nil {
			t.Fatal(err)
		}
		if err := x.Put(ctx, record(c, "b", state, t0)); err != nil {
			t.Fatal(err)
		}
	}
}

func names(rows []Row) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Cluster)
	}
	return out
}

func TestIndex_PagesAndFilters(t *testing.T) {
	g := NewWithT(t)
	x, err := NewIndex(context.Background(), openBolt(t))
	g.Expect(err).NotTo(HaveOccurred())
	seed(t, x)

	p := x.fleet(Filter{Page: 2, PageSize: 50}, "", time.Time{}, 10)
	g.Expect(p.Total).To(Equal(120))
	g.Expect(p.Rows).To(HaveLen(50))
	g.Expect(p.Rows[0].Cluster).To(Equal("c-050"))
	g.Expect(p.Rows[49].Cluster).To(Equal("c-099"))
	g.Expect(p.Configs).To(Equal(map[string]int{Compliant: 228, NonCompliant: 12}))
	g.Expect(p.Rows[0].States).To(Equal(map[string]string{"a": Compliant, "b": NonCompliant}))

	p = x.fleet(Filter{Page: 3, PageSize: 50}, "", time.Time{}, 10)
	g.Expect(names(p.Rows)).To(HaveLen(20))

	p = x.fleet(Filter{State: NonCompliant, Page: 1, PageSize: 5}, "", time.Time{}, 10)
	g.Expect(p.Total).To(Equal(12))
	g.Expect(names(p.Rows)).To(Equal([]string{"c-000", "c-010", "c-020", "c-030", "c-040"}))

	p = x.fleet(Filter{Prefix: "c-11", Page: 1, PageSize: 50}, "", time.Time{}, 10)
	g.Expect(p.Total).To(Equal(10))
	g.Expect(p.Clusters).To(Equal(10))
	g.Expect(p.Configs).To(Equal(map[string]int{Compliant: 19, NonCompliant: 1}))

	p = x.fleet(Filter{State: Compliant, Prefix: "c-11", Page: 1, PageSize: 50}, "b", time.Time{}, 0)
	g.Expect(p.Total).To(Equal(9))
	g.Expect(p.Rows[0].States).To(Equal(map[string]string{"b": Compliant}))
}

func TestIndex_FollowsWritesAndRebuildsTheSameFromTheStore(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	store, x := openIndex(t, g)
	seed(t, x)
	// A status change moves the configuration to its new state, not to a second one.
	g.Expect(x.Put(ctx, record("c-000", "b", Compliant, t0))).To(Succeed())
	g.Expect(x.Delete(ctx, "c-001", "a")).To(Succeed())
	g.Expect(x.Delete(ctx, "c-002", "a")).To(Succeed())
	g.Expect(x.Delete(ctx, "c-002", "b")).To(Succeed())
	g.Expect(x.Delete(ctx, "c-002", "b")).To(Succeed(), "deleting a missing record is no error")
	// The sweep writes many records at once; the index follows those writes too.
	g.Expect(x.PutAll(ctx, []*endpoint.Record{record("c-010", "a", Compliant, t0), record("c-010", "b", Compliant, t0)})).To(Succeed())

	all := Filter{Page: 1, PageSize: 500}
	live := x.fleet(all, "", time.Time{}, 10)
	g.Expect(live.Total).To(Equal(119), "a cluster without records and without polls is gone")
	g.Expect(live.Configs).To(Equal(map[string]int{Compliant: 227, NonCompliant: 10}))
	g.Expect(x.configs).To(Equal(map[string]int{"a": 118, "b": 119}))

	rebuilt, err := NewIndex(ctx, store)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rebuilt.fleet(all, "", time.Time{}, 10)).To(Equal(live))
}

// TestIndex_ContactHeardNeverMovesBack: a contact another replica shared counts only when
// later than what this replica knows, its own polls included.
func TestIndex_ContactHeardNeverMovesBack(t *testing.T) {
	g := NewWithT(t)
	x, err := NewIndex(context.Background(), openBolt(t))
	g.Expect(err).NotTo(HaveOccurred())
	x.ContactHeard("a", "fluxconfig-agent/v2", t0.Add(time.Minute))
	c, ok := x.Contact("a")
	g.Expect(ok).To(BeTrue(), "a cluster heard of only through another replica is known")
	g.Expect(c.LastPoll).To(Equal(t0.Add(time.Minute)))
	g.Expect(c.Agent).To(Equal("fluxconfig-agent/v2"))

	x.AgentSeen("a", "fluxconfig-agent/v3", t0.Add(2*time.Minute))
	x.ContactHeard("a", "fluxconfig-agent/v2", t0.Add(time.Minute))
	c, _ = x.Contact("a")
	g.Expect(c.LastPoll).To(Equal(t0.Add(2 * time.Minute)))
	g.Expect(c.Agent).To(Equal("fluxconfig-agent/v3"))
}

func TestIndex_LastPollsAnswersEachNameInItsPlace(t *testing.T) {
	g := NewWithT(t)
	x, err := NewIndex(context.Background(), openBolt(t))
	g.Expect(err).NotTo(HaveOccurred())
	for i, name := range []string{"a", "b", "c", "e", "f"} {
		x.AgentSeen(name, "fluxconfig-agent/"+name, t0.Add(time.Duration(i)*time.Minute))
	}
	poll := func(name string) ClusterContact {
		c, _ := x.Contact(name)
		return ClusterContact{LastPoll: c.LastPoll, Agent: c.Agent}
	}
	for _, names := range [][]string{
		{"a", "b", "c", "e", "f"},
		{"b", "e"},
		{"0", "a", "d", "f", "g"},
		{"f", "c", "a", "e", "b"},
		{"c", "c", "a", "a", "z", "b"},
		{},
	} {
		want, got := map[int]ClusterContact{}, map[int]ClusterContact{}
		for i, name := range names {
			if _, ok := x.Contact(name); ok {
				want[i] = poll(name)
			}
		}
		x.LastPolls(names, func(i int, c ClusterContact) { got[i] = c })
		g.Expect(got).To(Equal(want), "%v", names)
	}
}

func TestIndex_DisconnectedIsShownApart(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	x, err := NewIndex(ctx, openBolt(t))
	g.Expect(err).NotTo(HaveOccurred())
	for _, c := range []string{"a", "b", "c"} {
		g.Expect(x.Put(ctx, record(c, "cfg", NonCompliant, t0))).To(Succeed())
	}
	now := t0.Add(5 * time.Minute)
	x.AgentSeen("a", "fluxconfig-agent/v1", now)
	x.AgentSeen("b", "fluxconfig-agent/v1", t0.Add(time.Minute))
	// Polls only: a cluster the endpoint has no configuration for yet.
	x.AgentSeen("new", "fluxconfig-agent/v2", now)
	cutoff := now.Add(-90 * time.Second)

	p := x.fleet(Filter{Page: 1, PageSize: 50}, "", cutoff, 10)
	g.Expect(names(p.Rows)).To(Equal([]string{"a", "new"}))
	g.Expect(names(p.Apart)).To(Equal([]string{"b", "c"}))
	g.Expect(p.Apart[0].LastContact).To(Equal(t0.Add(time.Minute)))
	g.Expect(p.Apart[1].LastContact).To(Equal(t0), "the last report counts as contact")
	g.Expect(p.DisconnectedClusters).To(Equal(2))
	g.Expect(p.Configs).To(Equal(map[string]int{NonCompliant: 1}), "only connected clusters' configurations are counted")

	p = x.fleet(Filter{State: NonCompliant, Page: 1, PageSize: 50}, "", cutoff, 10)
	g.Expect(names(p.Rows)).To(Equal([]string{"a"}))
	p = x.fleet(Filter{State: Disconnected, Page: 1, PageSize: 50}, "", cutoff, 10)
	g.Expect(names(p.Rows)).To(Equal([]string{"b", "c"}))
	g.Expect(p.Apart).To(BeEmpty())

	contact, ok := x.Contact("new")
	g.Expect(ok).To(BeTrue())
	g.Expect(contact).To(Equal(ClusterContact{LastPoll: now, Agent: "fluxconfig-agent/v2"}))
	// A cluster that polls stays known when its last configuration goes.
	g.Expect(x.Delete(ctx, "a", "cfg")).To(Succeed())
	_, ok = x.Contact("a")
	g.Expect(ok).To(BeTrue())
}

// Polls take no index lock once a cluster is known, so they run beside writes and views;
// go test -race checks it.
func TestIndex_PollsWritesAndViewsAtOnce(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	x, err := NewIndex(ctx, openBolt(t))
	g.Expect(err).NotTo(HaveOccurred())
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 50 {
				c := fmt.Sprintf("c-%d-%02d", w, i)
				if err := x.Put(ctx, record(c, "a", Pending, t0)); err != nil {
					t.Error(err)
				}
				x.AgentSeen(c, "fluxconfig-agent/v1", t0.Add(time.Duration(i)*time.Second))
				_ = x.fleet(Filter{State: Pending, Page: 1, PageSize: 10}, "", time.Time{}, 10)
				_, _ = x.Contact(c)
			}
		})
	}
	wg.Wait()
	p := x.fleet(Filter{Page: 1, PageSize: 10}, "a", time.Time{}, 0)
	g.Expect(p.Total).To(Equal(200))
	g.Expect(p.Configs).To(Equal(map[string]int{Pending: 200}))
}
