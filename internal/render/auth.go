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

package render

import (
	"encoding/base64"
	"encoding/pem"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/sshkey"
)

// githubAppKeys are the protected parameters of a GitHub App, passed through as they are.
var githubAppKeys = []string{v1alpha1.ProtectedGitHubAppID, v1alpha1.ProtectedGitHubAppInstallationID,
	v1alpha1.ProtectedGitHubAppInstallationOwner, v1alpha1.ProtectedGitHubAppPrivateKey, v1alpha1.ProtectedGitHubAppBaseURL}

// authResult is the rendered credentials of a source and how the source refers to them.
type authResult struct {
	secrets         []client.Object
	secretRef       string
	certSecretRef   string
	verifySecretRef string
	publicKey       string
}

// withSecret puts data into the config's own auth Secret and points the source at it.
func (r authResult) withSecret(fc *v1alpha1.FluxConfig, data map[string][]byte, annotations map[string]string) authResult {
	r.secrets = []client.Object{authSecret(fc, AuthSecretName(fc.Name), data, annotations)}
	r.secretRef = AuthSecretName(fc.Name)
	return r
}

// protected reads the protected parameters; a missing or empty key reads as absent.
type protected map[string][]byte

func (p protected) has(key string) bool { return len(p[key]) > 0 }

func protectedField(key string) string {
	return "spec.protectedParametersSecretRef[" + key + "]"
}

func renderAuth(fc *v1alpha1.FluxConfig, in Inputs, opts Options) (authResult, error) {
	t, ok := sourceTypes[fc.SourceKind()]
	if !ok {
		return authResult{}, invalid("spec.sourceKind", "unknown source kind %q", fc.SourceKind())
	}
	return t.auth(fc, protected(in.ProtectedParameters), in, opts)
}

// IsSSHURL says whether a Git URL is reached over SSH.
func IsSSHURL(url string) bool {
	return strings.HasPrefix(url, "ssh://") || strings.HasPrefix(url, "git@")
}

// NeedsGeneratedSSHKey says whether the source authenticates with a key the controller must
// generate and keep: an SSH Git URL with no user key and no secret of the user's own.
func NeedsGeneratedSSHKey(fc *v1alpha1.FluxConfig, params map[string][]byte) bool {
	g := fc.Spec.GitRepository
	return fc.SourceKind() == v1alpha1.SourceKindGitRepository && g != nil && IsSSHURL(g.URL) &&
		g.LocalAuthRef == "" && !protected(params).has(v1alpha1.ProtectedSSHPrivateKey)
}

// GeneratedKeyAlgorithm is the algorithm of the SSH key generated for fc: the spec's
// sshKeyAlgorithm, else RSA-4096 for Azure DevOps, which accepts only RSA keys, else Ed25519.
func GeneratedKeyAlgorithm(fc *v1alpha1.FluxConfig) string {
	g := fc.Spec.GitRepository
	switch {
	case g == nil:
		return sshkey.Ed25519
	case g.SSHKeyAlgorithm != "":
		return g.SSHKeyAlgorithm
	case slices.Contains([]string{"ssh.dev.azure.com", "vs-ssh.visualstudio.com"}, sshHost(g.URL)):
		return sshkey.RSA4096
	}
	return sshkey.Ed25519
}

// sshHost is the host of ssh://[user@]host[:port]/path or [user@]host:path.
func sshHost(url string) string {
	rest := strings.TrimPrefix(url, "ssh://")
	rest, _, _ = strings.Cut(rest, "/")
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[i+1:]
	}
	host, _, _ := strings.Cut(rest, ":")
	return host
}

// KeptKeyDataKey holds, in the auth Secret, the generated SSH key while the source does not
// use it. Flux reads no such key.
const KeptKeyDataKey = "fluxconfig-generated-identity"

