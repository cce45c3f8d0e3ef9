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

package reporter

import (
	"fmt"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// provisioning derives the provisioning state of the FluxConfig's operation. Without
// waitForReconciliation the operation succeeds once the FluxConfig is in the cluster; with
// it, it stays Creating/Updating until compliance is final or the wait passes.
func provisioning(obj *v1alpha1.FluxConfig, now time.Time) (state, message string, recheck time.Duration) {
	current := obj.Status.ObservedGeneration == obj.Generation
	if c := apimeta.FindStatusCondition(obj.Status.Conditions, v1alpha1.StalledCondition); current && c != nil && c.Status == metav1.ConditionTrue {
		return dpv1.ProvisioningFailed, c.Message, 0
	}
	if current && obj.Status.ProvisioningState == v1alpha1.ProvisioningFailed {
		return dpv1.ProvisioningFailed, obj.Status.ErrorMessage, 0
	}
	waitValue := obj.Annotations[v1alpha1.WaitDurationAnnotation]
	if waitValue == "" {
		return dpv1.ProvisioningSucceeded, "", 0
	}
	wait, err := time.ParseDuration(waitValue)
	if err != nil {
		return dpv1.ProvisioningFailed, fmt.Sprintf("annotation %s is not a duration", v1alpha1.WaitDurationAnnotation), 0
	}
	compliance := obj.Status.ComplianceState
	switch {
	case current && (compliance == v1alpha1.Compliant || compliance == v1alpha1.Suspended):
		return dpv1.ProvisioningSucceeded, "", 0
	case current && compliance == v1alpha1.NonCompliant:
		return dpv1.ProvisioningFailed, "complianceState is Non-Compliant: " + readyMessage(obj), 0
	}
	appliedAt, err := time.Parse(time.RFC3339, obj.Annotations[v1alpha1.OperationAppliedAtAnnotation])
	if err != nil {
		appliedAt = obj.CreationTimestamp.Time
	}
	if deadline := appliedAt.Add(wait); now.Before(deadline) {
		state := obj.Annotations[v1alpha1.OperationStateAnnotation]
		if state != dpv1.ProvisioningUpdating {
			state = dpv1.ProvisioningCreating
		}
		return state, "", deadline.Sub(now) + time.Second
	}
	return dpv1.ProvisioningFailed, fmt.Sprintf("the configuration did not finish reconciling within reconciliationWaitDuration %s (complianceState %s)", wait, compliance), 0
}

func readyMessage(obj *v1alpha1.FluxConfig) string {
	if c := apimeta.FindStatusCondition(obj.Status.Conditions, v1alpha1.ReadyCondition); c != nil {
		return c.Message
	}
	return "no Ready condition"
}
