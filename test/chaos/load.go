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
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
)

// The kinds of configuration the churn creates.
const (
	// kindSSH has an ssh URL and no key, so the controller generates one.
	kindSSH = "ssh-generated-key"
	// kindSecret carries a planted secret as the httpsKey protected setting.
	kindSecret = "https-protected"
	// kindPlain is a public https repository.
	kindPlain = "https-public"
)

// configsPerNamespace is about how many configs share a namespace: few enough that a
// namespace empties now and then, which is when its shared tenant RBAC must go. Scopes never
// mix in one namespace (that is the ScopeConflict rule, tested elsewhere).
const configsPerNamespace = 5

// config is the churn's view of one configuration. Names are never reused, so a name is one
// life of one configuration: a generated key may change only with the name.
type config struct {
	name, namespace, scope, kind string
	rev                          int
	suspended                    bool
	secret                       string
}

// load drives creates, updates, suspends and deletes through the endpoint's management API.
type load struct {
	api     *client.Cluster
	rng     *rand.Rand
	target  int
	secrets []string
	// namespaces per scope
	namespaces int

	mu      sync.Mutex
	seq     int
	live    map[string]*config
	busy    map[string]bool
	created map[string]*config // every configuration ever sent, by name
	ops     map[string]int
	errs    map[string]int
}

func newLoad(api *client.Cluster, seed uint64, target int) *load {
	rng := newRand(seed, 1)
	secrets := make([]string, 8)
	for i := range secrets {
		secrets[i] = fmt.Sprintf("chaos-secret-%d-%016x", i, rng.Uint64())
	}
	return &load{api: api, rng: rng, target: target, secrets: secrets, namespaces: max(2, target/2/configsPerNamespace),
		live: map[string]*config{}, busy: map[string]bool{}, created: map[string]*config{},
		ops: map[string]int{}, errs: map[string]int{}}
}

// properties renders c as the endpoint's model.
func (c *config) properties() dpv1.FluxConfigurationProperties {
	suspend, wait := c.suspended, false
	p := dpv1.FluxConfigurationProperties{
		Scope: c.scope, Namespace: c.namespace, SourceKind: "GitRepository", Suspend: &suspend,
		WaitForReconciliation: &wait,
		Kustomizations: map[string]*dpv1.KustomizationDefinition{
			"app": {Path: fmt.Sprintf("./rev-%d", c.rev)},
		},
	}
	ref := &dpv1.RepositoryRefDefinition{Branch: "main"}
	switch c.kind {
	case kindSSH:
		// Only the path changes: the URL stays ssh, so the generated key must stay.
		p.GitRepository = &dpv1.GitRepositoryDefinition{URL: "ssh://git@github.com/chaos/" + c.name, RepositoryRef: ref}
	case kindSecret:
		p.GitRepository = &dpv1.GitRepositoryDefinition{URL: "https://git.example.com/chaos/" + c.name, HTTPSUser: "chaos", RepositoryRef: ref}
		p.ConfigurationProtectedSettings = map[string]string{"httpsKey": base64.StdEncoding.EncodeToString([]byte(c.secret))}
	default:
		p.GitRepository = &dpv1.GitRepositoryDefinition{URL: "https://git.example.com/chaos/" + c.name, RepositoryRef: ref}
	}
	return p
}

// next picks the next operation and marks its config busy; it returns nil when there is
// nothing to do that is not already in flight.
func (l *load) next(rampOnly bool) func(context.Context) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var idle []*config
	for _, c := range l.live {
		if !l.busy[c.name] {
			idle = append(idle, c)
		}
	}
	sort.Slice(idle, func(i, j int) bool { return idle[i].name < idle[j].name })
	r := l.rng.Float64()
	switch {
	case len(l.live) < l.target*9/10 || rampOnly || len(idle) == 0:
		if rampOnly && len(l.live) >= l.target {
			return nil
		}
		if len(idle) == 0 && len(l.live) >= l.target*11/10 {
			return nil
		}
		return l.createLocked()
	case r < 0.4:
		c := idle[l.rng.IntN(len(idle))]
		next := *c
		next.rev++
		return l.mark(c.name, "update", func(ctx context.Context) error { return l.put(ctx, &next) })
	case r < 0.6:
		c := idle[l.rng.IntN(len(idle))]
		suspend := !c.suspended
		return l.mark(c.name, "suspend", func(ctx context.Context) error {
			_, err := l.api.Patch(ctx, c.name, map[string]any{"properties": map[string]any{"suspend": suspend}})
			if err == nil {
				l.mu.Lock()
				c.suspended = suspend
				l.mu.Unlock()
			}
			return err
		})
	case r < 0.65:
		return l.emptyNamespaceLocked(idle[l.rng.IntN(len(idle))].namespace)
	case r < 0.8 || len(l.live) > l.target*11/10:
		c := idle[l.rng.IntN(len(idle))]
		return l.mark(c.name, "delete", func(ctx context.Context) error {
			_, err := l.api.Delete(ctx, c.name, client.DeleteOptions{})
			if err == nil || client.IsNotFound(err) {
				l.mu.Lock()
				delete(l.live, c.name)
				l.mu.Unlock()
				return nil
			}
			return err
		})
	default:
		return l.createLocked()
	}
}

