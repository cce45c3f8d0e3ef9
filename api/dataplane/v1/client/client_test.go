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

package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

const secretPAT = "c3VwZXItc2VjcmV0LXBhdA=="

// startEndpoint serves the real endpoint with clusters a and b.
func startEndpoint(t *testing.T, tls bool) *testutil.Endpoint {
	t.Helper()
	e, err := testutil.StartEndpoint(t.TempDir(), testutil.EndpointOptions{
		AdminToken: "admin", Clusters: map[string]string{"a": "token-a", "b": "token-b"}, TLS: tls})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

func newClient(t *testing.T, o client.Options) *client.Client {
	t.Helper()
	c, err := client.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func gitConfig() *dpv1.FluxConfiguration {
	prune := true
	interval := int64(120)
	return &dpv1.FluxConfiguration{Properties: dpv1.FluxConfigurationProperties{
		Namespace: "team-a", SourceKind: "GitRepository",
		GitRepository: &dpv1.GitRepositoryDefinition{URL: "https://git.example.com/org/repo",
			RepositoryRef: &dpv1.RepositoryRefDefinition{Branch: "main"}, SyncIntervalInSeconds: &interval, HTTPSUser: "git"},
		Kustomizations:                 map[string]*dpv1.KustomizationDefinition{"infra": {Path: "./infra", Prune: &prune}},
		ConfigurationProtectedSettings: map[string]string{"httpsKey": secretPAT},
	}}
}

func TestClient_TLSAndTokens(t *testing.T) {
	g := NewWithT(t)
	e := startEndpoint(t, true)
	ctx := context.Background()
	tokenFile := e.Tokens.AgentTokenFile("a")

	trusted := newClient(t, client.Options{Endpoint: e.URL, TokenFile: tokenFile, CAFile: e.CAFile}).Cluster("a")
	res, err := trusted.ListDesired(ctx, "")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Items).To(BeEmpty())
	g.Expect(res.ETag).NotTo(BeEmpty())
	res, err = trusted.ListDesired(ctx, res.ETag)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.NotModified).To(BeTrue())

	_, err = newClient(t, client.Options{Endpoint: e.URL, TokenFile: tokenFile}).Cluster("a").ListDesired(ctx, "")
	g.Expect(err).To(MatchError(ContainSubstring("certificate")))

	// Cluster a's token on cluster b's path: refused, and the message points at the token
	// file without showing the token.
	_, err = newClient(t, client.Options{Endpoint: e.URL, TokenFile: tokenFile, CAFile: e.CAFile}).Cluster("b").ListDesired(ctx, "")
	var ce *client.Error
	g.Expect(errors.As(err, &ce)).To(BeTrue(), "%v", err)
	g.Expect(ce.Reason).To(Equal(client.ReasonUnauthorized))
	g.Expect(err.Error()).To(ContainSubstring("403 Forbidden"))
	g.Expect(err.Error()).To(ContainSubstring(tokenFile))
	g.Expect(err.Error()).NotTo(ContainSubstring("token-a\""))

	_, err = newClient(t, client.Options{Endpoint: e.URL, TokenFile: tokenFile + ".missing", CAFile: e.CAFile}).Cluster("a").ListDesired(ctx, "")
	g.Expect(err).To(MatchError(ContainSubstring("reading the token file")))
	_, err = client.New(client.Options{Endpoint: "ftp://x"})
	g.Expect(err).To(MatchError(ContainSubstring("must be an http:// or https:// URL")))
}

// TestClient_Lifecycle drives one configuration from create to forced delete through the
// management and agent calls.
func TestClient_Lifecycle(t *testing.T) {
	g := NewWithT(t)
	e := startEndpoint(t, false)
	ctx := context.Background()
	admin := newClient(t, client.Options{Endpoint: e.URL, Token: "admin"}).Cluster("a")
	agent := newClient(t, client.Options{Endpoint: e.URL, TokenFile: e.Tokens.AgentTokenFile("a")}).Cluster("a")

	created, err := admin.Put(client.WithCorrelationID(ctx, "corr-1"), "app", gitConfig())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(created.Name).To(Equal("app"))
	g.Expect(created.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningCreating))
	g.Expect(created.Properties.ConfigurationProtectedSettings).To(BeEmpty())

	res, err := agent.ListDesired(ctx, "")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Items).To(HaveLen(1))
	item := res.Items[0]
	g.Expect(item.CorrelationID).To(Equal("corr-1"))
	g.Expect(item.ConfigurationProtectedSettings).To(HaveKeyWithValue("httpsKey", secretPAT))
	g.Expect(agent.ReportStatus(ctx, "app", &dpv1.StatusReport{OperationID: item.OperationID,
		ProvisioningState: dpv1.ProvisioningSucceeded, ObservedStatus: dpv1.ObservedStatus{ComplianceState: "Compliant"}})).To(Succeed())
	again, err := agent.ListDesired(ctx, res.ETag)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(again.NotModified).To(BeFalse(), "the acknowledgement purged the protected settings")

	patched, err := admin.Patch(ctx, "app", map[string]any{"properties": map[string]any{"suspend": true}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(*patched.Properties.Suspend).To(BeTrue())
	g.Expect(patched.Properties.ComplianceState).To(Equal("Compliant"))

	got, err := admin.Get(ctx, "app")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningUpdating))
	all, err := admin.List(ctx)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(all).To(HaveLen(1))
	g.Expect(all[0].Name).To(Equal("app"))

	deleting, err := admin.Delete(ctx, "app", client.DeleteOptions{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(deleting.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningDeleting))
	gone, err := admin.Delete(ctx, "app", client.DeleteOptions{Force: true})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(gone).To(BeNil())
	_, err = admin.Get(ctx, "app")
	g.Expect(client.IsNotFound(err)).To(BeTrue(), "%v", err)
	all, err = admin.List(ctx)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(all).To(BeEmpty())

	// A status report for a configuration the endpoint forgot is a 404 the agent can test.
	err = agent.ReportStatus(ctx, "app", &dpv1.StatusReport{OperationID: item.OperationID, ProvisioningState: dpv1.ProvisioningSucceeded})
	g.Expect(client.IsNotFound(err)).To(BeTrue(), "%v", err)
}

