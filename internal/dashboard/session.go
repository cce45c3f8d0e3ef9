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

package dashboard

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// CookieName is the session cookie. It carries a random session id, never the token.
const CookieName = "fluxconfig_session"

// maxSessions bounds the sessions kept; the oldest goes first. Only a holder of the admin
// token can create one, so this guards memory against a script, not an attacker.
const maxSessions = 1000

// sessions maps random ids to the admin token they were opened with, in memory only: a
// restart logs everyone out, and a rotated admin token ends every session opened with the
// old one at their next request.
type sessions struct {
	ttl time.Duration
	now func() time.Time

	mu   sync.Mutex
	byID map[string]session
}

type session struct {
	token   string
	expires time.Time
}

func (s *sessions) open(token string) (string, time.Time) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	id := base64.RawURLEncoding.EncodeToString(b[:])
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byID == nil {
		s.byID = map[string]session{}
	}
	oldestID, oldest := "", time.Time{}
	for k, v := range s.byID {
		if !now.Before(v.expires) {
			delete(s.byID, k)
		} else if oldestID == "" || v.expires.Before(oldest) {
			oldestID, oldest = k, v.expires
		}
	}
	if len(s.byID) >= maxSessions {
		delete(s.byID, oldestID)
	}
	expires := now.Add(s.ttl)
	s.byID[id] = session{token: token, expires: expires}
	return id, expires
}

// token returns the admin token the request's session was opened with.
func (s *sessions) token(r *http.Request) (string, bool) {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.byID[c.Value]
	if !ok || !s.now().Before(v.expires) {
		delete(s.byID, c.Value)
		return "", false
	}
	return v.token, true
}

func (s *sessions) close(r *http.Request) {
	if c, err := r.Cookie(CookieName); err == nil {
		s.mu.Lock()
		delete(s.byID, c.Value)
		s.mu.Unlock()
	}
}

// cookie is the session cookie: HttpOnly, SameSite=Strict, limited to /ui/, Secure over TLS.
func cookie(r *http.Request, value string, expires time.Time) *http.Cookie {
	c := &http.Cookie{Name: CookieName, Value: value, Path: "/ui/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil}
	if value == "" {
		c.MaxAge = -1
	} else {
		c.Expires = expires
	}
	return c
}

// sameOrigin refuses a form posted from another site. Browsers send Origin with every POST
// (and Sec-Fetch-Site); a client that sends neither is not a browser a page could drive.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}
