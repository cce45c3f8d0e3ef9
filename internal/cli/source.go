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

package cli

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// Source kinds as az names them, and as the API does.
var sourceKinds = map[string]string{
	"git": "GitRepository", "bucket": "Bucket", "azblob": "AzureBlob", "oci": "OCIRepository",
}

// bodyKeys are the API's source bodies, by API source kind.
var bodyKeys = map[string]string{
	"GitRepository": "gitRepository", "Bucket": "bucket", "AzureBlob": "azureBlob", "OCIRepository": "ociRepository",
}

// kindOf returns the az kind of an API source kind.
func kindOf(sourceKind string) string {
	for k, v := range sourceKinds {
		if v == sourceKind {
			return k
		}
	}
	return "git"
}

// flagKinds lists, for each flag that belongs to some source kinds only, those kinds.
var flagKinds = map[string][]string{
	"branch": {"git"}, "commit": {"git"}, "tag": {"git", "oci"}, "semver": {"git", "oci"}, "digest": {"oci"},
	"https-user": {"git"}, "https-key": {"git"}, "https-ca-cert": {"git"}, "https-ca-cert-file": {"git"},
	"ssh-private-key": {"git"}, "ssh-private-key-file": {"git"}, "known-hosts": {"git"}, "known-hosts-file": {"git"},
	"provider":    {"git"},
	"bucket-name": {"bucket"}, "bucket-access-key": {"bucket"}, "bucket-secret-key": {"bucket"}, "bucket-insecure": {"bucket"},
	"container-name": {"azblob"}, "account-key": {"azblob"}, "sas-token": {"azblob"}, "sp-client-id": {"azblob"},
	"sp-tenant-id": {"azblob"}, "sp-client-secret": {"azblob"}, "sp-client-cert": {"azblob"}, "sp-cert-password": {"azblob"},
	"sp-cert-send-chain": {"azblob"}, "mi-client-id": {"azblob"},
	"oci-media-type": {"oci"}, "oci-operation": {"oci"}, "oci-insecure": {"oci"}, "use-workload-identity": {"oci"},
	"service-account-name": {"oci"}, "tls-ca-certificate": {"oci"}, "tls-client-certificate": {"oci"}, "tls-private-key": {"oci"},
	"verification-provider": {"oci"}, "verification-config": {"oci"}, "match-oidc-identity": {"oci"},
}

// gitProviders maps the provider flag's values to the API's.
var gitProviders = map[string]string{"generic": "Generic", "azure": "Azure", "github": "GitHub"}

// sourceFlags are the flags of create and update.
type sourceFlags struct {
	fs *pflag.FlagSet

	scope, namespace, kind, url     string
	branch, tag, semver, commit     string
	digest, interval, timeout       string
	suspend                         bool
	localAuthRef                    string
	httpsUser, httpsKey             string
	httpsCACert, httpsCACertFile    string
	sshKey, sshKeyFile              string
	knownHosts, knownHostsFile      string
	provider                        string
	bucketName, bucketAccessKey     string
	bucketSecretKey                 string
	bucketInsecure                  bool
	containerName, accountKey       string
	sasToken, spClientID            string
	spTenantID, spClientSecret      string
	spClientCert, spCertPassword    string
	spCertSendChain                 bool
	miClientID                      string
	ociMediaType, ociOperation      string
	ociInsecure, useWorkloadID      bool
	serviceAccountName              string
	tlsCA, tlsCert, tlsKey          string
	verifyProvider                  string
	verifyConfig, matchOIDC         []string
	kustomizations, protectedParams []string
	waitForReconciliation           bool
	reconciliationWaitDuration      string
}

const secretHelp = " (secret: @FILE, or - for stdin)"

