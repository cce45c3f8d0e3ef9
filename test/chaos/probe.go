//go:build chaos

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

package chaos

import (
	"context"
	"fmt"
	"time"

	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// probe is one configuration of its own that the injector changes after each fault: the
// fault is recovered from once that change went endpoint → agent → cluster → controller
// and its Succeeded came back to the endpoint.
type probe struct {
	api *client.Cluster
	k8s ctrlclient.Client
	cfg config
}

func newProbe(api *client.Cluster, k8s ctrlclient.Client) *probe {
	return &probe{api: api, k8s: k8s, cfg: config{name: "probe", namespace: "chaos-probe", scope: "cluster", kind: kindPlain}}
}

// roundTrip sends the next revision of the probe and waits until it is applied and
// reported; it returns the time since since.
func (p *probe) roundTrip(ctx context.Context, since time.Time) (time.Duration, error) {
	p.cfg.rev++
	for {
		_, err := p.api.Put(ctx, p.cfg.name, &dpv1.FluxConfiguration{Properties: p.cfg.properties()})
		if err == nil {
			break
		}
		if sleep(ctx, 250*time.Millisecond) != nil {
			return 0, fmt.Errorf("the endpoint did not accept the probe: %w", err)
		}
	}
	want := fmt.Sprintf("./rev-%d", p.cfg.rev)
	for {
		var state string
		fc := &v1alpha1.FluxConfig{}
		err := p.k8s.Get(ctx, ctrlclient.ObjectKey{Namespace: p.cfg.namespace, Name: p.cfg.name}, fc)
		switch {
		case err != nil:
			state = "reading the FluxConfig: " + err.Error()
		case len(fc.Spec.Kustomizations) != 1 || fc.Spec.Kustomizations[0].Path != want:
			state = "the FluxConfig does not carry the probe's revision yet"
		case fc.Status.ObservedGeneration != fc.Generation:
			state = fmt.Sprintf("the controller has not reconciled generation %d", fc.Generation)
		default:
			view, err := p.api.Get(ctx, p.cfg.name)
			if err == nil && view.Properties.ProvisioningState == dpv1.ProvisioningSucceeded {
				return time.Since(since), nil
			}
			state = "the endpoint has no Succeeded report yet"
		}
		if err := sleep(ctx, 250*time.Millisecond); err != nil {
			return 0, fmt.Errorf("%s", state)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
