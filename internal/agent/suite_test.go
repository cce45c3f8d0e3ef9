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

package agent_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/internal/agent/client"
	"github.com/fluxconfig/fluxconfig/internal/agent/poller"
	"github.com/fluxconfig/fluxconfig/internal/agent/reporter"
	"github.com/fluxconfig/fluxconfig/internal/endpoint"
	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

// fixtures counts fixtures, so every test run gets namespaces of its own on the shared
// API server, even with -count=N.
var fixtures atomic.Int64

// cfg is the admin configuration of the real kube-apiserver TestMain starts.
var cfg *rest.Config

func TestMain(m *testing.M) {
	env, err := testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cfg = env.Config
	code := m.Run()
	if err := env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

const adminToken = "admin-token"

// writeCounter counts the API requests that change something.
type writeCounter struct {
	next   http.RoundTripper
	writes atomic.Int64
}

func (w *writeCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		w.writes.Add(1)
	}
	return w.next.RoundTrip(r)
}

// kubeClient returns a non-cached client whose writes are counted.
func kubeClient(t *testing.T) (ctrlclient.Client, *writeCounter) {
	t.Helper()
	counter := &writeCounter{}
	c := rest.CopyConfig(cfg)
	c.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { counter.next = rt; return counter }
	k, err := ctrlclient.New(c, ctrlclient.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	return k, counter
}

// clock is a settable clock shared by the endpoint and the agent under test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// fixture is a real endpoint on 127.0.0.1, a cluster registered with it, and an agent
// (poller and reporter) for that cluster against the envtest API server.
type fixture struct {
	t         *testing.T
	g         *WithT
	id        int64
	cluster   string
	endpoint  *httptest.Server
	server    *endpoint.Server
	clock     *clock
	kube      ctrlclient.Client
	writes    *writeCounter
	tokenFile string
	reports   atomic.Int64
	poller    *poller.Poller
	reporter  *reporter.Reporter
}

func newFixture(t *testing.T, cluster string) *fixture {
	t.Helper()
	g := NewWithT(t)
	dir := t.TempDir()
	g.Expect(os.MkdirAll(filepath.Join(dir, "clusters"), 0o700)).To(Succeed())
	g.Expect(os.WriteFile(filepath.Join(dir, "admin"), []byte(adminToken), 0o600)).To(Succeed())
	g.Expect(os.WriteFile(filepath.Join(dir, "clusters", cluster), []byte(cluster+"-token"), 0o600)).To(Succeed())
	tokenFile := filepath.Join(dir, "agent-token")
	g.Expect(os.WriteFile(tokenFile, []byte(cluster+"-token"), 0o600)).To(Succeed())
	store, err := endpoint.OpenBolt(filepath.Join(dir, "store.db"))
	g.Expect(err).NotTo(HaveOccurred())
	f := &fixture{t: t, g: g, id: fixtures.Add(1), cluster: cluster, tokenFile: tokenFile,
		clock: &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}
	f.server = &endpoint.Server{Store: store, Now: f.clock.Now, Log: logr.Discard(),
		Tokens: &endpoint.Tokens{AdminFile: filepath.Join(dir, "admin"), ClusterDir: filepath.Join(dir, "clusters")}}
	handler := f.server.Handler()
	f.endpoint = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && filepath.Base(r.URL.Path) == "status" {
			f.reports.Add(1)
		}
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { f.endpoint.Close(); _ = store.Close() })
	f.kube, f.writes = kubeClient(t)
	f.poller = &poller.Poller{Client: f.kube, Config: f.configClient(f.endpoint.URL, time.Second),
		Interval: time.Second, Now: f.clock.Now, Log: logr.Discard()}
	f.reporter = &reporter.Reporter{Client: f.kube, Config: f.poller.Config, Interval: time.Minute, Now: f.clock.Now}
	return f
}

// ns returns a namespace name unique to this test run, so -count=N reruns start clean.
func (f *fixture) ns(base string) string {
	return fmt.Sprintf("%s-%d", base, f.id)
}

func (f *fixture) configClient(url string, timeout time.Duration) client.ConfigClient {
	c, err := client.New(client.Options{Endpoint: url, Cluster: f.cluster, TokenFile: f.tokenFile, Timeout: timeout})
	f.g.Expect(err).NotTo(HaveOccurred())
	return c
}

// admin calls the management API and returns the status and body.
func (f *fixture) admin(method, name string, body any) (int, string) {
	f.t.Helper()
	var rd io.Reader
	if s, ok := body.(string); ok {
		rd = bytes.NewReader([]byte(s))
	} else if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	u := f.endpoint.URL + "/v1/clusters/" + f.cluster + "/fluxConfigurations/" + name
	req, _ := http.NewRequest(method, u, rd)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	f.g.Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

// config fetches the management view of name.
func (f *fixture) config(name string) (int, dpv1.FluxConfiguration) {
	f.t.Helper()
	code, body := f.admin("GET", name, nil)
	var out dpv1.FluxConfiguration
	_ = json.Unmarshal([]byte(body), &out)
	return code, out
}

func (f *fixture) mustPut(name string, body any) {
	f.t.Helper()
	code, resp := f.admin("PUT", name, body)
	f.g.Expect(code).To(BeNumerically("<", 300), resp)
}

func (f *fixture) poll() {
	f.t.Helper()
	f.g.Expect(f.poller.Poll(context.Background())).To(Succeed())
}

func reconcileRequest(namespace, name string) ctrl.Request {
	return ctrl.Request{NamespacedName: key(namespace, name)}
}

func (f *fixture) reconcile(namespace, name string) ctrl.Result {
	f.t.Helper()
	res, err := f.reporter.Reconcile(context.Background(), ctrl.Request{NamespacedName: key(namespace, name)})
	f.g.Expect(err).NotTo(HaveOccurred())
	return res
}

func gitBody(namespace string, protected map[string]string) map[string]any {
	props := map[string]any{
		"namespace":  namespace,
		"sourceKind": "GitRepository",
		"gitRepository": map[string]any{
			"url": "https://git.example.com/org/repo", "repositoryRef": map[string]any{"branch": "main"},
			"syncIntervalInSeconds": 120, "httpsUser": "git",
		},
		"kustomizations": map[string]any{
			"infra": map[string]any{"path": "./infra", "prune": true, "timeoutInSeconds": 300},
			"apps":  map[string]any{"path": "./apps", "dependsOn": []string{"infra"}},
		},
	}
	if protected != nil {
		props["configurationProtectedSettings"] = protected
	}
	return map[string]any{"properties": props}
}
