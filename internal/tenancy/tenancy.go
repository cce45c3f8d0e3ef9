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

// Package tenancy holds the rules about which namespaces a FluxConfig may live in. The endpoint,
// the agent and the controller all refuse a config in a protected namespace, with the same words,
// so the rule is written once here.
package tenancy

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// DefaultProtectedNamespaces are the namespaces no FluxConfig may live in, besides the release
// namespace: a config there would hand its flux-applier account (and so whoever writes to its
// repository) control over the cluster's own machinery.
var DefaultProtectedNamespaces = []string{"kube-system", "kube-public", "kube-node-lease"}

// ReleaseNamespaceEnv names the environment variable the chart sets to the pod's namespace.
const ReleaseNamespaceEnv = "POD_NAMESPACE"

// ReleaseNamespace is the namespace this process was installed into, or "" outside a pod.
func ReleaseNamespace() string { return os.Getenv(ReleaseNamespaceEnv) }

// Protected is a set of namespaces that no FluxConfig may use.
type Protected []string

// NewProtected returns the given namespaces plus the release namespace when it is known. A nil
// list means the defaults; an empty one (a flag set to "") protects the release namespace only.
// The namespaces may be a comma-separated flag split as it is: blanks are trimmed and dropped.
func NewProtected(namespaces []string, releaseNamespace string) Protected {
	if namespaces == nil {
		namespaces = DefaultProtectedNamespaces
	}
	p := Protected{}
	for _, ns := range append(slices.Clone(namespaces), releaseNamespace) {
		if ns = strings.TrimSpace(ns); ns != "" && !slices.Contains(p, ns) {
			p = append(p, ns)
		}
	}
	slices.Sort(p)
	return p
}

// Check returns an error naming the rule when namespace is protected.
func (p Protected) Check(namespace string) error {
	if !slices.Contains(p, namespace) {
		return nil
	}
	return fmt.Errorf("namespace %q is protected: FluxConfigs may not live in %s; "+
		"choose another namespace (the list is the chart's multiTenancy.protectedNamespaces)",
		namespace, strings.Join(p, ", "))
}
