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
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/agent/poller"
	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/internal/tenancy"
)

// refuseByPolicy makes the API server refuse to create or update the FluxConfig named
// refused, and to delete the one named undeletable, in namespace, as an admission policy of
// the cluster would; it waits until the policy is in force. The returned func removes it.
func (f *fixture) refuseByPolicy(namespace, refused, undeletable string) (remove func()) {
	f.t.Helper()
	ctx := context.Background()
	policy := &admissionv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: namespace + "-refuse"},
		Spec: admissionv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: ptrTo(admissionv1.Fail),
			MatchConstraints: &admissionv1.MatchResources{
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: namespace}},
				ResourceRules: []admissionv1.NamedRuleWithOperations{{RuleWithOperations: admissionv1.RuleWithOperations{
					Operations: []admissionv1.OperationType{admissionv1.Create, admissionv1.Update, admissionv1.Delete},
					Rule: admissionv1.Rule{APIGroups: []string{v1alpha1.GroupVersion.Group}, APIVersions: []string{"*"},
						Resources: []string{"fluxconfigs"}},
				}}},
			},
			Validations: []admissionv1.Validation{
				{Expression: "request.operation == 'DELETE' || object.metadata.name != '" + refused + "'",
					Message: "configs named " + refused + " are not allowed in this namespace"},
				{Expression: "request.operation != 'DELETE' || oldObject.metadata.name != '" + undeletable + "'",
					Message: undeletable + " may not be deleted"},
			},
		},
	}
	binding := &admissionv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: namespace + "-refuse"},
		Spec: admissionv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: policy.Name,
			ValidationActions: []admissionv1.ValidationAction{admissionv1.Deny}},
	}
	f.g.Expect(f.kube.Create(ctx, policy)).To(Succeed())
	f.g.Expect(f.kube.Create(ctx, binding)).To(Succeed())
	remove = func() { _ = f.kube.Delete(ctx, binding); _ = f.kube.Delete(ctx, policy) }
	f.t.Cleanup(remove)
	probe := &v1alpha1.FluxConfig{ObjectMeta: metav1.ObjectMeta{Name: refused, Namespace: namespace},
		Spec: v1alpha1.FluxConfigSpec{SourceKind: v1alpha1.SourceKindGitRepository,
			GitRepository: &v1alpha1.GitRepositoryDefinition{URL: "https://git.example.com/org/repo"}}}
	f.g.Eventually(func() error {
		return f.kube.Create(ctx, probe.DeepCopy(), ctrlclient.DryRunAll)
	}, 30*time.Second, 100*time.Millisecond).Should(MatchError(ContainSubstring("are not allowed in this namespace")))
	return remove
}

func ptrTo[T any](v T) *T { return &v }

// flakyWrites fails the agent's writes of one FluxConfig, as a connection that drops.
type flakyWrites struct {
	next     http.RoundTripper
	name     string
	on       atomic.Bool
	attempts atomic.Int64
}

func (fw *flakyWrites) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPatch && strings.HasSuffix(r.URL.Path, "/fluxconfigs/"+fw.name) {
		fw.attempts.Add(1)
		if fw.on.Load() {
			return nil, errors.New("connection reset by peer")
		}
	}
	return fw.next.RoundTrip(r)
}

func (f *fixture) createNamespace(name string) {
	f.t.Helper()
	f.g.Expect(f.kube.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})).To(Succeed())
}

// foreignSecret is a user's Secret with the name the agent writes protected settings to.
func (f *fixture) foreignSecret(namespace, config string) *corev1.Secret {
	f.t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: config + "-protected-parameters", Namespace: namespace},
		Data: map[string][]byte{"mine": []byte("user-value")}}
	f.g.Expect(f.kube.Create(context.Background(), s)).To(Succeed())
	return s
}

