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
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/endpoint"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

const pollInterval = 10 * time.Second

// registryEndpoint is a real endpoint on 127.0.0.1 with its state in dir, so a test can
// restart it on the same store, and a typed admin client.
type registryEndpoint struct {
	*harness
	dir   string
	admin *client.Client
}

// startRegistry serves an endpoint with its tokens in dir and its state in st (in dir for
// bbolt); starting it again on the same dir and st restarts it on the same state.
func startRegistry(t testing.TB, dir string, st testStore, clock *testutil.Clock) *registryEndpoint {
	t.Helper()
	e := serveEndpoint(t, dir, testutil.EndpointOptions{AdminToken: adminToken,
		Clusters: map[string]string{"cluster-a": tokenA, "cluster-b": tokenB}, Now: clock.Now, AgentPollInterval: pollInterval,
		DatabaseURL: st.databaseURL})
	return &registryEndpoint{harness: &harness{t: t, srv: e.Server, http: e, clock: clock, tokens: e.Tokens.ClusterDir}, dir: dir,
		admin: newClient(t, e.URL, adminToken)}
}

func newRegistry(t *testing.T) *registryEndpoint {
	return newRegistryOn(t, onBolt)
}

func newRegistryOn(t *testing.T, st testStore) *registryEndpoint {
	return startRegistry(t, t.TempDir(), st, testutil.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
}

// poll lists cluster's desired set as its agent would and returns the status.
func (e *registryEndpoint) poll(cluster, token string) int {
	e.t.Helper()
	code, body, _ := e.do("GET", "/v1/clusters/"+cluster+"/fluxConfigurations", token, nil, "User-Agent", "fluxconfig-agent/v1.2.3")
	if code != http.StatusOK && code != http.StatusUnauthorized && code != http.StatusForbidden {
		e.t.Fatalf("poll %s: %d %s", cluster, code, body)
	}
	return code
}

func (e *registryEndpoint) register(cluster string, labels map[string]string) *dpv1.Cluster {
	e.t.Helper()
	out, created, err := e.admin.RegisterCluster(context.Background(), cluster, labels)
	if err != nil {
		e.t.Fatal(err)
	}
	if !created {
		e.t.Fatalf("%s was already registered", cluster)
	}
	return out
}

func TestRegisterIssuesAgentTokenOnce(t *testing.T) {
	g := NewWithT(t)
	e := newRegistry(t)
	ctx := context.Background()
	reg := e.register("east-1", map[string]string{"region": "eu"})
	g.Expect(reg.Token).To(MatchRegexp(`^[0-9a-f]{64}$`), "a 256-bit token")
	g.Expect(reg.Labels).To(Equal(map[string]string{"region": "eu"}))

	g.Expect(e.poll("east-1", reg.Token)).To(Equal(http.StatusOK))
	g.Expect(e.poll("east-1", "not-"+reg.Token)).To(Equal(http.StatusUnauthorized))
	g.Expect(e.poll("east-1", tokenA)).To(Equal(http.StatusForbidden), "cluster-a's token file does not open east-1")
	g.Expect(e.poll("cluster-a", reg.Token)).To(Equal(http.StatusForbidden), "east-1's token does not open cluster-a")
	code, _, _ := e.do("GET", "/v1/clusters/east-1", reg.Token, nil)
	g.Expect(code).To(Equal(http.StatusForbidden), "the agent token is no admin token")
	code, _, _ = e.do("GET", "/v1/clusters", reg.Token, nil)
	g.Expect(code).To(Equal(http.StatusForbidden))

	// A second PUT updates the labels and issues no token.
	again, created, err := e.admin.RegisterCluster(ctx, "east-1", map[string]string{"region": "us"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(created).To(BeFalse())
	g.Expect(again.Token).To(BeEmpty())
	g.Expect(again.Labels).To(Equal(map[string]string{"region": "us"}))
	g.Expect(e.poll("east-1", reg.Token)).To(Equal(http.StatusOK), "relabelling keeps the token")

	// No read shows the token again.
	for _, path := range []string{"/v1/clusters/east-1", "/v1/clusters", "/v1/clusters?labelSelector=region%3Dus"} {
		code, body, _ := e.do("GET", path, adminToken, nil)
		g.Expect(code).To(Equal(http.StatusOK), path)
		g.Expect(string(body)).To(ContainSubstring(`"east-1"`), path)
		g.Expect(string(body)).NotTo(ContainSubstring(reg.Token), path)
		g.Expect(string(body)).NotTo(ContainSubstring(`"token"`), path)
	}

	// The store holds the hash, not the token. Finding the hash proves the file is
	// readable as plain bytes, so the token's absence means something.
	data, err := os.ReadFile(filepath.Join(e.dir, "store.db"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(bytes.Contains(data, []byte(reg.Token))).To(BeFalse(), "the store file holds the agent token")
	g.Expect(regexp.MustCompile(`"tokenHash":"[0-9a-f]{64}"`).Match(data)).To(BeTrue())

	g.Expect(e.admin.DeleteCluster(ctx, "east-1")).To(Succeed())
	g.Expect(e.poll("east-1", reg.Token)).To(Equal(http.StatusUnauthorized), "a deleted cluster's token stops working")
	_, err = e.admin.GetCluster(ctx, "east-1")
	g.Expect(client.StatusCode(err)).To(Equal(http.StatusNotFound))
	g.Expect(e.admin.DeleteCluster(ctx, "east-1")).To(Succeed(), "deleting twice is not an error")
}

func TestRotatedTokenOverlapsForGracePeriod(t *testing.T) {
	g := NewWithT(t)
	e := newRegistry(t)
	ctx := context.Background()
	old := e.register("east-1", nil).Token

	rotated, err := e.admin.RotateClusterToken(ctx, "east-1", 10*time.Minute)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rotated.Token).NotTo(BeEmpty())
	g.Expect(rotated.Token).NotTo(Equal(old))
	g.Expect(rotated.PreviousTokenValidUntil).NotTo(BeNil())
	g.Expect(*rotated.PreviousTokenValidUntil).To(BeTemporally("==", e.clock.Now().Add(10*time.Minute)))

	g.Expect(e.poll("east-1", old)).To(Equal(http.StatusOK), "the old token works during the grace period")
	g.Expect(e.poll("east-1", rotated.Token)).To(Equal(http.StatusOK))

	e.clock.Advance(10*time.Minute - time.Second)
	g.Expect(e.poll("east-1", old)).To(Equal(http.StatusOK))
	e.clock.Advance(time.Second)
	g.Expect(e.poll("east-1", old)).To(Equal(http.StatusUnauthorized), "the old token ends with the grace period")
	g.Expect(e.poll("east-1", rotated.Token)).To(Equal(http.StatusOK))
	got, err := e.admin.GetCluster(ctx, "east-1")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.PreviousTokenValidUntil).To(BeNil())

	// Without ?grace= the default hour applies; grace=0 ends the old token at once.
	next, err := e.admin.RotateClusterToken(ctx, "east-1", -1)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(*next.PreviousTokenValidUntil).To(BeTemporally("==", e.clock.Now().Add(endpoint.DefaultRotationGrace)))
	last, err := e.admin.RotateClusterToken(ctx, "east-1", 0)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(e.poll("east-1", next.Token)).To(Equal(http.StatusUnauthorized))
	g.Expect(e.poll("east-1", rotated.Token)).To(Equal(http.StatusUnauthorized), "only one previous token is kept")
	g.Expect(e.poll("east-1", last.Token)).To(Equal(http.StatusOK))

	code, body, _ := e.do("POST", "/v1/clusters/east-1/rotateToken?grace=forever", adminToken, nil)
	expectError(g, code, body, http.StatusBadRequest, "grace", "not a duration")
	code, body, _ = e.do("POST", "/v1/clusters/east-1/rotateToken?grace=720h", adminToken, nil)
	expectError(g, code, body, http.StatusBadRequest, "grace", "168h")
	g.Expect(e.poll("east-1", last.Token)).To(Equal(http.StatusOK), "a refused rotation changes nothing")
	code, body, _ = e.do("POST", "/v1/clusters/nowhere/rotateToken", adminToken, nil)
	expectError(g, code, body, http.StatusNotFound, "", "not registered")
}

func TestListClustersSelectsAndPages(t *testing.T) {
	g := NewWithT(t)
	e := newRegistry(t)
	ctx := context.Background()
	// Registered out of order: the list is sorted by name.
	for _, c := range []struct{ name, region, tier string }{
		{"c5", "eu", "prod"}, {"c1", "eu", "prod"}, {"c3", "eu", "staging"}, {"c2", "us", "prod"}, {"c4", "eu", "prod"}, {"c6", "eu", "prod"},
	} {
		e.register(c.name, map[string]string{"region": c.region, "tier": c.tier})
	}
	names := func(l *dpv1.ClusterList) []string {
		var out []string
		for _, c := range l.Value {
			out = append(out, c.Name)
		}
		return out
	}
	all, err := e.admin.ListClusters(ctx, client.ListClustersOptions{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(names(all)).To(Equal([]string{"c1", "c2", "c3", "c4", "c5", "c6"}))
	g.Expect(all.Continue).To(BeEmpty())

	opts := client.ListClustersOptions{LabelSelector: "region=eu,tier in (prod)", Limit: 2}
	var pages [][]string
	for {
		page, err := e.admin.ListClusters(ctx, opts)
		g.Expect(err).NotTo(HaveOccurred())
		pages = append(pages, names(page))
		if page.Continue == "" || len(pages) == 5 {
			break
		}
		opts.Continue = page.Continue
		if len(pages) == 1 {
			// A cluster registered before the cursor never shifts the next page.
			e.register("c0", map[string]string{"region": "eu", "tier": "prod"})
		}
	}
	g.Expect(pages).To(Equal([][]string{{"c1", "c4"}, {"c5", "c6"}}))

	page, err := e.admin.ListClusters(ctx, client.ListClustersOptions{LabelSelector: "tier!=prod"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(names(page)).To(Equal([]string{"c3"}))

	for _, c := range []struct{ query, target, message string }{
		{"labelSelector=region%3D%3D%3D", "labelSelector", "selector syntax"},
		{"limit=0", "limit", "from 1 to 1000"},
		{"limit=1001", "limit", "from 1 to 1000"},
		{"continue=%25%25", "continue", "previous page"},
	} {
		code, body, _ := e.do("GET", "/v1/clusters?"+c.query, adminToken, nil)
		expectError(g, code, body, http.StatusBadRequest, c.target, c.message)
	}
}

func TestRegisterRefusesBadLabels(t *testing.T) {
	e := newRegistry(t)
	for _, c := range []struct {
		body            string
		target, message string
	}{
		{`{"labels":{"bad key":"x"}}`, `labels["bad key"]`, "not a valid label key"},
		{`{"labels":{"example.com/":"x"}}`, `labels["example.com/"]`, "not a valid label key"},
		{`{"labels":{"tier":"-prod"}}`, `labels["tier"]`, "not a valid label value"},
		{`{"labels":{"tier":"` + string(bytes.Repeat([]byte("a"), 64)) + `"}}`, `labels["tier"]`, "63"},
		{`{"labels":{"tier":7}}`, "labels", "string"},
		{`{"labels":{},"token":"mine"}`, "", "unknown field"},
	} {
		t.Run(c.target, func(t *testing.T) {
			g := NewWithT(t)
			code, body, _ := e.do("PUT", "/v1/clusters/east-1", adminToken, c.body)
			expectError(g, code, body, http.StatusBadRequest, c.target, c.message)
			code, _, _ = e.do("GET", "/v1/clusters/east-1", adminToken, nil)
			g.Expect(code).To(Equal(http.StatusNotFound), "a refused registration stores nothing")
		})
	}
	g := NewWithT(t)
	code, body, _ := e.do("PUT", "/v1/clusters/East_1", adminToken, `{}`)
	expectError(g, code, body, http.StatusBadRequest, "cluster", "DNS-1123")
	reg := e.register("east-1", map[string]string{"example.com/tier": "prod", "region": ""})
	code, body, _ = e.do("PUT", "/v1/clusters/east-1", adminToken, `{"labels":{"region":"eu","bad key":"x"}}`)
	expectError(g, code, body, http.StatusBadRequest, `labels["bad key"]`, "not a valid label key")
	got, err := e.admin.GetCluster(context.Background(), "east-1")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.Labels).To(Equal(reg.Labels), "a refused update keeps the labels")
}

func TestClusterConnectedWithinThreePollIntervals(t *testing.T) {
	g := NewWithT(t)
	e := newRegistry(t)
	ctx := context.Background()
	token := e.register("east-1", nil).Token
	got, err := e.admin.GetCluster(ctx, "east-1")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.Connected).To(BeFalse())
	g.Expect(got.LastPollTime).To(BeNil())

	polled := e.clock.Now()
	g.Expect(e.poll("east-1", token)).To(Equal(http.StatusOK))
	// An admin read of the agent route is no contact from the cluster.
	code, _, _ := e.do("GET", "/v1/clusters/east-1/fluxConfigurations", adminToken, nil)
	g.Expect(code).To(Equal(http.StatusOK))
	got, err = e.admin.GetCluster(ctx, "east-1")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.Connected).To(BeTrue())
	g.Expect(*got.LastPollTime).To(BeTemporally("==", polled))
	g.Expect(got.AgentVersion).To(Equal("v1.2.3"))

	e.clock.Advance(3 * pollInterval)
	got, err = e.admin.GetCluster(ctx, "east-1")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.Connected).To(BeTrue(), "three intervals without a poll are still connected")
	e.clock.Advance(time.Second)
	list, err := e.admin.ListClusters(ctx, client.ListClustersOptions{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(list.Value).To(HaveLen(1))
	g.Expect(list.Value[0].Connected).To(BeFalse(), "past three intervals the cluster is disconnected")

	g.Expect(e.poll("east-1", token)).To(Equal(http.StatusOK))
	got, err = e.admin.GetCluster(ctx, "east-1")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.Connected).To(BeTrue())
}

func TestTokenDirectoryStillAuthenticates(t *testing.T) {
	g := NewWithT(t)
	e := newRegistry(t)
	// An unregistered cluster with a token file polls as before.
	g.Expect(e.poll("cluster-a", tokenA)).To(Equal(http.StatusOK))
	g.Expect(e.poll("cluster-a", tokenB)).To(Equal(http.StatusForbidden))
	// Registering it adds a token; the file's keeps working beside it.
	reg := e.register("cluster-a", nil)
	g.Expect(e.poll("cluster-a", tokenA)).To(Equal(http.StatusOK))
	g.Expect(e.poll("cluster-a", reg.Token)).To(Equal(http.StatusOK))
	g.Expect(e.poll("cluster-b", reg.Token)).To(Equal(http.StatusForbidden))
	// Either source lets an agent in: a file holding a token the registry issued to
	// another cluster opens the file's cluster.
	writeToken(t, filepath.Join(e.tokens, "shared"), reg.Token)
	g.Expect(e.poll("shared", reg.Token)).To(Equal(http.StatusOK))
	// A file written later is read as before.
	writeToken(t, filepath.Join(e.tokens, "late"), "late-token")
	g.Expect(e.poll("late", "late-token")).To(Equal(http.StatusOK))
}

// countingClusters counts the registry's store writes.
type countingClusters struct {
	endpoint.ClusterStore
	writes int
}

func (c *countingClusters) PutClusters(ctx context.Context, recs []*endpoint.ClusterRecord) error {
	c.writes++
	return c.ClusterStore.PutClusters(ctx, recs)
}

func TestRegistrationSurvivesRestart(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	clock := testutil.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	e := startRegistry(t, dir, onBolt, clock)
	ctx := context.Background()
	reg := e.register("east-1", map[string]string{"region": "eu"})
	rotated, err := e.admin.RotateClusterToken(ctx, "east-1", time.Hour)
	g.Expect(err).NotTo(HaveOccurred())

	// Polls write nothing; the periodic persistence writes the contacts in one batch, and
	// nothing when no agent polled since.
	counting := &countingClusters{ClusterStore: e.http.Store}
	e.srv.Registry, err = endpoint.NewRegistry(ctx, counting)
	g.Expect(err).NotTo(HaveOccurred())
	e.srv.Registry.PollInterval = pollInterval
	polled := clock.Now()
	for range 3 {
		g.Expect(e.poll("east-1", rotated.Token)).To(Equal(http.StatusOK))
	}
	g.Expect(counting.writes).To(BeZero())
	g.Expect(e.srv.PersistContacts(ctx)).To(Succeed())
	g.Expect(counting.writes).To(Equal(1))
	g.Expect(e.srv.PersistContacts(ctx)).To(Succeed())
	g.Expect(counting.writes).To(Equal(1), "an unchanged contact is not written again")
	e.http.Close()

	clock.Advance(time.Minute)
	e = startRegistry(t, dir, onBolt, clock)
	got, err := e.admin.GetCluster(ctx, "east-1")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.Labels).To(Equal(reg.Labels))
	g.Expect(got.CreatedAt).To(BeTemporally("==", reg.CreatedAt))
	g.Expect(got.LastPollTime).NotTo(BeNil())
	g.Expect(*got.LastPollTime).To(BeTemporally("==", polled))
	g.Expect(got.AgentVersion).To(Equal("v1.2.3"))
	g.Expect(e.poll("east-1", rotated.Token)).To(Equal(http.StatusOK))
	g.Expect(e.poll("east-1", reg.Token)).To(Equal(http.StatusOK), "the grace period survives the restart")
	clock.Advance(time.Hour)
	g.Expect(e.poll("east-1", reg.Token)).To(Equal(http.StatusUnauthorized))
}

// Persisting the contacts waits for no record write: a cluster whose report is being
// written does not hold up the registrations' write, nor does that write hold up reports.
func TestPersistContacts_WaitsForNoRecordWrite(t *testing.T) {
	g := NewWithT(t)
	e := newRegistry(t)
	token := e.register("east-1", nil).Token
	g.Expect(e.poll("east-1", token)).To(Equal(http.StatusOK))
	unlock := e.srv.LockClusters("east-1")
	defer unlock()
	done := make(chan error, 1)
	go func() { done <- e.srv.PersistContacts(context.Background()) }()
	g.Eventually(done, 10*time.Second).Should(Receive(Succeed()))
}

// A registered agent's poll is authorised from memory: it reads no token file, however many
// clusters the directory holds.
func TestRegisteredPollReadsNoTokenFile(t *testing.T) {
	g := NewWithT(t)
	e := newRegistry(t)
	e.srv.Tokens.Recheck = time.Hour // cache every file read, so reads can be counted
	token := e.register("east-1", nil).Token
	adminOnly := e.srv.Tokens.CachedFiles() // the admin token file, read by the registration
	g.Expect(e.poll("east-1", token)).To(Equal(http.StatusOK))
	g.Expect(e.srv.Tokens.CachedFiles()).To(Equal(adminOnly))
	g.Expect(e.poll("cluster-a", tokenA)).To(Equal(http.StatusOK))
	g.Expect(e.srv.Tokens.CachedFiles()).To(Equal(adminOnly+1), "the count does see a read")
}
