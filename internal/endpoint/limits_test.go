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
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/internal/endpoint"
	"github.com/fluxconfig/fluxconfig/internal/tenancy"
)

// withProperties returns gitConfig with f applied to its properties.
func withProperties(f func(p map[string]any)) map[string]any {
	c := gitConfig()
	f(c["properties"].(map[string]any))
	return c
}

// withSubstitute returns gitConfig whose infra kustomization substitutes vars.
func withSubstitute(vars map[string]string) map[string]any {
	return withProperties(func(p map[string]any) {
		infra := p["kustomizations"].(map[string]any)["infra"].(map[string]any)
		infra["postBuild"] = map[string]any{"substitute": vars}
	})
}

func TestServer_RefusesWhatNoClusterAccepts(t *testing.T) {
	h := newHarness(t)
	const path = "/v1/clusters/cluster-a/fluxConfigurations/app"
	cases := []struct {
		name, method, path, token string
		body                      any
		header                    []string
		target, inMsg             string
	}{
		{"correlation id over 256 characters", "PUT", path, adminToken, gitConfig(),
			[]string{"X-Correlation-Id", strings.Repeat("c", 257)}, "X-Correlation-Id", "is 257 characters, longer than 256"},
		{"correlation id over 256 characters on PATCH", "PATCH", path, adminToken, `{"properties":{"suspend":true}}`,
			[]string{"X-Correlation-Id", strings.Repeat("c", 300)}, "X-Correlation-Id", "longer than 256"},
		{"correlation id over 256 characters on DELETE", "DELETE", path, adminToken, nil,
			[]string{"X-Correlation-Id", strings.Repeat("c", 257)}, "X-Correlation-Id", "longer than 256"},
		{"upper-case cluster", "PUT", "/v1/clusters/Prod-1/fluxConfigurations/app", adminToken, gitConfig(), nil,
			"cluster", `"Prod-1" in the path is not a DNS-1123 label`},
		{"cluster with a dot", "PUT", "/v1/clusters/prod.1/fluxConfigurations/app", adminToken, gitConfig(), nil,
			"cluster", "not a DNS-1123 label"},
		{"cluster over 63 characters", "PUT", "/v1/clusters/" + strings.Repeat("a", 64) + "/fluxConfigurations/app", adminToken, gitConfig(), nil,
			"cluster", "not a DNS-1123 label"},
		{"upper-case cluster on the agent's list", "GET", "/v1/clusters/Prod-1/fluxConfigurations", tokenA, nil, nil,
			"cluster", "not a DNS-1123 label"},
		{"upper-case cluster on a status report", "PUT", "/v1/clusters/Prod-1/fluxConfigurations/app/status", tokenA,
			report("x", dpv1.ProvisioningSucceeded), nil, "cluster", "not a DNS-1123 label"},
		{"duration that overflows", "PUT", path, adminToken, withProperties(func(p map[string]any) {
			p["waitForReconciliation"] = true
			p["reconciliationWaitDuration"] = "P106752D"
		}), nil, "properties.reconciliationWaitDuration", "longer than the longest duration"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			code, body, _ := h.do(tc.method, tc.path, tc.token, tc.body, tc.header...)
			expectError(g, code, body, http.StatusBadRequest, tc.target, tc.inMsg)
			code, _, _ = h.get("app")
			g.Expect(code).To(Equal(http.StatusNotFound), "a refused request stores nothing")
		})
	}

	// What the CRD accepts is accepted: 256 characters, a valid label, a long but finite wait.
	g := NewWithT(t)
	code, body, _ := h.do("PUT", path, adminToken, withProperties(func(p map[string]any) {
		p["waitForReconciliation"] = true
		p["reconciliationWaitDuration"] = "P106751D"
	}), "X-Correlation-Id", strings.Repeat("c", 256))
	g.Expect(code).To(Equal(http.StatusCreated), string(body))
	g.Expect(h.agentList().Value[0].CorrelationID).To(HaveLen(256))
}

