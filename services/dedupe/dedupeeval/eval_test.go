package dedupeeval

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
)

// asSent is an Upstream that hands dedupe the title and text as they
// were sent, and rejects the items whose text contains reject (as ingest
// rejects an empty article): this module cannot import ingest, whose
// path internal/cli's tests measure.
func asSent(reject string) func(context.Context, jetstream.JetStream) (Upstream, error) {
	return func(context.Context, jetstream.JetStream) (Upstream, error) {
		return Upstream{Path: "as sent", Process: func(_ context.Context, raw *schema.RawArticle) (*schema.Document, error) {
			if reject != "" && strings.Contains(raw.Text, reject) {
				return nil, stage.Permanent(errors.New("rejected by the test"))
			}
			return &schema.Document{
				SchemaVersion: schema.Version, ID: "set-by-the-eval", Title: raw.Title, Body: raw.Text,
				IngestedAt: time.Now().UTC(), WordCount: schema.CountWords(raw.Text),
			}, nil
		}}, nil
	}
}

func TestRunOnFixtures(t *testing.T) {
	var out bytes.Buffer
	s, err := Run(context.Background(), Options{
		Originals: "testdata/originals",
		Variants:  "testdata/variants.jsonl",
		Pairs:     "testdata/pairs.json",
		Negatives: "testdata/negatives.jsonl",
		Seed:      7,
		Upstream:  asSent(""),
	}, &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	// Truth: {001, 004, syn/1} and {003, syn/2}: 3 + 1 pairs.
	if s.Articles != 7 || s.TruePairs != 4 {
		t.Errorf("articles %d, true pairs %d; want 7 and 4", s.Articles, s.TruePairs)
	}
	if s.Precision != 1 || s.Recall != 1 {
		t.Errorf("precision %.3f recall %.3f, want 1 and 1", s.Precision, s.Recall)
	}
	if s.Negatives != 3 || s.NegativesFlagged != 0 {
		t.Errorf("negatives flagged %d/%d, want 0/3", s.NegativesFlagged, s.Negatives)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	if !regexp.MustCompile(`^precision=\d\.\d{3} recall=\d\.\d{3} f1=\d\.\d{3} negatives_flagged=\d+/\d+$`).MatchString(last) {
		t.Errorf("last line %q does not have the required format", last)
	}
	if s.BytesPerArticle <= 0 || s.P99 <= 0 {
		t.Errorf("state %.0f B/article, p99 %s: want measured values", s.BytesPerArticle, s.P99)
	}
}

func TestRunRejectsMissingInputs(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"no originals", Options{Variants: "testdata/variants.jsonl", Upstream: asSent("")}},
		{"no variants", Options{Originals: "testdata/originals", Upstream: asSent("")}},
		{"variants naming unknown originals", Options{Originals: "testdata/originals/news/../../originals", Variants: "testdata/pairs.json", Upstream: asSent("")}},
		{"no upstream stages", Options{Originals: "testdata/originals", Variants: "testdata/variants.jsonl"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Run(context.Background(), tt.opts, &bytes.Buffer{}); err == nil {
				t.Error("Run succeeded, want an input error")
			}
		})
	}
}

func TestDecodeText(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"utf-8 kept", []byte("Café £5"), "Café £5"},
		{"latin-1 decoded", []byte{'C', 'a', 'f', 0xe9, ' ', 0xa3, '5'}, "Café £5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decodeText(tt.in); got != tt.want {
				t.Errorf("decodeText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestRunCountsRejectedItemsAsMisses: an item the upstream stages reject
// is in no cluster, so its pairs are missed, as in the pipeline, where it
// is dead-lettered before dedupe; and the report names the path.
func TestRunCountsRejectedItemsAsMisses(t *testing.T) {
	var out bytes.Buffer
	s, err := Run(context.Background(), Options{
		Originals: "testdata/originals",
		Variants:  "testdata/variants.jsonl",
		Seed:      7,
		Upstream:  asSent("rooftop reading garden"),
	}, &out)
	if err != nil {
		t.Fatal(err)
	}
	// The phrase is in original 003 and its full_boiler variant syn/2.
	if s.Rejected != 2 || s.RecallByKind["full_boiler"] != 0 || s.RecallByKind["excerpt"] != 1 {
		t.Errorf("rejected %d, recall by kind %v; want 2 rejected, full_boiler 0 (both ends rejected), excerpt 1", s.Rejected, s.RecallByKind)
	}
	if !strings.HasPrefix(out.String(), "path: as sent -> dedupe.Process") {
		t.Errorf("report starts %q, want the path first", strings.SplitN(out.String(), "\n", 2)[0])
	}
}
