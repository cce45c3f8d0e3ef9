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

package agent

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// Identity is which agent wrote an object: the endpoint it polls and the cluster name it
// polls for. It is stamped on every object the agent writes, and the agent touches only
// objects that carry its own identity (or none, see Owner).
type Identity struct {
	// Endpoint is a short hash of the endpoint URL: a URL does not fit in a label value.
	Endpoint string
	// Cluster is the cluster name at the endpoint.
	Cluster string
}

// NewIdentity derives the identity of an agent polling endpointURL for cluster. The URL is
// compared without case in its scheme and host and without a trailing slash, so writing it
// differently does not make the agent a stranger to its own objects.
func NewIdentity(endpointURL, cluster string) (Identity, error) {
	u, err := url.Parse(endpointURL)
	if err != nil {
		return Identity{}, fmt.Errorf("the endpoint URL %q cannot be parsed: %w", endpointURL, err)
	}
	if errs := validation.IsValidLabelValue(cluster); len(errs) > 0 || cluster == "" {
		return Identity{}, fmt.Errorf("the cluster name %q is not a valid label value (%s): use a DNS label such as my-cluster",
			cluster, strings.Join(errs, "; "))
	}
	canonical := strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + strings.TrimRight(u.Path, "/")
	sum := sha256.Sum256([]byte(canonical))
	return Identity{Endpoint: hex.EncodeToString(sum[:8]), Cluster: cluster}, nil
}

// Labels are the labels of every object the agent with this identity writes for config.
func (id Identity) Labels(config string) map[string]string {
	return map[string]string{
		v1alpha1.AgentManagedByLabel: v1alpha1.AgentManagedByValue,
		v1alpha1.NameLabel:           config,
		v1alpha1.AgentEndpointLabel:  id.Endpoint,
		v1alpha1.AgentClusterLabel:   id.Cluster,
	}
}

// Ownership says who wrote an object, as far as the agent is concerned.
type Ownership int

const (
	// NotAgent: no agent wrote it (a user applied it by hand); the agent never touches it.
	NotAgent Ownership = iota
	// Ours: this agent wrote it.
	Ours
	// Legacy: an agent wrote it before the identity labels existed. The agent adopts it
	// (writes its labels) when its endpoint lists the config, and otherwise leaves it alone:
	// nothing on it says which agent it belongs to.
	Legacy
	// OtherAgent: another agent wrote it (another endpoint or cluster name); never touched.
	OtherAgent
)

// Owner classifies obj for this agent.
func (id Identity) Owner(obj metav1.Object) Ownership {
	labels := obj.GetLabels()
	if labels[v1alpha1.AgentManagedByLabel] != v1alpha1.AgentManagedByValue {
		return NotAgent
	}
	endpoint, hasEndpoint := labels[v1alpha1.AgentEndpointLabel]
	cluster, hasCluster := labels[v1alpha1.AgentClusterLabel]
	switch {
	case !hasEndpoint && !hasCluster:
		return Legacy
	case endpoint == id.Endpoint && cluster == id.Cluster:
		return Ours
	}
	return OtherAgent
}

// Describe names the agent that wrote obj, for messages about an object the agent leaves alone.
func Describe(obj metav1.Object) string {
	labels := obj.GetLabels()
	return fmt.Sprintf("the agent of cluster %q at endpoint %s", labels[v1alpha1.AgentClusterLabel], labels[v1alpha1.AgentEndpointLabel])
}
