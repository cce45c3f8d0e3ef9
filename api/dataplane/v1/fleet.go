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

// Label selector operators of LabelSelectorRequirement, as in Kubernetes.
const (
	SelectorOpIn           = "In"
	SelectorOpNotIn        = "NotIn"
	SelectorOpExists       = "Exists"
	SelectorOpDoesNotExist = "DoesNotExist"
)

// FleetConfiguration is one configuration for every registered cluster its placement
// selects: the endpoint writes it into each selected cluster's list, so agents see an
// ordinary configuration.
type FleetConfiguration struct {
	// ID is the resource path, /v1/fleetConfigurations/{name}; read-only.
	ID string `json:"id,omitempty"`
	// Name is the configuration name in every selected cluster; read-only (the path names it).
	Name string `json:"name,omitempty"`
	// Properties are the configuration, as for one cluster, without protected settings.
	Properties FluxConfigurationProperties `json:"properties"`
	// Placement selects the clusters.
	Placement FleetPlacement `json:"placement"`
	// Rollout stages each new revision over the clusters; absent, all get it at once.
	Rollout *FleetRollout `json:"rollout,omitempty"`
	// RolloutStatus is the progress of the current revision's rollout; read-only.
	RolloutStatus *FleetRolloutStatus `json:"rolloutStatus,omitempty"`
	// Revision counts the accepted changes of properties and placement, from 1; read-only.
	Revision int64 `json:"revision,omitempty"`
	// UpdatedAt is when the current revision was accepted; read-only.
	UpdatedAt *time.Time `json:"updatedAt,omitempty"`
}

// FleetPlacement says which registered clusters a fleet configuration goes to.
type FleetPlacement struct {
	// ClusterSelector matches the clusters' registry labels; required. An empty selector
	// ({}) selects every registered cluster.
	ClusterSelector *LabelSelector `json:"clusterSelector,omitempty"`
}

// LabelSelector is a Kubernetes label selector: every matchLabels entry and every
// matchExpressions requirement must hold.
type LabelSelector struct {
	MatchLabels      map[string]string          `json:"matchLabels,omitempty"`
	MatchExpressions []LabelSelectorRequirement `json:"matchExpressions,omitempty"`
}

// LabelSelectorRequirement is one requirement of a LabelSelector.
type LabelSelectorRequirement struct {
	Key string `json:"key"`
	// Operator is In, NotIn, Exists or DoesNotExist.
	Operator string `json:"operator"`
	// Values are required for In and NotIn, and must be empty for Exists and DoesNotExist.
	Values []string `json:"values,omitempty"`
}

// FleetConfigurationList is one page of fleet configurations, ordered by name.
type FleetConfigurationList struct {
	Value []FleetConfiguration `json:"value"`
	// Continue, when set, is passed as ?continue= to fetch the next page.
	Continue string `json:"continue,omitempty"`
}

// FleetRevision is one accepted revision of a fleet configuration.
type FleetRevision struct {
	Revision   int64                       `json:"revision"`
	CreatedAt  time.Time                   `json:"createdAt"`
	Properties FluxConfigurationProperties `json:"properties"`
	Placement  FleetPlacement              `json:"placement"`
	Rollout    *FleetRollout               `json:"rollout,omitempty"`
}

// FleetRevisionList holds the kept revisions of a fleet configuration, newest first.
type FleetRevisionList struct {
	Value []FleetRevision `json:"value"`
}
