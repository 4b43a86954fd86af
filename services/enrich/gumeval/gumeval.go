// Package gumeval measures the enrich stage at the document level on the
// news part of GUM (Wikinews articles in CoNLL-U with coreference chains,
// entity types, Wikipedia links and salience; CC-BY).
//
// Each document is rebuilt from its sentences: the first paragraph is the
// headline, later "# newpar" lines start paragraphs. A gold entity is a
// coreference chain of type person, organization or place with at least
// one mention whose first and last content words are proper nouns; its
// mentions are the chain's token spans.
//
//   - Recall: a gold entity is found when an output entity of the same
//     type has a name that matches one of its mentions (case and
//     diacritics folded, "the" and "'s" dropped; one name's words a
//     contiguous run of the other's, the mention at most three words
//     longer, six for names of two words or more), or has the id that
//     the gold Wikipedia link or a mention names in the gazetteer.
//   - Linking: for found gold entities with a Wikipedia link, the link's
//     title is looked up in the gazetteer. When the gazetteer knows it
//     ("in KB"), the output id must be that entry's id; when it does not,
//     the output must not claim a wrong knowledge-base id (a local id is
//     right: "NIL").
//   - Support: the share of output entities that match a mention of any
//     gold person, organisation or place chain, whatever its type (a
//     proxy for precision, as GUM marks every entity, named or not).
//   - Salience: mean output salience of found entities GUM lists as
//     salient versus those it does not.
package gumeval

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/services/enrich"
	"github.com/newsflow/newsflow/services/enrich/gazetteer"
)

// ErrNoDocuments means the directory holds no .conllu files.
var ErrNoDocuments = errors.New("gumeval: no .conllu files")

// Doc is one GUM document.
type Doc struct {
	ID       string
	Title    string
	Body     string
	Entities []*Entity
}

// Entity is one gold coreference chain.
type Entity struct {
	ID       string
	Type     string // "person", "organization", "place", ...
	Identity string // Wikipedia title, "" when unlinked
	Mentions []string
	Proper   bool // some mention has a PROPN token
	Salient  bool
}

