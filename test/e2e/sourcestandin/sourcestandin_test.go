/*
Copyright 2026 The fluxconfig Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package sourcestandin

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-billy/v5/util"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	. "github.com/onsi/gomega"
	"golang.org/x/crypto/ssh"
)

func hostKey(t *testing.T) ssh.PublicKey {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func TestHostKeyCallback(t *testing.T) {
	g := NewWithT(t)
	known, other := hostKey(t), hostKey(t)
	line := "[127.0.0.1]:2222 " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(known)))
	check, err := hostKeyCallback([]byte("# comment\n" + line + "\n"))
	g.Expect(err).NotTo(HaveOccurred())
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2222}

	g.Expect(check("127.0.0.1:2222", addr, known)).To(Succeed())
	g.Expect(check("127.0.0.1:2222", addr, other)).To(MatchError(ContainSubstring("not in known_hosts")), "another key")
	g.Expect(check("127.0.0.1:2223", addr, known)).To(MatchError(ContainSubstring("not in known_hosts")), "another port")

	_, err = hostKeyCallback([]byte("not a known_hosts line"))
	g.Expect(err).To(MatchError(ContainSubstring("known_hosts")))
}

func TestAuthMethod(t *testing.T) {
	g := NewWithT(t)
	_, err := authMethod("ssh://git@127.0.0.1/r.git", map[string][]byte{"known_hosts": []byte("x")})
	g.Expect(err).To(MatchError(ContainSubstring("'identity' is required")))

	auth, err := authMethod("https://127.0.0.1/r.git", map[string][]byte{"username": []byte("u"), "password": []byte("p")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(auth).To(Equal(&githttp.BasicAuth{Username: "u", Password: "p"}))

	auth, err = authMethod("http://127.0.0.1/r.git", nil)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(auth).To(BeNil(), "no Secret, no credentials")
}

func TestPackIsStableAndSkipsGit(t *testing.T) {
	g := NewWithT(t)
	fs := memfs.New()
	g.Expect(util.WriteFile(fs, "apps/a.yaml", []byte("a: 1\n"), 0o600)).To(Succeed())
	g.Expect(util.WriteFile(fs, ".git/HEAD", []byte("ref: refs/heads/main\n"), 0o600)).To(Succeed())
	first, err := pack(fs)
	g.Expect(err).NotTo(HaveOccurred())
	second, err := pack(fs)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(first).To(Equal(second), "one revision, one digest")
	g.Expect(entries(t, first)).To(Equal([]string{"apps/a.yaml"}))

	g.Expect(util.WriteFile(fs, "apps/a.yaml", []byte("a: 2\n"), 0o600)).To(Succeed())
	changed, err := pack(fs)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(changed).NotTo(Equal(first))
}

func entries(t *testing.T, tarball []byte) []string {
	gz, err := gzip.NewReader(bytes.NewReader(tarball))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
}
