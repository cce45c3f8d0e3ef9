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

// The Git repository body in both directions: ToSpec and FromSpec call these, so a new field is
// converted here, once each way.

func gitToSpec(g *dpv1.GitRepositoryDefinition) (*v1alpha1.GitRepositoryDefinition, error) {
	out := &v1alpha1.GitRepositoryDefinition{
		URL:             g.URL,
		SyncInterval:    seconds(g.SyncIntervalInSeconds),
		Timeout:         seconds(g.TimeoutInSeconds),
		HTTPSUser:       g.HTTPSUser,
		LocalAuthRef:    g.LocalAuthRef,
		Provider:        v1alpha1.GitProvider(g.Provider),
		SSHKeyAlgorithm: g.SSHKeyAlgorithm,
		Ignore:          g.Ignore,
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

func gitFromSpec(g *v1alpha1.GitRepositoryDefinition) *dpv1.GitRepositoryDefinition {
	out := &dpv1.GitRepositoryDefinition{
		URL: g.URL, SyncIntervalInSeconds: inSeconds(g.SyncInterval), TimeoutInSeconds: inSeconds(g.Timeout),
		SSHKnownHosts: encode(g.SSHKnownHosts), HTTPSUser: g.HTTPSUser, HTTPSCACert: encode(g.HTTPSCACert),
		LocalAuthRef: g.LocalAuthRef, Provider: string(g.Provider), SSHKeyAlgorithm: g.SSHKeyAlgorithm,
		Ignore: g.Ignore,
	}
	if r := g.RepositoryRef; r != nil {
		out.RepositoryRef = &dpv1.RepositoryRefDefinition{Branch: r.Branch, Tag: r.Tag, Semver: r.Semver, Commit: r.Commit}
	}
	return out
}