// Run evaluates the enricher (default config) on every .conllu file in
// dir (or dir/conllu) and writes per-document lines and a summary whose
// last line starts "recall=".
func Run(ctx context.Context, dir string, w io.Writer) error {
	docs, err := Load(dir)
	if err != nil {
		return err
	}
	e, err := enrich.New(enrich.DefaultConfig(), zap.NewNop())
	if err != nil {
		return err
	}
	g, err := gazetteer.Load()
	if err != nil {
		return err
	}
	var total Score
	for _, d := range docs {
		if err := ctx.Err(); err != nil {
			return err
		}
		out := e.Entities(d.Title, d.Body, "en")
		s := Evaluate(d, out, g)
		total.Add(s)
		fmt.Fprintf(w, "%-28s gold=%3d found=%3d output=%3d supported=%3d inKB=%2d/%2d nil=%2d/%2d\n",
			d.ID, s.Gold, s.Found, s.Output, s.Supported, s.KBCorrect, s.KBFound, s.NILCorrect, s.NILFound)
	}
	fmt.Fprintf(w, "documents=%d gold=%d found=%d output=%d supported=%d\n", len(docs), total.Gold, total.Found, total.Output, total.Supported)
	for _, t := range []string{"person", "organization", "place"} {
		fmt.Fprintf(w, "  %-12s recall=%.3f (%d/%d)\n", t, ratio(total.FoundBy[t], total.GoldBy[t]), total.FoundBy[t], total.GoldBy[t])
	}
	fmt.Fprintf(w, "  any type     recall=%.3f (%d/%d)\n", ratio(total.FoundAnyType, total.Gold), total.FoundAnyType, total.Gold)
	fmt.Fprintf(w, "linking: inKB=%.3f (%d/%d) nil=%.3f (%d/%d) overall=%.3f\n",
		ratio(total.KBCorrect, total.KBFound), total.KBCorrect, total.KBFound,
		ratio(total.NILCorrect, total.NILFound), total.NILCorrect, total.NILFound,
		ratio(total.KBCorrect+total.NILCorrect, total.KBFound+total.NILFound))
	fmt.Fprintf(w, "salience: salient=%.3f (n=%d) other=%.3f (n=%d)\n",
		mean(total.SalientSum, total.SalientN), total.SalientN, mean(total.OtherSum, total.OtherN), total.OtherN)
	fmt.Fprintf(w, "recall=%.3f support=%.3f linking=%.3f\n", ratio(total.Found, total.Gold),
		ratio(total.Supported, total.Output), ratio(total.KBCorrect+total.NILCorrect, total.KBFound+total.NILFound))
	return nil
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func mean(sum float64, n int) float64 {
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// Score counts one or more documents' results.
type Score struct {
	Gold, Found, Output, Supported int
	// FoundAnyType counts gold entities matched by an output entity of
	// any type (North Korea as a place where GUM says organization).
	FoundAnyType         int
	GoldBy, FoundBy      map[string]int
	KBFound, KBCorrect   int
	NILFound, NILCorrect int
	SalientSum, OtherSum float64
	SalientN, OtherN     int
}

// Add accumulates s2 into s.
func (s *Score) Add(s2 Score) {
	if s.GoldBy == nil {
		s.GoldBy, s.FoundBy = map[string]int{}, map[string]int{}
	}
	s.Gold += s2.Gold
	s.Found += s2.Found
	s.FoundAnyType += s2.FoundAnyType
	s.Output += s2.Output
	s.Supported += s2.Supported
	for k, v := range s2.GoldBy {
		s.GoldBy[k] += v
	}
	for k, v := range s2.FoundBy {
		s.FoundBy[k] += v
	}
	s.KBFound += s2.KBFound
	s.KBCorrect += s2.KBCorrect
	s.NILFound += s2.NILFound
	s.NILCorrect += s2.NILCorrect
	s.SalientSum += s2.SalientSum
	s.OtherSum += s2.OtherSum
	s.SalientN += s2.SalientN
	s.OtherN += s2.OtherN
}

type outEntity struct {
	schema.Entity
	typ string
}

var typeOf = map[string]gazetteer.Type{"person": gazetteer.Person, "organization": gazetteer.Organization, "place": gazetteer.Place}

// Evaluate scores one document's output against its gold entities.
func Evaluate(d Doc, out schema.Entities, g *gazetteer.Gazetteer) Score {
	s := Score{GoldBy: map[string]int{}, FoundBy: map[string]int{}}
	var outs []outEntity
	for _, e := range out.Persons {
		outs = append(outs, outEntity{e, "person"})
	}
	for _, e := range out.Organizations {
		outs = append(outs, outEntity{e, "organization"})
	}
	for _, p := range out.Places {
		outs = append(outs, outEntity{p.Entity, "place"})
	}
	s.Output = len(outs)
	supported := make([]bool, len(outs))
	for _, ge := range d.Entities {
		if _, ok := typeOf[ge.Type]; !ok {
			continue
		}
		var hit, anyHit *outEntity
		gold, title := "", ""
		if ge.Identity != "" {
			title = titleName(ge.Identity)
			gold = kbID(g, ge.Identity, typeOf[ge.Type])
		}
		for i := range outs {
			o := &outs[i]
			// An entity the article names by an acronym is shown by the
			// knowledge base's name ("DAB" is the Democratic Alliance for
			// the Betterment and Progress of Hong Kong): the gold's
			// Wikipedia title names it too.
			if (gold == "" || o.ID != gold) && !matchesAny(o.Name, ge.Mentions) && !linksAny(g, o.ID, ge.Mentions) &&
				(title == "" || !exactAny(o.Name, []string{title})) {
				continue
			}
			supported[i] = true
			if anyHit == nil {
				anyHit = o
			}
			// Prefer the output with the gold id, then an exact name.
			if o.typ == ge.Type && (hit == nil || gold != "" && o.ID == gold && hit.ID != gold ||
				hit.ID != gold && !exactAny(hit.Name, ge.Mentions) && exactAny(o.Name, ge.Mentions)) {
				hit = o
			}
		}
		if !ge.Proper {
			continue
		}
		s.Gold++
		s.GoldBy[ge.Type]++
		if anyHit != nil {
			s.FoundAnyType++
		}
		if hit == nil {
			continue
		}
		s.Found++
		s.FoundBy[ge.Type]++
		if ge.Salient {
			s.SalientSum += hit.Salience
			s.SalientN++
		} else {
			s.OtherSum += hit.Salience
			s.OtherN++
		}
		if ge.Identity == "" {
			continue
		}
		if gold != "" {
			s.KBFound++
			if hit.ID == gold {
				s.KBCorrect++
			}
		} else {
			s.NILFound++
			if strings.HasPrefix(hit.ID, "local:") {
				s.NILCorrect++
			}
		}
	}
	for _, ok := range supported {
		if ok {
			s.Supported++
		}
	}
	return s
}

// titleName is the name of a Wikipedia title: "Democratic Party (Hong
// Kong)" for "Democratic_Party_%28Hong_Kong%29".
func titleName(title string) string {
	name, err := url.PathUnescape(title)
	if err != nil {
		name = title
	}
	return strings.ReplaceAll(name, "_", " ")
}

// kbID is the gazetteer id a Wikipedia title names, or "". A person or
// an organisation the gazetteer does not have is looked up in the
// knowledge base by the title's name, qualifier and all ("Democratic
// Party (Hong Kong)" is no name there), when one entry of the type has it.
func kbID(g *gazetteer.Gazetteer, title string, t gazetteer.Type) string {
	if t != gazetteer.Place {
		var id string
		n := 0
		for _, e := range g.Known(titleName(title)) {
			if e.Type == t && e.ID != id {
				id = e.ID
				n++
			}
		}
		if n == 1 && g.Lookup(titleName(title)) == nil {
			return id
		}
	}
	name, err := url.PathUnescape(title)
	if err != nil {
		name = title
	}
	name = strings.ReplaceAll(name, "_", " ")
	if i := strings.Index(name, " ("); i > 0 {
		if strings.HasSuffix(name, " (state)") && g.Lookup(name[:i]+" State") != nil {
			name = name[:i] + " State" // "Washington (state)"
		} else {
			name = name[:i] // "Paris (band)": the qualifier is not a name
		}
	}
	// "Clearwater, Florida": the place in the region's country.
	country := ""
	if base, qual, ok := strings.Cut(name, ", "); ok {
		name = base
		for _, c := range g.Lookup(qual) {
			if c.Entry.Type == gazetteer.Place && !c.Alternate {
				country = c.Entry.Country
				break
			}
		}
	}
	cands := g.Lookup(name)
	if cands == nil {
		cands = g.LookupFold(name)
	}
	for _, c := range cands {
		if c.Entry.Type == t && !c.Alternate && (country == "" || c.Entry.Country == country) {
			return c.Entry.ID
		}
	}
	return ""
}

func words(s string) []string {
	f := strings.FieldsFunc(gazetteer.Fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '.'
	})
	for len(f) > 0 && (f[0] == "the" || f[0] == "a") {
		f = f[1:]
	}
	for len(f) > 0 && (f[len(f)-1] == "'s" || f[len(f)-1] == "'") {
		f = f[:len(f)-1]
	}
	for i, w := range f {
		f[i] = strings.TrimSuffix(strings.TrimSuffix(w, "'s"), ".")
	}
	return f
}

// linksAny reports whether one of the mentions is a gazetteer name of the
// entry id: "US" and "the U.S." name Q30.
func linksAny(g *gazetteer.Gazetteer, id string, mentions []string) bool {
	for _, m := range mentions {
		m = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(m, "the "), "The "), " 's"))
		for _, c := range g.Lookup(m) {
			if c.Entry.ID == id && !c.Alternate {
				return true
			}
		}
	}
	return false
}

