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

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// A HelmRelease a Kustomization applied is reported with appliedBy and its release
// properties, and its failure makes the config Non-Compliant.
func TestFluxConfigReconciler_AppliedObjects(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	fc, k := createGitConfig(t, g, ns, "charts", "releases")

	hr := &helmv2.HelmRelease{
		ObjectMeta: metav1.ObjectMeta{Name: "podinfo", Namespace: ns, Labels: map[string]string{
			"kustomize.toolkit.fluxcd.io/name": k.Name, "kustomize.toolkit.fluxcd.io/namespace": ns,
		}},
		Spec: helmv2.HelmReleaseSpec{
			Interval: metav1.Duration{Duration: 600e9},
			Chart: &helmv2.HelmChartTemplate{Spec: helmv2.HelmChartTemplateSpec{
				Chart: "podinfo", SourceRef: helmv2.CrossNamespaceObjectReference{Kind: "GitRepository", Name: "charts"},
			}},
		},
	}
	g.Expect(k8sClient.Create(ctx, hr)).To(Succeed())
	get(g, hr)
	hr.Status.ObservedGeneration = hr.Generation
	hr.Status.Failures = 2
	hr.Status.HelmChart = ns + "/" + ns + "-podinfo"
	hr.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionFalse, Reason: "InstallFailed",
		Message: "chart install failed", LastTransitionTime: metav1.Now()}}
	g.Expect(k8sClient.Status().Update(ctx, hr)).To(Succeed())

	get(g, k)
	k.Status.Inventory = &kustomizev1.ResourceInventory{Entries: []kustomizev1.ResourceRef{
		{ID: ns + "_podinfo_helm.toolkit.fluxcd.io_HelmRelease", Version: "v2"},
		{ID: ns + "_podinfo_apps_Deployment", Version: "v1"},
	}}
	g.Expect(k8sClient.Status().Update(ctx, k)).To(Succeed())

	g.Eventually(func(g Gomega) {
		get(g, fc)
		var found *v1alpha1.ObjectStatus
		for i, s := range fc.Status.Statuses {
			if s.Kind == "HelmRelease" {
				found = &fc.Status.Statuses[i]
			}
		}
		g.Expect(found).NotTo(BeNil(), "the HelmRelease is reported; the Deployment is not a Flux object")
		g.Expect(fc.Status.Statuses).To(HaveLen(3))
		g.Expect(found.AppliedBy.Name).To(Equal(k.Name))
		g.Expect(found.ComplianceState).To(Equal(v1alpha1.NonCompliant))
		g.Expect(found.HelmReleaseProperties.FailureCount).To(Equal(int64(2)))
		g.Expect(found.HelmReleaseProperties.HelmChartRef.Name).To(Equal(ns + "-podinfo"))
		g.Expect(fc.Status.ComplianceState).To(Equal(v1alpha1.NonCompliant))
		g.Expect(condition(fc, v1alpha1.ReadyCondition).Message).To(ContainSubstring("chart install failed"))
	}, timeout, poll).Should(Succeed())
}
