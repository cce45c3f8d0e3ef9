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
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

func TestServer_UpdateReplacesProtectedSettings(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	const path = "/v1/clusters/cluster-a/fluxConfigurations/app"
	first := withProperties(func(p map[string]any) {
		p["configurationProtectedSettings"] = map[string]any{"httpsKey": "b2xkLWtleQ==", "caCertificate": "b2xkLWNh"}
	})
	code, body, _ := h.do("PUT", path, adminToken, first)
	g.Expect(code).To(Equal(http.StatusCreated), string(body))
	g.Expect(h.agentList().Value[0].ConfigurationProtectedSettings).To(HaveLen(2))

	// An update carrying protected settings replaces the set, delivered or not: the key it
	// leaves out is gone, as ARM expects write-only settings to be sent in full.
	second := withProperties(func(p map[string]any) {
		p["configurationProtectedSettings"] = map[string]any{"httpsKey": "bmV3LWtleQ=="}
	})
	code, body, _ = h.do("PUT", path, adminToken, second)
	g.Expect(code).To(Equal(http.StatusOK), string(body))
	g.Expect(h.agentList().Value[0].ConfigurationProtectedSettings).To(Equal(map[string]string{"httpsKey": "bmV3LWtleQ=="}))
	recs, err := h.srv.Store.ListAll(context.Background())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(recs[0].ProtectedSettings).To(Equal(map[string]string{"httpsKey": "bmV3LWtleQ=="}), "the old key is gone from the store file too")

	// An update without protected settings keeps those not yet delivered.
	code, body, _ = h.do("PATCH", path, adminToken, `{"properties":{"suspend":true}}`)
	g.Expect(code).To(Equal(http.StatusOK), string(body))
	g.Expect(h.agentList().Value[0].ConfigurationProtectedSettings).To(Equal(map[string]string{"httpsKey": "bmV3LWtleQ=="}))
}

func TestServer_LateReportKeepsTheTimeout(t *testing.T) {
	h := newHarness(t)
	path := func(name string) string { return "/v1/clusters/cluster-a/fluxConfigurations/" + name }
	opOf := func(name string) string {
		for _, item := range h.agentList().Value {
			if item.Name == name {
				return item.OperationID
			}
		}
		h.t.Fatalf("%s is not listed", name)
		return ""
	}
	for _, swept := range []bool{true, false} {
		name := map[bool]string{true: "swept", false: "unswept"}[swept]
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			code, body, _ := h.do("PUT", path(name), adminToken, gitConfig())
			g.Expect(code).To(Equal(http.StatusCreated), string(body))
			op := opOf(name)
			h.clock.Advance(49 * time.Hour)
			if swept {
				g.Expect(h.srv.Sweep(context.Background())).To(Succeed())
			}

			// The agent reports on the operation after its 48 hours: the outcome stays Failed
			// with the timeout's message, but the compliance it reports is kept.
			code, body, _ = h.do("PUT", path(name)+"/status", tokenA, report(op, dpv1.ProvisioningSucceeded))
			g.Expect(code).To(Equal(http.StatusNoContent), string(body))
			_, cfg, _ := h.get(name)
			g.Expect(cfg.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningFailed))
			g.Expect(cfg.Properties.ErrorMessage).To(ContainSubstring("did not acknowledge operation " + op + " within 48h"))
			g.Expect(cfg.Properties.ComplianceState).To(Equal("Compliant"))

			// Re-applying starts an operation that a report can finish.
			code, body, _ = h.do("PUT", path(name), adminToken, gitConfig())
			g.Expect(code).To(Equal(http.StatusOK), string(body))
			code, _, _ = h.do("PUT", path(name)+"/status", tokenA, report(opOf(name), dpv1.ProvisioningSucceeded))
			g.Expect(code).To(Equal(http.StatusNoContent))
			_, cfg, _ = h.get(name)
			g.Expect(cfg.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningSucceeded))
			g.Expect(cfg.Properties.ErrorMessage).To(BeEmpty())
		})
	}

	// A deletion that timed out still completes when the agent reports the FluxConfig gone.
	g := NewWithT(t)
	code, _, _ := h.do("DELETE", path("swept"), adminToken, nil)
	g.Expect(code).To(Equal(http.StatusAccepted))
	op := opOf("swept")
	h.clock.Advance(49 * time.Hour)
	g.Expect(h.srv.Sweep(context.Background())).To(Succeed())
	code, _, _ = h.do("PUT", path("swept")+"/status", tokenA, report(op, dpv1.ProvisioningSucceeded))
	g.Expect(code).To(Equal(http.StatusNoContent))
	code, _, _ = h.get("swept")
	g.Expect(code).To(Equal(http.StatusNotFound))
}

// TestServer_AReportTheAgentCannotSeeKeepsTheETag: the first report on an operation purges
// its protected settings, which changes the agent's set; later compliance reports change
// only what the agent never sees, so the cluster's ETag stays and its held polls sleep on.
func TestServer_AReportTheAgentCannotSeeKeepsTheETag(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	h.putApp()
	first := h.agentList()
	g.Expect(first.Value[0].ConfigurationProtectedSettings).NotTo(BeEmpty())
	etag, cached := h.srv.CachedETag("cluster-a")
	g.Expect(cached).To(BeTrue(), "a poll leaves the set's ETag cached")

	op := first.Value[0].OperationID
	code, body, _ := h.do("PUT", appPath+"/status", tokenA, report(op, dpv1.ProvisioningSucceeded))
	g.Expect(code).To(Equal(http.StatusNoContent), string(body))
	_, cached = h.srv.CachedETag("cluster-a")
	g.Expect(cached).To(BeFalse(), "the report purged the protected settings the agent was sent")
	g.Expect(h.agentList().Value[0].ConfigurationProtectedSettings).To(BeEmpty())
	second, cached := h.srv.CachedETag("cluster-a")
	g.Expect(cached).To(BeTrue())
	g.Expect(second).NotTo(Equal(etag))

	drifted := report(op, dpv1.ProvisioningSucceeded)
	drifted.ComplianceState = "Non-Compliant"
	code, body, _ = h.do("PUT", appPath+"/status", tokenA, drifted)
	g.Expect(code).To(Equal(http.StatusNoContent), string(body))
	kept, cached := h.srv.CachedETag("cluster-a")
	g.Expect(cached).To(BeTrue(), "a compliance report leaves the agent's set as it was")
	g.Expect(kept).To(Equal(second))
	_, cfg, _ := h.get("app")
	g.Expect(cfg.Properties.ComplianceState).To(Equal("Non-Compliant"), "the report is stored all the same")

	code, respBody, hdr := h.do("GET", "/v1/clusters/cluster-a/fluxConfigurations", tokenA, nil, "If-None-Match", second)
	g.Expect(code).To(Equal(http.StatusNotModified), string(respBody))
	g.Expect(hdr.Get("ETag")).To(Equal(second))
}
