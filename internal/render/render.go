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

// Package render turns a FluxConfig and the inputs read for it into the objects that make it
// real: the Flux source, one Kustomization per entry, the Flux auth Secret and the tenant RBAC.
// It is a pure function: no client, no clock, no randomness. The controller reads the inputs,
// generates keys, and applies the result.
package render

import (
	"fmt"
	"sort"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

const (
	// ApplierServiceAccount is the account every Kustomization of a namespace runs as when
	// multi-tenancy is enforced.
	ApplierServiceAccount = "flux-applier"
	// ApplierClusterRole is what the applier account is bound to, cluster-wide or in its
	// namespace only.
	ApplierClusterRole = "cluster-admin"
)

// Inputs are what the controller read or generated for one FluxConfig.
type Inputs struct {
	// ProtectedParameters are the plain values of the protected-parameters Secret.
	ProtectedParameters map[string][]byte
	// GeneratedSSHKey is the controller-held private key (OpenSSH PEM), used when the source
	// needs an SSH key and none was given. See NeedsGeneratedSSHKey.
	GeneratedSSHKey []byte
	// KeptSSHKey is a key generated earlier that the source does not use now (the URL is
	// https for a while, or the user gave a key). It stays in the auth Secret under
	// KeptKeyDataKey, so switching back to the generated key finds the one already
	// registered.
	KeptSSHKey []byte
	// KeyRegenerated says why the generated key replaced an earlier one, if it did; it is kept
	// on the auth Secret with the key.
	KeyRegenerated string
}

// Options are controller-wide settings.
type Options struct {
	// MultiTenancy runs every Kustomization as flux-applier and renders its RBAC.
	MultiTenancy bool
	// ForceSuspend renders the source and Kustomizations suspended, whatever the spec says,
	// and no tenant RBAC; used while a config is refused so it cannot act, let alone with
	// more rights than it asked for.
	ForceSuspend bool
	// KnownHosts is the known_hosts used when the spec has none.
	KnownHosts []byte
}

// Result is the rendered state of one FluxConfig.
type Result struct {
	// Objects in apply order: RBAC, Secrets, source, Kustomizations.
	Objects []client.Object
	// RepositoryPublicKey is the public half of the SSH key the source uses, if any.
	RepositoryPublicKey string
}

// InvalidSpecError is input the controller cannot act on until someone changes it. Field is
// the path of what to fix; the message never contains secret values.
type InvalidSpecError struct {
	Field   string
	Message string
}

func (e *InvalidSpecError) Error() string { return e.Field + ": " + e.Message }

func invalid(field, format string, args ...any) error {
	return &InvalidSpecError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Render returns every object the FluxConfig needs.
func Render(fc *v1alpha1.FluxConfig, in Inputs, opts Options) (Result, error) {
	if err := checkDependencies(fc.Spec.Kustomizations); err != nil {
		return Result{}, err
	}
	var res Result
	if opts.MultiTenancy && !opts.ForceSuspend {
		res.Objects = append(res.Objects, TenantRBAC(fc.Namespace, fc.Spec.Scope)...)
	}
	auth, err := renderAuth(fc, in, opts)
	if err != nil {
		return Result{}, err
	}
	keepUnusedKey(fc, &auth, in.KeptSSHKey)
	noteRegeneratedKey(fc, &auth, in.KeyRegenerated)
	res.RepositoryPublicKey = auth.publicKey
	res.Objects = append(res.Objects, auth.secrets...)

	source, err := renderSource(fc, auth, opts)
	if err != nil {
		return Result{}, err
	}
	res.Objects = append(res.Objects, source)
	for _, k := range fc.Spec.Kustomizations {
		res.Objects = append(res.Objects, renderKustomization(fc, k, opts))
	}
	return res, nil
}

// Labels marks an object as managed for the FluxConfig namespace/name.
func Labels(namespace, name string) map[string]string {
	return map[string]string{
		v1alpha1.ManagedLabel:   "true",
		v1alpha1.NameLabel:      name,
		v1alpha1.NamespaceLabel: namespace,
	}
}

// KustomizationName is the Flux Kustomization name of an entry.
func KustomizationName(config, kustomization string) string {
	return config + "-" + kustomization
}

// AuthSecretName is the Flux-format Secret rendered for a config.
func AuthSecretName(config string) string { return config + "-auth" }

// checkDependencies refuses dependsOn cycles, which the CRD cannot express.
func checkDependencies(ks []v1alpha1.KustomizationDefinition) error {
	deps := map[string][]string{}
	for _, k := range ks {
		deps[k.Name] = k.DependsOn
	}
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(string) error
	visit = func(n string) error {
		switch state[n] {
		case visiting:
			start := 0
			for i, p := range path {
				if p == n {
					start = i
				}
			}
			cycle := append(append([]string{}, path[start:]...), n)
			return invalid("spec.kustomizations", "dependsOn forms a cycle (%s); remove one of these dependencies",
				strings.Join(cycle, " -> "))
		case done:
			return nil
		}
		state[n] = visiting
		path = append(path, n)
		for _, d := range deps[n] {
			if err := visit(d); err != nil {
				return err
			}
		}
		path = path[:len(path)-1]
		state[n] = done
		return nil
	}
	names := make([]string, 0, len(deps))
	for n := range deps {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := visit(n); err != nil {
			return err
		}
	}
	return nil
}
