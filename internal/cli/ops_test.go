package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
)

// An operator lists a dead letter, fixes the cause, re-drives it, and the
// stage then processes it; status reports the backlog and dead letters.
func TestDeadLettersListRedriveAndStatus(t *testing.T) {
	srv := natstest.Server(t)
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	cfg := stage.DefaultConfig()
	cfg.Consumer.RetryMin = 10 * time.Millisecond
	rt, err := stage.OpenConn(context.Background(), nc, cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Shutdown(context.Background())

	var fixed atomic.Bool
	processed := make(chan string, 1)
	_, err = stage.Start(context.Background(), rt, stage.Stage[*schema.Document, *schema.Document]{
		Name: stage.NameEnrich, Input: stage.SubjectDeduped, Decode: schema.DecodeDocument,
		Process: func(_ context.Context, d *schema.Document) (*schema.Document, error) {
			if !fixed.Load() {
				return nil, stage.Permanent(errors.New("gazetteer missing"))
			}
			processed <- d.ID
			return nil, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(schema.Document{SchemaVersion: 1, ID: "art1", Body: "b", IngestedAt: time.Now()})
	if _, err := rt.JetStream().Publish(context.Background(), stage.SubjectDeduped, data); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := Main(context.Background(), append(args, "--nats", srv.ClientURL()), &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		return stdout.String()
	}
	deadline := time.Now().Add(10 * time.Second)
	var list string
	for {
		list = run("dlq", "list")
		if strings.Contains(list, "gazetteer missing") || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(list, "enrich") || !strings.Contains(list, "gazetteer missing") {
		t.Fatalf("dlq list = %q; want the enrich dead letter with its reason", list)
	}
	var letters []DeadLetter
	if err := json.Unmarshal([]byte(run("dlq", "list", "--json")), &letters); err != nil {
		t.Fatalf("dlq list --json: %v", err)
	}
	if len(letters) != 1 || letters[0].Stage != stage.NameEnrich || letters[0].Reason != "gazetteer missing" || !bytes.Equal(letters[0].Data, data) {
		t.Errorf("dlq list --json = %+v; want the enrich letter with its reason and payload", letters)
	}
	if list := run("dlq", "list", "--stage", "stories"); !strings.Contains(list, "no dead letters") {
		t.Errorf("dlq list --stage stories = %q; want none (the letter is enrich's)", list)
	}
	// A stage that does not exist is an error, never an empty list.
	var stdout, stderr bytes.Buffer
	if code := Main(context.Background(), []string{"dlq", "list", "--stage", "enrichment", "--nats", srv.ClientURL()}, &stdout, &stderr); code == 0 ||
		!strings.Contains(stderr.String(), `--stage "enrichment"`) || !strings.Contains(stderr.String(), "storyindex") {
		t.Errorf("dlq list --stage enrichment: exit %d, stdout %q, stderr %q; want an error naming the stages", code, stdout.String(), stderr.String())
	}
	status := run("status", "--interval", "10ms")
	if !strings.Contains(status, "dead-lettered") || !hasRow(status, "enrich", "1") {
		t.Errorf("status = %q; want enrich with 1 dead letter", status)
	}

	fixed.Store(true)
	if out := run("dlq", "redrive", "--stage", "enrich"); !strings.Contains(out, "re-drove 1 of 1") {
		t.Errorf("redrive = %q", out)
	}
	select {
	case id := <-processed:
		if id != "art1" {
			t.Errorf("processed %q; want art1", id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("re-driven article never processed")
	}
	if list := run("dlq", "list"); !strings.Contains(list, "no dead letters") {
		t.Errorf("after redrive, dlq list = %q; want none", list)
	}
}

// hasRow reports whether a table line starts with name and ends with last
// among its columns.
func hasRow(table, name, want string) bool {
	for _, line := range strings.Split(table, "\n") {
		f := strings.Fields(line)
		if len(f) >= 6 && f[0] == name && f[5] == want {
			return true
		}
	}
	return false
}

// A run's summary reads only the dead letters of the run, however many
// earlier runs left: the server starts at the run's start time, instead
// of the summary reading the oldest letters and filtering them.
func TestDeadLettersSinceSkipsEarlierOnes(t *testing.T) {
	srv := natstest.Server(t)
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	streams := stage.DefaultConfig().Streams
	streams.MaxBytes = 64 << 20
	if err := stage.EnsureStreams(ctx, js, streams); err != nil {
		t.Fatal(err)
	}
	letter := func(reason string) {
		t.Helper()
		m := nats.NewMsg(stage.SubjectDeadPrefix + stage.NameEnrich)
		m.Data = []byte(`{}`)
		m.Header.Set(stage.HeaderDeadStage, stage.NameEnrich)
		m.Header.Set(stage.HeaderDeadReason, reason)
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		letter("an earlier run")
	}
	since := time.Now()
	letter("this run")
	letter("this run")
	// A limit below the earlier letters' count: reading the oldest and
	// filtering would find none of this run's.
	got, err := readDeadLetters(ctx, js, "", since, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Reason != "this run" || got[1].Reason != "this run" {
		t.Errorf("letters since the start = %+v; want this run's two", got)
	}
	all, err := readDeadLetters(ctx, js, "", time.Time{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 7 {
		t.Errorf("all letters = %d; want 7", len(all))
	}
}
