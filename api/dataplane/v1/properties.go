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

// FluxConfigurationProperties is the ARM FluxConfigurationProperties model (2025-04-01):
// the desired fields of §A and the read-only status fields of §B.1.
type FluxConfigurationProperties struct {
	// Scope is cluster or namespace; create-only. Default cluster.
	Scope string `json:"scope,omitempty"`
	// Namespace of the FluxConfig and its objects; create-only. Default default.
	Namespace string `json:"namespace,omitempty"`
	// SourceKind is GitRepository, Bucket, AzureBlob or OCIRepository. Default GitRepository.
	SourceKind string `json:"sourceKind,omitempty"`
	// Suspend stops reconciliation of the source and kustomizations.
	Suspend *bool `json:"suspend,omitempty"`
	// GitRepository is the body of a GitRepository source.
	GitRepository *GitRepositoryDefinition `json:"gitRepository,omitempty"`
	// Bucket is the body of a Bucket source.
	Bucket *BucketDefinition `json:"bucket,omitempty"`
	// AzureBlob is the body of an AzureBlob source.
	AzureBlob *AzureBlobDefinition `json:"azureBlob,omitempty"`
	// OCIRepository is the body of an OCIRepository source.
	OCIRepository *OCIRepositoryDefinition `json:"ociRepository,omitempty"`
	// Kustomizations maps kustomization names to their definitions. In a PATCH a name
	// mapped to null removes that kustomization.
	Kustomizations map[string]*KustomizationDefinition `json:"kustomizations,omitempty"`
	// ConfigurationProtectedSettings are write-only base64 secret values; reads return {}
	// (omitzero keeps an empty map, as ARM answers).
	ConfigurationProtectedSettings map[string]string `json:"configurationProtectedSettings,omitzero"`
	// WaitForReconciliation keeps provisioningState Creating/Updating until the
	// configuration is reconciled or ReconciliationWaitDuration passes.
	WaitForReconciliation *bool `json:"waitForReconciliation,omitempty"`
	// ReconciliationWaitDuration is an ISO-8601 duration such as PT30M.
	ReconciliationWaitDuration string `json:"reconciliationWaitDuration,omitempty"`

	// The fields below are read-only: ignored on writes, filled on reads.

	ObservedStatus
	// StatusUpdatedAt is when the cluster last reported status.
	StatusUpdatedAt *time.Time `json:"statusUpdatedAt,omitempty"`
	// ProvisioningState is the state of the latest operation.
	ProvisioningState string `json:"provisioningState,omitempty"`
	// ErrorMessage explains a Failed provisioningState.
	ErrorMessage string `json:"errorMessage,omitempty"`
}

// RepositoryRefDefinition selects a Git revision.
type RepositoryRefDefinition struct {
	Branch string `json:"branch,omitempty"`
	Tag    string `json:"tag,omitempty"`
	Semver string `json:"semver,omitempty"`
	Commit string `json:"commit,omitempty"`
}

// GitRepositoryDefinition is a Git source (§A.2).
type GitRepositoryDefinition struct {
	URL                   string                   `json:"url,omitempty"`
	TimeoutInSeconds      *int64                   `json:"timeoutInSeconds,omitempty"`
	SyncIntervalInSeconds *int64                   `json:"syncIntervalInSeconds,omitempty"`
	RepositoryRef         *RepositoryRefDefinition `json:"repositoryRef,omitempty"`
	// SSHKnownHosts is a base64 known_hosts file.
	SSHKnownHosts string `json:"sshKnownHosts,omitempty"`
	HTTPSUser     string `json:"httpsUser,omitempty"`
	// HTTPSCACert is a base64 PEM CA bundle.
	HTTPSCACert  string `json:"httpsCACert,omitempty"`
	LocalAuthRef string `json:"localAuthRef,omitempty"`
	// Provider is Azure, GitHub or Generic.
	Provider string `json:"provider,omitempty"`
	// SSHKeyAlgorithm is the algorithm of a generated SSH key: ed25519, ecdsa-p256 or rsa-4096.
	SSHKeyAlgorithm string `json:"sshKeyAlgorithm,omitempty"`
	// Ignore lists, in .gitignore form, the files left out of the source artifact.
	Ignore string `json:"ignore,omitempty"`
}

// BucketDefinition is an S3-compatible bucket source (§A.3).
type BucketDefinition struct {
	URL        string `json:"url,omitempty"`
	BucketName string `json:"bucketName,omitempty"`
	// Insecure defaults to what the url's scheme says (true for http://).
	Insecure              *bool  `json:"insecure,omitempty"`
	TimeoutInSeconds      *int64 `json:"timeoutInSeconds,omitempty"`
	SyncIntervalInSeconds *int64 `json:"syncIntervalInSeconds,omitempty"`
	AccessKey             string `json:"accessKey,omitempty"`
	LocalAuthRef          string `json:"localAuthRef,omitempty"`
}

