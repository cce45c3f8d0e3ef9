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

// Package dashboard is the endpoint's read-only compliance dashboard, served at /ui/: the
// fleet's clusters by configuration coloured by compliance, a configuration's page and a
// cluster's page. It sits behind the admin token, entered once in a login form and kept
// as a server-side session. The pages refresh themselves and use no script.
package dashboard

import (
	"context"
	"embed"
	"html/template"
	"net/http"
	"time"

	"github.com/go-logr/logr"

	"github.com/fluxconfig/fluxconfig/internal/endpoint"
)

//go:embed templates/*.html static/style.css
var files embed.FS

// Options tune the dashboard; zero values take the defaults.
type Options struct {
	// PollInterval is the agents' poll interval: a cluster not heard from for three of them
	// is Disconnected. Default 30s, the agent's default.
	PollInterval time.Duration
	// Refresh is how often a page reloads itself. Default 30s.
	Refresh time.Duration
	// SessionTTL is how long a login lasts. Default 12h.
	SessionTTL time.Duration
	// PageSize is the rows per page. Default 50.
	PageSize int
}

// Dashboard serves the views over an Index.
type Dashboard struct {
	idx      *Index
	tokens   *endpoint.Tokens
	now      func() time.Time
	log      logr.Logger
	opts     Options
	started  time.Time
	sessions sessions
	pages    map[string]*template.Template
}

// Mount puts the dashboard on srv: it wraps srv.Store in an Index (reading every record
// once), serves /ui/ and records every agent's contact, which it also lends to
// srv.Registry. Call it before srv.Handler.
func Mount(ctx context.Context, srv *endpoint.Server, o Options) (*Dashboard, error) {
	idx, err := NewIndex(ctx, srv.Store)
	if err != nil {
		return nil, err
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 30 * time.Second
	}
	if o.Refresh <= 0 {
		o.Refresh = 30 * time.Second
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 12 * time.Hour
	}
	if o.PageSize <= 0 {
		o.PageSize = 50
	}
	now := srv.Now
	if now == nil {
		now = time.Now
	}
	d := &Dashboard{idx: idx, tokens: srv.Tokens, now: now, log: srv.Log, opts: o, started: now(),
		sessions: sessions{ttl: o.SessionTTL, now: now}, pages: parsePages()}
	srv.Store = idx
	srv.UI = d.Handler()
	srv.AgentSeen = func(cluster string, r *http.Request) { idx.AgentSeen(cluster, r.UserAgent(), now()) }
	// The cluster registry reads the contacts recorded here rather than recording them again.
	srv.LastContact = func(cluster string) (endpoint.Contact, bool) {
		c, ok := idx.Contact(cluster)
		return endpoint.Contact{LastPoll: c.LastPoll, UserAgent: c.Agent}, ok && !c.LastPoll.IsZero()
	}
	srv.LastContacts = func(clusters []string, each func(int, endpoint.Contact)) {
		idx.LastPolls(clusters, func(i int, c ClusterContact) {
			if !c.LastPoll.IsZero() {
				each(i, endpoint.Contact{LastPoll: c.LastPoll, UserAgent: c.Agent})
			}
		})
	}
	// Contacts other replicas served count here as this replica's own.
	srv.ContactHeard = func(c endpoint.ClusterContact) { idx.ContactHeard(c.Cluster, c.UserAgent, c.LastPoll) }
	return d, nil
}

// Index is the dashboard's in-memory view of the store.
func (d *Dashboard) Index() *Index { return d.idx }

// Handler serves every /ui/ path.
func (d *Dashboard) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ui/style.css", serveCSS)
	mux.HandleFunc("GET /ui/login", d.loginForm)
	mux.HandleFunc("POST /ui/login", d.login)
	mux.HandleFunc("POST /ui/logout", d.logout)
	mux.HandleFunc("GET /ui/{$}", d.session(d.overview))
	mux.HandleFunc("GET /ui/configurations/{name}", d.session(d.configuration))
	mux.HandleFunc("GET /ui/clusters/{cluster}", d.session(d.cluster))
	return secure(mux)
}

// session sends a caller without a live session to the login form.
func (d *Dashboard) session(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if tok, ok := d.sessions.token(r); !ok || !d.tokens.IsAdmin(tok) {
			d.sessions.close(r)
			http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
			return
		}
		next(w, r)
	}
}

func (d *Dashboard) loginForm(w http.ResponseWriter, r *http.Request) {
	if tok, ok := d.sessions.token(r); ok && d.tokens.IsAdmin(tok) {
		http.Redirect(w, r, "/ui/", http.StatusSeeOther)
		return
	}
	d.render(w, http.StatusOK, "login", loginPage{common: common{Title: "Sign in"}})
}

func (d *Dashboard) login(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		d.render(w, http.StatusForbidden, "login", loginPage{common: common{Title: "Sign in"}, Error: "This form can only be sent from the dashboard's own page."})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	token := r.PostFormValue("token")
	if !d.tokens.IsAdmin(token) {
		d.log.Info("Dashboard login refused", "remote", r.RemoteAddr)
		d.render(w, http.StatusUnauthorized, "login", loginPage{common: common{Title: "Sign in"}, Error: "That is not the admin token."})
		return
	}
	id, expires := d.sessions.open(token)
	http.SetCookie(w, cookie(r, id, expires))
	http.Redirect(w, r, "/ui/", http.StatusSeeOther)
}

func (d *Dashboard) logout(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "This form can only be sent from the dashboard's own page.", http.StatusForbidden)
		return
	}
	d.sessions.close(r)
	http.SetCookie(w, cookie(r, "", time.Time{}))
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
}

// secure sets the headers every page gets: no caching, no framing, no script, no
// resource from another origin, and no Referer sent to another site.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		// same-origin, not no-referrer: with no-referrer, Chromium sends "Origin: null" on
		// the dashboard's own form posts, and the origin check would refuse them.
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

func serveCSS(w http.ResponseWriter, _ *http.Request) {
	data, _ := files.ReadFile("static/style.css")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	_, _ = w.Write(data)
}
