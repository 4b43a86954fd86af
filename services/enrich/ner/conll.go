package ner

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Sentence is one labelled sentence of a CoNLL file.
type Sentence struct {
	Words []string
	// Tags are the chunk tags of the last column ("B-PER", "I-ORG", "O").
	Tags []string
}

// Document is a run of sentences between -DOCSTART- lines.
type Document struct {
	Sentences []Sentence
}

// ErrCoNLL is returned for malformed CoNLL input.
var ErrCoNLL = errors.New("malformed CoNLL")

// ReadCoNLL reads a CoNLL-2003 style file: one token per line with space
// separated columns, the word first and the chunk tag last; blank lines
// between sentences; "-DOCSTART-" lines between documents. Other columns
// are ignored.
func ReadCoNLL(r io.Reader) ([]Document, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	var docs []Document
	var cur Document
	var sent Sentence
	flushSent := func() {
		if len(sent.Words) > 0 {
			cur.Sentences = append(cur.Sentences, sent)
		}
		sent = Sentence{}
	}
	flushDoc := func() {
		flushSent()
		if len(cur.Sentences) > 0 {
			docs = append(docs, cur)
		}
		cur = Document{}
	}
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			flushSent()
			continue
		}
		fields := strings.Fields(text)
		if fields[0] == "-DOCSTART-" {
			flushDoc()
			continue
		}
		if len(fields) < 2 {
			return nil, fmt.Errorf("line %d: %q: want at least 2 columns: %w", line, text, ErrCoNLL)
		}
		sent.Words = append(sent.Words, fields[0])
		sent.Tags = append(sent.Tags, fields[len(fields)-1])
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read conll: %w", err)
	}
	flushDoc()
	return docs, nil
}

func splitTag(tag string) (prefix byte, typ string) {
	if tag == "O" || tag == "" {
		return 'O', ""
	}
	if len(tag) >= 2 && tag[1] == '-' {
		return tag[0], tag[2:]
	}
	return 'I', tag
}

// SpansFromTags converts chunk tags (IOB1, IOB2, IOBES or BILOU) to
// spans with the semantics of the conlleval script: an I- tag after O or
// after a different type starts a new chunk.
func SpansFromTags(tags []string) []Span {
	var out []Span
	start := -1
	var curType string
	prevP, prevT := byte('O'), ""
	for i, tag := range tags {
		p, t := splitTag(tag)
		// Normalise BILOU letters to IOBES.
		switch p {
		case 'L':
			p = 'E'
		case 'U':
			p = 'S'
		}
		if start >= 0 && chunkEnds(prevP, p, prevT, t) {
			out = append(out, Span{Start: start, End: i, Type: curType})
			start = -1
		}
		if chunkStarts(prevP, p, prevT, t) {
			start, curType = i, t
		}
		prevP, prevT = p, t
	}
	if start >= 0 {
		out = append(out, Span{Start: start, End: len(tags), Type: curType})
	}
	return out
}

// chunkEnds is conlleval's endOfChunk.
func chunkEnds(prevP, p byte, prevT, t string) bool {
	switch {
	case prevP == 'E' || prevP == 'S':
		return true
	case prevP == 'B' && (p == 'B' || p == 'S' || p == 'O'):
		return true
	case prevP == 'I' && (p == 'B' || p == 'S' || p == 'O'):
		return true
	case prevP != 'O' && prevT != t:
		return true
	}
	return false
}

// chunkStarts is conlleval's startOfChunk.
func chunkStarts(prevP, p byte, prevT, t string) bool {
	switch {
	case p == 'B' || p == 'S':
		return true
	case (prevP == 'E' || prevP == 'S' || prevP == 'O') && (p == 'E' || p == 'I'):
		return true
	case p != 'O' && prevT != t:
		return true
	}
	return false
}
