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

// Package endpoint is the reference configuration endpoint: a management API that stores
// FluxConfigs per cluster in the ARM fluxConfigurations model, an agent API that serves each
// cluster its desired set and takes its status reports, and the 48-hour delivery rules.
package endpoint

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/internal/tenancy"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = dpv1.MaxRequestBytes

// Server serves the management and agent APIs over a Store.
type Server struct {
	Store  Store
	Tokens *Tokens
	// Now is the clock; tests replace it to cross the 48-hour limits without waiting.
	Now func() time.Time
	Log logr.Logger
	// Protected are the namespaces no configuration may use; nil protects
	// tenancy.DefaultProtectedNamespaces, an empty list none.
	Protected tenancy.Protected
	// Authoritative marks every desired set served to agents as complete, which lets an
	// agent prune more than its safety limit in one poll. Set it only while the store is
	// known to be whole: a store restored from an old backup would then prune the cluster.
	Authoritative bool
	// UI, when set, is served at /ui/: the dashboard, which has its own login.
	UI http.Handler
	// AgentSeen, when set, is told of every authorised agent poll and status report. It runs
	// on every poll, so it must be cheap.
	AgentSeen func(cluster string, r *http.Request)
	// Registry, when set, serves the cluster registry at /v1/clusters and accepts the
	// tokens it issued next to the token files.
	Registry *Registry
	// Fleets, when set with Registry, serves fleet configurations at
	// /v1/fleetConfigurations: one configuration written into every registered cluster
	// its placement selects.
	Fleets FleetStore
	// LastContact, when set, tells the registry a cluster's latest agent contact, as
	// recorded through AgentSeen.
	LastContact func(cluster string) (Contact, bool)
	// LastContacts, when set, is LastContact for many clusters at once: it calls each with
	// the place in clusters and the contact of each cluster it knows one of. A fleet's
	// status reads thousands through it while agents poll and report.
	LastContacts func(clusters []string, each func(i int, c Contact))
	// Locker and Leader, when set, let replicas share the store (see replica.go): Locker
	// serialises each cluster's writes across them, Leader picks the one that sweeps.
	Locker Locker
	Leader Leader
	// Contacts, when set, shares the clusters' latest contacts with the other replicas
	// every ContactShareInterval (DefaultContactShareInterval when zero); they are then
	// persisted there, not in the registrations.
	Contacts             ContactStore
	ContactShareInterval time.Duration
	// ContactHeard, when set, is told of each contact another replica shared that is
	// later than the one known before (the dashboard's index takes it).
	ContactHeard func(ClusterContact)

	// writes serialise read-modify-write of each cluster's records (writelocks.go).
	writes writeLocks
	// etags answers polls that changed nothing without reading the store.
	etags etagCache
	// sizes keeps the size of each cluster's desired set, for MaxClusterSetBytes.
	sizes setSizes
	// fleetAgg is every fleet configuration's status, kept as records are written.
	fleetAgg fleetAggregate
	// contacts are those of the other replicas, read from Contacts.
	contacts sharedContacts
	// conn is which clusters are disconnected, for the fleet status.
	conn connectivity
	// steps are the rollouts the stepper is to step (rollout_stepper.go).
	steps rolloutSteps
	// held counts the polls waiting for a change.
	held atomic.Int64
	// end is closed by EndLongPolls.
	end              chan struct{}
	endInit, endOnce sync.Once
}

// Handler returns the HTTP handler of every route.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	const item = "/v1/clusters/{cluster}/fluxConfigurations/{name}"
	mux.HandleFunc("GET "+HealthPath, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("GET /v1/clusters/{cluster}/fluxConfigurations", s.auth(RoleAgent, s.seen(s.list)))
	mux.HandleFunc("GET "+item, s.auth(RoleAdmin, s.get))
	mux.HandleFunc("PUT "+item, s.auth(RoleAdmin, s.put))
	mux.HandleFunc("PATCH "+item, s.auth(RoleAdmin, s.patch))
	mux.HandleFunc("DELETE "+item, s.auth(RoleAdmin, s.delete))
	mux.HandleFunc("PUT "+item+"/status", s.auth(RoleAgent, s.seen(s.putStatus)))
	s.routeClusters(mux)
	s.routeFleets(mux)
	if s.UI != nil {
		mux.Handle("/ui/", s.UI)
	}
	return s.logRequests(mux)
}

// protected returns the namespaces no configuration may use.
func (s *Server) protected() tenancy.Protected {
	if s.Protected == nil {
		return tenancy.NewProtected(nil, "")
	}
	return s.Protected
}