// GeneratedKeyOf returns the generated SSH key an auth Secret holds, in use or kept, or nil.
func GeneratedKeyOf(secret *corev1.Secret) []byte {
	if secret.Annotations[v1alpha1.GeneratedKeyAnnotation] != "true" {
		return nil
	}
	if key := secret.Data[KeptKeyDataKey]; len(key) > 0 {
		return key
	}
	return secret.Data["identity"]
}

// keepUnusedKey stores a generated key the source no longer uses in the auth Secret, which it
// renders when the source needs none, unless the user's localAuthRef takes that name.
func keepUnusedKey(fc *v1alpha1.FluxConfig, auth *authResult, key []byte) {
	if len(key) == 0 {
		return
	}
	for _, o := range auth.secrets {
		if s := o.(*corev1.Secret); s.Name == AuthSecretName(fc.Name) {
			s.Data[KeptKeyDataKey] = key
			if s.Annotations == nil {
				s.Annotations = map[string]string{}
			}
			s.Annotations[v1alpha1.GeneratedKeyAnnotation] = "true"
			return
		}
	}
	if fc.LocalAuthRef() == AuthSecretName(fc.Name) {
		return
	}
	auth.secrets = append(auth.secrets, authSecret(fc, AuthSecretName(fc.Name),
		map[string][]byte{KeptKeyDataKey: key}, map[string]string{v1alpha1.GeneratedKeyAnnotation: "true"}))
}

// noteRegeneratedKey records on the auth Secret why its generated key replaced another.
func noteRegeneratedKey(fc *v1alpha1.FluxConfig, auth *authResult, note string) {
	if note == "" {
		return
	}
	for _, o := range auth.secrets {
		if o.GetName() == AuthSecretName(fc.Name) && o.GetAnnotations()[v1alpha1.GeneratedKeyAnnotation] == "true" {
			o.GetAnnotations()[v1alpha1.KeyRegeneratedAnnotation] = note
		}
	}
}

func gitAuth(fc *v1alpha1.FluxConfig, p protected, generatedKey, defaultKnownHosts []byte) (authResult, error) {
	g := fc.Spec.GitRepository
	if g.LocalAuthRef != "" {
		return authResult{secretRef: g.LocalAuthRef}, nil
	}
	data := map[string][]byte{}
	var res authResult
	annotations := map[string]string{}
	if IsSSHURL(g.URL) {
		key, generated := p[v1alpha1.ProtectedSSHPrivateKey], false
		if len(key) == 0 {
			key, generated = generatedKey, true
		}
		pub, err := sshkey.PublicKey(key)
		if err != nil {
			if generated {
				return authResult{}, invalid("Secret "+AuthSecretName(fc.Name),
					"the SSH key generated for this config cannot be read (%v); delete the Secret to generate a new key", err)
			}
			return authResult{}, invalid(protectedField(v1alpha1.ProtectedSSHPrivateKey), "%v", err)
		}
		knownHosts := defaultKnownHosts
		if len(g.SSHKnownHosts) > 0 {
			if err := sshkey.CheckKnownHosts(g.SSHKnownHosts); err != nil {
				return authResult{}, invalid("spec.gitRepository.sshKnownHosts", "not a known_hosts file: %v", err)
			}
			knownHosts = g.SSHKnownHosts
		}
		data["identity"], data["identity.pub"], data["known_hosts"] = key, []byte(pub+"\n"), knownHosts
		res.publicKey = pub
		if generated {
			annotations[v1alpha1.GeneratedKeyAnnotation] = "true"
		}
	} else {
		if err := httpsAuth(g, p, data); err != nil {
			return authResult{}, err
		}
	}
	if g.Provider == v1alpha1.GitProviderGitHub {
		if err := checkGitHubApp(p); err != nil {
			return authResult{}, err
		}
		for _, k := range githubAppKeys {
			if p.has(k) {
				data[k] = p[k]
			}
		}
	}
	if len(data) > 0 {
		res = res.withSecret(fc, data, annotations)
	}
	return res, nil
}

