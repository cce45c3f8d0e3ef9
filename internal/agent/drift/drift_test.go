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
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/fluxconfig/fluxconfig/internal/agent"
)

func TestOthersOwnSpec(t *testing.T) {
	entry := func(manager string, op metav1.ManagedFieldsOperationType, subresource, fields string) metav1.ManagedFieldsEntry {
		return metav1.ManagedFieldsEntry{Manager: manager, Operation: op, Subresource: subresource,
			FieldsV1: metav1.NewFieldsV1(fields)}
	}
	agentApply := entry(agent.FieldOwner, metav1.ManagedFieldsOperationApply, "", `{"f:spec":{"f:scope":{}}}`)
	cases := []struct {
		name    string
		entries []metav1.ManagedFieldsEntry
		want    bool
	}{
		{"the agent's apply only", []metav1.ManagedFieldsEntry{agentApply}, false},
		{"kubectl added a field", []metav1.ManagedFieldsEntry{agentApply,
			entry("kubectl-edit", metav1.ManagedFieldsOperationUpdate, "", `{"f:spec":{"f:suspend":{}}}`)}, true},
		{"the agent's own update of the spec", []metav1.ManagedFieldsEntry{agentApply,
			entry(agent.FieldOwner, metav1.ManagedFieldsOperationUpdate, "", `{"f:spec":{"f:kustomizations":{}}}`)}, false},
		{"metadata and status of others", []metav1.ManagedFieldsEntry{agentApply,
			entry("fluxconfig-controller", metav1.ManagedFieldsOperationUpdate, "", `{"f:metadata":{"f:finalizers":{}}}`),
			entry("fluxconfig-controller", metav1.ManagedFieldsOperationUpdate, "status", `{"f:status":{"f:conditions":{}}}`),
			entry(agent.FieldOwner, metav1.ManagedFieldsOperationUpdate, "", `{"f:metadata":{"f:annotations":{}}}`)}, false},
	}
	for _, tc := range cases {
		if got := othersOwnSpec(tc.entries); got != tc.want {
			t.Errorf("%s: othersOwnSpec = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDesired_NilRemembersNothing(t *testing.T) {
	var d *Desired
	d.Forget(key("ns", "a"))
	d.ForgetSecret(key("ns", "a"))
	d = &Desired{}
	if s := d.lock(key("ns", "a"), false); s != nil {
		t.Fatal("a key never applied has no slot")
	}
	s := d.lock(key("ns", "a"), true)
	s.mu.Unlock()
	d.Forget(key("ns", "a"))
	if s := d.lock(key("ns", "a"), false); s != nil {
		t.Fatal("Forget drops the slot")
	}
}

func key(namespace, name string) types.NamespacedName {
	return types.NamespacedName{Namespace: namespace, Name: name}
}
