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
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// RequirePGEnv, when set, turns a missing PostgreSQL into a test failure instead of a skip:
// CI sets it, so the PostgreSQL store is never silently left untested there.
const RequirePGEnv = "FLUXCONFIG_REQUIRE_PG"

// Postgres is a throwaway PostgreSQL server in a temp dir on a free 127.0.0.1 port, started
// the way envtest starts etcd. It trades durability for speed (fsync=off): tests only.
type Postgres struct {
	dir  string
	port int
	cmd  *exec.Cmd
	done chan struct{}
	dbs  atomic.Int64
}

// pgBin finds a PostgreSQL program in PATH or in Debian's /usr/lib/postgresql/*/bin,
// the newest version first.
func pgBin(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	slices.SortFunc(found, func(a, b string) int { return pgVersion(b) - pgVersion(a) })
	if len(found) == 0 {
		return "", fmt.Errorf("%s not found in PATH or /usr/lib/postgresql/*/bin; install PostgreSQL (Debian: apt-get install postgresql)", name)
	}
	return found[0], nil
}

func pgVersion(bin string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(bin))))
	return v
}

// StartPostgres initialises and starts a server. PostgreSQL refuses to run as root, so
// under root it runs as the postgres system user, which Debian's package creates.
func StartPostgres() (*Postgres, error) {
	initdb, err := pgBin("initdb")
	if err != nil {
		return nil, err
	}
	postgres, err := pgBin("postgres")
	if err != nil {
		return nil, err
	}
	// Not a testing TempDir: its parents are private to root, and the server may run as
	// another user.
	dir, err := os.MkdirTemp("", "fluxconfig-pg-")
	if err != nil {
		return nil, err
	}
	p := &Postgres{dir: dir, done: make(chan struct{})}
	cred, err := pgCredential(dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	out, err := pgCommand(cred, initdb, "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
		"--locale=C", "--no-sync", "--no-instructions").CombinedOutput()
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w: %s", err, out)
	}
	addr, err := FreeAddr()
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	_, port, _ := net.SplitHostPort(addr)
	p.port, _ = strconv.Atoi(port)
	log, err := os.Create(filepath.Join(dir, "postgres.log"))
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	defer log.Close()
	p.cmd = pgCommand(cred, postgres, "-D", data, "-p", port, "-k", dir, "-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200")
	p.cmd.Stdout, p.cmd.Stderr = log, log
	if err := p.cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("starting postgres: %w", err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	if err := p.waitReady(30 * time.Second); err != nil {
		logged, _ := os.ReadFile(log.Name())
		p.Stop()
		return nil, fmt.Errorf("%w; server log:\n%s", err, logged)
	}
	return p, nil
}

// pgCredential returns the postgres user's credential when running as root, after giving
// it dir; nil otherwise.
func pgCredential(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL refuses to run as root and there is no postgres user to run it as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// pgCommand runs a PostgreSQL program as cred (nil: as this process), killed if the test
// binary dies first.
func pgCommand(cred *syscall.Credential, bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	return cmd
}

func (p *Postgres) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, p.URL("postgres"))
		if err == nil {
			err = conn.Ping(ctx)
			_ = conn.Close(ctx)
		}
		cancel()
		switch {
		case err == nil:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("postgres did not accept connections within %s: %w", timeout, err)
		}
		select {
		case <-p.done:
			return errors.New("postgres exited during startup")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// URL is the connection URL of database db.
func (p *Postgres) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.port, db)
}

// NewDatabase creates an empty database and returns its URL.
func (p *Postgres) NewDatabase(ctx context.Context) (string, error) {
	conn, err := pgx.Connect(ctx, p.URL("postgres"))
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("test_%d", p.dbs.Add(1))
	// From PostgreSQL 15, copying the template's files is faster than logging its every
	// page, the default, for a template this small; each test creates a database or more.
	var version int
	if err := conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		return "", err
	}
	create := "CREATE DATABASE " + name
	if version >= 150000 {
		create += " STRATEGY FILE_COPY"
	}
	if _, err := conn.Exec(ctx, create); err != nil {
		return "", err
	}
	return p.URL(name), nil
}

// Stop stops the server at once (its data is thrown away) and removes its dir.
func (p *Postgres) Stop() {
	if p.cmd != nil && p.cmd.Process != nil {
		// SIGQUIT is PostgreSQL's immediate shutdown; nothing here needs to survive.
		_ = p.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
	_ = os.RemoveAll(p.dir)
}

var shared struct {
	once sync.Once
	pg   *Postgres
	err  error
}

// PostgresDB returns the URL of a new empty database on a server shared by the test binary,
// started at first use. Without PostgreSQL the test is skipped, or fails when RequirePGEnv
// is set. Call StopPostgres from TestMain after the tests ran.
func PostgresDB(tb testing.TB) string {
	tb.Helper()
	shared.once.Do(func() { shared.pg, shared.err = StartPostgres() })
	if shared.err != nil {
		if os.Getenv(RequirePGEnv) == "" {
			tb.Skipf("PostgreSQL unavailable (set %s=1 to fail instead): %v", RequirePGEnv, shared.err)
		}
		tb.Fatalf("PostgreSQL is required (%s is set): %v", RequirePGEnv, shared.err)
	}
	url, err := shared.pg.NewDatabase(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return url
}

// StopPostgres stops the shared server, if PostgresDB started one.
func StopPostgres() {
	if shared.pg != nil {
		shared.pg.Stop()
	}
}
