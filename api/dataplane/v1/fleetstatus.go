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

package v1

import "time"

// Compliance states an agent reports, and Disconnected, which the endpoint derives.
const (
	ComplianceCompliant    = "Compliant"
	ComplianceNonCompliant = "Non-Compliant"
	CompliancePending      = "Pending"
	ComplianceSuspended    = "Suspended"
	ComplianceUnknown      = "Unknown"
	// StateDisconnected is a cluster whose agent has not polled within three poll
	// intervals; its last reported state is kept in complianceState.
	StateDisconnected = "Disconnected"
)

// FleetStatus is the fleet-wide status of a fleet configuration: counts over every
// cluster holding its copy, and one page of those clusters, failing ones first.
type FleetStatus struct {
	// Name is the fleet configuration's name.
	Name string `json:"name"`
	// Revision is the fleet configuration's current revision.
	Revision int64 `json:"revision"`
	// Rollout is the staged rollout's phase, current wave and failures; absent without a
	// rollout strategy.
	Rollout *FleetRolloutStatus `json:"rollout,omitempty"`
	// Clusters counts the clusters holding a copy (not being removed).
	Clusters int `json:"clusters"`
	// Counts are by compliance state of the connected clusters, Disconnected apart.
	Counts FleetStatusCounts `json:"counts"`
	// Commits maps each source revision the clusters last reported to how many reported
	// it; clusters that reported none are not counted.
	Commits map[string]int `json:"commits"`
	// Value is one page of clusters: Non-Compliant ones first, then Disconnected, then
	// Pending, Unknown, Suspended and Compliant; by name within each.
	Value []FleetClusterStatus `json:"value"`
	// Continue, when set, is passed as ?continue= to fetch the next page.
	Continue string `json:"continue,omitempty"`
}

// FleetStatusCounts count a fleet's clusters by state; a disconnected cluster counts only
// as Disconnected, whatever it reported last.
type FleetStatusCounts struct {
	Compliant    int `json:"compliant"`
	NonCompliant int `json:"nonCompliant"`
	Pending      int `json:"pending"`
	Suspended    int `json:"suspended"`
	Unknown      int `json:"unknown"`
	Disconnected int `json:"disconnected"`
}

// FleetClusterStatus is one cluster's copy of a fleet configuration.
type FleetClusterStatus struct {
	Cluster string `json:"cluster"`
	// State is the cluster's compliance state, or Disconnected.
	State string `json:"state"`
	// ComplianceState is the last compliance state the agent reported (Unknown if none).
	ComplianceState string `json:"complianceState"`
	// Commit is the source revision the agent last reported.
	Commit string `json:"commit,omitempty"`
	// Message explains a failure: the operation's error or the first failing
	// condition's message the agent reported.
	Message string `json:"message,omitempty"`
	// FleetRevision is the fleet configuration's revision the copy was made from.
	FleetRevision int64 `json:"fleetRevision,omitempty"`
	// LastStatusTime is when the agent last reported status on the copy.
	LastStatusTime *time.Time `json:"lastStatusTime,omitempty"`
}
