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

// Package v1 holds the JSON types of the fluxconfig data-plane protocol: the ARM
// fluxConfigurations model that the management API reads and writes, the desired set an agent
// polls, and the status report it sends back. openapi.yaml in this directory describes the
// endpoints.
package v1

import "time"

// ResourceType is the ARM type string of a flux configuration.
const ResourceType = "Microsoft.KubernetesConfiguration/fluxConfigurations"

// Provisioning states (§B.1 provisioningState).
const (
	ProvisioningSucceeded = "Succeeded"
	ProvisioningFailed    = "Failed"
	ProvisioningCanceled  = "Canceled"
	ProvisioningCreating  = "Creating"
	ProvisioningUpdating  = "Updating"
	ProvisioningDeleting  = "Deleting"
)

// FluxConfiguration is one configuration as the management API reads and writes it.
type FluxConfiguration struct {
	// ID is the resource path, /v1/clusters/{cluster}/fluxConfigurations/{name}; read-only.
	ID string `json:"id,omitempty"`
	// Name is the configuration name; read-only (the path names it).
	Name string `json:"name,omitempty"`
	// Type is ResourceType; read-only.
	Type string `json:"type,omitempty"`
	// Properties are the desired configuration and, on reads, its status.
	Properties FluxConfigurationProperties `json:"properties"`
}

// FluxConfigurationList is the management view of every configuration of a cluster.
type FluxConfigurationList struct {
	Value []FluxConfiguration `json:"value"`
}

// DesiredConfiguration is one item of the desired set an agent polls.
type DesiredConfiguration struct {
	// Name is the configuration name, which is also the FluxConfig's name.
	Name string `json:"name"`
	// Properties are the desired configuration, without any secret value.
	Properties FluxConfigurationProperties `json:"properties"`
	// OperationID identifies the latest management operation on this configuration.
	OperationID string `json:"operationId"`
	// CorrelationID ties the operation to the request that caused it.
	CorrelationID string `json:"correlationId,omitempty"`
	// Deleting asks the agent to remove the configuration from the cluster.
	Deleting bool `json:"deleting,omitempty"`
	// ConfigurationProtectedSettings are the base64 secret values; present only while the
	// operation that carries them is not yet acknowledged and at most 48 hours.
	ConfigurationProtectedSettings map[string]string `json:"configurationProtectedSettings,omitempty"`
}

// DesiredConfigurationList is the agent view of a cluster. Value is required: a response
// without it is broken, never an empty desired set.
type DesiredConfigurationList struct {
	Value []DesiredConfiguration `json:"value"`
	// Authoritative is the endpoint's word that Value is complete, so the agent may prune
	// any number of configurations it no longer lists; without it the agent holds back a
	// mass deletion. Omitted when false: agents older than this field reject it.
	Authoritative bool `json:"authoritative,omitempty"`
}

// StatusReport is what an agent PUTs for one configuration: the read-only fields of §B.1,
// the operation it acts on and the provisioning state that operation reached.
type StatusReport struct {
	// OperationID is the operation the report is about.
	OperationID string `json:"operationId"`
	// ProvisioningState is the state that operation reached in the cluster.
	ProvisioningState string `json:"provisioningState"`
	// ErrorMessage explains a Failed provisioningState.
	ErrorMessage string `json:"errorMessage,omitempty"`
	ObservedStatus
}

// ObservedStatus are the status fields the cluster reports (§B.1).
type ObservedStatus struct {
	// ComplianceState is Compliant, Non-Compliant, Pending, Suspended or Unknown.
	ComplianceState string `json:"complianceState,omitempty"`
	// Statuses has one entry per Flux object of the configuration.
	Statuses []ObjectStatusDefinition `json:"statuses,omitempty"`
	// RepositoryPublicKey is the public SSH key to register as a deploy key.
	RepositoryPublicKey string `json:"repositoryPublicKey,omitempty"`
	// SourceSyncedCommitID is the revision the source last fetched.
	SourceSyncedCommitID string `json:"sourceSyncedCommitId,omitempty"`
	// SourceUpdatedAt is when the source last fetched a revision.
	SourceUpdatedAt *time.Time `json:"sourceUpdatedAt,omitempty"`
}

// ObjectStatusDefinition is the state of one Flux object.
type ObjectStatusDefinition struct {
	Name                  string                            `json:"name,omitempty"`
	Namespace             string                            `json:"namespace,omitempty"`
	Kind                  string                            `json:"kind,omitempty"`
	ComplianceState       string                            `json:"complianceState,omitempty"`
	AppliedBy             *ObjectReferenceDefinition        `json:"appliedBy,omitempty"`
	StatusConditions      []ObjectStatusConditionDefinition `json:"statusConditions,omitempty"`
	HelmReleaseProperties *HelmReleasePropertiesDefinition  `json:"helmReleaseProperties,omitempty"`
	// Hint says what to do about the object's failure, when the controller recognises it.
	Hint string `json:"hint,omitempty"`
}

// ObjectReferenceDefinition names a namespaced object.
type ObjectReferenceDefinition struct {
	Name      string `json:"name,omitempty"`
	Namespace string `json:"namespace,omitempty"`
}

// ObjectStatusConditionDefinition is a copy of one Kubernetes condition.
type ObjectStatusConditionDefinition struct {
	LastTransitionTime *time.Time `json:"lastTransitionTime,omitempty"`
	Message            string     `json:"message,omitempty"`
	Reason             string     `json:"reason,omitempty"`
	Status             string     `json:"status,omitempty"`
	Type               string     `json:"type,omitempty"`
}

// HelmReleasePropertiesDefinition describes a HelmRelease.
type HelmReleasePropertiesDefinition struct {
	LastRevisionApplied int64                      `json:"lastRevisionApplied,omitempty"`
	HelmChartRef        *ObjectReferenceDefinition `json:"helmChartRef,omitempty"`
	FailureCount        int64                      `json:"failureCount,omitempty"`
	InstallFailureCount int64                      `json:"installFailureCount,omitempty"`
	UpgradeFailureCount int64                      `json:"upgradeFailureCount,omitempty"`
}

// ErrorResponse is the ARM error body of every 4xx and 5xx answer.
type ErrorResponse struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what was wrong; Target names the offending field when there is one.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Target  string `json:"target,omitempty"`
}
