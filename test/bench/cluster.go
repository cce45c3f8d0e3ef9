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
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// counter counts the requests a client sent, by HTTP method: the bench's own clients wrap
// their transport with it.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) wrap(rt http.RoundTripper) http.RoundTripper {
	return testutil.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
		c.mu.Lock()
		if c.n == nil {
			c.n = map[string]int{}
		}
		c.n[req.Method]++
		c.mu.Unlock()
		return rt.RoundTrip(req)
	})
}

func (c *counter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.n {
		out[k] = v
	}
	return out
}

// cluster is a fresh envtest control plane with the CRDs installed and a kubeconfig for the
// processes under test.
type cluster struct {
	env        *testenv.Environment
	kubeconfig string
	// user is an unthrottled admin client: the person or agent creating configs.
	user client.Client
}

func startCluster(dir, name string) (*cluster, error) {
	env, err := testenv.Start()
	if err != nil {
		return nil, err
	}
	c := &cluster{env: env, kubeconfig: filepath.Join(dir, name+".kubeconfig")}
	data, err := env.AdminKubeconfig(name)
	if err == nil {
		err = os.WriteFile(c.kubeconfig, data, 0o600)
	}
	if err == nil {
		c.user, err = c.client(-1, 0, nil)
	}
	if err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

// client returns an admin client with the given rate limits (qps < 0: none), its requests
// counted when count is set.
func (c *cluster) client(qps float32, burst int, count *counter) (client.Client, error) {
	cfg := rest.CopyConfig(c.env.Config)
	cfg.QPS, cfg.Burst = qps, burst
	if count != nil {
		cfg.Wrap(count.wrap)
	}
	return client.New(cfg, client.Options{Scheme: scheme.New()})
}

// fluxConfigCacheReady waits until the API server serves FluxConfigs from its watch cache.
// In a cluster the agent joins, fluxconfig-controller already watches FluxConfigs, so that
// cache is ready; on the bench's fresh API server the agent would be the first to touch the
// resource, and its informers would wait out a "storage is (re)initializing" answer
// (Retry-After: 1s) that no real cluster gives them. A list at resourceVersion 0 is served
// from the cache, and the client retries it while the cache initializes.
func (c *cluster) fluxConfigCacheReady(ctx context.Context) error {
	list := &metav1.PartialObjectMetadataList{}
	list.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind("FluxConfigList"))
	if err := c.user.List(ctx, list, &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: "0"}}); err != nil {
		return fmt.Errorf("waiting for the FluxConfig watch cache: %w", err)
	}
	return nil
}

func (c *cluster) stop() {
	if err := c.env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "bench: stopping the control plane:", err)
	}
}

func (c *cluster) namespaces(ctx context.Context, names []string) error {
	for _, ns := range names {
		if err := testenv.EnsureNamespace(ctx, c.user, ns); err != nil {
			return err
		}
	}
	return nil
}

// parallel runs fn for 0..n-1 on workers goroutines and returns the first error.
func parallel(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

// foreignLoad creates Secrets and ConfigMaps that have nothing to do with fluxconfig, of
// about 1 KiB each, spread over the namespaces.
func (c *cluster) foreignLoad(ctx context.Context, namespaces []string, count int) error {
	payload := make([]byte, 1024)
	for i := range payload {
		payload[i] = byte('a' + i%26)
	}
	return parallel(ctx, count, 16, func(ctx context.Context, i int) error {
		meta := metav1.ObjectMeta{Name: fmt.Sprintf("unrelated-%05d", i), Namespace: namespaces[i%len(namespaces)],
			Labels: map[string]string{"app.kubernetes.io/name": "unrelated"}}
		if err := c.user.Create(ctx, &corev1.Secret{ObjectMeta: meta, Data: map[string][]byte{"blob": payload}}); err != nil {
			return err
		}
		return c.user.Create(ctx, &corev1.ConfigMap{ObjectMeta: meta, Data: map[string]string{"blob": string(payload)}})
	})
}
