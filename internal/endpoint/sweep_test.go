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
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	. "github.com/onsi/gomega"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/internal/endpoint"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// faultyStore is the real bbolt store, counting its write transactions and panicking in
// ListAll while panics is positive.
type faultyStore struct {
	*endpoint.BoltStore
	writes atomic.Int64
	panics atomic.Int64
}

func (s *faultyStore) Put(ctx context.Context, rec *endpoint.Record) error {
	s.writes.Add(1)
	return s.BoltStore.Put(ctx, rec)
}

func (s *faultyStore) PutAll(ctx context.Context, recs []*endpoint.Record) error {
	s.writes.Add(1)
	return s.BoltStore.PutAll(ctx, recs)
}

func (s *faultyStore) ListAll(ctx context.Context) ([]*endpoint.Record, error) {
	if s.panics.Add(-1) >= 0 {
		panic("injected fault in the store")
	}
	return s.BoltStore.ListAll(ctx)
}

// serveStore serves a Server over store on 127.0.0.1 with the harness's tokens.
func serveStore(t *testing.T, store endpoint.Store, log logr.Logger) (*endpoint.Server, string, *testutil.Clock) {
	t.Helper()
	tokens, err := testutil.WriteTokenDir(t.TempDir(), adminToken, map[string]string{"cluster-a": tokenA})
	if err != nil {
		t.Fatal(err)
	}
	clock := testutil.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := &endpoint.Server{Store: store, Tokens: tokens.Tokens(), Now: clock.Now, Log: log}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return srv, hs.URL, clock
}

func openFaulty(t *testing.T) *faultyStore {
	t.Helper()
	bolt, err := endpoint.OpenBolt(filepath.Join(t.TempDir(), "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bolt.Close() })
	return &faultyStore{BoltStore: bolt}
}

func TestServer_SweepSurvivesAPanic(t *testing.T) {
	g := NewWithT(t)
	store := openFaulty(t)
	var mu sync.Mutex
	var logged []string
	log := funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, args)
	}, funcr.Options{})
	srv, url, clock := serveStore(t, store, log)
	h := &harness{t: t, srv: srv, http: &testutil.Endpoint{URL: url}, clock: clock}
	code, body, _ := h.do("PUT", "/v1/clusters/cluster-a/fluxConfigurations/app", adminToken, gitConfig())
	g.Expect(code).To(Equal(http.StatusCreated), string(body))
	clock.Advance(49 * time.Hour)

	// The first sweeps panic; the loop logs them and the next sweep does its work.
	store.panics.Store(2)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); srv.Run(ctx, 10*time.Millisecond) }()
	defer func() { cancel(); <-done }()
	g.Eventually(func() string {
		rec, err := store.Get(context.Background(), "cluster-a", "app")
		if err != nil {
			return err.Error()
		}
		return rec.Properties.ProvisioningState
	}, 10*time.Second, 10*time.Millisecond).Should(Equal(dpv1.ProvisioningFailed))
	mu.Lock()
	defer mu.Unlock()
	g.Expect(strings.Join(logged, "\n")).To(ContainSubstring("sweep panicked: injected fault in the store"))
}

func TestServer_SweepWritesInOneTransaction(t *testing.T) {
	g := NewWithT(t)
	store := openFaulty(t)
	srv, url, clock := serveStore(t, store, logr.Discard())
	h := &harness{t: t, srv: srv, http: &testutil.Endpoint{URL: url}, clock: clock}
	const n = 40
	for i := range n {
		code, body, _ := h.do("PUT", fmt.Sprintf("/v1/clusters/cluster-a/fluxConfigurations/app-%d", i), adminToken, gitConfig())
		g.Expect(code).To(Equal(http.StatusCreated), string(body))
	}
	// One more that the sweep leaves alone: its operation was acknowledged.
	code, body, _ := h.do("PUT", "/v1/clusters/cluster-a/fluxConfigurations/acknowledged", adminToken, gitConfig())
	g.Expect(code).To(Equal(http.StatusCreated), string(body))
	for _, item := range h.agentList().Value {
		if item.Name == "acknowledged" {
			code, _, _ = h.do("PUT", "/v1/clusters/cluster-a/fluxConfigurations/acknowledged/status", tokenA, report(item.OperationID, dpv1.ProvisioningSucceeded))
			g.Expect(code).To(Equal(http.StatusNoContent))
		}
	}

	clock.Advance(49 * time.Hour)
	store.writes.Store(0)
	g.Expect(srv.Sweep(context.Background())).To(Succeed())
	g.Expect(store.writes.Load()).To(Equal(int64(1)), "one write transaction, one fsync, for the whole sweep")
	recs, err := store.ListAll(context.Background())
	g.Expect(err).NotTo(HaveOccurred())
	failed := 0
	for _, rec := range recs {
		if rec.Properties.ProvisioningState == dpv1.ProvisioningFailed && len(rec.ProtectedSettings) == 0 {
			failed++
		}
	}
	g.Expect(failed).To(Equal(n))

	// Nothing left to sweep: no write at all.
	store.writes.Store(0)
	g.Expect(srv.Sweep(context.Background())).To(Succeed())
	g.Expect(store.writes.Load()).To(BeZero())
}
