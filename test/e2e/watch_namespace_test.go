//go:build e2e

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

package e2e

import (
	"time"

	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

// The chart's watchAllNamespaces=false runs the controller with --watch-namespace.
var _ = Describe("fluxconfig-controller --watch-namespace", func() {
	It("reconciles the FluxConfigs of that namespace, cluster RBAC included, and leaves the others alone", func(ctx SpecContext) {
		// Started first, so it is stopped last: the clean-up below needs its finalizer work.
		startBinary("fluxconfig-controller", "--metrics-bind-address=0", "--health-probe-bind-address="+freeAddr(),
			"--watch-namespace=e2e-watched")
		for _, ns := range []string{"e2e-watched", "e2e-unwatched"} {
			Expect(testenv.EnsureNamespace(ctx, k8sClient, ns)).To(Succeed())
			fc := &v1alpha1.FluxConfig{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: ns},
				Spec: v1alpha1.FluxConfigSpec{
					SourceKind: v1alpha1.SourceKindGitRepository,
					GitRepository: &v1alpha1.GitRepositoryDefinition{URL: "https://git.example.com/org/repo",
						RepositoryRef: &v1alpha1.RepositoryRefDefinition{Branch: "main"}},
				}}
			Expect(k8sClient.Create(ctx, fc)).To(Succeed())
			DeferCleanup(func() {
				_ = k8sClient.Delete(ctx, fc)
				Eventually(func() error { return k8sClient.Get(ctx, client.ObjectKeyFromObject(fc), fc) }).
					WithTimeout(30 * time.Second).ShouldNot(Succeed())
			})
		}

		Eventually(func() error {
			return k8sClient.Get(ctx, client.ObjectKey{Namespace: "e2e-watched", Name: "app"}, &sourcev1.GitRepository{})
		}).WithTimeout(30 * time.Second).Should(Succeed())
		Eventually(func() error {
			return k8sClient.Get(ctx, client.ObjectKey{Name: "flux-applier-e2e-watched"}, &rbacv1.ClusterRoleBinding{})
		}).WithTimeout(30 * time.Second).Should(Succeed())
		Consistently(func() []string {
			fc := &v1alpha1.FluxConfig{}
			Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: "e2e-unwatched", Name: "app"}, fc)).To(Succeed())
			return fc.Finalizers
		}).WithTimeout(3 * time.Second).Should(BeEmpty())
	}, SpecTimeout(2*time.Minute))
})
