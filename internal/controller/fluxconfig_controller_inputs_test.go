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
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// A protected-parameters Secret labelled with its config's name, as the agent writes it, is
// watched: rotating its value reaches the auth Secret without touching the FluxConfig.
func TestFluxConfigReconciler_LabelledProtectedParameters(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	secret := protectedSecret(ns)
	secret.Labels = map[string]string{v1alpha1.NameLabel: "web"}
	g.Expect(k8sClient.Create(ctx, secret)).To(Succeed())
	create(t, g, ns, httpsConfig)
	auth := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "web-auth", Namespace: ns}}
	g.Eventually(func(g Gomega) {
		get(g, auth)
		g.Expect(string(auth.Data["password"])).To(Equal(planted))
	}, timeout, poll).Should(Succeed())

	get(g, secret)
	secret.Data = map[string][]byte{v1alpha1.ProtectedHTTPSKey: []byte("rotated-token")}
	g.Expect(k8sClient.Update(ctx, secret)).To(Succeed())
	g.Eventually(func(g Gomega) {
		get(g, auth)
		g.Expect(string(auth.Data["password"])).To(Equal("rotated-token"))
	}, timeout, poll).Should(Succeed())
}