func (f *sourceFlags) addFlags(fs *pflag.FlagSet, create bool) {
	f.fs = fs
	if create {
		fs.StringVarP(&f.scope, "scope", "s", "", "permission scope of the applier: cluster or namespace (create-only; default cluster)")
		fs.StringVar(&f.namespace, "namespace", "", "namespace of the configuration and its objects (alias --ns; create-only; default default)")
		fs.StringVar(&f.kind, "kind", "git", "source kind: git, bucket, azblob or oci")
	} else {
		fs.StringVar(&f.kind, "kind", "", "source kind: git, bucket, azblob or oci; changing it replaces the source (give --url and its flags)")
	}
	fs.StringVarP(&f.url, "url", "u", "", "URL of the source")
	fs.StringVar(&f.interval, "interval", "", "time between reconciliations of the source, e.g. 10m (alias --sync-interval)")
	fs.StringVar(&f.timeout, "timeout", "", "maximum time to reconcile the source, e.g. 10m")
	fs.BoolVar(&f.suspend, "suspend", false, "suspend the reconciliation of the source and kustomizations")
	fs.StringVar(&f.localAuthRef, "local-auth-ref", "", "Secret in the configuration namespace, in Flux's format, to use instead of managed credentials (alias --local-ref)")
	fs.StringArrayVarP(&f.kustomizations, "kustomization", "k", nil, "a kustomization, as name=NAME path=PATH depends_on=A,B (or [A,B]) prune=BOOL force=BOOL wait=BOOL "+
		"disable_health_check=BOOL post_build=BOOL sync_interval=DUR retry_interval=DUR timeout=DUR (repeatable; post_build=true turns substitution on)")
	fs.StringArrayVar(&f.protectedParams, "protected-parameters", nil, "a protected setting, KEY=VALUE, sent base64-encoded (repeatable)"+secretHelp)
	fs.BoolVar(&f.waitForReconciliation, "wait-for-reconciliation", false, "keep provisioning Creating/Updating until the configuration is reconciled")
	fs.StringVar(&f.reconciliationWaitDuration, "reconciliation-wait-duration", "", "how long --wait-for-reconciliation waits, e.g. 30m")

	fs.StringVar(&f.branch, "branch", "", "git: branch to reconcile")
	fs.StringVar(&f.tag, "tag", "", "git, oci: tag to reconcile")
	fs.StringVar(&f.semver, "semver", "", "git, oci: semver range to reconcile")
	fs.StringVar(&f.commit, "commit", "", "git: commit to reconcile (may go with --branch)")
	fs.StringVar(&f.httpsUser, "https-user", "", "git: HTTPS user name")
	fs.StringVar(&f.httpsKey, "https-key", "", "git: HTTPS password or token"+secretHelp)
	fs.StringVar(&f.httpsCACert, "https-ca-cert", "", "git: base64 PEM CA certificate for HTTPS")
	fs.StringVar(&f.httpsCACertFile, "https-ca-cert-file", "", "git: file holding the PEM CA certificate for HTTPS")
	fs.StringVar(&f.sshKey, "ssh-private-key", "", "git: SSH private key; on the command line base64, as az takes it"+secretHelp)
	fs.StringVar(&f.sshKeyFile, "ssh-private-key-file", "", "git: file holding the SSH private key")
	fs.StringVar(&f.knownHosts, "known-hosts", "", "git: base64 known_hosts for SSH")
	fs.StringVar(&f.knownHostsFile, "known-hosts-file", "", "git: known_hosts file for SSH")
	fs.StringVar(&f.provider, "provider", "", "git: authentication provider: generic, azure or github")

	fs.StringVar(&f.bucketName, "bucket-name", "", "bucket: name of the S3 bucket")
	fs.StringVar(&f.bucketAccessKey, "bucket-access-key", "", "bucket: access key id")
	fs.StringVar(&f.bucketSecretKey, "bucket-secret-key", "", "bucket: secret key"+secretHelp)
	fs.BoolVar(&f.bucketInsecure, "bucket-insecure", false, "bucket: talk to the bucket without TLS")

	fs.StringVar(&f.containerName, "container-name", "", "azblob: container to sync")
	fs.StringVar(&f.accountKey, "account-key", "", "azblob: shared key"+secretHelp)
	fs.StringVar(&f.sasToken, "sas-token", "", "azblob: SAS token"+secretHelp)
	fs.StringVar(&f.spClientID, "sp-client-id", "", "azblob: service principal client id")
	fs.StringVar(&f.spTenantID, "sp-tenant-id", "", "azblob: service principal tenant id")
	fs.StringVar(&f.spClientSecret, "sp-client-secret", "", "azblob: service principal client secret"+secretHelp)
	fs.StringVar(&f.spClientCert, "sp-client-cert", "", "azblob: service principal client certificate; on the command line base64"+secretHelp)
	fs.StringVar(&f.spCertPassword, "sp-cert-password", "", "azblob: password of the client certificate"+secretHelp)
	fs.BoolVar(&f.spCertSendChain, "sp-cert-send-chain", false, "azblob: send the certificate chain (x5c) when acquiring a token")
	fs.StringVar(&f.miClientID, "mi-client-id", "", "azblob: managed identity client id")

	fs.StringVar(&f.digest, "digest", "", "oci: digest of the artifact (sha256:...)")
	fs.StringVar(&f.ociMediaType, "oci-media-type", "", "oci: media type of the layer to select")
	fs.StringVar(&f.ociOperation, "oci-operation", "", "oci: what to do with the selected layer: extract or copy")
	fs.BoolVar(&f.ociInsecure, "oci-insecure", false, "oci: allow a registry over plain HTTP")
	fs.BoolVar(&f.useWorkloadID, "use-workload-identity", false, "oci: authenticate with workload identity")
	fs.StringVar(&f.serviceAccountName, "service-account-name", "", "oci: ServiceAccount for registry authentication")
	fs.StringVar(&f.tlsCA, "tls-ca-certificate", "", "oci: PEM CA certificate of the registry; on the command line base64"+secretHelp)
	fs.StringVar(&f.tlsCert, "tls-client-certificate", "", "oci: PEM client certificate; on the command line base64"+secretHelp)
	fs.StringVar(&f.verifyProvider, "verification-provider", "", "oci: signature verification: cosign or notation")
	fs.StringArrayVar(&f.verifyConfig, "verification-config", nil, "oci: a trusted public key or notation trust file, KEY=@FILE (or KEY=BASE64) (repeatable)")
	fs.StringArrayVar(&f.matchOIDC, "match-oidc-identity", nil, `oci: a keyless signing identity to accept, as JSON {"issuer": REGEX, "subject": REGEX} (repeatable)`)
	fs.StringVar(&f.tlsKey, "tls-private-key", "", "oci: PEM private key of the client certificate; on the command line base64"+secretHelp)
}

