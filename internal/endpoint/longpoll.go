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
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// MaxLongPollWait caps the wait query parameter: a held poll answers 304 after it at the
// latest. DefaultServeOptions' WriteTimeout leaves room above it to write the answer.
const MaxLongPollWait = dpv1.MaxLongPollWait

// WaitParam is the query parameter of a long-poll: how long to hold a poll whose
// If-None-Match still matches.
const WaitParam = "wait"

// parseWait reads the wait query parameter: a Go duration ("30s") or a number of seconds
// ("30"), capped at MaxLongPollWait; zero when absent.
func parseWait(r *http.Request) (time.Duration, error) {
	raw := r.URL.Query().Get(WaitParam)
	if raw == "" {
		return 0, nil
	}
	var wait time.Duration
	if secs, err := strconv.ParseFloat(raw, 64); err == nil {
		if math.IsNaN(secs) || math.IsInf(secs, 0) {
			return 0, errBadWait
		}
		wait = time.Duration(min(secs, MaxLongPollWait.Seconds()) * float64(time.Second))
	} else if wait, err = time.ParseDuration(raw); err != nil {
		return 0, errBadWait
	}
	if wait < 0 {
		return 0, errBadWait
	}
	return min(wait, MaxLongPollWait), nil
}

var errBadWait = errors.New("wait must be a duration such as 30s or a number of seconds, not negative; it is capped at " +
	MaxLongPollWait.String())

// EndLongPolls answers every held poll, and any that comes later, at once: Serve calls it
// when the shutdown begins (ServeOptions.OnShutdown), so a held poll never delays it.
func (s *Server) EndLongPolls() {
	s.ending()
	s.endOnce.Do(func() { close(s.end) })
}

// HeldPolls is the number of polls waiting for a change.
func (s *Server) HeldPolls() int64 { return s.held.Load() }

// ending returns the channel EndLongPolls closes.
func (s *Server) ending() <-chan struct{} {
	s.endInit.Do(func() { s.end = make(chan struct{}) })
	return s.end
}

// agentList serves the cluster's desired set, holding the poll for up to wait while its
// If-None-Match still matches. A held poll holds no lock: it waits on the cluster's change
// channel, which every write closes (see etagCache.invalidate).
func (s *Server) agentList(w http.ResponseWriter, r *http.Request, cluster string, wait time.Duration) {
	changed, etag, unchanged := s.answerIfChanged(w, r, cluster)
	if !unchanged {
		return
	}
	if wait <= 0 {
		notModified(w, etag)
		return
	}
	s.held.Add(1)
	defer s.held.Add(-1)
	// At the connection cap, a held poll gives its connection up to a new client.
	yield, release := hold(r)
	defer release()
	timeout := time.NewTimer(wait)
	defer timeout.Stop()
	for {
		select {
		case <-changed:
			if changed, etag, unchanged = s.answerIfChanged(w, r, cluster); !unchanged {
				return
			}
		case <-timeout.C:
			notModified(w, etag)
			return
		case <-s.ending():
			w.Header().Set("Connection", "close")
			notModified(w, etag)
			return
		case <-yield:
			w.Header().Set("Connection", "close")
			notModified(w, etag)
			return
		case <-r.Context().Done():
			return
		}
	}
}

// answerIfChanged answers the desired set, or an error, unless it still has the ETag of
// If-None-Match; then it answers nothing and returns the ETag and a channel closed at the
// cluster's next write. The channel is taken before the ETag is read, so a write between
// the two still closes it.
func (s *Server) answerIfChanged(w http.ResponseWriter, r *http.Request, cluster string) (changed <-chan struct{}, etag string, unchanged bool) {
	changed = s.etags.watch(cluster)
	etag, body, err := s.desiredSet(r, cluster)
	if err != nil {
		s.writeInternal(w, r, err)
		return nil, "", false
	}
	if body != nil {
		w.Header().Set("ETag", etag)
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
		return nil, "", false
	}
	return changed, etag, true
}
