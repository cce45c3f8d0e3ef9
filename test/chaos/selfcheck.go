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
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

const plantedNS = "chaos-planted"

// selfCheck plants one violation of each invariant, with the agent and the controller
// stopped so nothing repairs them, and returns what the checker failed to name: a checker
// that passes a broken system must not pass this.
func selfCheck(ctx context.Context, c *checker) ([]string, error) {
	k8s := c.k8s
	want := map[string]string{} // invariant -> object it must name
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: plantedNS}}); err != nil {
		return nil, fmt.Errorf("planting: %w", err)
	}

	// Held by the endpoint, never delivered: not applied, operation not terminal.
	missing := config{name: "planted-missing", namespace: plantedNS, scope: "cluster", kind: kindPlain}
	if _, err := c.admin.Put(ctx, missing.name, &dpv1.FluxConfiguration{Properties: missing.properties()}); err != nil {
		return nil, fmt.Errorf("planting: %w", err)
	}
	want[invApplied] = plantedNS + "/planted-missing"
	want[invTerminal] = "planted-missing"

	// Written as the agent would, unknown to the endpoint.
	orphan := &v1alpha1.FluxConfig{
		ObjectMeta: metav1.ObjectMeta{Name: "planted-orphan", Namespace: plantedNS,
			Labels: map[string]string{v1alpha1.AgentManagedByLabel: v1alpha1.AgentManagedByValue}},
		Spec: v1alpha1.FluxConfigSpec{Scope: v1alpha1.ScopeCluster, SourceKind: v1alpha1.SourceKindGitRepository,
			GitRepository: &v1alpha1.GitRepositoryDefinition{URL: "https://git.example.com/planted",
				RepositoryRef: &v1alpha1.RepositoryRefDefinition{Branch: "main"}}},
	}
	if err := k8s.Create(ctx, orphan); err != nil {
		return nil, fmt.Errorf("planting: %w", err)
	}
	want[invDeletedGone] = plantedNS + "/planted-orphan"

	// Labelled as ours, for a FluxConfig that does not exist.
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "planted-owned", Namespace: plantedNS, Labels: map[string]string{
		v1alpha1.ManagedLabel: "true", v1alpha1.NameLabel: "ghost", v1alpha1.NamespaceLabel: plantedNS}}}
	if err := k8s.Create(ctx, sa); err != nil {
		return nil, fmt.Errorf("planting: %w", err)
	}
	want[invOwned] = "ServiceAccount " + plantedNS + "/planted-owned"

	// A generated key replaced behind the controller's back.
	changed, err := changeOneKey(ctx, k8s)
	if err != nil {
		return nil, err
	}
	want[invKeyKept] = changed

	// A secret in a log and in an event.
	leakLog := filepath.Join(c.logDir, "planted-leak.log")
	if err := os.WriteFile(leakLog, []byte("planted "+c.needles[len(c.needles)-1]+"\n"), 0o600); err != nil {
		return nil, err
	}
	defer os.Remove(leakLog)
	event := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "planted-leak", Namespace: plantedNS},
		InvolvedObject: corev1.ObjectReference{Kind: "FluxConfig", Namespace: plantedNS, Name: "planted-orphan"},
		Reason:         "Planted", Message: "token " + c.needles[1], Type: corev1.EventTypeWarning,
		FirstTimestamp: metav1.Now(), LastTimestamp: metav1.Now(), Count: 1}
	if err := k8s.Create(ctx, event); err != nil {
		return nil, fmt.Errorf("planting: %w", err)
	}
	want[invNoLeak] = "log planted-leak.log"
	wantEvent := "event " + plantedNS + "/planted-leak"

	found, err := c.check(ctx, false)
	if err != nil {
		return nil, err
	}
	found = append(found, recoveryViolations([]faultRecord{{kind: "planted", end: time.Now(), probeErr: errors.New("planted")}})...)
	want[invRecovered] = "planted"

	var missed []string
	has := func(inv, object string) bool {
		for _, v := range found {
			if v.invariant == inv && strings.Contains(v.object, object) {
				return true
			}
		}
		return false
	}
	for _, inv := range allInvariants {
		if !has(inv, want[inv]) {
			missed = append(missed, fmt.Sprintf("%s: planted %s, not found", inv, want[inv]))
		}
	}
	if !has(invNoLeak, wantEvent) {
		missed = append(missed, fmt.Sprintf("%s: planted %s, not found", invNoLeak, wantEvent))
	}
	return missed, nil
}

// changeOneKey replaces the public key of one generated-key Secret and returns its
// FluxConfig's namespace/name.
func changeOneKey(ctx context.Context, k8s ctrlclient.Client) (string, error) {
	secrets := &corev1.SecretList{}
	if err := k8s.List(ctx, secrets, ctrlclient.MatchingLabels{v1alpha1.ManagedLabel: "true"}); err != nil {
		return "", err
	}
	for i := range secrets.Items {
		s := &secrets.Items[i]
		if s.Annotations[v1alpha1.GeneratedKeyAnnotation] != "true" {
			continue
		}
		s.Data["identity.pub"] = []byte("ecdsa-sha2-nistp256 AAAAplanted\n")
		if err := k8s.Update(ctx, s); err != nil {
			return "", fmt.Errorf("planting a changed key: %w", err)
		}
		return s.Labels[v1alpha1.NamespaceLabel] + "/" + s.Labels[v1alpha1.NameLabel], nil
	}
	return "", errors.New("planting a changed key: no generated-key Secret in the cluster (the load creates some; did none survive?)")
}
