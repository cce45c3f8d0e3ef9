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

package agent_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

func TestAgent_NotModifiedMakesNoWrites(t *testing.T) {
	f := newFixture(t, "etag")
	g, ns := f.g, f.ns("agent-etag")
	f.mustPut("app", gitBody(ns, map[string]string{"httpsKey": "dG9rZW4="}))
	f.poll()
	g.Expect(f.writes.Writes()).To(BeNumerically(">", 0), "the first poll applies")
	f.reconcile(ns, "app")
	// The acknowledgement purged the protected settings: the desired set changed once more.
	f.poll()

	before := f.writes.Writes()
	for range 5 {
		f.poll()
	}
	g.Expect(f.writes.Writes()).To(Equal(before), "a 304 must not write to the API server")
}

// faultServer answers every request with the current fault, or passes it to the endpoint.
type faultServer struct {
	*httptest.Server
	mu    sync.Mutex
	fault string
}

func newFaultServer(t *testing.T, upstream string) *faultServer {
	fs := &faultServer{}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		fault := fs.fault
		fs.mu.Unlock()
		switch fault {
		case "500":
			http.Error(w, `{"error":{"code":"InternalError","message":"database on fire"}}`, http.StatusInternalServerError)
		case "slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		case "truncated":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"value":[{"name":"app","operationId":"x","properties":{"sourceKind":"GitRe`))
		case "empty":
			w.WriteHeader(http.StatusOK)
		case "no-value":
			_, _ = w.Write([]byte(`{}`))
		case "unknown-field":
			_, _ = w.Write([]byte(`{"value":[{"name":"app","operationId":"x","properties":{},"surprise":1}]}`))
		default:
			testutil.Forward(w, r, upstream)
		}
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *faultServer) set(fault string) { fs.mu.Lock(); fs.fault = fault; fs.mu.Unlock() }

func TestAgent_FaultsKeepTheClusterAsIs(t *testing.T) {
	f := newFixture(t, "faults")
	g, ctx := f.g, context.Background()
	ns := f.ns("agent-faults")
	fs := newFaultServer(t, f.endpoint.URL)
	f.poller.Config = f.configClient(fs.URL, 300*time.Millisecond)
	f.mustPut("app", gitBody(ns, map[string]string{"httpsKey": "dG9rZW4="}))
	f.poll()
	applied := f.fluxConfig(ns, "app")

	// A port nobody listens on: the endpoint is down.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	g.Expect(err).NotTo(HaveOccurred())
	downURL := "http://" + l.Addr().String()
	g.Expect(l.Close()).To(Succeed())

	cases := []struct {
		fault, url, inReady string
	}{
		{"down", downURL, "unreachable"},
		{"500", "", "answered 500 Internal Server Error: database on fire"},
		{"slow", "", "Client.Timeout exceeded"},
		{"truncated", "", "unexpected EOF"},
		{"empty", "", "the response is empty"},
		{"no-value", "", `no "value" list`},
		{"unknown-field", "", `item 0 ("app"): json: unknown field "surprise"`},
		{"401", "", "answered 401 Unauthorized"},
	}
	for _, tc := range cases {
		t.Run(tc.fault, func(t *testing.T) {
			g := NewWithT(t)
			fs.set(tc.fault)
			defer fs.set("")
			if tc.url != "" {
				f.poller.Config = f.configClient(tc.url, 300*time.Millisecond)
				defer func() { f.poller.Config = f.configClient(fs.URL, 300*time.Millisecond) }()
			}
			if tc.fault == "401" {
				g.Expect(os.WriteFile(f.tokenFile, []byte("revoked"), 0o600)).To(Succeed())
				defer func() { _ = os.WriteFile(f.tokenFile, []byte(f.cluster+"-token"), 0o600) }()
			}
			before := f.writes.Writes()
			err := f.poller.Poll(ctx)
			g.Expect(err).To(HaveOccurred())
			g.Expect(err.Error()).To(ContainSubstring(tc.inReady))
			notReady := ready(f.poller)
			g.Expect(notReady).To(MatchError(ContainSubstring("UpstreamConnected=False")))
			g.Expect(notReady.Error()).To(ContainSubstring(tc.inReady))
			g.Expect(notReady.Error()).NotTo(ContainSubstring(f.cluster + "-token"))
			g.Expect(f.writes.Writes()).To(Equal(before), "a failed poll must not write")
			now := f.fluxConfig(ns, "app")
			g.Expect(now.ResourceVersion).To(Equal(applied.ResourceVersion))
		})
	}
	// Once the endpoint answers again the probe recovers.
	f.poll()
	g.Expect(ready(f.poller)).To(Succeed())
}

func TestAgent_ProtectedSettingNotBase64(t *testing.T) {
	g, ctx := NewWithT(t), context.Background()
	f := newFixture(t, "base64")
	ns := f.ns("agent-base64")
	var reports []dpv1.StatusReport
	var mu sync.Mutex
	// The reference endpoint refuses such a value at PUT; another endpoint might not.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			var rep dpv1.StatusReport
			_ = json.NewDecoder(r.Body).Decode(&rep)
			mu.Lock()
			reports = append(reports, rep)
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
			return
		}
		_, _ = w.Write([]byte(`{"value":[{"name":"app","operationId":"op-1","properties":{"namespace":"` + ns + `",
			"gitRepository":{"url":"https://git.example.com/r"}},"configurationProtectedSettings":{"httpsKey":"dG9rZW4=","sshPrivateKey":"%%%not-base64%%%"}}]}`))
	}))
	defer srv.Close()
	f.poller.Config = f.configClient(srv.URL, time.Second)
	g.Expect(f.poller.Poll(ctx)).To(Succeed())

	g.Expect(apierrors.IsNotFound(f.kube.Get(ctx, key(ns, "app"), &v1alpha1.FluxConfig{}))).To(BeTrue())
	g.Expect(apierrors.IsNotFound(f.kube.Get(ctx, key(ns, "app-protected-parameters"), &corev1.Secret{}))).To(BeTrue())
	g.Expect(reports).To(HaveLen(1))
	g.Expect(reports[0].OperationID).To(Equal("op-1"))
	g.Expect(reports[0].ProvisioningState).To(Equal(dpv1.ProvisioningFailed))
	g.Expect(reports[0].ErrorMessage).To(ContainSubstring(`protected setting "sshPrivateKey" is not base64`))
	g.Expect(reports[0].ErrorMessage).NotTo(ContainSubstring("not-base64%"))
}

func TestAgent_NeverTouchesAHandAppliedFluxConfig(t *testing.T) {
	f := newFixture(t, "byhand")
	g, ctx := f.g, context.Background()
	ns := f.ns("agent-byhand")
	g.Expect(f.kube.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	hand := &v1alpha1.FluxConfig{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: ns},
		Spec: v1alpha1.FluxConfigSpec{SourceKind: v1alpha1.SourceKindGitRepository,
			GitRepository: &v1alpha1.GitRepositoryDefinition{URL: "https://hand.example.com/r"}},
	}
	g.Expect(f.kube.Create(ctx, hand)).To(Succeed())
	other := hand.DeepCopy()
	other.ObjectMeta = metav1.ObjectMeta{Name: "other", Namespace: ns}
	g.Expect(f.kube.Create(ctx, other)).To(Succeed())

	f.mustPut("app", gitBody(ns, nil))
	f.poll()
	after := f.fluxConfig(ns, "app")
	g.Expect(after.ResourceVersion).To(Equal(hand.ResourceVersion))
	g.Expect(after.Spec.GitRepository.URL).To(Equal("https://hand.example.com/r"))
	_, c := f.config("app")
	g.Expect(c.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningFailed))
	g.Expect(c.Properties.ErrorMessage).To(ContainSubstring("was not created by fluxconfig-agent"))
	// Pruning only considers the agent's own objects.
	g.Expect(f.fluxConfig(ns, "other").ResourceVersion).To(Equal(other.ResourceVersion))

	// Deleting at the endpoint leaves the hand-applied object alone too.
	g.Expect(f.mustDelete("app", false)).NotTo(BeNil(), "the endpoint keeps it until the agent reports it gone")
	f.poll()
	g.Expect(f.fluxConfig(ns, "app").ResourceVersion).To(Equal(hand.ResourceVersion))
	code, _ := f.config("app")
	g.Expect(code).To(Equal(http.StatusNotFound))
}
