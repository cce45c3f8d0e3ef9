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

package arm

import (
	"fmt"
	"sort"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// sources checks the intervals, in ARM's seconds, and the body secrets, which ToSpec moves
// out of the spec, of every source body.
func sources(e *errs, p *dpv1.FluxConfigurationProperties) {
	if g := p.GitRepository; g != nil {
		interval(e, "properties.gitRepository.syncIntervalInSeconds", g.SyncIntervalInSeconds)
		interval(e, "properties.gitRepository.timeoutInSeconds", g.TimeoutInSeconds)
	}
	if b := p.Bucket; b != nil {
		interval(e, "properties.bucket.syncIntervalInSeconds", b.SyncIntervalInSeconds)
		interval(e, "properties.bucket.timeoutInSeconds", b.TimeoutInSeconds)
	}
	if a := p.AzureBlob; a != nil {
		azureBlob(e, a)
	}
	if o := p.OCIRepository; o != nil {
		const f = "properties.ociRepository."
		interval(e, f+"syncIntervalInSeconds", o.SyncIntervalInSeconds)
		interval(e, f+"timeoutInSeconds", o.TimeoutInSeconds)
		if t := o.TLSConfig; t != nil {
			base64Field(e, f+"tlsConfig.clientCertificate", t.ClientCertificate, 65536)
			base64Field(e, f+"tlsConfig.privateKey", t.PrivateKey, 65536)
			base64Field(e, f+"tlsConfig.caCertificate", t.CACertificate, 65536)
		}
	}
}

func azureBlob(e *errs, a *dpv1.AzureBlobDefinition) {
	const f = "properties.azureBlob."
	interval(e, f+"syncIntervalInSeconds", a.SyncIntervalInSeconds)
	interval(e, f+"timeoutInSeconds", a.TimeoutInSeconds)
	n := count(a.ServicePrincipal != nil, a.ManagedIdentity != nil, a.LocalAuthRef != "", a.AccountKey != "", a.SASToken != "")
	e.check(n <= 1, f+"servicePrincipal", "set at most one of servicePrincipal, managedIdentity, accountKey, sasToken or localAuthRef")
	if sp := a.ServicePrincipal; sp != nil {
		e.check((sp.ClientSecret != "") != (sp.ClientCertificate != ""), f+"servicePrincipal", "set exactly one of clientSecret or clientCertificate")
		e.check(sp.ClientCertificatePassword == "" || sp.ClientCertificate != "", f+"servicePrincipal.clientCertificatePassword", "requires clientCertificate")
		base64Field(e, f+"servicePrincipal.clientCertificate", sp.ClientCertificate, 65536)
	}
}

// kustomizations checks what the ARM map has and the list in the spec does not: keys,
// names that must equal them, and messages that name the entry.
func kustomizations(e *errs, config string, ks map[string]*dpv1.KustomizationDefinition) {
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
		for _, d := range k.DependsOn {
			e.check(d != name, f+".dependsOn", "a kustomization cannot depend on itself; remove %q", d)
			e.check(ks[d] != nil, f+".dependsOn", "%q is not a kustomization of this configuration", d)
		}
		interval(e, f+".syncIntervalInSeconds", k.SyncIntervalInSeconds)
		interval(e, f+".retryIntervalInSeconds", k.RetryIntervalInSeconds)
		interval(e, f+".timeoutInSeconds", k.TimeoutInSeconds)
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
