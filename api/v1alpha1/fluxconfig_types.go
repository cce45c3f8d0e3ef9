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

// FluxConfigKind is the kind name of FluxConfig.
const FluxConfigKind = "FluxConfig"

// Scope is the permission scope of the account that applies a FluxConfig's manifests.
// +kubebuilder:validation:Enum=cluster;namespace
type Scope string

const (
	// ScopeCluster lets the applier account change any object of the cluster.
	ScopeCluster Scope = "cluster"
	// ScopeNamespace confines the applier account to the FluxConfig's namespace.
	ScopeNamespace Scope = "namespace"
)

// SourceKind names the kind of source a FluxConfig syncs from.
// +kubebuilder:validation:Enum=GitRepository;Bucket;AzureBlob;OCIRepository
type SourceKind string

const (
	// SourceKindGitRepository syncs from a Git repository (spec.gitRepository).
	SourceKindGitRepository SourceKind = "GitRepository"
	// SourceKindBucket syncs from an S3-compatible bucket (spec.bucket).
	SourceKindBucket SourceKind = "Bucket"
	// SourceKindAzureBlob syncs from an Azure Blob Storage container (spec.azureBlob).
	SourceKindAzureBlob SourceKind = "AzureBlob"
	// SourceKindOCIRepository syncs from an OCI artifact (spec.ociRepository).
	SourceKindOCIRepository SourceKind = "OCIRepository"
)

// FluxConfigSpec declares one Flux source and the Kustomizations that apply it.
// One rule per source kind keeps the body that matches sourceKind and refuses the others,
// so a config never carries a body that silently does nothing.
// +kubebuilder:validation:XValidation:rule="self.sourceKind != 'GitRepository' || has(self.gitRepository)",message="gitRepository is required when sourceKind is GitRepository",fieldPath=".gitRepository"
// +kubebuilder:validation:XValidation:rule="!has(self.gitRepository) || self.sourceKind == 'GitRepository'",messageExpression="'gitRepository must be absent when sourceKind is ' + self.sourceKind + '; remove it or set sourceKind: GitRepository'",fieldPath=".gitRepository"
// +kubebuilder:validation:XValidation:rule="self.sourceKind != 'Bucket' || has(self.bucket)",message="bucket is required when sourceKind is Bucket",fieldPath=".bucket"
// +kubebuilder:validation:XValidation:rule="!has(self.bucket) || self.sourceKind == 'Bucket'",messageExpression="'bucket must be absent when sourceKind is ' + self.sourceKind + '; remove it or set sourceKind: Bucket'",fieldPath=".bucket"
// +kubebuilder:validation:XValidation:rule="self.sourceKind != 'AzureBlob' || has(self.azureBlob)",message="azureBlob is required when sourceKind is AzureBlob",fieldPath=".azureBlob"
// +kubebuilder:validation:XValidation:rule="!has(self.azureBlob) || self.sourceKind == 'AzureBlob'",messageExpression="'azureBlob must be absent when sourceKind is ' + self.sourceKind + '; remove it or set sourceKind: AzureBlob'",fieldPath=".azureBlob"
// +kubebuilder:validation:XValidation:rule="self.sourceKind != 'OCIRepository' || has(self.ociRepository)",message="ociRepository is required when sourceKind is OCIRepository",fieldPath=".ociRepository"
// +kubebuilder:validation:XValidation:rule="!has(self.ociRepository) || self.sourceKind == 'OCIRepository'",messageExpression="'ociRepository must be absent when sourceKind is ' + self.sourceKind + '; remove it or set sourceKind: OCIRepository'",fieldPath=".ociRepository"
// +kubebuilder:validation:XValidation:rule="!has(self.kustomizations) || self.kustomizations.all(k, !has(k.dependsOn) || k.dependsOn.all(d, self.kustomizations.exists(o, o.name == d)))",message="every dependsOn entry must be the name of another kustomization in this FluxConfig",fieldPath=".kustomizations"
// +kubebuilder:validation:XValidation:rule="!has(self.kustomizations) || self.kustomizations.all(k, !has(k.dependsOn) || !(k.name in k.dependsOn))",message="a kustomization cannot depend on itself; remove its own name from dependsOn",fieldPath=".kustomizations"
type FluxConfigSpec struct {
	// scope is the permission scope of the flux-applier account that applies the manifests:
	// cluster (the whole cluster) or namespace (only this FluxConfig's namespace).
	// It cannot change after creation; delete and recreate the FluxConfig instead. The configs
	// of a namespace share one flux-applier account, so they all run with the scope of the
	// first one; a later config of the other scope is refused (Stalled, ScopeConflict).
	// +kubebuilder:default=cluster
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="scope is immutable; delete and recreate the FluxConfig to change it"
	// +optional
	Scope Scope `json:"scope,omitempty"`

	// sourceKind selects the source body that is used: gitRepository, bucket, azureBlob or
	// ociRepository. Exactly that body must be set.
	// +kubebuilder:default=GitRepository
	// +optional
	SourceKind SourceKind `json:"sourceKind,omitempty"`

	// suspend stops reconciliation of the source and of every kustomization. Reconciliations
	// already running finish.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// gitRepository is the Git source, used when sourceKind is GitRepository.
	// +optional
	GitRepository *GitRepositoryDefinition `json:"gitRepository,omitempty"`

	// bucket is the S3-compatible bucket source, used when sourceKind is Bucket.
	// +optional
	Bucket *BucketDefinition `json:"bucket,omitempty"`

	// azureBlob is the Azure Blob Storage source, used when sourceKind is AzureBlob.
	// +optional
	AzureBlob *AzureBlobDefinition `json:"azureBlob,omitempty"`

	// ociRepository is the OCI artifact source, used when sourceKind is OCIRepository.
	// +optional
	OCIRepository *OCIRepositoryDefinition `json:"ociRepository,omitempty"`

	// kustomizations become one Flux Kustomization each, named <metadata.name>-<name>.
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=100
	// +optional
	Kustomizations []KustomizationDefinition `json:"kustomizations,omitempty"`

	// protectedParametersSecretRef names a Secret in this namespace that holds the secret
	// inputs as plain values: sshPrivateKey, httpsKey, bucketSecretKey, and the Azure Blob and
	// OCI keys listed in the API reference. The agent writes <name>-protected-parameters.
	// +optional
	ProtectedParametersSecretRef *LocalObjectReference `json:"protectedParametersSecretRef,omitempty"`

	// operationId is the id of the upstream operation this spec came from; set by the agent.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	OperationID string `json:"operationId,omitempty"`

	// correlationId ties this spec to the upstream request that caused it; set by the agent.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	CorrelationID string `json:"correlationId,omitempty"`
}

