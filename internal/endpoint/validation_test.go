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
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

func TestServer_Validation(t *testing.T) {
	h := newHarness(t)
	const path = "/v1/clusters/cluster-a/fluxConfigurations/app"
	mutate := func(f func(p map[string]any)) map[string]any {
		c := gitConfig()
		f(c["properties"].(map[string]any))
		return c
	}
	git := func(p map[string]any) map[string]any { return p["gitRepository"].(map[string]any) }
	many := map[string]any{}
	for i := range 101 {
		many[fmt.Sprintf("k%d", i)] = map[string]any{"path": "./"}
	}
	cases := []struct {
		name          string
		body          any
		code          int
		target, inMsg string
	}{
		{"bad url scheme", mutate(func(p map[string]any) { git(p)["url"] = "ftp://x" }), 400,
			"properties.gitRepository.url", "must start with https://, http://, ssh:// or git@"},
		{"missing source body", mutate(func(p map[string]any) { delete(p, "gitRepository") }), 400,
			"properties.sourceKind", "Invalid source kind match. Config with specified source kind 'GitRepository' must contain corresponding body specified in the properties."},
		{"body of another kind", mutate(func(p map[string]any) {
			p["bucket"] = map[string]any{"url": "https://s3.example.com", "bucketName": "b"}
		}), 400, "properties.sourceKind", "Invalid source kind match"},
		{"negative interval", mutate(func(p map[string]any) { git(p)["syncIntervalInSeconds"] = -5 }), 400,
			"properties.gitRepository.syncIntervalInSeconds", "between 1 and"},
		{"two refs", mutate(func(p map[string]any) { git(p)["repositoryRef"] = map[string]any{"branch": "a", "tag": "b"} }), 400,
			"properties.gitRepository.repositoryRef", "exactly one"},
		{"unknown dependsOn", mutate(func(p map[string]any) {
			p["kustomizations"] = map[string]any{"a": map[string]any{"dependsOn": []string{"nope"}}}
		}), 400, "properties.kustomizations[a].dependsOn", `"nope" is not a kustomization`},
		{"too many kustomizations", mutate(func(p map[string]any) { p["kustomizations"] = many }), 400,
			"properties.kustomizations", "at most 100"},
		{"protected setting not base64", mutate(func(p map[string]any) {
			p["configurationProtectedSettings"] = map[string]any{"httpsKey": "not base64!"}
		}), 400, "properties.configurationProtectedSettings.httpsKey", "must be base64"},
		{"unknown field", `{"properties":{"gitRepository":{"url":"https://x","branch":"main"}}}`, 400, "", `unknown field "branch"`},
		{"wrong type", `{"properties":{"suspend":"yes"}}`, 400, "properties.suspend", "must be a JSON boolean"},
		{"name too long for kustomization", mutate(func(p map[string]any) {
			p["kustomizations"] = map[string]any{strings.Repeat("k", 61): map[string]any{}}
		}), 400, "properties.kustomizations[" + strings.Repeat("k", 61) + "]", "at most 63 characters"},
		{"body over 1 MiB", `{"properties":{"gitRepository":{"url":"https://x/` + strings.Repeat("a", 1<<20) + `"}}}`, 413, "", "exceeds 1048576 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			code, body, _ := h.do("PUT", path, adminToken, tc.body)
			expectError(g, code, body, tc.code, tc.target, tc.inMsg)
			g.Expect(string(body)).NotTo(ContainSubstring("not base64!"), "a secret value is echoed")
		})
	}
	code, body, _ := h.do("PUT", "/v1/clusters/cluster-a/fluxConfigurations/Bad_Name", adminToken, gitConfig())
	expectError(NewWithT(t), code, body, 400, "name", "lowercase")
}

