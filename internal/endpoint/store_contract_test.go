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
	"context"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/internal/endpoint"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// fullStore is what both implementations are: a Store, a ClusterStore and a FleetStore.
type fullStore interface {
	endpoint.Store
	endpoint.ClusterStore
	endpoint.FleetStore
}

// storeKinds returns, per implementation, a function that opens a new, empty store and
// returns a function opening it again (after Close), to check what survives.
var storeKinds = map[string]func(t *testing.T) func() fullStore{
	"bolt": func(t *testing.T) func() fullStore {
		path := filepath.Join(t.TempDir(), "store.db")
		return func() fullStore {
			s, err := endpoint.OpenBolt(path)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	},
	"postgres": func(t *testing.T) func() fullStore {
		url := testutil.PostgresDB(t)
		return func() fullStore {
			s, err := endpoint.OpenPostgres(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	},
}

// TestStoreContract runs the same cases against every implementation, so they cannot drift.
func TestStoreContract(t *testing.T) {
	for kind, newStore := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			for name, tc := range storeCases {
				t.Run(name, func(t *testing.T) {
					open := newStore(t)
					tc(NewWithT(t), open)
				})
			}
		})
	}
}

var (
	t0     = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ctxBg  = context.Background()
	badRec = &endpoint.Record{Cluster: "a", Name: "bad", ProtectedUntil: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
)

func names(recs []*endpoint.Record) []string {
	out := []string{}
	for _, r := range recs {
		out = append(out, r.Cluster+"/"+r.Name)
	}
	return out
}

var storeCases = map[string]func(g *WithT, open func() fullStore){
	"a record round-trips and survives a reopen": func(g *WithT, open func() fullStore) {
		s := open()
		rec := &endpoint.Record{Cluster: "a", Name: "app", OperationID: "op-1", OperationStartedAt: t0,
			ProtectedSettings: map[string]string{"k": "djE="}, ProtectedUntil: t0.Add(time.Hour), Deleting: true,
			Properties: dpv1.FluxConfigurationProperties{Namespace: "team-a", Suspend: new(true)}}
		g.Expect(s.Put(ctxBg, rec)).To(Succeed())
		g.Expect(s.Close()).To(Succeed())
		s = open()
		defer s.Close()
		got, err := s.Get(ctxBg, "a", "app")
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(got).To(Equal(rec))
	},
	"a missing record is ErrNotFound and deleting it is no error": func(g *WithT, open func() fullStore) {
		s := open()
		defer s.Close()
		_, err := s.Get(ctxBg, "a", "nope")
		g.Expect(err).To(MatchError(endpoint.ErrNotFound))
		g.Expect(s.Delete(ctxBg, "a", "nope")).To(Succeed())
	},
	"put replaces and delete removes": func(g *WithT, open func() fullStore) {
		s := open()
		defer s.Close()
		g.Expect(s.Put(ctxBg, &endpoint.Record{Cluster: "a", Name: "app", OperationID: "op-1"})).To(Succeed())
		g.Expect(s.Put(ctxBg, &endpoint.Record{Cluster: "a", Name: "app", OperationID: "op-2"})).To(Succeed())
		got, err := s.Get(ctxBg, "a", "app")
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(got.OperationID).To(Equal("op-2"))
		g.Expect(s.Delete(ctxBg, "a", "app")).To(Succeed())
		_, err = s.Get(ctxBg, "a", "app")
		g.Expect(err).To(MatchError(endpoint.ErrNotFound))
	},
	"lists are ordered bytewise and stay within their cluster": func(g *WithT, open func() fullStore) {
		s := open()
		defer s.Close()
		g.Expect(s.PutAll(ctxBg, []*endpoint.Record{
			{Cluster: "ab", Name: "x"}, {Cluster: "a", Name: "b"}, {Cluster: "a", Name: "Z"},
			{Cluster: "a", Name: "a-1"}, {Cluster: "a", Name: "a"},
		})).To(Succeed())
		got, err := s.List(ctxBg, "a")
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(names(got)).To(Equal([]string{"a/Z", "a/a", "a/a-1", "a/b"}))
		all, err := s.ListAll(ctxBg)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(names(all)).To(Equal([]string{"a/Z", "a/a", "a/a-1", "a/b", "ab/x"}))
		none, err := s.List(ctxBg, "c")
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(none).To(BeEmpty())
	},
	"PutAll stores all or none": func(g *WithT, open func() fullStore) {
		s := open()
		defer s.Close()
		g.Expect(s.PutAll(ctxBg, []*endpoint.Record{{Cluster: "a", Name: "good"}, badRec})).NotTo(Succeed())
		_, err := s.Get(ctxBg, "a", "good")
		g.Expect(err).To(MatchError(endpoint.ErrNotFound))
		g.Expect(s.PutAll(ctxBg, nil)).To(Succeed())
	},
	"clusters round-trip, list in order, and delete": func(g *WithT, open func() fullStore) {
		s := open()
		c := &endpoint.ClusterRecord{Name: "b", Labels: map[string]string{"region": "eu"}, CreatedAt: t0,
			TokenHash: "h1", TokenIssuedAt: t0, PreviousTokenHash: "h0", PreviousValidUntil: t0.Add(time.Hour),
			LastPoll: t0.Add(time.Minute), AgentVersion: "v1"}
		g.Expect(s.PutClusters(ctxBg, []*endpoint.ClusterRecord{c, {Name: "a", TokenHash: "h2", CreatedAt: t0}})).To(Succeed())
		g.Expect(s.Close()).To(Succeed())
		s = open()
		defer s.Close()
		got, err := s.GetCluster(ctxBg, "b")
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(got).To(Equal(c))
		all, err := s.ListClusters(ctxBg)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(all).To(HaveLen(2))
		g.Expect(all[0].Name).To(Equal("a"))
		g.Expect(s.DeleteCluster(ctxBg, "b")).To(Succeed())
		g.Expect(s.DeleteCluster(ctxBg, "b")).To(Succeed())
		_, err = s.GetCluster(ctxBg, "b")
		g.Expect(err).To(MatchError(endpoint.ErrClusterNotFound))
	},
	"fleets keep the last revisions, newest first, and delete with their history": func(g *WithT, open func() fullStore) {
		s := open()
		placement := dpv1.FleetPlacement{ClusterSelector: &dpv1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}}
		for rev := int64(1); rev <= endpoint.MaxFleetRevisions+3; rev++ {
			g.Expect(s.PutFleet(ctxBg, &endpoint.FleetRecord{Name: "web", Revision: rev, Placement: placement, CreatedAt: t0,
				Properties: dpv1.FluxConfigurationProperties{Namespace: "web"}})).To(Succeed())
		}
		g.Expect(s.PutFleet(ctxBg, &endpoint.FleetRecord{Name: "api", Revision: 1, CreatedAt: t0})).To(Succeed())
		g.Expect(s.Close()).To(Succeed())
		s = open()
		defer s.Close()
		cur, err := s.GetFleet(ctxBg, "web")
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(cur.Revision).To(BeEquivalentTo(endpoint.MaxFleetRevisions + 3))
		g.Expect(cur.Placement).To(Equal(placement))
		revs, err := s.ListFleetRevisions(ctxBg, "web")
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(revs).To(HaveLen(endpoint.MaxFleetRevisions))
		g.Expect(revs[0].Revision).To(BeEquivalentTo(endpoint.MaxFleetRevisions + 3))
		g.Expect(revs[len(revs)-1].Revision).To(BeEquivalentTo(4))
		all, err := s.ListFleets(ctxBg)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(all).To(HaveLen(2))
		g.Expect(all[0].Name).To(Equal("api"))
		g.Expect(s.DeleteFleet(ctxBg, "web")).To(Succeed())
		g.Expect(s.DeleteFleet(ctxBg, "web")).To(Succeed())
		_, err = s.GetFleet(ctxBg, "web")
		g.Expect(err).To(MatchError(endpoint.ErrFleetNotFound))
		revs, err = s.ListFleetRevisions(ctxBg, "web")
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(revs).To(BeEmpty())
	},
	"PutClusters stores all or none": func(g *WithT, open func() fullStore) {
		s := open()
		defer s.Close()
		bad := &endpoint.ClusterRecord{Name: "bad", CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
		g.Expect(s.PutClusters(ctxBg, []*endpoint.ClusterRecord{{Name: "good"}, bad})).NotTo(Succeed())
		_, err := s.GetCluster(ctxBg, "good")
		g.Expect(err).To(MatchError(endpoint.ErrClusterNotFound))
	},
}

// TestPgStore_PutAllRollsBackOnAServerError: a record PostgreSQL refuses (jsonb holds no
// NUL character) after one it accepted leaves neither stored.
func TestPgStore_PutAllRollsBackOnAServerError(t *testing.T) {
	g := NewWithT(t)
	s := storeKinds["postgres"](t)()
	defer s.Close()
	nul := &endpoint.Record{Cluster: "a", Name: "nul", OperationID: "op\x00"}
	g.Expect(s.PutAll(ctxBg, []*endpoint.Record{{Cluster: "a", Name: "good"}, nul})).NotTo(Succeed())
	_, err := s.Get(ctxBg, "a", "good")
	g.Expect(err).To(MatchError(endpoint.ErrNotFound))
}