// handlerFunc is a route with the caller's role resolved.
type handlerFunc func(w http.ResponseWriter, r *http.Request, role Role)

// auth refuses callers below least. Admin passes everywhere; an agent only on its own
// cluster's agent routes.
func (s *Server) auth(least Role, next handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cluster := r.PathValue("cluster")
		if !validCluster(cluster) {
			refuseCluster(w, cluster)
			return
		}
		role := s.authorize(r, cluster)
		switch {
		case role == RoleNone:
			w.Header().Set("WWW-Authenticate", `Bearer realm="fluxconfig-endpoint"`)
			writeError(w, http.StatusUnauthorized, "Unauthorized", "", "a valid bearer token is required")
		case role == RoleOtherCluster:
			writeError(w, http.StatusForbidden, "Forbidden", "", "this token belongs to another cluster than "+cluster)
		case least == RoleAdmin && role != RoleAdmin:
			writeError(w, http.StatusForbidden, "Forbidden", "", "the management API needs the admin token")
		default:
			next(w, r, role)
		}
	}
}

// Run purges expired protected settings and times out operations every interval until ctx
// ends; reads also apply the rules, so this only keeps the store tidy. After each sweep it
// steps every rollout in progress, and in between, every RolloutStepInterval, those that
// need it (StepRollouts). With a Leader, only the leading replica does either.
func (s *Server) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	step := time.NewTicker(RolloutStepInterval)
	defer step.Stop()
	leading, asked := false, time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-step.C:
			// A replica that does not lead asks again less often: each ask opens a connection.
			if s.Leader != nil && (leading || time.Since(asked) >= leaderRetry) {
				now := s.Leader.Leading(ctx)
				if now && !leading {
					// What the previous leader had still to do is not known here.
					s.steps.markAll()
				}
				leading, asked = now, time.Now()
			}
			if s.Leader != nil && !leading {
				continue
			}
			if err := s.StepRollouts(ctx); err != nil {
				s.Log.Error(err, "Stepping rollouts failed")
			}
		case <-t.C:
			if s.Leader != nil && !s.Leader.Leading(ctx) {
				leading = false
				continue
			}
			if err := s.sweepOnce(ctx); err != nil {
				s.Log.Error(err, "Sweeping expired operations failed")
			}
			if err := s.TickRollouts(ctx); err != nil {
				s.Log.Error(err, "Stepping rollouts failed")
			}
		}
	}
}

// leaderRetry is how often a replica that does not lead asks for the lead between sweeps.
const leaderRetry = 5 * time.Second

// sweepOnce runs Sweep and turns a panic into an error, so one bad record or store fault
// never ends the sweeping, or the process, for good.
func (s *Server) sweepOnce(ctx context.Context) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sweep panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return s.Sweep(ctx)
}

// Sweep applies the 48-hour rules to every record. It looks for expired records without the
// lock, then rereads and writes those under the lock in one transaction: one fsync for the
// whole sweep rather than one per record while every write waits.
func (s *Server) Sweep(ctx context.Context) error {
	recs, err := s.Store.ListAll(ctx)
	if err != nil {
		return err
	}
	now := s.Now()
	recs = slices.DeleteFunc(recs, func(rec *Record) bool { return !expired(rec, now) })
	if len(recs) == 0 {
		return nil
	}
	clusters := make([]string, 0, len(recs))
	for _, rec := range recs {
		clusters = append(clusters, rec.Cluster)
	}
	unlock, err := s.lock(ctx, clusters...)
	if err != nil {
		return err
	}
	defer unlock()
	var changed []*Record
	for _, stale := range recs {
		rec, err := s.Store.Get(ctx, stale.Cluster, stale.Name)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if expire(rec, s.Now()) {
			changed = append(changed, rec)
		}
	}
	return s.putRecords(ctx, changed)
}

// StatusRecorder remembers the status code a handler answered, for the access log and for
// whoever wraps the server to count its answers; start Code at http.StatusOK.
type StatusRecorder struct {
	http.ResponseWriter
	Code int
}

// WriteHeader implements http.ResponseWriter.
func (r *StatusRecorder) WriteHeader(code int) {
	r.Code = code
	r.ResponseWriter.WriteHeader(code)
}

// logRequests logs method, path and status only: headers carry tokens and bodies carry
// secrets, so neither is ever logged.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &StatusRecorder{ResponseWriter: w, Code: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.Log.V(1).Info("Request served", "method", r.Method, "path", r.URL.Path, "status", rec.Code, "duration", time.Since(start))
	})
}
