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

package agent_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// TestAgent_RefusedDeleteIsReportedFailed: a delete the cluster refuses (here an admission
// policy) shows at the endpoint as Failed with the policy's words, reported once, and the
// agent keeps trying: once the policy is lifted, the configuration is deleted and gone.
func TestAgent_RefusedDeleteIsReportedFailed(t *testing.T) {
	f, ns := newAppFixture(t, "refused-delete", "agent-refused-delete")
	g, ctx := f.g, context.Background()
	f.poll()
	f.fluxConfig(ns, "app")

	const reason = "FluxConfigs of this namespace are kept by policy"
	unblock := denyDeletes(t, ns, reason)
	g.Expect(f.mustDelete("app", false)).NotTo(BeNil())
	g.Eventually(func() dpv1.FluxConfigurationProperties {
		f.poll()
		_, c := f.config("app")
		return c.Properties
	}).Should(And(
		HaveField("ProvisioningState", dpv1.ProvisioningFailed),
		HaveField("ErrorMessage", ContainSubstring(reason))), "the refusal is reported with its reason")
	f.fluxConfig(ns, "app")

	reports := f.reports.Load()
	f.poll()
	f.poll()
	g.Expect(f.reports.Load()).To(Equal(reports), "the same refusal is reported once")

	unblock()
	g.Eventually(func() int {
		f.poll()
		code, _ := f.config("app")
		return code
	}).Should(Equal(http.StatusNotFound), "the delete finishes once the policy is lifted")
	g.Expect(apierrors.IsNotFound(f.kube.Get(ctx, key(ns, "app"), &v1alpha1.FluxConfig{}))).To(BeTrue())
}

// denyDeletes makes the API server refuse every delete of a FluxConfig in namespace with
// message, until the returned function lifts it. The namespace holds a FluxConfig app.
func denyDeletes(t *testing.T, namespace, message string) (lift func()) {
	t.Helper()
	g, ctx := NewWithT(t), context.Background()
	k, _ := kubeClient(t)
	policy := &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "keep-fluxconfigs-" + namespace},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			MatchConstraints: &admissionregistrationv1.MatchResources{
				ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
					RuleWithOperations: admissionregistrationv1.RuleWithOperations{
						Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Delete},
						Rule: admissionregistrationv1.Rule{APIGroups: []string{v1alpha1.GroupVersion.Group},
							APIVersions: []string{"*"}, Resources: []string{"fluxconfigs"}},
					},
				}},
			},
			Validations: []admissionregistrationv1.Validation{{Expression: "false", Message: message}},
		},
	}
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: policy.Name},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        policy.Name,
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
			MatchResources: &admissionregistrationv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
				MatchLabels: map[string]string{"kubernetes.io/metadata.name": namespace}}},
		},
	}
	g.Expect(k.Create(ctx, policy)).To(Succeed())
	g.Expect(k.Create(ctx, binding)).To(Succeed())
	// The API server takes up a policy a moment after it is written: a dry-run delete shows
	// when it has.
	probe := &v1alpha1.FluxConfig{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "app"}}
	g.Eventually(func() error {
		return k.Delete(ctx, probe, ctrlclient.DryRunAll)
	}).WithTimeout(30*time.Second).Should(MatchError(ContainSubstring(message)), "the policy takes effect")
	lifted := false
	lift = func() {
		if !lifted {
			lifted = true
			g.Expect(k.Delete(ctx, binding)).To(Succeed())
			g.Expect(k.Delete(ctx, policy)).To(Succeed())
		}
	}
	t.Cleanup(lift)
	return lift
}
