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

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	. "github.com/onsi/gomega"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/endpoint"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// fleetAgents simulate the agents of a fleet against one replica: each reports its copy of
// "web" Compliant, once per operation, with the commit of the branch it was given.
type fleetAgents struct {
	t      *testing.T
	tokens map[string]string
	// acked is the operation each cluster's last acknowledged report was about, and the
	// commit it reported.
	acked map[string][2]string
}

// desired is cluster's copy of web as replica url serves it.
func (a *fleetAgents) desired(url, cluster string) *dpv1.DesiredConfiguration {
	a.t.Helper()
	c, err := client.New(client.Options{Endpoint: url, Token: a.tokens[cluster]})
	NewWithT(a.t).Expect(err).NotTo(HaveOccurred())
	res, err := c.Cluster(cluster).ListDesired(context.Background(), "")
	NewWithT(a.t).Expect(err).NotTo(HaveOccurred())
	for i := range res.Items {
		if res.Items[i].Name == "web" {
			return &res.Items[i]
		}
	}
	return nil
}

// report has every agent whose copy has a new operation at branch report it through url,
// and returns those that did. At most limit report (0: all).
func (a *fleetAgents) report(url, branch string, limit int) []string {
	a.t.Helper()
	var done []string
	for i := range len(a.tokens) {
		cluster := fmt.Sprintf("c%d", i)
		d := a.desired(url, cluster)
		if d == nil || d.Properties.GitRepository.RepositoryRef.Branch != branch || a.acked[cluster][0] == d.OperationID {
			continue
		}
		if limit > 0 && len(done) == limit {
			break
		}
		c, err := client.New(client.Options{Endpoint: url, Token: a.tokens[cluster]})
		NewWithT(a.t).Expect(err).NotTo(HaveOccurred())
		commit := "commit-" + branch
		NewWithT(a.t).Expect(c.Cluster(cluster).ReportStatus(context.Background(), "web", &dpv1.StatusReport{
			OperationID: d.OperationID, ProvisioningState: dpv1.ProvisioningSucceeded,
			ObservedStatus: dpv1.ObservedStatus{ComplianceState: dpv1.ComplianceCompliant, SourceSyncedCommitID: commit},
		})).To(Succeed())
		a.acked[cluster] = [2]string{d.OperationID, commit}
		done = append(done, cluster)
	}
	return done
}

