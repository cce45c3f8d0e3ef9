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
	"crypto/rand"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/render"
	"github.com/fluxconfig/fluxconfig/internal/sshkey"
)

// inputs are what render takes, plus what the status must tell about them.
type inputs struct {
	render.Inputs
	// regenerated is set when the generated SSH key was replaced in this reconcile; the
	// reason is in KeyRegenerated.
	regenerated bool
	// unpublished: the API server's copy of the config, read in this reconcile, has never
	// had a status, so no key generated for it was ever published to be registered.
	unpublished bool
}

// resolveSSHKey finds the SSH key generated for obj earlier and keeps it: in use when the
// source needs a generated key, else kept aside in the auth Secret. A key is generated only
// when there is none, or when spec.gitRepository.sshKeyAlgorithm asks for another algorithm
// than the key has; a change of host never replaces a key a user may have registered.
func (r *FluxConfigReconciler) resolveSSHKey(ctx context.Context, obj *v1alpha1.FluxConfig, in *inputs) error {
	needed := render.NeedsGeneratedSSHKey(obj, in.ProtectedParameters)
	existing, note, err := r.generatedKey(ctx, obj, needed && !in.unpublished)
	if err != nil {
		return err
	}
	in.KeyRegenerated = note
	if !needed {
		in.KeptSSHKey = existing
		return nil
	}
	want := obj.Spec.GitRepository.SSHKeyAlgorithm
	if existing != nil && (want == "" || sshkey.Algorithm(existing) == want) {
		in.GeneratedSSHKey = existing
		return nil
	}
	algorithm := render.GeneratedKeyAlgorithm(obj)
	key, err := sshkey.New(rand.Reader, algorithm, obj.Namespace+"/"+obj.Name)
	if err != nil {
		return err
	}
	in.GeneratedSSHKey = key
	if existing != nil {
		in.regenerated = true
		in.KeyRegenerated = fmt.Sprintf("spec.gitRepository.sshKeyAlgorithm changed, so the generated %s SSH key was "+
			"replaced by a new %s key; register the new status.repositoryPublicKey as the deploy key", sshkey.Algorithm(existing), algorithm)
	}
	return nil
}

// generatedKey returns the SSH key generated for obj that its auth Secret holds, or nil, and
// why it replaced an earlier one, if it did. The cache may not hold a Secret just written: a
// miss is confirmed with a direct read when confirm is set (a key would be generated) or when
// the config applied the Secret, so a lagging cache never replaces a key a user registered.
// A config that never published a key needs no confirmation, as a key replaced there was
// never shown to anyone: a new config's first reconcile reads nothing past the cache.
func (r *FluxConfigReconciler) generatedKey(ctx context.Context, obj *v1alpha1.FluxConfig, confirm bool) ([]byte, string, error) {
	secret := &corev1.Secret{}
	key := client.ObjectKey{Namespace: obj.Namespace, Name: render.AuthSecretName(obj.Name)}
	err := r.Get(ctx, key, secret)
	if apierrors.IsNotFound(err) && (confirm || inInventory(obj, "Secret", key)) {
		err = r.APIReader.Get(ctx, key, secret)
	}
	if apierrors.IsNotFound(err) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("reading the auth Secret: %w", err)
	}
	if !ownedBy(secret, obj) {
		return nil, "", nil // someone else's: apply refuses to overwrite it
	}
	return render.GeneratedKeyOf(secret), secret.Annotations[v1alpha1.KeyRegeneratedAnnotation], nil
}

// inInventory says whether obj's last inventory lists the object of that core kind and key.
func inInventory(obj *v1alpha1.FluxConfig, kind string, key client.ObjectKey) bool {
	if obj.Status.Inventory == nil {
		return false
	}
	id := fmt.Sprintf("%s_%s__%s", key.Namespace, key.Name, kind)
	for _, e := range obj.Status.Inventory.Entries {
		if e.ID == id {
			return true
		}
	}
	return false
}

// announceRegeneratedKey tells, once the new key is applied, that it replaced the old one: an
// event when it happens, and a condition for as long as the key stays, read back from the
// auth Secret so no reconcile from an older status loses it.
func (r *FluxConfigReconciler) announceRegeneratedKey(obj *v1alpha1.FluxConfig, in inputs) {
	if in.KeyRegenerated == "" || len(in.GeneratedSSHKey) == 0 {
		apimeta.RemoveStatusCondition(&obj.Status.Conditions, v1alpha1.SSHKeyRegeneratedCondition)
		return
	}
	if in.regenerated {
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, v1alpha1.AlgorithmChangedReason, "RegenerateSSHKey", "%s", in.KeyRegenerated)
	}
	setCondition(obj, v1alpha1.SSHKeyRegeneratedCondition, metav1.ConditionTrue, v1alpha1.AlgorithmChangedReason, in.KeyRegenerated)
}
