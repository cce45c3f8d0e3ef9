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

package compliance

import (
	"fmt"
	"regexp"
	"strings"

	apimeta "k8s.io/apimachinery/pkg/api/meta"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/render"
)

// The failures that multi-tenancy, admission webhooks and Flux API removals cause are the
// ones users of GitOps on shared clusters most often cannot place from Flux's words alone.
var (
	// Kubernetes' Forbidden message for the applier account, e.g. `User
	// "system:serviceaccount:team-a:flux-applier" cannot patch resource "namespaces" in API
	// group "" at the cluster scope`, or `... in the namespace "other"`.
	applierForbidden = regexp.MustCompile(`"system:serviceaccount:([^:"]+):` + regexp.QuoteMeta(render.ApplierServiceAccount) +
		`" cannot [a-z]+ resource "([^"]*)"[^"]*"[^"]*"(?: at the (cluster) scope| in the namespace "([^"]+)")`)
	// `admission webhook "policy.example.com" does not support dry run`.
	webhookNoDryRun = regexp.MustCompile(`admission webhook "([^"]+)" does not support dry run`)
	// `no matches for kind "HelmRelease" in version "helm.toolkit.fluxcd.io/v2beta1"`.
	noKindMatch = regexp.MustCompile(`no matches for kind "([^"]+)" in version "([^"]+)"`)
	// A Flux API group: an old version removed, or a controller not installed.
	fluxGroup = regexp.MustCompile(`\.toolkit\.fluxcd\.io/`)
)

// Hint says what to do about a failing object's Ready message when it is a failure
// fluxconfig recognises, for a config in namespace with scope; "" otherwise. The hint names
// objects and settings, never values from the message beyond them.
func Hint(message, namespace string, scope v1alpha1.Scope) string {
	if m := applierForbidden.FindStringSubmatch(message); m != nil {
		return applierHint(m[1], m[2], m[3] != "", m[4], namespace, scope)
	}
	if m := webhookNoDryRun.FindStringSubmatch(message); m != nil {
		return fmt.Sprintf("the admission webhook %s does not support dry run, which Flux applies with: "+
			"set its sideEffects to None or NoneOnDryRun, or leave these objects out of its rules", m[1])
	}
	if m := noKindMatch.FindStringSubmatch(message); m != nil {
		if fluxGroup.MatchString(m[2]) {
			return fmt.Sprintf("this cluster's Flux does not serve %s %s: for an API version Flux has removed, change "+
				"the manifests' apiVersion (`flux migrate -f <path>` rewrites them); for a kind whose controller is "+
				"not installed, enable it in the chart", m[1], m[2])
		}
		return fmt.Sprintf("the cluster serves no %s in %s: install its CRD first, e.g. from a kustomization "+
			"that this one names in dependsOn", m[1], m[2])
	}
	return ""
}

// applierHint explains a Forbidden answer to the flux-applier account of account's namespace
// about resource, at the cluster scope or in namespace in.
func applierHint(account, resource string, clusterScope bool, in, namespace string, scope v1alpha1.Scope) string {
	switch {
	case account != namespace:
		return fmt.Sprintf("Flux objects in namespace %s run as its flux-applier, which only a FluxConfig in %s "+
			"gives rights to: keep them in namespace %s (a HelmRelease or Kustomization installs elsewhere with "+
			"targetNamespace), or give namespace %s a FluxConfig of its own", account, account, namespace, account)
	case scope != v1alpha1.ScopeNamespace:
		return fmt.Sprintf("flux-applier of namespace %s holds cluster-admin through this config, so an admission "+
			"policy refuses its %s: find the policy, or install the chart with multiTenancy.enforce=false "+
			"where the cluster forbids impersonated writes", namespace, resource)
	case clusterScope:
		return fmt.Sprintf("the config's scope is namespace, so it may not change cluster-scoped objects (%s): "+
			"use a config of scope cluster for them, or remove them from the path", resource)
	default:
		return fmt.Sprintf("the config's scope is namespace, so it may change objects of namespace %s only, "+
			"not of %s: set their namespace to %s, or use a config of scope cluster", namespace, in, namespace)
	}
}

// Hints sets the hint of every Non-Compliant status whose Ready message Hint recognises.
func Hints(statuses []v1alpha1.ObjectStatus, namespace string, scope v1alpha1.Scope) {
	for i := range statuses {
		s := &statuses[i]
		s.Hint = ""
		if s.ComplianceState != v1alpha1.NonCompliant {
			continue
		}
		if c := apimeta.FindStatusCondition(s.StatusConditions, "Ready"); c != nil {
			s.Hint = Hint(strings.TrimSpace(c.Message), namespace, scope)
		}
	}
}
