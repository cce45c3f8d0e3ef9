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

package arm

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"
)

// isoDuration matches the ISO-8601 durations ARM uses for reconciliationWaitDuration:
// days, hours, minutes and whole seconds (P1D, PT30M, PT1H30M, P1DT12H).
var isoDuration = regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`)

// ParseISODuration parses an ISO-8601 duration of days, hours, minutes and seconds. A
// duration longer than a time.Duration holds (about 292 years) is refused rather than
// wrapped around to a negative one.
func ParseISODuration(s string) (time.Duration, error) {
	m := isoDuration.FindStringSubmatch(s)
	if m == nil || s == "P" || s == "PT" || (len(s) > 1 && s[len(s)-1] == 'T') {
		return 0, fmt.Errorf("%q is not an ISO-8601 duration such as PT30M, PT1H or P1D", s)
	}
	tooLong := fmt.Errorf("%q is longer than the longest duration, %s (about 292 years)", s, formatISODuration(math.MaxInt64))
	units := []time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second}
	var d time.Duration
	for i, unit := range units {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.ParseInt(m[i+1], 10, 64)
		if err != nil || n > int64((math.MaxInt64-d)/unit) {
			return 0, tooLong
		}
		d += time.Duration(n) * unit
	}
	return d, nil
}

// formatISODuration writes d in whole days and seconds, for messages.
func formatISODuration(d time.Duration) string {
	day := 24 * time.Hour
	return fmt.Sprintf("P%dDT%dS", d/day, (d%day)/time.Second)
}
