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

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ProvisioningState is the state of delivering the current spec to the cluster.
// +kubebuilder:validation:Enum=Succeeded;Failed;Canceled;Creating;Updating;Deleting
type ProvisioningState string

const (
	ProvisioningSucceeded ProvisioningState = "Succeeded"
	ProvisioningFailed    ProvisioningState = "Failed"
	ProvisioningCanceled  ProvisioningState = "Canceled"
	ProvisioningCreating  ProvisioningState = "Creating"
	ProvisioningUpdating  ProvisioningState = "Updating"
	ProvisioningDeleting  ProvisioningState = "Deleting"
)

// ComplianceState says whether the cluster matches what the source declares.
// +kubebuilder:validation:Enum=Compliant;Non-Compliant;Pending;Suspended;Unknown
type ComplianceState string

const (
	// Compliant: every object is ready at the declared revision.
	Compliant ComplianceState = "Compliant"
	// NonCompliant: some object failed to become ready.
	NonCompliant ComplianceState = "Non-Compliant"
	// Pending: a change was seen and is still being reconciled.
	Pending ComplianceState = "Pending"
	// Suspended: reconciliation is suspended.
	Suspended ComplianceState = "Suspended"
	// Unknown: the state could not be read.
	Unknown ComplianceState = "Unknown"
)

// FluxConfigStatus is what the controller last observed of a FluxConfig and its Flux objects.
type FluxConfigStatus struct {
	// observedGeneration is the generation of the spec the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions are Ready, Reconciling and Stalled, as kstatus expects.
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// provisioningState is the state of delivering the current spec to the cluster.
	// +optional
	ProvisioningState ProvisioningState `json:"provisioningState,omitempty"`

	// complianceState combines the states of every Flux object of this config.
	// +kubebuilder:default=Unknown
	// +optional
	ComplianceState ComplianceState `json:"complianceState,omitempty"`

	// statuses has one entry per Flux object the config created and per Flux object its
	// Kustomizations applied.
	// +kubebuilder:validation:MaxItems=1000
	// +listType=atomic
	// +optional
	Statuses []ObjectStatus `json:"statuses,omitempty"`

	// omittedStatuses counts the objects left out of statuses to keep the FluxConfig small.
	// +optional
	OmittedStatuses int32 `json:"omittedStatuses,omitempty"`

	// repositoryPublicKey is the public half of the SSH key the source authenticates with,
	// to register as a deploy key.
	// +kubebuilder:validation:MaxLength=4096
	// +optional
	RepositoryPublicKey string `json:"repositoryPublicKey,omitempty"`

	// sourceSyncedCommitId is the revision the source last fetched, e.g. main@sha1:<sha>.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	SourceSyncedCommitID string `json:"sourceSyncedCommitId,omitempty"`

	// sourceUpdatedAt is when the source last fetched a revision.
	// +optional
	SourceUpdatedAt *metav1.Time `json:"sourceUpdatedAt,omitempty"`

	// errorMessage explains a Failed provisioningState.
	// +kubebuilder:validation:MaxLength=32768
	// +optional
	ErrorMessage string `json:"errorMessage,omitempty"`

	// inventory lists every object the controller applied for this config at its last
	// reconcile. The next reconcile deletes what it lists and no longer renders; objects
	// carrying the config's labels are deleted too, so one applied just before a crash is
	// not left behind.
	// +optional
	Inventory *ResourceInventory `json:"inventory,omitempty"`
}

// ObjectStatus is the state of one Flux object.
type ObjectStatus struct {
	// name of the object.
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`

	// namespace of the object.
	// +kubebuilder:validation:MaxLength=63
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// kind of the object, e.g. GitRepository, Kustomization, HelmRelease.
	// +kubebuilder:validation:MaxLength=63
	// +required
	Kind string `json:"kind"`

	// complianceState of this object.
	// +kubebuilder:default=Unknown
	// +optional
	ComplianceState ComplianceState `json:"complianceState,omitempty"`

	// appliedBy is the Kustomization that applied this object; empty for the objects the
	// controller created itself.
	// +optional
	AppliedBy *ObjectReference `json:"appliedBy,omitempty"`

	// hint says what to do about this object's failure when it is one the controller
	// recognises: the applier account refused by multi-tenancy or the config's scope, an
	// admission webhook without dry-run support, a kind the cluster does not serve (such as
	// a removed Flux API version).
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Hint string `json:"hint,omitempty"`

	// statusConditions are the object's own conditions.
	// +kubebuilder:validation:MaxItems=16
	// +listType=atomic
	// +optional
	StatusConditions []metav1.Condition `json:"statusConditions,omitempty"`

	// helmReleaseProperties are set for HelmRelease objects only.
	// +optional
	HelmReleaseProperties *HelmReleaseProperties `json:"helmReleaseProperties,omitempty"`
}

// ObjectReference names a namespaced object.
type ObjectReference struct {
	// name of the object.
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`

	// namespace of the object.
	// +kubebuilder:validation:MaxLength=63
	// +optional
	Namespace string `json:"namespace,omitempty"`
}

// HelmReleaseProperties describe the state of a HelmRelease.
type HelmReleaseProperties struct {
	// lastRevisionApplied is the Helm release revision last applied.
	// +optional
	LastRevisionApplied int64 `json:"lastRevisionApplied,omitempty"`

	// helmChartRef is the HelmChart the release was built from.
	// +optional
	HelmChartRef *ObjectReference `json:"helmChartRef,omitempty"`

	// failureCount counts failed reconciliations.
	// +optional
	FailureCount int64 `json:"failureCount,omitempty"`

	// installFailureCount counts failed installs.
	// +optional
	InstallFailureCount int64 `json:"installFailureCount,omitempty"`

	// upgradeFailureCount counts failed upgrades.
	// +optional
	UpgradeFailureCount int64 `json:"upgradeFailureCount,omitempty"`
}

// ResourceInventory lists applied objects.
type ResourceInventory struct {
	// entries are the applied objects.
	// +kubebuilder:validation:MaxItems=1000
	// +listType=atomic
	// +optional
	Entries []ResourceRef `json:"entries,omitempty"`
}

// ResourceRef identifies one applied object.
type ResourceRef struct {
	// id is <namespace>_<name>_<group>_<kind>; the namespace is empty for cluster-scoped
	// objects.
	// +kubebuilder:validation:MaxLength=600
	// +required
	ID string `json:"id"`

	// v is the API version of the object.
	// +kubebuilder:validation:MaxLength=128
	// +required
	Version string `json:"v"`
}

// GetConditions returns the status conditions.
func (in *FluxConfig) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces the status conditions.
func (in *FluxConfig) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}
