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

package sshkey

import (
	"crypto/rand"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

func TestGenerate_PublicKeyRoundTrip(t *testing.T) {
	g := NewWithT(t)
	key, err := Generate(rand.Reader, "demo")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(key)).To(HavePrefix("-----BEGIN OPENSSH PRIVATE KEY-----"))

	pub, err := PublicKey(key)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(pub).To(HavePrefix("ssh-ed25519 "))

	other, err := Generate(rand.Reader, "demo")
	g.Expect(err).NotTo(HaveOccurred())
	otherPub, _ := PublicKey(other)
	g.Expect(otherPub).NotTo(Equal(pub), "two generated keys must differ")
}

func TestNew_EveryAlgorithm(t *testing.T) {
	g := NewWithT(t)
	for algorithm, prefix := range map[string]string{Ed25519: "ssh-ed25519 ", ECDSAP256: "ecdsa-sha2-nistp256 ", RSA4096: "ssh-rsa "} {
		key, err := New(rand.Reader, algorithm, "demo")
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(Algorithm(key)).To(Equal(algorithm))
		pub, err := PublicKey(key)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(pub).To(HavePrefix(prefix))
	}
	_, err := New(rand.Reader, "dsa", "demo")
	g.Expect(err).To(MatchError(ContainSubstring(`unknown SSH key algorithm "dsa"`)))
	g.Expect(Algorithm([]byte("not a key"))).To(BeEmpty())
}

func TestPublicKey_RejectsGarbageWithoutEchoingIt(t *testing.T) {
	g := NewWithT(t)
	secret := "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LXZhbHVlLTEyMw==\n-----END OPENSSH PRIVATE KEY-----\n"
	_, err := PublicKey([]byte(secret))
	g.Expect(err).To(HaveOccurred())
	g.Expect(err.Error()).NotTo(ContainSubstring("c2VjcmV0"))
	g.Expect(err.Error()).To(ContainSubstring("not a PEM or OpenSSH encoded"))
}

func TestCheckKnownHosts(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		wantErr string
	}{
		{name: "built-in list", data: string(mustRead(t))},
		{name: "one entry", data: "example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"},
		{name: "only comments", data: "# nothing\n\n", wantErr: "no host key"},
		{name: "garbage line", data: "# ok\nnot a host key\n", wantErr: "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			err := CheckKnownHosts([]byte(tt.data))
			if tt.wantErr == "" {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
		})
	}
}

func mustRead(t *testing.T) []byte {
	t.Helper()
	data, err := readBuiltIn()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func FuzzCheckKnownHosts(f *testing.F) {
	f.Add([]byte("github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"))
	f.Add([]byte("# c\n\nx y z"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := CheckKnownHosts(data); err != nil && strings.Contains(err.Error(), string(data)) && len(data) > 8 {
			t.Fatalf("error echoes its input: %v", err)
		}
	})
}
