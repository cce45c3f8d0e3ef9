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

package packaging

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/cleanup"
	"github.com/fluxconfig/fluxconfig/internal/scheme"
)

// TestChart_NamespacedHookTouchesOnlyItsNamespace installs two releases with
// watchAllNamespaces=false, each with a FluxConfig in its namespace, and runs the first one's
// pre-delete hook with the arguments the chart gives it, as its ServiceAccount. It deletes its
// own release's config and nothing else; the API server would refuse it the other's anyway.
func TestChart_NamespacedHookTouchesOnlyItsNamespace(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensureCRDs(t)
	admin := adminClient(t)
	releases := []string{"hook-a", "hook-b"}
	var hookArgs []string
	for _, ns := range releases {
		objs := mustRender(t, ns, ns, map[string]any{"watchAllNamespaces": false, "crds": map[string]any{"enabled": false},
			"flux": map[string]any{"install": false}})
		var rbac []*unstructured.Unstructured
		for _, o := range objs {
			switch o.GetKind() {
			case "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding":
				rbac = append(rbac, o)
			}
		}
		g.Expect(names(rbac, "ClusterRoleBinding")).NotTo(ContainElement(HavePrefix("fluxconfig-cleanup")),
			"a namespaced release's hook holds no cluster-wide rights")
		g.Expect(admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		install(t, admin, rbac)
		if hookArgs == nil {
			hookArgs = jobArgs(g, objs, "fluxconfig-cleanup")
		}
		// No controller runs here, so no finalizer holds the configs.
		g.Expect(admin.Create(ctx, &v1alpha1.FluxConfig{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: ns},
			Spec: v1alpha1.FluxConfigSpec{SourceKind: v1alpha1.SourceKindGitRepository,
				GitRepository: &v1alpha1.GitRepositoryDefinition{URL: "https://git.example.com/org/repo",
					RepositoryRef: &v1alpha1.RepositoryRefDefinition{Branch: "main"}}}})).To(Succeed())
	}
	g.Expect(hookArgs).To(ContainElement("--watch-namespace=hook-a"))

	forbidden := &forbiddenLog{}
	hook, err := client.New(asServiceAccount("hook-a", "fluxconfig-cleanup", forbidden), client.Options{Scheme: scheme.New()})
	g.Expect(err).NotTo(HaveOccurred())
	var out bytes.Buffer
	opts := cleanup.Options{Timeout: time.Minute, Poll: 200 * time.Millisecond, Out: &out}
	for _, a := range hookArgs {
		if v, ok := strings.CutPrefix(a, "--watch-namespace="); ok {
			opts.Namespace = v
		}
	}
	g.Expect(cleanup.Run(ctx, hook, opts)).To(Succeed(), out.String())
	g.Expect(forbidden.all()).To(BeEmpty(), "requests of the hook refused")

	err = admin.Get(ctx, client.ObjectKey{Namespace: "hook-a", Name: "app"}, &v1alpha1.FluxConfig{})
	g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "hook-a's FluxConfig deleted: %v", err)
	other := &v1alpha1.FluxConfig{}
	g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: "hook-b", Name: "app"}, other)).To(Succeed())
	g.Expect(other.DeletionTimestamp).To(BeNil())
	g.Expect(apierrors.IsForbidden(hook.Delete(ctx, other))).To(BeTrue(), "hook-a's hook may not delete hook-b's FluxConfig")
	g.Expect(apierrors.IsForbidden(hook.List(ctx, &v1alpha1.FluxConfigList{}))).To(BeTrue(), "nor list FluxConfigs cluster-wide")
	g.Expect(admin.Delete(ctx, other)).To(Succeed())
}

// jobArgs returns the args of the only container of the named Job.
func jobArgs(g *WithT, objs []*unstructured.Unstructured, job string) []string {
	for _, o := range byKind(objs, "Job") {
		if o.GetName() != job {
			continue
		}
		containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
		g.Expect(containers).To(HaveLen(1), job)
		args, _, _ := unstructured.NestedStringSlice(containers[0].(map[string]any), "args")
		return args
	}
	g.Expect(job).To(BeEmpty(), "no Job %s", job)
	return nil
}
