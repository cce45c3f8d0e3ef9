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

// GitProvider selects how source-controller authenticates to a Git host.
// +kubebuilder:validation:Enum=Generic;Azure;GitHub
type GitProvider string

const (
	// GitProviderGeneric authenticates with the secret keys (SSH key or HTTPS credentials).
	GitProviderGeneric GitProvider = "Generic"
	// GitProviderAzure authenticates to Azure DevOps with workload identity; no secret.
	GitProviderAzure GitProvider = "Azure"
	// GitProviderGitHub authenticates as a GitHub App.
	GitProviderGitHub GitProvider = "GitHub"
)

// GitRepositoryDefinition is a Git source. It becomes a Flux GitRepository named like the
// FluxConfig.
// +kubebuilder:validation:XValidation:rule="!has(self.httpsUser) || self.url.startsWith('http://') || self.url.startsWith('https://')",message="httpsUser is only used with an http:// or https:// url; remove it or change the url",fieldPath=".httpsUser"
// +kubebuilder:validation:XValidation:rule="!has(self.httpsCACert) || self.url.startsWith('https://')",message="httpsCACert is only used with an https:// url; remove it or change the url",fieldPath=".httpsCACert"
// +kubebuilder:validation:XValidation:rule="!has(self.sshKnownHosts) || self.url.startsWith('ssh://') || self.url.startsWith('git@')",message="sshKnownHosts is only used with an ssh:// or git@ url; remove it or change the url",fieldPath=".sshKnownHosts"
// +kubebuilder:validation:XValidation:rule="!has(self.localAuthRef) || !has(self.httpsUser)",message="httpsUser has no effect with localAuthRef: put username and password into the localAuthRef Secret and remove httpsUser",fieldPath=".httpsUser"
// +kubebuilder:validation:XValidation:rule="!has(self.sshKeyAlgorithm) || self.url.startsWith('ssh://') || self.url.startsWith('git@')",message="sshKeyAlgorithm is only used with an ssh:// or git@ url; remove it or change the url",fieldPath=".sshKeyAlgorithm"
type GitRepositoryDefinition struct {
	// url of the repository: https://, http://, ssh:// or git@host:path.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.matches('^(https?://|ssh://|git@)')",message="must start with https://, http://, ssh:// or git@"
	// +required
	URL string `json:"url"`

	// repositoryRef is the branch, tag, semver range or commit to sync. Without it the
	// branch master is used (Flux's default), not the remote's default branch: name the
	// branch when it is main.
	// +optional
	RepositoryRef *RepositoryRefDefinition `json:"repositoryRef,omitempty"`

	// syncInterval is how often the repository is fetched.
	// +kubebuilder:default="10m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]+(\\\\.[0-9]+)?(ms|s|m|h))+$') || duration(self) > duration('0s')",message="must be a positive duration such as 10m or 1h30m"
	// +optional
	SyncInterval *metav1.Duration `json:"syncInterval,omitempty"`

	// timeout bounds one fetch of the repository.
	// +kubebuilder:default="10m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]+(\\\\.[0-9]+)?(ms|s|m|h))+$') || duration(self) > duration('0s')",message="must be a positive duration such as 10m or 1h30m"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// sshKnownHosts is a known_hosts file (base64 in JSON) for ssh URLs. Without it a
	// built-in list of the major Git hosts is used.
	// +kubebuilder:validation:MaxLength=65536
	// +optional
	SSHKnownHosts []byte `json:"sshKnownHosts,omitempty"`

	// httpsUser is the user name for HTTPS basic auth; the password or token is the
	// protected parameter httpsKey.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	HTTPSUser string `json:"httpsUser,omitempty"`

	// httpsCACert is a PEM CA bundle (base64 in JSON) trusted for the HTTPS server.
	// +kubebuilder:validation:MaxLength=65536
	// +optional
	HTTPSCACert []byte `json:"httpsCACert,omitempty"`

	// localAuthRef names a Secret in this namespace, already in Flux's format, to use
	// instead of the managed credentials.
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +optional
	LocalAuthRef string `json:"localAuthRef,omitempty"`

	// provider is how to authenticate: Generic (secrets), Azure (Azure DevOps with workload
	// identity) or GitHub (GitHub App).
	// +kubebuilder:default=Generic
	// +optional
	Provider GitProvider `json:"provider,omitempty"`

	// sshKeyAlgorithm is the algorithm of the SSH key generated when an ssh URL comes with
	// no key: ed25519, ecdsa-p256 or rsa-4096. Unset, it is rsa-4096 for Azure DevOps, which
	// accepts only RSA keys, and ed25519 elsewhere. The key is generated once and kept, also
	// while the URL is https for a time; setting this field to another algorithm than the
	// key's is the only thing that replaces it (announced by the event AlgorithmChanged and
	// the condition SSHKeyRegenerated). A change of host keeps the key.
	// +kubebuilder:validation:Enum=ed25519;ecdsa-p256;rsa-4096
	// +optional
	SSHKeyAlgorithm string `json:"sshKeyAlgorithm,omitempty"`

	// ignore replaces the patterns, in .gitignore form one per line, of the files left out of
	// the source artifact: large or secret files the Kustomizations must not see. Unset, the
	// repository's .sourceignore files and Flux's defaults decide.
	// +kubebuilder:validation:MaxLength=8192
	// +optional
	Ignore string `json:"ignore,omitempty"`
}

