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
	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// The OCI repository body in both directions: ToSpec and FromSpec call these, so a new field is
// converted here, once each way.

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

func ociFromSpec(o *v1alpha1.OCIRepositoryDefinition) *dpv1.OCIRepositoryDefinition {
	out := &dpv1.OCIRepositoryDefinition{
		URL: o.URL, SyncIntervalInSeconds: inSeconds(o.SyncInterval), TimeoutInSeconds: inSeconds(o.Timeout),
		Insecure: boolPtr(o.Insecure), UseWorkloadIdentity: boolPtr(o.UseWorkloadIdentity),
		ServiceAccountName: o.ServiceAccountName, LocalAuthRef: o.LocalAuthRef,
	}
	if r := o.RepositoryRef; r != nil {
		out.RepositoryRef = &dpv1.OCIRepositoryRefDefinition{Tag: r.Tag, Semver: r.Semver, Digest: r.Digest}
	}
	if l := o.LayerSelector; l != nil {
		out.LayerSelector = &dpv1.LayerSelectorDefinition{MediaType: l.MediaType, Operation: string(l.Operation)}
	}
	if v := o.Verify; v != nil {
		out.Verify = &dpv1.VerifyDefinition{Provider: string(v.Provider), VerificationConfig: v.VerificationConfig}
		for _, m := range v.MatchOIDCIdentity {
			out.Verify.MatchOIDCIdentity = append(out.Verify.MatchOIDCIdentity, dpv1.MatchOIDCIdentityDefinition{Issuer: m.Issuer, Subject: m.Subject})
		}
	}
	return out
}
