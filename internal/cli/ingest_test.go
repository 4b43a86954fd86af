package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// newsflow ingest exits 1 when it rejected input, and reports re-sent
// articles JetStream drops as duplicates rather than as accepted.
func TestIngestExitCodeAndDuplicates(t *testing.T) {
	url, js := statusServer(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if err := os.WriteFile(good, []byte(`{"url":"https://example.org/1","title":"A title","text":"A body of text."}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.json"), []byte(`{"url": `), 0o644); err != nil {
		t.Fatal(err)
	}
	ingest := func(path string) (int, string) {
		var stdout, stderr bytes.Buffer
		code := Main(context.Background(), []string{"ingest", "--nats", url, path}, &stdout, &stderr)
		return code, stdout.String() + stderr.String()
	}
	if code, out := ingest(dir); code != 1 || !strings.Contains(out, "accepted 1, rejected 1, duplicates 0") {
		t.Errorf("a folder with one bad file: exit %d, output %q; want exit 1 and accepted 1, rejected 1", code, out)
	}
	if code, out := ingest(good); code != 0 || !strings.Contains(out, "accepted 0, rejected 0, duplicates 1") {
		t.Errorf("the good file again: exit %d, output %q; want exit 0 and duplicates 1", code, out)
	}
	st, err := js.Stream(context.Background(), "ARTICLES_RAW")
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := st.Info(context.Background()); info.State.Msgs != 1 {
		t.Errorf("articles.raw holds %d; want 1", info.State.Msgs)
	}
}
