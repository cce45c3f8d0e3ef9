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

package drift

import (
	"context"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/agent"
	"github.com/fluxconfig/fluxconfig/internal/ssa"
)

// Desired is what the agent last applied for each FluxConfig it manages: the object as it
// was applied, the generation it had right after, and its protected-parameters Secret while
// the agent still holds the settings. The poller fills it as it applies; the Repairer reads it
// to put back what someone changed in the cluster. A nil *Desired remembers nothing and only
// applies.
type Desired struct {
	mu    sync.Mutex
	slots map[types.NamespacedName]*slot
	// recheck asks the Repairer to look at a FluxConfig that holds spec fields of someone
	// else's after the poller applied it: they were added while no repairer watched (the agent
	// was down), and an apply never removes them. Set by Repairer.SetupWithManager.
	recheck chan event.TypedGenericEvent[*metav1.PartialObjectMetadata]
}

type slot struct {
	// mu is held for a whole apply by the poller or a whole repair, so the two never act on
	// one FluxConfig at once: a repair never puts back a state the poller is replacing.
	mu         sync.Mutex
	config     *v1alpha1.FluxConfig
	generation int64
	secret     *corev1.Secret
	// secretWritten is set once the cluster held secret after an apply: written, or found
	// as it is.
	secretWritten bool
}

// lock returns the locked slot of key, creating it when create is set; nil when there is none.
func (d *Desired) lock(key types.NamespacedName, create bool) *slot {
	d.mu.Lock()
	s := d.slots[key]
	if s == nil && create {
		if d.slots == nil {
			d.slots = map[types.NamespacedName]*slot{}
		}
		s = &slot{}
		d.slots[key] = s
	}
	d.mu.Unlock()
	if s != nil {
		s.mu.Lock()
	}
	return s
}

// ApplyConfig server-side applies fc as the agent unless existing (nil when there is none)
// already is fc (ssa.ApplyIfChanged), and remembers fc with the generation the FluxConfig
// has afterwards. It returns the object the API server answered when it wrote, else nil.
func (d *Desired) ApplyConfig(ctx context.Context, c ctrlclient.Client, fc, existing *v1alpha1.FluxConfig) (*unstructured.Unstructured, error) {
	var live runtime.Object
	if existing != nil {
		live = existing
	}
	if d == nil {
		return ssa.ApplyIfChanged(ctx, c, agent.FieldOwner, fc, live)
	}
	s := d.lock(ctrlclient.ObjectKeyFromObject(fc), true)
	applied, err := ssa.ApplyIfChanged(ctx, c, agent.FieldOwner, fc, live)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	s.config = fc.DeepCopy()
	var now metav1.Object = existing
	if applied != nil {
		now = applied
	}
	s.generation = now.GetGeneration()
	foreign := othersOwnSpec(now.GetManagedFields())
	if foreign {
		s.generation = 0 // not as applied: the Repairer replaces the spec
	}
	s.mu.Unlock()
	if foreign && d.recheck != nil {
		ev := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Namespace: fc.Namespace, Name: fc.Name}}
		select {
		case d.recheck <- event.TypedGenericEvent[*metav1.PartialObjectMetadata]{Object: ev}:
		case <-ctx.Done():
		}
	}
	return applied, nil
}

// ApplySecret is ApplyConfig for the protected-parameters Secret of the FluxConfig key; the
// Secret is remembered until ForgetSecret.
func (d *Desired) ApplySecret(ctx context.Context, c ctrlclient.Client, key types.NamespacedName, secret, existing *corev1.Secret) (*unstructured.Unstructured, error) {
	var live runtime.Object
	if existing != nil {
		live = existing
	}
	if d == nil {
		return ssa.ApplyIfChanged(ctx, c, agent.FieldOwner, secret, live)
	}
	s := d.lock(key, true)
	defer s.mu.Unlock()
	s.secret = secret.DeepCopy()
	applied, err := ssa.ApplyIfChanged(ctx, c, agent.FieldOwner, secret, live)
	s.secretWritten = err == nil
	return applied, err
}

// SecretWritten says whether secret is the protected-parameters Secret of the FluxConfig
// key that the last ApplySecret left in the cluster. The endpoint sends a configuration's
// settings at every poll until the agent reports its operation, and every report changes
// the desired set: reading each Secret again at each of those polls cost a thousand
// configurations thousands of reads. A Secret changed or deleted in the cluster meanwhile
// comes back with the next repair of its FluxConfig, or the next operation.
func (d *Desired) SecretWritten(key types.NamespacedName, secret *corev1.Secret) bool {
	if d == nil {
		return false
	}
	s := d.lock(key, false)
	if s == nil {
		return false
	}
	defer s.mu.Unlock()
	return s.secretWritten && equality.Semantic.DeepEqual(s.secret, secret)
}

// ForgetSecret drops the protected settings of the FluxConfig key: the endpoint no longer
// sends them, so the agent keeps them no longer either.
func (d *Desired) ForgetSecret(key types.NamespacedName) {
	if d == nil {
		return
	}
	if s := d.lock(key, false); s != nil {
		s.secret, s.secretWritten = nil, false
		s.mu.Unlock()
	}
}

// Forget drops everything about the FluxConfig key; call it before the agent deletes the
// FluxConfig, so the deletion is not taken for drift. It waits for a repair of key in progress.
func (d *Desired) Forget(key types.NamespacedName) {
	if d == nil {
		return
	}
	s := d.lock(key, false)
	if s == nil {
		return
	}
	defer s.mu.Unlock()
	s.config, s.secret, s.secretWritten = nil, nil, false
	// A repair that waited for this slot finds it empty and does nothing.
	d.mu.Lock()
	if d.slots[key] == s {
		delete(d.slots, key)
	}
	d.mu.Unlock()
}
