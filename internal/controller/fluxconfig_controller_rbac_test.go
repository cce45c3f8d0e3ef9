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

package controller

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/render"
)

// The flux-applier account and binding of a namespace are shared: they outlive any single
// config and go with the last one.
func TestFluxConfigReconciler_SharedTenantRBAC(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	first := create(t, g, ns, `{metadata: {name: first}, spec: {gitRepository: {url: "https://e.com/a"}}}`)
	second := create(t, g, ns, `{metadata: {name: second}, spec: {gitRepository: {url: "https://e.com/b"}}}`)
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: render.ApplierServiceAccount, Namespace: ns}}
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: render.ClusterRoleBindingName(ns)}}
	g.Eventually(func(g Gomega) {
		get(g, sa)
		get(g, crb)
		get(g, second)
		g.Expect(second.Status.ProvisioningState).To(Equal(v1alpha1.ProvisioningSucceeded))
	}, timeout, poll).Should(Succeed())

	// The gauge reports each config.
	g.Eventually(func() float64 {
		return testutil.ToFloat64(infoGauge.WithLabelValues("first", ns, "Unknown", v1alpha1.ProgressingReason, "false", string(v1alpha1.Pending)))
	}, timeout, poll).Should(Equal(1.0))

	g.Expect(k8sClient.Delete(ctx, first)).To(Succeed())
	g.Eventually(func() bool {
		return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(first), first))
	}, timeout, poll).Should(BeTrue())
	get(g, sa)
	get(g, crb)

	g.Expect(k8sClient.Delete(ctx, second)).To(Succeed())
	for _, obj := range []client.Object{sa, crb} {
		g.Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), obj))
		}, timeout, poll).Should(BeTrue(), "%T goes with the last config", obj)
	}
}
