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

package controller

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/ssa"
)

// FieldManager is the server-side apply field owner of everything the controller writes. It
// must never change: renaming it orphans the fields the old name owns.
const FieldManager = "fluxconfig-controller"

// ForeignObjectError: an object the config would write exists and belongs to someone else.
type ForeignObjectError struct {
	Kind, Namespace, Name string
}

func (e *ForeignObjectError) Error() string {
	ref := e.Name
	if e.Namespace != "" {
		ref = e.Namespace + "/" + e.Name
	}
	return fmt.Sprintf("%s %s already exists and is not managed by this FluxConfig; rename or delete it", e.Kind, ref)
}

// applier writes rendered objects with server-side apply, and only when the live object
// differs, so a steady-state reconcile sends no write.
type applier struct {
	client client.Client
	// reader reads past the cache, whose Secrets and RBAC are filtered by the managed label,
	// to tell "absent" from "exists but foreign".
	reader client.Reader
	// foreign holds the metadata of the Secrets the cache leaves out; nil reads them from
	// reader.
	foreign client.Reader
	scheme  *runtime.Scheme
}

// apply writes obj if needed and reports whether it did. It returns the object as it now is:
// the API server's answer when written, else the live object.
func (a *applier) apply(ctx context.Context, owner *v1alpha1.FluxConfig, obj client.Object) (client.Object, bool, error) {
	live, err := a.live(ctx, obj)
	if err != nil {
		return nil, false, err
	}
	if live != nil && !ownedBy(live, owner) {
		kind, _ := apiutil.GVKForObject(obj, a.scheme)
		return nil, false, &ForeignObjectError{Kind: kind.Kind, Namespace: live.GetNamespace(), Name: live.GetName()}
	}
	var current runtime.Object
	if live != nil {
		current = live
	}
	applied, err := ssa.ApplyIfChanged(ctx, a.client, FieldManager, obj, current)
	if err != nil {
		kind, _ := apiutil.GVKForObject(obj, a.scheme)
		return nil, false, fmt.Errorf("applying %s %s: %w", kind.Kind, client.ObjectKeyFromObject(obj), err)
	}
	if applied != nil {
		return applied, true, nil
	}
	return live, false, nil
}

// live returns the object as it is, or nil when it does not exist. The cache holds every
// Flux object, so its miss is an answer; a miss of a label-filtered kind is confirmed with a
// direct read, since a foreign object of that name would not be in the cache.
func (a *applier) live(ctx context.Context, obj client.Object) (client.Object, error) {
	gvk, err := apiutil.GVKForObject(obj, a.scheme)
	if err != nil {
		return nil, err
	}
	typed, err := a.scheme.New(gvk)
	if err != nil {
		return nil, err
	}
	current := typed.(client.Object)
	key := client.ObjectKeyFromObject(obj)
	err = a.client.Get(ctx, key, current)
	if apierrors.IsNotFound(err) && isLabelFiltered(current) {
		if _, secret := current.(*corev1.Secret); secret && a.foreign != nil {
			// Every Secret fluxconfig writes is in the cache; one the foreign cache holds is
			// someone else's.
			meta := secretMeta()
			if err := a.foreign.Get(ctx, key, meta); !apierrors.IsNotFound(err) {
				if err != nil {
					return nil, fmt.Errorf("reading %s %s: %w", gvk.Kind, key, err)
				}
				return meta, nil
			}
		} else {
			err = a.reader.Get(ctx, key, current)
		}
	}
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s %s: %w", gvk.Kind, key, err)
	}
	return current, nil
}

// ownedBy: the object carries the labels of this config, or is the shared tenant RBAC of its
// namespace.
func ownedBy(obj client.Object, owner *v1alpha1.FluxConfig) bool {
	l := obj.GetLabels()
	if l[v1alpha1.ManagedLabel] != "true" || l[v1alpha1.NamespaceLabel] != owner.Namespace {
		return false
	}
	return l[v1alpha1.NameLabel] == owner.Name || l[v1alpha1.TenantRBACLabel] == "true"
}
