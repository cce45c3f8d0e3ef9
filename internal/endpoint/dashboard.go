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

import "net/http"

// What the dashboard (internal/dashboard) needs from the endpoint, kept apart from the API.

// seen tells AgentSeen that an agent made contact; admin calls on agent routes are not
// contact from the cluster.
func (s *Server) seen(next handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, role Role) {
		if s.AgentSeen != nil && role == RoleAgent {
			s.AgentSeen(r.PathValue("cluster"), r)
			s.conn.contacted(r.PathValue("cluster"))
		}
		next(w, r, role)
	}
}

// IsAdmin reports whether token is the current admin token, as a login form checks it.
func (t *Tokens) IsAdmin(token string) bool {
	return t.AdminFile != "" && equal(t.read(t.AdminFile), []byte(token))
}