func TestServer_RefusesProtectedNamespaces(t *testing.T) {
	h := newHarness(t)
	for _, ns := range tenancy.DefaultProtectedNamespaces {
		t.Run(ns, func(t *testing.T) {
			g := NewWithT(t)
			code, body, _ := h.do("PUT", "/v1/clusters/cluster-a/fluxConfigurations/app", adminToken,
				withProperties(func(p map[string]any) { p["namespace"] = ns }))
			expectError(g, code, body, http.StatusBadRequest, "properties.namespace",
				fmt.Sprintf("properties.namespace: namespace %q is protected: FluxConfigs may not live in kube-node-lease, kube-public, kube-system; choose another namespace", ns))
			code, _, _ = h.get("app")
			g.Expect(code).To(Equal(http.StatusNotFound))
		})
	}

	// --protected-namespaces replaces the list.
	g := NewWithT(t)
	srv := &endpoint.Server{Store: h.http.Store, Tokens: h.http.Tokens.Tokens(), Now: h.clock.Now, Log: logr.Discard(),
		Protected: tenancy.NewProtected([]string{"platform"}, "")}
	other := httptest.NewServer(srv.Handler())
	defer other.Close()
	code, body := h.doURL("PUT", other.URL+"/v1/clusters/cluster-a/fluxConfigurations/app", adminToken,
		withProperties(func(p map[string]any) { p["namespace"] = "platform" }))
	expectError(g, code, body, http.StatusBadRequest, "properties.namespace", `namespace "platform" is protected`)
	code, body = h.doURL("PUT", other.URL+"/v1/clusters/cluster-a/fluxConfigurations/app", adminToken,
		withProperties(func(p map[string]any) { p["namespace"] = "kube-system" }))
	g.Expect(code).To(Equal(http.StatusCreated), string(body))
}

func TestServer_BoundsSubstituteValues(t *testing.T) {
	h := newHarness(t)
	const path = "/v1/clusters/cluster-a/fluxConfigurations/app"
	g := NewWithT(t)

	code, body, _ := h.do("PUT", path, adminToken, withSubstitute(map[string]string{"BIG": strings.Repeat("v", dpv1.MaxSubstituteValueBytes+1)}))
	expectError(g, code, body, http.StatusBadRequest, "properties.kustomizations[infra].postBuild.substitute.BIG",
		"is 16385 bytes, more than 16384; put a large value in a ConfigMap or Secret and read it with substituteFrom")

	many := map[string]string{}
	for i := range dpv1.MaxSubstituteVariables + 1 {
		many[fmt.Sprintf("V%d", i)] = "x"
	}
	code, body, _ = h.do("PUT", path, adminToken, withSubstitute(many))
	expectError(g, code, body, http.StatusBadRequest, "properties.kustomizations[infra].postBuild.substitute",
		"has 257 variables, more than 256")
	code, _, _ = h.get("app")
	g.Expect(code).To(Equal(http.StatusNotFound))

	code, body, _ = h.do("PUT", path, adminToken, withSubstitute(map[string]string{"BIG": strings.Repeat("v", dpv1.MaxSubstituteValueBytes)}))
	g.Expect(code).To(Equal(http.StatusCreated), string(body))
}

// bigConfig is a configuration of about 900 KiB, just below the body limit.
func bigConfig(fill string) map[string]any {
	vars := map[string]string{}
	for i := range 56 {
		vars[fmt.Sprintf("V%d", i)] = strings.Repeat(fill, 16<<10)
	}
	return withSubstitute(vars)
}

