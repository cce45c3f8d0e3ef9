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

package v1

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// Rollout phases of a fleet configuration's current revision.
const (
	RolloutProgressing        = "Progressing"
	RolloutPaused             = "Paused"
	RolloutWaitingForApproval = "WaitingForApproval"
	RolloutHalted             = "Halted"
	RolloutCompleted          = "Completed"
)

// FleetRollout stages a new revision of a fleet configuration over its clusters wave by
// wave. Without one, a revision goes to every selected cluster at once.
type FleetRollout struct {
	// Waves are taken in order; each cluster belongs to the first wave that claims it,
	// and clusters no wave claims belong to the last.
	Waves []RolloutWave `json:"waves"`
	// MaxConcurrent bounds the clusters of a wave updating at once; 0 means no bound.
	MaxConcurrent int `json:"maxConcurrent,omitempty"`
	// MinCompliantSeconds is the soak: a cluster is done once Compliant that long.
	MinCompliantSeconds int64 `json:"minCompliantSeconds,omitempty"`
	// ProgressDeadlineSeconds fails a cluster not done within it; 0 means no deadline.
	ProgressDeadlineSeconds int64 `json:"progressDeadlineSeconds,omitempty"`
	// MaxFailures is how many clusters may fail before the rollout halts: a count (3)
	// or a percent of the placement ("10%"); absent, the first failure halts it.
	MaxFailures *IntOrPercent `json:"maxFailures,omitempty"`
}

// RolloutWave is one stage of a rollout: either a selector or a cumulative percent.
type RolloutWave struct {
	Name string `json:"name"`
	// ClusterSelector claims the selected clusters not claimed by an earlier wave.
	ClusterSelector *LabelSelector `json:"clusterSelector,omitempty"`
	// Percent claims, cumulatively, that share of the placement (rounded up), ordered by
	// a stable hash of the cluster name, so the same clusters go first every revision.
	Percent *int `json:"percent,omitempty"`
	// RequireApproval holds the wave until it is approved.
	RequireApproval bool `json:"requireApproval,omitempty"`
}

// IntOrPercent is a JSON number or a string: a whole number, or one followed by '%'.
type IntOrPercent struct {
	Value   int
	Percent bool
}

// String is 3 or 10%.
func (v IntOrPercent) String() string {
	if v.Percent {
		return strconv.Itoa(v.Value) + "%"
	}
	return strconv.Itoa(v.Value)
}

// MarshalJSON writes a count as a number and a percent as a string.
func (v IntOrPercent) MarshalJSON() ([]byte, error) {
	if v.Percent {
		return json.Marshal(v.String())
	}
	return json.Marshal(v.Value)
}

// UnmarshalJSON reads 3, "3" or "10%".
func (v *IntOrPercent) UnmarshalJSON(data []byte) error {
	s := string(bytes.TrimSpace(data))
	if len(s) > 0 && s[0] == '"' {
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
	}
	pct := len(s) > 0 && s[len(s)-1] == '%'
	if pct {
		s = s[:len(s)-1]
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return &json.UnsupportedValueError{Str: "maxFailures must be a whole number or a percent such as \"10%\""}
	}
	v.Value, v.Percent = n, pct
	return nil
}

// FleetRolloutStatus is the progress of the current revision's rollout; read-only.
type FleetRolloutStatus struct {
	Phase string `json:"phase"`
	// Revision is the revision being rolled out; clusters not reached yet keep
	// FromRevision (0: they have none yet).
	Revision     int64 `json:"revision"`
	FromRevision int64 `json:"fromRevision,omitempty"`
	// CurrentWave names the wave in progress or waiting; empty once completed.
	CurrentWave string              `json:"currentWave,omitempty"`
	Waves       []RolloutWaveStatus `json:"waves"`
	// FailedClusters are the clusters that failed, with what they reported.
	FailedClusters []RolloutFailure `json:"failedClusters,omitempty"`
}

// RolloutWaveStatus counts the clusters of one wave.
type RolloutWaveStatus struct {
	Name     string `json:"name"`
	Clusters int    `json:"clusters"`
	// Updated clusters have the new revision; Done ones soaked Compliant, Failed ones failed.
	Updated int `json:"updated"`
	Done    int `json:"done"`
	Failed  int `json:"failed"`
}

// RolloutFailure is a cluster that failed the rollout.
type RolloutFailure struct {
	Cluster string `json:"cluster"`
	Wave    string `json:"wave"`
	Message string `json:"message"`
}