func exactAny(name string, mentions []string) bool {
	a := strings.Join(words(name), " ")
	for _, m := range mentions {
		if strings.Join(words(m), " ") == a {
			return true
		}
	}
	return false
}

func matchesAny(name string, mentions []string) bool {
	a := words(name)
	if len(a) == 0 {
		return false
	}
	for _, m := range mentions {
		b := words(m)
		if len(b) == 0 {
			continue
		}
		if len(a) <= len(b) && (len(b)-len(a) <= 3 || len(a) >= 2 && len(b)-len(a) <= 6) && contains(b, a) {
			return true
		}
		if len(b) < len(a) && contains(a, b) && isProperish(m) {
			return true
		}
	}
	return false
}

func isProperish(m string) bool {
	for _, w := range strings.Fields(m) {
		r := []rune(w)
		if len(r) > 0 && unicode.IsUpper(r[0]) && strings.ToLower(w) != "the" {
			return true
		}
	}
	return false
}

func contains(hay, needle []string) bool {
outer:
	for i := 0; i+len(needle) <= len(hay); i++ {
		for j := range needle {
			if hay[i+j] != needle[j] {
				continue outer
			}
		}
		return true
	}
	return false
}

// Load reads every .conllu file of dir, or of dir/conllu.
func Load(dir string) ([]Doc, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.conllu"))
	if len(files) == 0 {
		files, _ = filepath.Glob(filepath.Join(dir, "conllu", "*.conllu"))
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w in %s", ErrNoDocuments, dir)
	}
	sort.Strings(files)
	var docs []Doc
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, fmt.Errorf("gumeval: %w", err)
		}
		ds, err := Parse(fh)
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("gumeval: %s: %w", f, err)
		}
		docs = append(docs, ds...)
	}
	return docs, nil
}