// RepositoryRefDefinition selects what to sync from a Git repository: exactly one of branch,
// tag, semver or commit, where commit may be combined with branch.
// +kubebuilder:validation:XValidation:rule="(has(self.branch) ? 1 : 0) + (has(self.tag) ? 1 : 0) + (has(self.semver) ? 1 : 0) + (has(self.commit) ? 1 : 0) == 1 || (has(self.branch) && has(self.commit) && !has(self.tag) && !has(self.semver))",message="set exactly one of branch, tag, semver or commit (commit may be combined with branch)"
type RepositoryRefDefinition struct {
	// branch to follow.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	Branch string `json:"branch,omitempty"`

	// tag to check out.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	Tag string `json:"tag,omitempty"`

	// semver is a range; the newest matching tag is checked out.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	Semver string `json:"semver,omitempty"`

	// commit is the full SHA to check out.
	// +kubebuilder:validation:Pattern=`^([0-9a-f]{40}|[0-9a-f]{64})$`
	// +optional
	Commit string `json:"commit,omitempty"`
}

// BucketDefinition is an S3-compatible bucket source. It becomes a Flux Bucket (provider
// generic) named like the FluxConfig.
// +kubebuilder:validation:XValidation:rule="self.url.startsWith('http://') == self.insecure",message="insecure must be true for an http:// url and false for an https:// url",fieldPath=".insecure"
// +kubebuilder:validation:XValidation:rule="!has(self.localAuthRef) || !has(self.accessKey)",message="accessKey has no effect with localAuthRef: put accesskey and secretkey into the localAuthRef Secret and remove accessKey",fieldPath=".accessKey"
type BucketDefinition struct {
	// url of the S3 endpoint: https://host[:port] or, with insecure, http://host[:port].
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.matches('^https?://[^/]+/?$')",message="must be http:// or https:// followed by a host and optional port, without a path"
	// +required
	URL string `json:"url"`

	// bucketName is the bucket to sync.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	// +required
	BucketName string `json:"bucketName"`

	// insecure allows plain HTTP; it must match the url's scheme.
	// +kubebuilder:default=false
	// +optional
	Insecure bool `json:"insecure"`

	// syncInterval is how often the bucket is fetched.
	// +kubebuilder:default="10m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]+(\\\\.[0-9]+)?(ms|s|m|h))+$') || duration(self) > duration('0s')",message="must be a positive duration such as 10m or 1h30m"
	// +optional
	SyncInterval *metav1.Duration `json:"syncInterval,omitempty"`

	// timeout bounds one fetch of the bucket.
	// +kubebuilder:default="10m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]+(\\\\.[0-9]+)?(ms|s|m|h))+$') || duration(self) > duration('0s')",message="must be a positive duration such as 10m or 1h30m"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// accessKey is the access key id; the secret key is the protected parameter
	// bucketSecretKey.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	AccessKey string `json:"accessKey,omitempty"`

	// localAuthRef names a Secret in this namespace, already in Flux's format (accesskey,
	// secretkey), to use instead of the managed credentials.
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +optional
	LocalAuthRef string `json:"localAuthRef,omitempty"`
}

