// Package gazetteer holds the names enrich can link without a model:
// GeoNames places, countries, and a curated table of notable people,
// organisations and place variants, each with a canonical name and an id.
//
// Every surface form is a path in one byte trie, so Find reports all
// known names in a text, with byte positions, in one pass.
// A surface form can name several entries (London, GB and London, CA);
// choosing between them is the caller's job, with the facts each Entry
// carries: class, country and population.
//
// Data: places.tsv.gz is GeoNames cities500 (CC-BY 4.0,
// https://www.geonames.org/) trimmed by cmd/gazetteer-build;
// countries.tsv, regions.tsv and aliases.tsv are written by hand for
// newsflow; kb.tsv.gz is the knowledge base written by cmd/kb-build:
// Wikidata QIDs of GeoNames places, and organisations and people with
// QIDs. Its organisations and people are not patterns of the automaton
// (27,000 brand and party names would find false names everywhere): they
// are looked up by name (Known) once a mention has been found.
package gazetteer

import (
	"bufio"
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	// klauspost's inflate takes about a third fewer instructions than
	// the standard library's.
	"github.com/klauspost/compress/gzip"
	"golang.org/x/text/unicode/norm"
)

//go:embed data/places.tsv.gz data/countries.tsv data/regions.tsv data/aliases.tsv data/kb.tsv.gz
var dataFS embed.FS

// ErrBadData means an embedded data file is malformed.
var ErrBadData = errors.New("gazetteer: malformed data file")

// Type is the kind of thing an entry names.
type Type uint8

// The entry types.
const (
	Person Type = iota + 1
	Organization
	Place
)

// String returns "PER", "ORG" or "LOC", the tagger's names.
func (t Type) String() string {
	switch t {
	case Person:
		return "PER"
	case Organization:
		return "ORG"
	case Place:
		return "LOC"
	}
	return "?"
}

// Class ranks places: a country before a capital before a region (state,
// province) before a regional seat before any other city.
type Class uint8

// The place classes, from least to most prominent.
const (
	City Class = iota
	AdminSeat
	Region
	Capital
	Country
)

// Entry is one known entity: 72 bytes (the small fields together after
// the strings and floats; 96 with them between) for each of the 95,000
// places and known entries.
type Entry struct {
	ID   string
	Name string
	// Country is the ISO 3166-1 alpha-2 code of a place, or of a
	// political party's country (a knowledge-base organisation from
	// Party Facts; see Party).
	Country    string
	Lat, Lon   float64
	Population int32
	Type       Type
	Class      Class
	HasPoint   bool
	// Curated is true for countries and the hand-written alias table:
	// names chosen to be unambiguous in news text.
	Curated bool
}

// Candidate is one entry a surface form may name.
type Candidate struct {
	Entry *Entry
	// Alternate is true when the surface is one of GeoNames' alternate
	// names rather than the place's own name or a curated alias: weaker
	// evidence, as alternates include other languages' words.
	Alternate bool
}

// Match is one occurrence of a known surface form in a text.
type Match struct {
	// Start and End are byte offsets, End exclusive.
	Start, End int
	Candidates []Candidate
}

// Gazetteer is immutable after Load and safe for concurrent use.
type Gazetteer struct {
	entries  []Entry
	surfaces strtab // pattern index -> surface form
	// cands holds the candidates of every pattern, pattern by pattern;
	// those of pattern p end at candEnd[p] (see candidates).
	cands   []Candidate
	candEnd []int32
	byFold  keyIndex // Fold(surface) -> pattern indices
	// bySkeleton indexes surfaces with non-ASCII letters by skeleton.
	bySkeleton keyIndex
	byISO      map[string]*Entry
	// ids are the entries, then the known ones (numbered after them), in
	// id order, for HasID: 4 bytes an entry, where a map by id took 38.
	ids   []int32
	match *matcher // over surfaces; Lookup walks it too
	// known holds the knowledge base's organisations and people; byKnown
	// indexes them by folded name and alias.
	known   []Entry
	byKnown keyIndex
	// byInitials indexes the parties among known by the initials of
	// their names' capitalised words ("KDP" for Kurdistan Democratic
	// Party, "NLD" for National League for Democracy).
	byInitials keyIndex
	// byDemonym maps a folded nationality adjective to its country.
	byDemonym map[string]*Entry
	// byLoose indexes surfaces with periods by their folded form without
	// them ("george w bush" for "George W. Bush").
	byLoose keyIndex
}

