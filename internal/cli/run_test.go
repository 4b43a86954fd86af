package cli

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/schema"
)

// The quick start: the example articles go through every stage on the
// embedded server and come out clean, deduplicated and enriched. It runs
// with NEWSFLOW_MEMORY_LIMIT, which becomes the runtime's soft limit.
func TestRunOnceOnExamples(t *testing.T) {
	t.Setenv("NEWSFLOW_MEMORY_LIMIT", "768MiB")
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	dir := t.TempDir()
	export := filepath.Join(dir, "out.jsonl")
	allocs := filepath.Join(dir, "allocs.pprof")
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"run", "--once", "--input", "../../examples/articles",
		"--data", filepath.Join(dir, "data"), "--export", export, "--memprofile", allocs}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	checkAllocProfile(t, allocs)
	if got := debug.SetMemoryLimit(-1); got != 768<<20 {
		t.Errorf("runtime memory limit = %d; want NEWSFLOW_MEMORY_LIMIT's 768MiB", got)
	}
	docs := readExport(t, export)
	if len(docs) != 6 {
		t.Fatalf("exported %d documents; want 6", len(docs))
	}
	byTitle := map[string]*schema.Document{}
	for _, d := range docs {
		if err := d.Validate(); err != nil {
			t.Errorf("%s: %v", d.ID, err)
		}
		byTitle[d.Title] = d
	}
	original := byTitle["Foreign ministers of Russia and Ukraine meet in Antalya without a breakthrough"]
	excerpt := titled(byTitle, "Russia and Ukraine talks in Turkey end without ceasefire")
	if original == nil || excerpt == nil {
		t.Fatalf("titles = %v; want the Antalya original and its excerpt", keys(byTitle))
	}
	// Dedupe links the two into one cluster. Its canonical is the one
	// that reached dedupe first: almost always the original (published
	// first), but ingest cleans articles concurrently, so on a loaded
	// machine the excerpt can overtake it.
	canonical, copied := original, excerpt
	if original.DuplicateOf != "" {
		canonical, copied = excerpt, original
	}
	if copied.DuplicateOf != canonical.ID || copied.ClusterID != canonical.ID || canonical.ClusterID != canonical.ID || canonical.DuplicateOf != "" {
		t.Errorf("original duplicate_of=%q cluster_id=%q, excerpt duplicate_of=%q cluster_id=%q; want one cluster with one canonical",
			original.DuplicateOf, original.ClusterID, excerpt.DuplicateOf, excerpt.ClusterID)
	}
	escaped := byTitle["Evacuation from Mariupol stalls again as shelling continues"]
	if escaped == nil {
		t.Fatalf("the escaped scrape lost its title: %v", keys(byTitle))
	}
	for _, residue := range []string{`\r\n`, `\u0022`, `&#039;`, "Leave a comment", "developing news story"} {
		if strings.Contains(escaped.Body, residue) {
			t.Errorf("escaped scrape body still contains %q", residue)
		}
	}
	if !hasEntity(original.Entities.Persons, "Lavrov") || !hasPlace(original.Entities.Places, "Antalya") {
		t.Errorf("original entities = %+v; want Lavrov and Antalya", original.Entities)
	}
	for _, want := range []string{"ingest", "dedupe", "enrich", "indexer", "index: 6 documents", "6 documents written",
		"memory: peak RSS ", "soft limit 768MiB, collector"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout.String())
		}
	}
}

func readExport(t *testing.T, path string) []*schema.Document {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var docs []*schema.Document
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var d schema.Document
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, &d)
	}
	return docs
}

// titled finds the document whose title ends with suffix: a syndicating
// site's prefix may or may not be recognised as furniture.
func titled(m map[string]*schema.Document, suffix string) *schema.Document {
	for title, d := range m {
		if strings.HasSuffix(title, suffix) {
			return d
		}
	}
	return nil
}

func keys(m map[string]*schema.Document) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func hasEntity(es []schema.Entity, part string) bool {
	for _, e := range es {
		if strings.Contains(e.Name, part) {
			return true
		}
	}
	return false
}

func hasPlace(ps []schema.Place, name string) bool {
	for _, p := range ps {
		if p.Name == name && p.Location != nil {
			return true
		}
	}
	return false
}

