package indexer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
	"github.com/newsflow/newsflow/services/indexer/esindex"
	"github.com/newsflow/newsflow/services/indexer/estest"
)

// warnings returns the warning and error lines of a process's log, by
// message.
func warnings(log string) map[string]int {
	out := map[string]int{}
	for _, line := range strings.Split(log, "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["level"] != "info" && rec["level"] != "debug" {
			out[fmt.Sprint(rec["msg"])]++
		}
	}
	return out
}

// SIGTERM during an Elasticsearch outage (503 on every request), with
// 100 articles held waiting for it: the indexer writes one warning for
// the shutdown, saying how many messages it leaves unfinished, instead
// of a "retrying" and a "nak failed" per message (it wrote 99 of each),
// and exits 0. The outage itself is one "retrying" line per 10s, not one
// per message. Nothing is lost: a second indexer, once Elasticsearch is
// back, indexes every article once.
func TestShutdownDuringAnOutageWarnsOnce(t *testing.T) {
	es := estest.NewServer()
	defer es.Close()
	ns := natstest.Server(t)
	env := []string{"NEWSFLOW_NATS_URL=" + ns.ClientURL(), "NEWSFLOW_ES_URL=" + es.URL, "NEWSFLOW_SHUTDOWN_TIMEOUT=3s",
		"NEWSFLOW_STREAM_MAX_BYTES=67108864", "NEWSFLOW_ACK_WAIT=3s"}
	p := startIndexerProcess(t, env...)
	base := "http://" + p.addr(t)
	waitFor(t, "/readyz", func() bool { code, _ := get(t, base+"/readyz"); return code == 200 })
	es.SetFaults(estest.Faults{Unavailable: true})

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
	const n = 100
	for i := range n {
		d := doc(i, time.Date(2024, 2, 25, 0, 0, 0, 0, time.UTC))
		d.ID = fmt.Sprintf("held%03d", i)
		b, _ := json.Marshal(d)
		if _, err := js.Publish(ctx, stage.SubjectStoried, b); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the indexer to find Elasticsearch down", func() bool {
		return warnings(p.out.String())["elasticsearch unreachable; holding new documents until it answers"] == 1
	})
	cons, err := js.Consumer(ctx, stage.StreamFor(stage.SubjectStoried), stage.NameIndex)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every article held by the indexer", func() bool {
		info, err := cons.Info(ctx)
		return err == nil && info.NumAckPending == n && info.NumPending == 0
	})
	before := len(p.out.String())
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 30*time.Second); code != 0 {
		t.Errorf("exit %d; want 0:\n%s", code, p.out)
	}
	out := p.out.String()
	// At most one warning: none when every held message was already
	// handed back to JetStream for redelivery before the signal (a
	// timing matter), never one per message. The outage's own line,
	// logged at most once per 10s and counted over the whole run below,
	// may fall on either side of the signal.
	after := warnings(out[before:])
	delete(after, "retrying: a dependency is unavailable")
	if got := after; len(got) > 1 || len(got) == 1 && got["stopped before every message was finished"] != 1 {
		t.Errorf("warnings after SIGTERM: %v; want at most one, stopped before every message was finished:\n%s", got, out[before:])
	}
	for _, rec := range p.logLines("stopped before every message was finished") {
		// Those in a bulk request that failed before the writer held new
		// ones wait for their redelivery in JetStream, not in the process.
		reason := rec["reason"].(string)
		var unfinished int
		if m := regexp.MustCompile(`\(indexer (\d+),`).FindStringSubmatch(reason); m != nil {
			unfinished, _ = strconv.Atoi(m[1])
		}
		if unfinished < 1 || unfinished > n || !strings.Contains(reason, "NEWSFLOW_SHUTDOWN_TIMEOUT=3s") {
			t.Errorf("reason %q; want the articles unfinished in the indexer stage (1 to %d), and the setting", reason, n)
		}
	}
	if got := warnings(out); got["retrying"] != 0 || got["nak failed; the server redelivers after ack wait"] != 0 || got["retrying: a dependency is unavailable"] > 1 {
		t.Errorf("retry warnings during the outage: %v; want at most one line", got)
	}

	es.SetFaults(estest.Faults{})
	second := startIndexerProcess(t, env...)
	waitFor(t, "every article indexed after the outage", func() bool { return len(es.Docs(esindex.Alias)) == n })
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := second.wait(t, 30*time.Second); code != 0 {
		t.Errorf("second indexer: exit %d:\n%s", code, second.out)
	}
	for _, d := range es.Docs(esindex.Alias) {
		if d.Writes != 1 {
			t.Errorf("%s written %d times", d.ID, d.Writes)
		}
	}
}
