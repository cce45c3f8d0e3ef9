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
	"testing"
	"time"

	"github.com/fluxconfig/fluxconfig/internal/endpoint"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// BenchmarkShareContacts_10kClusters measures one replica's share of the last polls with
// 10,000 registered clusters polling every 30s and a 5s interval: writing the 1,667
// clusters that polled since in one statement, then reading what was written in the last
// 10s: about 3,333 rows in service, every row here, where the rounds follow at once.
func BenchmarkShareContacts_10kClusters(b *testing.B) {
	const n, batch = 10000, 10000 * 5 / 30
	ctx := context.Background()
	s, err := endpoint.OpenPostgres(ctx, testutil.PostgresDB(b))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	recs := make([]*endpoint.ClusterRecord, n)
	for i := range recs {
		recs[i] = &endpoint.ClusterRecord{Name: fmt.Sprintf("c-%05d", i), TokenHash: fmt.Sprint(i)}
	}
	if err := s.PutClusters(ctx, recs); err != nil {
		b.Fatal(err)
	}
	contacts := make([]endpoint.ClusterContact, batch)
	at := time.Now()
	for i := 0; b.Loop(); i++ {
		at = at.Add(time.Second)
		for j := range contacts {
			contacts[j] = endpoint.ClusterContact{Cluster: recs[(i*batch+j)%n].Name, LastPoll: at, UserAgent: "fluxconfig-agent/v1.4.0"}
		}
		if err := s.PutContacts(ctx, contacts); err != nil {
			b.Fatal(err)
		}
		got, _, err := s.ContactsSince(ctx, time.Now().Add(-10*time.Second))
		if err != nil {
			b.Fatal(err)
		}
		if len(got) < batch {
			b.Fatalf("read %d contacts, want at least the %d just written", len(got), batch)
		}
	}
}
