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

package v1alpha1

// SourceKind is spec.sourceKind with the API server's default applied, for objects built in
// memory.
func (in *FluxConfig) SourceKind() SourceKind {
	if in.Spec.SourceKind == "" {
		return SourceKindGitRepository
	}
	return in.Spec.SourceKind
}

// LocalAuthRef is the localAuthRef of the selected source, empty when it has none.
func (in *FluxConfig) LocalAuthRef() string {
	s := in.Spec
	switch in.SourceKind() {
	case SourceKindGitRepository:
		if s.GitRepository != nil {
			return s.GitRepository.LocalAuthRef
		}
	case SourceKindBucket:
		if s.Bucket != nil {
			return s.Bucket.LocalAuthRef
		}
	case SourceKindAzureBlob:
		if s.AzureBlob != nil {
			return s.AzureBlob.LocalAuthRef
		}
	case SourceKindOCIRepository:
		if s.OCIRepository != nil {
			return s.OCIRepository.LocalAuthRef
		}
	}
	return ""
}