func TestServer_CapsTheClusterSet(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	put := func(base, name string, body any) (int, []byte) {
		return h.doURL("PUT", base+"/v1/clusters/cluster-a/fluxConfigurations/"+name, adminToken, body)
	}
	listBytes := func() int {
		code, body, _ := h.do("GET", "/v1/clusters/cluster-a/fluxConfigurations", tokenA, nil)
		g.Expect(code).To(Equal(http.StatusOK))
		return len(body)
	}
	for _, name := range []string{"one", "two", "three"} {
		code, body := put(h.http.URL, name, bigConfig("a"))
		g.Expect(code).To(Equal(http.StatusCreated), string(body))
	}
	before := listBytes()
	g.Expect(before).To(BeNumerically(">", 2600<<10))

	// The fourth would carry the set over the limit: refused, nothing stored.
	code, body := put(h.http.URL, "four", bigConfig("a"))
	expectError(g, code, body, http.StatusRequestEntityTooLarge, "properties",
		"with this configuration, cluster cluster-a's desired set would be ")
	g.Expect(string(body)).To(ContainSubstring("bytes, over the limit of 3145728 (its agent refuses an answer over 4194304)"))
	var e dpv1.ErrorResponse
	g.Expect(json.Unmarshal(body, &e)).To(Succeed())
	var wouldBe int
	_, err := fmt.Sscanf(strings.SplitAfter(e.Error.Message, "would be ")[1], "%d", &wouldBe)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(wouldBe).To(BeNumerically(">", dpv1.MaxClusterSetBytes))
	g.Expect(wouldBe-before).To(BeNumerically("~", 900<<10, 30<<10), "the message counts the new configuration once")
	code, _, _ = h.get("four")
	g.Expect(code).To(Equal(http.StatusNotFound))
	g.Expect(listBytes()).To(Equal(before))

	// Another cluster has a set of its own.
	code, body = h.doURL("PUT", h.http.URL+"/v1/clusters/cluster-b/fluxConfigurations/four", adminToken, bigConfig("a"))
	g.Expect(code).To(Equal(http.StatusCreated), string(body))

	// A PATCH that grows a configuration over the limit is refused too; a smaller one fits.
	code, body = put(h.http.URL, "small", gitConfig())
	g.Expect(code).To(Equal(http.StatusCreated), string(body))
	grow := map[string]any{"properties": map[string]any{"kustomizations": map[string]any{"apps": map[string]any{
		"postBuild": map[string]any{"substitute": bigConfig("b")["properties"].(map[string]any)["kustomizations"].(map[string]any)["infra"].(map[string]any)["postBuild"].(map[string]any)["substitute"]}}}}}
	code, body, _ = h.do("PATCH", "/v1/clusters/cluster-a/fluxConfigurations/small", adminToken, grow)
	expectError(g, code, body, http.StatusRequestEntityTooLarge, "properties", "over the limit of 3145728")

	// An update counts the configuration it replaces once, not twice.
	code, body = put(h.http.URL, "two", bigConfig("c"))
	g.Expect(code).To(Equal(http.StatusOK), string(body))
	g.Expect(listBytes()).To(BeNumerically("<=", dpv1.MaxClusterSetBytes))

	// A restarted endpoint knows the sizes from the store.
	srv := &endpoint.Server{Store: h.http.Store, Tokens: h.http.Tokens.Tokens(), Now: h.clock.Now, Log: logr.Discard()}
	restarted := httptest.NewServer(srv.Handler())
	defer restarted.Close()
	code, body = put(restarted.URL, "four", bigConfig("a"))
	expectError(g, code, body, http.StatusRequestEntityTooLarge, "properties", "over the limit of 3145728")

	// Deleting makes room.
	code, _ = h.doURL("DELETE", restarted.URL+"/v1/clusters/cluster-a/fluxConfigurations/one?forceDelete=true", adminToken, nil)
	g.Expect(code).To(Equal(http.StatusOK))
	code, body = put(restarted.URL, "four", bigConfig("a"))
	g.Expect(code).To(Equal(http.StatusCreated), string(body))
	g.Expect(listBytes()).To(BeNumerically("<=", dpv1.MaxClusterSetBytes))

	// A set already over the limit (written by an older endpoint) may shrink, not grow.
	legacy, err := h.http.Store.Get(context.Background(), "cluster-a", "four")
	g.Expect(err).NotTo(HaveOccurred())
	for _, name := range []string{"legacy", "legacy-2"} {
		legacy.Name = name
		g.Expect(h.http.Store.Put(context.Background(), legacy)).To(Succeed())
	}
	g.Expect(listBytes()).To(BeNumerically(">", dpv1.MaxClusterSetBytes))
	srv = &endpoint.Server{Store: h.http.Store, Tokens: h.http.Tokens.Tokens(), Now: h.clock.Now, Log: logr.Discard()}
	upgraded := httptest.NewServer(srv.Handler())
	defer upgraded.Close()
	code, body = h.doURL("PATCH", upgraded.URL+"/v1/clusters/cluster-a/fluxConfigurations/small", adminToken, `{"properties":{"suspend":true}}`)
	expectError(g, code, body, http.StatusRequestEntityTooLarge, "properties", "over the limit of 3145728")
	code, body = h.doURL("PATCH", upgraded.URL+"/v1/clusters/cluster-a/fluxConfigurations/legacy", adminToken,
		`{"properties":{"kustomizations":{"infra":null,"apps":{"dependsOn":null}}}}`)
	g.Expect(code).To(Equal(http.StatusOK), string(body))
	g.Expect(listBytes()).To(BeNumerically(">", dpv1.MaxClusterSetBytes), "still over, but smaller")
	code, _ = h.doURL("DELETE", upgraded.URL+"/v1/clusters/cluster-a/fluxConfigurations/legacy-2?forceDelete=true", adminToken, nil)
	g.Expect(code).To(Equal(http.StatusOK))
	g.Expect(listBytes()).To(BeNumerically("<=", dpv1.MaxClusterSetBytes))
}