// An article that cannot be cleaned ends in the dead-letter subject, and
// the batch summary says why; the others are indexed.
func TestRunOnceReportsDeadLetters(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	articles := `{"url": "https://example.org/a", "text": "The council met on Tuesday and agreed a new budget for the city's libraries after a long debate."}
{"url": "https://example.org/b", "html": "<html><body><nav><a href='/'>Home</a></nav></body></html>"}
`
	if err := os.WriteFile(filepath.Join(in, "batch.jsonl"), []byte(articles), 0o644); err != nil {
		t.Fatal(err)
	}
	export := filepath.Join(dir, "out.jsonl")
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"run", "--once", "--input", in,
		"--data", filepath.Join(dir, "data"), "--export", export}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	if docs := readExport(t, export); len(docs) != 1 || docs[0].URL != "https://example.org/a" {
		t.Errorf("exported %d documents; want only the readable article", len(docs))
	}
	out := stdout.String()
	if !strings.Contains(out, "dead letters (1;") || !strings.Contains(out, "ingest: ") {
		t.Errorf("summary does not report the dead letter and its stage:\n%s", out)
	}
}

// newsflow run, like the services, warns at start about every NEWSFLOW_*
// variable no setting reads, with the closest setting, and exports
// newsflow_build_info on its /metrics.
func TestRunWarnsAboutUnknownSettingsAndExportsBuildInfo(t *testing.T) {
	t.Setenv("NEWSFLOW_CONCURENCY", "4")
	t.Setenv("NEWSFLOW_INDEXER_START_TIMEOUT", "1m") // the indexer service's: run has no Elasticsearch
	dir := t.TempDir()
	stderr := &lockedBuffer{}
	ctx, stop := context.WithCancel(context.Background())
	exited := make(chan int, 1)
	go func() {
		exited <- Main(ctx, []string{"run", "--data", dir, "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0"}, io.Discard, stderr)
	}()
	addr := regexp.MustCompile(`"web UI": "http://([^/]+)/"`)
	var base string
	for deadline := time.Now().Add(3 * time.Minute); base == ""; time.Sleep(50 * time.Millisecond) {
		if m := addr.FindStringSubmatch(stderr.String()); m != nil {
			base = "http://" + m[1]
		}
		select {
		case code := <-exited:
			t.Fatalf("newsflow run exited with %d:\n%s", code, stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("newsflow run not serving after 3 minutes:\n%s", stderr)
		}
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	stop()
	if code := <-exited; code != 0 {
		t.Errorf("exit %d after the stop:\n%s", code, stderr)
	}
	if want := `newsflow_build_info{go_version="` + runtime.Version() + `",version="` + Version + `"} 1`; !strings.Contains(string(body), want) {
		t.Errorf("/metrics has no %s", want)
	}
	var warned []string
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, "unknown setting ignored") {
			warned = append(warned, line)
		}
	}
	if len(warned) != 2 || !strings.Contains(warned[0], `"variable": "NEWSFLOW_CONCURENCY", "did_you_mean": "NEWSFLOW_CONCURRENCY"`) ||
		!strings.Contains(warned[1], `"variable": "NEWSFLOW_INDEXER_START_TIMEOUT"`) {
		t.Errorf("warnings:\n%s\nwant NEWSFLOW_CONCURENCY (did you mean NEWSFLOW_CONCURRENCY) and NEWSFLOW_INDEXER_START_TIMEOUT", strings.Join(warned, "\n"))
	}
}

// lockedBuffer is a bytes.Buffer safe for one writer and one reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// checkAllocProfile fails unless path holds an allocation profile: pprof's
// gzipped protocol buffer, naming the alloc_space sample type.
func checkAllocProfile(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("--memprofile: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("--memprofile wrote no pprof profile: %v", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("--memprofile: %v", err)
	}
	if !bytes.Contains(b, []byte("alloc_space")) {
		t.Errorf("--memprofile's profile (%d bytes) has no alloc_space samples", len(b))
	}
}

func TestInFlightIsTheMeanHandledAtOnce(t *testing.T) {
	for _, tc := range []struct {
		busy, elapsed time.Duration
		want          string
	}{
		{90 * time.Second, 45 * time.Second, "2.0"},
		{250 * time.Millisecond, time.Second, "0.2"},
		{time.Second, 0, "-"},
	} {
		if got := inFlight(tc.busy, tc.elapsed); got != tc.want {
			t.Errorf("inFlight(%s, %s) = %q, want %q", tc.busy, tc.elapsed, got, tc.want)
		}
	}
}
