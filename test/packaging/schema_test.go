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

package packaging

import (
	"fmt"
	"sort"
	"testing"

	. "github.com/onsi/gomega"
)

// wrongType returns a value of another JSON type than v.
func wrongType(v any) any {
	switch v.(type) {
	case map[string]any:
		return "not-an-object"
	case []any:
		return map[string]any{"not": "a-list"}
	case string:
		return 42
	case bool:
		return "yes"
	case int, int64, float64:
		return "many"
	default:
		panic(fmt.Sprintf("no wrong type for %T", v))
	}
}

// TestChart_SchemaRejectsWrongTypes sets every top-level value of values.yaml, one at a time,
// to a value of another type, and expects Helm's schema validation (the one `helm install`
// runs) to refuse it, naming the key. New top-level values are covered as soon as they exist.
func TestChart_SchemaRejectsWrongTypes(t *testing.T) {
	chrt := loadChart(t)
	keys := make([]string, 0, len(chrt.Values))
	for k := range chrt.Values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	NewWithT(t).Expect(keys).To(ContainElements("crds", "multiTenancy", "controller", "agent", "flux"))
	for _, key := range keys {
		t.Run(key, func(t *testing.T) {
			g := NewWithT(t)
			_, err := renderChart(chrt, "schema", "flux-system", map[string]any{key: wrongType(chrt.Values[key])})
			g.Expect(err).To(HaveOccurred())
			g.Expect(err.Error()).To(ContainSubstring("values don't meet the specifications of the schema"))
			g.Expect(err.Error()).To(ContainSubstring("/" + key))
		})
	}
}

// TestChart_SchemaRejectsBadValues covers mistakes a type check alone would let through.
func TestChart_SchemaRejectsBadValues(t *testing.T) {
	chrt := loadChart(t)
	for name, values := range map[string]map[string]any{
		"unknown top-level key": {"controler": map[string]any{}},
		"unknown nested key":    {"controller": map[string]any{"replica": 2}},
		"log level":             {"controller": map[string]any{"logLevel": "verbose"}},
		"duration":              {"controller": map[string]any{"resyncInterval": "ten minutes"}},
		"quantity":              {"controller": map[string]any{"resources": map[string]any{"limits": map[string]any{"memory": "lots"}}}},
		"endpoint URL":          {"agent": map[string]any{"endpoint": "config.example.com"}},
		"pull policy":           {"flux": map[string]any{"sourceController": map[string]any{"image": map[string]any{"pullPolicy": "Sometimes"}}}},
		"ssh algorithms":        {"flux": map[string]any{"sourceController": map[string]any{"sshHostKeyAlgos": "rsa-sha2-512"}}},
		"proxy URL":             {"proxy": map[string]any{"httpsProxy": "proxy.corp:3128"}},
		"client ID":             {"workloadIdentity": map[string]any{"enable": true, "clientId": "my-identity"}},
		"protected namespace":   {"multiTenancy": map[string]any{"protectedNamespaces": []any{"Kube_System"}}},
		"env without a name":    {"agent": map[string]any{"env": []any{map[string]any{"value": "1"}}}},
		"prune limit":           {"agent": map[string]any{"pruneLimit": 0}},
		"long-poll wait":        {"agent": map[string]any{"longPollWait": "30"}},
		"readiness check":       {"agent": map[string]any{"readinessChecks": []any{"endpoint"}}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := renderChart(chrt, "schema", "flux-system", values)
			NewWithT(t).Expect(err).To(MatchError(ContainSubstring("values don't meet the specifications of the schema")))
		})
	}
}

// TestChart_AgentNeedsItsSettings: an endpoint without a cluster name or token Secret fails
// at render time with a message that says what to set.
func TestChart_AgentNeedsItsSettings(t *testing.T) {
	chrt := loadChart(t)
	for want, agent := range map[string]map[string]any{
		"agent.clusterName is required":      {"endpoint": "https://config.example.com", "tokenSecret": map[string]any{"name": "t"}},
		"agent.tokenSecret.name is required": {"endpoint": "https://config.example.com", "clusterName": "c"},
	} {
		_, err := renderChart(chrt, "agent", "flux-system", map[string]any{"agent": agent})
		NewWithT(t).Expect(err).To(MatchError(ContainSubstring(want)))
	}
	_, err := renderChart(chrt, "agent", "flux-system", map[string]any{"watchAllNamespaces": false,
		"agent": map[string]any{"endpoint": "https://config.example.com", "clusterName": "c", "tokenSecret": map[string]any{"name": "t"}}})
	NewWithT(t).Expect(err).To(MatchError(ContainSubstring("needs watchAllNamespaces=true")))
}
