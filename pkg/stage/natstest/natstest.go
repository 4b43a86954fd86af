// Package natstest starts real NATS servers with JetStream on disk for
// tests: the same embedded server newsflow runs, never a mock.
package natstest

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

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

// Late is a server that comes up when the test says so, for code that
// must wait for NATS at start: URL is a free port nothing listens on yet.
type Late struct {
	URL  string
	tb   testing.TB
	port int
}

// NewLate reserves a free port for a server Start starts later.
func NewLate(tb testing.TB) *Late {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return &Late{URL: fmt.Sprintf("nats://127.0.0.1:%d", port), tb: tb, port: port}
}

// JetStream returns a JetStream handle on a connection to l.URL that
// keeps trying until the server is up, as newsflow's processes connect;
// closed when the test ends.
func (l *Late) JetStream() jetstream.JetStream {
	l.tb.Helper()
	nc, err := nats.Connect(l.URL, nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		l.tb.Fatal(err)
	}
	l.tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		l.tb.Fatal(err)
	}
	return js
}

// Start starts the server on l's port with JetStream under a temporary
// directory; it stops when the test ends.
func (l *Late) Start() *server.Server {
	l.tb.Helper()
	s, err := embedded.Start(embedded.Options{Host: "127.0.0.1", Port: l.port, StoreDir: l.tb.TempDir()})
	if err != nil {
		l.tb.Fatal(err)
	}
	l.tb.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return s
}

// OpenBeforeServer runs open on l.JetStream() before the server is up,
// starts the server once open has logged that it is waiting (a Warn
// message starting "waiting for"), then runs started (when not nil), and
// returns open's error. It fails the test when open returns before the
// server started or never says it waits.
func (l *Late) OpenBeforeServer(ctx context.Context, open func(ctx context.Context, js jetstream.JetStream, log *zap.Logger) error, started func(js jetstream.JetStream)) error {
	l.tb.Helper()
	waiting := make(chan struct{}, 1)
	log := zaptest.NewLogger(l.tb, zaptest.WrapOptions(zap.Hooks(func(e zapcore.Entry) error {
		if strings.HasPrefix(e.Message, "waiting for") {
			select {
			case waiting <- struct{}{}:
			default:
			}
		}
		return nil
	})))
	js := l.JetStream()
	done := make(chan error, 1)
	go func() { done <- open(ctx, js, log) }()
	select {
	case <-waiting:
	case err := <-done:
		l.tb.Fatalf("returned before the server started: %v", err)
	case <-ctx.Done():
		l.tb.Fatal("never said it was waiting for the server")
	}
	l.Start()
	if started != nil {
		started(js)
	}
	return <-done
}
