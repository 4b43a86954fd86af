// Package corpus loads the benchmark inputs from paths given on the
// command line: articles through ingest's own file reader (the one
// `newsflow run --input` uses), so every stage sees what the pipeline
// sees, and HTML pages as the raw bytes a crawler fetched.
//
// Nothing here embeds or copies evaluation data: the paths point at
// ../shared/data, which is never committed.
package corpus

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/services/ingest/intake"
)

// ErrEmpty means a path held no usable input.
var ErrEmpty = errors.New("corpus: no input")

// Articles reads every article in paths (files or folders of .txt, .json,
// .jsonl, .html and their .gz) as ingest's intake does and returns the
// accepted ones in a deterministic order, with the count of rejected ones.
func Articles(ctx context.Context, paths []string) (raws []*schema.RawArticle, rejected int, err error) {
	err = intake.ReadPaths(ctx, paths, func(it intake.Item) error {
		if it.Err != nil {
			rejected++
			return nil
		}
		raws = append(raws, it.Raw)
		return nil
	})
	if err != nil {
		return nil, rejected, fmt.Errorf("read articles: %w", err)
	}
	if len(raws) == 0 {
		return nil, rejected, fmt.Errorf("%w: no articles in %s", ErrEmpty, strings.Join(paths, ", "))
	}
	return raws, rejected, nil
}

// Page is one fetched HTML page.
type Page struct {
	// ID is the file name without .html or .html.gz.
	ID string
	// URL is where the page was fetched from, when known.
	URL string
	// HTML is the page's bytes as served, in its own encoding.
	HTML []byte
}

// Pages reads every *.html and *.html.gz file in dir, sorted by name.
// urls, when not empty, is a JSON object {id: {"url": ...}} (the
// ScrapingHub ground-truth.json shape) that gives each page its URL.
func Pages(dir, urls string) ([]Page, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read pages: %w", err)
	}
	byID := map[string]struct {
		URL string `json:"url"`
	}{}
	if urls != "" {
		data, err := os.ReadFile(urls)
		if err != nil {
			return nil, fmt.Errorf("read page urls: %w", err)
		}
		if err := json.Unmarshal(data, &byID); err != nil {
			return nil, fmt.Errorf("read page urls %s: %w", urls, err)
		}
	}
	var pages []Page
	for _, e := range entries {
		name := e.Name()
		id, gz := strings.CutSuffix(name, ".html.gz")
		if !gz {
			var ok bool
			if id, ok = strings.CutSuffix(name, ".html"); !ok {
				continue
			}
		}
		data, err := readFile(filepath.Join(dir, name), gz)
		if err != nil {
			return nil, err
		}
		pages = append(pages, Page{ID: id, URL: byID[id].URL, HTML: data})
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("%w: no .html or .html.gz files in %s", ErrEmpty, dir)
	}
	sort.Slice(pages, func(i, j int) bool { return pages[i].ID < pages[j].ID })
	return pages, nil
}

func readFile(path string, gz bool) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil || !gz {
		return data, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}
