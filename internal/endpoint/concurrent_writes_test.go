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
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	. "github.com/onsi/gomega"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// TestServer_ConcurrentWrites: writes to two clusters at once, many to each. A cluster's
// writes still check its set's size one at a time, so of six configurations that fit three
// at a time exactly three are stored, whatever the interleaving; and every report, sent
// all at once, lands on its own configuration.
func TestServer_ConcurrentWrites(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	tokens := map[string]string{"cluster-a": tokenA, "cluster-b": tokenB}
	path := func(cluster, name string) string {
		return "/v1/clusters/" + cluster + "/fluxConfigurations/" + name
	}

	var mu sync.Mutex
	created := map[string][]string{}
	var wg sync.WaitGroup
	for cluster := range tokens {
		for i := range 6 {
			wg.Go(func() {
				name := fmt.Sprint("big-", i)
				code, body, _ := h.do("PUT", path(cluster, name), adminToken, bigConfig("a"))
				mu.Lock()
				defer mu.Unlock()
				switch code {
				case http.StatusCreated:
					created[cluster] = append(created[cluster], name)
				case http.StatusRequestEntityTooLarge:
				default:
					t.Errorf("PUT %s/%s: %d %s", cluster, name, code, body)
				}
			})
		}
	}
	wg.Wait()
	g.Expect(created["cluster-a"]).To(HaveLen(3), "configurations of cluster-a stored")
	g.Expect(created["cluster-b"]).To(HaveLen(3), "configurations of cluster-b stored")

	for cluster, token := range tokens {
		code, body, _ := h.do("GET", "/v1/clusters/"+cluster+"/fluxConfigurations", token, nil)
		g.Expect(code).To(Equal(http.StatusOK), string(body))
		var desired dpv1.DesiredConfigurationList
		g.Expect(json.Unmarshal(body, &desired)).To(Succeed())
		g.Expect(desired.Value).To(HaveLen(3))
		for _, d := range desired.Value {
			wg.Go(func() {
				code, body, _ := h.do("PUT", path(cluster, d.Name)+"/status", token,
					report(d.OperationID, dpv1.ProvisioningSucceeded))
				if code != http.StatusNoContent {
					t.Errorf("report %s/%s: %d %s", cluster, d.Name, code, body)
				}
			})
		}
	}
	wg.Wait()
	for cluster, names := range created {
		for _, name := range names {
			code, body, _ := h.do("GET", path(cluster, name), adminToken, nil)
			g.Expect(code).To(Equal(http.StatusOK))
			var c dpv1.FluxConfiguration
			g.Expect(json.Unmarshal(body, &c)).To(Succeed())
			g.Expect(c.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningSucceeded), cluster+"/"+name)
		}
	}
}
