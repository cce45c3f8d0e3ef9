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
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Registry is the cluster registry: every registration held in memory, so authorising a
// poll reads no store, in front of a ClusterStore that every change is written to first.
type Registry struct {
	store ClusterStore
	// PollInterval is the agents' poll interval: a cluster is connected while it polled
	// within three of them. Default 30s.
	PollInterval time.Duration

	// write serialises read-modify-write of registrations; it is held across the store
	// write, so polls, which take only mu, never wait for an fsync.
	write sync.Mutex
	mu    sync.RWMutex
	// byName is copy-on-write: a record in it is never changed, only replaced.
	byName map[string]*ClusterRecord
	// sorted holds byName's records ordered by name, so a list page sorts nothing.
	sorted []*ClusterRecord
	// byHash maps every accepted token hash, current or in grace, to its cluster, so a
	// token used on another cluster's path is told apart from an unknown one.
	byHash map[string]string
	// changes counts the writes served, so what is derived from the registrations (the
	// disconnected clusters) knows when to derive it again.
	changes atomic.Int64
}

// NewRegistry loads every registration of store.
func NewRegistry(ctx context.Context, store ClusterStore) (*Registry, error) {
	recs, err := store.ListClusters(ctx)
	if err != nil {
		return nil, err
	}
	r := &Registry{store: store, byName: map[string]*ClusterRecord{}, byHash: map[string]string{}}
	for _, rec := range recs {
		r.index(rec)
	}
	return r, nil
}

// index puts rec in the maps; callers hold mu or own r alone.
func (r *Registry) index(rec *ClusterRecord) {
	if old := r.byName[rec.Name]; old != nil {
		delete(r.byHash, old.TokenHash)
		delete(r.byHash, old.PreviousTokenHash)
	}
	r.byName[rec.Name] = rec
	r.changes.Add(1)
	i, found := r.search(rec.Name)
	if found {
		r.sorted[i] = rec
	} else {
		r.sorted = slices.Insert(r.sorted, i, rec)
	}
	r.byHash[rec.TokenHash] = rec.Name
	if rec.PreviousTokenHash != "" {
		r.byHash[rec.PreviousTokenHash] = rec.Name
	}
}

func (r *Registry) pollInterval() time.Duration {
	if r.PollInterval <= 0 {
		return 30 * time.Second
	}
	return r.PollInterval
}

// get returns the registration of name; it must not be modified.
func (r *Registry) get(name string) *ClusterRecord {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.byName[name]
}

// search finds where name is, or would be, in r.sorted; callers hold mu.
func (r *Registry) search(name string) (int, bool) {
	return slices.BinarySearchFunc(r.sorted, name, func(c *ClusterRecord, n string) int { return strings.Compare(c.Name, n) })
}

// all returns every registration ordered by name; they must not be modified.
func (r *Registry) all() []*ClusterRecord {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Clone(r.sorted)
}

// put stores recs durably, then serves them; callers hold r.write.
func (r *Registry) put(ctx context.Context, recs ...*ClusterRecord) error {
	if err := r.store.PutClusters(ctx, recs); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rec := range recs {
		r.index(rec)
	}
	return nil
}

// remove deletes name durably, then stops accepting its tokens; callers hold r.write.
func (r *Registry) remove(ctx context.Context, name string) error {
	if err := r.store.DeleteCluster(ctx, name); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.unindex(name)
	return nil
}

// authorize returns the role of the request's token for cluster: a token accepted by either
// the registry or the token files. The registry, in memory, is asked first, so a registered
// agent's poll never reads the token directory.
func (s *Server) authorize(r *http.Request, cluster string) Role {
	role := RoleNone
	if s.Registry != nil {
		role = s.Registry.authorize(r, cluster, s.Now())
	}
	if role == RoleAgent {
		return role
	}
	if files := s.Tokens.Authorize(r, cluster); files != RoleNone {
		// Admin and agent win over another cluster's token of the registry.
		if role == RoleNone || files == RoleAdmin || files == RoleAgent {
			role = files
		}
	}
	return role
}

// authorize returns the role the request's token has for cluster through the registry:
// RoleAgent for the cluster's current token, or its previous one within the grace period;
// RoleOtherCluster for a token of another registered cluster; otherwise RoleNone.
func (r *Registry) authorize(req *http.Request, cluster string, now time.Time) Role {
	presented, ok := bearer(req)
	if !ok {
		return RoleNone
	}
	sum := sha256.Sum256(presented)
	hash := []byte(hex.EncodeToString(sum[:]))
	r.mu.RLock()
	defer r.mu.RUnlock()
	if rec := r.byName[cluster]; rec != nil && rec.accepts(hash, now) {
		return RoleAgent
	}
	// A map lookup is not constant time, but it is keyed by the hash of the presented
	// token: its timing says nothing usable about a valid token.
	if other, ok := r.byHash[string(hash)]; ok && other != cluster && r.byName[other].accepts(hash, now) {
		return RoleOtherCluster
	}
	return RoleNone
}