func (f *sourceFlags) changed(name string) bool { return f.fs.Changed(name) }

// checkKind refuses flags that belong to another source kind than kind.
func (f *sourceFlags) checkKind(kind string) error {
	var wrong []string
	f.fs.Visit(func(fl *pflag.Flag) {
		if kinds, ok := flagKinds[fl.Name]; ok && !slices.Contains(kinds, kind) {
			wrong = append(wrong, fmt.Sprintf("--%s (for %s)", fl.Name, strings.Join(kinds, ", ")))
		}
	})
	if len(wrong) > 0 {
		sort.Strings(wrong)
		return fmt.Errorf("the source kind is %s, but %s belong to another kind; drop them, or pass --kind", kind, strings.Join(wrong, ", "))
	}
	return nil
}

// properties builds the properties a create or update sends. With patch, a repository
// reference is replaced as a whole (the fields not given are sent as null) and only the
// flags given appear; kind is the az kind in effect.
func (f *sourceFlags) properties(kind string, patch bool, secrets *secretReader) (map[string]any, error) {
	if err := f.checkKind(kind); err != nil {
		return nil, err
	}
	props := map[string]any{}
	setIfChanged(props, "scope", f.scope, f.changed("scope"))
	setIfChanged(props, "namespace", f.namespace, f.changed("namespace"))
	setIfChanged(props, "suspend", f.suspend, f.changed("suspend"))
	setIfChanged(props, "waitForReconciliation", f.waitForReconciliation, f.changed("wait-for-reconciliation"))
	setIfChanged(props, "reconciliationWaitDuration", f.reconciliationWaitDuration, f.changed("reconciliation-wait-duration"))

	protected := map[string]any{}
	body, err := f.body(kind, patch, secrets, protected)
	if err != nil {
		return nil, err
	}
	if len(body) > 0 {
		props[bodyKeys[sourceKinds[kind]]] = body
	}
	if err := f.protectedSettings(secrets, protected); err != nil {
		return nil, err
	}
	if len(protected) > 0 {
		props["configurationProtectedSettings"] = protected
	}
	ks, err := parseKustomizations(f.kustomizations)
	if err != nil {
		return nil, err
	}
	if len(ks) > 0 {
		props["kustomizations"] = ks
	}
	return props, nil
}

