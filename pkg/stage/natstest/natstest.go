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
	s, err := embedded.Start(embedded.Options{StoreDir: tb.TempDir(), Port: -1})
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