// AzureBlobDefinition is an Azure Blob Storage source. It becomes a Flux Bucket with
// provider azure named like the FluxConfig. Account key, SAS token and service principal
// secrets come from the protected parameters Secret.
// +kubebuilder:validation:XValidation:rule="(has(self.servicePrincipal) ? 1 : 0) + (has(self.managedIdentity) ? 1 : 0) + (has(self.localAuthRef) ? 1 : 0) <= 1",message="set at most one of servicePrincipal, managedIdentity or localAuthRef"
type AzureBlobDefinition struct {
	// url of the storage account's blob endpoint, e.g. https://<account>.blob.core.windows.net.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.matches('^https?://')",message="must start with https:// or http://"
	// +required
	URL string `json:"url"`

	// containerName is the blob container to sync.
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +required
	ContainerName string `json:"containerName"`

	// syncInterval is how often the container is fetched.
	// +kubebuilder:default="10m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]+(\\\\.[0-9]+)?(ms|s|m|h))+$') || duration(self) > duration('0s')",message="must be a positive duration such as 10m or 1h30m"
	// +optional
	SyncInterval *metav1.Duration `json:"syncInterval,omitempty"`

	// timeout bounds one fetch of the container.
	// +kubebuilder:default="10m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]+(\\\\.[0-9]+)?(ms|s|m|h))+$') || duration(self) > duration('0s')",message="must be a positive duration such as 10m or 1h30m"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// servicePrincipal authenticates as an Entra ID application; its clientSecret or
	// clientCertificate (and clientCertificatePassword) are protected parameters.
	// +optional
	ServicePrincipal *ServicePrincipalDefinition `json:"servicePrincipal,omitempty"`

	// managedIdentity authenticates with a managed identity.
	// +optional
	ManagedIdentity *ManagedIdentityDefinition `json:"managedIdentity,omitempty"`

	// localAuthRef names a Secret in this namespace, already in Flux's format, to use
	// instead of the managed credentials.
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +optional
	LocalAuthRef string `json:"localAuthRef,omitempty"`
}

// ServicePrincipalDefinition identifies an Entra ID application.
type ServicePrincipalDefinition struct {
	// clientId is the application (client) id.
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	// +required
	ClientID string `json:"clientId"`

	// tenantId is the directory (tenant) id or domain.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	TenantID string `json:"tenantId"`

	// clientCertificateSendChain sends the certificate chain when authenticating with a
	// client certificate (subject name / issuer auth).
	// +optional
	ClientCertificateSendChain bool `json:"clientCertificateSendChain,omitempty"`
}

// ManagedIdentityDefinition identifies a managed identity.
type ManagedIdentityDefinition struct {
	// clientId of the managed identity.
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	// +required
	ClientID string `json:"clientId"`
}

// OCILayerOperation is what to do with the selected layer of an OCI artifact.
// +kubebuilder:validation:Enum=extract;copy
type OCILayerOperation string

// OCIVerificationProvider is the signature scheme used to verify an OCI artifact.
// +kubebuilder:validation:Enum=cosign;notation
type OCIVerificationProvider string

