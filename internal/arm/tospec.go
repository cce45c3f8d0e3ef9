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

// Package armconv converts between the ARM fluxConfigurations model of the data-plane
// protocol and the FluxConfig spec: seconds become durations, the kustomizations map becomes
// a list keyed by name, and the write-only body secrets (Azure Blob keys, OCI TLS files)
// become protected-parameter keys.
package arm

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// Defaults the ARM model implies when a field is absent.
const (
	DefaultNamespace  = "default"
	DefaultScope      = string(v1alpha1.ScopeCluster)
	DefaultSourceKind = string(v1alpha1.SourceKindGitRepository)
)

// FieldError is a conversion error that names the offending field by its ARM path.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Namespace returns the configuration namespace, defaulted.
func Namespace(p *dpv1.FluxConfigurationProperties) string {
	if p.Namespace == "" {
		return DefaultNamespace
	}
	return p.Namespace
}

// ToSpec converts ARM properties into a FluxConfigSpec. It checks encodings only; the
// endpoint and the API server validate the result.
func ToSpec(p *dpv1.FluxConfigurationProperties) (v1alpha1.FluxConfigSpec, error) {
	spec := v1alpha1.FluxConfigSpec{
		Scope:      v1alpha1.Scope(orDefault(p.Scope, DefaultScope)),
		SourceKind: v1alpha1.SourceKind(orDefault(p.SourceKind, DefaultSourceKind)),
		Suspend:    p.Suspend != nil && *p.Suspend,
	}
	var err error
	if p.GitRepository != nil {
		if spec.GitRepository, err = gitToSpec(p.GitRepository); err != nil {
			return spec, err
		}
	}
	if p.Bucket != nil {
		spec.Bucket = bucketToSpec(p.Bucket)
	}
	if p.AzureBlob != nil {
		spec.AzureBlob = azureBlobToSpec(p.AzureBlob)
	}
	if p.OCIRepository != nil {
		spec.OCIRepository = ociToSpec(p.OCIRepository)
	}
	spec.Kustomizations = kustomizationsToSpec(p.Kustomizations)
	return spec, nil
}

func gitToSpec(g *dpv1.GitRepositoryDefinition) (*v1alpha1.GitRepositoryDefinition, error) {
	out := &v1alpha1.GitRepositoryDefinition{
		URL:          g.URL,
		SyncInterval: seconds(g.SyncIntervalInSeconds),
		Timeout:      seconds(g.TimeoutInSeconds),
		HTTPSUser:    g.HTTPSUser,
		LocalAuthRef: g.LocalAuthRef,
		Provider:     v1alpha1.GitProvider(g.Provider),
	}
	if r := g.RepositoryRef; r != nil {
		out.RepositoryRef = &v1alpha1.RepositoryRefDefinition{Branch: r.Branch, Tag: r.Tag, Semver: r.Semver, Commit: r.Commit}
	}
	var err error
	if out.SSHKnownHosts, err = decodeField("properties.gitRepository.sshKnownHosts", g.SSHKnownHosts); err != nil {
		return nil, err
	}
	if out.HTTPSCACert, err = decodeField("properties.gitRepository.httpsCACert", g.HTTPSCACert); err != nil {
		return nil, err
	}
	return out, nil
}

func bucketToSpec(b *dpv1.BucketDefinition) *v1alpha1.BucketDefinition {
	// The ARM spec defaults insecure to true; following the url's scheme instead keeps a
	// body that omits it valid for both http:// and https://.
	insecure := strings.HasPrefix(b.URL, "http://")
	if b.Insecure != nil {
		insecure = *b.Insecure
	}
	return &v1alpha1.BucketDefinition{
		URL:          b.URL,
		BucketName:   b.BucketName,
		Insecure:     insecure,
		SyncInterval: seconds(b.SyncIntervalInSeconds),
		Timeout:      seconds(b.TimeoutInSeconds),
		AccessKey:    b.AccessKey,
		LocalAuthRef: b.LocalAuthRef,
	}
}