// LocalObjectReference names an object in the FluxConfig's namespace.
type LocalObjectReference struct {
	// name of the object.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	// +required
	Name string `json:"name"`
}

// FluxConfig declares a Flux source and the Kustomizations that apply it, with the credentials
// and the tenant RBAC they need.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=fc,categories=gitops
// +kubebuilder:printcolumn:name="Scope",type=string,JSONPath=`.spec.scope`
// +kubebuilder:printcolumn:name="Source",type=string,JSONPath=`.spec.sourceKind`
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=`.spec.*.url`
// +kubebuilder:printcolumn:name="Compliance",type=string,JSONPath=`.status.complianceState`
// +kubebuilder:printcolumn:name="Provisioning",type=string,JSONPath=`.status.provisioningState`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 63",message="metadata.name must be at most 63 characters: it names the Flux source and is used as a label value"
// +kubebuilder:validation:XValidation:rule="!has(self.spec.kustomizations) || self.spec.kustomizations.all(k, size(self.metadata.name) + size(k.name) < 63)",message="each Flux Kustomization is named <metadata.name>-<name>, which must be at most 63 characters; shorten the kustomization name or the FluxConfig name",fieldPath=".spec.kustomizations"
type FluxConfig struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired source and kustomizations.
	// +required
	Spec FluxConfigSpec `json:"spec"`

	// status is what the controller last observed.
	// +optional
	Status FluxConfigStatus `json:"status,omitempty"`
}

// FluxConfigList is a list of FluxConfig.
// +kubebuilder:object:root=true
type FluxConfigList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []FluxConfig `json:"items"`
}

func init() {
	SchemeBuilder.Register(&FluxConfig{}, &FluxConfigList{})
}
