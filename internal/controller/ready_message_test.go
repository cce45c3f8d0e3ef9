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
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// The Ready message of a Non-Compliant config names three failing objects with their hints,
// counts the rest, and stays under the API server's bound however long Flux's messages are.
func TestReadyMessage_NonCompliantIsBounded(t *testing.T) {
	long := strings.Repeat("é", 20000) // 40,000 bytes: one such message alone passes the bound
	var statuses []v1alpha1.ObjectStatus
	for i := range 5 {
		statuses = append(statuses, v1alpha1.ObjectStatus{Kind: "Kustomization", Name: fmt.Sprint("k", i),
			ComplianceState: v1alpha1.NonCompliant, Hint: "do this",
			StatusConditions: []metav1.Condition{{Type: "Ready", Status: metav1.ConditionFalse, Message: "failed"}}})
	}
	obj := &v1alpha1.FluxConfig{Status: v1alpha1.FluxConfigStatus{ComplianceState: v1alpha1.NonCompliant}}
	setReadyFromCompliance(obj, statuses, nil)
	msg := apimeta.FindStatusCondition(obj.Status.Conditions, v1alpha1.ReadyCondition).Message
	want := "Kustomization k0: failed (do this); Kustomization k1: failed (do this); Kustomization k2: failed (do this); 2 more in status.statuses"
	if msg != want {
		t.Fatalf("Ready message\n%q, want\n%q", msg, want)
	}

	statuses[0].StatusConditions[0].Message = long
	setReadyFromCompliance(obj, statuses, nil)
	msg = apimeta.FindStatusCondition(obj.Status.Conditions, v1alpha1.ReadyCondition).Message
	if len(msg) > maxConditionMessage || !utf8.ValidString(msg) || !strings.HasSuffix(msg, " …") {
		t.Fatalf("Ready message of %d bytes (valid UTF-8 %v), ends %q", len(msg), utf8.ValidString(msg), msg[len(msg)-8:])
	}
}
