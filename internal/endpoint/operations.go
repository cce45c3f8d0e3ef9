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

package endpoint

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"time"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// DeliveryTimeout is how long protected settings are kept and how long the cluster has to
// acknowledge an operation, as ARM's PT48H.
const DeliveryTimeout = 48 * time.Hour

// newOperationID returns a random UUID-shaped id.
func newOperationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// startOperation begins a new operation of the given provisioning state on rec.
func startOperation(rec *Record, state, correlationID string, now time.Time) {
	rec.OperationID = newOperationID()
	rec.CorrelationID = correlationID
	if rec.CorrelationID == "" {
		rec.CorrelationID = newOperationID()
	}
	rec.OperationStartedAt = now
	rec.OperationDone, rec.OperationTimedOut = false, false
	rec.Properties.ProvisioningState = state
	rec.Properties.ErrorMessage = ""
}

// setProtected stores the protected settings an operation carries. They replace what is
// stored, as ARM expects write-only settings to be sent in full; an operation that carries
// none keeps the settings not yet delivered, which an agent that never saw the previous
// operation still needs.
func setProtected(rec *Record, settings map[string]string, now time.Time) {
	if len(settings) == 0 {
		return
	}
	rec.ProtectedSettings = maps.Clone(settings)
	rec.ProtectedUntil = now.Add(DeliveryTimeout)
}

func purgeProtected(rec *Record) {
	rec.ProtectedSettings = nil
	rec.ProtectedUntil = time.Time{}
}

// expired says whether expire would change rec at now, without changing it.
func expired(rec *Record, now time.Time) bool {
	return (rec.ProtectedSettings != nil && !now.Before(rec.ProtectedUntil)) ||
		(!rec.OperationDone && rec.OperationID != "" && now.Sub(rec.OperationStartedAt) >= DeliveryTimeout)
}

// expire applies the 48-hour rules to rec and reports whether it changed: protected settings
// are purged after DeliveryTimeout, and an operation not acknowledged by then fails.
func expire(rec *Record, now time.Time) bool {
	changed := false
	if rec.ProtectedSettings != nil && !now.Before(rec.ProtectedUntil) {
		purgeProtected(rec)
		changed = true
	}
	if !rec.OperationDone && rec.OperationID != "" && now.Sub(rec.OperationStartedAt) >= DeliveryTimeout {
		rec.OperationDone, rec.OperationTimedOut = true, true
		rec.Properties.ProvisioningState = dpv1.ProvisioningFailed
		rec.Properties.ErrorMessage = fmt.Sprintf("the cluster did not acknowledge operation %s within %s; "+
			"re-apply the configuration (with its protected settings) once the cluster is connected", rec.OperationID, DeliveryTimeout)
		purgeProtected(rec)
		changed = true
	}
	return changed
}

// applyReport records an agent's status report. It returns true when the record is to be
// removed: the agent confirmed that a deleted configuration is gone.
func applyReport(rec *Record, rep *dpv1.StatusReport, now time.Time) (remove bool) {
	rec.Properties.ObservedStatus = rep.ObservedStatus
	rec.Properties.StatusUpdatedAt = &now
	if rep.OperationID != rec.OperationID {
		// A report about an earlier operation still carries fresh compliance, but it
		// says nothing about the current operation.
		return false
	}
	// Any report on the current operation proves delivery: the secrets are in the cluster.
	purgeProtected(rec)
	if rec.Deleting {
		if rep.ProvisioningState == dpv1.ProvisioningSucceeded {
			return true
		}
		if rep.ProvisioningState == dpv1.ProvisioningFailed {
			rec.OperationDone = true
			rec.Properties.ProvisioningState = dpv1.ProvisioningFailed
			rec.Properties.ErrorMessage = rep.ErrorMessage
		}
		return false
	}
	if rec.OperationTimedOut {
		// A late report does not change the outcome of an operation that timed out: its
		// protected settings were purged, so the caller has to re-apply it anyway.
		return false
	}
	rec.Properties.ProvisioningState = rep.ProvisioningState
	rec.Properties.ErrorMessage = rep.ErrorMessage
	// Creating/Updating from the agent (waitForReconciliation) is acknowledged too: the
	// 48-hour delivery timeout no longer applies.
	rec.OperationDone = true
	return false
}

// desired is the agent's view of rec.
func desired(rec *Record) dpv1.DesiredConfiguration {
	props := rec.Properties
	props.ObservedStatus = dpv1.ObservedStatus{}
	props.StatusUpdatedAt, props.ProvisioningState, props.ErrorMessage = nil, "", ""
	d := dpv1.DesiredConfiguration{
		Name: rec.Name, Properties: props, OperationID: rec.OperationID,
		CorrelationID: rec.CorrelationID, Deleting: rec.Deleting,
	}
	if !rec.OperationDone && len(rec.ProtectedSettings) > 0 {
		d.ConfigurationProtectedSettings = maps.Clone(rec.ProtectedSettings)
	}
	return d
}

// management is the management view of rec: never a secret value.
func management(rec *Record) dpv1.FluxConfiguration {
	props := rec.Properties
	props.ConfigurationProtectedSettings = map[string]string{}
	return dpv1.FluxConfiguration{
		ID:         fmt.Sprintf("/v1/clusters/%s/fluxConfigurations/%s", rec.Cluster, rec.Name),
		Name:       rec.Name,
		Type:       dpv1.ResourceType,
		Properties: props,
	}
}
