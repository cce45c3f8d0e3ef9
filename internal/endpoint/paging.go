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
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
)

// pageQuery reads a list's ?limit= and ?continue=. issued says whether a decoded continue
// token is one this list hands out (it may keep what it parsed). A bad value is answered
// with 400 naming the field, and ok is false.
func pageQuery(w http.ResponseWriter, r *http.Request, issued func(token string) bool) (limit int, after string, ok bool) {
	q := r.URL.Query()
	limit = DefaultClusterPage
	if v := q.Get("limit"); v != "" {
		var err error
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > MaxClusterPage {
			writeError(w, http.StatusBadRequest, "InvalidRequestContent", "limit",
				fmt.Sprintf("limit: %q is not a whole number from 1 to %d", v, MaxClusterPage))
			return 0, "", false
		}
	}
	if v := q.Get("continue"); v != "" {
		token, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil || !issued(string(token)) {
			writeError(w, http.StatusBadRequest, "InvalidRequestContent", "continue",
				"continue: is not a token this endpoint issued; pass the continue value of the previous page unchanged")
			return 0, "", false
		}
		after = string(token)
	}
	return limit, after, true
}

// continueToken is the ?continue= value that carries on after token.
func continueToken(token string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(token))
}
