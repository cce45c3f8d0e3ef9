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
	"errors"
	"reflect"
	"slices"
	"sync"
	"time"
)

// A status report does not step its fleet configuration's rollout: it only marks the fleet
// configuration dirty. One stepper, on the leading replica, steps the dirty ones, and those
// whose soak or deadline passed, every RolloutStepInterval: a report never waits for the
// fleet lock, nor for a walk over every cluster of the fleet.

// RolloutStepInterval is how often Server.Run steps the rollouts that need it: a wave
// opens at most this long after its predecessor's last soak ends.
const RolloutStepInterval = 500 * time.Millisecond

// rolloutSteps is the stepper's work list.
type rolloutSteps struct {
	mu sync.Mutex
	// dirty are the fleet configurations some of whose clusters reported since their last step.
	dirty map[string]bool
	// due is when each rollout's next soak or deadline passes.
	due map[string]time.Time
	// partial is false until a pass over every rollout, and again after changes went unheard.
	partial bool
}

// mark asks for a step of names.
func (r *rolloutSteps) mark(names ...string) {
	if len(names) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dirty == nil {
		r.dirty = map[string]bool{}
	}
	for _, n := range names {
		r.dirty[n] = true
	}
}

// markAll asks for a step of every rollout in progress.
func (r *rolloutSteps) markAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.partial = false
}

// schedule records when name's rollout next needs a step without any report; zero: never.
func (r *rolloutSteps) schedule(name string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if at.IsZero() {
		delete(r.due, name)
		return
	}
	if r.due == nil {
		r.due = map[string]time.Time{}
	}
	r.due[name] = at
}

// take returns the fleet configurations to step at now, and whether every one in progress
// is to be stepped instead; what it returns is off the list.
func (r *rolloutSteps) take(now time.Time) (names []string, all bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dirty == nil {
		r.dirty = map[string]bool{}
	}
	all, r.partial = !r.partial, true
	for n, at := range r.due {
		if !at.After(now) {
			r.dirty[n] = true
			delete(r.due, n)
		}
	}
	for n := range r.dirty {
		names = append(names, n)
	}
	clear(r.dirty)
	return names, all
}

// reported marks fleet configuration name dirty after one of its clusters reported; the
// stepper steps its rollout, if it has one in progress.
func (s *Server) reported(name string) {
	if name != "" && s.Fleets != nil && s.Registry != nil {
		s.steps.mark(name)
	}
}

// StepRollouts steps the rollouts marked dirty and those whose soak or deadline passed;
// the first call, and the first after changes went unheard, steps every one in progress.
// Server.Run calls it every RolloutStepInterval on the leading replica. A rollout that
// could not be stepped stays marked.
func (s *Server) StepRollouts(ctx context.Context) error {
	if s.Fleets == nil || s.Registry == nil {
		return nil
	}
	names, all := s.steps.take(s.Now())
	if all {
		fleets, err := s.Fleets.ListFleets(ctx)
		if err != nil {
			s.steps.markAll()
			return err
		}
		names = names[:0]
		for _, f := range fleets {
			if f.Progress.active() {
				names = append(names, f.Name)
			}
		}
	}
	// Most reports come with no rollout in progress: settle those without the fleet lock,
	// and without decoding every cluster's progress of a rollout long completed.
	names = slices.DeleteFunc(names, func(name string) bool {
		f, err := s.fleetSummary(ctx, name)
		if errors.Is(err, ErrFleetNotFound) || err == nil && !f.Progress.active() {
			s.steps.schedule(name, time.Time{})
			return true
		}
		return false
	})
	if len(names) == 0 {
		return nil
	}
	// Before the lock: a first load reads every record.
	if err := s.fleetAgg.loadOnce(ctx, s.Store); err != nil {
		s.steps.mark(names...)
		return err
	}
	unlock, err := s.lockFleet(ctx)
	if err != nil {
		s.steps.mark(names...)
		return err
	}
	defer unlock()
	for i, name := range names {
		err := s.stepQuickly(ctx, name, false)
		var pe *planError
		switch {
		case errors.As(err, &pe):
			s.Log.Info("Rollout left as it is", "fleetConfiguration", name, "reason", pe.message)
		case errors.Is(err, ErrFleetNotFound):
			s.steps.schedule(name, time.Time{})
		case err != nil:
			s.steps.mark(names[i:]...)
			return err
		}
	}
	return nil
}

// stepQuickly steps fleet configuration name's rollout by the fleet status aggregate (or,
// fromStore, by the records, which another replica's latest writes may not have reached
// the aggregate from yet) and writes only what the step changed: the records of the
// clusters it starts, then the fleet configuration. Callers hold the fleet lock.
func (s *Server) stepQuickly(ctx context.Context, name string, fromStore bool) error {
	f, err := s.Fleets.GetFleet(ctx, name)
	if err != nil {
		return err
	}
	if !f.Progress.active() {
		s.steps.schedule(name, time.Time{})
		return nil
	}
	waves := assignWaves(f.Rollout, selectedLabels(f, s.Registry.all()))
	var obs map[string]rolloutObservation
	if fromStore {
		if obs, err = s.observeRecords(ctx, f, waves); err != nil {
			return err
		}
	} else {
		obs = s.fleetAgg.observations(name, f.Progress.Target, waves)
	}
	next := *f
	var start []string
	next.Progress, start = stepRollout(f.Rollout, f.Progress, obs, s.Now().UTC())
	s.steps.schedule(name, nextDue(f.Rollout, next.Progress))
	if reflect.DeepEqual(f.Progress, next.Progress) {
		return nil
	}
	recs, err := s.planStarted(ctx, &next, start)
	if err != nil {
		return err
	}
	// The records first, as writeFleet does: should the fleet write fail, the next step
	// starts the same clusters again.
	return s.putRecordsThen(ctx, recs, func() error { return s.Fleets.PutFleet(ctx, &next) })
}

// planStarted returns the writes that give the clusters started, by name, f's revision.
// A step changes no other cluster's record: the clusters it reaches are those it starts.
// Callers hold the fleet lock.
func (s *Server) planStarted(ctx context.Context, f *FleetRecord, started []string) ([]*Record, error) {
	now := s.Now().UTC()
	var out []*Record
	for _, name := range started {
		c := s.Registry.get(name)
		if c == nil {
			continue
		}
		rec, err := s.Store.Get(ctx, name, f.Name)
		if errors.Is(err, ErrNotFound) {
			rec, err = nil, nil
		}
		if err != nil {
			return nil, err
		}
		next, err := fleetRecord(f.Name, f, c, true, rec, "", now)
		if err != nil {
			return nil, err
		}
		if next != nil {
			out = append(out, next)
		}
	}
	return out, s.checkSizes(ctx, out)
}