// body builds the source body of kind from the flags given.
func (f *sourceFlags) body(kind string, patch bool, secrets *secretReader, protected map[string]any) (map[string]any, error) {
	b := map[string]any{}
	setIfChanged(b, "url", f.url, f.changed("url"))
	setIfChanged(b, "localAuthRef", f.localAuthRef, f.changed("local-auth-ref"))
	for flag, key := range map[string]string{"interval": "syncIntervalInSeconds", "timeout": "timeoutInSeconds"} {
		if f.changed(flag) {
			s, err := parseSeconds("--"+flag, f.fs.Lookup(flag).Value.String())
			if err != nil {
				return nil, err
			}
			b[key] = s
		}
	}
	var err error
	switch kind {
	case "git":
		err = f.gitBody(b, patch, secrets, protected)
	case "bucket":
		err = f.bucketBody(b, secrets, protected)
	case "azblob":
		err = f.blobBody(b, secrets)
	case "oci":
		err = f.ociBody(b, patch, secrets)
	default:
		return nil, fmt.Errorf("--kind %q: use git, bucket, azblob or oci", kind)
	}
	return b, err
}

func (f *sourceFlags) gitBody(b map[string]any, patch bool, secrets *secretReader, protected map[string]any) error {
	f.ref(b, patch, "branch", "tag", "semver", "commit")
	setIfChanged(b, "httpsUser", f.httpsUser, f.changed("https-user"))
	if f.changed("provider") {
		p, ok := gitProviders[strings.ToLower(f.provider)]
		if !ok {
			return fmt.Errorf("--provider %q: use generic, azure or github", f.provider)
		}
		b["provider"] = p
	}
	if err := fileOrBase64(b, "httpsCACert", "https-ca-cert", f.httpsCACert, "https-ca-cert-file", f.httpsCACertFile, f.fs); err != nil {
		return err
	}
	if err := fileOrBase64(b, "sshKnownHosts", "known-hosts", f.knownHosts, "known-hosts-file", f.knownHostsFile, f.fs); err != nil {
		return err
	}
	if f.changed("https-key") {
		v, err := secrets.read("https-key", f.httpsKey)
		if err != nil {
			return err
		}
		protected["httpsKey"] = v.encodeText()
	}
	switch {
	case f.changed("ssh-private-key") && f.changed("ssh-private-key-file"):
		return fmt.Errorf("give --ssh-private-key or --ssh-private-key-file, not both")
	case f.changed("ssh-private-key"):
		v, err := secrets.read("ssh-private-key", f.sshKey)
		if err != nil {
			return err
		}
		enc, err := v.base64("ssh-private-key", true)
		if err != nil {
			return err
		}
		protected["sshPrivateKey"] = enc
	case f.changed("ssh-private-key-file"):
		v, err := secrets.readFile("ssh-private-key-file", f.sshKeyFile)
		if err != nil {
			return err
		}
		protected["sshPrivateKey"] = base64.StdEncoding.EncodeToString(v.raw)
	}
	return nil
}

func (f *sourceFlags) bucketBody(b map[string]any, secrets *secretReader, protected map[string]any) error {
	setIfChanged(b, "bucketName", f.bucketName, f.changed("bucket-name"))
	setIfChanged(b, "accessKey", f.bucketAccessKey, f.changed("bucket-access-key"))
	setIfChanged(b, "insecure", f.bucketInsecure, f.changed("bucket-insecure"))
	if f.changed("bucket-secret-key") {
		v, err := secrets.read("bucket-secret-key", f.bucketSecretKey)
		if err != nil {
			return err
		}
		protected["bucketSecretKey"] = v.encodeText()
	}
	return nil
}

