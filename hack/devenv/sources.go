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

package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fluxconfig/fluxconfig/test/servers/azurite"
	"github.com/fluxconfig/fluxconfig/test/servers/gitserver"
	"github.com/fluxconfig/fluxconfig/test/servers/ociregistry"
	"github.com/fluxconfig/fluxconfig/test/servers/s3server"
	"github.com/fluxconfig/fluxconfig/test/servers/tree"
)

// The placeholders the samples may use; each source that starts fills in its own.
const (
	varGitHTTPAddr      = "GIT_HTTP_ADDR"
	varGitSSHAddr       = "GIT_SSH_ADDR"
	varGitSSHKnownHosts = "GIT_SSH_KNOWN_HOSTS_BASE64"
	varS3Addr           = "S3_ADDR"
	varOCIAddr          = "OCI_ADDR"
	varAzuriteAddr      = "AZURITE_ADDR"
	varAzuriteSAS       = "AZURITE_SAS_TOKEN"
)

func placeholderNames() []string {
	return []string{varGitHTTPAddr, varGitSSHAddr, varGitSSHKnownHosts, varS3Addr, varOCIAddr, varAzuriteAddr, varAzuriteSAS}
}

// sampleRepo is the repository on the local git server the git samples sync.
const sampleRepo = "samples"

// sources are the servers on 127.0.0.1 holding the sample content.
type sources struct {
	vars map[string]string
	// unavailable gives, per placeholder of a source that could not start, why.
	unavailable map[string]string
	git         *gitSource
	closers     []func()
}

func (s *sources) stop() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// startSources starts every local source and pushes its part of the content to it. Its
// state lives under the state directory and starts empty each time.
func startSources(o options) (*sources, error) {
	s := &sources{vars: map[string]string{}, unavailable: map[string]string{}}
	dir, err := filepath.Abs(filepath.Join(o.stateDir, "sources"))
	if err != nil {
		return s, err
	}
	if err := os.RemoveAll(dir); err != nil {
		return s, err
	}
	if s.git, err = startGit(filepath.Join(dir, "git"), filepath.Join(o.content, "git")); err != nil {
		return s, err
	}
	s.closers = append(s.closers, s.git.close)
	s.vars[varGitHTTPAddr] = s.git.httpAddr
	s.vars[varGitSSHAddr] = s.git.sshAddr
	s.vars[varGitSSHKnownHosts] = base64.StdEncoding.EncodeToString([]byte(s.git.ssh.KnownHosts() + "\n"))
	fmt.Printf("Git server: http://%s/%s.git and ssh://git@%s/%s.git (commit %s)\n",
		s.git.httpAddr, sampleRepo, s.git.sshAddr, sampleRepo, short(s.git.commit))

	if err := s.startS3(filepath.Join(o.content, "bucket")); err != nil {
		return s, err
	}
	if err := s.startOCI(filepath.Join(o.content, "oci")); err != nil {
		return s, err
	}
	if err := s.startAzurite(o.azurite, filepath.Join(dir, "azurite"), filepath.Join(o.content, "azureblob")); err != nil {
		return s, err
	}
	return s, nil
}

// The bucket sample's credentials; the server checks every request's signature against them.
const (
	s3AccessKey = "devenv"
	s3SecretKey = "devenv-secret-key"
	s3Bucket    = "samples"
)

func (s *sources) startS3(content string) error {
	srv, err := s3server.Start(s3server.Options{AccessKey: s3AccessKey, SecretKey: s3SecretKey})
	if err != nil {
		return err
	}
	s.closers = append(s.closers, func() { _ = srv.Close() })
	if err := srv.UploadDir(s3Bucket, content); err != nil {
		return err
	}
	s.vars[varS3Addr] = srv.Host
	fmt.Printf("S3 server: http://%s, bucket %s\n", srv.Host, s3Bucket)
	return nil
}