func TestAgent_OneBadItemDoesNotStallTheOthers(t *testing.T) {
	f := newFixture(t, "badone")
	g, ctx := f.g, context.Background()
	ns := f.ns("agent-badone")
	f.createNamespace(ns)
	foreign := f.foreignSecret(ns, "foreign")
	allowAll := f.refuseByPolicy(ns, "refused", "undeletable")
	flaky := &flakyWrites{name: "flaky"}
	flaky.on.Store(true)
	c := rest.CopyConfig(cfg)
	c.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { flaky.next = rt; return flaky }
	kube, err := ctrlclient.New(c, ctrlclient.Options{Scheme: scheme.New()})
	g.Expect(err).NotTo(HaveOccurred())
	f.poller.Client = kube

	f.mustPut("foreign", gitBody(ns, map[string]string{"httpsKey": "c2VjcmV0LXZhbHVl"}))
	f.mustPut("refused", gitBody(ns, nil))
	f.mustPut("flaky", gitBody(ns, nil))
	f.mustPut("good", gitBody(ns, map[string]string{"httpsKey": "dG9rZW4="}))
	f.mustPut("undeletable", gitBody(ns, nil))
	g.Expect(f.poller.Poll(ctx)).To(Succeed(), "one bad item neither fails the poll nor backs off the agent")

	g.Expect(f.fluxConfig(ns, "good").Spec.ProtectedParametersSecretRef).NotTo(BeNil())
	for _, name := range []string{"foreign", "refused", "flaky"} {
		g.Expect(f.gone(ns, name)).To(BeTrue(), name)
	}
	mine := &corev1.Secret{}
	g.Expect(f.kube.Get(ctx, key(ns, "foreign-protected-parameters"), mine)).To(Succeed())
	g.Expect(mine.ResourceVersion).To(Equal(foreign.ResourceVersion), "a user's Secret is never written")
	_, state := f.config("foreign")
	g.Expect(state.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningFailed))
	g.Expect(state.Properties.ErrorMessage).To(ContainSubstring("Secret " + ns + "/foreign-protected-parameters exists and was not created by fluxconfig-agent"))
	g.Expect(state.Properties.ErrorMessage).NotTo(Or(ContainSubstring("secret-value"), ContainSubstring("c2VjcmV0LXZhbHVl"), ContainSubstring("user-value")))
	_, state = f.config("refused")
	g.Expect(state.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningFailed))
	g.Expect(state.Properties.ErrorMessage).To(ContainSubstring("configs named refused are not allowed in this namespace"))
	_, state = f.config("flaky")
	g.Expect(state.Properties.ProvisioningState).NotTo(Equal(dpv1.ProvisioningFailed), "a passing error is retried, not reported")
	g.Expect(flaky.attempts.Load()).To(Equal(int64(1)))

	// The others go on: a change is applied at the next poll, while flaky waits for its own
	// backoff (the agent's clock has not moved) and a deletion the cluster refuses waits too.
	f.mustPatch("good", `{"properties":{"suspend":true}}`)
	g.Expect(f.mustDelete("undeletable", false)).NotTo(BeNil())
	f.poll()
	g.Expect(f.fluxConfig(ns, "good").Spec.Suspend).To(BeTrue())
	g.Expect(f.gone(ns, "undeletable")).To(BeFalse())
	g.Expect(flaky.attempts.Load()).To(Equal(int64(1)), "flaky backs off alone")
	wait, ok := f.poller.NextRetry()
	g.Expect(ok).To(BeTrue())
	g.Expect(wait).To(BeNumerically("<=", time.Second), "the poll loop wakes for it before its interval")

	// Its backoff passes, the cluster answers again: flaky is applied, by a poll that
	// brought no change.
	flaky.on.Store(false)
	f.clock.Advance(2 * time.Second)
	f.poll()
	g.Expect(f.fluxConfig(ns, "flaky").Spec.OperationID).NotTo(BeEmpty())
	_, ok = f.poller.NextRetry()
	g.Expect(ok).To(BeFalse())

	// The deletion is tried again at every poll, and goes through once the cluster allows it.
	allowAll()
	g.Eventually(func() int {
		f.poll()
		code, _ := f.config("undeletable")
		return code
	}, 30*time.Second, 100*time.Millisecond).Should(Equal(http.StatusNotFound))
	g.Expect(f.gone(ns, "undeletable")).To(BeTrue())

	// Failed operations are reported once: later polls neither apply nor report them again.
	reports, writes := f.reports.Load(), f.writes.Writes()
	f.poll()
	f.poll()
	g.Expect(f.reports.Load()).To(Equal(reports))
	g.Expect(f.writes.Writes()).To(Equal(writes))
	g.Expect(f.gone(ns, "foreign")).To(BeTrue())
	g.Expect(f.gone(ns, "refused")).To(BeTrue())
}

