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

import "time"

// MaxLongPollWait caps the wait of a long-poll: the endpoint answers a held poll 304 after
// it at the latest, and the agent never asks for more.
const MaxLongPollWait = time.Minute

// Size limits of the protocol, in one place: the agent refuses what exceeds MaxResponseBytes,
// so the endpoint must never build a desired set that large.
const (
	// MaxResponseBytes caps any answer the agent reads; a larger one is treated as broken.
	MaxResponseBytes = 4 << 20
	// MaxClusterSetBytes caps the encoded desired set of one cluster (the agent's list
	// answer, protected settings included). It stays below MaxResponseBytes so a set the
	// endpoint accepted is never one its agent refuses.
	MaxClusterSetBytes = 3 << 20
	// MaxRequestBytes caps a request body, and so one configuration.
	MaxRequestBytes = 1 << 20
	// MaxSubstituteValueBytes caps one postBuild.substitute value.
	MaxSubstituteValueBytes = 16 << 10
	// MaxSubstituteVariables caps the postBuild.substitute entries of one kustomization, as
	// the FluxConfig CRD does.
	MaxSubstituteVariables = 256
	// MaxCorrelationIDLength caps the X-Correlation-Id header, as the FluxConfig CRD caps
	// spec.correlationId.
	MaxCorrelationIDLength = 256
)
