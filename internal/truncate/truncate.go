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

// Package truncate shortens messages that a store or the API server bounds.
package truncate

import "unicode/utf8"

// String returns s if it fits in limit bytes; otherwise the longest prefix of s that, with
// suffix appended, fits, cut on a rune boundary: a rune cut in two is invalid UTF-8.
func String(s string, limit int, suffix string) string {
	if len(s) <= limit {
		return s
	}
	cut := max(limit-len(suffix), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + suffix
}
