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

// PruneRefused is how many FluxConfigs the endpoint no longer lists but the agent holds back
// from deleting, because the deletion would cross the prune limit; 0 when nothing is held.
var PruneRefused = prometheus.NewGauge(prometheus.GaugeOpts{
	Name: "fluxconfig_agent_prune_refused_fluxconfigs",
	Help: "FluxConfigs the endpoint no longer lists that the agent refuses to delete, because that many deletions in one poll cross --prune-limit or half of its configs.",
})

func init() { metrics.Registry.MustRegister(PruneRefused) }
