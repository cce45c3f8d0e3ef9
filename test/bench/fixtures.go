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

package main

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/agent"
)

const (
	// namespaceCount spreads the configs; the last tenth of the namespaces hold the
	// namespace-scoped configs, so none of them meets a cluster-scoped neighbour (which
	// would refuse it by design).
	namespaceCount   = 50
	namespacedSpaces = namespaceCount / 10
)

// fixture is one FluxConfig and, for the HTTPS half, its protected-parameters Secret,
// written the way fluxconfig-agent writes them.
type fixture struct {
	config *v1alpha1.FluxConfig
	secret *corev1.Secret
}

func namespaceNames(prefix string) []string {
	out := make([]string, namespaceCount)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%02d", prefix, i)
	}
	return out
}

// fixtures builds the mix: 3 kustomizations each, half SSH with a generated key,
// half HTTPS with protected parameters, over 50 namespaces, a tenth namespace-scoped.
func fixtures(prefix string, n int) []fixture {
	ns := namespaceNames(prefix)
	out := make([]fixture, 0, n)
	clusterScoped, namespaced := 0, 0
	for i := range n {
		name := fmt.Sprintf("app-%04d", i)
		spec := v1alpha1.FluxConfigSpec{
			Scope:      v1alpha1.ScopeCluster,
			SourceKind: v1alpha1.SourceKindGitRepository,
			Kustomizations: []v1alpha1.KustomizationDefinition{
				{Name: "infra", Path: "./infrastructure", Prune: true},
				{Name: "apps", Path: "./apps/production", Prune: true, DependsOn: []string{"infra"}},
				{Name: "monitoring", Path: "./monitoring", SyncInterval: &metav1.Duration{Duration: 5 * time.Minute}},
			},
		}
		var namespace string
		if i%10 == 9 {
			spec.Scope = v1alpha1.ScopeNamespace
			namespace = ns[namespaceCount-namespacedSpaces+namespaced%namespacedSpaces]
			namespaced++
		} else {
			namespace = ns[clusterScoped%(namespaceCount-namespacedSpaces)]
			clusterScoped++
		}
		f := fixture{config: &v1alpha1.FluxConfig{
			TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: v1alpha1.FluxConfigKind},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		}}
		branch := &v1alpha1.RepositoryRefDefinition{Branch: "main"}
		if i%4 < 2 {
			// No private key: the controller generates one and keeps it.
			spec.GitRepository = &v1alpha1.GitRepositoryDefinition{URL: "ssh://git@github.com/example-org/" + name, RepositoryRef: branch}
		} else {
			spec.GitRepository = &v1alpha1.GitRepositoryDefinition{
				URL: "https://github.com/example-org/" + name, RepositoryRef: branch, HTTPSUser: "git",
			}
			secretName := agent.ProtectedParametersSecretName(name)
			spec.ProtectedParametersSecretRef = &v1alpha1.LocalObjectReference{Name: secretName}
			f.secret = &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Name: secretName, Namespace: namespace, Labels: map[string]string{
					v1alpha1.AgentManagedByLabel: v1alpha1.AgentManagedByValue, v1alpha1.NameLabel: name,
				}},
				Type: corev1.SecretTypeOpaque,
				Data: map[string][]byte{v1alpha1.ProtectedHTTPSKey: fmt.Appendf(nil, "ghp_%036d", i)},
			}
		}
		f.config.Spec = spec
		out = append(out, f)
	}
	return out
}