func TestServer_PatchSourceKind(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	const path = appPath
	h.putApp()

	// A bucket body while the git body stays: refused the way ARM refuses it.
	code, body, _ := h.do("PATCH", path, adminToken, `{"properties":{"sourceKind":"Bucket","bucket":{"url":"https://s3.example.com","bucketName":"b"}}}`)
	expectError(g, code, body, 400, "properties.sourceKind",
		"Invalid source kind match. Config with specified source kind 'Bucket' must not contain a body for source kind 'GitRepository'")

	// Switching kinds with the old body set to null works.
	code, body, _ = h.do("PATCH", path, adminToken, `{"properties":{"sourceKind":"Bucket","gitRepository":null,"bucket":{"url":"https://s3.example.com","bucketName":"b","accessKey":"id"}}}`)
	g.Expect(code).To(Equal(http.StatusOK), string(body))
	_, cfg, _ := h.get("app")
	g.Expect(cfg.Properties.GitRepository).To(BeNil())
	g.Expect(cfg.Properties.Bucket.BucketName).To(Equal("b"))

	// scope and namespace are create-only.
	code, body, _ = h.do("PATCH", path, adminToken, `{"properties":{"namespace":"other"}}`)
	expectError(g, code, body, 400, "properties.namespace", "create-only")
	code, body, _ = h.do("PATCH", "/v1/clusters/cluster-a/fluxConfigurations/missing", adminToken, `{"properties":{}}`)
	expectError(g, code, body, 404, "", "does not exist")
}

// TestServer_PostBuildCanBeRemoved: a kustomization's postBuild goes away by a merge patch
// to null, by an empty substitution, or by a PUT without it; each is accepted.
func TestServer_PostBuildCanBeRemoved(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	withPostBuild := `{"properties":{"kustomizations":{"apps":{"postBuild":{"substitute":{"region":"eu"},"substituteFrom":[{"kind":"ConfigMap","name":"vars"}]}}}}}`
	postBuild := func() *dpv1.PostBuildDefinition {
		_, cfg, _ := h.get("app")
		return cfg.Properties.Kustomizations["apps"].PostBuild
	}
	h.putApp()
	for _, removal := range []string{
		`{"properties":{"kustomizations":{"apps":{"postBuild":null}}}}`,
		`{"properties":{"kustomizations":{"apps":{"postBuild":{"substitute":null,"substituteFrom":[]}}}}}`,
	} {
		code, body, _ := h.do("PATCH", appPath, adminToken, withPostBuild)
		g.Expect(code).To(Equal(http.StatusOK), string(body))
		g.Expect(postBuild()).NotTo(BeNil())
		code, body, _ = h.do("PATCH", appPath, adminToken, removal)
		g.Expect(code).To(Equal(http.StatusOK), string(body))
		if pb := postBuild(); pb != nil {
			g.Expect(pb.Substitute).To(BeEmpty(), removal)
			g.Expect(pb.SubstituteFrom).To(BeEmpty(), removal)
		}
	}
	code, body, _ := h.do("PATCH", appPath, adminToken, withPostBuild)
	g.Expect(code).To(Equal(http.StatusOK), string(body))
	code, body, _ = h.do("PUT", appPath, adminToken, gitConfig())
	g.Expect(code).To(Equal(http.StatusOK), string(body))
	g.Expect(postBuild()).To(BeNil(), "a PUT without postBuild removes it")
}

func TestServer_BodySecretsNeverReturned(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	const path = "/v1/clusters/cluster-a/fluxConfigurations/blob"
	code, body, _ := h.do("PUT", path, adminToken, `{"properties":{"namespace":"team-a","sourceKind":"AzureBlob",
		"azureBlob":{"url":"https://acct.blob.core.windows.net","containerName":"manifests","accountKey":"account-key-value"}}}`)
	g.Expect(code).To(Equal(http.StatusCreated), string(body))
	_, _, raw := h.get("blob")
	g.Expect(raw).NotTo(ContainSubstring("account-key-value"))
	item := h.agentList().Value[0]
	g.Expect(item.Properties.AzureBlob.AccountKey).To(BeEmpty())
	// Delivered as the protected parameter accountKey, base64 like every protected value.
	g.Expect(item.ConfigurationProtectedSettings).To(HaveKeyWithValue("accountKey", "YWNjb3VudC1rZXktdmFsdWU="))
}

