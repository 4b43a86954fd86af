package indexer_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
	"github.com/newsflow/newsflow/services/indexer"
	"github.com/newsflow/newsflow/services/indexer/esindex"
	"github.com/newsflow/newsflow/services/indexer/estest"
)

// A loaded indexer, run as cmd/indexer runs it (stage.Main with
// NewService), receives SIGTERM with hundreds of articles held in its bulk
// writer (NEWSFLOW_INDEXER_MAX_INFLIGHT of them), and a second instance
// finishes the stream. Every article reaches
// Elasticsearch in exactly one bulk item: the first instance finished what
// it held instead of abandoning it (a nak'ed article whose item was
// flushed anyway would be written again on redelivery).
func TestSIGTERMWritesEachArticleOnce(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	// Slow answers keep many items waiting in the writer.
	s.SetFaults(estest.Faults{Delay: 100 * time.Millisecond})
	ns := natstest.Server(t)
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	streams := stage.DefaultConfig().Streams
	streams.MaxBytes = 64 << 20
	if err := stage.EnsureStreams(context.Background(), js, streams); err != nil {
		t.Fatal(err)
	}
	p := &pipeline{js: js}

	const n, held = 800, 200
	ing := time.Date(2024, 2, 25, 0, 0, 0, 0, time.UTC)
	run := func() (exited <-chan int, stderr *bytes.Buffer) {
		cfg := indexer.DefaultConfig()
		svc := indexer.NewService(&cfg)
		out := make(chan int, 1)
		stderr = new(bytes.Buffer)
		go func() {
			out <- stage.Main(svc, []string{"-nats-url", ns.ClientURL(), "-http-addr", "127.0.0.1:0",
				"-stream-max-bytes", "67108864", "-log-level", "error", "-shutdown-timeout", "30s",
				"-es-url", s.URL, "-flush-interval", "50ms", "-flush-bytes", "8192", "-max-inflight", strconv.Itoa(held)}, stderr)
		}()
		// SIGTERM is Main's to handle once it has connected.
		waitFor(t, "the indexer's NATS connection", func() bool {
			cz, err := ns.Connz(&server.ConnzOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cz.Conns {
				if c.Name == "newsflow-"+stage.NameIndex {
					return true
				}
			}
			return false
		})
		return out, stderr
	}
	for i := range n {
		d := doc(i, ing.Add(time.Duration(i)*time.Second))
		d.ID = fmt.Sprintf("d%04d", i)
		p.publish(t, d)
	}
	exited, stderr := run()
	// SIGTERM once the writer is busy and has articles left.
	waitFor(t, "the first bulk request", func() bool { return s.Stats().BulkRequests > 0 })
	if got := len(s.Docs(esindex.Alias)); got >= n/2 {
		t.Fatalf("%d of %d articles indexed before SIGTERM: the indexer is not loaded", got, n)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("first indexer exited with %d: %s", code, stderr)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("first indexer did not exit")
	}
	afterFirst := len(s.Docs(esindex.Alias))
	if afterFirst == n {
		t.Fatalf("the first indexer indexed all %d articles: SIGTERM came too late to test anything", n)
	}

	exited, stderr = run()
	waitFor(t, "every article", func() bool { return len(s.Docs(esindex.Alias)) == n })
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := <-exited; code != 0 {
		t.Fatalf("second indexer exited with %d: %s", code, stderr)
	}
	st := s.Stats()
	t.Logf("indexed %d of %d before the second instance; %d bulk requests", afterFirst, n, st.BulkRequests)
	if st.BulkItems != n || st.Conflicts != 0 {
		t.Errorf("%d bulk items (%d version conflicts) for %d articles; want one item each", st.BulkItems, st.Conflicts, n)
	}
	for _, d := range s.Docs(esindex.Alias) {
		if d.Writes != 1 {
			t.Errorf("%s written %d times", d.ID, d.Writes)
		}
	}
}
