// Package embedded runs a NATS server with JetStream inside the process:
// the one-process newsflow default, and the real server every test uses.
package embedded

import (
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ErrNotReady means the server did not accept connections in time.
var ErrNotReady = errors.New("embedded nats server not ready")

// Options configure the embedded server.
type Options struct {
	// StoreDir holds JetStream's files; it survives restarts.
	StoreDir string
	// Host and Port to listen on; Port -1 picks a free port.
	Host string
	Port int
	// MaxStore caps JetStream's disk use in bytes; 0 lets the server decide.
	MaxStore int64
	// MaxPayload is the largest message the server takes; 0 means
	// DefaultMaxPayload. (A stand-alone nats-server defaults to 1 MB.)
	MaxPayload int32
}

// DefaultMaxPayload is the embedded server's max_payload: room for the
// largest article (schema.MaxArticleBytes) and what the stages add.
const DefaultMaxPayload = 16 << 20

// Start starts a JetStream-enabled server and waits until it is ready.
func Start(opts Options) (*server.Server, error) {
	if opts.StoreDir == "" {
		return nil, errors.New("embedded: StoreDir is required")
	}
	host := opts.Host
	if host == "" {
		host = "127.0.0.1"
	}
	maxPayload := opts.MaxPayload
	if maxPayload == 0 {
		maxPayload = DefaultMaxPayload
	}
	sopts := &server.Options{
		ServerName:            "newsflow-embedded",
		Host:                  host,
		Port:                  opts.Port,
		JetStream:             true,
		StoreDir:              opts.StoreDir,
		JetStreamMaxStore:     opts.MaxStore,
		NoSigs:                true,
		NoLog:                 true,
		MaxPayload:            maxPayload,
		DisableShortFirstPing: true,
	}
	s, err := server.NewServer(sopts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return nil, ErrNotReady
	}
	return s, nil
}