// checkGitHubApp refuses the GitHub App parameters source-controller would refuse, when it
// first fetches: the app ID and private key, and one of the installation ID or owner.
func checkGitHubApp(p protected) error {
	const how = "gitRepository.provider GitHub authenticates as a GitHub App: give the protected parameters " +
		"githubAppID, githubAppPrivateKey and one of githubAppInstallationID or githubAppInstallationOwner " +
		"(githubAppBaseURL for GitHub Enterprise Server), or a localAuthRef Secret holding them"
	for _, k := range []string{v1alpha1.ProtectedGitHubAppID, v1alpha1.ProtectedGitHubAppPrivateKey} {
		if !p.has(k) {
			return invalid(protectedField(k), "%s is missing; %s", k, how)
		}
	}
	if p.has(v1alpha1.ProtectedGitHubAppInstallationID) == p.has(v1alpha1.ProtectedGitHubAppInstallationOwner) {
		return invalid(protectedField(v1alpha1.ProtectedGitHubAppInstallationID), "give exactly one of githubAppInstallationID or githubAppInstallationOwner; %s", how)
	}
	if block, _ := pem.Decode(p[v1alpha1.ProtectedGitHubAppPrivateKey]); block == nil {
		return invalid(protectedField(v1alpha1.ProtectedGitHubAppPrivateKey), "not a PEM-encoded private key (the .pem file GitHub gives for the app)")
	}
	return nil
}

func httpsAuth(g *v1alpha1.GitRepositoryDefinition, p protected, data map[string][]byte) error {
	switch {
	case g.HTTPSUser != "" && !p.has(v1alpha1.ProtectedHTTPSKey):
		return invalid(protectedField(v1alpha1.ProtectedHTTPSKey),
			"spec.gitRepository.httpsUser is set but the protected parameter httpsKey (its password or token) is missing")
	case g.HTTPSUser == "" && p.has(v1alpha1.ProtectedHTTPSKey):
		return invalid("spec.gitRepository.httpsUser",
			"the protected parameter httpsKey needs a user name; set httpsUser (token-based hosts accept any name)")
	case g.HTTPSUser != "":
		data["username"], data["password"] = []byte(g.HTTPSUser), p[v1alpha1.ProtectedHTTPSKey]
	}
	if len(g.HTTPSCACert) > 0 {
		data["ca.crt"] = g.HTTPSCACert
	}
	return nil
}

func bucketAuth(fc *v1alpha1.FluxConfig, p protected) (authResult, error) {
	b := fc.Spec.Bucket
	switch {
	case b.LocalAuthRef != "":
		return authResult{secretRef: b.LocalAuthRef}, nil
	case b.AccessKey != "" && !p.has(v1alpha1.ProtectedBucketSecretKey):
		return authResult{}, invalid(protectedField(v1alpha1.ProtectedBucketSecretKey),
			"spec.bucket.accessKey is set but the protected parameter bucketSecretKey is missing")
	case b.AccessKey == "" && p.has(v1alpha1.ProtectedBucketSecretKey):
		return authResult{}, invalid("spec.bucket.accessKey", "the protected parameter bucketSecretKey needs accessKey; set it")
	case b.AccessKey == "":
		return authResult{}, nil
	}
	data := map[string][]byte{"accesskey": []byte(b.AccessKey), "secretkey": p[v1alpha1.ProtectedBucketSecretKey]}
	return authResult{}.withSecret(fc, data, nil), nil
}

