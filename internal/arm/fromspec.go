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
	"encoding/base64"
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// FromSpec converts a FluxConfigSpec back into ARM properties in namespace. Secrets are not
// part of the spec, so the result carries none.
func FromSpec(namespace string, spec *v1alpha1.FluxConfigSpec) dpv1.FluxConfigurationProperties {
	p := dpv1.FluxConfigurationProperties{
		Scope:      string(spec.Scope),
		Namespace:  namespace,
		SourceKind: string(spec.SourceKind),
		Suspend:    boolPtr(spec.Suspend),
	}
	if g := spec.GitRepository; g != nil {
		p.GitRepository = gitFromSpec(g)
	}
	if b := spec.Bucket; b != nil {
		p.Bucket = bucketFromSpec(b)
	}
	if a := spec.AzureBlob; a != nil {
		p.AzureBlob = azureBlobFromSpec(a)
	}
	if o := spec.OCIRepository; o != nil {
		p.OCIRepository = ociFromSpec(o)
	}
	if len(spec.Kustomizations) > 0 {
		p.Kustomizations = map[string]*dpv1.KustomizationDefinition{}
		for i := range spec.Kustomizations {
			k := &spec.Kustomizations[i]
			p.Kustomizations[k.Name] = kustomizationFromSpec(k)
		}
	}
	return p
}

// BodySecrets returns the write-only fields of the source bodies as protected-parameter keys
// with base64 values, as the agent expects every protected value. Fields that ARM already
// carries as base64 (certificates, TLS files) are passed on as they are.
func BodySecrets(p *dpv1.FluxConfigurationProperties) map[string]string {
	out := map[string]string{}
	put := func(key, value string, isBase64 bool) {
		if value == "" {
			return
		}
		if !isBase64 {
			value = base64.StdEncoding.EncodeToString([]byte(value))
		}
		out[key] = value
	}
	if a := p.AzureBlob; a != nil {
		put(v1alpha1.ProtectedAccountKey, a.AccountKey, false)
		put(v1alpha1.ProtectedSASToken, a.SASToken, false)
		if sp := a.ServicePrincipal; sp != nil {
			put(v1alpha1.ProtectedClientSecret, sp.ClientSecret, false)
			put(v1alpha1.ProtectedClientCertificate, sp.ClientCertificate, true)
			put(v1alpha1.ProtectedClientCertificatePassword, sp.ClientCertificatePassword, false)
		}
	}
	if o := p.OCIRepository; o != nil && o.TLSConfig != nil {
		put(v1alpha1.ProtectedTLSClientCertificate, o.TLSConfig.ClientCertificate, true)
		put(v1alpha1.ProtectedTLSPrivateKey, o.TLSConfig.PrivateKey, true)
		put(v1alpha1.ProtectedTLSCACertificate, o.TLSConfig.CACertificate, true)
	}
	return out
}

// StripSecrets clears every write-only field of p in place: the body secrets, the
// protected settings, and the read-only status fields a client may have echoed back.
func StripSecrets(p *dpv1.FluxConfigurationProperties) {
	p.ConfigurationProtectedSettings = nil
	if a := p.AzureBlob; a != nil {
		a.AccountKey, a.SASToken = "", ""
		if sp := a.ServicePrincipal; sp != nil {
			sp.ClientSecret, sp.ClientCertificate, sp.ClientCertificatePassword = "", "", ""
		}
	}
	if o := p.OCIRepository; o != nil {
		o.TLSConfig = nil
	}
}

// ClearStatus drops the read-only fields, which clients may echo back in a PUT.
func ClearStatus(p *dpv1.FluxConfigurationProperties) {
	p.ObservedStatus = dpv1.ObservedStatus{}
	p.StatusUpdatedAt, p.ProvisioningState, p.ErrorMessage = nil, "", ""
}

// ObservedFromStatus converts a FluxConfig status into the §B.1 fields.
func ObservedFromStatus(st *v1alpha1.FluxConfigStatus) dpv1.ObservedStatus {
	out := dpv1.ObservedStatus{
		ComplianceState:      string(st.ComplianceState),
		RepositoryPublicKey:  st.RepositoryPublicKey,
		SourceSyncedCommitID: st.SourceSyncedCommitID,
		SourceUpdatedAt:      timePtr(st.SourceUpdatedAt),
	}
	for i := range st.Statuses {
		s := &st.Statuses[i]
		o := dpv1.ObjectStatusDefinition{Name: s.Name, Namespace: s.Namespace, Kind: s.Kind, ComplianceState: string(s.ComplianceState),
			Hint: s.Hint}
		if s.AppliedBy != nil {
			o.AppliedBy = &dpv1.ObjectReferenceDefinition{Name: s.AppliedBy.Name, Namespace: s.AppliedBy.Namespace}
		}
		for _, c := range s.StatusConditions {
			o.StatusConditions = append(o.StatusConditions, dpv1.ObjectStatusConditionDefinition{
				LastTransitionTime: timePtr(&c.LastTransitionTime), Message: c.Message, Reason: c.Reason,
				Status: string(c.Status), Type: c.Type,
			})
		}
		if h := s.HelmReleaseProperties; h != nil {
			o.HelmReleaseProperties = &dpv1.HelmReleasePropertiesDefinition{
				LastRevisionApplied: h.LastRevisionApplied, FailureCount: h.FailureCount,
				InstallFailureCount: h.InstallFailureCount, UpgradeFailureCount: h.UpgradeFailureCount,
			}
			if h.HelmChartRef != nil {
				o.HelmReleaseProperties.HelmChartRef = &dpv1.ObjectReferenceDefinition{Name: h.HelmChartRef.Name, Namespace: h.HelmChartRef.Namespace}
			}
		}
		out.Statuses = append(out.Statuses, o)
	}
	sort.SliceStable(out.Statuses, func(i, j int) bool {
		return out.Statuses[i].Kind+"/"+out.Statuses[i].Name < out.Statuses[j].Kind+"/"+out.Statuses[j].Name
	})
	return out
}

func timePtr(t *metav1.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	u := t.UTC().Truncate(time.Second)
	return &u
}

func inSeconds(d *metav1.Duration) *int64 {
	if d == nil {
		return nil
	}
	s := int64(d.Round(time.Second) / time.Second)
	return &s
}

func boolPtr(b bool) *bool {
	if !b {
		return nil
	}
	return &b
}

func encode(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return base64.StdEncoding.EncodeToString(b)
}
