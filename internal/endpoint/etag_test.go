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
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// TestServer_NotModifiedFollowsEveryChange: the ETag an agent holds stops matching after a
// management write, after a status report that completes the operation, and when the
// protected settings expire on their own, while the other cluster's ETag stays valid.
func TestServer_NotModifiedFollowsEveryChange(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	const listA, listB = "/v1/clusters/cluster-a/fluxConfigurations", "/v1/clusters/cluster-b/fluxConfigurations"
	poll := func(path, token, etag string) (int, string) {
		code, _, hdr := h.do("GET", path, token, nil, "If-None-Match", etag)
		return code, hdr.Get("ETag")
	}
	code, _, _ := h.do("PUT", listA+"/app", adminToken, gitConfig())
	g.Expect(code).To(Equal(http.StatusCreated))
	h.do("PUT", listB+"/app", adminToken, gitConfig())

	code, etag := poll(listA, tokenA, "")
	g.Expect(code).To(Equal(http.StatusOK))
	code, _ = poll(listA, tokenA, etag)
	g.Expect(code).To(Equal(http.StatusNotModified))

	// The protected settings expire on their own after 48 hours.
	h.clock.Advance(49 * time.Hour)
	code, etag2 := poll(listA, tokenA, etag)
	g.Expect(code).To(Equal(http.StatusOK))
	g.Expect(etag2).NotTo(Equal(etag))
	_, etagB := poll(listB, tokenB, "")

	// A management write.
	cfg := gitConfig()
	cfg["properties"].(map[string]any)["suspend"] = true
	h.do("PUT", listA+"/app", adminToken, cfg)
	code, etag3 := poll(listA, tokenA, etag2)
	g.Expect(code).To(Equal(http.StatusOK))

	// A report that completes the operation drops its protected settings from the set.
	h.do("PUT", listA+"/app", adminToken, gitConfig())
	code, etag4 := poll(listA, tokenA, etag3)
	g.Expect(code).To(Equal(http.StatusOK))
	opID := h.agentList().Value[0].OperationID
	code, _, _ = h.do("PUT", listA+"/app/status", tokenA, report(opID, "Succeeded"))
	g.Expect(code).To(Equal(http.StatusNoContent))
	code, _ = poll(listA, tokenA, etag4)
	g.Expect(code).To(Equal(http.StatusOK))

	code, _ = poll(listB, tokenB, etagB)
	g.Expect(code).To(Equal(http.StatusNotModified), "cluster-b did not change")
}
