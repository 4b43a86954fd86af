package corpus

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func gz(t *testing.T, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPages(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "b.html.gz"), gz(t, "<html><p>B</p></html>"))
	write(t, filepath.Join(dir, "a.html"), []byte("<html><p>A</p></html>"))
	write(t, filepath.Join(dir, "notes.txt"), []byte("not a page"))
	urls := filepath.Join(t.TempDir(), "truth.json")
	write(t, urls, []byte(`{"b": {"url": "https://example.com/b", "articleBody": "B"}}`))
	got, err := Pages(dir, urls)
	if err != nil {
		t.Fatal(err)
	}
	want := []Page{{ID: "a", HTML: []byte("<html><p>A</p></html>")}, {ID: "b", URL: "https://example.com/b", HTML: []byte("<html><p>B</p></html>")}}
	if len(got) != len(want) {
		t.Fatalf("got %d pages; want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID || got[i].URL != want[i].URL || !bytes.Equal(got[i].HTML, want[i].HTML) {
			t.Errorf("page %d = %q %q %q; want %q %q %q", i, got[i].ID, got[i].URL, got[i].HTML, want[i].ID, want[i].URL, want[i].HTML)
		}
	}
	if _, err := Pages(t.TempDir(), ""); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty folder: err = %v; want ErrEmpty", err)
	}
}

func TestArticles(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "bbc", "tech", "001.txt"), []byte("Headline one\n\nBody of the first article.\n"))
	write(t, filepath.Join(dir, "bbc", "tech", "002.txt"), []byte("Headline two\n\nBody of the second article.\n"))
	write(t, filepath.Join(dir, "variants.jsonl"), []byte(`{"id": "syn/1", "text": "A copy of the first article."}`+"\n"+`{"text": 5}`+"\n"))
	raws, rejected, err := Articles(context.Background(), []string{filepath.Join(dir, "bbc"), filepath.Join(dir, "variants.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	if len(raws) != 3 || rejected != 1 {
		t.Errorf("got %d articles, %d rejected; want 3, 1", len(raws), rejected)
	}
	if _, _, err := Articles(context.Background(), []string{filepath.Join(dir, "bbc", "none")}); err == nil {
		t.Error("missing path: want an error")
	}
}
