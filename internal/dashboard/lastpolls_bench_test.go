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
	"sync"
	"testing"
	"time"

	"github.com/fluxconfig/fluxconfig/internal/endpoint"
)

// discardStore takes every record and keeps none, so a report costs only the index's lock.
type discardStore struct{ endpoint.Store }

func (discardStore) Put(context.Context, *endpoint.Record) error { return nil }

// BenchmarkLastPolls_10kClustersWhileReporting reads the last polls of 10,000 clusters, as
// a fleet status does, quiet and while one writer puts reports into the index and eight
// agents poll, without pause: per-cluster takes the index lock once a cluster (Contact), as
// the status did, all-at-once once a read (LastPolls).
func BenchmarkLastPolls_10kClustersWhileReporting(b *testing.B) {
	const n = 10000
	x := &Index{Store: discardStore{}, clusters: map[string]*cluster{}, configs: map[string]int{}}
	names := make([]string, n)
	for i := range n {
		names[i] = fmt.Sprintf("c-%05d", i)
		x.AgentSeen(names[i], "fluxconfig-agent/v1", t0)
	}
	read := func(b *testing.B) {
		b.Run("per-cluster", func(b *testing.B) {
			for b.Loop() {
				for _, name := range names {
					_, _ = x.Contact(name)
				}
			}
		})
		b.Run("all-at-once", func(b *testing.B) {
			for b.Loop() {
				x.LastPolls(names, func(int, ClusterContact) {})
			}
		})
	}
	b.Run("quiet", read)
	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 9 {
		wg.Go(func() {
			for i := w; ; i = (i + 9) % n {
				select {
				case <-stop:
					return
				default:
				}
				if w == 0 {
					_ = x.Put(ctx, record(names[i], "web", Compliant, t0))
				} else {
					x.AgentSeen(names[i], "fluxconfig-agent/v1", t0.Add(time.Second))
				}
			}
		})
	}
	b.Run("reporting", read)
	close(stop)
	wg.Wait()
}
