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
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"testing"

	"github.com/fluxconfig/fluxconfig/internal/endpoint"
)

// BenchmarkRegistry_10000 measures, with 10,000 registered clusters, a registered agent's
// poll that changed nothing (its authorisation included) and a labelSelector page of 100.
func BenchmarkRegistry_10000(b *testing.B) {
	const n = 10000
	e := newHarness(b)
	ctx := context.Background()
	recs := make([]*endpoint.ClusterRecord, 0, n)
	for i := range n {
		sum := sha256.Sum256(fmt.Appendf(nil, "token-%d", i))
		recs = append(recs, &endpoint.ClusterRecord{Name: fmt.Sprintf("c-%05d", i), TokenHash: hex.EncodeToString(sum[:]),
			Labels: map[string]string{"region": []string{"eu", "us", "ap"}[i%3], "tier": []string{"prod", "staging"}[i%2]}})
	}
	if err := e.http.Store.PutClusters(ctx, recs); err != nil {
		b.Fatal(err)
	}
	reg, err := endpoint.NewRegistry(ctx, e.http.Store)
	if err != nil {
		b.Fatal(err)
	}
	e.srv.Registry = reg // the handlers read the field at each request
	_, _, hdr := e.do("GET", "/v1/clusters/c-04242/fluxConfigurations", "token-4242", nil)
	b.Run("poll-not-modified", func(b *testing.B) {
		for b.Loop() {
			if code, _, _ := e.do("GET", "/v1/clusters/c-04242/fluxConfigurations", "token-4242", nil, "If-None-Match", hdr.Get("ETag")); code != http.StatusNotModified {
				b.Fatal(code)
			}
		}
	})
	b.Run("list-selector-page", func(b *testing.B) {
		for b.Loop() {
			if code, _, _ := e.do("GET", "/v1/clusters?labelSelector=region%3Deu,tier%3Dprod&limit=100&continue=Yy0wNTAwMA", adminToken, nil); code != http.StatusOK {
				b.Fatal(code)
			}
		}
	})
}
