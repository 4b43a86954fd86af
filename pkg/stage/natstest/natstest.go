// Package natstest starts real NATS servers with JetStream on disk for
// tests: the same embedded server newsflow runs, never a mock.
package natstest

import (
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/stage/embedded"
)

// Server starts a server with JetStream under tb.TempDir() on a free
// port; it stops when the test ends.
func Server(tb testing.TB) *server.Server {
	tb.Helper()
	return ServerWith(tb, embedded.Options{})
}

// ServerWith is Server with opts, e.g. a stand-alone nats-server's 1 MB
// MaxPayload; StoreDir and Port are always a temporary directory and a
// free port.
func ServerWith(tb testing.TB, opts embedded.Options) *server.Server {
	tb.Helper()
	opts.StoreDir, opts.Port = tb.TempDir(), -1
	s, err := embedded.Start(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return s
}

// JetStream starts a Server and returns a JetStream handle on its own
// connection, closed when the test ends.
func JetStream(tb testing.TB) jetstream.JetStream {
	tb.Helper()
	nc, err := nats.Connect(Server(tb).ClientURL())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatal(err)
	}
	return js
}
