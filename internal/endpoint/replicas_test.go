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
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	. "github.com/onsi/gomega"

	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/endpoint"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// replica is one endpoint of several serving one PostgreSQL database.
type replica struct {
	*testutil.Endpoint
	// registry is the admin client of the whole endpoint; admin and agent speak for cluster-a.
	registry     *client.Client
	admin, agent *client.Cluster
}

// contactShare is how often the test replicas share the clusters' last polls.
const contactShare = 100 * time.Millisecond

func startReplicas(t *testing.T, url string, n int) []*replica {
	t.Helper()
	var out []*replica
	for range n {
		e := serveEndpoint(t, t.TempDir(), testutil.EndpointOptions{AdminToken: adminToken,
			Clusters: map[string]string{"cluster-a": tokenA}, DatabaseURL: url, ContactShareInterval: contactShare})
		admin := newClient(t, e.URL, adminToken)
		agent := newClient(t, e.URL, tokenA)
		out = append(out, &replica{Endpoint: e, registry: admin, admin: admin.Cluster("cluster-a"), agent: agent.Cluster("cluster-a")})
	}
	return out
}

// registries is the admin client of each replica, in order.
func registries(r []*replica) []*client.Client {
	out := make([]*client.Client, 0, len(r))
	for _, x := range r {
		out = append(out, x.registry)
	}
	return out
}

// startTwoRegistries starts two replicas on a fresh database and returns them with their
// admin clients.
func startTwoRegistries(t *testing.T) ([]*replica, []*client.Client) {
	t.Helper()
	r := startReplicas(t, testutil.PostgresDB(t), 2)
	return r, registries(r)
}

// registerAll registers each cluster through admin with labels and returns their agent tokens.
func registerAll(g *WithT, admin *client.Client, labels map[string]string, clusters ...string) map[string]string {
	tokens := map[string]string{}
	for _, c := range clusters {
		reg, _, err := admin.RegisterCluster(context.Background(), c, labels)
		g.Expect(err).NotTo(HaveOccurred())
		tokens[c] = reg.Token
	}
	return tokens
}

// startPolledPair starts two replicas on a fresh database and returns them with the second's
// answer to cluster-a's first poll.
func startPolledPair(t *testing.T, g *WithT) ([]*replica, *client.ListResult) {
	t.Helper()
	r := startReplicas(t, testutil.PostgresDB(t), 2)
	first, err := r[1].agent.ListDesired(context.Background(), "")
	g.Expect(err).NotTo(HaveOccurred())
	return r, first
}

