// Package linkeval measures entity linking on JSON lines of documents with
// gold mentions linked to Wikidata:
//
//	{"id": 946, "text": "...", "mentions": [{"start": 10, "end": 24, "surface": "LEICESTERSHIRE",
//	  "qid": "Q3229147", "type": "Q43229"}, ...]}
//
// start and end are character (code point) offsets into text, end
// exclusive; qid is null for an entity outside Wikidata; type is one or
// more Wikidata classes joined by "|" (Q215627 person, Q43229
// organisation, Q27096213 geographic entity) or anything else. A mention
// with an "entity_id" and no qid (AIDA's "<NO_MAPPING>") is left out of
// every score.
//
// Measures, following the AIDA-CoNLL README of the evaluation data:
//
//   - accuracy: the gold spans are given to the resolver (LinkSpans); the
//     share of gold mentions with a QID that get that QID. A mention left
//     unlinked counts as wrong.
//   - inkb_accuracy: the same over the gold mentions whose QID the
//     knowledge base has (gazetteer.HasID).
//   - coverage: the share of gold mentions with a QID whose QID the
//     knowledge base has (and of distinct QIDs).
//   - end to end: the whole enrich runs on the text (ResolveMentions); micro
//     precision, recall and F1 over (document, start, end, QID), where the
//     predicted set is every span given a QID.
//
// Each is also given by gold type (a mention with several classes counts
// in each). The text is resolved as the body of an article with no
// headline, in English.
package linkeval

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/newsflow/newsflow/services/enrich/gazetteer"
	"github.com/newsflow/newsflow/services/enrich/ner"
	"github.com/newsflow/newsflow/services/enrich/resolve"
)

// Doc is one evaluation document.
type Doc struct {
	ID       json.RawMessage `json:"id"`
	Text     string          `json:"text"`
	Mentions []Mention       `json:"mentions"`
}

// Mention is one gold mention.
type Mention struct {
	Start   int     `json:"start"`
	End     int     `json:"end"`
	Surface string  `json:"surface"`
	QID     *string `json:"qid"`
	Type    string  `json:"type"`
	// EntityID is set on mentions the annotation could not map
	// ("<NO_MAPPING>"); they are left out.
	EntityID string `json:"entity_id"`
}

// ErrBadData means the input is not the documented JSON lines.
var ErrBadData = errors.New("linkeval: malformed input")

// Parse reads JSON lines of documents and checks every mention's span
// against its surface.
func Parse(r io.Reader) ([]Doc, error) {
	var docs []Doc
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	line := 0
	for sc.Scan() {
		line++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var d Doc
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrBadData, line, err)
		}
		runes := []rune(d.Text)
		for _, m := range d.Mentions {
			if m.Start < 0 || m.End > len(runes) || m.Start >= m.End {
				return nil, fmt.Errorf("%w: line %d: mention [%d, %d) outside the text", ErrBadData, line, m.Start, m.End)
			}
			if m.Surface != "" && string(runes[m.Start:m.End]) != m.Surface {
				return nil, fmt.Errorf("%w: line %d: text[%d:%d] is %q, surface %q", ErrBadData, line, m.Start, m.End, string(runes[m.Start:m.End]), m.Surface)
			}
		}
		docs = append(docs, d)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("linkeval: read: %w", err)
	}
	return docs, nil
}

