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

const secretPAT = "c3VwZXItc2VjcmV0LXBhdA=="

func TestServer_Lifecycle(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	const path = "/v1/clusters/cluster-a/fluxConfigurations/app"

	// Create: 201, Creating, and no secret in the answer.
	code, body, _ := h.do("PUT", path, adminToken, gitConfig(), "X-Correlation-Id", "corr-1")
	g.Expect(code).To(Equal(http.StatusCreated), string(body))
	g.Expect(string(body)).NotTo(ContainSubstring(secretPAT))
	_, cfg, raw := h.get("app")
	g.Expect(cfg.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningCreating))
	g.Expect(cfg.Properties.ConfigurationProtectedSettings).To(BeEmpty())
	g.Expect(raw).To(ContainSubstring(`"configurationProtectedSettings":{}`))
	g.Expect(raw).NotTo(ContainSubstring(secretPAT))

	// The agent sees the item with its protected settings while the operation is pending.
	list := h.agentList()
	g.Expect(list.Value).To(HaveLen(1))
	item := list.Value[0]
	g.Expect(item.Name).To(Equal("app"))
	g.Expect(item.CorrelationID).To(Equal("corr-1"))
	g.Expect(item.OperationID).NotTo(BeEmpty())
	g.Expect(item.ConfigurationProtectedSettings).To(HaveKeyWithValue("httpsKey", secretPAT))
	g.Expect(item.Properties.Kustomizations).To(HaveKey("infra"))

	// Same content: 304 with no body.
	_, _, hdr := h.do("GET", "/v1/clusters/cluster-a/fluxConfigurations", tokenA, nil)
	etag := hdr.Get("ETag")
	g.Expect(etag).NotTo(BeEmpty())
	code, body, _ = h.do("GET", "/v1/clusters/cluster-a/fluxConfigurations", tokenA, nil, "If-None-Match", etag)
	g.Expect(code).To(Equal(http.StatusNotModified))
	g.Expect(body).To(BeEmpty())

	// The agent acknowledges: Succeeded, secrets purged, ETag changes.
	code, body, _ = h.do("PUT", path+"/status", tokenA, report(item.OperationID, dpv1.ProvisioningSucceeded))
	g.Expect(code).To(Equal(http.StatusNoContent), string(body))
	_, cfg, _ = h.get("app")
	g.Expect(cfg.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningSucceeded))
	g.Expect(cfg.Properties.ComplianceState).To(Equal("Compliant"))
	g.Expect(cfg.Properties.StatusUpdatedAt).NotTo(BeNil())
	g.Expect(h.agentList().Value[0].ConfigurationProtectedSettings).To(BeEmpty())
	code, _, _ = h.do("GET", "/v1/clusters/cluster-a/fluxConfigurations", tokenA, nil, "If-None-Match", etag)
	g.Expect(code).To(Equal(http.StatusOK))

	// PATCH: a kustomization set to null is removed, the rest is kept; Updating.
	code, body, _ = h.do("PATCH", path, adminToken, `{"properties":{"kustomizations":{"apps":null},"suspend":true}}`)
	g.Expect(code).To(Equal(http.StatusOK), string(body))
	_, cfg, _ = h.get("app")
	g.Expect(cfg.Properties.Kustomizations).To(HaveKey("infra"))
	g.Expect(cfg.Properties.Kustomizations).NotTo(HaveKey("apps"))
	g.Expect(*cfg.Properties.Suspend).To(BeTrue())
	g.Expect(cfg.Properties.GitRepository.URL).To(Equal("https://git.example.com/org/repo"))
	g.Expect(cfg.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningUpdating))
	// The compliance last reported survives an update.
	g.Expect(cfg.Properties.ComplianceState).To(Equal("Compliant"))

	// A report on the previous operation does not finish the new one.
	code, _, _ = h.do("PUT", path+"/status", tokenA, report(item.OperationID, dpv1.ProvisioningSucceeded))
	g.Expect(code).To(Equal(http.StatusNoContent))
	_, cfg, _ = h.get("app")
	g.Expect(cfg.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningUpdating))

	// DELETE: Deleting until the agent reports the FluxConfig gone.
	code, _, _ = h.do("DELETE", path, adminToken, nil)
	g.Expect(code).To(Equal(http.StatusAccepted))
	list = h.agentList()
	g.Expect(list.Value[0].Deleting).To(BeTrue())
	_, cfg, _ = h.get("app")
	g.Expect(cfg.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningDeleting))
	code, _, _ = h.do("PUT", path+"/status", tokenA, report(list.Value[0].OperationID, dpv1.ProvisioningSucceeded))
	g.Expect(code).To(Equal(http.StatusNoContent))
	code, _, _ = h.get("app")
	g.Expect(code).To(Equal(http.StatusNotFound))
	g.Expect(h.agentList().Value).To(BeEmpty())
}

func TestServer_ForceDelete(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	const path = appPath
	h.putApp()
	code, _, _ := h.do("DELETE", path+"?forceDelete=true", adminToken, nil)
	g.Expect(code).To(Equal(http.StatusOK))
	code, _, _ = h.get("app")
	g.Expect(code).To(Equal(http.StatusNotFound))
	g.Expect(h.agentList().Value).To(BeEmpty())
	code, _, _ = h.do("DELETE", path, adminToken, nil)
	g.Expect(code).To(Equal(http.StatusNoContent))
}

func TestServer_ProtectedSettingsExpireAfter48Hours(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	h.putApp()

	h.clock.Advance(47 * time.Hour)
	g.Expect(h.agentList().Value[0].ConfigurationProtectedSettings).To(HaveKey("httpsKey"))

	h.clock.Advance(time.Hour)
	g.Expect(h.srv.Sweep(context.Background())).To(Succeed())
	item := h.agentList().Value[0]
	g.Expect(item.ConfigurationProtectedSettings).To(BeEmpty())
	_, cfg, _ := h.get("app")
	g.Expect(cfg.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningFailed))
	g.Expect(cfg.Properties.ErrorMessage).To(ContainSubstring("did not acknowledge operation " + item.OperationID + " within 48h"))

	// The secret is gone from the store file too, not only from the answers.
	recs, err := h.srv.Store.ListAll(context.Background())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(recs[0].ProtectedSettings).To(BeEmpty())
}

func TestServer_AcknowledgedOperationDoesNotTimeOut(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	const path = appPath
	h.putApp()
	op := h.agentList().Value[0].OperationID
	h.clock.Advance(time.Hour)
	code, _, _ := h.do("PUT", path+"/status", tokenA, report(op, dpv1.ProvisioningSucceeded))
	g.Expect(code).To(Equal(http.StatusNoContent))
	h.clock.Advance(72 * time.Hour)
	g.Expect(h.srv.Sweep(context.Background())).To(Succeed())
	_, cfg, _ := h.get("app")
	g.Expect(cfg.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningSucceeded))
	g.Expect(cfg.Properties.ErrorMessage).To(BeEmpty())
}
