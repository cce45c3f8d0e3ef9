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

package testutil

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/go-logr/logr"

	"github.com/fluxconfig/fluxconfig/internal/dashboard"
	"github.com/fluxconfig/fluxconfig/internal/endpoint"
)

// TokenDir is the token layout fluxconfig-endpoint reads: an admin token file and a
// directory with one token file per cluster, plus a copy of each cluster's token for its
// agent's --token-file.
type TokenDir struct {
	AdminFile, ClusterDir, AgentDir string
}

// WriteTokenDir writes admin and the clusters' tokens (cluster name → token) below dir.
func WriteTokenDir(dir, admin string, clusters map[string]string) (*TokenDir, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	t := &TokenDir{AdminFile: filepath.Join(dir, "admin-token"), ClusterDir: filepath.Join(dir, "clusters"), AgentDir: filepath.Join(dir, "agents")}
	for _, d := range []string{t.ClusterDir, t.AgentDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(t.AdminFile, []byte(admin+"\n"), 0o600); err != nil {
		return nil, err
	}
	for name, token := range clusters {
		if err := t.AddCluster(name, token); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// AddCluster registers a cluster's token with the endpoint and writes its agent's copy.
func (t *TokenDir) AddCluster(name, token string) error {
	for _, path := range []string{filepath.Join(t.ClusterDir, name), t.AgentTokenFile(name)} {
		if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// AgentTokenFile is the file holding the cluster's token, for its agent's --token-file.
func (t *TokenDir) AgentTokenFile(cluster string) string { return filepath.Join(t.AgentDir, cluster) }

// Tokens is the endpoint's view of the directory.
func (t *TokenDir) Tokens() *endpoint.Tokens {
	return &endpoint.Tokens{AdminFile: t.AdminFile, ClusterDir: t.ClusterDir}
}

// EndpointFlags are fluxconfig-endpoint's flags for the directory.
func (t *TokenDir) EndpointFlags() []string {
	return []string{"--admin-token-file=" + t.AdminFile, "--cluster-tokens-dir=" + t.ClusterDir}
}

// NewToken returns a random token.
func NewToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// EndpointOptions configure StartEndpoint.
type EndpointOptions struct {
	// AdminToken is the management API's token.
	AdminToken string
	// Clusters maps each registered cluster's name to its agent's token.
	Clusters map[string]string
	// Now is the endpoint's clock; time.Now when nil.
	Now func() time.Time
	// Wrap wraps the endpoint's handler, e.g. to count requests.
	Wrap func(http.Handler) http.Handler
	// TLS serves HTTPS with a self-signed certificate (see Endpoint.CAFile).
	TLS bool
	// Authoritative marks the desired sets as complete (fluxconfig-endpoint --authoritative).
	Authoritative bool
	// DatabaseURL, when set, serves from this PostgreSQL database, as one replica of those
	// sharing it (fluxconfig-endpoint --database-url), instead of a bbolt file.
	DatabaseURL string
	// AgentPollInterval is what the dashboard and the cluster registry take as the agents'
	// poll interval; their default when zero.
	AgentPollInterval time.Duration
	// ContactShareInterval is how often a PostgreSQL replica shares the clusters' last
	// polls with the others; endpoint.DefaultContactShareInterval when zero.
	ContactShareInterval time.Duration
}

// Endpoint is the real reference endpoint over a bbolt file, served on 127.0.0.1.
type Endpoint struct {
	URL    string
	Server *endpoint.Server
	// Store is the bbolt store; nil with DatabaseURL, which PgStore is then opened on.
	Store   *endpoint.BoltStore
	PgStore *endpoint.PgStore
	Tokens  *TokenDir
	// Dashboard is the dashboard served at URL/ui/.
	Dashboard *dashboard.Dashboard
	// CAFile holds the PEM certificate of a TLS endpoint.
	CAFile string
	http   *httptest.Server
	// stopReplica ends the replication of a PostgreSQL endpoint.
	stopReplica func()
	closeStore  func() error
}

// StartEndpoint serves an endpoint with its state below dir; Close stops it.
func StartEndpoint(dir string, o EndpointOptions) (*Endpoint, error) {
	tokens, err := WriteTokenDir(dir, o.AdminToken, o.Clusters)
	if err != nil {
		return nil, err
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	e := &Endpoint{Tokens: tokens, stopReplica: func() {}}
	var store interface {
		endpoint.Store
		endpoint.ClusterStore
		endpoint.FleetStore
	}
	if o.DatabaseURL != "" {
		e.PgStore, err = endpoint.OpenPostgres(context.Background(), o.DatabaseURL)
		store = e.PgStore
	} else {
		e.Store, err = endpoint.OpenBolt(filepath.Join(dir, "store.db"))
		store = e.Store
	}
	if err != nil {
		return nil, err
	}
	e.closeStore = store.Close
	e.Server = &endpoint.Server{Store: store, Tokens: tokens.Tokens(), Now: o.Now, Log: logr.Discard(), Authoritative: o.Authoritative,
		Fleets: store}
	if e.Server.Registry, err = endpoint.NewRegistry(context.Background(), store); err != nil {
		_ = store.Close()
		return nil, err
	}
	e.Server.Registry.PollInterval = o.AgentPollInterval
	e.Server.ContactShareInterval = o.ContactShareInterval
	if e.Dashboard, err = dashboard.Mount(context.Background(), e.Server, dashboard.Options{PollInterval: o.AgentPollInterval}); err != nil {
		_ = store.Close()
		return nil, err
	}
	if e.PgStore != nil {
		ctx, cancel := context.WithCancel(context.Background())
		stop := endpoint.Replicate(ctx, e.Server, e.PgStore, e.Dashboard.Index().Changed)
		e.stopReplica = func() { cancel(); stop() }
	}
	handler := e.Server.Handler()
	if o.Wrap != nil {
		handler = o.Wrap(handler)
	}
	if !o.TLS {
		e.http = httptest.NewServer(handler)
	} else {
		e.http = httptest.NewTLSServer(handler)
		e.CAFile = filepath.Join(dir, "ca.crt")
		if err := os.WriteFile(e.CAFile, pemCertificate(e.http.Certificate().Raw), 0o600); err != nil {
			e.Close()
			return nil, err
		}
	}
	e.URL = e.http.URL
	return e, nil
}

// Close ends the held polls, stops serving and closes the store.
func (e *Endpoint) Close() {
	e.Server.EndLongPolls()
	e.http.Close()
	e.stopReplica()
	_ = e.closeStore()
}

func pemCertificate(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