func (f *sourceFlags) blobBody(b map[string]any, secrets *secretReader) error {
	setIfChanged(b, "containerName", f.containerName, f.changed("container-name"))
	if err := f.readSecretFlags(b, secrets, map[string]string{"account-key": "accountKey", "sas-token": "sasToken"}, secretText); err != nil {
		return err
	}
	sp := map[string]any{}
	setIfChanged(sp, "clientId", f.spClientID, f.changed("sp-client-id"))
	setIfChanged(sp, "tenantId", f.spTenantID, f.changed("sp-tenant-id"))
	setIfChanged(sp, "clientCertificateSendChain", f.spCertSendChain, f.changed("sp-cert-send-chain"))
	if err := f.readSecretFlags(sp, secrets, map[string]string{"sp-client-secret": "clientSecret", "sp-cert-password": "clientCertificatePassword"}, secretText); err != nil {
		return err
	}
	if f.changed("sp-client-cert") {
		v, err := secrets.read("sp-client-cert", f.spClientCert)
		if err != nil {
			return err
		}
		if sp["clientCertificate"], err = v.base64("sp-client-cert", true); err != nil {
			return err
		}
	}
	if len(sp) > 0 {
		b["servicePrincipal"] = sp
	}
	if f.changed("mi-client-id") {
		b["managedIdentity"] = map[string]any{"clientId": f.miClientID}
	}
	return nil
}

func (f *sourceFlags) ociBody(b map[string]any, patch bool, secrets *secretReader) error {
	f.ref(b, patch, "tag", "semver", "digest")
	layer := map[string]any{}
	setIfChanged(layer, "mediaType", f.ociMediaType, f.changed("oci-media-type"))
	if f.changed("oci-operation") {
		if f.ociOperation != "extract" && f.ociOperation != "copy" {
			return fmt.Errorf("--oci-operation %q: use extract or copy", f.ociOperation)
		}
		layer["operation"] = f.ociOperation
	}
	if len(layer) > 0 {
		b["layerSelector"] = layer
	}
	setIfChanged(b, "insecure", f.ociInsecure, f.changed("oci-insecure"))
	setIfChanged(b, "useWorkloadIdentity", f.useWorkloadID, f.changed("use-workload-identity"))
	setIfChanged(b, "serviceAccountName", f.serviceAccountName, f.changed("service-account-name"))
	tls := map[string]any{}
	tlsFlags := map[string]string{"tls-ca-certificate": "caCertificate", "tls-client-certificate": "clientCertificate", "tls-private-key": "privateKey"}
	if err := f.readSecretFlags(tls, secrets, tlsFlags, secretBase64); err != nil {
		return err
	}
	if len(tls) > 0 {
		b["tlsConfig"] = tls
	}
	return f.verify(b)
}

// verify sets the OCI signature verification from its flags.
func (f *sourceFlags) verify(b map[string]any) error {
	v := map[string]any{}
	if f.changed("verification-provider") {
		if f.verifyProvider != "cosign" && f.verifyProvider != "notation" {
			return fmt.Errorf("--verification-provider %q: use cosign or notation", f.verifyProvider)
		}
		v["provider"] = f.verifyProvider
	}
	if len(f.verifyConfig) > 0 {
		config := map[string]any{}
		for _, kv := range f.verifyConfig {
			key, value, ok := strings.Cut(kv, "=")
			if !ok || key == "" || value == "" {
				return fmt.Errorf("--verification-config %q: use KEY=@FILE or KEY=BASE64", kv)
			}
			if path, isFile := strings.CutPrefix(value, "@"); isFile {
				data, err := os.ReadFile(path)
				if err != nil {
					return fmt.Errorf("--verification-config %s: %w", key, err)
				}
				value = base64.StdEncoding.EncodeToString(data)
			} else if _, err := base64.StdEncoding.DecodeString(value); err != nil {
				return fmt.Errorf("--verification-config %s: the value must be base64; give the file as %s=@FILE", key, key)
			}
			config[key] = value
		}
		v["verificationConfig"] = config
	}
	if len(f.matchOIDC) > 0 {
		var ids []any
		for _, js := range f.matchOIDC {
			var id struct {
				Issuer  string `json:"issuer"`
				Subject string `json:"subject"`
			}
			if err := dpv1.DecodeStrict([]byte(js), &id); err != nil || id.Issuer == "" || id.Subject == "" {
				return fmt.Errorf(`--match-oidc-identity %q: use {"issuer": "REGEX", "subject": "REGEX"}`, js)
			}
			ids = append(ids, map[string]any{"issuer": id.Issuer, "subject": id.Subject})
		}
		v["matchOidcIdentity"] = ids
	}
	if len(v) > 0 {
		b["verify"] = v
	}
	return nil
}

