// Command stories-background counts the document frequencies of a corpus
// into the background file the stories stage ships
// (cluster/background.bin.gz): hashed stemmed terms and counts only,
// never the text.
//
//	go run ./cmd/stories-background --out cluster/background.bin.gz FILE.jsonl...
//
// Each input is JSON lines with "title" and "text" (and optionally
// "language", ISO 639-1; English otherwise).
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/newsflow/newsflow/services/stories/cluster"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "stories-background:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("stories-background", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "file to write (gzip)")
	minDF := fs.Uint("min-df", 2, "least document frequency a term needs to be written")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() == 0 {
		fs.Usage()
		return errors.New("want --out FILE and at least one FILE.jsonl")
	}
	c := cluster.NewBackgroundCounter()
	for _, path := range fs.Args() {
		if err := count(c, path); err != nil {
			return err
		}
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := c.Encode(f, uint32(*minDF)); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", *out, err)
	}
	return f.Close()
}

func count(c *cluster.BackgroundCounter, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for line := 1; sc.Scan(); line++ {
		var doc struct {
			Title    string `json:"title"`
			Text     string `json:"text"`
			Language string `json:"language"`
		}
		if err := json.Unmarshal(sc.Bytes(), &doc); err != nil {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
		c.Add(doc.Title, doc.Text, doc.Language)
	}
	return sc.Err()
}
