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
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

// The chart's pre-delete hook runs `fluxconfig-controller cleanup`. It deletes every
// FluxConfig in the cluster, so it gets a control plane of its own rather than the suite's.
var _ = Describe("fluxconfig-controller cleanup (the chart's pre-delete hook)", func() {
	It("fails, naming what is left, while a FluxConfig is not cleaned up, and succeeds once none is left", func(ctx SpecContext) {
		own, err := testenv.Start()
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { Expect(own.Stop()).To(Succeed()) })
		c, err := client.New(own.Config, client.Options{Scheme: scheme.New()})
		Expect(err).NotTo(HaveOccurred())
		data, err := own.AdminKubeconfig("cleanup")
		Expect(err).NotTo(HaveOccurred())
		kc := asChartAccounts(ctx, c, data, GinkgoT().TempDir())["fluxconfig-cleanup"]
		run := func(timeout string) (int, string) {
			var out bytes.Buffer
			cmd := exec.CommandContext(ctx, filepath.Join(binDir, "fluxconfig-controller"), "cleanup", "--timeout="+timeout,
				"--agent-deployment=fluxconfig-system/fluxconfig-agent")
			cmd.Env = append(os.Environ(), "KUBECONFIG="+kc)
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			if exitErr := (*exec.ExitError)(nil); errors.As(err, &exitErr) {
				return exitErr.ExitCode(), out.String()
			}
			Expect(err).NotTo(HaveOccurred())
			return 0, out.String()
		}

		// A config that nothing cleans up: no controller runs here, and a finalizer holds it.
		Expect(c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "tenant"}})).To(Succeed())
		fc := &v1alpha1.FluxConfig{ObjectMeta: metav1.ObjectMeta{Name: "held", Namespace: "tenant",
			Finalizers: []string{v1alpha1.Finalizer}}, Spec: v1alpha1.FluxConfigSpec{
			SourceKind: v1alpha1.SourceKindGitRepository,
			GitRepository: &v1alpha1.GitRepositoryDefinition{URL: "https://git.example.com/org/repo",
				RepositoryRef: &v1alpha1.RepositoryRefDefinition{Branch: "main"}},
		}}
		Expect(c.Create(ctx, fc)).To(Succeed())

		// The agent goes first, or it would re-create what the hook deletes. envtest runs no
		// garbage collector, so its foreground deletion waits until the test plays that part.
		labels := map[string]string{"app.kubernetes.io/name": "fluxconfig-agent"}
		agent := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "fluxconfig-agent", Namespace: "fluxconfig-system"},
			Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "agent", Image: "fluxconfig-agent"}}}}}}
		Expect(c.Create(ctx, agent)).To(Succeed())
		code, out := run("2s")
		Expect(code).To(Equal(1), out)
		Expect(out).To(ContainSubstring("Stopping fluxconfig-system/fluxconfig-agent"))
		Expect(out).To(ContainSubstring("still has pods"))
		Expect(c.Get(ctx, client.ObjectKeyFromObject(fc), fc)).To(Succeed())
		Expect(fc.DeletionTimestamp).To(BeNil(), "no FluxConfig is deleted while the agent runs")
		Expect(c.Get(ctx, client.ObjectKeyFromObject(agent), agent)).To(Succeed())
		agent.Finalizers = nil
		Expect(c.Update(ctx, agent)).To(Succeed())

		code, out = run("2s")
		Expect(code).To(Equal(1), out)
		Expect(out).To(ContainSubstring("Deleting FluxConfig tenant/held"))
		Expect(out).To(ContainSubstring("not cleaned up yet"))
		Expect(out).To(ContainSubstring("tenant/held"))
		Expect(c.Get(ctx, client.ObjectKeyFromObject(fc), fc)).To(Succeed())
		Expect(fc.DeletionTimestamp).NotTo(BeNil(), "the hook asked for the deletion")

		// Once the finalizer goes (the controller's job), the hook succeeds.
		done := make(chan int, 1)
		go func() { code, _ := run("1m"); done <- code }()
		fc.Finalizers = nil
		Expect(c.Update(ctx, fc)).To(Succeed())
		Eventually(done).WithTimeout(time.Minute).Should(Receive(Equal(0)))
		err = c.Get(context.Background(), client.ObjectKeyFromObject(fc), fc)
		Expect(apierrors.IsNotFound(err)).To(BeTrue(), "%v", err)
	})
})
