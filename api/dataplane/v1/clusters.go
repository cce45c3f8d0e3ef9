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

// ClusterRegistration is the body of PUT /v1/clusters/{cluster}: it registers the cluster or
// replaces its labels.
type ClusterRegistration struct {
	// Labels are Kubernetes-style labels that label selectors match.
	Labels map[string]string `json:"labels,omitempty"`
}

// Cluster is a registered cluster as the management API shows it.
type Cluster struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels,omitempty"`
	// Token is the agent's bearer token. It is present only in the answer that registered
	// the cluster or rotated its token: the endpoint keeps only its hash.
	Token     string    `json:"token,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	// TokenIssuedAt is when the current token was issued.
	TokenIssuedAt time.Time `json:"tokenIssuedAt"`
	// PreviousTokenValidUntil is when the token replaced by the last rotation stops being
	// accepted; absent once it has.
	PreviousTokenValidUntil *time.Time `json:"previousTokenValidUntil,omitempty"`
	// LastPollTime is the agent's latest poll or status report.
	LastPollTime *time.Time `json:"lastPollTime,omitempty"`
	// AgentVersion is the version in the agent's User-Agent (fluxconfig-agent/<version>).
	AgentVersion string `json:"agentVersion,omitempty"`
	// Connected is true while the agent polled within three poll intervals.
	Connected bool `json:"connected"`
}

// ClusterList is one page of registered clusters, ordered by name.
type ClusterList struct {
	Value []Cluster `json:"value"`
	// Continue, when set, is passed as ?continue= to fetch the next page.
	Continue string `json:"continue,omitempty"`
}
