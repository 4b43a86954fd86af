package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
	"github.com/newsflow/newsflow/services/indexer/estest"
)

// A replay re-drives articles.storied into a new index generation and
// only then moves the read alias to it.
func TestReplayMovesAliasToNewGeneration(t *testing.T) {
	srv := natstest.Server(t)
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	if err := stage.EnsureStreams(ctx, js, stage.DefaultConfig().Streams); err != nil {
		t.Fatal(err)
	}
	published := time.Date(2026, 10, 5, 8, 0, 0, 0, time.UTC)
	const n = 25
	for i := range n {
		d := schema.Document{SchemaVersion: 1, ID: fmt.Sprintf("doc%02d", i), Title: "t", Body: "body text",
			PublishedAt: &published, IngestedAt: time.Date(2026, 10, 5, 9, 0, i, 0, time.UTC)}
		data, _ := json.Marshal(d)
		if _, err := js.Publish(ctx, stage.SubjectStoried, data); err != nil {
			t.Fatal(err)
		}
	}
	es := estest.NewServer()
	defer es.Close()

	var stdout, stderr bytes.Buffer
	code := Main(ctx, []string{"replay", "--nats", srv.ClientURL(), "--es-url", es.URL,
		"--since", "1h", "--index", "newsflow-articles-v2"}, &stdout, &stderr) // all were stored just now
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	docs := es.Docs("newsflow-articles-v2-*")
	if len(docs) != n {
		t.Errorf("new generation holds %d documents; want %d", len(docs), n)
	}
	alias := es.AliasIndices("newsflow-articles")
	if len(alias) != 1 || !strings.HasPrefix(alias[0], "newsflow-articles-v2-") {
		t.Errorf("alias points to %v; want the v2 generation only", alias)
	}
	if !strings.Contains(stdout.String(), fmt.Sprintf("replayed %d documents", n)) {
		t.Errorf("stdout = %q", stdout.String())
	}

	// Nothing stored after --since: the alias must not move to an empty generation.
	stdout.Reset()
	stderr.Reset()
	code = Main(ctx, []string{"replay", "--nats", srv.ClientURL(), "--es-url", es.URL,
		"--since", "2100-01-01", "--index", "newsflow-articles-v3"}, &stdout, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "holds nothing stored since") {
		t.Errorf("exit %d, stderr %q; want a refusal", code, stderr.String())
	}
	if alias := es.AliasIndices("newsflow-articles"); len(alias) != 1 || !strings.HasPrefix(alias[0], "newsflow-articles-v2-") {
		t.Errorf("alias moved to %v", alias)
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2026-11-01", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)},
		{"2026-11-01T08:30:00Z", time.Date(2026, 11, 1, 8, 30, 0, 0, time.UTC)},
		{"1h", now.Add(-time.Hour)},
		{"90m", now.Add(-90 * time.Minute)},
		{"7d", now.Add(-7 * 24 * time.Hour)},
		{"1d12h", now.Add(-36 * time.Hour)},
	} {
		got, err := parseSince(tc.in, now)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"yesterday", "d", "7days", "-1h", "1x"} {
		if _, err := parseSince(bad, now); err == nil || !strings.Contains(err.Error(), "7d") {
			t.Errorf("parseSince(%q) = %v; want an error that shows what works", bad, err)
		}
	}
}
