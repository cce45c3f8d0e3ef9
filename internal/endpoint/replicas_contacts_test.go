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
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	. "github.com/onsi/gomega"

	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/endpoint"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// TestReplicas_AClusterPollingOneIsConnectedOnTheOther: east-1 polls only A; within a few
// share intervals B lists it connected, with A's poll time and agent version, and counts
// it connected in the fleet status and on its dashboard, as A does. east-2 never polls: Disconnected on both.
func TestReplicas_AClusterPollingOneIsConnectedOnTheOther(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	url := testutil.PostgresDB(t)
	r := startReplicas(t, url, 2)
	admins := registries(r)
	reg, _, err := admins[0].RegisterCluster(ctx, "east-1", map[string]string{"region": "eu"})
	g.Expect(err).NotTo(HaveOccurred())
	_, _, err = admins[0].RegisterCluster(ctx, "east-2", map[string]string{"region": "eu"})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = admins[0].PutFleet(ctx, "web", fleetSpec(matchLabels("region", "eu")))
	g.Expect(err).NotTo(HaveOccurred())
	agent, err := client.New(client.Options{Endpoint: r[0].URL, Token: reg.Token, UserAgent: "fluxconfig-agent/v1.4.0"})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = agent.Cluster("east-1").ListDesired(ctx, "")
	g.Expect(err).NotTo(HaveOccurred())
	polled := time.Now()

	for i, admin := range admins {
		g.Eventually(func(g Gomega) {
			got, err := admin.GetCluster(ctx, "east-1")
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got.Connected).To(BeTrue())
			g.Expect(got.AgentVersion).To(Equal("v1.4.0"))
			g.Expect(*got.LastPollTime).To(BeTemporally("~", polled, time.Second))
			st, err := admin.GetFleetStatus(ctx, "web", client.FleetStatusOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(st.Clusters).To(Equal(2))
			g.Expect(st.Counts.Disconnected).To(Equal(1), "only east-2, which never polled")
			seen, _ := r[i].Dashboard.Index().Contact("east-1")
			g.Expect(seen.LastPoll).To(BeTemporally("~", polled, time.Second), "the dashboard's contact")
			g.Expect(seen.Agent).To(Equal("fluxconfig-agent/v1.4.0"))
		}).WithTimeout(5*time.Second).WithPolling(20*time.Millisecond).Should(Succeed(), "replica %d", i)
		other, err := admin.GetCluster(ctx, "east-2")
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(other.Connected).To(BeFalse())
		g.Expect(other.LastPollTime).To(BeNil())
	}

	// A replica started later reads the contacts before it serves.
	late := startReplicas(t, url, 1)[0]
	adminLate := newClient(t, late.URL, adminToken)
	got, err := adminLate.GetCluster(ctx, "east-1")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.Connected).To(BeTrue())
}

// TestPgContacts_KeepTheLatestOfRegisteredClusters: a batch never moves a contact back,
// drops unregistered clusters, and a read since a time returns only what was written after.
func TestPgContacts_KeepTheLatestOfRegisteredClusters(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	s, err := endpoint.OpenPostgres(ctx, testutil.PostgresDB(t))
	g.Expect(err).NotTo(HaveOccurred())
	defer s.Close()
	g.Expect(s.PutClusters(ctx, []*endpoint.ClusterRecord{{Name: "a", TokenHash: "ha"}, {Name: "b", TokenHash: "hb"}})).To(Succeed())
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	g.Expect(s.PutContacts(ctx, []endpoint.ClusterContact{
		{Cluster: "b", LastPoll: t0, UserAgent: "fluxconfig-agent/v1"},
		{Cluster: "a", LastPoll: t0.Add(time.Minute), UserAgent: "fluxconfig-agent/v1"},
		{Cluster: "gone", LastPoll: t0},
	})).To(Succeed())
	all, now, err := s.ContactsSince(ctx, time.Time{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(all).To(ConsistOf(
		endpoint.ClusterContact{Cluster: "a", LastPoll: t0.Add(time.Minute), UserAgent: "fluxconfig-agent/v1"},
		endpoint.ClusterContact{Cluster: "b", LastPoll: t0, UserAgent: "fluxconfig-agent/v1"}))

	g.Expect(s.PutContacts(ctx, []endpoint.ClusterContact{
		{Cluster: "a", LastPoll: t0, UserAgent: "fluxconfig-agent/v0"},
		{Cluster: "b", LastPoll: t0.Add(time.Hour), UserAgent: "fluxconfig-agent/v2"},
	})).To(Succeed())
	since, _, err := s.ContactsSince(ctx, now)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(since).To(Equal([]endpoint.ClusterContact{{Cluster: "b", LastPoll: t0.Add(time.Hour), UserAgent: "fluxconfig-agent/v2"}}),
		"a's older contact changed nothing")

	g.Expect(s.DeleteCluster(ctx, "b")).To(Succeed())
	all, _, err = s.ContactsSince(ctx, time.Time{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(all).To(HaveLen(1), "a deleted cluster's contact goes with it")
}

// TestPgContacts_MigrationKeepsThePersistedPolls: a database from before the contacts
// table gets one holding the last polls its registrations persisted.
func TestPgContacts_MigrationKeepsThePersistedPolls(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	url := testutil.PostgresDB(t)
	s, err := endpoint.OpenPostgres(ctx, url)
	g.Expect(err).NotTo(HaveOccurred())
	polled := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	g.Expect(s.PutClusters(ctx, []*endpoint.ClusterRecord{
		{Name: "a", TokenHash: "ha", LastPoll: polled, AgentVersion: "v1.2.3"},
		{Name: "b", TokenHash: "hb"},
	})).To(Succeed())
	g.Expect(s.Close()).To(Succeed())
	conn, err := pgx.Connect(ctx, url)
	g.Expect(err).NotTo(HaveOccurred())
	defer conn.Close(ctx)
	// Back to the schema before the contacts table.
	_, err = conn.Exec(ctx, "DROP TABLE fluxconfig_contacts; DELETE FROM fluxconfig_schema WHERE version = 3")
	g.Expect(err).NotTo(HaveOccurred())

	s, err = endpoint.OpenPostgres(ctx, url)
	g.Expect(err).NotTo(HaveOccurred())
	defer s.Close()
	got, _, err := s.ContactsSince(ctx, time.Time{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got).To(Equal([]endpoint.ClusterContact{{Cluster: "a", LastPoll: polled, UserAgent: "fluxconfig-agent/v1.2.3"}}))
}

// TestReplicas_TheLastPollsAreWrittenAtShutdown: a poll served after the last share is
// written as the replica stops, so a replica started next knows it.
func TestReplicas_TheLastPollsAreWrittenAtShutdown(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	url := testutil.PostgresDB(t)
	start := func() (*testutil.Endpoint, *client.Client) {
		e := serveEndpoint(t, t.TempDir(), testutil.EndpointOptions{AdminToken: adminToken, DatabaseURL: url,
			ContactShareInterval: time.Hour})
		return e, newClient(t, e.URL, adminToken)
	}
	first, admin := start()
	reg, _, err := admin.RegisterCluster(ctx, "east-1", nil)
	g.Expect(err).NotTo(HaveOccurred())
	agent := newClient(t, first.URL, reg.Token)
	_, err = agent.Cluster("east-1").ListDesired(ctx, "")
	g.Expect(err).NotTo(HaveOccurred())
	first.Close()

	_, admin = start()
	got, err := admin.GetCluster(ctx, "east-1")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.LastPollTime).NotTo(BeNil())
	g.Expect(got.Connected).To(BeTrue())
}
