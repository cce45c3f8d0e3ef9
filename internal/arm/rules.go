/*
Copyright 2026 The fluxconfig Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package arm

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

func git(e *errs, g *dpv1.GitRepositoryDefinition) {
	const f = "properties.gitRepository."
	url(e, f+"url", g.URL)
	isHTTP := strings.HasPrefix(g.URL, "http://") || strings.HasPrefix(g.URL, "https://")
	isSSH := strings.HasPrefix(g.URL, "ssh://") || strings.HasPrefix(g.URL, "git@")
	e.check(isHTTP || isSSH, f+"url", "must start with https://, http://, ssh:// or git@")
	interval(e, f+"syncIntervalInSeconds", g.SyncIntervalInSeconds)
	interval(e, f+"timeoutInSeconds", g.TimeoutInSeconds)
	if r := g.RepositoryRef; r != nil {
		n := count(r.Branch != "", r.Tag != "", r.Semver != "", r.Commit != "")
		e.check(n == 1 || (n == 2 && r.Branch != "" && r.Commit != ""), f+"repositoryRef",
			"set exactly one of branch, tag, semver or commit (commit may be combined with branch)")
		if r.Commit != "" {
			e.check(commitSHA.MatchString(r.Commit), f+"repositoryRef.commit", "must be a full 40 or 64 character lowercase hex SHA")
		}
		for field, v := range map[string]string{"branch": r.Branch, "tag": r.Tag, "semver": r.Semver} {
			e.check(len(v) <= 255, f+"repositoryRef."+field, "must be at most 255 characters")
		}
	}
	e.check(g.HTTPSUser == "" || isHTTP, f+"httpsUser", "is only used with an http:// or https:// url; remove it or change the url")
	e.check(g.HTTPSCACert == "" || strings.HasPrefix(g.URL, "https://"), f+"httpsCACert", "is only used with an https:// url; remove it or change the url")
	e.check(g.SSHKnownHosts == "" || isSSH, f+"sshKnownHosts", "is only used with an ssh:// or git@ url; remove it or change the url")
	e.check(g.LocalAuthRef == "" || g.HTTPSUser == "", f+"httpsUser", "has no effect with localAuthRef: put username and password into the localAuthRef Secret and remove httpsUser")
	e.check(len(g.HTTPSUser) <= 256, f+"httpsUser", "must be at most 256 characters")
	base64Field(e, f+"sshKnownHosts", g.SSHKnownHosts, 65536)
	base64Field(e, f+"httpsCACert", g.HTTPSCACert, 65536)
	localAuthRef(e, f+"localAuthRef", g.LocalAuthRef)
	if g.Provider != "" {
		e.check(slices.Contains([]string{"Generic", "Azure", "GitHub"}, g.Provider), f+"provider", "must be Generic, Azure or GitHub")
	}
}

func bucket(e *errs, b *dpv1.BucketDefinition) {
	const f = "properties.bucket."
	url(e, f+"url", b.URL)
	e.check(bucketURL.MatchString(b.URL), f+"url", "must be http:// or https:// followed by a host and optional port, without a path")
	e.check(b.BucketName != "" && len(b.BucketName) <= 63 && subdomain.MatchString(b.BucketName), f+"bucketName",
		"is required: 1 to 63 lowercase letters, digits, '-' and '.'")
	if b.Insecure != nil {
		e.check(*b.Insecure == strings.HasPrefix(b.URL, "http://"), f+"insecure", "must be true for an http:// url and false for an https:// url")
	}
	interval(e, f+"syncIntervalInSeconds", b.SyncIntervalInSeconds)
	interval(e, f+"timeoutInSeconds", b.TimeoutInSeconds)
	e.check(b.LocalAuthRef == "" || b.AccessKey == "", f+"accessKey", "has no effect with localAuthRef: put accesskey and secretkey into the localAuthRef Secret and remove accessKey")
	e.check(len(b.AccessKey) <= 256, f+"accessKey", "must be at most 256 characters")
	localAuthRef(e, f+"localAuthRef", b.LocalAuthRef)
}

func azureBlob(e *errs, a *dpv1.AzureBlobDefinition) {
	const f = "properties.azureBlob."
	url(e, f+"url", a.URL)
	e.check(strings.HasPrefix(a.URL, "https://") || strings.HasPrefix(a.URL, "http://"), f+"url", "must start with https:// or http://")
	e.check(len(a.ContainerName) >= 3 && len(a.ContainerName) <= 63 && label.MatchString(a.ContainerName), f+"containerName",
		"is required: 3 to 63 lowercase letters, digits and '-'")
	interval(e, f+"syncIntervalInSeconds", a.SyncIntervalInSeconds)
	interval(e, f+"timeoutInSeconds", a.TimeoutInSeconds)
	n := count(a.ServicePrincipal != nil, a.ManagedIdentity != nil, a.LocalAuthRef != "", a.AccountKey != "", a.SASToken != "")
	e.check(n <= 1, f+"servicePrincipal", "set at most one of servicePrincipal, managedIdentity, accountKey, sasToken or localAuthRef")
	if sp := a.ServicePrincipal; sp != nil {
		e.check(guid.MatchString(sp.ClientID), f+"servicePrincipal.clientId", "must be a GUID")
		e.check(sp.TenantID != "" && len(sp.TenantID) <= 253, f+"servicePrincipal.tenantId", "is required")
		e.check((sp.ClientSecret != "") != (sp.ClientCertificate != ""), f+"servicePrincipal", "set exactly one of clientSecret or clientCertificate")
		e.check(sp.ClientCertificatePassword == "" || sp.ClientCertificate != "", f+"servicePrincipal.clientCertificatePassword", "requires clientCertificate")
		base64Field(e, f+"servicePrincipal.clientCertificate", sp.ClientCertificate, 65536)
	}
	if mi := a.ManagedIdentity; mi != nil {
		e.check(guid.MatchString(mi.ClientID), f+"managedIdentity.clientId", "must be a GUID")
	}
	localAuthRef(e, f+"localAuthRef", a.LocalAuthRef)
}

func oci(e *errs, o *dpv1.OCIRepositoryDefinition) {
	const f = "properties.ociRepository."
	url(e, f+"url", o.URL)
	e.check(strings.HasPrefix(o.URL, "oci://"), f+"url", "must start with oci://")
	interval(e, f+"syncIntervalInSeconds", o.SyncIntervalInSeconds)
	interval(e, f+"timeoutInSeconds", o.TimeoutInSeconds)
	if r := o.RepositoryRef; r != nil {
		e.check(count(r.Tag != "", r.Semver != "", r.Digest != "") == 1, f+"repositoryRef", "set exactly one of tag, semver or digest")
		e.check(r.Digest == "" || ociDigest.MatchString(r.Digest), f+"repositoryRef.digest", "must be sha256:<64 lowercase hex characters>")
		e.check(len(r.Tag) <= 128, f+"repositoryRef.tag", "must be at most 128 characters")
	}
	if l := o.LayerSelector; l != nil && l.Operation != "" {
		e.check(l.Operation == "extract" || l.Operation == "copy", f+"layerSelector.operation", "must be extract or copy")
	}
	if v := o.Verify; v != nil {
		e.check(v.Provider == "cosign" || v.Provider == "notation", f+"verify.provider", "must be cosign or notation")
		e.check(len(v.VerificationConfig) <= 16, f+"verify.verificationConfig", "must have at most 16 entries")
		e.check(len(v.MatchOIDCIdentity) <= 16, f+"verify.matchOidcIdentity", "must have at most 16 entries")
	}
	e.check(o.UseWorkloadIdentity == nil || !*o.UseWorkloadIdentity || o.LocalAuthRef == "", f+"localAuthRef", "useWorkloadIdentity and localAuthRef exclude each other; remove one")
	if o.ServiceAccountName != "" {
		e.check(len(o.ServiceAccountName) <= 253 && subdomain.MatchString(o.ServiceAccountName), f+"serviceAccountName", "must name a ServiceAccount")
	}
	if t := o.TLSConfig; t != nil {
		base64Field(e, f+"tlsConfig.clientCertificate", t.ClientCertificate, 65536)
		base64Field(e, f+"tlsConfig.privateKey", t.PrivateKey, 65536)
		base64Field(e, f+"tlsConfig.caCertificate", t.CACertificate, 65536)
	}
	localAuthRef(e, f+"localAuthRef", o.LocalAuthRef)
}

func kustomizations(e *errs, config string, ks map[string]*dpv1.KustomizationDefinition) {
	e.check(len(ks) <= MaxKustomizations, "properties.kustomizations", "must have at most %d entries, has %d", MaxKustomizations, len(ks))
	names := make([]string, 0, len(ks))
	for name := range ks {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		k := ks[name]
		f := fmt.Sprintf("properties.kustomizations[%s]", name)
		e.check(len(name) <= 62 && subdomain.MatchString(name), f, "the name must be at most 62 lowercase letters, digits, '-' and '.'")
		e.check(len(config)+len(name) < 63, f, "is named %s-%s in the cluster, which must be at most 63 characters; shorten the kustomization or configuration name", config, name)
		if k == nil {
			continue
		}
		e.check(k.Name == "" || k.Name == name, f+".name", "must equal the map key %q", name)
		e.check(len(k.Path) <= 1024, f+".path", "must be at most 1024 characters")
		e.check(len(k.DependsOn) <= maxDependsOn, f+".dependsOn", "must have at most %d entries", maxDependsOn)
		for _, d := range k.DependsOn {
			e.check(d != name, f+".dependsOn", "a kustomization cannot depend on itself; remove %q", d)
			e.check(ks[d] != nil, f+".dependsOn", "%q is not a kustomization of this configuration", d)
		}
		interval(e, f+".syncIntervalInSeconds", k.SyncIntervalInSeconds)
		interval(e, f+".retryIntervalInSeconds", k.RetryIntervalInSeconds)
		interval(e, f+".timeoutInSeconds", k.TimeoutInSeconds)
		if pb := k.PostBuild; pb != nil {
			postBuild(e, f+".postBuild", pb)
		}
	}
}

func postBuild(e *errs, f string, pb *dpv1.PostBuildDefinition) {
	e.check(len(pb.Substitute) <= maxSubstitute, f+".substitute", "must have at most %d entries", maxSubstitute)
	for key := range pb.Substitute {
		e.check(variableName.MatchString(key), f+".substitute", "variable %q must start with a letter or underscore and hold only letters, digits and underscores", key)
	}
	e.check(len(pb.SubstituteFrom) <= maxSubstituteFrom, f+".substituteFrom", "must have at most %d entries", maxSubstituteFrom)
	for i, s := range pb.SubstituteFrom {
		sf := fmt.Sprintf("%s.substituteFrom[%d]", f, i)
		e.check(s.Kind == "ConfigMap" || s.Kind == "Secret", sf+".kind", "must be ConfigMap or Secret")
		e.check(s.Name != "" && len(s.Name) <= 253 && subdomain.MatchString(s.Name), sf+".name", "must name an object of this namespace")
	}
}

// protectedSettings requires base64 values, because the agent decodes every value before it
// writes the Secret. Only key names appear in messages, never values.
func protectedSettings(e *errs, ps map[string]string) {
	keys := make([]string, 0, len(ps))
	for k := range ps {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := "properties.configurationProtectedSettings." + k
		e.check(len(k) <= maxProtectedKeyLen && secretDataKey.MatchString(k), f, "key must be letters, digits, '-', '_' and '.'")
		base64Field(e, f, ps[k], 1<<20)
	}
}

func count(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
