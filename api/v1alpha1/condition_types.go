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

// Condition types, as kstatus reads them.
const (
	// ReadyCondition is True when every rendered object is applied.
	ReadyCondition = "Ready"
	// ReconcilingCondition is True while the controller is working towards the spec.
	ReconcilingCondition = "Reconciling"
	// StalledCondition is True when the spec cannot be reconciled until it is changed.
	StalledCondition = "Stalled"
	// SSHKeyRegeneratedCondition is True once the generated SSH key was replaced because
	// spec.gitRepository.sshKeyAlgorithm changed: the new public key must be registered.
	SSHKeyRegeneratedCondition = "SSHKeyRegenerated"
)

// Condition reasons. Event reasons are the same strings.
const (
	// ReconciliationSucceededReason: every rendered object was applied.
	ReconciliationSucceededReason = "ReconciliationSucceeded"
	// ProgressingReason: the controller is applying a new generation.
	ProgressingReason = "Progressing"
	// InvalidSpecReason: the spec is rejected; the message says which field and why.
	InvalidSpecReason = "InvalidSpec"
	// SecretNotFoundReason: a referenced Secret is missing or lacks a key.
	SecretNotFoundReason = "SecretNotFound"
	// ScopeConflictReason: the config's scope differs from the scope its namespace's
	// earlier configs hold; the later arrival is refused, so no tenant is escalated.
	ScopeConflictReason = "ScopeConflict"
	// ProtectedNamespaceReason: the config lives in a namespace no FluxConfig may use.
	ProtectedNamespaceReason = "ProtectedNamespace"
	// CRDNotInstalledReason: a Flux kind the config needs is not served by the API server.
	CRDNotInstalledReason = "CRDNotInstalled"
	// AlgorithmChangedReason: spec.gitRepository.sshKeyAlgorithm changed, so the generated
	// SSH key was replaced by one of the new algorithm.
	AlgorithmChangedReason = "AlgorithmChanged"
	// ApplyFailedReason: the API server refused an apply.
	ApplyFailedReason = "ApplyFailed"
	// PruneFailedReason: an object that is no longer rendered could not be deleted.
	PruneFailedReason = "PruneFailed"
	// SuspendedReason: spec.suspend is true.
	SuspendedReason = "Suspended"
	// ForeignObjectReason: an object the config would write exists and is not managed by it.
	ForeignObjectReason = "ForeignObject"
	// NotCompliantReason: a Flux object of the config failed; the message names it.
	NotCompliantReason = "NotCompliant"
	// DeletingReason: the config is being deleted and waits for Flux to finish.
	DeletingReason = "Deleting"
)

// Keys of the protected-parameters Secret. Values are plain secrets: the agent decodes the
// base64 the endpoint carries; kubectl users write them with stringData.
const (
	ProtectedSSHPrivateKey             = "sshPrivateKey"
	ProtectedHTTPSKey                  = "httpsKey"
	ProtectedBucketSecretKey           = "bucketSecretKey"
	ProtectedAccountKey                = "accountKey"
	ProtectedSASToken                  = "sasToken"
	ProtectedClientSecret              = "clientSecret"
	ProtectedClientCertificate         = "clientCertificate"
	ProtectedClientCertificatePassword = "clientCertificatePassword"
	ProtectedTLSClientCertificate      = "tlsClientCertificate"
	ProtectedTLSPrivateKey             = "tlsPrivateKey"
	ProtectedTLSCACertificate          = "tlsCaCertificate"
	// A GitHub App, for gitRepository.provider GitHub, under Flux's own key names: the app ID
	// and private key, one of the installation ID or owner, and the base URL of a GitHub
	// Enterprise Server.
	ProtectedGitHubAppID                = "githubAppID"
	ProtectedGitHubAppInstallationID    = "githubAppInstallationID"
	ProtectedGitHubAppInstallationOwner = "githubAppInstallationOwner"
	ProtectedGitHubAppPrivateKey        = "githubAppPrivateKey"
	ProtectedGitHubAppBaseURL           = "githubAppBaseURL"
)