func TestServer_TokenIsolation(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	code, _, _ := h.do("PUT", "/v1/clusters/cluster-a/fluxConfigurations/app", adminToken, gitConfig())
	g.Expect(code).To(Equal(http.StatusCreated))
	code, _, _ = h.do("PUT", "/v1/clusters/cluster-b/fluxConfigurations/other", adminToken, gitConfig())
	g.Expect(code).To(Equal(http.StatusCreated))

	// Each agent sees only its own cluster.
	code, body, _ := h.do("GET", "/v1/clusters/cluster-b/fluxConfigurations", tokenB, nil)
	g.Expect(code).To(Equal(http.StatusOK))
	g.Expect(string(body)).To(ContainSubstring(`"name":"other"`))
	g.Expect(string(body)).NotTo(ContainSubstring(`"name":"app"`))

	cases := []struct {
		method, path, token string
		code                int
	}{
		{"GET", "/v1/clusters/cluster-b/fluxConfigurations", tokenA, 403},
		{"PUT", "/v1/clusters/cluster-b/fluxConfigurations/other/status", tokenA, 403},
		{"GET", "/v1/clusters/cluster-a/fluxConfigurations/app", tokenA, 403},
		{"PUT", "/v1/clusters/cluster-a/fluxConfigurations/app", tokenA, 403},
		{"DELETE", "/v1/clusters/cluster-a/fluxConfigurations/app", tokenA, 403},
		{"GET", "/v1/clusters/cluster-a/fluxConfigurations", "", 401},
		{"GET", "/v1/clusters/cluster-a/fluxConfigurations", "wrong", 401},
		{"GET", "/v1/clusters/cluster-c/fluxConfigurations", tokenA, 403},
	}
	for _, tc := range cases {
		code, body, _ := h.do(tc.method, tc.path, tc.token, `{"properties":{}}`)
		g.Expect(code).To(Equal(tc.code), "%s %s: %s", tc.method, tc.path, body)
		g.Expect(string(body)).NotTo(ContainSubstring(tc.token + "x"))
	}

	// Rotation: a new token file takes effect without a restart; the old token stops working.
	time.Sleep(10 * time.Millisecond) // a distinct modification time on coarse file systems
	g.Expect(os.WriteFile(filepath.Join(h.tokens, "cluster-a"), []byte("rotated-token-a"), 0o600)).To(Succeed())
	code, _, _ = h.do("GET", "/v1/clusters/cluster-a/fluxConfigurations", tokenA, nil)
	g.Expect(code).To(Equal(http.StatusUnauthorized))
	code, _, _ = h.do("GET", "/v1/clusters/cluster-a/fluxConfigurations", "rotated-token-a", nil)
	g.Expect(code).To(Equal(http.StatusOK))
}

func TestServer_AdminListNeverCarriesSecrets(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	code, _, _ := h.do("PUT", "/v1/clusters/cluster-a/fluxConfigurations/app", adminToken, gitConfig())
	g.Expect(code).To(Equal(http.StatusCreated))
	for _, query := range []string{"", "?view=agent"} {
		code, body, _ := h.do("GET", "/v1/clusters/cluster-a/fluxConfigurations"+query, adminToken, nil)
		g.Expect(code).To(Equal(http.StatusOK))
		g.Expect(string(body)).To(ContainSubstring(`"provisioningState":"Creating"`))
		g.Expect(string(body)).NotTo(ContainSubstring(secretPAT))
	}
	// The agent of the cluster does get it, while the operation is pending.
	g.Expect(h.agentList().Value[0].ConfigurationProtectedSettings).To(HaveKeyWithValue("httpsKey", secretPAT))
}
