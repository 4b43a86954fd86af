package stage_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/embedded"
)

// A stage outlives a NATS restart: the connection reconnects and the
// durable consumer resumes where it was, with nothing lost.
func TestStageSurvivesServerRestart(t *testing.T) {
	port := freePort(t)
	dir := t.TempDir()
	srv, err := embedded.Start(embedded.Options{StoreDir: dir, Port: port})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.NATS.URL = srv.ClientURL()
	nc, err := stage.Connect(cfg.NATS, "test", zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	rt, err := stage.OpenConn(context.Background(), nc, cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = rt.Shutdown(ctx)
	}()
	sunk := make(chan string, 10)
	_, err = stage.Start(context.Background(), rt, passthrough("indexer", stage.SubjectEnriched, "", func(_ context.Context, d *schema.Document) (*schema.Document, error) {
		sunk <- d.ID
		return nil, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	js := rt.JetStream()
	publishDoc(t, js, stage.SubjectEnriched, doc("before", "x"))
	expect(t, sunk, "before")
	// The sink acks after Process returns: wait until the server has the
	// ack, or the restart redelivers "before" (at least once, as it should).
	waitAcked(t, js, stage.StreamEnriched, "indexer", 1)

	srv.Shutdown()
	srv.WaitForShutdown()
	srv, err = embedded.Start(embedded.Options{StoreDir: dir, Port: port})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()

	// Publish through the same connection once it is back.
	deadline := time.Now().Add(15 * time.Second)
	for !nc.IsConnected() {
		if time.Now().After(deadline) {
			t.Fatal("the connection did not come back")
		}
		time.Sleep(20 * time.Millisecond)
	}
	publishDoc(t, js, stage.SubjectEnriched, doc("after", "x"))
	expect(t, sunk, "after")
}

// waitAcked waits until the durable consumer's ack floor reaches seq.
func waitAcked(t *testing.T, js jetstream.JetStream, stream, consumer string, seq uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		c, err := js.Consumer(ctx, stream, consumer)
		if err == nil {
			info, err := c.Info(ctx)
			if err == nil && info.AckFloor.Stream >= seq {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("consumer %s never acked stream sequence %d", consumer, seq)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func expect(t *testing.T, ch <-chan string, want string) {
	t.Helper()
	select {
	case got := <-ch:
		if got != want {
			t.Fatalf("got %q; want %q", got, want)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("%q never processed", want)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
