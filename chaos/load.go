package chaos

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/schema"
)

// Corpus is the text the load run replays: originals and syndicated
// variants, each a title and a body.
type Corpus struct {
	Originals []Text
	Variants  []Text
}

// Text is one article's title and body.
type Text struct{ Title, Body string }

// LoadCorpus reads the BBC folder (one file per article: headline, blank
// line, body) and syndication/variants.jsonl under data. Nothing of it is
// kept beyond the run.
func LoadCorpus(data string) (*Corpus, error) {
	var c Corpus
	files, err := filepath.Glob(filepath.Join(data, "bbc", "*", "*.txt"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if !utf8.Valid(b) {
			b = latin1(b)
		}
		title, body, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
		c.Originals = append(c.Originals, Text{Title: strings.TrimSpace(title), Body: strings.TrimSpace(body)})
	}
	if len(c.Originals) == 0 {
		return nil, fmt.Errorf("no articles under %s", filepath.Join(data, "bbc"))
	}
	vf, err := os.Open(filepath.Join(data, "syndication", "variants.jsonl"))
	if err == nil {
		defer vf.Close()
		sc := bufio.NewScanner(vf)
		sc.Buffer(make([]byte, 1<<20), 8<<20)
		for sc.Scan() {
			var v struct{ Text string }
			if json.Unmarshal(sc.Bytes(), &v) == nil && v.Text != "" {
				title, body, _ := strings.Cut(v.Text, "\n")
				c.Variants = append(c.Variants, Text{Title: strings.TrimSpace(title), Body: strings.TrimSpace(body)})
			}
		}
	}
	return &c, nil
}

func latin1(b []byte) []byte {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return []byte(string(r))
}

// variant rewrites t as syndication would, by kind: as it is, with an
// agency dateline, with a site's boilerplate, or as the lead only.
func variant(t Text, kind int) Text {
	switch kind % 4 {
	case 1:
		return Text{Title: t.Title, Body: "LONDON (Newswire) - " + t.Body}
	case 2:
		return Text{Title: t.Title, Body: t.Body + "\n\nFollow us on social media for more news.\nAll rights reserved."}
	case 3:
		paras := strings.Split(t.Body, "\n")
		return Text{Title: t.Title, Body: strings.Join(paras[:max(1, len(paras)/2)], "\n")}
	}
	return t
}

// WriteLoadInput writes n articles to dir as .jsonl files of at most
// perFile lines: the corpus's originals and variants replayed under new,
// unique URLs (so new ids), round after round, with the syndication
// rewrites above. It returns the files.
func WriteLoadInput(c *Corpus, dir string, n, perFile int) ([]string, error) {
	pool := append(append([]Text{}, c.Originals...), c.Variants...)
	var files []string
	var w *bufio.Writer
	var f *os.File
	closeFile := func() error {
		if f == nil {
			return nil
		}
		if err := w.Flush(); err != nil {
			return err
		}
		return f.Close()
	}
	for i := range n {
		if i%perFile == 0 {
			if err := closeFile(); err != nil {
				return nil, err
			}
			path := filepath.Join(dir, fmt.Sprintf("load-%04d.jsonl", i/perFile))
			var err error
			if f, err = os.Create(path); err != nil {
				return nil, err
			}
			w = bufio.NewWriterSize(f, 1<<20)
			files = append(files, path)
		}
		round := i / len(pool)
		t := variant(pool[i%len(pool)], round)
		a := schema.RawArticle{
			URL:         fmt.Sprintf("https://load.example/r%d/%d", round, i%len(pool)),
			Source:      fmt.Sprintf("load-%d", round%7),
			Title:       t.Title,
			Text:        t.Body,
			PublishedAt: "2026-11-20T10:00:00Z",
		}
		b, err := json.Marshal(a)
		if err != nil {
			return nil, err
		}
		w.Write(b)
		w.WriteByte('\n')
	}
	if err := closeFile(); err != nil {
		return nil, err
	}
	return files, nil
}
