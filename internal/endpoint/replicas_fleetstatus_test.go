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

	. "github.com/onsi/gomega"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
)

// TestReplicas_FleetStatusFollowsTheOtherReplicasWrites: a report and a relabel through
// one replica show in the other's fleet status within a second, through its notification.
func TestReplicas_FleetStatusFollowsTheOtherReplicasWrites(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	r, admins := startTwoRegistries(t)
	agents := map[string]*client.Cluster{}
	for c, token := range registerAll(g, admins[0], map[string]string{"region": "eu"}, "east-1", "east-2") {
		agents[c] = newClient(t, r[0].URL, token).Cluster(c)
	}
	_, err := admins[0].PutFleet(ctx, "web", fleetSpec(matchLabels("region", "eu")))
	g.Expect(err).NotTo(HaveOccurred())
	status := func() *dpv1.FleetStatus {
		st, err := admins[1].GetFleetStatus(ctx, "web", client.FleetStatusOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		return st
	}
	// The second replica builds its aggregate now, before the report.
	g.Eventually(func() int { return status().Clusters }).WithTimeout(time.Second).Should(Equal(2))

	list, err := agents["east-1"].ListDesired(ctx, "")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(agents["east-1"].ReportStatus(ctx, "web", &dpv1.StatusReport{OperationID: list.Items[0].OperationID,
		ProvisioningState: dpv1.ProvisioningSucceeded,
		ObservedStatus:    dpv1.ObservedStatus{ComplianceState: dpv1.ComplianceNonCompliant, SourceSyncedCommitID: "abc"}})).To(Succeed())
	// The state is as reported, whether or not the second replica has heard of the poll yet.
	g.Eventually(func() map[string]int { return status().Commits }).WithTimeout(time.Second).WithPolling(20 * time.Millisecond).
		Should(Equal(map[string]int{"abc": 1}))
	g.Expect(status().Value).To(ContainElement(And(
		HaveField("Cluster", "east-1"), HaveField("ComplianceState", dpv1.ComplianceNonCompliant))))

	// A relabel through the first replica takes east-2's copy out; the second sees it go.
	_, _, err = admins[0].RegisterCluster(ctx, "east-2", map[string]string{"region": "us"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Eventually(func() int { return status().Clusters }).WithTimeout(time.Second).WithPolling(20 * time.Millisecond).Should(Equal(1))
}
