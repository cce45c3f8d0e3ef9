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

package client

import (
	"context"
	"net/http"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// Rollout operations of fleet configurations; each returns the fleet configuration with
// its rolloutStatus. Every call needs the admin token.

// PauseRollout stops the current revision from reaching more clusters until resumed.
func (c *Client) PauseRollout(ctx context.Context, name string) (*dpv1.FleetConfiguration, error) {
	return c.rolloutOp(ctx, name, "/pause")
}

// ResumeRollout resumes a paused or halted rollout; the failures of a halted one no
// longer count against maxFailures.
func (c *Client) ResumeRollout(ctx context.Context, name string) (*dpv1.FleetConfiguration, error) {
	return c.rolloutOp(ctx, name, "/resume")
}

// ApproveRollout approves the wave waiting for approval.
func (c *Client) ApproveRollout(ctx context.Context, name string) (*dpv1.FleetConfiguration, error) {
	return c.rolloutOp(ctx, name, "/approve")
}

// RollbackFleet makes the previous revision's properties and placement the next revision,
// rolled out with the current strategy, or to every cluster at once when immediate.
func (c *Client) RollbackFleet(ctx context.Context, name string, immediate bool) (*dpv1.FleetConfiguration, error) {
	op := "/rollback"
	if immediate {
		op += "?immediate=true"
	}
	return c.rolloutOp(ctx, name, op)
}

func (c *Client) rolloutOp(ctx context.Context, name, op string) (*dpv1.FleetConfiguration, error) {
	path := FleetPath(name) + op
	return callNamed[dpv1.FleetConfiguration](ctx, c, kindFleet, name, http.MethodPost, path, nil)
}
