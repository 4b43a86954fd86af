package cli

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
)

// TestEveryCommandRejectsUnusedArguments: Go's flag package stops at the
// first bare argument, so before, `run --once --input A B --export F`
// ignored B and the export and reported success, and `status extra`
// ignored extra. Each case fails in parsing, before any work.
func TestEveryCommandRejectsUnusedArguments(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--once", "--input", "a", "--export", "f", "b"},
		{"run", "extra", "--once"},
		{"status", "extra"},
		{"serve", "--data", "d", "extra"},
		{"status", "--nats", "nats://127.0.0.1:1", "extra", "--interval", "1s"},
		{"dlq", "list", "extra"},
		{"dlq", "redrive", "--stage", "ingest", "extra"},
		{"replay", "--since", "1h", "extra"},
		{"eval", "extraction", "--dataset", "d", "extra"},
		{"eval", "dedupe", "--originals", "o", "--variants", "v", "extra"},
		{"eval", "ner", "--conll", "c", "extra"},
		{"eval", "gum", "--dir", "d", "extra"},
	} {
		var stdout, stderr bytes.Buffer
		code := Main(context.Background(), args, &stdout, &stderr)
		if code != 2 {
			t.Errorf("newsflow %q: exit %d, want 2 (usage)\n%s", args, code, stderr.String())
			continue
		}
		if !strings.Contains(stderr.String(), "unexpected argument") || !strings.Contains(stderr.String(), "each value right after its flag") {
			t.Errorf("newsflow %q: stderr does not say what is wrong and how to write it:\n%s", args, stderr.String())
		}
	}
}

// TestInputTakesSeveralPaths: the run that used to drop B and the export.
func TestInputTakesSeveralPaths(t *testing.T) {
	tests := []struct {
		args       []string
		wantInputs []string
		wantExport string
	}{
		{[]string{"--once", "--input", "A", "B", "--export", "F"}, []string{"A", "B"}, "F"},
		{[]string{"--input=A", "B", "C", "--once"}, []string{"A", "B", "C"}, ""},
		{[]string{"--input", "A", "--export", "F", "--input", "B"}, []string{"A", "B"}, "F"},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		fs := newFlagSet("run", &stderr)
		o, _, _ := runFlags(fs)
		if err := parse(fs, multiValue(tt.args, "input")); err != nil {
			t.Errorf("run %q: %v\n%s", tt.args, err, stderr.String())
			continue
		}
		if !slices.Equal(o.inputs, tt.wantInputs) || o.pipeline.ExportPath != tt.wantExport {
			t.Errorf("run %q: inputs %q export %q, want %q %q", tt.args, o.inputs, o.pipeline.ExportPath, tt.wantInputs, tt.wantExport)
		}
	}
}

func TestIngestTakesPathsBetweenFlags(t *testing.T) {
	var stderr bytes.Buffer
	fs := newFlagSet("ingest", &stderr)
	nats := fs.String("nats", "", "")
	paths, err := parseWithArgs(fs, []string{"a", "--nats", "n", "b", "--", "-c"})
	if err != nil || !slices.Equal(paths, []string{"a", "b", "-c"}) || *nats != "n" {
		t.Errorf("paths %q nats %q err %v, want [a b -c] n", paths, *nats, err)
	}
}
