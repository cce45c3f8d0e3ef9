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

// Package sshkey generates the SSH key pair a FluxConfig keeps for its whole life, and derives
// public keys and checks known_hosts data. Errors never include key material.
package sshkey

import (
	"bytes"
	"crypto/ed25519"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Generate returns a new Ed25519 private key in OpenSSH PEM format, drawing randomness from
// rand. Ed25519 avoids the ssh-rsa (SHA-1) signatures some hosts refuse.
func Generate(rand io.Reader, comment string) ([]byte, error) {
	_, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return nil, fmt.Errorf("generating an ed25519 key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return nil, fmt.Errorf("encoding the ed25519 key: %w", err)
	}
	return pem.EncodeToMemory(block), nil
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