// sweepLeaders counts the connections holding the sweep lead in the database at url.
func sweepLeaders(g Gomega, url string) int {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	g.Expect(err).NotTo(HaveOccurred())
	defer conn.Close(ctx)
	var n int
	g.Expect(conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
		AND application_name = $1 AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)`,
		endpoint.LeaderApplicationName).Scan(&n)).To(Succeed())
	return n
}

// TestRun_RolloutSurvivesKill9OfTheLeadingReplica: a staged rollout over ten clusters is in
// its second wave when the replica that leads the sweep, and took the agents' reports so
// far, is killed -9. Every report it acknowledged is read back from the other, which takes
// the lead and, with the agents now reporting to it, completes the rollout. The soak makes
// the waves advance on the leader's ticks, not on the reports alone.
func TestRun_RolloutSurvivesKill9OfTheLeadingReplica(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	db := testutil.PostgresDB(t)
	dir, tokens := runDir(t, g, nil)
	t.Setenv(databaseURLEnv, db)
	start := func(name string) (*testutil.Process, string) {
		addr := freeAddr(g)
		p, err := testutil.StartProcess(os.Args[0], testutil.ProcessOptions{LogPath: filepath.Join(dir, name+".log")},
			"--admin-token-file="+tokens.AdminFile, "--listen="+addr, "--sweep-interval=100ms")
		g.Expect(err).NotTo(HaveOccurred())
		t.Cleanup(func() { _ = p.Stop(time.Second) })
		g.Expect(testutil.WaitHTTP(ctx, "http://"+addr+"/healthz", 30*time.Second)).To(Succeed())
		return p, "http://" + addr
	}
	// A alone first, until it leads the sweep, so the kill takes the leader.
	procA, urlA := start("a")
	g.Eventually(func(g Gomega) int { return sweepLeaders(g, db) }, 10*time.Second, 50*time.Millisecond).Should(Equal(1))
	_, urlB := start("b")
	adminA, err := client.New(client.Options{Endpoint: urlA, Token: adminToken})
	g.Expect(err).NotTo(HaveOccurred())
	adminB, err := client.New(client.Options{Endpoint: urlB, Token: adminToken})
	g.Expect(err).NotTo(HaveOccurred())

	agents := &fleetAgents{t: t, tokens: map[string]string{}, acked: map[string][2]string{}}
	for i := range 10 {
		name := fmt.Sprintf("c%d", i)
		reg, _, err := adminA.RegisterCluster(ctx, name, map[string]string{"fleet": "yes"})
		g.Expect(err).NotTo(HaveOccurred())
		agents.tokens[name] = reg.Token
	}
	fleet := &dpv1.FleetConfiguration{Properties: testutil.GitConfiguration("v1").Properties,
		Placement: dpv1.FleetPlacement{ClusterSelector: &dpv1.LabelSelector{MatchLabels: map[string]string{"fleet": "yes"}}}}
	_, err = adminA.PutFleet(ctx, "web", fleet)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(agents.report(urlA, "v1", 0)).To(HaveLen(10))

	pct := func(n int) *int { return &n }
	fleet.Properties = testutil.GitConfiguration("v2").Properties
	fleet.Rollout = &dpv1.FleetRollout{MinCompliantSeconds: 1, Waves: []dpv1.RolloutWave{
		{Name: "canary", Percent: pct(10)}, {Name: "half", Percent: pct(50)}, {Name: "all", Percent: pct(100)}}}
	_, err = adminA.PutFleet(ctx, "web", fleet)
	g.Expect(err).NotTo(HaveOccurred())
	rollout := func(c *client.Client) func(Gomega) *dpv1.FleetRolloutStatus {
		return func(g Gomega) *dpv1.FleetRolloutStatus {
			f, err := c.GetFleet(ctx, "web")
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(f.RolloutStatus).NotTo(BeNil())
			return f.RolloutStatus
		}
	}
	g.Expect(agents.report(urlA, "v2", 0)).To(HaveLen(1), "the canary wave is one cluster")
	g.Eventually(rollout(adminA), 10*time.Second, 50*time.Millisecond).Should(HaveField("CurrentWave", "half"))
	g.Expect(agents.report(urlA, "v2", 2)).To(HaveLen(2))

	// Half of the second wave has reported; the leader dies without a word.
	g.Expect(procA.Cmd.Process.Kill()).To(Succeed())
	g.Eventually(procA.Done(), 10*time.Second).Should(BeClosed())

	current := 0
	for cluster, acked := range agents.acked {
		d := agents.desired(urlB, cluster)
		g.Expect(d).NotTo(BeNil(), cluster)
		if d.OperationID != acked[0] {
			continue // Given v2 after reporting v1; its report is still to come.
		}
		current++
		got, err := adminB.Cluster(cluster).Get(ctx, "web")
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(got.Properties.ComplianceState).To(Equal(dpv1.ComplianceCompliant), cluster)
		g.Expect(got.Properties.SourceSyncedCommitID).To(Equal(acked[1]), "%s: an acknowledged report is kept", cluster)
	}
	g.Expect(current).To(Equal(8), "the canary, two of the second wave and the five of the third report on their current operation")
	st := rollout(adminB)(g)
	g.Expect(st.CurrentWave).To(Equal("half"))
	g.Expect(st.Waves[0].Done).To(Equal(1))

	// The agents report to B now; B takes the lead, and its ticks finish the soak of each wave.
	g.Eventually(func(g Gomega) *dpv1.FleetRolloutStatus {
		agents.report(urlB, "v2", 0)
		return rollout(adminB)(g)
	}, 20*time.Second, 100*time.Millisecond).Should(HaveField("Phase", dpv1.RolloutCompleted))
	g.Expect(sweepLeaders(g, db)).To(Equal(1), "B leads the sweep")
	for cluster := range agents.tokens {
		g.Expect(agents.desired(urlB, cluster).Properties.GitRepository.RepositoryRef.Branch).To(Equal("v2"), cluster)
		g.Expect(agents.acked[cluster][1]).To(Equal("commit-v2"), cluster)
	}
	g.Eventually(func(g Gomega) map[string]int {
		fs, err := adminB.GetFleetStatus(ctx, "web", client.FleetStatusOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		return fs.Commits
	}, 5*time.Second, 50*time.Millisecond).Should(Equal(map[string]int{"commit-v2": 10}))
}
