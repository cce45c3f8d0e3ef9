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

package poller

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// A Failed report's message is cut to maxMessage bytes without cutting a rune in two.
func TestTruncateMessage(t *testing.T) {
	for _, tc := range []struct {
		name string
		msg  string
	}{
		{"short", "refused"},
		{"ascii", strings.Repeat("a", 3*maxMessage)},
		{"runes across the cut", strings.Repeat("é", maxMessage)},
		{"wide runes across the cut", "a" + strings.Repeat("界", maxMessage)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := truncateMessage(tc.msg)
			if len(got) > maxMessage {
				t.Errorf("%d bytes, want at most %d", len(got), maxMessage)
			}
			if !utf8.ValidString(got) {
				t.Errorf("not valid UTF-8 at its end: %q", got[max(0, len(got)-8):])
			}
			if len(tc.msg) <= maxMessage && got != tc.msg {
				t.Errorf("a short message changed: %q", got)
			}
			if len(tc.msg) > maxMessage && (!strings.HasSuffix(got, "...") || !strings.HasPrefix(tc.msg, strings.TrimSuffix(got, "..."))) {
				t.Errorf("not a prefix of the message followed by ...: %q", got[max(0, len(got)-8):])
			}
		})
	}
}
