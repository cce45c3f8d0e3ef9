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
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
)

// reportState polls cluster's copy of name and reports state, commit and, when failing,
// a condition with message.
func (e *fleetEnv) reportState(cluster, name, state, commit, message string) {
	e.t.Helper()
	d := e.entry(cluster, name)
	if d == nil {
		e.t.Fatalf("%s has no %s", cluster, name)
	}
	rep := &dpv1.StatusReport{OperationID: d.OperationID, ProvisioningState: dpv1.ProvisioningSucceeded,
		ObservedStatus: dpv1.ObservedStatus{ComplianceState: state, SourceSyncedCommitID: commit}}
	if message != "" {
		rep.Statuses = []dpv1.ObjectStatusDefinition{{Kind: "Kustomization", Name: "apps", ComplianceState: state,
			StatusConditions: []dpv1.ObjectStatusConditionDefinition{{Status: "True", Message: "fetched"}, {Status: "False", Message: message}}}}
	}
	if err := e.agents[cluster].ReportStatus(context.Background(), name, rep); err != nil {
		e.t.Fatal(err)
	}
}

func (e *fleetEnv) fleetStatus(name string, opts client.FleetStatusOptions) *dpv1.FleetStatus {
	e.t.Helper()
	out, err := e.admin.GetFleetStatus(context.Background(), name, opts)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func TestFleetStatusCountsAndOrdersFailingFirst(t *testing.T) {
	g := NewWithT(t)
	e := newThreeClusterEnv(t, onBolt)
	e.cluster("south-1", map[string]string{"region": "ap"})
	e.putFleet("web", fleetSpec(matchLabels()))
	e.reportState("east-1", "web", dpv1.ComplianceNonCompliant, "abc", "kustomize build failed: ./apps not found")
	e.reportState("east-2", "web", dpv1.ComplianceCompliant, "def", "")
	e.reportState("west-1", "web", dpv1.ComplianceCompliant, "def", "")
	e.entry("south-1", "web") // polled, never reported: Unknown

	// west-1 stops polling; the others poll again within three poll intervals.
	e.clock.Advance(2 * pollInterval)
	for _, c := range []string{"east-1", "east-2", "south-1"} {
		e.entry(c, "web")
	}
	e.clock.Advance(pollInterval + time.Second)

	st := e.fleetStatus("web", client.FleetStatusOptions{})
	g.Expect(st.Name).To(Equal("web"))
	g.Expect(st.Revision).To(Equal(int64(1)))
	g.Expect(st.Clusters).To(Equal(4))
	g.Expect(st.Counts).To(Equal(dpv1.FleetStatusCounts{NonCompliant: 1, Compliant: 1, Unknown: 1, Disconnected: 1}))
	g.Expect(st.Commits).To(Equal(map[string]int{"abc": 1, "def": 2}), "a disconnected cluster's last commit still counts")
	g.Expect(st.Continue).To(BeEmpty())
	var order []string
	for _, c := range st.Value {
		order = append(order, c.Cluster+"="+c.State)
	}
	g.Expect(order).To(Equal([]string{"east-1=Non-Compliant", "west-1=Disconnected", "south-1=Unknown", "east-2=Compliant"}))
	g.Expect(st.Value[0].Message).To(Equal("kustomize build failed: ./apps not found"))
	g.Expect(st.Value[0].Commit).To(Equal("abc"))
	g.Expect(st.Value[0].FleetRevision).To(Equal(int64(1)))
	g.Expect(st.Value[0].LastStatusTime).NotTo(BeNil())
	g.Expect(st.Value[1].ComplianceState).To(Equal(dpv1.ComplianceCompliant), "the last reported state is kept")
	g.Expect(st.Value[2].LastStatusTime).To(BeNil())

	// Pages of one follow the same order and end without a continue.
	var paged []string
	opts := client.FleetStatusOptions{Limit: 1}
	for range 10 {
		page := e.fleetStatus("web", opts)
		g.Expect(page.Value).To(HaveLen(1))
		g.Expect(page.Counts).To(Equal(st.Counts), "every page has the whole fleet's counts")
		paged = append(paged, page.Value[0].Cluster+"="+page.Value[0].State)
		if opts.Continue = page.Continue; opts.Continue == "" {
			break
		}
	}
	g.Expect(paged).To(Equal(order))

	// Clusters the new placement leaves out leave the status as their copies are removed.
	e.putFleet("web", fleetSpec(matchLabels("region", "eu")))
	st = e.fleetStatus("web", client.FleetStatusOptions{})
	g.Expect(st.Clusters).To(Equal(2))
	g.Expect(st.Revision).To(Equal(int64(2)))
	g.Expect(st.Commits).To(Equal(map[string]int{"abc": 1, "def": 1}))
}

func TestFleetStatusSeesAReportWithinASecond(t *testing.T) {
	g := NewWithT(t)
	e := newThreeClusterEnv(t, onBolt)
	e.putFleet("web", fleetSpec(matchLabels("region", "eu")))
	g.Expect(e.fleetStatus("web", client.FleetStatusOptions{}).Counts).To(Equal(dpv1.FleetStatusCounts{Disconnected: 2}),
		"an agent that never polled is not connected")
	e.entry("east-1", "web")
	e.entry("east-2", "web")
	g.Expect(e.fleetStatus("web", client.FleetStatusOptions{}).Counts).To(Equal(dpv1.FleetStatusCounts{Unknown: 2}))

	start := time.Now()
	e.reportState("east-2", "web", dpv1.ComplianceNonCompliant, "c0ffee", "health check failed")
	g.Eventually(func() dpv1.FleetStatusCounts {
		return e.fleetStatus("web", client.FleetStatusOptions{}).Counts
	}).WithTimeout(time.Second).WithPolling(10 * time.Millisecond).Should(Equal(dpv1.FleetStatusCounts{NonCompliant: 1, Unknown: 1}))
	t.Logf("report to status: %v", time.Since(start))
	st := e.fleetStatus("web", client.FleetStatusOptions{})
	g.Expect(st.Value[0].Cluster).To(Equal("east-2"))
	g.Expect(st.Value[0].Message).To(Equal("health check failed"))

	// The fleet deleted, its copies are being removed and count no more.
	g.Expect(e.admin.DeleteFleet(context.Background(), "web")).To(Succeed())
	_, err := e.admin.GetFleetStatus(context.Background(), "web", client.FleetStatusOptions{})
	g.Expect(client.IsNotFound(err)).To(BeTrue(), "%v", err)
}

// TestFleetStatusDisconnectedFollowsContactsAndTime: which clusters are disconnected is kept
// between status requests, so each way a cluster connects or disconnects must show at the
// next request: its last contact growing old, a poll, a registration, a removal.
func TestFleetStatusDisconnectedFollowsContactsAndTime(t *testing.T) {
	g := NewWithT(t)
	e := newThreeClusterEnv(t, onBolt)
	e.putFleet("web", fleetSpec(matchLabels("region", "eu")))
	counts := func() dpv1.FleetStatusCounts { return e.fleetStatus("web", client.FleetStatusOptions{}).Counts }
	e.entry("east-1", "web")
	e.entry("east-2", "web")
	g.Expect(counts()).To(Equal(dpv1.FleetStatusCounts{Unknown: 2}))

	e.clock.Advance(3 * pollInterval)
	g.Expect(counts()).To(Equal(dpv1.FleetStatusCounts{Unknown: 2}), "three poll intervals old is still connected")
	e.entry("east-1", "web")
	e.clock.Advance(time.Second)
	g.Expect(counts()).To(Equal(dpv1.FleetStatusCounts{Unknown: 1, Disconnected: 1}), "east-2's last poll grew too old")
	st := e.fleetStatus("web", client.FleetStatusOptions{})
	g.Expect(st.Value[0].Cluster + "=" + st.Value[0].State).To(Equal("east-2=Disconnected"))

	e.entry("east-2", "web")
	g.Expect(counts()).To(Equal(dpv1.FleetStatusCounts{Unknown: 2}), "a poll connects at once")

	e.cluster("east-3", map[string]string{"region": "eu"})
	g.Expect(counts()).To(Equal(dpv1.FleetStatusCounts{Unknown: 2, Disconnected: 1}), "a new cluster that never polled")
	g.Expect(e.admin.DeleteCluster(context.Background(), "east-3")).To(Succeed())
	g.Eventually(counts).Should(Equal(dpv1.FleetStatusCounts{Unknown: 2}), "a removed cluster leaves the fleet")

	// Time alone: east-1 polled a second later than east-2, so each leaves on its own.
	e.clock.Advance(3*pollInterval - time.Second)
	g.Expect(counts()).To(Equal(dpv1.FleetStatusCounts{Unknown: 2}))
	e.clock.Advance(time.Second / 2)
	g.Expect(counts()).To(Equal(dpv1.FleetStatusCounts{Unknown: 1, Disconnected: 1}))
	e.clock.Advance(time.Second)
	g.Expect(counts()).To(Equal(dpv1.FleetStatusCounts{Disconnected: 2}))
}

func TestFleetStatusRefusesBadPages(t *testing.T) {
	g := NewWithT(t)
	e := newThreeClusterEnv(t, onBolt)
	e.putFleet("web", fleetSpec(matchLabels()))
	code, body, _ := e.do("GET", "/v1/fleetConfigurations/web/status?continue=bm9wZQ", adminToken, nil)
	expectError(g, code, body, http.StatusBadRequest, "continue", "continue: is not a token this endpoint issued")
	code, body, _ = e.do("GET", "/v1/fleetConfigurations/web/status?limit=0", adminToken, nil)
	expectError(g, code, body, http.StatusBadRequest, "limit", `limit: "0" is not a whole number from 1 to 1000`)
	code, _, _ = e.do("GET", "/v1/fleetConfigurations/web/status", tokenA, nil)
	g.Expect(code).To(Equal(http.StatusForbidden), "an agent token does not read fleet status")
	code, _, _ = e.do("GET", "/v1/fleetConfigurations/none/status", adminToken, nil)
	g.Expect(code).To(Equal(http.StatusNotFound))
}
