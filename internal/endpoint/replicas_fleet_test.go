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
	"slices"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
)

// TestReplicas_FleetPlacementFollowsTheLastLabelsAcrossReplicas: relabels through both
// replicas while the fleet configuration changes through the second end with every cluster
// placed by its last labels, as both replicas serve it: the fleet lock orders a relabel on
// one replica against a fleet write on the other, and each reads the registration afresh.
func TestReplicas_FleetPlacementFollowsTheLastLabelsAcrossReplicas(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	r, admins := startTwoRegistries(t)
	clusters := []string{"east-1", "east-2", "west-1"}
	tokens := registerAll(g, admins[0], map[string]string{"region": "eu"}, clusters...)
	var wg sync.WaitGroup
	for _, c := range clusters {
		wg.Go(func() {
			for i := range 8 {
				region := []string{"us", "eu"}[i%2]
				if i == 7 && c == "east-2" {
					region = "eu" // one cluster ends unselected
				} else if i == 7 {
					region = "us"
				}
				if _, _, err := admins[i%2].RegisterCluster(ctx, c, map[string]string{"region": region}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 8 {
			f := fleetSpec(matchLabels("region", "us"))
			f.Properties.Kustomizations["infra"].Path = fmt.Sprintf("./infra/v%d", i)
			if _, err := admins[1].PutFleet(ctx, "web", f); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	for i := range r {
		g.Eventually(func(g Gomega) {
			var placed []string
			for _, c := range clusters {
				agent, err := client.New(client.Options{Endpoint: r[i].URL, Token: tokens[c]})
				g.Expect(err).NotTo(HaveOccurred())
				res, err := agent.Cluster(c).ListDesired(ctx, "")
				g.Expect(err).NotTo(HaveOccurred())
				for _, d := range res.Items {
					if d.Name == "web" && !d.Deleting {
						placed = append(placed, c)
						g.Expect(d.Properties.Kustomizations["infra"].Path).To(Equal("./infra/v7"))
					}
				}
			}
			slices.Sort(placed)
			g.Expect(placed).To(Equal([]string{"east-1", "west-1"}), "replica %d", i)
		}, 5*time.Second, 50*time.Millisecond).Should(Succeed())
	}
}