func azureBlobAuth(fc *v1alpha1.FluxConfig, p protected) (authResult, error) {
	b := fc.Spec.AzureBlob
	if b.LocalAuthRef != "" {
		return authResult{secretRef: b.LocalAuthRef}, nil
	}
	data := map[string][]byte{}
	methods := 0
	if sp := b.ServicePrincipal; sp != nil {
		methods++
		data["tenantId"], data["clientId"] = []byte(sp.TenantID), []byte(sp.ClientID)
		hasSecret, hasCert := p.has(v1alpha1.ProtectedClientSecret), p.has(v1alpha1.ProtectedClientCertificate)
		switch {
		case hasSecret == hasCert:
			return authResult{}, invalid("spec.azureBlob.servicePrincipal",
				"give exactly one of the protected parameters clientSecret or clientCertificate")
		case hasSecret:
			data["clientSecret"] = p[v1alpha1.ProtectedClientSecret]
		default:
			data["clientCertificate"] = p[v1alpha1.ProtectedClientCertificate]
			if p.has(v1alpha1.ProtectedClientCertificatePassword) {
				data["clientCertificatePassword"] = p[v1alpha1.ProtectedClientCertificatePassword]
			}
			if sp.ClientCertificateSendChain {
				data["clientCertificateSendChain"] = []byte("true")
			}
		}
	}
	if mi := b.ManagedIdentity; mi != nil {
		methods++
		data["clientId"] = []byte(mi.ClientID)
	}
	if p.has(v1alpha1.ProtectedAccountKey) {
		methods++
		data["accountKey"] = p[v1alpha1.ProtectedAccountKey]
	}
	if p.has(v1alpha1.ProtectedSASToken) {
		methods++
		data["sasKey"] = []byte(strings.TrimPrefix(string(p[v1alpha1.ProtectedSASToken]), "?"))
	}
	if methods > 1 {
		return authResult{}, invalid("spec.azureBlob",
			"use one authentication method: servicePrincipal, managedIdentity, or the protected parameter accountKey or sasToken")
	}
	if len(data) == 0 {
		return authResult{}, nil // workload identity of source-controller
	}
	return authResult{}.withSecret(fc, data, nil), nil
}

func ociAuth(fc *v1alpha1.FluxConfig, p protected) (authResult, error) {
	o := fc.Spec.OCIRepository
	res := authResult{secretRef: o.LocalAuthRef}
	tls := map[string][]byte{}
	for key, fluxKey := range map[string]string{
		v1alpha1.ProtectedTLSClientCertificate: "tls.crt",
		v1alpha1.ProtectedTLSPrivateKey:        "tls.key",
		v1alpha1.ProtectedTLSCACertificate:     "ca.crt",
	} {
		if p.has(key) {
			tls[fluxKey] = p[key]
		}
	}
	if (tls["tls.crt"] == nil) != (tls["tls.key"] == nil) {
		return authResult{}, invalid(protectedField(v1alpha1.ProtectedTLSPrivateKey),
			"tlsClientCertificate and tlsPrivateKey must be given together")
	}
	if len(tls) > 0 {
		res.secrets = append(res.secrets, authSecret(fc, AuthSecretName(fc.Name), tls, nil))
		res.certSecretRef = AuthSecretName(fc.Name)
	}
	if v := o.Verify; v != nil && len(v.VerificationConfig) > 0 {
		keys := map[string][]byte{}
		for name, value := range v.VerificationConfig {
			decoded, err := base64.StdEncoding.DecodeString(value)
			if err != nil {
				return authResult{}, invalid("spec.ociRepository.verify.verificationConfig["+name+"]", "is not base64")
			}
			keys[name] = decoded
		}
		name := fc.Name + "-verify"
		res.secrets = append(res.secrets, authSecret(fc, name, keys, nil))
		res.verifySecretRef = name
	}
	return res, nil
}

func authSecret(fc *v1alpha1.FluxConfig, name string, data map[string][]byte, annotations map[string]string) *corev1.Secret {
	if len(annotations) == 0 {
		annotations = nil
	}
	return &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: fc.Namespace,
			Labels: Labels(fc.Namespace, fc.Name), Annotations: annotations,
		},
		Type: corev1.SecretTypeOpaque,
		Data: data,
	}
}
