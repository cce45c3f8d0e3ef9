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
	"encoding/base64"
	"sync/atomic"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/agent"
	"github.com/fluxconfig/fluxconfig/internal/agent/drift"
)

// A desired set where one configuration changed costs one write; a FluxConfig changed by
// hand is still put back by the next poll that returns the set.
func TestAgent_OnlyChangedConfigurationsAreApplied(t *testing.T) {
	f := newFixture(t, "changed")
	g, ns := f.g, f.ns("agent-changed")
	ctx := context.Background()
	f.mustPut("a", gitBody(ns, nil))
	f.mustPut("b", gitBody(ns, nil))
	f.poll()

	changed := gitBody(ns, nil)
	changed["properties"].(map[string]any)["suspend"] = true
	f.mustPut("b", changed)
	before := f.writes.Writes()
	f.poll()
	g.Expect(f.writes.Writes()-before).To(Equal(int64(1)), "only b is applied")

	a := &v1alpha1.FluxConfig{}
	g.Expect(f.kube.Get(ctx, key(ns, "a"), a)).To(Succeed())
	a.Spec.Kustomizations[0].Path = "./edited-by-hand"
	g.Expect(f.kube.Update(ctx, a)).To(Succeed())
	f.mustPut("b", gitBody(ns, nil))
	f.poll()
	g.Expect(f.kube.Get(ctx, key(ns, "a"), a)).To(Succeed())
	for _, k := range a.Spec.Kustomizations {
		g.Expect(k.Path).NotTo(Equal("./edited-by-hand"))
	}
}

// The endpoint sends a configuration's protected settings at every poll until the agent
// reports its operation: a poll that brings them unchanged does not read the Secret again,
// and new settings are read and written.
func TestAgent_UnchangedProtectedSettingsAreNotReadAgain(t *testing.T) {
	f := newFixture(t, "secret-reads")
	g, ns, ctx := f.g, f.ns("agent-secret-reads"), context.Background()
	reads := &secretReads{Client: f.kube}
	f.poller.Client, f.poller.Desired = reads, &drift.Desired{}
	f.mustPut("a", gitBody(ns, map[string]string{"httpsKey": base64.StdEncoding.EncodeToString([]byte("first"))}))
	f.poll()
	g.Expect(reads.n.Load()).To(Equal(int64(1)))

	f.mustPut("b", gitBody(ns, nil)) // the set changes; a's settings do not
	f.poll()
	g.Expect(reads.n.Load()).To(Equal(int64(1)), "a's Secret is not read again")

	f.mustPut("a", gitBody(ns, map[string]string{"httpsKey": base64.StdEncoding.EncodeToString([]byte("second"))}))
	f.poll()
	g.Expect(reads.n.Load()).To(Equal(int64(2)), "new settings are checked against the Secret")
	secret := &corev1.Secret{}
	g.Expect(f.kube.Get(ctx, key(ns, agent.ProtectedParametersSecretName("a")), secret)).To(Succeed())
	g.Expect(string(secret.Data["httpsKey"])).To(Equal("second"))
}

// secretReads counts the Secrets read through it.
type secretReads struct {
	ctrlclient.Client
	n atomic.Int64
}

func (c *secretReads) Get(ctx context.Context, key ctrlclient.ObjectKey, obj ctrlclient.Object, opts ...ctrlclient.GetOption) error {
	if _, ok := obj.(*corev1.Secret); ok {
		c.n.Add(1)
	}
	return c.Client.Get(ctx, key, obj, opts...)
}
