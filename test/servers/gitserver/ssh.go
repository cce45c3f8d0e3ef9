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

package gitserver

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
)

// SSHServer serves `git-upload-pack` over SSH on 127.0.0.1 to clients whose public key was
// added with Authorize, like a git host with deploy keys.
type SSHServer struct {
	repos    *Repos
	listener net.Listener
	hostKey  ssh.Signer

	mu         sync.Mutex
	authorized map[string]bool
	wg         sync.WaitGroup
}

// ServeSSH listens on a free 127.0.0.1 port with a fresh host key.
func (r *Repos) ServeSSH() (*SSHServer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &SSHServer{repos: r, listener: l, hostKey: signer, authorized: map[string]bool{}}
	config := &ssh.ServerConfig{PublicKeyCallback: s.checkKey}
	config.AddHostKey(signer)
	s.wg.Add(1)
	go s.serve(config)
	return s, nil
}

// URL is the ssh:// URL of repository name.
func (s *SSHServer) URL(name string) string {
	return fmt.Sprintf("ssh://git@%s/%s.git", s.listener.Addr(), name)
}

// KnownHosts is the known_hosts line for this server's host key.
func (s *SSHServer) KnownHosts() string {
	addr := s.listener.Addr().(*net.TCPAddr)
	return fmt.Sprintf("[127.0.0.1]:%d %s", addr.Port, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.hostKey.PublicKey()))))
}

// Authorize accepts a public key in authorized_keys format from now on.
func (s *SSHServer) Authorize(authorizedKey string) error {
	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(authorizedKey))
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authorized[string(key.Marshal())] = true
	return nil
}

// Close stops listening and waits for the accept loop.
func (s *SSHServer) Close() error {
	err := s.listener.Close()
	s.wg.Wait()
	return err
}

func (s *SSHServer) checkKey(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.authorized[string(key.Marshal())] {
		return &ssh.Permissions{}, nil
	}
	return nil, errors.New("public key not authorized")
}

func (s *SSHServer) serve(config *ssh.ServerConfig) {
	defer s.wg.Done()
	for {
		conn, err := s.listener.Accept()
		if err != nil {
			return
		}
		go s.handleConn(conn, config)
	}
}

func (s *SSHServer) handleConn(conn net.Conn, config *ssh.ServerConfig) {
	sconn, chans, reqs, err := ssh.NewServerConn(conn, config)
	if err != nil {
		_ = conn.Close()
		return
	}
	defer sconn.Close()
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, chReqs, err := nc.Accept()
		if err != nil {
			continue
		}
		go s.handleSession(ch, chReqs)
	}
}

// handleSession runs the one command a git client asks for: git-upload-pack of a repository.
func (s *SSHServer) handleSession(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	for req := range reqs {
		if req.Type != "exec" {
			_ = req.Reply(false, nil) // env, pty: not needed by git
			continue
		}
		var payload struct{ Command string }
		if err := ssh.Unmarshal(req.Payload, &payload); err != nil {
			_ = req.Reply(false, nil)
			return
		}
		dir, ok := s.repoDir(payload.Command)
		if !ok {
			_ = req.Reply(false, nil)
			return
		}
		_ = req.Reply(true, nil)
		status := uploadPack(dir, ch)
		_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{status}))
		return
	}
}

// repoDir maps "git-upload-pack '/name.git'" to the bare repository's directory.
func (s *SSHServer) repoDir(command string) (string, bool) {
	verb, arg, ok := strings.Cut(command, " ")
	if !ok || verb != "git-upload-pack" {
		return "", false
	}
	name := path.Clean("/" + strings.Trim(arg, "'\""))
	if !strings.HasSuffix(name, ".git") || strings.Count(name, "/") != 1 {
		return "", false
	}
	return filepath.Join(s.repos.root, name[1:]), true
}

// uploadPack wires git-upload-pack to the channel. Stdin is copied by hand: the client
// keeps its side open after the pack, so waiting for that copy would never end.
func uploadPack(dir string, ch ssh.Channel) uint32 {
	cmd := exec.Command("git-upload-pack", dir)
	cmd.Stdout, cmd.Stderr = ch, ch.Stderr()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 1
	}
	if err := cmd.Start(); err != nil {
		return 1
	}
	go func() {
		_, _ = io.Copy(stdin, ch)
		_ = stdin.Close()
	}()
	if err := cmd.Wait(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return uint32(exit.ExitCode())
		}
		return 1
	}
	return 0
}
