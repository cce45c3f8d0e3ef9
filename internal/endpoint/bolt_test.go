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

package endpoint_test

import (
	"context"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/fluxconfig/fluxconfig/internal/endpoint"
)

// TestBoltStore_PutAll stores records of several clusters in one call; each cluster's List
// returns its own, in name order, after a reopen.
func TestBoltStore_PutAll(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "store.db")
	store, err := endpoint.OpenBolt(path)
	g.Expect(err).NotTo(HaveOccurred())
	recs := []*endpoint.Record{
		{Cluster: "b", Name: "two", OperationID: "op-b2"},
		{Cluster: "a", Name: "one", OperationID: "op-a1"},
		{Cluster: "b", Name: "one", OperationID: "op-b1"},
	}
	g.Expect(store.PutAll(ctx, recs)).To(Succeed())
	g.Expect(store.Close()).To(Succeed())

	store, err = endpoint.OpenBolt(path)
	g.Expect(err).NotTo(HaveOccurred())
	defer store.Close()
	got, err := store.List(ctx, "b")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got).To(HaveLen(2))
	g.Expect(got[0].OperationID).To(Equal("op-b1"))
	g.Expect(got[1].OperationID).To(Equal("op-b2"))
	all, err := store.ListAll(ctx)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(all).To(HaveLen(3))
}