// Load parses the embedded data and builds the trie. It takes about a
// quarter of a CPU-second (2-core AMD EPYC, December 2026); load once and
// share.
func Load() (*Gazetteer, error) {
	g := &Gazetteer{
		byISO:     make(map[string]*Entry),
		byDemonym: make(map[string]*Entry),
	}
	type pending struct {
		surface string
		entry   int
		alt     bool
	}
	var names []pending
	add := func(e Entry) int {
		g.entries = append(g.entries, e)
		return len(g.entries) - 1
	}

	// Places.
	placeIdx := make(map[string]int)
	capitals := make(map[string]int) // country -> most populous PPLC
	pf, err := dataFS.ReadFile("data/places.tsv.gz")
	if err != nil {
		return nil, fmt.Errorf("gazetteer: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(pf))
	if err != nil {
		return nil, fmt.Errorf("%w: places: %v", ErrBadData, err)
	}
	err = eachRow(zr, 8, func(c []string) error {
		lat, err1 := strconv.ParseFloat(c[3], 64)
		lon, err2 := strconv.ParseFloat(c[4], 64)
		pop64, err3 := strconv.ParseInt(c[6], 10, 32)
		pop := int32(pop64)
		if err := errors.Join(err1, err2, err3); err != nil {
			return err
		}
		e := Entry{ID: "geonames:" + c[0], Name: c[1], Type: Place, Country: c[2],
			Lat: lat, Lon: lon, HasPoint: true, Population: pop}
		switch c[5] {
		case "PPLC":
			e.Class = Capital
		case "PPLA", "PPLG":
			e.Class = AdminSeat
		}
		i := add(e)
		placeIdx[e.ID] = i
		if e.Class == Capital {
			if j, ok := capitals[e.Country]; !ok || g.entries[j].Population < pop {
				capitals[e.Country] = i
			}
		}
		names = append(names, pending{c[1], i, false})
		if c[7] != "" {
			for _, a := range strings.Split(c[7], "|") {
				names = append(names, pending{a, i, true})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: places: %v", ErrBadData, err)
	}

	// Countries, placed at their capital.
	cf, err := dataFS.ReadFile("data/countries.tsv")
	if err != nil {
		return nil, fmt.Errorf("gazetteer: %w", err)
	}
	err = eachRow(bytes.NewReader(cf), 3, func(c []string) error {
		e := Entry{ID: c[1], Name: c[2], Type: Place, Country: c[0], Class: Country, Curated: true}
		if j, ok := capitals[c[0]]; ok {
			e.Lat, e.Lon, e.HasPoint = g.entries[j].Lat, g.entries[j].Lon, true
		}
		i := add(e)
		names = append(names, pending{c[2], i, false})
		if len(c) > 3 && c[3] != "" {
			for _, a := range strings.Split(c[3], "|") {
				names = append(names, pending{a, i, false})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: countries: %v", ErrBadData, err)
	}

	// Regions: states, provinces, nations.
	adjectives := make(map[string]int) // folded adjective -> entry of a continent or nation
	rf, err := dataFS.ReadFile("data/regions.tsv")
	if err != nil {
		return nil, fmt.Errorf("gazetteer: %w", err)
	}
	err = eachRow(bytes.NewReader(rf), 5, func(c []string) error {
		lat, err1 := strconv.ParseFloat(c[3], 64)
		lon, err2 := strconv.ParseFloat(c[4], 64)
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		name := c[2]
		if i := strings.Index(name, " ("); i > 0 {
			name = name[:i] // "Georgia (U.S. state)" is written "Georgia"
		}
		cc := c[0]
		if cc == "-" {
			cc = "" // a continent
		}
		i := add(Entry{ID: c[1], Name: name, Type: Place, Country: cc, Lat: lat, Lon: lon,
			HasPoint: true, Class: Region, Curated: true})
		names = append(names, pending{name, i, false})
		if len(c) > 5 && c[5] != "" {
			for _, a := range strings.Split(c[5], "|") {
				names = append(names, pending{a, i, false})
			}
		}
		// The nationality words of a continent or a nation that is no
		// country ("European", "Welsh"); a country's adjective of the
		// same spelling wins.
		if len(c) > 6 && c[6] != "" {
			for _, a := range strings.Split(c[6], "|") {
				adjectives[Fold(a)] = i
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: regions: %v", ErrBadData, err)
	}

	// Curated people, organisations and place variants.
	af, err := dataFS.ReadFile("data/aliases.tsv")
	if err != nil {
		return nil, fmt.Errorf("gazetteer: %w", err)
	}
	err = eachRow(bytes.NewReader(af), 3, func(c []string) error {
		var i int
		switch c[0] {
		case "PER", "ORG":
			t := Person
			if c[0] == "ORG" {
				t = Organization
			}
			i = add(Entry{ID: c[1], Name: c[2], Type: t, Curated: true})
		case "LOC":
			j, ok := placeIdx[c[1]]
			if !ok {
				return fmt.Errorf("alias for unknown place %s", c[1])
			}
			g.entries[j].Curated = true
			i = j
		default:
			return fmt.Errorf("unknown type %q", c[0])
		}
		names = append(names, pending{c[2], i, false})
		if len(c) > 3 && c[3] != "" {
			for _, a := range strings.Split(c[3], "|") {
				names = append(names, pending{a, i, false})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: aliases: %v", ErrBadData, err)
	}

	addRegion := func(e Entry, aliases []string) {
		i := add(e)
		for _, n := range append([]string{e.Name}, aliases...) {
			names = append(names, pending{n, i, false})
		}
	}
	if err := g.loadKB(placeIdx, addRegion); err != nil {
		return nil, err
	}
	g.confirmCurated()
	for d, i := range adjectives {
		if g.byDemonym[d] == nil {
			g.byDemonym[d] = &g.entries[i]
		}
	}
	for i := range g.entries {
		if e := &g.entries[i]; e.Class == Country {
			g.byISO[e.Country] = e
		}
	}
	g.ids = make([]int32, len(g.entries)+len(g.known))
	for i := range g.ids {
		g.ids[i] = int32(i)
	}
	slices.SortFunc(g.ids, func(a, b int32) int { return strings.Compare(g.idOf(a), g.idOf(b)) })
	bySurface := make(map[string]int) // while loading; then the trie
	var byFold, byLoose, bySkeleton []keyed
	// The surfaces and their candidates while loading; then packed.
	var surfaces []string
	var cands [][]Candidate
	for _, n := range names {
		s := strings.TrimSpace(n.surface)
		if s == "" {
			continue
		}
		p, ok := bySurface[s]
		if !ok {
			p = len(surfaces)
			bySurface[s] = p
			surfaces = append(surfaces, s)
			cands = append(cands, nil)
			f := Fold(s)
			byFold = append(byFold, keyed{f, int32(p)})
			if strings.Contains(s, ".") {
				byLoose = append(byLoose, keyed{loose(s), int32(p)})
			}
			if sk := skeleton(s); sk != s {
				bySkeleton = append(bySkeleton, keyed{sk, int32(p)})
			}
		}
		e := &g.entries[n.entry]
		dup := false
		for k, c := range cands[p] {
			if c.Entry == e {
				dup = true
				if !n.alt {
					cands[p][k].Alternate = false
				}
			}
		}
		if !dup {
			cands[p] = append(cands[p], Candidate{Entry: e, Alternate: n.alt && !e.Curated})
		}
	}
	total := 0
	for _, cs := range cands {
		total += len(cs)
	}
	g.cands, g.candEnd = make([]Candidate, 0, total), make([]int32, len(cands))
	for p, cs := range cands {
		sortCandidates(cs)
		g.cands = append(g.cands, cs...)
		g.candEnd[p] = int32(len(g.cands))
	}
	g.byFold, g.byLoose, g.bySkeleton = newKeyIndex(byFold), newKeyIndex(byLoose), newKeyIndex(bySkeleton)
	g.match = newMatcher(surfaces)
	g.surfaces = newStrtab(surfaces)
	packEntries(g.entries)
	packEntries(g.known)
	return g, nil
}

// candidates returns the candidates of pattern p (not to be changed: the
// slice's capacity ends with them).
func (g *Gazetteer) candidates(p int) []Candidate {
	start := int32(0)
	if p > 0 {
		start = g.candEnd[p-1]
	}
	end := g.candEnd[p]
	return g.cands[start:end:end]
}

// loadKB reads kb.tsv.gz: a GeoNames place the knowledge base knows takes
// its QID as id; a subdivision (state, province, county) is added as a
// region through addRegion with its aliases (GeoNames' English name where
// it differs: "Chechnya"), ranked like regions.tsv's but not curated;
// organisations and people go to the Known table.
func (g *Gazetteer) loadKB(placeIdx map[string]int, addRegion func(e Entry, aliases []string)) error {
	kf, err := dataFS.ReadFile("data/kb.tsv.gz")
	if err != nil {
		return fmt.Errorf("gazetteer: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(kf))
	if err != nil {
		return fmt.Errorf("%w: kb: %v", ErrBadData, err)
	}
	demonyms := make(map[string]string)
	countries := make(map[string]*Entry)
	var byKnown, byInitials []keyed
	err = eachRow(zr, 3, func(c []string) error {
		switch c[0] {
		case "P":
			if i, ok := placeIdx["geonames:"+c[1]]; ok {
				g.entries[i].ID = c[2]
			}
			return nil
		case "D":
			demonyms[Fold(c[1])] = c[2]
			return nil
		case "R":
			if len(c) < 6 {
				return fmt.Errorf("region (R) row with %d columns", len(c))
			}
			lat, err1 := strconv.ParseFloat(c[4], 64)
			lon, err2 := strconv.ParseFloat(c[5], 64)
			if err := errors.Join(err1, err2); err != nil {
				return err
			}
			var aliases []string
			if len(c) > 6 && c[6] != "" {
				aliases = strings.Split(c[6], "|")
			}
			addRegion(Entry{ID: c[1], Name: c[2], Type: Place, Country: c[3], Lat: lat, Lon: lon, HasPoint: true, Class: Region}, aliases)
			return nil
		case "ORG", "PER":
			if len(c) < 5 {
				return fmt.Errorf("%s row with %d columns", c[0], len(c))
			}
			t := Organization
			if c[0] == "PER" {
				t = Person
			}
			i := int32(len(g.known))
			e := Entry{ID: c[1], Name: c[2], Type: t}
			if len(c) > 5 && t == Organization {
				e.Country = c[5] // a party's country
				if ini := initials(c[2]); len(ini) >= 2 {
					byInitials = append(byInitials, keyed{ini, i})
				}
			}
			g.known = append(g.known, e)
			// The name and each alias once: a row has few, so the keys it
			// added are searched rather than kept in a map of its own.
			row := len(byKnown)
			addName := func(n string) {
				if f := Fold(n); f != "" && !slices.ContainsFunc(byKnown[row:], func(k keyed) bool { return k.key == f }) {
					byKnown = append(byKnown, keyed{f, i})
				}
			}
			addName(c[2])
			for n := range strings.SplitSeq(c[3], "|") {
				addName(n)
			}
			return nil
		}
		return fmt.Errorf("unknown record %q", c[0])
	})
	if err != nil {
		return fmt.Errorf("%w: kb: %v", ErrBadData, err)
	}
	g.byKnown = newKeyIndex(byKnown)
	g.byInitials = newKeyIndex(byInitials)
	for i := range g.entries {
		if e := &g.entries[i]; e.Class == Country {
			countries[e.Country] = e
		}
	}
	for d, iso := range demonyms {
		if e := countries[iso]; e != nil {
			g.byDemonym[d] = e
		}
	}
	return nil
}

// confirmCurated gives a curated person or organisation with a local id
// the QID of the one knowledge-base entry of its type whose own name (not
// an alias) is its canonical name: aliases.tsv's Rosneft takes NSI's
// Q1141123. A name that aliases only, or that labels several entries, keeps
// the local id.
func (g *Gazetteer) confirmCurated() {
	for i := range g.entries {
		e := &g.entries[i]
		if !e.Curated || e.Type == Place || !strings.HasPrefix(e.ID, "local:") {
			continue
		}
		id := ""
		for _, k := range g.Known(e.Name) {
			if k.Type != e.Type || k.Name != e.Name || k.ID == id {
				continue
			}
			if id != "" {
				id = ""
				break
			}
			id = k.ID
		}
		if id != "" {
			e.ID = id
		}
	}
}

// Known returns the knowledge base's organisations and people whose name
// or alias folds to Fold(name), in the knowledge base's order.
func (g *Gazetteer) Known(name string) []*Entry {
	is := g.byKnown.get(Fold(name))
	if len(is) == 0 {
		return nil
	}
	out := make([]*Entry, len(is))
	for k, i := range is {
		out[k] = &g.known[i]
	}
	return out
}

// Party reports whether e is a political party of the knowledge base,
// which carries its country.
func Party(e *Entry) bool { return e.Type == Organization && e.Country != "" && !e.Curated }

// PartiesByInitials returns the knowledge base's parties whose name's
// capitalised words have the initials acronym ("KDP"), in the knowledge
// base's order.
func (g *Gazetteer) PartiesByInitials(acronym string) []*Entry {
	is := g.byInitials.get(acronym)
	if len(is) == 0 {
		return nil
	}
	out := make([]*Entry, len(is))
	for k, i := range is {
		out[k] = &g.known[i]
	}
	return out
}

// initials returns the first letters of name's capitalised words
// ("Kurdistan Democratic Party" KDP, "National League for Democracy"
// NLD), or "" when a word starts with no letter.
func initials(name string) string {
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsLetter(r) {
			return ""
		}
		if unicode.IsUpper(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Demonym returns the country of a nationality adjective ("Iraqi",
// "Dutch"), the continent of a continent's ("European", "Latin
// American"), the nation of a nation's that is no country ("Welsh",
// "Scottish"), or nil.
func (g *Gazetteer) Demonym(word string) *Entry { return g.byDemonym[Fold(word)] }

// HasID reports whether an entry, curated, GeoNames or in the knowledge
// base, has this id.
func (g *Gazetteer) HasID(id string) bool {
	_, found := slices.BinarySearchFunc(g.ids, id, func(i int32, id string) int { return strings.Compare(g.idOf(i), id) })
	return found
}

// idOf is the id of entry i of ids' numbering.
func (g *Gazetteer) idOf(i int32) string {
	if int(i) < len(g.entries) {
		return g.entries[i].ID
	}
	return g.known[int(i)-len(g.entries)].ID
}

// sortCandidates orders candidates by prominence: curated first, own
// names before alternates, then class, then population.
func sortCandidates(cs []Candidate) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.Entry.Curated != b.Entry.Curated {
			return a.Entry.Curated
		}
		if a.Alternate != b.Alternate {
			return !a.Alternate
		}
		if a.Entry.Class != b.Entry.Class {
			return a.Entry.Class > b.Entry.Class
		}
		return a.Entry.Population > b.Entry.Population
	})
}

func eachRow(r io.Reader, minCols int, f func([]string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<22)
	line := 0
	for sc.Scan() {
		line++
		t := sc.Text()
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		c := strings.Split(t, "\t")
		if len(c) < minCols {
			return fmt.Errorf("line %d: %d columns, want at least %d", line, len(c), minCols)
		}
		if err := f(c); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
	}
	return sc.Err()
}

// Len is the number of entries.
func (g *Gazetteer) Len() int { return len(g.entries) }

// Find reports, left to right, the longest known surface form that
// starts at each position of text, when it stands as whole words. A
// shorter name inside a longer one ("York" in "New York") is reported
// when it starts later.
func (g *Gazetteer) Find(text string) []Match {
	var out []Match
	for s := range len(text) {
		// Only a word's start can begin a match: the trie is not walked
		// from inside words.
		if !boundaryBefore(text, s) {
			continue
		}
		if e, p, ok := g.match.longest(text, s); ok && boundaryAfter(text, e) {
			out = append(out, Match{Start: s, End: e, Candidates: g.candidates(p)})
		}
	}
	return out
}

// Lookup returns the candidates of an exact surface form.
func (g *Gazetteer) Lookup(surface string) []Candidate {
	if p, ok := g.match.exact(surface); ok {
		return g.candidates(p)
	}
	return nil
}

// LookupFold returns the candidates of every surface form whose Fold
// equals Fold(name): case and diacritics ignored.
func (g *Gazetteer) LookupFold(name string) []Candidate {
	ps := g.byFold.get(Fold(name))
	if len(ps) == 1 {
		return g.candidates(int(ps[0]))
	}
	var out []Candidate
	for _, p := range ps {
		out = append(out, g.candidates(int(p))...)
	}
	sortCandidates(out)
	return out
}

// LookupLoose returns the candidates of surface forms with periods that
// equal name once case, diacritics and periods are ignored: "George W
// Bush" finds "George W. Bush".
func (g *Gazetteer) LookupLoose(name string) []Candidate {
	var out []Candidate
	for _, p := range g.byLoose.get(loose(name)) {
		out = append(out, g.candidates(int(p))...)
	}
	sortCandidates(out)
	return out
}

func loose(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(Fold(s), ".", " ")), " ")
}

// Country returns the country with an ISO 3166-1 alpha-2 code, or nil.
func (g *Gazetteer) Country(iso string) *Entry { return g.byISO[iso] }

// LookupWildcard resolves a name whose non-ASCII letters were lost to
// '?' (Çavu?o?lu): every '?' matches one non-ASCII letter, every other
// rune must match exactly. Only curated entries and places are searched;
// the first (most prominent) hit wins. It returns nil when name has no
// '?' or nothing matches.
func (g *Gazetteer) LookupWildcard(name string) []Candidate {
	if !strings.Contains(name, "?") {
		return nil
	}
	var out []Candidate
	for _, p := range g.bySkeleton.get(skeleton(name)) {
		if WildcardEqual(name, g.surfaces.at(int(p))) {
			out = append(out, g.candidates(int(p))...)
		}
	}
	sortCandidates(out)
	return out
}

// skeleton replaces every non-ASCII letter of s with '?', so a name and
// the same name with letters lost to '?' share a skeleton.
func skeleton(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= utf8.RuneSelf && unicode.IsLetter(r) {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// WildcardEqual reports whether pattern, in which '?' stands for one
// non-ASCII letter, matches s rune for rune.
func WildcardEqual(pattern, s string) bool {
	pr, sr := []rune(pattern), []rune(s)
	if len(pr) != len(sr) {
		return false
	}
	for i, r := range pr {
		if r == '?' {
			if sr[i] < utf8.RuneSelf || !unicode.IsLetter(sr[i]) {
				return false
			}
			continue
		}
		if r != sr[i] {
			return false
		}
	}
	return true
}

// Fold lowercases s and removes diacritics, so Erdoğan and ERDOGAN fold
// alike. Letters with no decomposition keep their form, except a few
// common ones mapped by hand (ı, ł, ø, ß).
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		switch r {
		case 'ı':
			r = 'i'
		case 'ł', 'Ł':
			r = 'l'
		case 'ø', 'Ø':
			r = 'o'
		case 'ß':
			b.WriteString("ss")
			continue
		case '’':
			r = '\''
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '?'
}

// boundaryBefore reports whether no word rune ends at text[i]. Find asks
// it at every byte, so an ASCII byte before i is judged without decoding.
func boundaryBefore(text string, i int) bool {
	if i == 0 {
		return true
	}
	if c := text[i-1]; c < utf8.RuneSelf {
		return !isASCIIWordByte(c)
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return !isWordRune(r)
}

// isASCIIWordByte is isWordRune for an ASCII byte.
func isASCIIWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '?'
}

func boundaryAfter(text string, i int) bool {
	if i >= len(text) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return !isWordRune(r)
}
