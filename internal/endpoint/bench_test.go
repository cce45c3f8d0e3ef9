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
	"fmt"
	"net/http"
	"testing"
)

// BenchmarkServer_Put measures a management PUT end to end, fsync of the store included.
func BenchmarkServer_Put(b *testing.B) {
	h := newHarness(b)
	body := gitConfig()
	for i := 0; b.Loop(); i++ {
		code, _, _ := h.do("PUT", fmt.Sprintf("/v1/clusters/cluster-a/fluxConfigurations/app-%d", i%100), adminToken, body)
		if code >= 300 {
			b.Fatalf("PUT answered %d", code)
		}
	}
}

// BenchmarkServer_AgentList100 measures the agent's poll of 100 configurations: a full
// answer, and a 304.
func BenchmarkServer_AgentList100(b *testing.B) {
	h := newHarness(b)
	for i := range 100 {
		h.do("PUT", fmt.Sprintf("/v1/clusters/cluster-a/fluxConfigurations/app-%d", i), adminToken, gitConfig())
	}
	_, body, hdr := h.do("GET", "/v1/clusters/cluster-a/fluxConfigurations", tokenA, nil)
	b.Logf("the desired set of 100 configurations is %d bytes", len(body))
	b.Run("full", func(b *testing.B) {
		for b.Loop() {
			if code, _, _ := h.do("GET", "/v1/clusters/cluster-a/fluxConfigurations", tokenA, nil); code != http.StatusOK {
				b.Fatal(code)
			}
		}
	})
	b.Run("not-modified", func(b *testing.B) {
		for b.Loop() {
			if code, _, _ := h.do("GET", "/v1/clusters/cluster-a/fluxConfigurations", tokenA, nil, "If-None-Match", hdr.Get("ETag")); code != http.StatusNotModified {
				b.Fatal(code)
			}
		}
	})
}
