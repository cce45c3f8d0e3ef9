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

package truncate

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// check holds what String promises for s: at most limit bytes, s unchanged when it fits,
// otherwise a prefix of s followed by suffix, valid UTF-8 whenever s is.
func check(t *testing.T, s string, limit int, suffix string) {
	t.Helper()
	got := String(s, limit, suffix)
	switch {
	case len(s) <= limit && got != s:
		t.Errorf("a string that fits changed: %q", got)
	case len(s) > limit && len(got) > limit:
		t.Errorf("%d bytes, want at most %d", len(got), limit)
	case len(s) > limit && (!strings.HasSuffix(got, suffix) || !strings.HasPrefix(s, strings.TrimSuffix(got, suffix))):
		t.Errorf("not a prefix of the string followed by %q: %q", suffix, got)
	case utf8.ValidString(s) && !utf8.ValidString(got):
		t.Errorf("not valid UTF-8 at its end: %q", got[max(0, len(got)-8):])
	}
}

func TestString(t *testing.T) {
	for _, tc := range []struct {
		name, s, suffix string
		limit           int
	}{
		{"fits", "refused", "...", 1024},
		{"exactly fits", strings.Repeat("a", 1024), "...", 1024},
		{"ascii", strings.Repeat("a", 3000), "...", 1024},
		{"two-byte runes across the cut", strings.Repeat("é", 1024), "...", 1024},
		{"three-byte runes across the cut", "a" + strings.Repeat("界", 1024), "...", 1024},
		{"multibyte suffix", strings.Repeat("界", 10000), " …", 16384},
	} {
		t.Run(tc.name, func(t *testing.T) { check(t, tc.s, tc.limit, tc.suffix) })
	}
}

func FuzzString(f *testing.F) {
	f.Add("refused: admission webhook denied the request", 16)
	f.Add(strings.Repeat("界", 40), 31)
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if limit < len("...") || limit > 1<<16 {
			return
		}
		check(t, s, limit, "...")
	})
}
