/*
Copyright 2026 The fluxconfig Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package poller

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/agent"
	"github.com/fluxconfig/fluxconfig/internal/ssa"
)

func isManaged(obj metav1.Object) bool {
	return obj.GetLabels()[v1alpha1.AgentManagedByLabel] == v1alpha1.AgentManagedByValue
}

func managedLabels(config string) map[string]string {
	return map[string]string{v1alpha1.AgentManagedByLabel: v1alpha1.AgentManagedByValue, v1alpha1.NameLabel: config}
}

// ensureNamespace creates the namespace when it is missing; an existing one costs a read.
func (p *Poller) ensureNamespace(ctx context.Context, name string) error {
	ns := &corev1.Namespace{}
	err := p.Client.Get(ctx, types.NamespacedName{Name: name}, ns)
	if !apierrors.IsNotFound(err) {
		return err
	}
	p.Log.Info("Creating namespace", "Namespace", name)
	ns = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := p.Client.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating namespace %s: %w", name, err)
	}
	return nil
}

// applySecret writes the decoded protected settings into <name>-protected-parameters.
func (p *Poller) applySecret(ctx context.Context, key types.NamespacedName, data map[string][]byte) error {
	name := agent.ProtectedParametersSecretName(key.Name)
	existing := &corev1.Secret{}
	err := p.Client.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: name}, existing)
	if err == nil && !isManaged(existing) {
		return fmt.Errorf("secret %s/%s exists and was not created by fluxconfig-agent; it is left untouched", key.Namespace, name)
	}
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("reading secret %s/%s: %w", key.Namespace, name, err)
	}
	secret := &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: key.Namespace, Labels: managedLabels(key.Name)},
		Type:       corev1.SecretTypeOpaque,
		Data:       data,
	}
	var live runtime.Object
	if err == nil {
		live = existing
	}
	// The error names the Secret only; its data never reaches a message.
	if _, err := ssa.ApplyIfChanged(ctx, p.Client, agent.FieldOwner, secret, live); err != nil {
		return fmt.Errorf("applying secret %s/%s: the API server refused it (%s)", key.Namespace, name, apierrors.ReasonForError(err))
	}
	return nil
}

// deleteSecret removes the protected parameters if the agent wrote them.
func (p *Poller) deleteSecret(ctx context.Context, key types.NamespacedName) error {
	secret := &corev1.Secret{}
	err := p.Client.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: agent.ProtectedParametersSecretName(key.Name)}, secret)
	if apierrors.IsNotFound(err) || (err == nil && !isManaged(secret)) {
		return nil
	}
	if err != nil {
		return err
	}
	return ctrlclient.IgnoreNotFound(p.Client.Delete(ctx, secret))
}

// applyFluxConfig server-side applies the FluxConfig as fluxconfig-agent, unless the live
// one already is what would be applied: a desired set where one configuration changed then
// costs one write, not one per configuration.
func (p *Poller) applyFluxConfig(ctx context.Context, key types.NamespacedName, spec v1alpha1.FluxConfigSpec,
	ann map[string]string, existing *v1alpha1.FluxConfig) error {
	fc := &v1alpha1.FluxConfig{
		TypeMeta: metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: v1alpha1.FluxConfigKind},
		ObjectMeta: metav1.ObjectMeta{
			Name: key.Name, Namespace: key.Namespace, Labels: managedLabels(key.Name), Annotations: ann,
		},
		Spec: spec,
	}
	var live runtime.Object
	if existing != nil {
		live = existing
	}
	applied, err := ssa.ApplyIfChanged(ctx, p.Client, agent.FieldOwner, fc, live)
	if err != nil {
		return fmt.Errorf("applying FluxConfig %s: %w", key, err)
	}
	if applied != nil {
		p.Log.V(1).Info("Applied FluxConfig", "FluxConfig", key, "operationId", spec.OperationID)
	}
	return nil
}

// prune deletes managed FluxConfigs the endpoint no longer lists (forceDelete there).
func (p *Poller) prune(ctx context.Context, keep map[types.NamespacedName]bool) error {
	list := &v1alpha1.FluxConfigList{}
	if err := p.Client.List(ctx, list, ctrlclient.MatchingLabels{v1alpha1.AgentManagedByLabel: v1alpha1.AgentManagedByValue}); err != nil {
		return fmt.Errorf("listing managed FluxConfigs: %w", err)
	}
	var errs []error
	for i := range list.Items {
		fc := &list.Items[i]
		key := types.NamespacedName{Namespace: fc.Namespace, Name: fc.Name}
		if keep[key] || fc.DeletionTimestamp != nil {
			continue
		}
		p.Log.Info("Pruning FluxConfig the endpoint no longer lists", "FluxConfig", key)
		if err := p.Client.Delete(ctx, fc); ctrlclient.IgnoreNotFound(err) != nil {
			errs = append(errs, fmt.Errorf("deleting FluxConfig %s: %w", key, err))
			continue
		}
		errs = append(errs, p.deleteSecret(ctx, key))
	}
	return errors.Join(errs...)
}