// TestServer_ConcurrentWrites: writes to two clusters at once, many to each. A cluster's
// writes still check its set's size one at a time, so of six configurations that fit three
// at a time exactly three are stored, whatever the interleaving; and every report, sent
// all at once, lands on its own configuration.
func TestServer_ConcurrentWrites(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	tokens := map[string]string{"cluster-a": tokenA, "cluster-b": tokenB}
	path := func(cluster, name string) string {
		return "/v1/clusters/" + cluster + "/fluxConfigurations/" + name
	}

	var mu sync.Mutex
	created := map[string][]string{}
	var wg sync.WaitGroup
	for cluster := range tokens {
		for i := range 6 {
			wg.Go(func() {
				name := fmt.Sprint("big-", i)
				code, body, _ := h.do("PUT", path(cluster, name), adminToken, bigConfig("a"))
				mu.Lock()
				defer mu.Unlock()
				switch code {
				case http.StatusCreated:
					created[cluster] = append(created[cluster], name)
				case http.StatusRequestEntityTooLarge:
				default:
					t.Errorf("PUT %s/%s: %d %s", cluster, name, code, body)
				}
			})
		}
	}
	wg.Wait()
	g.Expect(created["cluster-a"]).To(HaveLen(3), "configurations of cluster-a stored")
	g.Expect(created["cluster-b"]).To(HaveLen(3), "configurations of cluster-b stored")

	for cluster, token := range tokens {
		code, body, _ := h.do("GET", "/v1/clusters/"+cluster+"/fluxConfigurations", token, nil)
		g.Expect(code).To(Equal(http.StatusOK), string(body))
		var desired dpv1.DesiredConfigurationList
		g.Expect(json.Unmarshal(body, &desired)).To(Succeed())
		g.Expect(desired.Value).To(HaveLen(3))
		for _, d := range desired.Value {
			wg.Go(func() {
				code, body, _ := h.do("PUT", path(cluster, d.Name)+"/status", token,
					report(d.OperationID, dpv1.ProvisioningSucceeded))
				if code != http.StatusNoContent {
					t.Errorf("report %s/%s: %d %s", cluster, d.Name, code, body)
				}
			})
		}
	}
	wg.Wait()
	for cluster, names := range created {
		for _, name := range names {
			code, body, _ := h.do("GET", path(cluster, name), adminToken, nil)
			g.Expect(code).To(Equal(http.StatusOK))
			var c dpv1.FluxConfiguration
			g.Expect(json.Unmarshal(body, &c)).To(Succeed())
			g.Expect(c.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningSucceeded), cluster+"/"+name)
		}
	}
}
