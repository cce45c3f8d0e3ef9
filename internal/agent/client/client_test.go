/*
Copyright 2026 The fluxconfig Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package client_test

import (
	"context"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"

	"github.com/fluxconfig/fluxconfig/internal/agent/client"
	"github.com/fluxconfig/fluxconfig/internal/endpoint"
)

// tlsEndpoint is the real endpoint served over TLS with clusters a and b, and the PEM of its
// certificate in a file.
func tlsEndpoint(t *testing.T) (*httptest.Server, string, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "clusters"), 0o700); err != nil {
		t.Fatal(err)
	}
	for path, tok := range map[string]string{"admin": "admin", "clusters/a": "token-a", "clusters/b": "token-b", "token-a": "token-a"} {
		if err := os.WriteFile(filepath.Join(dir, path), []byte(tok), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	store, err := endpoint.OpenBolt(filepath.Join(dir, "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &endpoint.Server{Store: store, Now: time.Now, Log: logr.Discard(),
		Tokens: &endpoint.Tokens{AdminFile: filepath.Join(dir, "admin"), ClusterDir: filepath.Join(dir, "clusters")}}
	ts := httptest.NewTLSServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); _ = store.Close() })
	ca := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return ts, ca, filepath.Join(dir, "token-a")
}

func TestHTTPClient_TLSAndTokens(t *testing.T) {
	g := NewWithT(t)
	ts, ca, tokenFile := tlsEndpoint(t)
	ctx := context.Background()

	trusted, err := client.New(client.Options{Endpoint: ts.URL, Cluster: "a", TokenFile: tokenFile, CAFile: ca})
	g.Expect(err).NotTo(HaveOccurred())
	res, err := trusted.List(ctx, "")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Items).To(BeEmpty())
	g.Expect(res.ETag).NotTo(BeEmpty())
	res, err = trusted.List(ctx, res.ETag)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.NotModified).To(BeTrue())

	untrusted, err := client.New(client.Options{Endpoint: ts.URL, Cluster: "a", TokenFile: tokenFile})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = untrusted.List(ctx, "")
	g.Expect(err).To(MatchError(ContainSubstring("certificate")))

	// Cluster a's token on cluster b's path: refused, and the message points at the token
	// file without showing the token.
	other, err := client.New(client.Options{Endpoint: ts.URL, Cluster: "b", TokenFile: tokenFile, CAFile: ca})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = other.List(ctx, "")
	var ce *client.Error
	g.Expect(errors.As(err, &ce)).To(BeTrue())
	g.Expect(ce.Reason).To(Equal(client.ReasonUnauthorized))
	g.Expect(err.Error()).To(ContainSubstring("403 Forbidden"))
	g.Expect(err.Error()).To(ContainSubstring(tokenFile))
	g.Expect(err.Error()).NotTo(ContainSubstring("token-a\""))
}

func TestHTTPClient_ResponseSizeCap(t *testing.T) {
	g := NewWithT(t)
	big := `{"value":[],"pad":"` + strings.Repeat("x", client.MaxResponseBytes) + `"}`
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(big)) }))
	defer ts.Close()
	c, err := client.New(client.Options{Endpoint: ts.URL, Cluster: "a"})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = c.List(context.Background(), "")
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
