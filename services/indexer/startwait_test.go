package indexer_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
	"github.com/newsflow/newsflow/services/indexer/estest"
)

// indexerProcess is the indexer run as a process of its own (this test
// binary re-executed, see TestMain) with env added to a clean NEWSFLOW_*
// environment; its log is collected in out.
type indexerProcess struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startIndexerProcess(t *testing.T, env ...string) *indexerProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NEWSFLOW_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, append([]string{"INDEXER_TEST_MAIN=1", "NEWSFLOW_HTTP_ADDR=127.0.0.1:0"}, env...)...)
	p := &indexerProcess{cmd: cmd, out: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// wait waits up to d for the process to exit and returns its exit code.
func (p *indexerProcess) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(d):
		t.Fatalf("the indexer still runs after %s:\n%s", d, p.out)
		return 0
	}
}

// logLines returns the process's JSON log lines whose message is msg.
func (p *indexerProcess) logLines(msg string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(p.out.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// addr is the HTTP address the process logged it serves on.
func (p *indexerProcess) addr(t *testing.T) string {
	t.Helper()
	var addr string
	waitFor(t, "the indexer's HTTP server", func() bool {
		if lines := p.logLines("serving"); len(lines) > 0 {
			addr, _ = lines[0]["addr"].(string)
		}
		select {
		case <-p.exited:
			t.Fatalf("the indexer exited before serving HTTP:\n%s", p.out)
		default:
		}
		return addr != ""
	})
	return addr
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// Elasticsearch answers 503 at start, as while it boots: the indexer
// waits with backoff (one log line per attempt, with the reason and the
// waits in units), serves /healthz, /metrics and a /readyz that says what
// it waits for, creates no consumer, and starts consuming once
// Elasticsearch answers. (It used to exit within milliseconds, with a
// stack trace.)
func TestWaitsForElasticsearchAtStart(t *testing.T) {
	es := estest.NewServer()
	defer es.Close()
	es.SetFaults(estest.Faults{Unavailable: true})
	ns := natstest.Server(t)
	p := startIndexerProcess(t, "NEWSFLOW_NATS_URL="+ns.ClientURL(), "NEWSFLOW_ES_URL="+es.URL, "NEWSFLOW_INDEXER_START_TIMEOUT=0")
	base := "http://" + p.addr(t)

	waitFor(t, "three attempts", func() bool { return len(p.logLines("waiting for elasticsearch")) >= 3 })
	for i, rec := range p.logLines("waiting for elasticsearch")[:3] {
		reason, _ := rec["reason"].(string)
		next, _ := rec["next"].(string)
		waited, _ := rec["waited"].(string)
		if rec["attempt"] != float64(i+1) || !strings.Contains(reason, "503") || !strings.Contains(reason, "unavailable") ||
			!strings.HasSuffix(next, "s") || !strings.HasSuffix(waited, "s") || !strings.Contains(rec["give_up_after"].(string), "never") {
			t.Errorf("attempt line %d = %v; want attempt %d, the 503 as reason, next and waited with units, give_up_after never", i, rec, i+1)
		}
	}
	if code, body := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz while waiting: %d %s", code, body)
	}
	if code, body := get(t, base+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "waiting for elasticsearch at start") || !strings.Contains(body, "503") {
		t.Errorf("/readyz while waiting: %d %q; want 503 saying it waits for elasticsearch", code, body)
	}
	if code, body := get(t, base+"/metrics"); code != http.StatusOK || !strings.Contains(body, "newsflow_build_info{") {
		t.Errorf("/metrics while waiting: %d, build info present %v", code, strings.Contains(body, "newsflow_build_info{"))
	}
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	consumer := func() error {
		_, err := js.Consumer(ctx, stage.StreamFor(stage.SubjectStoried), stage.NameIndex)
		return err
	}
	if err := consumer(); !errors.Is(err, jetstream.ErrConsumerNotFound) {
		t.Errorf("the indexer's consumer while Elasticsearch is down: %v; want none", err)
	}

	es.SetFaults(estest.Faults{})
	waitFor(t, "/readyz once Elasticsearch answers", func() bool {
		code, _ := get(t, base+"/readyz")
		return code == http.StatusOK
	})
	if err := consumer(); err != nil {
		t.Errorf("the indexer's consumer once ready: %v", err)
	}
	if len(p.logLines("elasticsearch ready")) != 1 {
		t.Errorf("no single 'elasticsearch ready' line:\n%s", p.out)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 30*time.Second); code != 0 {
		t.Errorf("exit %d after SIGTERM:\n%s", code, p.out)
	}
}

// Elasticsearch unreachable for longer than NEWSFLOW_INDEXER_START_TIMEOUT:
// the indexer exits 1 with one line that names the setting and the last
// reason, and no stack trace.
func TestGivesUpOnElasticsearchWithoutAStackTrace(t *testing.T) {
	es := estest.NewServer()
	es.Close() // nothing listens at its address any more
	ns := natstest.Server(t)
	p := startIndexerProcess(t, "NEWSFLOW_NATS_URL="+ns.ClientURL(), "NEWSFLOW_ES_URL="+es.URL, "NEWSFLOW_INDEXER_START_TIMEOUT=2s")
	if code := p.wait(t, 30*time.Second); code != 1 {
		t.Fatalf("exit %d; want 1:\n%s", code, p.out)
	}
	out := p.out.String()
	exiting := p.logLines("exiting")
	if len(exiting) != 1 {
		t.Fatalf("%d 'exiting' lines; want 1:\n%s", len(exiting), out)
	}
	if msg, _ := exiting[0]["error"].(string); !strings.Contains(msg, "NEWSFLOW_INDEXER_START_TIMEOUT=2s") || !strings.Contains(msg, "connection refused") {
		t.Errorf("exit reason %q; want the setting and the last reason (connection refused)", msg)
	}
	if strings.Contains(out, "stacktrace") || strings.Contains(out, "goroutine ") {
		t.Errorf("a stack trace in the output:\n%s", out)
	}
	if n := len(p.logLines("waiting for elasticsearch")); n < 2 {
		t.Errorf("%d attempt lines in 2s; want several:\n%s", n, out)
	}
}