// AzureBlobDefinition is an Azure Blob Storage source (§A.4). AccountKey, SASToken and the
// service principal's secrets are write-only.
type AzureBlobDefinition struct {
	URL                   string                      `json:"url,omitempty"`
	ContainerName         string                      `json:"containerName,omitempty"`
	TimeoutInSeconds      *int64                      `json:"timeoutInSeconds,omitempty"`
	SyncIntervalInSeconds *int64                      `json:"syncIntervalInSeconds,omitempty"`
	ServicePrincipal      *ServicePrincipalDefinition `json:"servicePrincipal,omitempty"`
	AccountKey            string                      `json:"accountKey,omitempty"`
	SASToken              string                      `json:"sasToken,omitempty"`
	ManagedIdentity       *ManagedIdentityDefinition  `json:"managedIdentity,omitempty"`
	LocalAuthRef          string                      `json:"localAuthRef,omitempty"`
}

// ServicePrincipalDefinition is an Entra ID application; the secret fields are write-only.
type ServicePrincipalDefinition struct {
	ClientID     string `json:"clientId,omitempty"`
	TenantID     string `json:"tenantId,omitempty"`
	ClientSecret string `json:"clientSecret,omitempty"`
	// ClientCertificate is base64.
	ClientCertificate          string `json:"clientCertificate,omitempty"`
	ClientCertificatePassword  string `json:"clientCertificatePassword,omitempty"`
	ClientCertificateSendChain *bool  `json:"clientCertificateSendChain,omitempty"`
}

// ManagedIdentityDefinition is a managed identity.
type ManagedIdentityDefinition struct {
	ClientID string `json:"clientId,omitempty"`
}

// OCIRepositoryDefinition is an OCI artifact source (§A.5); TLSConfig is write-only.
type OCIRepositoryDefinition struct {
	URL                   string                      `json:"url,omitempty"`
	TimeoutInSeconds      *int64                      `json:"timeoutInSeconds,omitempty"`
	SyncIntervalInSeconds *int64                      `json:"syncIntervalInSeconds,omitempty"`
	RepositoryRef         *OCIRepositoryRefDefinition `json:"repositoryRef,omitempty"`
	LayerSelector         *LayerSelectorDefinition    `json:"layerSelector,omitempty"`
	Verify                *VerifyDefinition           `json:"verify,omitempty"`
	Insecure              *bool                       `json:"insecure,omitempty"`
	UseWorkloadIdentity   *bool                       `json:"useWorkloadIdentity,omitempty"`
	ServiceAccountName    string                      `json:"serviceAccountName,omitempty"`
	TLSConfig             *TLSConfigDefinition        `json:"tlsConfig,omitempty"`
	LocalAuthRef          string                      `json:"localAuthRef,omitempty"`
}

// OCIRepositoryRefDefinition selects an OCI artifact.
type OCIRepositoryRefDefinition struct {
	Tag    string `json:"tag,omitempty"`
	Semver string `json:"semver,omitempty"`
	Digest string `json:"digest,omitempty"`
}

// LayerSelectorDefinition picks one layer of an OCI artifact.
type LayerSelectorDefinition struct {
	MediaType string `json:"mediaType,omitempty"`
	// Operation is extract or copy.
	Operation string `json:"operation,omitempty"`
}

// VerifyDefinition verifies an OCI artifact's signature.
type VerifyDefinition struct {
	Provider           string                        `json:"provider,omitempty"`
	VerificationConfig map[string]string             `json:"verificationConfig,omitempty"`
	MatchOIDCIdentity  []MatchOIDCIdentityDefinition `json:"matchOidcIdentity,omitempty"`
}

// MatchOIDCIdentityDefinition is one accepted keyless signing identity.
type MatchOIDCIdentityDefinition struct {
	Issuer  string `json:"issuer,omitempty"`
	Subject string `json:"subject,omitempty"`
}

// TLSConfigDefinition holds base64 PEM client certificate, key and CA for an OCI registry.
type TLSConfigDefinition struct {
	ClientCertificate string `json:"clientCertificate,omitempty"`
	PrivateKey        string `json:"privateKey,omitempty"`
	CACertificate     string `json:"caCertificate,omitempty"`
}

// KustomizationDefinition is one kustomization (§A.6); the map key names it.
type KustomizationDefinition struct {
	// Name is read-only and equals the map key.
	Name                   string               `json:"name,omitempty"`
	Path                   string               `json:"path,omitempty"`
	DependsOn              []string             `json:"dependsOn,omitempty"`
	TimeoutInSeconds       *int64               `json:"timeoutInSeconds,omitempty"`
	SyncIntervalInSeconds  *int64               `json:"syncIntervalInSeconds,omitempty"`
	RetryIntervalInSeconds *int64               `json:"retryIntervalInSeconds,omitempty"`
	Prune                  *bool                `json:"prune,omitempty"`
	Force                  *bool                `json:"force,omitempty"`
	Wait                   *bool                `json:"wait,omitempty"`
	PostBuild              *PostBuildDefinition `json:"postBuild,omitempty"`
}

// PostBuildDefinition substitutes variables after kustomize build.
type PostBuildDefinition struct {
	Substitute     map[string]string          `json:"substitute,omitempty"`
	SubstituteFrom []SubstituteFromDefinition `json:"substituteFrom,omitempty"`
}

// SubstituteFromDefinition names a ConfigMap or Secret to read variables from.
type SubstituteFromDefinition struct {
	Kind     string `json:"kind,omitempty"`
	Name     string `json:"name,omitempty"`
	Optional *bool  `json:"optional,omitempty"`
}