// OCIRepositoryDefinition is an OCI artifact source. It becomes a Flux OCIRepository named
// like the FluxConfig. The TLS client certificate, key and CA come from the protected
// parameters Secret.
// +kubebuilder:validation:XValidation:rule="!(has(self.useWorkloadIdentity) && self.useWorkloadIdentity && has(self.localAuthRef))",message="useWorkloadIdentity and localAuthRef exclude each other; remove one",fieldPath=".localAuthRef"
type OCIRepositoryDefinition struct {
	// url of the artifact repository, e.g. oci://registry.example.com/manifests/app.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.startsWith('oci://')",message="must start with oci://"
	// +required
	URL string `json:"url"`

	// repositoryRef is the tag, semver range or digest to pull. Without it the tag latest
	// is pulled.
	// +optional
	RepositoryRef *OCIRepositoryRefDefinition `json:"repositoryRef,omitempty"`

	// syncInterval is how often the registry is checked.
	// +kubebuilder:default="10m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]+(\\\\.[0-9]+)?(ms|s|m|h))+$') || duration(self) > duration('0s')",message="must be a positive duration such as 10m or 1h30m"
	// +optional
	SyncInterval *metav1.Duration `json:"syncInterval,omitempty"`

	// timeout bounds one pull.
	// +kubebuilder:default="10m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]+(\\\\.[0-9]+)?(ms|s|m|h))+$') || duration(self) > duration('0s')",message="must be a positive duration such as 10m or 1h30m"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// layerSelector picks the layer that holds the manifests; by default the first layer
	// is extracted.
	// +optional
	LayerSelector *OCILayerSelectorDefinition `json:"layerSelector,omitempty"`

	// verify checks the artifact's signature before it is used.
	// +optional
	Verify *OCIVerifyDefinition `json:"verify,omitempty"`

	// insecure allows a registry served over plain HTTP.
	// +optional
	Insecure bool `json:"insecure,omitempty"`

	// useWorkloadIdentity authenticates to the registry with the cloud workload identity of
	// source-controller (Flux provider azure).
	// +optional
	UseWorkloadIdentity bool `json:"useWorkloadIdentity,omitempty"`

	// serviceAccountName names a ServiceAccount in this namespace whose image pull secrets
	// are used for the registry.
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// localAuthRef names a docker-registry Secret in this namespace to use for the
	// registry.
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +optional
	LocalAuthRef string `json:"localAuthRef,omitempty"`
}

// OCIRepositoryRefDefinition selects the artifact to pull: exactly one of tag, semver or digest.
// +kubebuilder:validation:XValidation:rule="(has(self.tag) ? 1 : 0) + (has(self.semver) ? 1 : 0) + (has(self.digest) ? 1 : 0) == 1",message="set exactly one of tag, semver or digest"
type OCIRepositoryRefDefinition struct {
	// tag to pull.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +optional
	Tag string `json:"tag,omitempty"`

	// semver is a range; the newest matching tag is pulled.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	Semver string `json:"semver,omitempty"`

	// digest pins the artifact, as sha256:<hex>.
	// +kubebuilder:validation:Pattern=`^sha256:[a-f0-9]{64}$`
	// +optional
	Digest string `json:"digest,omitempty"`
}

// OCILayerSelectorDefinition picks one layer of an OCI artifact.
type OCILayerSelectorDefinition struct {
	// mediaType of the layer to use; the first layer when empty.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	MediaType string `json:"mediaType,omitempty"`

	// operation is extract (unpack a tarball) or copy (use the layer as is).
	// +kubebuilder:default=extract
	// +optional
	Operation OCILayerOperation `json:"operation,omitempty"`
}

// OCIVerifyDefinition verifies an OCI artifact's signature.
type OCIVerifyDefinition struct {
	// provider is the signature scheme: cosign or notation.
	// +required
	Provider OCIVerificationProvider `json:"provider"`

	// verificationConfig holds the public keys (cosign, keys ending in .pub) or the trust
	// policy and certificates (notation), base64-encoded as upstream sends them.
	// +kubebuilder:validation:MaxProperties=16
	// +optional
	VerificationConfig map[string]string `json:"verificationConfig,omitempty"`

	// matchOidcIdentity accepts keyless signatures whose OIDC issuer and subject match one
	// of these regular expressions.
	// +kubebuilder:validation:MaxItems=16
	// +listType=atomic
	// +optional
	MatchOIDCIdentity []OCIMatchOIDCIdentityDefinition `json:"matchOidcIdentity,omitempty"`
}

// OCIMatchOIDCIdentityDefinition is one accepted keyless signing identity.
type OCIMatchOIDCIdentityDefinition struct {
	// issuer is a regular expression for the OIDC issuer.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +required
	Issuer string `json:"issuer"`

	// subject is a regular expression for the OIDC subject.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +required
	Subject string `json:"subject"`
}