var (
	entityRe  = regexp.MustCompile(`\((\d+)-([^()]*)(\))?|(\d+)\)`)
	salientRe = regexp.MustCompile(`(\d+) \((\d)\*?\)`)
)

// Parse reads GUM CoNLL-U documents.
func Parse(r io.Reader) ([]Doc, error) {
	var docs []Doc
	var d *Doc
	var paras []string
	var para []string
	ents := map[string]*Entity{}
	var order []string
	open := map[string][]int{} // chain id -> stack of mention starts (token index in doc)
	var tokens []string
	var upos []string
	salient := map[string]bool{}
	flushPara := func() {
		if len(para) > 0 {
			paras = append(paras, strings.Join(para, " "))
			para = nil
		}
	}
	finish := func() {
		if d == nil {
			return
		}
		flushPara()
		if len(paras) > 0 {
			d.Title = paras[0]
			d.Body = strings.Join(paras[1:], "\n\n")
		}
		for _, id := range order {
			e := ents[id]
			e.Salient = salient[id]
			d.Entities = append(d.Entities, e)
		}
		docs = append(docs, *d)
		d, paras, para, ents, order, open, tokens, upos, salient = nil, nil, nil, map[string]*Entity{}, nil, map[string][]int{}, nil, nil, map[string]bool{}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<22)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "# newdoc id = "):
			finish()
			d = &Doc{ID: strings.TrimPrefix(line, "# newdoc id = ")}
		case d == nil:
			continue
		case strings.HasPrefix(line, "# meta::salientEntities = "):
			for _, m := range salientRe.FindAllStringSubmatch(line, -1) {
				if m[2] >= "3" {
					salient[m[1]] = true
				}
			}
		case line == "# newpar" || strings.HasPrefix(line, "# newpar "):
			flushPara()
		case strings.HasPrefix(line, "# text = "):
			para = append(para, strings.TrimPrefix(line, "# text = "))
		case line == "" || strings.HasPrefix(line, "#"):
		default:
			c := strings.Split(line, "\t")
			if len(c) < 10 || strings.ContainsAny(c[0], "-.") {
				continue
			}
			ti := len(tokens)
			tokens = append(tokens, c[1])
			upos = append(upos, c[3])
			for _, f := range strings.Split(c[9], "|") {
				v, ok := strings.CutPrefix(f, "Entity=")
				if !ok {
					continue
				}
				for _, m := range entityRe.FindAllStringSubmatch(v, -1) {
					if m[1] != "" {
						id := m[1]
						e, ok := ents[id]
						if !ok {
							parts := strings.Split(m[2], "-")
							e = &Entity{ID: id, Type: parts[0]}
							if len(parts) > 6 {
								e.Identity = strings.Join(parts[6:], "-")
							}
							ents[id] = e
							order = append(order, id)
						} else if e.Identity == "" {
							if parts := strings.Split(m[2], "-"); len(parts) > 6 {
								e.Identity = strings.Join(parts[6:], "-")
							}
						}
						if m[3] != "" {
							addMention(e, tokens, upos, ti, ti+1)
						} else {
							open[id] = append(open[id], ti)
						}
					} else {
						id := m[4]
						st := open[id]
						if len(st) == 0 {
							continue
						}
						start := st[len(st)-1]
						open[id] = st[:len(st)-1]
						if e := ents[id]; e != nil {
							addMention(e, tokens, upos, start, ti+1)
						}
					}
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	finish()
	return docs, nil
}

func addMention(e *Entity, tokens, upos []string, a, b int) {
	e.Mentions = append(e.Mentions, strings.Join(tokens[a:b], " "))
	// A name: its first and last content words are proper nouns ("the
	// United States", "Daughters of the American Revolution"), not "critics
	// of Donald Trump".
	first, last := -1, -1
	for i := a; i < b; i++ {
		switch upos[i] {
		case "DET", "PUNCT", "PART":
			continue
		}
		if first < 0 {
			first = i
		}
		last = i
	}
	if first >= 0 && upos[first] == "PROPN" && upos[last] == "PROPN" {
		e.Proper = true
	}
}
