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
	"context"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/fluxconfig/fluxconfig/internal/endpoint"
)

// TestIndex_ChangedFollowsWritesItDidNotSee: writes made to the store past the index (as
// another replica makes them) show once the index hears of them, one cluster at a time or
// all at once after a Missed change.
func TestIndex_ChangedFollowsWritesItDidNotSee(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	store, x := openIndex(t, g)
	g.Expect(x.Put(ctx, record("c-1", "a", Compliant, t0))).To(Succeed())
	all := Filter{Page: 1, PageSize: 10}
	counts := func() map[string]int { return x.fleet(all, "", t0.Add(-1), 0).Configs }

	g.Expect(store.Put(ctx, record("c-1", "a", NonCompliant, t0))).To(Succeed())
	g.Expect(store.Put(ctx, record("c-1", "b", Compliant, t0))).To(Succeed())
	g.Expect(counts()).To(Equal(map[string]int{Compliant: 1}), "the index has not heard yet")
	g.Expect(x.Changed(ctx, endpoint.Change{Cluster: "c-1", Records: true})).To(Succeed())
	g.Expect(counts()).To(Equal(map[string]int{NonCompliant: 1, Compliant: 1}))
	g.Expect(x.configs).To(Equal(map[string]int{"a": 1, "b": 1}))

	g.Expect(x.Changed(ctx, endpoint.Change{Cluster: "c-1", Registration: true})).To(Succeed())
	g.Expect(store.Delete(ctx, "c-1", "a")).To(Succeed())
	g.Expect(store.Delete(ctx, "c-1", "b")).To(Succeed())
	g.Expect(store.Put(ctx, record("c-2", "a", Compliant, t0))).To(Succeed())
	g.Expect(x.Changed(ctx, endpoint.Change{Missed: true})).To(Succeed())
	page := x.fleet(all, "", t0.Add(-1), 0)
	g.Expect(names(page.Rows)).To(Equal([]string{"c-2"}), "c-1, gone with its records, is dropped")
	g.Expect(x.configs).To(Equal(map[string]int{"a": 1}))
}
