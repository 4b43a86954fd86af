package pipeline

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/newsflow/newsflow/pkg/schema"
)

// Export writes the documents that reach the end of the pipeline as JSON
// lines. A document indexed more than once (a redelivery, or a dedupe
// merge that updates its cluster) appears once in the final file, in its
// newest version (the one the indexers keep: schema.Document.Version, ingest
// time then dedupe revision, whatever the order of arrival), at the position it
// was first seen.
type Export struct {
	path    string
	partial *os.File
	w       *bufio.Writer

	mu    sync.Mutex
	lines int
	// last maps an id to its newest version so far.
	last  map[string]exported
	first []string // ids in order of first appearance
}

// exported is the line and version of a document's newest version.
type exported struct {
	line    int
	version int64
}

// NewExport starts an export to path. Documents go to a temporary file
// beside it until Close, so a crash never leaves a half-written export
// under the final name.
func NewExport(path string) (*Export, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".partial-*")
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return &Export{path: path, partial: f, w: bufio.NewWriterSize(f, 1<<20), last: map[string]exported{}}, nil
}

// Write appends doc, unless a newer version of it is already written.
func (e *Export) Write(doc *schema.Document) error {
	version := doc.Version()
	line, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("export %s: %w", doc.ID, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	prev, seen := e.last[doc.ID]
	if seen && version < prev.version {
		return nil
	}
	if _, err := e.w.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if !seen {
		e.first = append(e.first, doc.ID)
	}
	e.last[doc.ID] = exported{line: e.lines, version: version}
	e.lines++
	return nil
}

// Count is the number of distinct documents exported so far.
func (e *Export) Count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.last)
}

// Close writes the final file: one line per document, its latest version.
func (e *Export) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	defer os.Remove(e.partial.Name())
	if err := e.w.Flush(); err != nil {
		e.partial.Close()
		return fmt.Errorf("export: %w", err)
	}
	if _, err := e.partial.Seek(0, 0); err != nil {
		e.partial.Close()
		return fmt.Errorf("export: %w", err)
	}
	latest := make(map[int][]byte, len(e.last))
	want := make(map[int]bool, len(e.last))
	for _, x := range e.last {
		want[x.line] = true
	}
	out, err := os.Create(e.path)
	if err != nil {
		e.partial.Close()
		return fmt.Errorf("export: %w", err)
	}
	sc := bufio.NewScanner(e.partial)
	sc.Buffer(make([]byte, 0, 1<<20), schema.MaxArticleBytes*2)
	// Latest versions are kept until written in first-seen order; when
	// no document was written twice this holds nothing back.
	firstIdx := 0
	bw := bufio.NewWriterSize(out, 1<<20)
	for n := 0; sc.Scan(); n++ {
		if want[n] {
			latest[n] = append([]byte(nil), sc.Bytes()...)
		}
		for firstIdx < len(e.first) {
			ln := e.last[e.first[firstIdx]].line
			line, ok := latest[ln]
			if !ok {
				break
			}
			bw.Write(line)
			bw.WriteByte('\n')
			delete(latest, ln)
			firstIdx++
		}
	}
	err = sc.Err()
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	e.partial.Close()
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}
