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
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/agent"
	"github.com/fluxconfig/fluxconfig/internal/agent/poller"
	"github.com/fluxconfig/fluxconfig/internal/agent/reporter"
	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// fixtures counts fixtures, so every test run gets namespaces of its own on the shared
// API server, even with -count=N.
var fixtures atomic.Int64

// cfg is the admin configuration of the real kube-apiserver TestMain starts.
var cfg *rest.Config

func TestMain(m *testing.M) {
	testenv.Main(m, func(env *testenv.Environment) (stop func(), err error) {
		cfg = env.Config
		return nil, nil
	})
}

const adminToken = "admin-token"

// kubeClient returns a non-cached client whose writes are counted.
func kubeClient(t *testing.T) (ctrlclient.Client, *testutil.WriteCounter) {
	t.Helper()
	counter := &testutil.WriteCounter{}
	c := rest.CopyConfig(cfg)
	c.Wrap(counter.Wrap)
	k, err := ctrlclient.New(c, ctrlclient.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	return k, counter
}

// fixture is a real endpoint on 127.0.0.1, a cluster registered with it, and an agent
// (poller and reporter) for that cluster against the envtest API server.
type fixture struct {
	t         *testing.T
	g         *WithT
	id        int64
	dir       string
	cluster   string
	endpoint  *testutil.Endpoint
	wrap      func(http.Handler) http.Handler
	mgmt      *client.Cluster
	clock     *testutil.Clock
	kube      ctrlclient.Client
	writes    *testutil.WriteCounter
	tokenFile string
	reports   atomic.Int64
	poller    *poller.Poller
	reporter  *reporter.Reporter
}

func newFixture(t *testing.T, cluster string) *fixture {
	t.Helper()
	g := NewWithT(t)
	f := &fixture{t: t, g: g, id: fixtures.Add(1), cluster: cluster, dir: t.TempDir(),
		clock: testutil.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))}
	countReports := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut && filepath.Base(r.URL.Path) == "status" {
				f.reports.Add(1)
			}
			next.ServeHTTP(w, r)
		})
	}
	var err error
	f.wrap = countReports
	f.endpoint, err = testutil.StartEndpoint(f.dir, testutil.EndpointOptions{AdminToken: adminToken,
		Clusters: map[string]string{cluster: cluster + "-token"}, Now: f.clock.Now, Wrap: countReports})
	g.Expect(err).NotTo(HaveOccurred())
	// The endpoint of the moment: a test may restart it.
	t.Cleanup(func() { f.endpoint.Close() })
	f.tokenFile = f.endpoint.Tokens.AgentTokenFile(cluster)
	admin, err := client.New(client.Options{Endpoint: f.endpoint.URL, Token: adminToken})
	g.Expect(err).NotTo(HaveOccurred())
	f.mgmt = admin.Cluster(cluster)
	f.kube, f.writes = kubeClient(t)
	identity, err := agent.NewIdentity(f.endpoint.URL, cluster)
	g.Expect(err).NotTo(HaveOccurred())
	f.poller = &poller.Poller{Client: f.kube, Config: f.configClient(f.endpoint.URL, time.Second),
		Interval: time.Second, Now: f.clock.Now, Log: logr.Discard(), Identity: identity}
	f.reporter = &reporter.Reporter{Client: f.kube, Config: f.poller.Config, Interval: time.Minute, Now: f.clock.Now, Identity: identity}
	return f
}

// restartEndpoint stops the endpoint and serves its store again, on a new port, marking the
// desired sets authoritative or not. The agent keeps its identity: in a cluster the URL of
// the endpoint does not change with a restart.
func (f *fixture) restartEndpoint(authoritative bool) {
	f.t.Helper()
	f.endpoint.Close()
	e, err := testutil.StartEndpoint(f.dir, testutil.EndpointOptions{AdminToken: adminToken,
		Clusters: map[string]string{f.cluster: f.cluster + "-token"}, Now: f.clock.Now, Wrap: f.wrap, Authoritative: authoritative})
	f.g.Expect(err).NotTo(HaveOccurred())
	f.endpoint = e
	f.poller.Config = f.configClient(e.URL, time.Second)
	f.reporter.Config = f.poller.Config
	admin, err := client.New(client.Options{Endpoint: e.URL, Token: adminToken})
	f.g.Expect(err).NotTo(HaveOccurred())
	f.mgmt = admin.Cluster(f.cluster)
}

// ns returns a namespace name unique to this test run, so -count=N reruns start clean.
// newAppFixture is newFixture with one configuration put, app, a Git one without
// protected parameters, for the namespace of nsBase.
func newAppFixture(t *testing.T, cluster, nsBase string) (f *fixture, ns string) {
	t.Helper()
	f = newFixture(t, cluster)
	ns = f.ns(nsBase)
	f.mustPut("app", gitBody(ns, nil))
	return f, ns
}

func (f *fixture) ns(base string) string {
	return fmt.Sprintf("%s-%d", base, f.id)
}

func (f *fixture) configClient(url string, timeout time.Duration) client.Agent {
	c, err := client.New(client.Options{Endpoint: url, TokenFile: f.tokenFile, Timeout: timeout})
	f.g.Expect(err).NotTo(HaveOccurred())
	return c.Cluster(f.cluster)
}

// config fetches the management view of name, with the HTTP status of the answer.
func (f *fixture) config(name string) (int, dpv1.FluxConfiguration) {
	f.t.Helper()
	c, err := f.mgmt.Get(context.Background(), name)
	if err != nil {
		f.g.Expect(client.StatusCode(err)).NotTo(BeZero(), "%v", err)
		return client.StatusCode(err), dpv1.FluxConfiguration{}
	}
	return http.StatusOK, *c
}

// mustPut creates or replaces name; body is a JSON string or anything that marshals to a
// FluxConfiguration.
func (f *fixture) mustPut(name string, body any) {
	f.t.Helper()
	data, ok := body.(string)
	if !ok {
		raw, err := json.Marshal(body)
		f.g.Expect(err).NotTo(HaveOccurred())
		data = string(raw)
	}
	var cfg dpv1.FluxConfiguration
	f.g.Expect(dpv1.DecodeStrict([]byte(data), &cfg)).To(Succeed())
	_, err := f.mgmt.Put(context.Background(), name, &cfg)
	f.g.Expect(err).NotTo(HaveOccurred())
}

// mustPatch merges a JSON merge patch into name.
func (f *fixture) mustPatch(name, patch string) {
	f.t.Helper()
	_, err := f.mgmt.Patch(context.Background(), name, json.RawMessage(patch))
	f.g.Expect(err).NotTo(HaveOccurred())
}

// mustDelete deletes name and returns what the endpoint still holds: the configuration
// while the agent removes it, nil once it is gone (force).
func (f *fixture) mustDelete(name string, force bool) *dpv1.FluxConfiguration {
	f.t.Helper()
	c, err := f.mgmt.Delete(context.Background(), name, client.DeleteOptions{Force: force})
	f.g.Expect(err).NotTo(HaveOccurred())
	return c
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

// ready runs every readiness check of p, as /readyz does.
func ready(p *poller.Poller) error {
	var errs []error
	for _, c := range p.ReadyChecks() {
		errs = append(errs, c.Err())
	}
	return errors.Join(errs...)
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