// The OCI sample's artifact.
const (
	ociRepo = "samples/app"
	ociTag  = "1.0.0"
)

func (s *sources) startOCI(content string) error {
	reg, err := ociregistry.Start(ociregistry.Options{})
	if err != nil {
		return err
	}
	s.closers = append(s.closers, func() { _ = reg.Close() })
	files, err := readTree(content)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	digest, err := reg.PushArtifact(ctx, ociRepo, files, "config/samples/content/oci", ociTag, ociTag)
	if err != nil {
		return err
	}
	s.vars[varOCIAddr] = reg.Host
	fmt.Printf("OCI registry: %s:%s (%s)\n", reg.URL(ociRepo), ociTag, digest)
	return nil
}

// gitSource serves the sample repository over HTTP and SSH.
type gitSource struct {
	repos             *gitserver.Repos
	ssh               *gitserver.SSHServer
	http              *http.Server
	httpAddr, sshAddr string
	commit            string
}

func startGit(dir, content string) (*gitSource, error) {
	files, err := readTree(content)
	if err != nil {
		return nil, err
	}
	g := &gitSource{repos: gitserver.NewRepos(dir)}
	if g.commit, err = g.repos.Commit(sampleRepo, "Sample content", files); err != nil {
		return nil, err
	}
	handler, err := g.repos.HTTPHandler("", "")
	if err != nil {
		return nil, err
	}
	if g.http, g.httpAddr, err = serveHTTP(handler); err != nil {
		return nil, err
	}
	if g.ssh, err = g.repos.ServeSSH(); err != nil {
		g.http.Close()
		return nil, err
	}
	g.sshAddr = strings.TrimSuffix(strings.TrimPrefix(g.ssh.URL(sampleRepo), "ssh://git@"), "/"+sampleRepo+".git")
	return g, nil
}

// serveHTTP serves handler on a free 127.0.0.1 port.
func serveHTTP(handler http.Handler) (*http.Server, string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: handler}
	go func() { _ = srv.Serve(l) }()
	return srv, l.Addr().String(), nil
}

func (g *gitSource) close() {
	_ = g.http.Close()
	_ = g.ssh.Close()
}

// readTree reads every file under dir, keyed by its slash-separated path relative to dir.
func readTree(dir string) (map[string]string, error) {
	files, err := tree.Read(dir)
	if err != nil {
		return nil, err
	}
	for name, data := range files {
		if data == "" {
			return nil, fmt.Errorf("%s is empty; the git helper takes empty content as a deletion", filepath.Join(dir, name))
		}
	}
	if len(files) == 0 {
		return nil, errors.New("no content in " + dir)
	}
	return files, nil
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

// The Azure Blob sample's container.
const blobContainer = "samples"

// startAzurite runs Azurite, when it and Node.js are installed, and uploads the content. Where
// it cannot run, the Azure Blob sample is skipped, saying how to get it.
func (s *sources) startAzurite(bin, dir, content string) error {
	ctx, cancel := context.WithCancel(context.Background())
	a, err := azurite.Start(ctx, bin, dir)
	if errors.Is(err, azurite.ErrUnavailable) {
		cancel()
		s.unavailable[varAzuriteAddr] = err.Error()
		s.unavailable[varAzuriteSAS] = err.Error()
		fmt.Printf("Azurite: not started (%v)\n", err)
		return nil
	}
	if err != nil {
		cancel()
		return err
	}
	s.closers = append(s.closers, func() { a.Close(); cancel() })
	if err := a.UploadDir(ctx, blobContainer, content); err != nil {
		return err
	}
	sas, err := a.AccountSAS(7 * 24 * time.Hour)
	if err != nil {
		return err
	}
	s.vars[varAzuriteAddr] = fmt.Sprintf("127.0.0.1:%d", a.Port)
	s.vars[varAzuriteSAS] = sas
	fmt.Printf("Azurite: %s, container %s\n", a.URL(), blobContainer)
	return nil
}
