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
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/agent/poller"
	"github.com/fluxconfig/fluxconfig/internal/agent/reporter"
	"github.com/fluxconfig/fluxconfig/internal/scheme"
)

// TestAgent_UnderAManager runs the poller and the reporter as cmd/fluxconfig-agent wires
// them: a manager, a ticking poll loop and a watch-driven reporter.
func TestAgent_UnderAManager(t *testing.T) {
	f := newFixture(t, "managed")
	g := f.g
	ns := f.ns("agent-managed")
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:  scheme.New(),
		Metrics: metricsserver.Options{BindAddress: "0"},
		// -count=N builds the same controller again in one process.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
		Client:     ctrlclient.Options{Cache: &ctrlclient.CacheOptions{DisableFor: []ctrlclient.Object{&corev1.Secret{}}}},
	})
	g.Expect(err).NotTo(HaveOccurred())
	p := &poller.Poller{Client: mgr.GetClient(), Config: f.poller.Config, Interval: 200 * time.Millisecond, Now: time.Now, Log: ctrl.Log,
		Identity: f.poller.Identity}
	g.Expect(mgr.Add(p)).To(Succeed())
	r := &reporter.Reporter{Client: mgr.GetClient(), Config: f.poller.Config, Interval: time.Second, Now: time.Now, Identity: f.poller.Identity}
	g.Expect(r.SetupWithManager(mgr)).To(Succeed())

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- mgr.Start(ctx) }()
	defer func() { cancel(); g.Expect(<-done).To(Succeed()) }()

	f.mustPut("app", gitBody(ns, map[string]string{"httpsKey": "dG9rZW4="}))
	g.Eventually(func() string {
		_, c := f.config("app")
		return c.Properties.ProvisioningState
	}, 30*time.Second, 100*time.Millisecond).Should(Equal(dpv1.ProvisioningSucceeded))

	// What the controller would write flows back to the endpoint.
	f.setStatus(ns, "app", func(fc *v1alpha1.FluxConfig) {
		fc.Status.ObservedGeneration = fc.Generation
		fc.Status.ComplianceState = v1alpha1.Compliant
		fc.Status.SourceSyncedCommitID = "main@sha1:feedface"
	})
	g.Eventually(func() string {
		_, c := f.config("app")
		return c.Properties.SourceSyncedCommitID
	}, 30*time.Second, 100*time.Millisecond).Should(Equal("main@sha1:feedface"))

	// A DELETE at the endpoint ends with the configuration gone from both sides.
	g.Expect(f.mustDelete("app", false)).NotTo(BeNil())
	g.Eventually(func() int {
		code, _ := f.config("app")
		return code
	}, 30*time.Second, 100*time.Millisecond).Should(Equal(404))
	g.Expect(ready(p)).To(Succeed())
}
