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
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// The invariants, by the name the report prints.
const (
	invApplied     = "endpoint-config-applied"   // every config the endpoint holds is in the cluster, latest generation applied
	invDeletedGone = "deleted-config-gone"       // nothing deleted at the endpoint remains in the cluster
	invOwned       = "managed-object-has-config" // no object labelled as ours lacks its FluxConfig
	invKeyKept     = "generated-key-unchanged"   // no generated SSH key changed
	invTerminal    = "operation-terminal"        // every operation at the endpoint is terminal
	invNoLeak      = "no-secret-leak"            // no secret value in a log, event or status
	invRecovered   = "fault-recovered"           // each fault was recovered from within the bound
)

var allInvariants = []string{invApplied, invDeletedGone, invOwned, invKeyKept, invTerminal, invNoLeak, invRecovered}

type violation struct {
	invariant, object, detail string
}

func (v violation) String() string { return v.invariant + ": " + v.object + ": " + v.detail }

// checker reads the endpoint and the cluster and names what breaks an invariant.
type checker struct {
	admin  *client.Cluster // management view
	agent  *client.Cluster // the desired set, with operation ids
	k8s    ctrlclient.Client
	logDir string
	// needles are the secret values that must appear nowhere.
	needles []string
	// created returns every configuration name ever sent to the endpoint.
	created func() map[string]*config
	keys    *keyWatch
}

// newNeedles returns each secret as sent (base64) and as the agent stores it, plus the
// marker of any private key.
func newNeedles(secrets []string) []string {
	out := []string{"PRIVATE KEY-----"}
	for _, s := range secrets {
		out = append(out, s, base64.StdEncoding.EncodeToString([]byte(s)))
	}
	return out
}

