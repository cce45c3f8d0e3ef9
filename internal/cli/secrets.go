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

package cli

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"strings"
)

// maxSecretBytes bounds what a secret flag reads from a file or stdin.
const maxSecretBytes = 1 << 20

// secretReader reads the values of secret flags: "-" is stdin, "@path" a file, anything
// else the value itself, accepted with a warning because argv is visible in the process
// list and the shell history. Stdin can be read once per command.
type secretReader struct {
	stdin     io.Reader
	warn      io.Writer
	stdinUsed string
}

// secret is a value read for one flag.
type secret struct {
	raw []byte
	// onArgv: the value was given on the command line itself.
	onArgv bool
}

// read returns the value of flag; value is the flag's argument.
func (s *secretReader) read(flag, value string) (secret, error) {
	switch {
	case value == "-":
		if s.stdinUsed != "" {
			return secret{}, fmt.Errorf("--%s: stdin is already read by --%s; give one of them as @FILE", flag, s.stdinUsed)
		}
		s.stdinUsed = flag
		data, err := io.ReadAll(io.LimitReader(s.stdin, maxSecretBytes+1))
		if err != nil {
			return secret{}, fmt.Errorf("--%s: reading stdin: %w", flag, err)
		}
		return checkSize(flag, "stdin", data)
	case strings.HasPrefix(value, "@"):
		return s.readFile(flag, strings.TrimPrefix(value, "@"))
	case value == "":
		return secret{}, fmt.Errorf("--%s: empty value; give @FILE, or - to read stdin", flag)
	default:
		fmt.Fprintf(s.warn, "Warning: the value of --%s on the command line is visible to other users in the process list "+
			"and stays in the shell history; pass @FILE or - (stdin) instead.\n", flag)
		return secret{raw: []byte(value), onArgv: true}, nil
	}
}

// readFile reads a file named by a *-file flag or an @path value.
func (s *secretReader) readFile(flag, path string) (secret, error) {
	if path == "" {
		return secret{}, fmt.Errorf("--%s: @ needs a file name, as in @./key", flag)
	}
	f, err := os.Open(path)
	if err != nil {
		return secret{}, fmt.Errorf("--%s: %w", flag, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSecretBytes+1))
	if err != nil {
		return secret{}, fmt.Errorf("--%s: reading %s: %w", flag, path, err)
	}
	return checkSize(flag, path, data)
}

func checkSize(flag, from string, data []byte) (secret, error) {
	if len(data) > maxSecretBytes {
		return secret{}, fmt.Errorf("--%s: %s holds more than %d bytes; is it the right file?", flag, from, maxSecretBytes)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return secret{}, fmt.Errorf("--%s: %s is empty", flag, from)
	}
	return secret{raw: data}, nil
}

// text is the value as a single-line secret (token, password, key id): without the
// trailing newline a file or a heredoc adds.
func (v secret) text() string { return strings.TrimRight(string(v.raw), "\r\n") }

// base64 is the value for a field the wire carries base64-encoded. A value on argv is
// already base64, as az expects for these flags; a file's or stdin's content is encoded.
func (v secret) base64(flag string, argvIsBase64 bool) (string, error) {
	if v.onArgv && argvIsBase64 {
		s := strings.TrimSpace(string(v.raw))
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			return "", fmt.Errorf("--%s: a value on the command line must be base64; give the file as @FILE instead", flag)
		}
		return s, nil
	}
	return base64.StdEncoding.EncodeToString(v.raw), nil
}

// encodeText is base64 of the single-line form, for tokens and passwords.
func (v secret) encodeText() string { return base64.StdEncoding.EncodeToString([]byte(v.text())) }
