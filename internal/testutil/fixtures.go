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

package testutil

import dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"

// GitConfiguration is a configuration of team-a that applies ./apps of a Git repository's
// branch: the one the endpoint's store and replica tests write.
func GitConfiguration(branch string) *dpv1.FluxConfiguration {
	return &dpv1.FluxConfiguration{Properties: dpv1.FluxConfigurationProperties{
		Namespace: "team-a", SourceKind: "GitRepository",
		GitRepository: &dpv1.GitRepositoryDefinition{URL: "https://git.example.com/org/repo",
			RepositoryRef: &dpv1.RepositoryRefDefinition{Branch: branch}},
		Kustomizations: map[string]*dpv1.KustomizationDefinition{"apps": {Path: "./apps"}},
	}}
}
