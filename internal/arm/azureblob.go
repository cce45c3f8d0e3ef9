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

// The Azure Blob body in both directions: ToSpec and FromSpec call these, so a new field is
// converted here, once each way.

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

func azureBlobFromSpec(a *v1alpha1.AzureBlobDefinition) *dpv1.AzureBlobDefinition {
	out := &dpv1.AzureBlobDefinition{
		URL: a.URL, ContainerName: a.ContainerName, LocalAuthRef: a.LocalAuthRef,
		SyncIntervalInSeconds: inSeconds(a.SyncInterval), TimeoutInSeconds: inSeconds(a.Timeout),
	}
	if sp := a.ServicePrincipal; sp != nil {
		out.ServicePrincipal = &dpv1.ServicePrincipalDefinition{
			ClientID: sp.ClientID, TenantID: sp.TenantID, ClientCertificateSendChain: boolPtr(sp.ClientCertificateSendChain),
		}
	}
	if mi := a.ManagedIdentity; mi != nil {
		out.ManagedIdentity = &dpv1.ManagedIdentityDefinition{ClientID: mi.ClientID}
	}
	return out
}
