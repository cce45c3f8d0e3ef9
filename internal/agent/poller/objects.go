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

package poller

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/agent"
)

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

// applySecret writes the decoded protected settings into <name>-protected-parameters. The
// Secret is not read again while it is what the agent last wrote (Desired.SecretWritten).
func (p *Poller) applySecret(ctx context.Context, key types.NamespacedName, data map[string][]byte) error {
	name := agent.ProtectedParametersSecretName(key.Name)
	secret := &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: key.Namespace, Labels: p.Identity.Labels(key.Name)},
		Type:       corev1.SecretTypeOpaque,
		Data:       data,
	}
	if p.Desired.SecretWritten(key, secret) {
		return nil
	}
	existing := &corev1.Secret{}
	err := p.Client.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: name}, existing)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("reading secret %s/%s: %w", key.Namespace, name, err)
	}
	if err == nil {
		switch p.Identity.Owner(existing) {
		case agent.NotAgent:
			return &refusal{fmt.Sprintf("Secret %s/%s exists and was not created by fluxconfig-agent; it is left untouched: "+
				"delete or rename it so the agent can write the protected settings there", key.Namespace, name)}
		case agent.OtherAgent:
			return &refusal{fmt.Sprintf("Secret %s/%s belongs to %s; it is left untouched", key.Namespace, name, agent.Describe(existing))}
		}
	}
	if err != nil {
		existing = nil
	}
	// The error names the Secret and fields only; its data never reaches a message.
	if _, err := p.Desired.ApplySecret(ctx, p.Client, key, secret, existing); err != nil {
		return secretRefusal(key, err)
	}
	return nil
}

// deleteSecret removes the protected parameters if this agent, or an agent before the
// identity labels, wrote them; it is called only for a FluxConfig that is this agent's.
func (p *Poller) deleteSecret(ctx context.Context, key types.NamespacedName) error {
	secret := &corev1.Secret{}
	err := p.Client.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: agent.ProtectedParametersSecretName(key.Name)}, secret)
	if owner := p.Identity.Owner(secret); apierrors.IsNotFound(err) || (err == nil && owner != agent.Ours && owner != agent.Legacy) {
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
			Name: key.Name, Namespace: key.Namespace, Labels: p.Identity.Labels(key.Name), Annotations: ann,
		},
		Spec: spec,
	}
	applied, err := p.Desired.ApplyConfig(ctx, p.Client, fc, existing)
	if err != nil {
		p.event(existing, corev1.EventTypeWarning, EventFailed, "Not applied: %v", err)
		return fmt.Errorf("applying FluxConfig %s: %w", key, err)
	}
	if applied != nil {
		p.Log.V(1).Info("Applied FluxConfig", "FluxConfig", key, "operationId", spec.OperationID)
		p.applied(applied, existing == nil)
	}
	return nil
}
