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
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/endpoint"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

const (
	adminToken = "admin-secret-token"
	tokenA     = "cluster-a-token"
	tokenB     = "cluster-b-token"
)

// harness is a real endpoint on 127.0.0.1 over a bbolt file in a temp dir.
type harness struct {
	t      testing.TB
	srv    *endpoint.Server
	http   *testutil.Endpoint
	clock  *testutil.Clock
	tokens string
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	clock := testutil.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	e := serveEndpoint(t, t.TempDir(), testutil.EndpointOptions{AdminToken: adminToken,
		Clusters: map[string]string{"cluster-a": tokenA, "cluster-b": tokenB}, Now: clock.Now})
	return &harness{t: t, srv: e.Server, http: e, clock: clock, tokens: e.Tokens.ClusterDir}
}

// serveEndpoint starts an endpoint with its tokens in dir, closed when the test ends.
func serveEndpoint(t testing.TB, dir string, o testutil.EndpointOptions) *testutil.Endpoint {
	t.Helper()
	e, err := testutil.StartEndpoint(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// newClient is a client of the endpoint at url that speaks with token.
func newClient(t testing.TB, url, token string) *client.Client {
	t.Helper()
	c, err := client.New(client.Options{Endpoint: url, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeToken(t testing.TB, path, token string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// doURL sends a request to an absolute URL and returns the status and the body.
func (h *harness) doURL(method, url, token string, body any) (int, []byte) {
	h.t.Helper()
	code, data, _ := h.send(method, url, token, body)
	return code, data
}

// do sends a request and returns the status, the body and the response headers.
func (h *harness) do(method, path, token string, body any, header ...string) (int, []byte, http.Header) {
	h.t.Helper()
	return h.send(method, h.http.URL+path, token, body, header...)
}

func (h *harness) send(method, url, token string, body any, header ...string) (int, []byte, http.Header) {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		data, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data, resp.Header
}

// agentList fetches the agent view of cluster-a.
// appPath is the management path of cluster-a's configuration app.
const appPath = "/v1/clusters/cluster-a/fluxConfigurations/app"

// putApp creates app from gitConfig through the management API.
func (h *harness) putApp() {
	h.t.Helper()
	if code, body, _ := h.do("PUT", appPath, adminToken, gitConfig()); code != http.StatusCreated {
		h.t.Fatalf("PUT %s: %d %s", appPath, code, body)
	}
}

func (h *harness) agentList() dpv1.DesiredConfigurationList {
	h.t.Helper()
	code, body, _ := h.do("GET", "/v1/clusters/cluster-a/fluxConfigurations", tokenA, nil)
	if code != http.StatusOK {
		h.t.Fatalf("agent list: %d %s", code, body)
	}
	var out dpv1.DesiredConfigurationList
	if err := json.Unmarshal(body, &out); err != nil {
		h.t.Fatal(err)
	}
	return out
}

// get fetches the management view of cluster-a/name.
func (h *harness) get(name string) (int, dpv1.FluxConfiguration, string) {
	h.t.Helper()
	code, body, _ := h.do("GET", "/v1/clusters/cluster-a/fluxConfigurations/"+name, adminToken, nil)
	var out dpv1.FluxConfiguration
	_ = json.Unmarshal(body, &out)
	return code, out, string(body)
}

// gitConfig is a valid GitRepository configuration with two kustomizations.
func gitConfig() map[string]any {
	return map[string]any{"properties": map[string]any{
		"scope":      "cluster",
		"namespace":  "team-a",
		"sourceKind": "GitRepository",
		"gitRepository": map[string]any{
			"url":                   "https://git.example.com/org/repo",
			"repositoryRef":         map[string]any{"branch": "main"},
			"syncIntervalInSeconds": 120,
			"httpsUser":             "git",
		},
		"kustomizations": map[string]any{
			"infra": map[string]any{"path": "./infra", "prune": true},
			"apps":  map[string]any{"path": "./apps", "dependsOn": []string{"infra"}},
		},
		"configurationProtectedSettings": map[string]any{"httpsKey": "c3VwZXItc2VjcmV0LXBhdA=="},
	}}
}

func report(opID, state string) dpv1.StatusReport {
	return dpv1.StatusReport{OperationID: opID, ProvisioningState: state,
		ObservedStatus: dpv1.ObservedStatus{ComplianceState: "Compliant", SourceSyncedCommitID: "main@sha1:0123"}}
}

func expectError(g *WithT, code int, body []byte, wantCode int, wantTarget, wantMessage string) {
	g.THelper()
	g.Expect(code).To(Equal(wantCode), string(body))
	var e dpv1.ErrorResponse
	g.Expect(json.Unmarshal(body, &e)).To(Succeed())
	if wantTarget != "" {
		g.Expect(e.Error.Target).To(Equal(wantTarget))
	}
	g.Expect(e.Error.Message).To(ContainSubstring(wantMessage))
}
