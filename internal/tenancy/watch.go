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

package tenancy

// ForWatch is the protected set of a process that serves watchNamespace ("" for all
// namespaces): the namespaces given (the defaults when nil), plus the release namespace when
// it serves every namespace. A process that serves only one namespace (the chart's
// watchAllNamespaces=false, where that namespace is the release's) exists for the configs
// there, so that namespace is not protected then; whoever may write FluxConfigs in it is
// trusted like the release's admin.
func ForWatch(namespaces []string, releaseNamespace, watchNamespace string) Protected {
	if watchNamespace != "" {
		releaseNamespace = ""
	}
	return NewProtected(namespaces, releaseNamespace)
}