// accepts reports whether hash (hex SHA-256 of a presented token) is the current token, or
// the previous one before its grace period ended; both compared in constant time.
func (c *ClusterRecord) accepts(hash []byte, now time.Time) bool {
	current := subtle.ConstantTimeCompare([]byte(c.TokenHash), hash) == 1
	previous := c.PreviousTokenHash != "" && now.Before(c.PreviousValidUntil) &&
		subtle.ConstantTimeCompare([]byte(c.PreviousTokenHash), hash) == 1
	return current || previous
}

// newAgentToken returns a random 256-bit token and the hash the store keeps of it.
func newAgentToken() (token, hash string) {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+).
	token = hex.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(token))
	return token, hex.EncodeToString(sum[:])
}

// Contact is what the endpoint knows of a cluster agent's latest contact.
type Contact struct {
	LastPoll time.Time
	// UserAgent is the agent's User-Agent header.
	UserAgent string
}

// contact returns the latest of rec's persisted contact, the one this replica served and
// the one another replica shared.
func (s *Server) contact(rec *ClusterRecord) (time.Time, string) {
	var own Contact
	if s.LastContact != nil {
		if c, ok := s.LastContact(rec.Name); ok {
			own = c
		}
	}
	return s.latestContact(rec, own)
}

// eachOwnContact calls f with the place in clusters and the contact this replica served of
// each it served any: one call of LastContacts when set, so a read of thousands does not
// take the contacts' lock once a cluster.
func (s *Server) eachOwnContact(clusters []string, f func(i int, c Contact)) {
	switch {
	case s.LastContacts != nil:
		s.LastContacts(clusters, f)
	case s.LastContact != nil:
		for i, cluster := range clusters {
			if c, ok := s.LastContact(cluster); ok {
				f(i, c)
			}
		}
	}
}

// ownContacts is eachOwnContact gathered in clusters' order, a zero Contact for a cluster
// this replica served none of.
func (s *Server) ownContacts(clusters []string) []Contact {
	out := make([]Contact, len(clusters))
	s.eachOwnContact(clusters, func(i int, c Contact) { out[i] = c })
	return out
}

// latestContact is contact with own, the contact this replica served, already read.
func (s *Server) latestContact(rec *ClusterRecord, own Contact) (time.Time, string) {
	last, version := rec.LastPoll, rec.AgentVersion
	if own.LastPoll.After(last) {
		last, version = own.LastPoll, agentVersion(own.UserAgent)
	}
	// A contact from before the registration was of a deleted cluster of the same name.
	if c, ok := s.contacts.get(rec.Name); ok && c.LastPoll.After(last) && !c.LastPoll.Before(rec.CreatedAt) {
		last, version = c.LastPoll, agentVersion(c.UserAgent)
	}
	return last, version
}

// clusterNames returns the names of recs, in their order.
func clusterNames(recs []*ClusterRecord) []string {
	out := make([]string, len(recs))
	for i, rec := range recs {
		out[i] = rec.Name
	}
	return out
}

// agentVersion is the version in a fluxconfig-agent/<version> User-Agent, else "".
func agentVersion(userAgent string) string {
	v, ok := strings.CutPrefix(userAgent, "fluxconfig-agent/")
	if !ok {
		return ""
	}
	v, _, _ = strings.Cut(v, " ")
	return v
}

// PersistContacts writes the last poll and agent version of every registered cluster that
// polled since the previous call, all in one transaction: polls themselves never write.
// With Contacts set, it does nothing: the contacts are persisted there as they are shared.
func (s *Server) PersistContacts(ctx context.Context) error {
	if s.Registry == nil || s.LastContact == nil && s.LastContacts == nil || s.Contacts != nil {
		return nil
	}
	reg := s.Registry
	unlock, err := s.lockContacts(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	var changed []*ClusterRecord
	recs := reg.all()
	own := s.ownContacts(clusterNames(recs))
	for i, rec := range recs {
		last, version := s.latestContact(rec, own[i])
		if last.Equal(rec.LastPoll) && version == rec.AgentVersion {
			continue
		}
		next := *rec
		next.LastPoll, next.AgentVersion = last.UTC(), version
		changed = append(changed, &next)
	}
	if len(changed) == 0 {
		return nil
	}
	return reg.put(ctx, changed...)
}

// lockContacts takes what writing the registrations' contacts needs. Whole registrations
// are written, so every other registry write is held off. With a Locker, that is the
// registry lock, under which the registrations are reread: a relabel made by another
// replica is kept, not overwritten by this replica's older copy. Alone, the registry's write
// lock is enough: a contact places no fleet configuration, and the fleet lock would stall
// every record write, every agent's report among them, for as long as ten thousand
// registrations take to encode and commit.
func (s *Server) lockContacts(ctx context.Context) (unlock func(), err error) {
	if s.Locker != nil {
		return s.lockRegistry(ctx)
	}
	s.Registry.write.Lock()
	return s.Registry.write.Unlock, nil
}

// RunContacts persists the clusters' contacts every interval until ctx ends, then once more.
func (s *Server) RunContacts(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			// The store is still open: the caller closes it after this returns.
			if err := s.PersistContacts(context.WithoutCancel(ctx)); err != nil {
				s.Log.Error(err, "Persisting the clusters' last polls failed")
			}
			return
		case <-t.C:
			if err := s.PersistContacts(ctx); err != nil {
				s.Log.Error(err, "Persisting the clusters' last polls failed")
			}
		}
	}
}
