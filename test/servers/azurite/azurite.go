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

// Package azurite runs Azurite's blob server (npm package azurite, installed into bin/ by
// `make azurite`) on 127.0.0.1, uploads blobs to it and signs account SAS tokens. Azurite
// needs Node.js; where it or the install is missing, Start returns an ErrUnavailable
// saying how to get it, so callers can skip.
package azurite

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"

	"github.com/fluxconfig/fluxconfig/internal/testutil/relay"
	"github.com/fluxconfig/fluxconfig/test/servers/tree"
)

// Azurite's well-known development account; its key is public and documented.
const (
	Account    = "devstoreaccount1"
	AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// ErrUnavailable is returned, wrapped with the reason, when Azurite cannot run here.
var ErrUnavailable = errors.New("azurite is not available")

// Azurite is a running blob server.
type Azurite struct {
	// Port is the blob port on 127.0.0.1.
	Port int
	cmd  *exec.Cmd
	done chan struct{}
	cred *azblob.SharedKeyCredential
	blob *azblob.Client
}

// Start runs the azurite-blob script at bin with its data under dir, and waits until it
// answers. The process ends with Close or when ctx ends.
func Start(ctx context.Context, bin, dir string) (*Azurite, error) {
	if bin == "" {
		return nil, fmt.Errorf("%w: no azurite-blob path given; run `make azurite` (needs Node.js 20+ and npm)", ErrUnavailable)
	}
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("%w: %s is missing; run `make azurite` (needs Node.js 20+ and npm)", ErrUnavailable, bin)
	}
	if _, err := exec.LookPath("node"); err != nil {
		return nil, fmt.Errorf("%w: Node.js is not installed (Debian: apt-get install nodejs npm)", ErrUnavailable)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "--blobHost", "127.0.0.1", "--blobPort", fmt.Sprint(port),
		"--location", dir, "--skipApiVersionCheck", "--silent", "--loose")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start azurite: %w", err)
	}
	a := &Azurite{Port: port, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(a.done) }()
	if a.cred, err = azblob.NewSharedKeyCredential(Account, AccountKey); err != nil {
		a.Close()
		return nil, err
	}
	opts := &azblob.ClientOptions{}
	opts.Retry = policy.RetryOptions{MaxRetries: -1}
	if a.blob, err = azblob.NewClientWithSharedKeyCredential(a.URL()+"/", a.cred, opts); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.waitReady(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// URL is the path-style account URL, http://127.0.0.1:PORT/devstoreaccount1.
func (a *Azurite) URL() string { return fmt.Sprintf("http://127.0.0.1:%d/%s", a.Port, Account) }

// HostStyleURL is the account URL Azure uses, http://devstoreaccount1.blob.localhost:PORT;
// clients reach it through HostStyleProxy.
func (a *Azurite) HostStyleURL() string {
	return fmt.Sprintf("http://%s.blob.localhost:%d", Account, a.Port)
}

// Close stops Azurite and waits for it to exit.
func (a *Azurite) Close() {
	if a.cmd.Process != nil {
		_ = a.cmd.Process.Kill()
	}
	<-a.done
}

func (a *Azurite) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		pager := a.blob.NewListContainersPager(nil)
		_, err := pager.NextPage(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-a.done:
			return fmt.Errorf("azurite exited before answering: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("azurite did not answer within 30s: %w", err)
		}
	}
}

// Put creates container if needed and uploads files (blob name → content).
func (a *Azurite) Put(ctx context.Context, container string, files map[string]string) error {
	if _, err := a.blob.CreateContainer(ctx, container, nil); err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		return fmt.Errorf("create container %s: %w", container, err)
	}
	for name, content := range files {
		if _, err := a.blob.UploadBuffer(ctx, container, name, []byte(content), nil); err != nil {
			return fmt.Errorf("upload %s/%s: %w", container, name, err)
		}
	}
	return nil
}

// UploadDir uploads every regular file under dir into container, named by its slash path
// relative to dir.
func (a *Azurite) UploadDir(ctx context.Context, container, dir string) error {
	files, err := tree.Read(dir)
	if err != nil {
		return err
	}
	return a.Put(ctx, container, files)
}

// AccountSAS is an account SAS token (without the leading ?) granting read and list on
// blobs for validity.
func (a *Azurite) AccountSAS(validity time.Duration) (string, error) {
	perms := sas.AccountPermissions{Read: true, List: true}
	types := sas.AccountResourceTypes{Service: true, Container: true, Object: true}
	q, err := sas.AccountSignatureValues{
		Protocol:      sas.ProtocolHTTPSandHTTP,
		StartTime:     time.Now().Add(-time.Minute).UTC(),
		ExpiryTime:    time.Now().Add(validity).UTC(),
		Permissions:   perms.String(),
		ResourceTypes: types.String(),
	}.SignWithSharedKey(a.cred)
	if err != nil {
		return "", err
	}
	return q.Encode(), nil
}

// HostStyleProxy serves, on 127.0.0.1, an HTTP forward proxy that sends requests for
// <account>.blob.localhost to Azurite and refuses every other host. A client given it as
// HTTP_PROXY reaches HostStyleURL without a hosts entry: shared-key clients that take the
// account name from the URL's host (source-controller does) need that URL.
func (a *Azurite) HostStyleProxy() (string, func() error, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	target := fmt.Sprintf("127.0.0.1:%d", a.Port)
	transport := &http.Transport{Proxy: nil}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		host, _, _ := strings.Cut(req.URL.Host, ":")
		if req.URL.Scheme != "http" || !strings.HasSuffix(host, ".blob.localhost") {
			http.Error(w, "this proxy only reaches Azurite", http.StatusBadGateway)
			return
		}
		out := req.Clone(req.Context())
		out.RequestURI = ""
		out.URL.Host = target // the Host header keeps the account name
		resp, err := transport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		relay.Response(w, resp)
	})}
	go srv.Serve(ln) //nolint:errcheck // ends with ErrServerClosed on close
	return "http://" + ln.Addr().String(), srv.Close, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