// ref sets the repository reference from the flags named. In a patch the reference is
// replaced: fields not given are sent as null, so an old tag cannot outrank a new branch.
func (f *sourceFlags) ref(b map[string]any, patch bool, names ...string) {
	ref := map[string]any{}
	given := false
	for _, n := range names {
		if f.changed(n) {
			ref[n] = f.fs.Lookup(n).Value.String()
			given = true
		} else if patch {
			ref[n] = nil
		}
	}
	if given {
		b["repositoryRef"] = ref
	}
}

// protectedSettings adds the --protected-parameters values, base64-encoded.
func (f *sourceFlags) protectedSettings(secrets *secretReader, protected map[string]any) error {
	for _, kv := range f.protectedParams {
		key, value, ok := strings.Cut(kv, "=")
		if !ok || key == "" {
			// Not echoed: without its KEY= the argument may be the secret itself.
			return errors.New("--protected-parameters: a value has no KEY=; use KEY=@FILE, KEY=- (stdin) or KEY=VALUE")
		}
		if _, dup := protected[key]; dup {
			return fmt.Errorf("--protected-parameters: %s is given twice (or also by its own flag)", key)
		}
		v, err := secrets.read("protected-parameters "+key, value)
		if err != nil {
			return err
		}
		protected[key] = base64.StdEncoding.EncodeToString(v.singleLineTrimmed())
	}
	return nil
}

// singleLineTrimmed drops the trailing newline of a one-line value (a token from echo or a
// file) and keeps multi-line values (PEM keys, which must end with a newline) as they are.
func (v secret) singleLineTrimmed() []byte {
	t := strings.TrimRight(string(v.raw), "\r\n")
	if !strings.Contains(t, "\n") {
		return []byte(t)
	}
	return v.raw
}

// fileOrBase64 sets key from a base64 flag or a file flag.
func fileOrBase64(b map[string]any, key, b64Flag, b64Value, fileFlag, path string, fs *pflag.FlagSet) error {
	switch {
	case fs.Changed(b64Flag) && fs.Changed(fileFlag):
		return fmt.Errorf("give --%s or --%s, not both", b64Flag, fileFlag)
	case fs.Changed(b64Flag):
		if _, err := base64.StdEncoding.DecodeString(b64Value); err != nil {
			return fmt.Errorf("--%s must be base64; give the file with --%s instead", b64Flag, fileFlag)
		}
		b[key] = b64Value
	case fs.Changed(fileFlag):
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("--%s: %w", fileFlag, err)
		}
		b[key] = base64.StdEncoding.EncodeToString(data)
	}
	return nil
}

// readSecretFlags reads each secret flag given of keys (flag to key) into m under its key,
// encoded by encode.
func (f *sourceFlags) readSecretFlags(m map[string]any, secrets *secretReader, keys map[string]string, encode func(flag string, v secret) (string, error)) error {
	for flag, key := range keys {
		if !f.changed(flag) {
			continue
		}
		v, err := secrets.read(flag, f.fs.Lookup(flag).Value.String())
		if err != nil {
			return err
		}
		if m[key], err = encode(flag, v); err != nil {
			return err
		}
	}
	return nil
}

// secretText and secretBase64 encode a secret flag's value for readSecretFlags.
func secretText(_ string, v secret) (string, error)      { return v.text(), nil }
func secretBase64(flag string, v secret) (string, error) { return v.base64(flag, true) }

// setIfChanged sets m[key] to value when its flag was given.
func setIfChanged[T any](m map[string]any, key string, value T, changed bool) {
	if changed {
		m[key] = value
	}
}

// parseSeconds reads a Go duration such as 10m or 1h30m as whole seconds, as az does.
func parseSeconds(flag, value string) (int64, error) {
	d, err := time.ParseDuration(value)
	if err != nil || d <= 0 || d%time.Second != 0 {
		if n, nerr := strconv.ParseInt(value, 10, 64); nerr == nil && n > 0 {
			return 0, fmt.Errorf("%s %q: give a unit, e.g. %ds or %dm", flag, value, n, n)
		}
		return 0, fmt.Errorf("%s %q: give a positive duration in whole seconds, e.g. 30s, 10m or 1h30m", flag, value)
	}
	return int64(d / time.Second), nil
}
