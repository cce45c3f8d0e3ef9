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

package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/render"
	"github.com/fluxconfig/fluxconfig/internal/sshkey"
)

// floorResult is a bare client doing only the writes a converge cannot avoid.
type floorResult struct {
	Seconds           float64        `json:"seconds"`
	Requests          map[string]int `json:"requests"`
	RequestsPerConfig float64        `json:"requestsPerConfig"`
}

// floor creates the same configs as the converge, the same way, while a bare client with
// the controller's QPS, burst and concurrency writes exactly what the controller writes:
// every rendered object once (the shared RBAC once per namespace) with server-side apply,
// as the design requires, and the final status once. It reads nothing and never waits.
func (o *options) floor(ctx context.Context, c *cluster, fx []fixture, statuses map[string]v1alpha1.FluxConfigStatus) (floorResult, error) {
	count := &counter{}
	bare, err := c.client(float32(o.qps), o.burst, count)
	if err != nil {
		return floorResult{}, err
	}
	ready := make(chan int, len(fx))
	start := time.Now()
	created := make(chan error, 1)
	go func() {
		created <- createInputs(ctx, c.user, fx, ready)
		close(ready)
	}()
	var shared sync.Map
	var errs []error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range o.concurrent {
		wg.Go(func() {
			for i := range ready {
				if err := writeRendered(ctx, bare, fx[i], statuses, &shared); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if err := <-created; err != nil {
		return floorResult{}, err
	}
	if len(errs) > 0 {
		return floorResult{}, errs[0]
	}
	res := floorResult{Seconds: time.Since(start).Seconds(), Requests: count.snapshot()}
	res.RequestsPerConfig = float64(total(res.Requests)) / float64(len(fx))
	return res, nil
}

// writeRendered renders one config as the controller does and writes it.
func writeRendered(ctx context.Context, c client.Client, f fixture, statuses map[string]v1alpha1.FluxConfigStatus, shared *sync.Map) error {
	fc := f.config
	var in render.Inputs
	if f.secret != nil {
		in.ProtectedParameters = f.secret.Data
	}
	if render.NeedsGeneratedSSHKey(fc, in.ProtectedParameters) {
		key, err := sshkey.Generate(rand.Reader, fc.Namespace+"/"+fc.Name)
		if err != nil {
			return err
		}
		in.GeneratedSSHKey = key
	}
	rendered, err := render.Render(fc, in, render.Options{MultiTenancy: true, KnownHosts: render.BuiltInKnownHosts})
	if err != nil {
		return err
	}
	for _, obj := range rendered.Objects {
		if obj.GetLabels()[v1alpha1.TenantRBACLabel] == "true" {
			key := fmt.Sprintf("%T/%s/%s", obj, obj.GetNamespace(), obj.GetName())
			if _, done := shared.LoadOrStore(key, true); done {
				continue
			}
		}
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
		if err != nil {
			return err
		}
		u := &unstructured.Unstructured{Object: m}
		delete(u.Object, "status")
		unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
		if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner("fluxconfig-floor"), client.ForceOwnership); err != nil {
			return fmt.Errorf("floor: applying %s %s: %w", u.GetKind(), u.GetName(), err)
		}
	}
	// The status the controller reached for the same config, so the write has its size.
	obj := fc.DeepCopy()
	base := obj.DeepCopy()
	obj.Status = statuses[fc.Name]
	if err := c.Status().Patch(ctx, obj, client.MergeFrom(base)); err != nil {
		return fmt.Errorf("floor: status of %s: %w", fc.Name, err)
	}
	return nil
}
