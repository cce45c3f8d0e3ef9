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

package agent

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Metrics of what the agent writes, registered with the controller-runtime registry.
var (
	// AppliesTotal counts the FluxConfigs the agent created or updated to match the
	// endpoint's desired set; repairs are counted apart.
	AppliesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "fluxconfig_agent_applies_total", Help: "FluxConfigs the agent created or updated from the endpoint's desired set.",
	}, []string{"operation"})
	// RepairsTotal counts the FluxConfigs the agent put back after someone edited or
	// deleted them in the cluster.
	RepairsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "fluxconfig_agent_repairs_total", Help: "FluxConfigs restored after an edit or deletion in the cluster; the reason label is Edited or Deleted.",
	}, []string{"reason"})
)

func init() {
	metrics.Registry.MustRegister(AppliesTotal, RepairsTotal)
}