func TestAgent_RestartedAgentDoesNotReapplyAFailedOperation(t *testing.T) {
	f := newFixture(t, "failedop")
	g, ctx := f.g, context.Background()
	ns, state := f.ns("agent-failedop"), f.ns("agent-failedop-release")
	f.createNamespace(ns)
	f.createNamespace(state)
	f.poller.StateNamespace = state
	foreign := f.foreignSecret(ns, "app")
	f.mustPut("app", gitBody(ns, map[string]string{"httpsKey": "dG9rZW4="}))
	f.poll()
	_, c := f.config("app")
	g.Expect(c.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningFailed))
	list, err := f.poller.Config.ListDesired(ctx, "")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(list.Items[0].ConfigurationProtectedSettings).To(BeEmpty(), "the report purged the protected settings")

	// The failure is kept in the release namespace, without any secret value.
	kept := &corev1.SecretList{}
	g.Expect(f.kube.List(ctx, kept, ctrlclient.InNamespace(state),
		ctrlclient.MatchingLabels{v1alpha1.AgentClusterLabel: "failedop", v1alpha1.AgentEndpointLabel: f.poller.Identity.Endpoint})).To(Succeed())
	g.Expect(kept.Items).To(HaveLen(1))
	g.Expect(string(kept.Items[0].Data["app"])).To(ContainSubstring(c.Properties.ErrorMessage[:40]))
	g.Expect(string(kept.Items[0].Data["app"])).NotTo(ContainSubstring("dG9rZW4="))

	// The user moves their Secret away. The operation stays Failed: applied now, it would
	// lack its protected settings.
	g.Expect(f.kube.Delete(ctx, foreign)).To(Succeed())
	f.poll()
	g.Expect(f.gone(ns, "app")).To(BeTrue())

	// A restarted agent remembers it too.
	restarted := &poller.Poller{Client: f.kube, Config: f.poller.Config, Interval: time.Second, Now: f.clock.Now,
		Log: logr.Discard(), Identity: f.poller.Identity, StateNamespace: state}
	g.Expect(restarted.Poll(ctx)).To(Succeed())
	g.Expect(f.gone(ns, "app")).To(BeTrue())
	_, c = f.config("app")
	g.Expect(c.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningFailed))

	// A new operation, with its settings, is applied.
	f.mustPut("app", gitBody(ns, map[string]string{"httpsKey": "dG9rZW4="}))
	g.Expect(restarted.Poll(ctx)).To(Succeed())
	g.Expect(f.fluxConfig(ns, "app").Spec.ProtectedParametersSecretRef).NotTo(BeNil())
	secret := &corev1.Secret{}
	g.Expect(f.kube.Get(ctx, key(ns, "app-protected-parameters"), secret)).To(Succeed())
	g.Expect(string(secret.Data["httpsKey"])).To(Equal("token"))
}

func TestAgent_RefusesProtectedNamespaces(t *testing.T) {
	f := newFixture(t, "protected")
	g, ctx := f.g, context.Background()
	locked, release, open := f.ns("agent-locked"), f.ns("agent-release"), f.ns("agent-open")
	f.poller.Protected = tenancy.NewProtected(append(slices.Clone(tenancy.DefaultProtectedNamespaces), locked), release)
	f.mustPut("in-locked", gitBody(locked, map[string]string{"httpsKey": "dG9rZW4="}))
	f.mustPut("in-release", gitBody(release, nil))
	f.mustPut("in-open", gitBody(open, nil))
	f.poll()

	f.fluxConfig(open, "in-open")
	for name, ns := range map[string]string{"in-locked": locked, "in-release": release} {
		g.Expect(apierrors.IsNotFound(f.kube.Get(ctx, key("", ns), &corev1.Namespace{}))).To(BeTrue(), "namespace %s is not even created", ns)
		_, c := f.config(name)
		g.Expect(c.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningFailed), name)
		g.Expect(c.Properties.ErrorMessage).To(Equal(f.poller.Protected.Check(ns).Error()), name)
	}
	g.Expect(f.poller.Protected.Check("kube-system")).To(HaveOccurred())
}
