package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestEvalDedupeRunsIngestFirst: a JSON-escaped copy (literal \r\n, \"
// and \u00e9) is caught by the pipeline, whose ingest stage undoes the
// escapes before dedupe; the evaluation used to hand dedupe the text as
// sent and scored it as a miss. The report says which path it measured.
func TestEvalDedupeRunsIngestFirst(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"eval", "dedupe",
		"--originals", "testdata/evaldedupe/originals", "--variants", "testdata/evaldedupe/variants.jsonl"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	out := stdout.String()
	if !strings.HasPrefix(out, "path: ingest.Process (cleanup) -> dedupe.Process") {
		t.Errorf("report does not start with the path:\n%s", out)
	}
	if !strings.Contains(out, "recall[json_escaped]=1.000 (1/1)") {
		t.Errorf("the JSON-escaped copy is not linked to its original:\n%s", out)
	}
}