// Counts are the tallies of one gold type (or of all mentions).
type Counts struct {
	Gold      int // gold mentions with a QID
	InKB      int // of them, QID in the knowledge base
	Correct   int // given the gold span, the right QID
	CorrectKB int // of Correct, in the knowledge base
	// End to end over (document, span, QID).
	TP, Predicted int
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Accuracy is Correct / Gold.
func (c Counts) Accuracy() float64 { return ratio(c.Correct, c.Gold) }

// InKBAccuracy is CorrectKB / InKB.
func (c Counts) InKBAccuracy() float64 { return ratio(c.CorrectKB, c.InKB) }

// Coverage is InKB / Gold.
func (c Counts) Coverage() float64 { return ratio(c.InKB, c.Gold) }

// Precision, Recall and F1 are end to end.
func (c Counts) Precision() float64 { return ratio(c.TP, c.Predicted) }

// Recall is end to end.
func (c Counts) Recall() float64 { return ratio(c.TP, c.Gold) }

// F1 is end to end.
func (c Counts) F1() float64 {
	p, r := c.Precision(), c.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// Result is the evaluation of a set of documents.
type Result struct {
	All    Counts
	ByType map[string]*Counts // "person", "organisation", "place", "other"
	// QIDs and QIDsInKB count distinct gold QIDs.
	QIDs, QIDsInKB int
	Docs           int
	// Wrong lists gold mentions linked to another QID: document id,
	// surface, gold and predicted QID.
	Wrong [][4]string
}

// goldTypes maps a mention's Wikidata classes to the types reported.
func goldTypes(t string) []string {
	var out []string
	for _, c := range strings.Split(t, "|") {
		switch c {
		case "Q215627":
			out = append(out, "person")
		case "Q43229":
			out = append(out, "organisation")
		case "Q27096213":
			out = append(out, "place")
		}
	}
	if len(out) == 0 {
		out = append(out, "other")
	}
	return out
}

// Evaluate scores docs with tagger (nil: gazetteer only) and resolver r
// over gazetteer g.
func Evaluate(ctx context.Context, docs []Doc, tagger *ner.Tagger, g *gazetteer.Gazetteer) (Result, error) {
	r := resolve.New(g, tagger)
	res := Result{ByType: make(map[string]*Counts)}
	for _, t := range []string{"person", "organisation", "place", "other"} {
		res.ByType[t] = &Counts{}
	}
	qids := make(map[string]bool)
	for _, doc := range docs {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		res.Docs++
		d := resolve.NewDoc("", doc.Text, 0, true)
		sents := ner.Sentences(d.Text)
		var tags [][]ner.Span
		if tagger != nil {
			tags = tagger.TagDocument(sents)
		}
		byteAt := runeToByte(d.Text, d.BodyStart)
		var spans [][2]int
		var gold []Mention
		for _, m := range doc.Mentions {
			if m.QID == nil || m.EntityID != "" {
				continue
			}
			gold = append(gold, m)
			spans = append(spans, [2]int{byteAt(m.Start), byteAt(m.End)})
		}
		ids := r.LinkSpans(d, sents, tags, spans)
		_, predicted := r.ResolveMentions(d, sents, tags)
		goldSpan := make(map[[2]int]string)
		for i, m := range gold {
			q := *m.QID
			goldSpan[spans[i]] = q
			inKB := g.HasID(q)
			if !qids[q] {
				qids[q] = true
				res.QIDs++
				if inKB {
					res.QIDsInKB++
				}
			}
			for _, c := range append([]*Counts{&res.All}, typeCounts(res.ByType, m.Type)...) {
				c.Gold++
				if inKB {
					c.InKB++
				}
				if ids[i] == q {
					c.Correct++
					if inKB {
						c.CorrectKB++
					}
				}
			}
			if ids[i] != q && inKB && strings.HasPrefix(ids[i], "Q") {
				res.Wrong = append(res.Wrong, [4]string{string(doc.ID), m.Surface, q, ids[i]})
			}
		}
		// End to end: spans predicted with a QID. Types follow the gold
		// mention on a gold span, else "other".
		goldType := make(map[[2]int]string)
		for i, m := range gold {
			goldType[spans[i]] = m.Type
		}
		for _, p := range predicted {
			if !strings.HasPrefix(p.ID, "Q") {
				continue
			}
			sp := [2]int{p.Start, p.End}
			hit := goldSpan[sp] == p.ID
			t, ok := goldType[sp]
			if !ok {
				t = "other"
			}
			for _, c := range append([]*Counts{&res.All}, typeCounts(res.ByType, t)...) {
				c.Predicted++
				if hit {
					c.TP++
				}
			}
		}
	}
	return res, nil
}

func typeCounts(by map[string]*Counts, t string) []*Counts {
	var out []*Counts
	for _, k := range goldTypes(t) {
		out = append(out, by[k])
	}
	return out
}

// runeToByte returns a function from a code point offset of the text that
// starts at byte base of s to a byte offset of s.
func runeToByte(s string, base int) func(int) int {
	var offs []int
	for i := range s[base:] {
		offs = append(offs, base+i)
	}
	offs = append(offs, len(s))
	return func(r int) int {
		if r < 0 || r >= len(offs) {
			return len(s)
		}
		return offs[r]
	}
}

// Run evaluates the JSON lines file at path with the embedded tagger and
// gazetteer and writes the report to w; its last line is
// "inkb_accuracy=… accuracy=… coverage=… f1=…".
func Run(ctx context.Context, path string, w io.Writer) (Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return Result{}, fmt.Errorf("linkeval: %w", err)
	}
	defer f.Close()
	docs, err := Parse(f)
	if err != nil {
		return Result{}, err
	}
	if len(docs) == 0 {
		return Result{}, fmt.Errorf("%w: %s has no documents", ErrBadData, path)
	}
	tagger, err := ner.Load()
	if err != nil {
		return Result{}, fmt.Errorf("linkeval: %w", err)
	}
	g, err := gazetteer.Load()
	if err != nil {
		return Result{}, fmt.Errorf("linkeval: %w", err)
	}
	res, err := Evaluate(ctx, docs, tagger, g)
	if err != nil {
		return res, err
	}
	Report(w, res)
	return res, nil
}

// Report writes res as a table, the wrong links, and the summary line.
func Report(w io.Writer, res Result) {
	fmt.Fprintf(w, "%d documents, %d gold mentions with a QID, %d distinct QIDs (%d in the knowledge base)\n",
		res.Docs, res.All.Gold, res.QIDs, res.QIDsInKB)
	fmt.Fprintf(w, "%-13s %6s %8s %8s %8s %8s %8s %8s\n", "type", "gold", "coverage", "accuracy", "in-kb", "e2e P", "e2e R", "e2e F1")
	row := func(name string, c Counts) {
		fmt.Fprintf(w, "%-13s %6d %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f\n", name, c.Gold, c.Coverage(), c.Accuracy(),
			c.InKBAccuracy(), c.Precision(), c.Recall(), c.F1())
	}
	for _, t := range []string{"person", "organisation", "place", "other"} {
		row(t, *res.ByType[t])
	}
	row("all", res.All)
	fmt.Fprintf(w, "in-KB gold mentions linked to another QID: %d\n", len(res.Wrong))
	for i, x := range res.Wrong {
		if i == 40 {
			fmt.Fprintf(w, "  ... %d more\n", len(res.Wrong)-40)
			break
		}
		fmt.Fprintf(w, "  doc %s %q: gold %s, linked %s\n", x[0], x[1], x[2], x[3])
	}
	fmt.Fprintf(w, "inkb_accuracy=%.3f accuracy=%.3f coverage=%.3f f1=%.3f\n",
		res.All.InKBAccuracy(), res.All.Accuracy(), res.All.Coverage(), res.All.F1())
}