func azureBlobToSpec(a *dpv1.AzureBlobDefinition) *v1alpha1.AzureBlobDefinition {
	out := &v1alpha1.AzureBlobDefinition{
		URL:           a.URL,
		ContainerName: a.ContainerName,
		SyncInterval:  seconds(a.SyncIntervalInSeconds),
		Timeout:       seconds(a.TimeoutInSeconds),
		LocalAuthRef:  a.LocalAuthRef,
	}
	if sp := a.ServicePrincipal; sp != nil {
		out.ServicePrincipal = &v1alpha1.ServicePrincipalDefinition{
			ClientID:                   sp.ClientID,
			TenantID:                   sp.TenantID,
			ClientCertificateSendChain: sp.ClientCertificateSendChain != nil && *sp.ClientCertificateSendChain,
		}
	}
	if mi := a.ManagedIdentity; mi != nil {
		out.ManagedIdentity = &v1alpha1.ManagedIdentityDefinition{ClientID: mi.ClientID}
	}
	return out
}

func ociToSpec(o *dpv1.OCIRepositoryDefinition) *v1alpha1.OCIRepositoryDefinition {
	out := &v1alpha1.OCIRepositoryDefinition{
		URL:                 o.URL,
		SyncInterval:        seconds(o.SyncIntervalInSeconds),
		Timeout:             seconds(o.TimeoutInSeconds),
		Insecure:            o.Insecure != nil && *o.Insecure,
		UseWorkloadIdentity: o.UseWorkloadIdentity != nil && *o.UseWorkloadIdentity,
		ServiceAccountName:  o.ServiceAccountName,
		LocalAuthRef:        o.LocalAuthRef,
	}
	if r := o.RepositoryRef; r != nil {
		out.RepositoryRef = &v1alpha1.OCIRepositoryRefDefinition{Tag: r.Tag, Semver: r.Semver, Digest: r.Digest}
	}
	if l := o.LayerSelector; l != nil {
		out.LayerSelector = &v1alpha1.OCILayerSelectorDefinition{MediaType: l.MediaType, Operation: v1alpha1.OCILayerOperation(l.Operation)}
	}
	if v := o.Verify; v != nil {
		out.Verify = &v1alpha1.OCIVerifyDefinition{
			Provider:           v1alpha1.OCIVerificationProvider(v.Provider),
			VerificationConfig: v.VerificationConfig,
		}
		for _, m := range v.MatchOIDCIdentity {
			out.Verify.MatchOIDCIdentity = append(out.Verify.MatchOIDCIdentity,
				v1alpha1.OCIMatchOIDCIdentityDefinition{Issuer: m.Issuer, Subject: m.Subject})
		}
	}
	return out
}

// kustomizationsToSpec turns the map into a list sorted by name, so the same map always
// gives the same spec. Null entries (PATCH removals already applied) are skipped.
func kustomizationsToSpec(in map[string]*dpv1.KustomizationDefinition) []v1alpha1.KustomizationDefinition {
	names := make([]string, 0, len(in))
	for name, k := range in {
		if k != nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	out := make([]v1alpha1.KustomizationDefinition, 0, len(names))
	for _, name := range names {
		k := in[name]
		d := v1alpha1.KustomizationDefinition{
			Name:          name,
			Path:          k.Path,
			DependsOn:     k.DependsOn,
			SyncInterval:  seconds(k.SyncIntervalInSeconds),
			RetryInterval: seconds(k.RetryIntervalInSeconds),
			Timeout:       seconds(k.TimeoutInSeconds),
			Prune:         k.Prune != nil && *k.Prune,
			Force:         k.Force != nil && *k.Force,
			Wait:          k.Wait,
		}
		if pb := k.PostBuild; pb != nil {
			d.PostBuild = &v1alpha1.PostBuildDefinition{Substitute: pb.Substitute}
			for _, f := range pb.SubstituteFrom {
				d.PostBuild.SubstituteFrom = append(d.PostBuild.SubstituteFrom, v1alpha1.SubstituteReferenceDefinition{
					Kind: v1alpha1.SubstituteReferenceKind(f.Kind), Name: f.Name, Optional: f.Optional != nil && *f.Optional,
				})
			}
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func seconds(s *int64) *metav1.Duration {
	if s == nil {
		return nil
	}
	return &metav1.Duration{Duration: time.Duration(*s) * time.Second}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func decodeField(field, v string) ([]byte, error) {
	if v == "" {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil, &FieldError{Field: field, Message: fmt.Sprintf("must be base64: %v", err)}
	}
	return b, nil
}