// check returns the violations found; quick leaves out the log and event scan, for
// polling during the settle period.
func (c *checker) check(ctx context.Context, quick bool) ([]violation, error) {
	views, err := c.admin.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the endpoint's configurations: %w", err)
	}
	desired, err := c.agent.ListDesired(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("listing the endpoint's desired set: %w", err)
	}
	fcs := &v1alpha1.FluxConfigList{}
	if err := c.k8s.List(ctx, fcs); err != nil {
		return nil, fmt.Errorf("listing FluxConfigs: %w", err)
	}
	inCluster := map[string]*v1alpha1.FluxConfig{}
	for i := range fcs.Items {
		fc := &fcs.Items[i]
		inCluster[fc.Namespace+"/"+fc.Name] = fc
	}
	var out []violation
	held := map[string]bool{}
	for _, v := range views {
		held[v.Name] = true
		switch v.Properties.ProvisioningState {
		case dpv1.ProvisioningSucceeded, dpv1.ProvisioningFailed, dpv1.ProvisioningCanceled:
		default:
			out = append(out, violation{invTerminal, v.Name, "provisioningState " + v.Properties.ProvisioningState})
		}
	}
	for _, d := range desired.Items {
		if d.Deleting {
			continue
		}
		key := d.Properties.Namespace + "/" + d.Name
		fc := inCluster[key]
		switch {
		case fc == nil:
			out = append(out, violation{invApplied, key, "held by the endpoint, not in the cluster"})
		case fc.Spec.OperationID != d.OperationID:
			out = append(out, violation{invApplied, key, fmt.Sprintf("the cluster has operation %s, the endpoint %s", fc.Spec.OperationID, d.OperationID)})
		case fc.Status.ObservedGeneration != fc.Generation:
			out = append(out, violation{invApplied, key, fmt.Sprintf("generation %d, observedGeneration %d", fc.Generation, fc.Status.ObservedGeneration)})
		}
	}
	created := c.created()
	for key, fc := range inCluster {
		_, sent := created[fc.Name]
		if !held[fc.Name] && (sent || fc.Labels[v1alpha1.AgentManagedByLabel] == v1alpha1.AgentManagedByValue) {
			out = append(out, violation{invDeletedGone, key, "not held by the endpoint, still in the cluster" + deletingNote(fc)})
		}
	}
	owned, err := c.checkOwned(ctx, inCluster)
	if err != nil {
		return nil, err
	}
	out = append(out, owned...)
	keys, err := c.keys.sample(ctx)
	if err != nil {
		return nil, err
	}
	out = append(out, keys...)
	out = append(out, c.keys.compareStatus(fcs.Items)...)
	if !quick {
		leaks, err := c.checkLeaks(ctx, fcs.Items, views)
		if err != nil {
			return nil, err
		}
		out = append(out, leaks...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out, nil
}

func deletingNote(fc *v1alpha1.FluxConfig) string {
	if fc.DeletionTimestamp != nil {
		return fmt.Sprintf(" (being deleted since %s, finalizers %v)", fc.DeletionTimestamp.UTC().Format(time.RFC3339), fc.Finalizers)
	}
	return ""
}

// checkOwned finds objects labelled as ours whose FluxConfig is gone: what the controller
// rendered (its name label), the agent's protected-parameters Secrets, and each
// namespace's shared tenant RBAC (which needs a config of the matching scope there).
func (c *checker) checkOwned(ctx context.Context, inCluster map[string]*v1alpha1.FluxConfig) ([]violation, error) {
	scopes := map[string]map[v1alpha1.Scope]bool{}
	for _, fc := range inCluster {
		if scopes[fc.Namespace] == nil {
			scopes[fc.Namespace] = map[v1alpha1.Scope]bool{}
		}
		scope := fc.Spec.Scope
		if scope == "" {
			scope = v1alpha1.ScopeCluster
		}
		scopes[fc.Namespace][scope] = true
	}
	lists := map[string]ctrlclient.ObjectList{
		"GitRepository":      &sourcev1.GitRepositoryList{},
		"Kustomization":      &kustomizev1.KustomizationList{},
		"Secret":             &corev1.SecretList{},
		"ServiceAccount":     &corev1.ServiceAccountList{},
		"RoleBinding":        &rbacv1.RoleBindingList{},
		"ClusterRoleBinding": &rbacv1.ClusterRoleBindingList{},
	}
	var out []violation
	for _, kind := range slices.Sorted(maps.Keys(lists)) {
		list := lists[kind]
		if err := c.k8s.List(ctx, list); err != nil {
			return nil, fmt.Errorf("listing %s: %w", kind, err)
		}
		items, err := meta.ExtractList(list)
		if err != nil {
			return nil, err
		}
		for _, item := range items {
			obj := item.(ctrlclient.Object)
			labels := obj.GetLabels()
			managed := labels[v1alpha1.ManagedLabel] == "true"
			agentWritten := labels[v1alpha1.AgentManagedByLabel] == v1alpha1.AgentManagedByValue
			if !managed && !agentWritten {
				continue
			}
			ns := labels[v1alpha1.NamespaceLabel]
			if ns == "" {
				ns = obj.GetNamespace()
			}
			id := kind + " " + strings.TrimPrefix(obj.GetNamespace()+"/"+obj.GetName(), "/")
			if labels[v1alpha1.TenantRBACLabel] == "true" {
				switch {
				case kind == "ClusterRoleBinding" && !scopes[ns][v1alpha1.ScopeCluster]:
					out = append(out, violation{invOwned, id, "cluster-admin binding of namespace " + ns + ", which has no cluster-scoped FluxConfig"})
				case kind == "RoleBinding" && !scopes[ns][v1alpha1.ScopeNamespace]:
					out = append(out, violation{invOwned, id, "tenant binding of namespace " + ns + ", which has no namespace-scoped FluxConfig"})
				case len(scopes[ns]) == 0:
					out = append(out, violation{invOwned, id, "tenant RBAC of namespace " + ns + ", which has no FluxConfig"})
				}
				continue
			}
			name := labels[v1alpha1.NameLabel]
			if name == "" {
				out = append(out, violation{invOwned, id, "labelled as ours without " + v1alpha1.NameLabel})
				continue
			}
			if inCluster[ns+"/"+name] == nil {
				out = append(out, violation{invOwned, id, "its FluxConfig " + ns + "/" + name + " is gone; " + writes(obj)})
			}
		}
	}
	return out, nil
}

// writes says when obj was created and who wrote it last, to line an orphan up with the logs.
func writes(obj ctrlclient.Object) string {
	last, by := obj.GetCreationTimestamp().Time, ""
	for _, m := range obj.GetManagedFields() {
		if m.Time != nil && !m.Time.Time.Before(last) {
			last, by = m.Time.Time, m.Manager+" "+string(m.Operation)
		}
	}
	return fmt.Sprintf("created %s, last written %s by %s", obj.GetCreationTimestamp().UTC().Format("15:04:05"), last.UTC().Format("15:04:05"), by)
}

// checkLeaks looks for a secret value in every log of the run, every Event, every
// FluxConfig's status and the endpoint's management view.
func (c *checker) checkLeaks(ctx context.Context, fcs []v1alpha1.FluxConfig, views []dpv1.FluxConfiguration) ([]violation, error) {
	var out []violation
	look := func(where string, data []byte) {
		for _, n := range c.needles {
			if i := strings.Index(string(data), n); i >= 0 {
				out = append(out, violation{invNoLeak, where, fmt.Sprintf("holds a secret value (%d bytes in, needle of %d bytes)", i, len(n))})
				return
			}
		}
	}
	logs, _ := filepath.Glob(filepath.Join(c.logDir, "*.log"))
	for _, path := range logs {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		look("log "+filepath.Base(path), data)
	}
	events := &corev1.EventList{}
	if err := c.k8s.List(ctx, events); err != nil {
		return nil, fmt.Errorf("listing events: %w", err)
	}
	for i := range events.Items {
		e := &events.Items[i]
		data, _ := json.Marshal(e)
		look("event "+e.Namespace+"/"+e.Name, data)
	}
	for i := range fcs {
		data, _ := json.Marshal(fcs[i].Status)
		look("status of FluxConfig "+fcs[i].Namespace+"/"+fcs[i].Name, data)
	}
	for _, v := range views {
		data, _ := json.Marshal(v)
		look("endpoint view of "+v.Name, data)
	}
	return out, nil
}

// keyWatch remembers the first public key seen for each generated-key auth Secret; names
// are never reused, so any other key later is a changed key.
type keyWatch struct {
	k8s   ctrlclient.Client
	mu    sync.Mutex
	first map[string]string // FluxConfig namespace/name -> public key
	seen  map[string]string // the latest sample
}

func newKeyWatch(k8s ctrlclient.Client) *keyWatch {
	return &keyWatch{k8s: k8s, first: map[string]string{}, seen: map[string]string{}}
}

// sample reads every generated key and returns a violation for each that changed.
func (w *keyWatch) sample(ctx context.Context) ([]violation, error) {
	secrets := &corev1.SecretList{}
	if err := w.k8s.List(ctx, secrets, ctrlclient.MatchingLabels{v1alpha1.ManagedLabel: "true"}); err != nil {
		return nil, fmt.Errorf("listing auth Secrets: %w", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []violation
	w.seen = map[string]string{}
	for i := range secrets.Items {
		s := &secrets.Items[i]
		if s.Annotations[v1alpha1.GeneratedKeyAnnotation] != "true" {
			continue
		}
		key := s.Labels[v1alpha1.NamespaceLabel] + "/" + s.Labels[v1alpha1.NameLabel]
		pub := strings.TrimSpace(string(s.Data["identity.pub"]))
		w.seen[key] = pub
		first, ok := w.first[key]
		switch {
		case !ok:
			w.first[key] = pub
		case first != pub:
			out = append(out, violation{invKeyKept, key, fmt.Sprintf("Secret %s/%s: public key %s, first seen %s", s.Namespace, s.Name, shortKey(pub), shortKey(first))})
		}
	}
	return out, nil
}

// compareStatus checks that each FluxConfig publishes the key its Secret holds.
func (w *keyWatch) compareStatus(fcs []v1alpha1.FluxConfig) []violation {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []violation
	for i := range fcs {
		fc := &fcs[i]
		key := fc.Namespace + "/" + fc.Name
		pub, ok := w.seen[key]
		if !ok || fc.Status.RepositoryPublicKey == "" || fc.Status.ObservedGeneration != fc.Generation {
			continue
		}
		if strings.TrimSpace(fc.Status.RepositoryPublicKey) != pub {
			out = append(out, violation{invKeyKept, key, fmt.Sprintf("status.repositoryPublicKey %s, its Secret holds %s", shortKey(fc.Status.RepositoryPublicKey), shortKey(pub))})
		}
	}
	return out
}

// shortKey is enough of a public key to tell two apart in a report.
func shortKey(pub string) string {
	if len(pub) > 24 {
		return "…" + pub[len(pub)-16:]
	}
	return pub
}

// watchKeys samples generated keys every interval until ctx ends and keeps what changed.
func (w *keyWatch) watch(ctx context.Context, interval time.Duration, found func([]violation)) {
	for sleep(ctx, interval) == nil {
		if v, err := w.sample(ctx); err == nil && len(v) > 0 {
			found(v)
		}
	}
}
