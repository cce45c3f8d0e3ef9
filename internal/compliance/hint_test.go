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
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// The messages are as kustomize- and helm-controller write them.
func TestHint(t *testing.T) {
	const forbidden = `%s dry-run failed (Forbidden): %s is forbidden: User "system:serviceaccount:%s:flux-applier" cannot patch resource "%s" in API group "" %s`
	format := func(args ...string) string {
		out := forbidden
		for _, v := range args {
			out = strings.Replace(out, "%s", v, 1)
		}
		return out
	}
	for _, tc := range []struct {
		name, message string
		scope         v1alpha1.Scope
		want          []string // every one in the hint; none means no hint
	}{
		{
			name:    "namespace scope, cluster-scoped object",
			message: format("Namespace/apps", `namespaces "apps"`, "team-a", "namespaces", "at the cluster scope"),
			scope:   v1alpha1.ScopeNamespace,
			want:    []string{"scope is namespace", "cluster-scoped objects (namespaces)", "scope cluster"},
		},
		{
			name:    "namespace scope, another namespace",
			message: format("ConfigMap/default/settings", `configmaps "settings"`, "team-a", "configmaps", `in the namespace "default"`),
			scope:   v1alpha1.ScopeNamespace,
			want:    []string{"objects of namespace team-a only, not of default", "set their namespace to team-a"},
		},
		{
			name: "an object in a namespace without a FluxConfig runs as its missing applier",
			message: `install retries exhausted: secrets is forbidden: User "system:serviceaccount:monitoring:flux-applier" ` +
				`cannot list resource "secrets" in API group "" in the namespace "monitoring"`,
			scope: v1alpha1.ScopeCluster,
			want:  []string{"namespace monitoring run as its flux-applier", "keep them in namespace team-a", "targetNamespace"},
		},
		{
			name:    "cluster scope refused: an admission policy",
			message: format("Deployment/team-a/web", `deployments.apps "web"`, "team-a", "deployments", `in the namespace "team-a"`),
			scope:   v1alpha1.ScopeCluster,
			want:    []string{"admission policy refuses its deployments", "multiTenancy.enforce=false"},
		},
		{
			name: "webhook without dry run",
			message: `Deployment/team-a/web dry-run failed: admission webhook "validate.policy.example.com" does not support ` +
				`dry run`,
			scope: v1alpha1.ScopeCluster,
			want:  []string{"validate.policy.example.com", "sideEffects to None or NoneOnDryRun"},
		},
		{
			name: "removed Flux API version",
			message: `HelmRelease/team-a/web dry-run failed: no matches for kind "HelmRelease" in version ` +
				`"helm.toolkit.fluxcd.io/v2beta1"`,
			scope: v1alpha1.ScopeCluster,
			want:  []string{"does not serve HelmRelease helm.toolkit.fluxcd.io/v2beta1", "flux migrate", "enable it in the chart"},
		},
		{
			name:    "a kind whose CRD is not installed",
			message: `ServiceMonitor/team-a/web dry-run failed: no matches for kind "ServiceMonitor" in version "monitoring.coreos.com/v1"`,
			scope:   v1alpha1.ScopeCluster,
			want:    []string{"serves no ServiceMonitor in monitoring.coreos.com/v1", "dependsOn"},
		},
		{name: "a failure it does not know", message: `kustomization path not found: stat /tmp/x/apps: no such file or directory`},
		{name: "another account refused", message: `User "system:serviceaccount:team-a:deployer" cannot patch resource "x" in API group "" at the cluster scope`},
		{name: "empty", message: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Hint(tc.message, "team-a", tc.scope)
			if len(tc.want) == 0 {
				if got != "" {
					t.Fatalf("Hint = %q, want none", got)
				}
				return
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("Hint = %q, want it to contain %q", got, w)
				}
			}
		})
	}
}

// Hints sets a hint on Non-Compliant statuses only, and clears a stale one.
func TestHints(t *testing.T) {
	refused := `no matches for kind "Kustomization" in version "kustomize.toolkit.fluxcd.io/v1beta1"`
	ready := func(status metav1.ConditionStatus, msg string) []metav1.Condition {
		return []metav1.Condition{{Type: "Ready", Status: status, Reason: "R", Message: msg}}
	}
	statuses := []v1alpha1.ObjectStatus{
		{Name: "failing", ComplianceState: v1alpha1.NonCompliant, StatusConditions: ready(metav1.ConditionFalse, refused)},
		{Name: "pending", ComplianceState: v1alpha1.Pending, StatusConditions: ready(metav1.ConditionUnknown, refused), Hint: "stale"},
		{Name: "no conditions", ComplianceState: v1alpha1.NonCompliant},
	}
	Hints(statuses, "team-a", v1alpha1.ScopeCluster)
	if !strings.Contains(statuses[0].Hint, "flux migrate") {
		t.Errorf("failing: hint %q", statuses[0].Hint)
	}
	if statuses[1].Hint != "" || statuses[2].Hint != "" {
		t.Errorf("hints on objects not failing for a known reason: %q, %q", statuses[1].Hint, statuses[2].Hint)
	}
}

// FuzzHint: no message makes Hint panic, and a hint never carries more of the message than
// the names it quotes (bounded by the message's length plus the advice).
func FuzzHint(f *testing.F) {
	f.Add(`User "system:serviceaccount:a:flux-applier" cannot patch resource "x" in API group "" in the namespace "b"`)
	f.Add(`admission webhook "w" does not support dry run`)
	f.Add(`no matches for kind "K" in version "x.toolkit.fluxcd.io/v1beta2"`)
	f.Fuzz(func(t *testing.T, msg string) {
		for _, scope := range []v1alpha1.Scope{v1alpha1.ScopeCluster, v1alpha1.ScopeNamespace} {
			if h := Hint(msg, "team-a", scope); len(h) > len(msg)*4+512 {
				t.Fatalf("hint of %d bytes for a message of %d", len(h), len(msg))
			}
		}
	})
}
