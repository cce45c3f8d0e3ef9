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

// Package sshkey generates the SSH key pair a FluxConfig keeps for its whole life, and derives
// public keys and checks known_hosts data. Errors never include key material.
package sshkey

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Algorithms of a generated key, as FluxConfig's gitRepository.sshKeyAlgorithm names them.
const (
	Ed25519   = "ed25519"
	ECDSAP256 = "ecdsa-p256"
	RSA4096   = "rsa-4096"
)

// Generate returns a new Ed25519 private key in OpenSSH PEM format, drawing randomness from
// rand. Ed25519 avoids the ssh-rsa (SHA-1) signatures some hosts refuse.
func Generate(rand io.Reader, comment string) ([]byte, error) {
	return New(rand, Ed25519, comment)
}

// New returns a new private key of algorithm in OpenSSH PEM format. RSA keys draw from the
// system's randomness whatever rand is.
func New(rand io.Reader, algorithm, comment string) ([]byte, error) {
	var priv crypto.PrivateKey
	var err error
	switch algorithm {
	case Ed25519:
		_, priv, err = ed25519.GenerateKey(rand)
	case ECDSAP256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand)
	case RSA4096:
		priv, err = rsa.GenerateKey(rand, 4096)
	default:
		return nil, fmt.Errorf("unknown SSH key algorithm %q; use %s, %s or %s", algorithm, Ed25519, ECDSAP256, RSA4096)
	}
	if err != nil {
		return nil, fmt.Errorf("generating an %s key: %w", algorithm, err)
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return nil, fmt.Errorf("encoding the %s key: %w", algorithm, err)
	}
	return pem.EncodeToMemory(block), nil
}

// Algorithm names the algorithm of a PEM private key as New takes it, or "" when it is
// unreadable or none of them.
func Algorithm(privatePEM []byte) string {
	signer, err := ssh.ParsePrivateKey(privatePEM)
	if err != nil {
		return ""
	}
	switch k := signer.PublicKey().(ssh.CryptoPublicKey).CryptoPublicKey().(type) {
	case ed25519.PublicKey:
		return Ed25519
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() {
			return ECDSAP256
		}
	case *rsa.PublicKey:
		if k.N.BitLen() == 4096 {
			return RSA4096
		}
	}
	return ""
}

// PublicKey returns the authorized_keys line ("<type> <base64>") of a PEM private key. The
// error says what is wrong without echoing the key.
func PublicKey(privatePEM []byte) (string, error) {
	signer, err := ssh.ParsePrivateKey(privatePEM)
	if err != nil {
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			return "", errors.New("the private key is protected by a passphrase, which is not supported")
		}
		return "", errors.New("the private key is not a PEM or OpenSSH encoded RSA, ECDSA or Ed25519 key")
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey()))), nil
}

// CheckKnownHosts verifies that every non-empty, non-comment line parses as a known_hosts
// entry, and that there is at least one.
func CheckKnownHosts(data []byte) error {
	entries := 0
	for i, line := range bytes.Split(data, []byte("\n")) {
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) == 0 || trimmed[0] == '#' {
			continue
		}
		if _, _, _, _, _, err := ssh.ParseKnownHosts(trimmed); err != nil {
			return fmt.Errorf("line %d is not a known_hosts entry", i+1)
		}
		entries++
	}
	if entries == 0 {
		return errors.New("it holds no host key")
	}
	return nil
}
