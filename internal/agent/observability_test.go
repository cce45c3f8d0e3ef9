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
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/agent/poller"
)

const (
	connected      = `fluxconfig_agent_upstream_connected{reason="Connected"}`
	serverError    = `fluxconfig_agent_upstream_connected{reason="ServerError"}`
	createdApplies = `fluxconfig_agent_applies_total{operation="Created"}`
	updatedApplies = `fluxconfig_agent_applies_total{operation="Updated"}`
	applyErrors    = `fluxconfig_agent_apply_errors_total`
)

// The agent's metrics move as it works, read from its metrics endpoint, and it records an
// event on each FluxConfig it creates, updates, fails to update or deletes.
func TestAgent_EventsAndMetricsMove(t *testing.T) {
	f := newFixture(t, "observed")
	g := f.g
	ns := f.ns("agent-observed")
	fs := newFaultServer(t, f.endpoint.URL)
	a := f.startAgent(f.configClient(fs.URL, 300*time.Millisecond), 200*time.Millisecond)
	g.Eventually(func(g Gomega) float64 { return a.metric(g, connected) }, 30*time.Second, 50*time.Millisecond).Should(Equal(1.0))
	before := a.scrape(g)

	eventually := func(check func(g Gomega)) {
		t.Helper()
		g.Eventually(check, 30*time.Second, 100*time.Millisecond).Should(Succeed())
	}
	eventNotes := func(name, reason string) func(g Gomega) []string {
		return func(g Gomega) []string { _, notes := f.events(g, ns, name, reason); return notes }
	}

	// The notes name the operation applied.
	operation := func(g Gomega) string {
		fc := &v1alpha1.FluxConfig{}
		g.Expect(f.kube.Get(context.Background(), key(ns, "app"), fc)).To(Succeed())
		return fc.Spec.OperationID
	}
	f.mustPut("app", gitBody(ns, nil))
	eventually(func(g Gomega) {
		g.Expect(eventNotes("app", poller.EventCreated)(g)).To(ConsistOf(ContainSubstring(operation(g))))
	})
	g.Expect(a.metric(g, createdApplies)).To(Equal(before[createdApplies] + 1))

	f.mustPatch("app", `{"properties":{"kustomizations":{"apps":null}}}`)
	eventually(func(g Gomega) {
		g.Expect(eventNotes("app", poller.EventUpdated)(g)).To(ConsistOf(ContainSubstring(operation(g))))
	})
	g.Expect(a.metric(g, updatedApplies)).To(Equal(before[updatedApplies] + 1))

	// A Secret of someone else's where the protected parameters go: the update is refused.
	g.Expect(f.kube.Create(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "app-protected-parameters", Namespace: ns}})).To(Succeed())
	f.mustPatch("app", `{"properties":{"configurationProtectedSettings":{"httpsKey":"dG9rZW4="}}}`)
	eventually(func(g Gomega) {
		g.Expect(eventNotes("app", poller.EventFailed)(g)).To(ContainElement(ContainSubstring("was not created by fluxconfig-agent")))
	})
	g.Expect(a.metric(g, applyErrors)).To(BeNumerically(">", before[applyErrors]))
	// A refused operation stays Failed; once the Secret is out of the way, a new one applies.
	g.Expect(f.kube.Delete(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "app-protected-parameters", Namespace: ns}})).To(Succeed())
	f.mustPatch("app", `{"properties":{"configurationProtectedSettings":{"httpsKey":"dG9rZW4="}}}`)
	eventually(func(g Gomega) { g.Expect(a.metric(g, updatedApplies)).To(Equal(before[updatedApplies] + 2)) })

	fs.set("500")
	eventually(func(g Gomega) {
		series := a.scrape(g)
		g.Expect(series).To(HaveKeyWithValue(serverError, 0.0))
		g.Expect(series).NotTo(HaveKey(connected))
	})
	fs.set("")
	eventually(func(g Gomega) { g.Expect(a.metric(g, connected)).To(Equal(1.0)) })

	g.Expect(f.mustDelete("app", false)).NotTo(BeNil())
	eventually(func(g Gomega) {
		g.Expect(eventNotes("app", poller.EventDeleted)(g)).To(ConsistOf(ContainSubstring("the endpoint deletes")))
	})
}