func TestClient_ErrorCarriesTheEndpointsBody(t *testing.T) {
	g := NewWithT(t)
	e := startEndpoint(t, false)
	admin := newClient(t, client.Options{Endpoint: e.URL, Token: "admin"}).Cluster("a")
	cfg := gitConfig()
	cfg.Properties.GitRepository.URL = "ftp://x"
	_, err := admin.Put(context.Background(), "app", cfg)
	var ce *client.Error
	g.Expect(errors.As(err, &ce)).To(BeTrue(), "%v", err)
	g.Expect(ce.StatusCode).To(Equal(http.StatusBadRequest))
	g.Expect(ce.Reason).To(Equal(client.ReasonRequestRefused))
	g.Expect(ce.Detail.Code).To(Equal("InvalidRequestContent"))
	g.Expect(ce.Detail.Target).To(Equal("properties.gitRepository.url"))
	g.Expect(err.Error()).To(ContainSubstring("properties.gitRepository.url"))

	_, err = newClient(t, client.Options{Endpoint: e.URL, Token: "admin"}).Cluster("").Get(context.Background(), "app")
	g.Expect(err).To(MatchError(ContainSubstring("the cluster name is required")))
	_, err = newClient(t, client.Options{Endpoint: e.URL, Token: "token-a"}).Cluster("a").Get(context.Background(), "app")
	g.Expect(err).To(MatchError(ContainSubstring("the management API needs the admin token; check the token and the cluster name")))
}

// The size cap needs an answer the endpoint never gives, so this one server is not the
// endpoint.
func TestClient_ResponseSizeCap(t *testing.T) {
	g := NewWithT(t)
	big := `{"value":[],"pad":"` + strings.Repeat("x", client.MaxResponseBytes) + `"}`
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(big)) }))
	defer ts.Close()
	_, err := newClient(t, client.Options{Endpoint: ts.URL}).Cluster("a").ListDesired(context.Background(), "")
	g.Expect(err).To(MatchError(ContainSubstring("exceeds 4194304 bytes")))
}

func TestDecodeList(t *testing.T) {
	cases := map[string]string{
		``:                         "the response is empty",
		`{}`:                       `no "value" list`,
		`{"value":null}`:           `no "value" list`,
		`{"value":[{"name":"a"}]}`: `item 0 ("a"): name and operationId are required`,
		`{"value":[{"name":"a","operationId":"1","x":1}]}`:                          `item 0 ("a"): json: unknown field "x"`,
		`{"value":[{"name":"a","operationId":"1"},{"name":"a","operationId":"2"}]}`: `item 1 ("a"): the same name as item 0`,
		`{"value":[]} {}`: "trailing data",
	}
	for body, want := range cases {
		_, err := client.DecodeList([]byte(body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("DecodeList(%q) = %v, want an error containing %q", body, err, want)
		}
	}
	items, err := client.DecodeList([]byte(`{"value":[]}`))
	if err != nil || items == nil || len(items) != 0 {
		t.Errorf("an explicit empty list must decode to an empty, non-nil set: %v %v", items, err)
	}
}

func TestClient_SendsItsUserAgent(t *testing.T) {
	g := NewWithT(t)
	var seen []string
	e, err := testutil.StartEndpoint(t.TempDir(), testutil.EndpointOptions{AdminToken: "admin",
		Clusters: map[string]string{"a": "token-a"},
		Wrap: func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = append(seen, r.UserAgent())
				h.ServeHTTP(w, r)
			})
		}})
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(e.Close)

	c := newClient(t, client.Options{Endpoint: e.URL, Token: "token-a", UserAgent: "fluxconfig-agent/v1.2.3"})
	_, err = c.Cluster("a").ListDesired(context.Background(), "")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(seen).To(Equal([]string{"fluxconfig-agent/v1.2.3"}))
	// The dashboard shows it on the cluster's page.
	contact, ok := e.Dashboard.Index().Contact("a")
	g.Expect(ok).To(BeTrue())
	g.Expect(contact.Agent).To(Equal("fluxconfig-agent/v1.2.3"))
}