// TestReplicas_WriteOnOneIsServedByTheOther: B has answered a poll (and cached its ETag);
// after a PUT through A, B serves the new set under a new ETag.
func TestReplicas_WriteOnOneIsServedByTheOther(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	r, first := startPolledPair(t, g)
	g.Expect(first.Items).To(BeEmpty())
	again, err := r[1].agent.ListDesired(ctx, first.ETag)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(again.NotModified).To(BeTrue(), "B answers from its ETag cache")

	_, err = r[0].admin.Put(ctx, "app", testutil.GitConfiguration("main"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Eventually(func(g Gomega) {
		got, err := r[1].agent.ListDesired(ctx, first.ETag)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(got.NotModified).To(BeFalse())
		g.Expect(got.ETag).NotTo(Equal(first.ETag))
		g.Expect(got.Items).To(HaveLen(1))
	}, 5*time.Second, 20*time.Millisecond).Should(Succeed())
}

// TestReplicas_LongPollOnOneWakesOnAWriteThroughTheOther: a poll held on B answers as soon
// as A commits, long before its wait ends.
func TestReplicas_LongPollOnOneWakesOnAWriteThroughTheOther(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	r, first := startPolledPair(t, g)
	type result struct {
		res *client.ListResult
		err error
		at  time.Time
	}
	done := make(chan result, 1)
	go func() {
		res, err := r[1].agent.ListDesired(ctx, first.ETag, client.WithWait(25*time.Second))
		done <- result{res, err, time.Now()}
	}()
	g.Eventually(r[1].Server.HeldPolls, 5*time.Second, 10*time.Millisecond).Should(BeEquivalentTo(1))

	_, err := r[0].admin.Put(ctx, "app", testutil.GitConfiguration("main"))
	g.Expect(err).NotTo(HaveOccurred())
	written := time.Now()
	var got result
	g.Eventually(done, 5*time.Second).Should(Receive(&got))
	g.Expect(got.err).NotTo(HaveOccurred())
	g.Expect(got.res.Items).To(HaveLen(1))
	g.Expect(got.at.Sub(written)).To(BeNumerically("<", 2*time.Second))
}

// TestReplicas_ConcurrentPatchesLoseNoUpdate: each PATCH adds its own kustomization, half
// of them through each replica at once; every one is in the result.
func TestReplicas_ConcurrentPatchesLoseNoUpdate(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	r := startReplicas(t, testutil.PostgresDB(t), 2)
	_, err := r[0].admin.Put(ctx, "app", testutil.GitConfiguration("main"))
	g.Expect(err).NotTo(HaveOccurred())
	const perReplica = 8
	var wg sync.WaitGroup
	errs := make(chan error, 2*perReplica)
	for i := range 2 * perReplica {
		wg.Go(func() {
			name := fmt.Sprintf("k%d", i)
			_, err := r[i%2].admin.Patch(ctx, "app", map[string]any{"properties": map[string]any{
				"kustomizations": map[string]any{name: map[string]any{"path": "./" + name}}}})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		g.Expect(err).NotTo(HaveOccurred())
	}
	got, err := r[1].admin.Get(ctx, "app")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.Properties.Kustomizations).To(HaveLen(2*perReplica + 1))
}

// TestReplicas_ARegistrationOnOneIsHonouredByTheOther: a cluster registered through A can
// poll B with its token, and a rotation through A ends the old token on B.
func TestReplicas_ARegistrationOnOneIsHonouredByTheOther(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	r := startReplicas(t, testutil.PostgresDB(t), 2)
	adminA, err := client.New(client.Options{Endpoint: r[0].URL, Token: adminToken})
	g.Expect(err).NotTo(HaveOccurred())
	reg, _, err := adminA.RegisterCluster(ctx, "east-1", nil)
	g.Expect(err).NotTo(HaveOccurred())
	agentB, err := client.New(client.Options{Endpoint: r[1].URL, Token: reg.Token})
	g.Expect(err).NotTo(HaveOccurred())
	g.Eventually(func() error {
		_, err := agentB.Cluster("east-1").ListDesired(ctx, "")
		return err
	}, 5*time.Second, 20*time.Millisecond).Should(Succeed())

	_, err = adminA.RotateClusterToken(ctx, "east-1", 0)
	g.Expect(err).NotTo(HaveOccurred())
	g.Eventually(func() error {
		_, err := agentB.Cluster("east-1").ListDesired(ctx, "")
		return err
	}, 5*time.Second, 20*time.Millisecond).Should(HaveOccurred(), "B refuses the rotated-out token")
}

// TestReplicas_ALostListenerDropsEveryETag: a change B never heard of (written without a
// NOTIFY, as if sent while B's listening connection was down) is served once that
// connection is lost and B reconnects.
func TestReplicas_ALostListenerDropsEveryETag(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	url := testutil.PostgresDB(t)
	writer := startReplicas(t, url, 1)[0]
	_, err := writer.admin.Put(ctx, "app", testutil.GitConfiguration("main"))
	g.Expect(err).NotTo(HaveOccurred())
	writer.Close()
	// Started after the write, this replica has no notification of it still to come.
	r := startReplicas(t, url, 1)
	first, err := r[0].agent.ListDesired(ctx, "")
	g.Expect(err).NotTo(HaveOccurred())

	conn, err := pgx.Connect(ctx, url)
	g.Expect(err).NotTo(HaveOccurred())
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `UPDATE fluxconfig_records
		SET doc = jsonb_set(doc, '{properties,gitRepository,repositoryRef,branch}', '"unheard"')`)
	g.Expect(err).NotTo(HaveOccurred())
	again, err := r[0].agent.ListDesired(ctx, first.ETag)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(again.NotModified).To(BeTrue(), "the change was not announced, so the cached ETag still answers")

	var killed int
	g.Expect(conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1`, endpoint.ListenerApplicationName).Scan(&killed)).To(Succeed())
	g.Expect(killed).To(Equal(1))
	g.Eventually(func(g Gomega) {
		got, err := r[0].agent.ListDesired(ctx, first.ETag)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(got.NotModified).To(BeFalse())
		g.Expect(got.Items[0].Properties.GitRepository.RepositoryRef.Branch).To(Equal("unheard"))
	}, 10*time.Second, 20*time.Millisecond).Should(Succeed())
}

// TestPgLeader_OneSweepsAtATimeAndAnotherTakesOver: of two replicas one leads; when its
// leader closes, or its connection is cut, the other takes the lead on its next try.
func TestPgLeader_OneSweepsAtATimeAndAnotherTakesOver(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	url := testutil.PostgresDB(t)
	var leaders []*endpoint.PgLeader
	for range 2 {
		s, err := endpoint.OpenPostgres(ctx, url)
		g.Expect(err).NotTo(HaveOccurred())
		t.Cleanup(func() { _ = s.Close() })
		l := s.Leader()
		t.Cleanup(l.Close)
		leaders = append(leaders, l)
	}
	a, b := leaders[0], leaders[1]
	g.Expect(a.Leading(ctx)).To(BeTrue())
	g.Expect(b.Leading(ctx)).To(BeFalse())
	g.Expect(a.Leading(ctx)).To(BeTrue(), "the leader keeps the lead")
	g.Expect(b.Leading(ctx)).To(BeFalse())

	a.Close()
	g.Expect(b.Leading(ctx)).To(BeTrue(), "the lead given up is taken")
	g.Expect(a.Leading(ctx)).To(BeFalse())

	// The leader's connection dies (as with kill -9 of its process): PostgreSQL releases
	// the lock, the other takes it, and the former leader knows it no longer leads.
	conn, err := pgx.Connect(ctx, url)
	g.Expect(err).NotTo(HaveOccurred())
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = $1 AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory')`, endpoint.LeaderApplicationName)
	g.Expect(err).NotTo(HaveOccurred())
	g.Eventually(func() bool { return a.Leading(ctx) }, 5*time.Second, 20*time.Millisecond).Should(BeTrue())
	g.Expect(b.Leading(ctx)).To(BeFalse())
}