// emptyNamespaceLocked deletes every idle config of namespace at once, as a team leaving
// does: the last configs of a namespace go concurrently, with its shared tenant RBAC.
func (l *load) emptyNamespaceLocked(namespace string) func(context.Context) {
	var names []string
	for _, c := range l.live {
		if c.namespace == namespace && !l.busy[c.name] {
			names = append(names, c.name)
			l.busy[c.name] = true
		}
	}
	return func(ctx context.Context) {
		var wg sync.WaitGroup
		for _, name := range names {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := l.api.Delete(ctx, name, client.DeleteOptions{})
				l.mu.Lock()
				defer l.mu.Unlock()
				delete(l.busy, name)
				l.ops["delete"]++
				if err == nil || client.IsNotFound(err) {
					delete(l.live, name)
				} else {
					l.errs["delete"]++
				}
			}()
		}
		wg.Wait()
	}
}

func (l *load) createLocked() func(context.Context) {
	l.seq++
	c := &config{name: fmt.Sprintf("c%05d", l.seq)}
	if l.rng.IntN(2) == 0 {
		c.scope, c.namespace = "cluster", fmt.Sprintf("chaos-c%d", l.rng.IntN(l.namespaces))
	} else {
		c.scope, c.namespace = "namespace", fmt.Sprintf("chaos-n%d", l.rng.IntN(l.namespaces))
	}
	c.kind = []string{kindSSH, kindSecret, kindPlain}[l.rng.IntN(3)]
	if c.kind == kindSecret {
		c.secret = l.secrets[l.rng.IntN(len(l.secrets))]
	}
	l.created[c.name] = c
	return l.mark(c.name, "create", func(ctx context.Context) error { return l.put(ctx, c) })
}

// put sends c whole; on success it becomes the live view of its name.
func (l *load) put(ctx context.Context, c *config) error {
	_, err := l.api.Put(ctx, c.name, &dpv1.FluxConfiguration{Properties: c.properties()})
	if err == nil {
		l.mu.Lock()
		l.live[c.name] = c
		l.mu.Unlock()
	}
	return err
}

func (l *load) mark(name, op string, do func(context.Context) error) func(context.Context) {
	l.busy[name] = true
	return func(ctx context.Context) {
		err := do(ctx)
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.busy, name)
		l.ops[op]++
		if err != nil {
			l.errs[op]++
		}
	}
}

// run sends operations with workers in parallel at about rate per second until ctx ends;
// rampOnly creates until target configs are live, then returns.
func (l *load) run(ctx context.Context, workers int, rate float64, rampOnly bool) {
	work := make(chan func(context.Context))
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for op := range work {
				opCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
				op(opCtx)
				cancel()
			}
		}()
	}
	defer func() { close(work); wg.Wait() }()
	var tick <-chan time.Time
	if rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / rate))
		defer t.Stop()
		tick = t.C
	}
	for ctx.Err() == nil {
		if tick != nil {
			select {
			case <-ctx.Done():
				return
			case <-tick:
			}
		}
		op := l.next(rampOnly)
		if op == nil {
			if rampOnly && l.liveCount() >= l.target {
				return
			}
			time.Sleep(50 * time.Millisecond)
			continue
		}
		select {
		case work <- op:
		case <-ctx.Done():
			return
		}
	}
}

func (l *load) liveCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.live)
}

// everCreated returns every configuration the churn sent, by name.
func (l *load) everCreated() map[string]*config {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]*config, len(l.created))
	for k, v := range l.created {
		out[k] = v
	}
	return out
}

// counts returns the operations sent and those that failed, by kind.
func (l *load) counts() (ops, errs map[string]int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ops, errs = map[string]int{}, map[string]int{}
	for k, v := range l.ops {
		ops[k] = v
	}
	for k, v := range l.errs {
		errs[k] = v
	}
	return ops, errs
}

// burst sends n creates at once, so the endpoint's store must grow: a full disk only hurts
// a store that needs new pages. It returns how many the endpoint refused, and the names it
// took.
func (l *load) burst(ctx context.Context, n int) (refused int, took []string) {
	ops := make([]func(context.Context), n)
	names := make([]string, n)
	l.mu.Lock()
	for i := range ops {
		ops[i] = l.createLocked()
		names[i] = fmt.Sprintf("c%05d", l.seq)
	}
	before := l.errs["create"]
	l.mu.Unlock()
	var wg sync.WaitGroup
	for _, op := range ops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			opCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			op(opCtx)
		}()
	}
	wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, name := range names {
		if l.live[name] != nil {
			took = append(took, name)
		}
	}
	return l.errs["create"] - before, took
}

// remove deletes names, as the clean-up after a burst.
func (l *load) remove(ctx context.Context, names []string) {
	for _, name := range names {
		l.mu.Lock()
		busy := l.busy[name]
		var op func(context.Context)
		if !busy && l.live[name] != nil {
			op = l.mark(name, "delete", func(ctx context.Context) error {
				_, err := l.api.Delete(ctx, name, client.DeleteOptions{})
				if err == nil || client.IsNotFound(err) {
					l.mu.Lock()
					delete(l.live, name)
					l.mu.Unlock()
					return nil
				}
				return err
			})
		}
		l.mu.Unlock()
		if op != nil {
			opCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
			op(opCtx)
			cancel()
		}
	}
}
