// Step 4 of the model: clustering mentions into entities, their
// canonical names and ids.

package resolve

import (
	"bytes"
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/services/enrich/gazetteer"
)

// surnames types one-word mentions that repeat a person's surname as
// that person, and adds uses of the surname nothing claimed.
func (s *state) surnames() {
	s.personsBySurname()
	s.fullerNames()
	last := make(map[string]int)       // folded surname -> person mention
	firstNames := make(map[string]int) // folded first name -> person mention
	for i, m := range s.ms {
		if m.text == "" || m.typ != gazetteer.Person || m.entry == nil && s.particlesOnly(m) || m.attach >= 0 {
			continue
		}
		name := m.text
		if m.entry != nil {
			name = m.entry.Name
		}
		f := strings.Fields(name)
		if len(f) < 2 {
			continue
		}
		keys := []string{gazetteer.Fold(f[len(f)-1])}
		if a, _, ok := strings.Cut(keys[0], "-"); ok && a != "" {
			keys = append(keys, a) // "Kilroy" for Robert Kilroy-Silk
		}
		for _, k := range keys {
			if j, ok := last[k]; ok && (j < 0 || s.key(s.ms[j]) != s.key(m)) {
				last[k] = -1 // two people share it: ambiguous
				continue
			}
			if _, ok := last[k]; !ok {
				last[k] = i
			}
		}
	}
	// A first name alone ("Sir Digby") joins the one person who has it,
	// unless it is also someone's surname.
	for i, m := range s.ms {
		if m.text == "" || m.typ != gazetteer.Person || m.entry != nil && m.entry.Curated {
			continue
		}
		f := strings.Fields(m.text)
		if len(f) < 2 {
			continue
		}
		k := gazetteer.Fold(f[0])
		if _, ok := last[k]; ok {
			continue
		}
		if j, ok := firstNames[k]; ok && (j < 0 || s.key(s.ms[j]) != s.key(m)) {
			firstNames[k] = -1
			continue
		}
		firstNames[k] = i
	}
	surname := make(map[string]bool, len(last))
	for k, v := range last {
		surname[k] = v >= 0
	}
	for k, v := range firstNames {
		if _, ok := last[k]; !ok && v >= 0 {
			last[k] = v
		}
	}
	// shared counts the one-word mentions of a surname two persons of the
	// article share: typed person, minus typed otherwise.
	var shared map[string]int
	for _, j := range last {
		if j < 0 {
			shared = make(map[string]int)
			break
		}
	}
	for _, m := range s.ms {
		if shared == nil {
			break
		}
		if k := gazetteer.Fold(m.text); m.text != "" && m.t1-m.t0 == 1 && last[k] < 0 {
			if m.typ == gazetteer.Person {
				shared[k]++
			} else {
				shared[k]--
			}
		}
	}
	for _, m := range s.ms {
		if m.text != "" && m.entry == nil {
			if j := s.particleSurname(m, last); j >= 0 {
				m.typ, m.entry, m.attach = gazetteer.Person, s.ms[j].entry, j
				continue
			}
		}
		if m.text == "" || m.t1-m.t0 != 1 || (m.entry != nil && m.entry.Type == gazetteer.Person) {
			continue
		}
		// A curated organisation keeps its name; a curated place yields to
		// a person of the article with that surname ("Jordan" after
		// "Michael Jordan").
		if m.entry != nil && m.entry.Curated && (m.entry.Type != gazetteer.Place || !surname[gazetteer.Fold(m.text)] || s.locative(m)) {
			continue
		}
		if j, ok := last[gazetteer.Fold(m.text)]; ok && j >= 0 {
			m.typ = gazetteer.Person
			m.entry = s.ms[j].entry
			m.attach = j
		} else if k := gazetteer.Fold(m.text); ok && shared[k] > 0 && (m.entry == nil || m.entry.Type == gazetteer.Place) {
			// Two persons of the article share the surname ("Donald
			// Sterling" and his wife "Rochelle Sterling") and the tagger
			// types it alone a person more often than not: every mention of
			// it alone is a person, not the town of Sterling ("at
			// Sterling's office"); the one the headline names in full, else
			// a person of its own.
			m.typ, m.entry = gazetteer.Person, nil
			if j := s.firstNamedInFull(k); j >= 0 && s.toks[s.ms[j].t0].headline {
				m.entry, m.attach = s.ms[j].entry, j
			}
		}
	}
	for i := range s.toks {
		if s.owner[i] != -1 || !isCap(s.toks[i].Text) {
			continue
		}
		if j, ok := last[gazetteer.Fold(s.toks[i].Text)]; ok && j >= 0 {
			k := s.add(&mention{t0: i, t1: i + 1, text: s.toks[i].Text, typ: gazetteer.Person, src: srcPattern, entry: s.ms[j].entry})
			s.ms[k].attach = j
		}
	}
}

// fullerNames joins a person's name of two words or more to the one
// longer name of a person in the article that ends with the same words
// (issue 14, session 15): "Faisal Kamran" is Mohammad Faisal Kamran,
// "Duncan Smith" Iain Duncan Smith, "Suu Kyi" Aung San Suu Kyi, "El
// Guerrouj" Hicham El Guerrouj. Both names ended in the same surname, so
// the surname alone joined neither. The longer name's first words must
// be one or two that are no title, abbreviation or word the article
// writes in lower case ("VP Kamala Harris", "If Joss Stone": words the
// tagger ran on to) and no person the article names alone ("Devon Lofton
// Brian Cassella" runs two names together).
func (s *state) fullerNames() {
	for i, m := range s.ms {
		n := m.t1 - m.t0
		if m.text == "" || m.typ != gazetteer.Person || n < 2 || m.entry != nil || s.particlesOnly(m) {
			continue
		}
		var words []string
		longer := -1
		for j, l := range s.ms {
			if j == i || l.text == "" || l.typ != gazetteer.Person || l.attach >= 0 || l.t1-l.t0 <= n ||
				!strings.EqualFold(s.toks[l.t1-1].Text, s.toks[m.t1-1].Text) {
				continue
			}
			if words == nil {
				if words = strings.Fields(m.text); len(words) != n {
					break
				}
			}
			if !s.endsWith(l, words) {
				continue
			}
			if longer >= 0 && s.key(s.ms[longer]) != s.key(l) {
				longer = -2 // two people
				break
			}
			if longer == -1 {
				longer = j
			}
		}
		if longer >= 0 {
			m.entry, m.attach = s.ms[longer].entry, longer
		}
	}
}

// endsWith reports whether the name of l is one or two words and then
// words (folded), the first words no title, abbreviation, word written in
// lower case or person's name of the article.
func (s *state) endsWith(l *mention, words []string) bool {
	full := strings.Fields(l.text)
	extra := len(full) - len(words)
	if extra < 1 || extra > 2 {
		return false
	}
	for k, w := range words {
		if gazetteer.Fold(full[extra+k]) != gazetteer.Fold(w) {
			return false
		}
	}
	for _, w := range full[:extra] {
		if t := strings.TrimSuffix(w, "."); titleWords[t] || personTitles[t] || s.lower[strings.ToLower(t)] || len(t) > 1 && len(t) <= 3 && strings.ToUpper(t) == t {
			return false
		}
	}
	head := strings.Join(full[:extra], " ")
	for _, o := range s.ms {
		if o.text == head && o.typ == gazetteer.Person {
			return false
		}
	}
	return true
}

// personsBySurname types as a person a name of several words that the
// tagger typed organisation or place, when the article also writes its
// last word alone as a person, after a title or typed person by the
// tagger: "JP McManus" beside "Mr McManus", "Kolo Toure" beside "help
// Toure rebuild", "Delta Goodrem" beside "Goodrem, known in Britain". These are
// persons whose first name the tagger does not know. A name that something
// knows, or that an organisation or place word ends or opens ("Stanley
// Works", "Bank of Morgan"), keeps its type.
func (s *state) personsBySurname() {
	var votes map[string]int // folded one-word names: titled or typed person, or -1 once typed otherwise
	for _, m := range s.ms {
		if m.text == "" || m.t1-m.t0 != 1 || m.src != srcTagger && !m.titled && !m.lineup {
			continue
		}
		if votes == nil {
			votes = make(map[string]int)
		}
		k := gazetteer.Fold(m.text)
		switch {
		case votes[k] < 0:
		case m.titled || m.lineup:
			votes[k] += 2
		case m.typ == gazetteer.Person && (m.entry == nil || m.entry.Type == gazetteer.Person):
			votes[k]++
		default:
			votes[k] = -1 // "Rover" typed organisation somewhere: no proof
		}
	}
	alone := func(w string) bool { return votes[gazetteer.Fold(w)] >= 2 }
	for _, m := range s.ms {
		if m.text == "" || m.t1-m.t0 < 2 || m.typ == gazetteer.Person || m.entry != nil || m.src != srcTagger {
			continue
		}
		first, last := s.toks[m.t0].Text, s.toks[m.t1-1].Text
		if !alone(last) || orgWords[first] || placeWords[first] || orgWords[last] || orgSuffixes[last] ||
			placeWords[last] || eventWords[last] || subBrandWords[last] {
			continue
		}
		words := true
		for k := m.t0; k < m.t1 && words; k++ {
			t := s.toks[k].Text
			words = isCap(t) && isWord(t) && !connectors[t]
		}
		if words {
			m.typ = gazetteer.Person
			m.bySurname = true
		}
	}
}

// key is the identity of a mention before clustering: its entry's id, or
// its type and transliteration key.
func (s *state) key(m *mention) string {
	if m.entry != nil {
		return m.entry.ID
	}
	return translitKey(m.text)
}

type cluster struct {
	typ        gazetteer.Type
	entry      *gazetteer.Entry
	cands      []gazetteer.Candidate
	names      map[string]int
	mentions   int
	first      int // byte offset of the first mention
	headline   bool
	lead       bool
	dateline   bool
	votes      [4]int // mentions per type
	multi      bool   // some mention has more than one word
	titled     bool   // a title preceded some mention
	work       bool   // a cue says it is a film, show, book or game
	product    bool   // a cue next to a mention says it is a product or a technology ("the DS console", "Cabir virus")
	agent      bool   // a mention speaks or owns: "Apple said", "Apple's"
	namedWork  bool   // a cue next to a mention says so ("the film X", "X, directed by")
	band       bool   // a cue says it is a band
	orgCue     bool   // a cue says it is a company
	orgContext bool   // a cue in the words around a mention says so (not a word of the name)
	surnamed   bool   // a mention gives its surname alone: a person
	bySurname  bool   // typed person by personsBySurname: a company cue does not undo it
	personCue  bool   // a role noun precedes a mention: "actor Keanu Reeves"
	venue      bool   // a cue says it is a ground or a stadium: "the Paseo de Anoeta stadium", "moved to the Bernabeu"
	afterThe   int    // mentions written after "the" (or "The" opening a sentence)
	club       bool   // a sport's role noun follows a town's name in a sports story: "Newcastle prop Ed Kalman"
	miscVotes  int    // the tagger's MISC spans with one of the cluster's names
	named      bool   // a mention typed person opens with a first name
	listed     bool   // coordinated with an organisation and no known person
	titles     titleKind
	peer       string // "Lord" or "Lady" before a mention of one word: part of a peer's name
	full       string // the full name earlier articles gave this short form (streamNames)
	fullID     string
	ordinary   bool // every mention is a word the article also writes in lower case, or an -ly/-ing word opening a sentence
	runsOn     bool // a capitalised word no mention holds follows a mention inside a sentence: "Real" of "Real Sociedad's"
}

func (s *state) cluster() schema.Entities {
	// Union by key, acronym and surname.
	parent := make([]int, len(s.ms))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	union := func(a, b int) { parent[find(a)] = find(b) }
	byKey := make(map[string]int)
	// An unlinked mention written like a linked one joins it: "Blackpool"
	// tagged ORG beside "Blackpool" the town.
	linked := make(map[string]string)
	for _, m := range s.ms {
		if m.text != "" && m.entry != nil {
			linked[translitKey(m.text)] = m.entry.ID
		}
	}
	for i, m := range s.ms {
		if m.text == "" {
			continue
		}
		k := s.key(m)
		if id, ok := linked[k]; ok && m.entry == nil && m.attach < 0 {
			k = id
		}
		if j, ok := byKey[k]; ok {
			union(i, j)
		} else {
			byKey[k] = i
		}
		if m.acronym >= 0 && s.ms[m.acronym].text != "" {
			union(i, m.acronym)
		}
		if m.attach >= 0 && s.ms[m.attach].text != "" {
			union(i, m.attach)
		}
	}
	s.undefinedAcronyms(find, union)
	s.cutNames(find, union, linked)
	s.shortForms(find, union)
	s.localBodies(find, union)
	s.initialledNames(find, union)
	s.hypocorisms(union)
	s.knownAs(union)
	clusters := make(map[int]*cluster)
	var order []int
	for i, m := range s.ms {
		if m.text == "" {
			continue
		}
		root := find(i)
		c, ok := clusters[root]
		if !ok {
			c = &cluster{names: make(map[string]int), first: math.MaxInt, ordinary: true}
			clusters[root] = c
			order = append(order, root)
		}
		if m.entry != nil && (c.entry == nil || m.entry.Curated && !c.entry.Curated) {
			c.entry = m.entry
			c.typ = m.entry.Type
			c.cands = m.cands
		}
		if !m.echo {
			c.votes[m.typ]++
		}
		if m.titled {
			c.votes[gazetteer.Person] += 2
			c.titled = true
			if w := strings.TrimSuffix(s.toks[m.t0-1].Text, "."); peerTitles[w] && m.t1-m.t0 == 1 && c.peer == "" {
				c.peer = w
			}
		}
		c.titles |= s.titleKind(m)
		if m.attach >= 0 {
			c.surnamed = true
		}
		c.bySurname = c.bySurname || m.bySurname
		if m.t0 > 0 && (s.toks[m.t0-1].Text == "the" || s.toks[m.t0-1].Text == "The" && s.toks[m.t0-1].initial) {
			c.afterThe++ // "the Magpies", "The Magpies said"
		}
		c.personCue = c.personCue || m.lineup // a team sheet lists players
		if !m.cut {
			s.cues(m, c)
		}
		if (m.acronym < 0 || m.entry != nil) && !m.cut {
			// An acronym or a short form ("Man Utd" of "Manchester
			// United") does not name its entity.
			c.names[m.text]++
			if s.misc[m.text] > 0 && c.names[m.text] == 1 {
				c.miscVotes += s.misc[m.text]
			}
		}
		c.mentions++
		if m.t1-m.t0 > 1 {
			c.multi = true
		}
		if !s.ordinaryWord(m) {
			c.ordinary = false
		}
		c.runsOn = c.runsOn || s.runsOnFree(m)
		st := s.toks[m.t0].Start
		if st < c.first {
			c.first = st
		}
		if st < s.d.TitleEnd {
			c.headline = true
		} else if st >= s.d.BodyStart && st < s.d.LeadEnd {
			c.lead = true
		}
		if m.dateline {
			c.dateline = true
		}
	}
	s.coordinated(clusters, find)
	s.productsByName(clusters, find)
	for _, c := range clusters {
		if c.entry != nil {
			c.typ = c.entry.Type
			continue
		}
		for t := gazetteer.Person; t <= gazetteer.Place; t++ {
			if c.votes[t] > c.votes[c.typ] {
				c.typ = t
			}
		}
		// An unknown acronym ("DAB") is an organisation more often than a
		// place, whatever the tagger's split vote says.
		if c.typ == gazetteer.Place && !c.multi && allAcronyms(c.names) {
			c.typ = gazetteer.Organization
		}
	}
	s.placeContext(clusters)
	var out schema.Entities
	learned := make(map[string]streamCue) // this article's own cues, for the stream
	defer s.r.stream.learn(learned)
	shorts := s.shortFormsByCluster(find)
	var forms []shortForm // this article's short forms of longer names, for the stream
	defer func() { s.r.names.learn(forms) }()
	kept := make(map[int]string) // cluster root -> id, when tracking
	bodyLen := len(s.d.Text) - s.d.BodyStart
	for _, root := range order {
		c := clusters[root]
		if c.entry == nil && !c.multi && c.ordinary {
			continue // "Director", "Leaving", "UNLESS"
		}
		if c.entry == nil && !c.multi && len(c.names) == 1 && c.typ != gazetteer.Place && !c.runsOn {
			// Not a short form the tagger cut from a longer name written
			// in full ("Real" of "Real Sociedad's" is not Real Madrid).
			s.recallFullName(c)
		}
		if c.club && (c.entry != nil && c.entry.Type == gazetteer.Place || c.entry == nil && c.typ == gazetteer.Place) {
			// "Newcastle prop Ed Kalman", "Leicester coach": in a sports
			// story a town whose name a player's or a coach's role follows
			// is its club (CoNLL's convention), not the town.
			c.entry, c.cands, c.typ = nil, nil, gazetteer.Organization
			c.votes[gazetteer.Organization] += c.mentions
		}
		name, id := s.identity(c)
		if name == "" {
			continue
		}
		if c.entry == nil {
			s.streamCues(name, c, learned)
		}
		if c.work && !c.personCue && !c.titled && brandLink(c) && !orgWords[lastWord(name)] {
			// "films including Raging Bull": a title, not the brand of
			// that name the knowledge base links (issue 14, session 16).
			continue
		}
		if c.entry == nil && !c.titled {
			switch {
			case c.typ == gazetteer.Person && c.multi && lastWord(name) == "Show":
				// "The Andrew Marr Show", "the Howard Stern Show": a
				// programme named after its host is no person (issue 14,
				// session 15); the host's own name stays.
				continue
			case c.typ == gazetteer.Person && greeting(name):
				// "Merry Christmas" (issue 14, session 16).
				continue
			case c.work && !c.personCue && (!orgWords[lastWord(name)] || !c.multi):
				// A film, a show, a book, a product: not shown. A name of
				// several words ending in an organisation word is one
				// ("the Deseret News series"); a bare organisation word
				// is no organisation's name ("the US version of The
				// Office").
				continue
			case c.miscVotes >= c.votes[c.typ] && !c.personCue && !c.orgCue && !c.band && !orgWords[lastWord(name)]:
				// The tagger calls the name MISC (a work, a product, an
				// event) at least as often as anything else in the
				// article: the document's vote says it is none of the
				// three types shown. A name ending in an organisation
				// word ("Deseret News", "Andy Warhol Foundation") is one.
				continue
			case !c.multi && c.full == "" && c.afterThe == c.mentions && s.nickname(name):
				// "the Magpies", "the Teessiders": a club's nickname
				// that nothing joins to the club is not shown beside it.
				continue
			case c.venue && c.typ != gazetteer.Place:
				// "the Paseo de Anoeta stadium", "moved to the
				// Bernabeu": a ground is a place.
				c.typ = gazetteer.Place
				id = "local:place:" + Slug(name)
			case c.personCue && c.typ == gazetteer.Organization && !c.orgCue:
				// A role noun beats a band's possession: "rapper Eminem"
				// and "Eminem's album".
				c.typ = gazetteer.Person
				id = "local:person:" + Slug(name)
			case c.band && c.typ == gazetteer.Person, c.orgCue && c.typ == gazetteer.Person && !c.bySurname,
				c.listed && c.typ == gazetteer.Person && c.multi && !c.surnamed,
				c.orgCue && c.typ == gazetteer.Place && c.multi && orgSuffixes[lastWord(name)], c.orgContext && c.typ == gazetteer.Place && !placeWords[lastWord(name)]:
				// "principal consultant at Cisco", "analyst at Troika
				// Dialog": a place the gazetteer does not know is a
				// company where the words around it say so; a facility
				// stays a place ("KSC employees" of the Kennedy Space
				// Center).
				c.typ = gazetteer.Organization
				id = "local:org:" + Slug(name)
			case c.typ == gazetteer.Organization && !c.orgCue && s.compassPlace(name):
				// "from Eastern Europe", "the marginals are Aberdeen
				// South, Dumfriesshire": a part of a known place, or a
				// shire, is a place.
				c.typ = gazetteer.Place
				id = "local:place:" + Slug(name)
			case c.typ != gazetteer.Person && eventWords[lastWord(name)]:
				continue // an event or an award, also as a place: "the Championship"
			case c.typ == gazetteer.Organization && !c.multi && s.awardsPlural(name):
				continue // "at the Baftas" beside "the Bafta film awards": the awards, not the academy
			case c.typ == gazetteer.Place && !c.multi && brandShaped(name):
				// No place the gazetteer lacks is written "JPMorgan" or
				// "eBay": a capital inside a word marks a company.
				c.typ = gazetteer.Organization
				id = "local:org:" + Slug(name)
			}
		}
		if c.typ == gazetteer.Person && c.entry == nil && !c.multi && !c.titled && !c.personCue && c.full == "" {
			// News introduces a person by full name. A one-word "person"
			// that no mention gives in full, no title precedes and nothing
			// knows is a club, a product or an award ("Chelsea", "Oscar",
			// "Motors" of "General Motors"): in a sports story a town's
			// name is its club, otherwise it is not shown.
			if !s.sportStory() || !hasPlace(s.r.g.Lookup(name)) {
				continue
			}
			c.typ = gazetteer.Organization
			id = "local:org:" + Slug(name)
		}
		pos := 0.0
		if c.first >= s.d.BodyStart && bodyLen > 0 {
			pos = float64(c.first-s.d.BodyStart) / float64(bodyLen)
		}
		if c.full == "" && (c.typ == gazetteer.Person || c.typ == gazetteer.Organization) && strings.Contains(name, " ") {
			for _, k := range shorts[root] {
				if !shortOf(k.text, name, c.typ) {
					continue
				}
				for _, kind := range titleKinds {
					if k.titles&kind != 0 && (kind != untitled || c.typ != gazetteer.Person) {
						forms = append(forms, shortForm{key: streamNameKey(k.text, c.typ, kind), name: name, id: id, entry: c.entry})
					}
				}
			}
		}
		e := schema.Entity{Name: name, ID: id, Mentions: c.mentions,
			Salience: Salience(c.headline, c.lead, pos, c.mentions)}
		if s.track {
			kept[root] = id
		}
		switch c.typ {
		case gazetteer.Person:
			out.Persons = append(out.Persons, e)
		case gazetteer.Organization:
			out.Organizations = append(out.Organizations, e)
		case gazetteer.Place:
			p := schema.Place{Entity: e}
			if c.entry != nil {
				p.Country = c.entry.Country
				if c.entry.HasPoint {
					p.Location = &schema.GeoPoint{Lat: c.entry.Lat, Lon: c.entry.Lon}
				}
			}
			out.Places = append(out.Places, p)
		}
	}
	if s.track {
		s.ids = make([]string, len(s.ms))
		s.types = make([]gazetteer.Type, len(s.ms))
		for i, m := range s.ms {
			if m.text != "" {
				s.ids[i] = kept[find(i)]
				s.types[i] = clusters[find(i)].typ
			}
		}
	}
	sortEntities(out.Persons)
	sortEntities(out.Organizations)
	sort.SliceStable(out.Places, func(i, j int) bool { return less(out.Places[i].Entity, out.Places[j].Entity) })
	out.Persons = merge(out.Persons)
	out.Organizations = merge(out.Organizations)
	out.Places = mergePlaces(out.Places)
	return out
}

// streamCues notes what the article's own cues say of a name (learned,
// for the stream's memory) and, when they say nothing, takes the type
// that earlier articles agree on: a work is not shown, a band typed
// person is an organisation.
func (s *state) streamCues(name string, c *cluster, learned map[string]streamCue) {
	key := streamKey(name)
	switch {
	case c.titled || c.personCue:
		learned[key] = cuePerson
	case c.namedWork && !c.named:
		// A name opening with a first name ("the Mike Leigh film") is
		// as often the person's as the title's: not remembered.
		if learned[key] != cuePerson {
			learned[key] = cueWork
		}
	case c.band:
		if learned[key] == cueNone {
			learned[key] = cueBand
		}
	case c.work || c.orgCue || c.listed:
		// The article has its own say.
	default:
		switch s.r.stream.recall(key) {
		case cueWork:
			// Not a place the gazetteer knows nor in a sports story:
			// "Chelsea" of a film is still the club.
			if !s.strictSport() && !hasPlace(s.r.g.Lookup(name)) {
				c.work = true
			}
		case cueBand:
			c.band = true
		}
	}
}

// undefinedAcronyms joins an acronym that the article uses without
// defining it to the one organisation of several words whose capitalised
// words it abbreviates: "SEC" to "the Securities and Exchange
// Commission", "LSE" to "London Stock Exchange". Two such names stay
// apart, and an acronym the knowledge base knows keeps its entry ("US"
// beside "the University of Sheffield").
func (s *state) undefinedAcronyms(find func(int) int, union func(a, b int)) {
	any := false
	for _, m := range s.ms {
		if m.text != "" && m.t1-m.t0 == 1 && m.entry == nil && m.acronym < 0 && isAcronym(m.text) {
			any = true
			break
		}
	}
	if !any {
		return
	}
	var longs map[string][]int // initials -> mentions of organisations
	for i, m := range s.ms {
		if m.text == "" || m.t1-m.t0 < 2 || m.typ != gazetteer.Organization {
			continue
		}
		if in := initials(s.toks[m.t0:m.t1]); len(in) >= 2 {
			if longs == nil {
				longs = make(map[string][]int)
			}
			longs[in] = append(longs[in], i)
			// A country before the name is not in its acronym: "FTC" of
			// "US Federal Trade Commission".
			if first := s.toks[m.t0].Text; m.t1-m.t0 > 2 && (s.country(first) || s.r.g.Demonym(first) != nil) {
				_, n := utf8.DecodeRuneInString(in)
				longs[in[n:]] = append(longs[in[n:]], i)
			}
		}
	}
	if longs == nil {
		return
	}
	for i, m := range s.ms {
		if m.text == "" || m.t1-m.t0 != 1 || m.acronym >= 0 || !isAcronym(m.text) || strings.ToUpper(m.text) != m.text {
			continue
		}
		cands := longs[acronymLetters.Replace(m.text)]
		if len(cands) == 0 {
			continue
		}
		root := find(cands[0])
		one := true
		for _, j := range cands[1:] {
			one = one && find(j) == root
		}
		if !one || m.entry != nil {
			continue // "US" is the United States, not the University of Sheffield
		}
		m.cut = true
		union(i, cands[0])
	}
}

// acronymLetters drops the signs an acronym may have between its letters
// ("AT&T", "G-8"). A Replacer is safe for concurrent use, and building one
// per call was a tenth of the bytes enrich allocated.
var acronymLetters = strings.NewReplacer("&", "", "-", "")

// shortForms joins an organisation that nothing knows, written short, to
// the one organisation of the article whose words its words begin, after
// a country: "Fed" to "(US) Federal Reserve", "Lib Dems" to "Liberal
// Democrats". A short form
// of one word must begin the long name's first word and have three
// letters or more; two candidates ("Federal Reserve" and "Federal
// Express") leave it apart.
func (s *state) shortForms(find func(int) int, union func(a, b int)) {
	var longs [][]token // per mention: the words a short form may begin, after a country
	for i, m := range s.ms {
		if m.text == "" || m.entry != nil || m.acronym >= 0 || m.attach >= 0 || m.cut {
			continue
		}
		short := s.toks[m.t0:m.t1]
		// A name typed otherwise is a short form only when its words are
		// those of the long name or short abbreviations of them: "Man
		// Utd" (a person, a place or a club, as the words around it say)
		// is Manchester United.
		abbreviated := m.typ != gazetteer.Organization
		if abbreviated && (len(short) < 2 || m.typ == gazetteer.Place && m.entry != nil) {
			continue
		}
		if len(short) == 1 && (utf8.RuneCountInString(short[0].Text) < 3 || isAcronym(short[0].Text) && strings.ToUpper(short[0].Text) == short[0].Text) {
			continue // acronyms are undefinedAcronyms' work
		}
		if longs == nil {
			longs = make([][]token, len(s.ms))
			for j, l := range s.ms {
				if l.text == "" || l.typ != gazetteer.Organization || l.t1-l.t0 < 2 {
					continue
				}
				longs[j] = s.toks[l.t0:l.t1]
				if first := longs[j][0].Text; len(longs[j]) > 2 && (s.country(first) || s.r.g.Demonym(first) != nil) {
					longs[j] = longs[j][1:] // "Fed" of "US Federal Reserve"
				}
			}
		}
		root := soleRoot(len(longs), find, func(j int) bool {
			long := longs[j]
			return j != i && long != nil && (s.begins(short, long) && !abbreviated || abbreviations(short, long))
		})
		if root < 0 {
			continue
		}
		// Every mention of the short form is cut, also those a mention
		// of the same words joined already: the long name names the
		// entity ("Manchester United", not the more frequent "Man Utd").
		m.cut = true
		if abbreviated {
			m.typ = gazetteer.Organization
		}
		if find(i) != root {
			union(i, root)
		}
	}
}

// localBodyWords open the name of a local force or office that an
// article names in full once and then without its place: "the Sheriff's
// Office" of "the St. Johns County Sheriff's Office", "Police Department",
// "Fire Department", "District Attorney's Office".
var localBodyWords = set(`Sheriff Police Fire District`)

// localBodies joins such a name, written without its place, to the one
// longer organisation of the article that ends with its words (issue 14,
// session 15): the two were one body under two names.
func (s *state) localBodies(find func(int) int, union func(a, b int)) {
	for i, m := range s.ms {
		n := m.t1 - m.t0
		if m.text == "" || m.typ != gazetteer.Organization || m.entry != nil || n < 2 || !localBodyWords[s.toks[m.t0].Text] {
			continue
		}
		root := soleRoot(len(s.ms), find, func(j int) bool {
			l := s.ms[j]
			return j != i && l.text != "" && l.typ == gazetteer.Organization && l.t1-l.t0 > n && s.sameWords(l.t1-n, m.t0, n)
		})
		if root >= 0 && find(i) != root {
			m.cut = true
			union(i, root)
		}
	}
}

// sameWords reports whether the n tokens from a and from b are the same
// words, apostrophes aside ("Sheriff’s", "Sheriff's").
func (s *state) sameWords(a, b, n int) bool {
	for k := 0; k < n; k++ {
		x, y := s.toks[a+k].Text, s.toks[b+k].Text
		if x != y && apostrophes.Replace(x) != apostrophes.Replace(y) {
			return false
		}
	}
	return true
}

var apostrophes = strings.NewReplacer("’", "'")

// abbreviations reports whether short is two words or more, each the
// word of long or a short abbreviation of it, of five letters at most,
// whose letters the long word has in order, and one at least is: "Man
// Utd" of Manchester United ("Man" of Manchester, "Utd" of United).
func abbreviations(short, long []token) bool {
	if len(short) < 2 || len(short) != len(long) {
		return false
	}
	shorter := false
	for k, w := range short {
		sw, lw := w.Text, long[k].Text
		if sw == lw {
			continue
		}
		shorter = true
		if len(sw) > 5 || len(sw) >= len(lw) || sw[0] != lw[0] || !isCap(sw) {
			return false
		}
		j := 1
		for i := 1; i < len(lw) && j < len(sw); i++ {
			if lw[i] == sw[j] {
				j++
			}
		}
		if j < len(sw) {
			return false
		}
	}
	return shorter
}

// begins reports whether the words of short begin the words of long, one
// for one, at least one of them shorter ("Lib Dems", "Liberal Democrats";
// a plural "s" is not counted), or short is one word that begins long's
// first word and is at most half as long ("Fed", "Federal Reserve").
func (s *state) begins(short, long []token) bool {
	if len(short) != len(long) && len(short) != 1 {
		return false
	}
	if len(short) == 1 && len(short[0].Text)*2 > len(long[0].Text) {
		return false // "Congress" is not short for "Congressional Budget Office"
	}
	shorter := false
	for k, w := range short {
		lw := long[k].Text
		sw := w.Text
		if !isCap(sw) || !isCap(lw) {
			return false
		}
		if len(short) > 1 && len(sw) > 1 && strings.HasSuffix(sw, "s") && strings.HasSuffix(lw, "s") {
			sw, lw = sw[:len(sw)-1], lw[:len(lw)-1]
		}
		if !strings.HasPrefix(lw, sw) || strings.ContainsAny(lw[len(sw):], "-'’.") {
			return false // not "Manchester United" of "Manchester United-Arsenal"
		}
		shorter = shorter || len(sw) < len(lw)
	}
	return shorter
}

// knownAs joins a name to the name of the same type that ", also known
// as", "known as" or "aka" introduces right after it: "Mahmoud Abbas, also
// known as Abu Mazen" is one person. Two names the knowledge base links to
// different ids stay apart.
func (s *state) knownAs(union func(a, b int)) {
	for i, m := range s.ms {
		if m.text == "" {
			continue
		}
		k := m.t1
		if k < len(s.toks) && s.toks[k].Text == "," {
			k++
		}
		if k < len(s.toks) && s.toks[k].Text == "also" {
			k++
		}
		switch {
		case k+1 < len(s.toks) && s.toks[k].Text == "known" && s.toks[k+1].Text == "as":
			k += 2
		case k < len(s.toks) && (s.toks[k].Text == "aka" || s.toks[k].Text == "a.k.a."):
			k++
		default:
			continue
		}
		if k >= len(s.toks) || s.owner[k] < 0 {
			continue
		}
		o := s.owner[k]
		n := s.ms[o]
		if n.t0 != k || n.text == "" || n.typ != m.typ || m.entry != nil && n.entry != nil && m.entry.ID != n.entry.ID {
			continue
		}
		union(o, i)
		// The other name does not name the entity, wherever it stands.
		for j := range s.ms {
			if s.ms[j].text == n.text {
				s.ms[j].cut = true
			}
		}
	}
}

// initialledNames joins a person written with an initial to the one person
// of the article with that surname and a first name starting with that
// letter: "C Paterson" to "Chris Paterson", but beside "Chris Paterson"
// and "Colin Paterson" it stays apart.
func (s *state) initialledNames(find func(int) int, union func(a, b int)) {
	for i, m := range s.ms {
		if m.text == "" || m.typ != gazetteer.Person || m.t1-m.t0 != 2 || m.entry != nil {
			continue
		}
		in := strings.TrimSuffix(s.toks[m.t0].Text, ".")
		if utf8.RuneCountInString(in) != 1 || !isCap(in) {
			continue
		}
		surname := gazetteer.Fold(s.toks[m.t1-1].Text)
		root := soleRoot(len(s.ms), find, func(j int) bool {
			f := s.ms[j]
			if j == i || f.text == "" || f.typ != gazetteer.Person || f.t1-f.t0 != 2 || gazetteer.Fold(s.toks[f.t1-1].Text) != surname {
				return false
			}
			first := s.toks[f.t0].Text
			return utf8.RuneCountInString(first) >= 2 && strings.HasPrefix(first, in)
		})
		if root >= 0 && find(i) != root {
			union(i, root)
		}
	}
}

// titleShaped reports whether m is a name of several words with "of"
// inside that no organisation or place word opens or ends and nothing
// knows: "Prisoner of Azkaban", "Goblet of Fire", but not "Bank of
// England" or "Department for Education and Skills".
func (s *state) titleShaped(m *mention) bool {
	if m.t1-m.t0 < 3 || m.entry != nil {
		return false
	}
	first, last := s.toks[m.t0].Text, s.toks[m.t1-1].Text
	if orgWords[first] || orgWords[last] || placeWords[first] || placeWords[last] || orgSuffixes[last] {
		return false
	}
	for k := m.t0 + 1; k < m.t1-1; k++ {
		if s.toks[k].Text == "of" {
			return true
		}
	}
	return false
}

// cutNames joins a one-word organisation that nothing knows to the one
// organisation of several words in the article that it ends ("United" to
// "Manchester United") or begins before a place or an organisation word
// ("Real" to "Real Madrid", "Conservative" to "Conservative Party", also
// where the article calls the party "the Tories", a name the knowledge
// base gives the Conservative Party).
// Beside both Manchester United and Manchester City, "Manchester" stays
// apart.
func (s *state) cutNames(find func(int) int, union func(a, b int), linked map[string]string) {
	var short map[string]bool // one-word organisations that nothing knows
	for _, m := range s.ms {
		if m.text != "" && m.t1-m.t0 == 1 && m.entry == nil && m.typ == gazetteer.Organization {
			if short == nil {
				short = make(map[string]bool)
			}
			short[m.text] = true
		}
	}
	if short == nil {
		return
	}
	var long map[string][]int // first or last word -> mentions of organisations
	for i, m := range s.ms {
		if m.text == "" || m.typ != gazetteer.Organization {
			continue
		}
		var first, last string
		known := false // named by the knowledge base, not by the mention's words
		switch {
		case m.t1-m.t0 >= 2:
			first, last = s.toks[m.t0].Text, s.toks[m.t1-1].Text
		case m.entry != nil && m.entry.Type == gazetteer.Organization && strings.Contains(m.entry.Name, " "):
			// A name the knowledge base knows by another: "the Tories",
			// the Conservative Party.
			first, _, _ = strings.Cut(m.entry.Name, " ")
			last, known = lastWord(m.entry.Name), true
		default:
			continue
		}
		if !short[first] && !short[last] {
			continue
		}
		if long == nil {
			long = make(map[string][]int)
		}
		if (strings.Contains(m.text, " and ") || strings.Contains(m.text, " or ")) && !s.nationsJoined(m) {
			continue // "Qwest or Verizon": two names the tagger joined
		}
		if !known {
			long[last] = append(long[last], i)
		}
		// By its first word only when the rest is a city or ends in an
		// organisation word: "Real Madrid", "Conservative Party", not
		// "Nintendo DS" (Nintendo's product) nor "Diageo North America"
		// (its branch), nor a force named after what it guards (guarded).
		if first != last && short[first] && (orgWords[last] && !s.guarded(m, first) || m.t1-m.t0 >= 2 && s.city(s.span(m.t0+1, m.t1))) {
			long[first] = append(long[first], i)
		}
	}
	if long == nil {
		return
	}
	for i, m := range s.ms {
		if m.text == "" || m.t1-m.t0 != 1 || m.entry != nil || m.typ != gazetteer.Organization || m.acronym >= 0 || m.attach >= 0 {
			continue
		}
		if _, ok := linked[translitKey(m.text)]; ok {
			continue // "Lisbon", the city elsewhere in the article, is not the Lisbon Council
		}
		cands := long[m.text]
		if len(cands) == 0 {
			continue
		}
		root, one := find(cands[0]), true
		for _, j := range cands[1:] {
			one = one && find(j) == root
		}
		if one {
			m.cut = true
			union(i, cands[0])
		}
	}
}

// country reports whether name is a country the gazetteer knows ("US",
// "Britain").
func (s *state) country(name string) bool {
	for _, c := range s.r.g.Lookup(name) {
		if c.Entry.Type == gazetteer.Place && c.Entry.Class == gazetteer.Country {
			return true
		}
	}
	return false
}

// city reports whether name is a city the gazetteer knows and no common
// word ("Capital").
func (s *state) city(name string) bool {
	if junkWords[name] || commonLower[strings.ToLower(name)] {
		return false
	}
	for _, c := range s.r.g.Lookup(name) {
		if c.Entry.Type == gazetteer.Place && !c.Alternate && c.Entry.Class <= gazetteer.Capital && c.Entry.Class != gazetteer.Region {
			return true
		}
	}
	return false
}

// guarded reports whether m names a force (or a body of one) after what
// it guards, which the article writes as a thing with "the": "the U.S.
// Capitol" and the Capitol Police, the Capitol Police Board. Written so,
// the first word alone is the thing, not the force; a town the force
// serves is a place the gazetteer knows ("the Columbus officer") or is
// written without "the" ("Jefferson Police", "in Jefferson"): the tagger's
// organisation for the force.
func (s *state) guarded(m *mention, first string) bool {
	force := false
	for k := m.t0 + 1; k < m.t1; k++ {
		force = force || forceWords[s.toks[k].Text]
	}
	if !force || s.place(first) {
		return false
	}
	for k, t := range s.toks {
		if t.Text != first || k == 0 || k+1 < len(s.toks) && isCap(s.toks[k+1].Text) {
			continue // "the Detroit Police Department": the force's own name
		}
		j := k - 1
		if j > 0 && s.country(s.toks[j].Text) {
			j-- // "the U.S. Capitol"
		}
		if strings.EqualFold(s.toks[j].Text, "the") {
			return true
		}
	}
	return false
}

// place reports whether the gazetteer knows a place named name.
func (s *state) place(name string) bool {
	for _, c := range s.r.g.Lookup(name) {
		if c.Entry.Type == gazetteer.Place {
			return true
		}
	}
	return false
}

// initials returns the first letters of a name's capitalised words,
// skipping connectors ("of", "and"), or "" when another word is in lower
// case: "SEC" for "Securities and Exchange Commission".
func initials(words []token) string {
	var b strings.Builder
	for _, w := range words {
		switch {
		case connectors[w.Text] || w.Text == "&":
		case isCap(w.Text) && isWord(w.Text):
			r, _ := utf8.DecodeRuneInString(w.Text)
			b.WriteRune(r)
		default:
			return ""
		}
	}
	return b.String()
}

// coordinated spreads a work cue along coordinated names: in "The
// Aviator, Million Dollar Baby and Sideways" one film makes all three
// films, and in "Eternal Sunshine of the Spotless Mind" (cut in two by
// the tagger) the film makes its tail one; and an organisation cue, when a coordinated name is an
// organisation and none is known to be a person.
func (s *state) coordinated(clusters map[int]*cluster, find func(int) int) {
	order := make([]int, 0, len(s.ms))
	for i, m := range s.ms {
		if m.text != "" {
			order = append(order, i)
		}
	}
	sort.Slice(order, func(a, b int) bool { return s.ms[order[a]].t0 < s.ms[order[b]].t0 })
	for lo := 0; lo < len(order); {
		// listed: joined by "and" or "or"; titled: some join is a
		// title's "of" or "and the"; plain: some join is not.
		hi, listed, titled, plain := lo+1, false, false, false
		for hi < len(order) {
			if s.ms[order[hi-1]].t1 > s.ms[order[hi]].t0 {
				break
			}
			gap := s.toks[s.ms[order[hi-1]].t1:s.ms[order[hi]].t0]
			if n := len(gap); n >= 2 && gap[n-1].Text == "The" {
				gap = gap[:n-1] // "Finding Neverland, The Motorcycle Diaries"
			}
			if n := len(gap); n >= 2 && n <= 4 && (gap[0].Text == "," || gap[0].Text == "and") && workBefore[gap[n-1].Text] {
				gap = gap[:1] // "The Motorcycle Diaries and British film Vera Drake"
			}
			title := false
			if len(gap) == 2 && (gap[0].Text == "of" || gap[0].Text == "and") && gap[1].Text == "the" {
				// "Eternal Sunshine of the Spotless Mind", "Harry Potter
				// and the Prisoner of Azkaban": one title the tagger cut.
				gap, title = gap[:1], true
				// After a "person" and "and the", a tail shaped like a
				// title makes it one: not "Tony Blair and the Labour
				// Party", nor "the BPI and the British Association of
				// Record Dealers".
				if head, tail := s.ms[order[hi-1]], s.ms[order[hi]]; s.titleShaped(tail) && clusters[find(order[hi])].entry == nil &&
					clusters[find(order[hi-1])].entry == nil && gap[0].Text == "and" && head.typ == gazetteer.Person {
					clusters[find(order[hi])].work = true
				}
			}
			if len(gap) == 2 && gap[0].Text == "," && (gap[1].Text == "and" || gap[1].Text == "or") {
				gap = gap[1:] // "Lukaku, Carrasco, and Mertens"
			}
			if len(gap) != 1 {
				break
			}
			w := gap[0].Text
			if w != "," && w != "and" && w != "or" && w != "of" {
				break
			}
			title = title || w == "of"
			listed = listed || w == "and" || w == "or"
			titled = titled || title
			plain = plain || !title
			hi++
		}
		work, orgs, known, persons, unknown, guessed := false, 0, 0, 0, 0, 0
		for _, i := range order[lo:hi] {
			c := clusters[find(i)]
			work = work || c.work && (c.entry == nil || brandLink(c))
			switch {
			case s.modifier(s.ms[i]):
				// "Liberal Democrat leader Charles Kennedy": the party
				// is not a member of the list, its leader is.
			case c.titled || c.surnamed || c.entry != nil && c.entry.Type == gazetteer.Person:
				persons++
			case c.entry != nil && c.entry.Type == gazetteer.Organization:
				orgs++
				known++
			case c.entry == nil && (c.orgCue || c.votes[gazetteer.Organization] > c.votes[gazetteer.Person]):
				orgs++
				if !c.orgCue && c.multi && !orgWords[lastWord(s.ms[i].text)] && !orgSuffixes[lastWord(s.ms[i].text)] {
					guessed++
				}
			case c.entry == nil && c.votes[gazetteer.Person] > 0:
				unknown++
			}
		}
		if work && hi-lo > 1 {
			for _, i := range order[lo:hi] {
				// A person listed with a title keeps the type ("Andrew
				// Taylor's The American Boy and Robbie Williams'
				// autobiography"); in a title ("Harry Potter and the
				// Prisoner of Azkaban") a first name does not count.
				if c := clusters[find(i)]; (c.entry == nil || brandLink(c)) && !c.titled && (!c.named || !plain) {
					c.work = true
				}
			}
		}
		// Persons are listed with persons: in "Will Smith, Kevin Spacey
		// and Keanu Reeves" the one name of several words that the tagger
		// took for an organisation, with no organisation word or cue, is
		// a person whose first name it did not know.
		// Names joined as a title ("Michael Howard and the Tories") make
		// no list.
		listed = listed && !titled
		if listed && orgs == 1 && guessed == 1 && known == 0 && persons+unknown >= 2 {
			for _, i := range order[lo:hi] {
				if c := clusters[find(i)]; c.entry == nil && !c.orgCue && c.votes[gazetteer.Organization] > c.votes[gazetteer.Person] {
					c.personCue = true
				}
			}
		}
		// Companies are listed with companies: in "Microsoft, Google and
		// Ask Jeeves" a name of several words that the tagger took for a
		// person, with nothing that says person (a title, its surname
		// alone, the knowledge base), is one more company, when the list
		// holds as many organisations as such persons and one of them is
		// known. Only a list with "and" or "or" counts: "Jeremy Dear, NUJ
		// general secretary" is an apposition; and stars are listed with
		// the one band among them.
		if known > 0 && orgs >= unknown && persons == 0 && listed {
			for _, i := range order[lo:hi] {
				if c := clusters[find(i)]; c.entry == nil && !c.titled {
					c.listed = true
				}
			}
		}
		lo = hi
	}
}

// appositiveHead is the last word of an apposition starting at token k
// and ending at the next punctuation within seven words: "publisher" in
// "Electronic Arts, the world's biggest games publisher, had", but
// "executive" in "John Smith, the company's chief executive, said" and
// "manager" in "Hiten Mehta, manager of a banking firm".
func (s *state) appositiveHead(k int) string {
	for n := 0; k+n < len(s.toks) && n < 8; n++ {
		t := s.toks[k+n].Text
		if t == "of" && n > 0 {
			// "manager of a banking firm": the head comes before "of".
			return strings.ToLower(s.toks[k+n-1].Text)
		}
		if t == "," || t == "." || t == ";" || t == ":" || t == "-" || t == ")" {
			if n == 0 {
				return ""
			}
			return strings.ToLower(s.toks[k+n-1].Text)
		}
	}
	return ""
}

// modifier reports whether m qualifies a name that follows it, at once,
// after a possessive or after up to three role words: "Liberal Democrat
// Charles Kennedy", "Liberal Democrat leader Charles Kennedy", "European
// Commission President Manuel Barroso", "DAB's Horace Cheung".
func (s *state) modifier(m *mention) bool {
	for k, n := m.t1, 0; k < len(s.toks) && n <= 3; k, n = k+1, n+1 {
		if s.owner[k] >= 0 {
			return true
		}
		t := s.toks[k].Text
		if k == m.t1 && possessive[t] {
			continue // "DAB's Horace Cheung"
		}
		if !isWord(t) || isCap(t) && !titleWords[strings.TrimSuffix(t, ".")] || functionWords[t] {
			return false // "Kevin Spacey and Jodie Marsh": a list
		}
	}
	return false
}

// greeting reports whether name is a wish for a holiday ("Merry
// Christmas", "Happy Easter"), not a person's name ("Johnnie Christmas").
func greeting(name string) bool {
	first, last, ok := strings.Cut(name, " ")
	return ok && greetingWords[first] && holidays[last]
}

// brandLink reports whether c is a name of several words that the
// knowledge base alone links, as an organisation (most are brands of
// name-suggestion-index): a work's title may be such a name ("Raging
// Bull"), and a cue that types the name as a work wins.
func brandLink(c *cluster) bool {
	return c.multi && c.entry != nil && !c.entry.Curated && c.entry.Type == gazetteer.Organization && !gazetteer.Party(c.entry)
}

// cues reads the words around m for what its cluster names.
func (s *state) cues(m *mention, c *cluster) {
	var prev, prev2, next, next2 string
	if m.t0 > 0 {
		prev = strings.ToLower(s.toks[m.t0-1].Text)
	}
	if m.t0 > 1 {
		prev2 = strings.ToLower(s.toks[m.t0-2].Text)
	}
	after := m.t1
	if after < len(s.toks) && versionNumber(s.toks[after].Text) {
		// "PlayStation 2 console", "Half-Life 2, directed by": the cue
		// follows the version.
		after++
	}
	if after < len(s.toks) {
		next = s.toks[after].Text
	}
	if after+1 < len(s.toks) {
		next2 = strings.ToLower(s.toks[after+1].Text)
	}
	the := prev == "the"
	if the && m.t0 > 1 {
		prev, prev2 = prev2, ""
		if m.t0 > 2 {
			prev2 = strings.ToLower(s.toks[m.t0-3].Text)
		}
	}
	// A person's name may stand where a title does: "a nomination for
	// Martin Scorsese", "the Mike Leigh film"; a name opening with a
	// first name needs a cue that only titles take ("Harry Potter
	// films", "Vera Drake star Imelda Staunton", "his role in Vera
	// Drake", "the film Harry Potter"), and not "a role in Bernardo
	// Bertolucci's film".
	named := m.typ == gazetteer.Person && (s.r.tagger.FirstName(s.toks[m.t0].Text) || m.attach >= 0) // "Gervais sitcom" after "Ricky Gervais"
	c.named = c.named || named
	lnext := strings.ToLower(next)
	// A nominee or a hopeful that the tagger did not call a person is a
	// title when it has several words or "The" ("Oscar hopefuls The
	// Aviator"); one word is as often a band ("Brit nominees such as
	// Keane").
	nominated := m.typ != gazetteer.Person && !named && (m.t1-m.t0 > 1 || the)
	if s.sideOfPlace(m, prev, prev2, lnext, next, next2) || s.clubNamed(m) {
		c.club = true
	}
	if venueAfter[lnext] || the && s.toks[m.t0-1].Text == "the" && m.t1-m.t0 == 1 && venueBefore[prev] && s.strictSport() && s.groundShaped(m, lnext) {
		// Not "according to The Independent": a title's "The" is part of it.
		c.venue = true
	}
	c.product = c.product || productAfter[next] || s.technologyNamed(m, after, named) || s.calledProduct(m)
	c.agent = c.agent || agentAfter[next]
	switch {
	case workBefore[prev] || workAfter[lnext] && (!named || !authoredWork[lnext]) || next == "," && workAfterComma[next2] ||
		the && workAfterThe[next] || s.workExample(m.t0, nominated) || prev == "in" && workIn[prev2] && !possessive[next] || !named && (prev == "for" && workFor[prev2] ||
		prev == "of" && workOf[prev2]) || next == "directed" && next2 == "by" || s.versioned(m) || s.possessedProduct(m) ||
		(prev == "for" || prev == "in" && (m.typ == gazetteer.Organization || the)) && s.personFor(m, the) || next == "for" && next2 == "best" && s.bestWork(after+2) ||
		after > m.t1 && workBefore[strings.ToLower(next)] || the && s.namedAfterNoun(m.t0-1) || malware[lnext] ||
		next == "," && s.workApposition(after+1) || broadcastAfter[lnext] && !named && s.programmeShaped(m) ||
		!named && m.typ != gazetteer.Person && s.namedBestWork(after) || m.typ != gazetteer.Person && !named && s.programmeShaped(m) && s.broadcastContext(m) || nominated && workRoleBefore[prev] || m.t1-m.t0 > 1 && s.capitalArticle(m.t0-1) || m.typ != gazetteer.Person && !named && prev == "in" && s.playedIn(m.t0-1, the) ||
		!named && m.typ != gazetteer.Person && (next == "by" && s.toks[m.t0].initial && s.personAt(after+1) || prev == "than" && !the && s.titleWordAt(m.t0-2)):
		c.work = true
		// The cues next to the name itself, for the stream's memory; a
		// cue spread from a list, a possession or a version number
		// ("Abramovich's Chelsea") is left out of it.
		c.namedWork = c.namedWork || workBefore[prev] || workAfter[lnext] && (!named || !authoredWork[lnext]) ||
			next == "," && workAfterComma[next2] || next == "directed" && next2 == "by" || next == "," && s.workApposition(after+1) ||
			next == "for" && next2 == "best" && s.bestWork(after+2) || !named && m.typ != gazetteer.Person && s.namedBestWork(after) ||
			broadcastAfter[lnext] && !named && s.programmeShaped(m) || !named && m.typ != gazetteer.Person && next == "by" && s.toks[m.t0].initial && s.personAt(after+1)
	case bandBefore[prev] || bandAfter[strings.ToLower(next)] || (next == "'s" || next == "’s") && s.possessedWithin(after+1, bandPossessed) ||
		s.pluralSubject(m) || the && m.typ == gazetteer.Person && m.t1-m.t0 > 1 && pluralNoun(s.toks[m.t1-1].Text) && (!named || !isWord(next)):
		// "as well as the Happy Mondays,": "the" and a plural make a
		// group; a name opening with a first name only where no word
		// follows it ("the Tony Adams era" is a person's).
		c.band = true
	case s.orgContext(m, prev, prev2, next, next2):
		c.orgCue, c.orgContext = true, true
	case m.t1-m.t0 > 1 && s.definesAcronym(m.t0, m.t1) || s.ventureOf(m) || m.t1-m.t0 > 1 && orgSuffixes[s.toks[m.t1-1].Text]:
		// A name that defines an acronym, "Electronic Arts (EA)", is a
		// body more often than a person.
		c.orgCue = true
	case personBefore[prev] && !the && prev2 != "best" || s.personClause(m):
		// Not "best actress Oscar".
		// "actor Keanu Reeves", "defender Kolo Toure", "author JK
		// Rowling": a role noun in lower case before a name; "Keanu
		// Reeves, who presented the award".
		c.personCue = true
	}
}

// orgContext reports whether the words around m, not m's own words, say
// it is a company or a publication: "mobile firm X", "X shares", "analyst
// at X", "the editor of X"; not "a conference in Cannes, several makers
// of chips", where the apposition is a new clause.
func (s *state) orgContext(m *mention, prev, prev2, next, next2 string) bool {
	return orgBefore[prev] || orgAfter[next] || orgAfter[strings.ToLower(next)] || (prev == "at" || prev == "from") && orgAtBefore[prev2] ||
		prev2 == "at" && orgAtBefore[prev] && m.typ != gazetteer.Person || // "a research director at analyst Gartner"
		prev == "of" && orgOfBefore[prev2] || next == "," && m.attach < 0 && prev != "in" && orgBefore[s.appositiveHead(m.t1+1)] ||
		(next == "'s" || next == "’s") && orgPossessed[next2]
}

// compassWords open the name of part of a region ("Eastern Europe", "East
// Midlands"); compassNouns close the name of part of a city ("Aberdeen
// South", a constituency), not an airline's ("China Southern").
var (
	compassWords = set(`North South East West Northern Southern Eastern Western Central`)
	compassNouns = set(`North South East West Central`)
)

// compassPlace reports whether name is part of a place the gazetteer
// knows: a compass word and a region, country or continent ("Eastern
// Europe"), a city of 100,000 people or more and a compass noun ("Dundee
// East"; not "Kanye West"), or outside a sports story one word ending in
// "shire" ("Dumfriesshire"; Yorkshire in a sports story is the county's
// club).
func (s *state) compassPlace(name string) bool {
	first, rest, ok := strings.Cut(name, " ")
	if !ok {
		return strings.HasSuffix(name, "shire") && len(name) > len("shire")+2 && !s.sportStory()
	}
	if compassWords[first] {
		for _, c := range s.r.g.Lookup(rest) {
			if c.Entry.Type == gazetteer.Place && c.Entry.Class >= gazetteer.Region {
				return true
			}
		}
	}
	head, last := name[:strings.LastIndexByte(name, ' ')], lastWord(name)
	if !compassNouns[last] {
		return false
	}
	for _, c := range s.r.g.Lookup(head) {
		if c.Entry.Type == gazetteer.Place && !c.Alternate && c.Entry.Population >= 100000 {
			return true
		}
	}
	return false
}

// pluralNoun reports whether a capitalised word reads as a regular
// plural ("Mondays", "Monkeys", "Boys"), not a word ending in -ss, -us or
// -is.
func pluralNoun(w string) bool {
	if len(w) < 4 || !strings.HasSuffix(w, "s") {
		return false
	}
	return !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is")
}

// personFor reports whether m, which the tagger did not call a person,
// follows a person's full name and "for" (or "in") outside a sports
// story: a title in an award or film story ("the director award went to
// Clint Eastwood for Million Dollar Baby", "Michel Gondry for Eternal
// Sunshine of the Spotless Mind", "playing Howard Hughes in The
// Aviator").
func (s *state) personFor(m *mention, the bool) bool {
	k := m.t0 - 2 // the token before "for"
	if the {
		k--
	}
	if k < 0 || m.typ == gazetteer.Person || m.entry != nil || s.strictSport() {
		return false
	}
	o := s.owner[k]
	return o >= 0 && s.ms[o].text != "" && s.ms[o].t1 == k+1 && s.ms[o].typ == gazetteer.Person && s.ms[o].t1-s.ms[o].t0 > 1
}

// workApposition reports whether an apposition that starts with an
// article at token k has a work noun among its first words, before any
// preposition: "The Aviator, a film biography of Howard Hughes", "The Da
// Vinci Code, an adaptation of", not "Jennifer Aniston, who was Rachel in
// the show", "Wen Jiabao, targeted lending in a series of" nor "Philip
// Rinaldi, a spokesman for the show".
func (s *state) workApposition(k int) bool {
	if k >= len(s.toks) {
		return false
	}
	switch s.toks[k].Text {
	case "a", "an", "the":
	default:
		return false
	}
	for n := 1; n < 5 && k+n < len(s.toks); n++ {
		w := s.toks[k+n].Text
		if workAppositive[w] {
			// The noun heads the apposition when what follows it is no
			// verb and no possessive: not "Directed by Antoine Fuqua, the
			// film was", "Jeffrey Richards, the show's co-producer".
			if k+n+1 >= len(s.toks) {
				return true
			}
			next := s.toks[k+n+1].Text
			return !isWord(next) && next != "'s" && next != "’s" || prepositions[next] || workAppositive[next] || workAfterComma[next]
		}
		if !isWord(w) || prepositions[w] {
			return false
		}
	}
	return false
}

// programmeShaped reports whether m may name a programme rather than a
// broadcaster: several capitalised words, none an acronym, a number or an
// organisation word, connectors only inside ("Top of the Pops"), and
// nothing knows it ("Go Digital", "Crime Scene Investigation", not
// "Channel 4", "BBC Three" nor "Paramount Pictures").
func (s *state) programmeShaped(m *mention) bool {
	if m.t1-m.t0 < 2 || m.entry != nil || m.t1 > m.t0+1 && versionNumber(s.toks[m.t1-1].Text) {
		return false
	}
	for k := m.t0; k < m.t1; k++ {
		w := s.toks[k].Text
		if k > m.t0 && k < m.t1-1 && connectors[w] {
			continue // "Top of the Pops"
		}
		if !isCap(w) || !isWord(w) || isAcronym(w) || orgWords[w] || orgSuffixes[w] || placeWords[w] || broadcasterWords[w] || numberedWords[w] {
			return false
		}
	}
	return true
}

// capitalArticle reports whether token k is "A" or "An" written with a
// capital inside a sentence, which only a title does: "while A Very Long
// Engagement won", "Jean-Pierre Jeunet's A Very Long Engagement", not "A
// National Audit Office report" opening a sentence or a headline, nor an
// initial after punctuation ("Italy: A Lo Cicero, F Ongaro").
func (s *state) capitalArticle(k int) bool {
	if k < 1 || s.toks[k].initial || s.toks[k].headline || !isWord(s.toks[k-1].Text) && !possessive[s.toks[k-1].Text] {
		return false // "Italy: A Lo Cicero, F Ongaro": an initial in a line-up
	}
	t := s.toks[k].Text
	return t == "A" || t == "An"
}

// namedBestWork reports whether the words from token k on, in lower
// case, name m the best of a category of works: "The Aviator has been
// named best film", "Little Britain won best comedy", not "Jamie Foxx won
// best actor".
func (s *state) namedBestWork(k int) bool {
	for n := 0; n < 4 && k+n+1 < len(s.toks); n++ {
		w := s.toks[k+n].Text
		if w == "best" {
			return bestWorks[strings.ToLower(s.toks[k+n+1].Text)]
		}
		if !isWord(w) || isCap(w) {
			return false
		}
	}
	return false
}

// broadcastContext reports whether a word of television stands within
// five words of m in its sentence, outside a sports story: "Celebrity
// Big Brother attracted fewer viewers", "the latest contestant to be
// evicted from Celebrity Big Brother".
func (s *state) broadcastContext(m *mention) bool {
	if s.strictSport() {
		return false
	}
	for k := m.t0 - 1; k >= 0 && k >= m.t0-5 && !s.toks[k+1].initial; k-- {
		if broadcastWords[strings.ToLower(s.toks[k].Text)] {
			return true
		}
	}
	for k := m.t1; k < len(s.toks) && k < m.t1+5; k++ {
		if s.toks[k].initial {
			break
		}
		if broadcastWords[strings.ToLower(s.toks[k].Text)] {
			return true
		}
	}
	return false
}

// personClause reports whether a clause that only a person takes follows
// m, a name of several words the tagger typed organisation, outside a
// sports story, that no organisation word ends and whose first word is no
// place or organisation the gazetteer knows: ", who" and no plural verb
// ("Keanu Reeves, who presented the award"; not "The Thrills, who have",
// a band, "Exeter City, who" nor "Virgin Radio, who are"), or an
// apposition opening with "a" or "an" that names a person within seven
// words ("Kiara Perkins, a second year art major", "Valeska Paris, an
// Australian woman"; not "Velmora Labs, a maker of chips").
func (s *state) personClause(m *mention) bool {
	if m.typ != gazetteer.Organization || m.t1-m.t0 < 2 || m.t1+1 >= len(s.toks) || s.toks[m.t1].Text != "," ||
		s.toks[m.t1+1].Text != "who" && !s.personAppositive(m.t1+1) {
		return false
	}
	first, last := s.toks[m.t0].Text, s.toks[m.t1-1].Text
	if orgWords[last] || orgSuffixes[last] || s.strictSport() ||
		m.t1+2 < len(s.toks) && pluralVerbs[s.toks[m.t1+2].Text] {
		return false // "Virgin Radio, who are"
	}
	for _, c := range s.r.g.Lookup(first) {
		if c.Entry.Type != gazetteer.Person {
			return false // "Exeter City, who"
		}
	}
	for _, e := range s.r.g.Known(first) {
		if e.Type != gazetteer.Person {
			return false // "Virgin Radio, who"
		}
	}
	return true
}

// personNouns head an apposition that describes a person.
var personNouns = set(`woman women man men girl boy student major graduate mother father wife husband son daughter sister
brother widow widower resident pensioner grandmother grandfather teenager veteran politician lawmaker councillor activist
campaigner lawyer doctor nurse teacher professor scientist artist actor actress singer writer author`)

// personAppositive reports whether the apposition at token k opens with
// "a" or "an" and has a person noun among its next seven words, before
// any punctuation or preposition: "a second year USI art major", "an
// Australian woman".
func (s *state) personAppositive(k int) bool {
	if k >= len(s.toks) || s.toks[k].Text != "a" && s.toks[k].Text != "an" {
		return false
	}
	for n := 1; n <= 7 && k+n < len(s.toks); n++ {
		w := strings.ToLower(s.toks[k+n].Text)
		if !isWord(w) || prepositions[w] {
			return false
		}
		if personNouns[w] {
			return true
		}
	}
	return false
}

// pluralSubject reports whether m, a name of several words typed person
// that opens a sentence, takes a plural verb: a band ("Franz Ferdinand
// were"), not "Tony Blair and Gordon Brown were", "the cuts proposed by
// Oliver Letwin were", "French President Jacques Chirac have" nor "The
// Streets, aka rapper and songwriter, Mike Skinner have".
func (s *state) pluralSubject(m *mention) bool {
	if m.typ != gazetteer.Person || m.t1-m.t0 < 2 || m.titled || m.t1 >= len(s.toks) || !pluralVerbs[s.toks[m.t1].Text] {
		return false
	}
	return s.toks[m.t0].initial && !s.toks[m.t0].headline
}

// playedIn reports whether the "in" at token k ends a part played, outside a
// sports story: "playing a gutsy female boxer in Million Dollar Baby",
// "plays a con man in Sideways". A form of "play" opens the part, at most
// five words before, with no name or punctuation between.
func (s *state) playedIn(k int, the bool) bool {
	if the {
		k-- // "playing a pilot in The Aviator"
	}
	for n := 1; n <= 5 && k-n >= 0; n++ {
		w := s.toks[k-n].Text
		if playWords[w] {
			// "playing in X" is a venue, "playing a boxer in X" a part;
			// "played in the Champions League" is sport.
			return n > 1 && !s.strictSport()
		}
		if !isWord(w) || isCap(w) || s.owner[k-n] >= 0 {
			return false
		}
	}
	return false
}

// bestWork reports whether token k names a category of works: "The
// Aviator for best film", not "Jamie Foxx for best actor".
func (s *state) bestWork(k int) bool {
	return k < len(s.toks) && bestWorks[strings.ToLower(s.toks[k].Text)]
}

// namedAfterNoun reports whether the "the" at token k follows a comma
// after a work or product noun: "its first handheld console, the PSP".
func (s *state) namedAfterNoun(k int) bool {
	if k < 2 || s.toks[k-1].Text != "," {
		return false
	}
	w := s.toks[k-2].Text
	return workBefore[w] || productAfter[w]
}

// strictSport reports whether the article has at least two words that
// only sport uses ("striker", "goalkeeper", "rugby"); an award story's
// "won", "win" and "final" do not count, as they do for sportStory.
func (s *state) strictSport() bool {
	if s.strict == 0 {
		s.strict = -1
		n := 0
		for _, t := range s.toks {
			if inLower(strictSportWords, t.Text) {
				if n++; n >= 2 {
					s.strict = 1
					break
				}
			}
		}
	}
	return s.strict > 0
}

// brandShaped reports whether word has a capital letter after its second
// letter that follows a lower-case or an upper-case letter, outside the
// prefixes of surnames and place names ("McAllen", "MacLeod", "DeKalb",
// "LaSalle", "O'Neill"): "JPMorgan", "eBay", "PlayStation", "YouTube".
func brandShaped(word string) bool {
	for _, p := range []string{"Mc", "Mac", "De", "Di", "Da", "Du", "La", "Le", "Van", "Von", "Fitz"} {
		if strings.HasPrefix(word, p) {
			return false
		}
	}
	rs := []rune(word)
	for i := 1; i < len(rs)-1; i++ {
		if unicode.IsUpper(rs[i]) && unicode.IsLetter(rs[i-1]) && unicode.IsLower(rs[i+1]) && (i > 1 || unicode.IsLower(rs[0])) {
			return true
		}
	}
	return false
}

// inLower reports whether w, in lower case, is in set, without
// allocating for ASCII words.
func inLower(set map[string]bool, w string) bool {
	var buf [24]byte
	if len(w) > len(buf) {
		return set[strings.ToLower(w)]
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c >= utf8.RuneSelf:
			return set[strings.ToLower(w)]
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return set[string(buf[:len(w)])]
}

// lastWord returns the last word of name.
func lastWord(name string) string {
	return name[strings.LastIndexByte(name, ' ')+1:]
}

// possessedWithin reports whether one of the two words from token k on,
// written in lower case, is in set: "Franz Ferdinand's album", "Franz
// Ferdinand's self-titled album".
func (s *state) possessedWithin(k int, set map[string]bool) bool {
	for n := 0; n < 2 && k+n < len(s.toks); n++ {
		w := s.toks[k+n].Text
		if set[w] {
			return true
		}
		if !isWord(w) || isCap(w) {
			return false
		}
	}
	return false
}

// versionNumber reports whether t numbers a product's version: a digit
// from 2 to 9 or a Roman numeral ("Halo 2", "PlayStation 3", "Rocky III").
func versionNumber(t string) bool {
	return len(t) == 1 && t[0] >= '2' && t[0] <= '9' || t == "II" || t == "III" || t == "IV"
}

// versioned reports whether m, outside a sports story, is followed by a
// version number that no number word or name follows: a product or a
// sequel ("Halo 2", "Half-Life 2 is"), not "Channel 4" (the number is
// part of that name, see clean), "Arsenal 2 Chelsea 1", "Fathers 4
// Justice" or "Nokia 3 million".
func (s *state) versioned(m *mention) bool {
	if m.t1 >= len(s.toks) || !versionNumber(s.toks[m.t1].Text) || s.strictSport() {
		return false
	}
	if m.t1+1 < len(s.toks) {
		w := s.toks[m.t1+1].Text
		if numberWords[strings.ToLower(w)] || isWord(w) && !isCap(w) && w[0] >= '0' && w[0] <= '9' || isCap(w) && isWord(w) {
			return false
		}
	}
	return true
}

// possessedProduct reports whether m, which the tagger did not call a
// person, is owned by a company the knowledge base knows ("Sony's
// PlayStation", "Microsoft's new Xbox"), or is a title of several words that
// a person owns ("Clint Eastwood's Million Dollar Baby"): a product or a
// work. Names opening with a first name ("Microsoft's Bill Gates") and
// names ending in an organisation word ("Rupert Murdoch's News Corp")
// are not.
func (s *state) possessedProduct(m *mention) bool {
	k := m.t0 - 1 // the possessive
	if k >= 0 && s.toks[k].Text == "The" {
		k-- // "Martin Scorsese's The Aviator"
	}
	if k < 1 || m.typ == gazetteer.Person || m.entry != nil {
		return false
	}
	if k > 1 && !isCap(s.toks[k].Text) && isWord(s.toks[k].Text) {
		k-- // "Sony's new PSP"
	}
	if p := s.toks[k].Text; p != "'s" && p != "’s" && p != "'" && p != "’" {
		return false
	}
	o := s.owner[k-1]
	if o < 0 || s.ms[o].text == "" || s.ms[o].t1 != k {
		return false
	}
	owner := s.ms[o]
	first, last := s.toks[m.t0].Text, s.toks[m.t1-1].Text
	if s.r.tagger.FirstName(first) || orgWords[last] || orgSuffixes[last] || placeWords[last] {
		return false
	}
	switch {
	case owner.entry != nil && owner.entry.Type == gazetteer.Organization:
		return true
	case owner.typ == gazetteer.Person && owner.t1-owner.t0 > 1 && !s.strictSport():
		// Not "Tommy Docherty's Manchester United".
		return m.t1-m.t0 > 1
	}
	return false
}

// workExample reports whether the name at token k is an example after a
// plural work noun, or with roles after a word for nominated titles:
// "films like Harry Potter", "movies such as Shrek", "games including
// Halo", "Oscar contenders, including The Aviator".
func (s *state) workExample(k int, roles bool) bool {
	word := func(i int) string {
		if i < 0 {
			return ""
		}
		return strings.ToLower(s.toks[i].Text)
	}
	if word(k-1) == "the" {
		k-- // "contenders, including The Aviator"
	}
	noun := func(i int) bool {
		if roles && word(i) == "," && workRoleBefore[word(i-1)] {
			return true // "Other Oscar contenders, including"
		}
		return workBefore[word(i)] || roles && workRoleBefore[word(i)]
	}
	listed := func(i int) bool { return noun(i) || exampleWorks[word(i)] || malware[word(i)] }
	switch {
	case workListBefore[word(k-1)]:
		// "films like Harry Potter", "25 films, including Jungle Fever",
		// "other hits including Street Life"
		return listed(k-2) || word(k-1) == "including" && word(k-2) == "," && listed(k-3) // not "casual games, like AOL"
	case word(k-1) == "as" && word(k-2) == "such":
		// "classics such as Lunar Lander", "titles, such as Colin McRae
		// Rally", "viruses, such as Netsky"
		return listed(k-3) || word(k-3) == "," && listed(k-4)
	}
	return false
}

// ventureOf reports whether m is a name of several words whose first word
// is an organisation that the knowledge base or the curated tables know
// and not a first name or an initial: a joint venture or a division
// ("Sony Ericsson", "Fiat Auto"), not "Albert Hill" (Albert is a
// supermarket too) nor "R Lamont".
func (s *state) ventureOf(m *mention) bool {
	if m.t1-m.t0 < 2 || m.entry != nil {
		return false
	}
	first := s.toks[m.t0].Text
	if !isCap(first) || utf8.RuneCountInString(strings.TrimSuffix(first, ".")) < 2 || s.r.tagger.FirstName(first) {
		return false // an initial ("R Lamont") or a first name
	}
	org := false
	for _, c := range s.r.g.Lookup(first) {
		switch {
		case c.Entry.Type == gazetteer.Person:
			return false
		case c.Entry.Type == gazetteer.Organization && c.Entry.Curated:
			org = true
		}
	}
	for _, e := range s.r.g.Known(first) {
		switch e.Type {
		case gazetteer.Person:
			return false
		case gazetteer.Organization:
			org = true
		}
	}
	return org
}

// sportStory reports whether at least three words of the article are
// sports words.
func (s *state) sportStory() bool {
	if s.sport == 0 {
		n := 0
		for _, t := range s.toks {
			if inLower(sportWords, t.Text) {
				n++
			}
		}
		s.sport = -1
		if n >= 3 {
			s.sport = 1
		}
	}
	return s.sport > 0
}

func hasPlace(cs []gazetteer.Candidate) bool {
	for _, c := range cs {
		if c.Entry.Type == gazetteer.Place && !c.Alternate {
			return true
		}
	}
	return false
}

func curatedOnly(cs []gazetteer.Candidate) []gazetteer.Candidate {
	var out []gazetteer.Candidate
	for _, c := range cs {
		if c.Entry.Curated {
			out = append(out, c)
		}
	}
	return out
}

func allAcronyms(names map[string]int) bool {
	for n := range names {
		if !isAcronym(n) || strings.ToUpper(n) != n {
			return false
		}
	}
	return len(names) > 0
}

// merge joins entities that ended with the same id (two clusters linked to
// one entry through different routes).
func merge(es []schema.Entity) []schema.Entity {
	seen := make(map[string]int)
	out := es[:0]
	for _, e := range es {
		if i, ok := seen[e.ID]; ok {
			out[i].Mentions += e.Mentions
			continue
		}
		seen[e.ID] = len(out)
		out = append(out, e)
	}
	return out
}

func mergePlaces(ps []schema.Place) []schema.Place {
	seen := make(map[string]int)
	out := ps[:0]
	for _, p := range ps {
		if i, ok := seen[p.ID]; ok {
			out[i].Mentions += p.Mentions
			continue
		}
		seen[p.ID] = len(out)
		out = append(out, p)
	}
	return out
}

// identity returns a cluster's canonical name and id.
func (s *state) identity(c *cluster) (string, string) {
	if c.entry != nil {
		return c.entry.Name, c.entry.ID
	}
	if c.full != "" {
		return c.full, c.fullID
	}
	// The longest name, then the most frequent, then one with diacritics.
	var name string
	n := 0
	for k, v := range c.names {
		if better(k, v, name, n) {
			name, n = k, v
		}
	}
	if name == "" {
		return "", ""
	}
	if c.peer != "" && c.typ == gazetteer.Person && !c.multi {
		name = c.peer + " " + name // "Lord Falconer": a peer is known by the title
	}
	kind := map[gazetteer.Type]string{gazetteer.Person: "person", gazetteer.Organization: "org", gazetteer.Place: "place"}[c.typ]
	slug := Slug(name)
	if slug == "" {
		return "", ""
	}
	return name, "local:" + kind + ":" + slug
}

func better(a string, na int, b string, nb int) bool {
	wa, wb := len(strings.Fields(a)), len(strings.Fields(b))
	if wa != wb {
		return wa > wb
	}
	if ia, ib := initialled(a), initialled(b); ia != ib {
		return ib // "Chris Paterson" names "C Paterson" too
	}
	if na != nb {
		return na > nb
	}
	if da, db := hasNonASCII(a), hasNonASCII(b); da != db {
		return da
	}
	return a < b
}

// initialled reports whether name opens with an initial: "C Paterson",
// "C. Paterson".
func initialled(name string) bool {
	first, _, _ := strings.Cut(name, " ")
	return utf8.RuneCountInString(strings.TrimSuffix(first, ".")) == 1
}

func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// Slug lowercases name, drops diacritics and joins its letters and digits
// with single hyphens: "Mevlüt Çavuşoğlu" -> "mevlut-cavusoglu".
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range gazetteer.Fold(name) {
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}

var translit = strings.NewReplacer("kh", "h", "ph", "f", "w", "v", "j", "y", "yy", "y", "iy", "y", "ij", "y")

// translitKey folds spelling variants of transliterated names together:
// Zelenskiy, Zelenskyy, Zelenski and Zelensky; Sergei and Sergey. It
// writes every word into one buffer: only the folding and the result
// allocate, and a word without any of translit's patterns skips it.
func translitKey(s string) string {
	f := gazetteer.Fold(s)
	buf := make([]byte, 0, len(f)+len(f)/4)
	words := 0
	for w := range strings.FieldsFuncSeq(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if hasTranslit(w) {
			w = translit.Replace(w)
		}
		if words > 0 {
			buf = append(buf, ' ')
		}
		words++
		start := len(buf)
		// Runs of one letter count once.
		var prev rune
		for _, r := range w {
			if r != prev {
				buf = utf8.AppendRune(buf, r)
			}
			prev = r
		}
		word := buf[start:]
		switch {
		case bytes.HasSuffix(word, []byte("ei")):
			buf = append(buf[:len(buf)-2], "ey"...)
		case bytes.HasSuffix(word, []byte("iy")):
			buf = append(buf[:len(buf)-2], 'y')
		case bytes.HasSuffix(word, []byte("i")) && len(word) > 3:
			buf[len(buf)-1] = 'y'
		}
	}
	return string(buf)
}

// hasTranslit reports whether w holds one of translit's patterns, so
// that translit.Replace would change it.
func hasTranslit(w string) bool {
	return strings.ContainsAny(w, "wj") || strings.Contains(w, "kh") || strings.Contains(w, "ph") ||
		strings.Contains(w, "yy") || strings.Contains(w, "iy")
}

// titleKind is the kind of title written before m.
func (s *state) titleKind(m *mention) titleKind {
	if !m.titled || m.t0 == 0 {
		return untitled
	}
	w := strings.TrimSuffix(s.toks[m.t0-1].Text, ".")
	switch {
	case maleTitles[w]:
		return maleTitle
	case femaleTitles[w]:
		return femaleTitle
	}
	return otherTitle
}

// namedShort is a mention of one word in a cluster, with the kinds of
// title written before it.
type namedShort struct {
	text   string
	titles titleKind
}

// shortFormsByCluster returns, per cluster root, the mentions of one word
// that are short forms of a longer name (for streamNames): not acronyms,
// which mean different bodies in different fields ("FA", "ABC").
func (s *state) shortFormsByCluster(find func(int) int) map[int][]namedShort {
	var out map[int][]namedShort
	for i, m := range s.ms {
		if m.text == "" || m.t1-m.t0 != 1 || m.acronym >= 0 || isAcronym(m.text) && strings.ToUpper(m.text) == m.text || !s.standsAlone(m) {
			continue
		}
		if out == nil {
			out = make(map[int][]namedShort)
		}
		root := find(i)
		k := s.titleKind(m)
		found := false
		for n := range out[root] {
			if f := &out[root][n]; f.text == m.text {
				f.titles |= k
				found = true
			}
		}
		if !found {
			out[root] = append(out[root], namedShort{m.text, k})
		}
	}
	return out
}

// runsOnFree reports whether a capitalised word that no mention holds
// follows m inside a sentence: the tagger cut m from a longer name
// ("Real" of "Real Sociedad's Paseo de Anoeta stadium"), which the
// stream's memory must not name after another long form (issue 14,
// session 14).
func (s *state) runsOnFree(m *mention) bool {
	if m.t1 >= len(s.toks) || s.owner[m.t1] >= 0 {
		return false
	}
	t := s.toks[m.t1]
	return isWord(t.Text) && isCap(t.Text) && !t.initial
}

// standsAlone reports whether a mention of one word is written apart
// from the words of a longer name, as a short form is ("Mr Blair", "the
// Commons", "Conservative leader"), not a word the tagger cut from a name
// written in full ("Queen of the Sky", "Twentieth Century Fox",
// "Fathers 4 Justice").
func (s *state) standsAlone(m *mention) bool {
	if m.t1 < len(s.toks) && (isCap(s.toks[m.t1].Text) && !s.toks[m.t1].initial || s.toks[m.t1].Text[0] >= '0' && s.toks[m.t1].Text[0] <= '9') {
		return false
	}
	j := m.t0 - 1
	if j < 0 || m.titled {
		return true
	}
	if strings.EqualFold(s.toks[j].Text, "the") {
		j--
	}
	switch {
	case j < 0:
		return true
	case connectors[s.toks[j].Text] || s.toks[j].Text == "and" || s.toks[j].Text == "&":
		return j == 0 || !isCap(s.toks[j-1].Text)
	case j == m.t0-1:
		return !isCap(s.toks[j].Text)
	}
	return true
}

// shortOf reports whether short is a short form of the entity's name
// that streamNames may remember: a person's surname ("Blair" of "Tony
// Blair", "Kilroy" of "Robert Kilroy-Silk"), or a word of an
// organisation's name or the start of one ("Commons", "Fed" of "Federal
// Reserve").
func shortOf(short, name string, t gazetteer.Type) bool {
	f := gazetteer.Fold(short)
	words := strings.Fields(name)
	if t == gazetteer.Person {
		last := gazetteer.Fold(words[len(words)-1])
		a, _, _ := strings.Cut(last, "-")
		return f == last || f == a
	}
	for _, w := range words {
		if strings.HasPrefix(gazetteer.Fold(w), f) {
			return true
		}
	}
	return false
}

// recallFullName gives a cluster of one short name the full name that
// earlier articles agree on for it (streamNames), keeping its type.
func (s *state) recallFullName(c *cluster) {
	var short string
	for k := range c.names {
		short = k
	}
	v := s.r.names.recall(short, c.typ, c.titles)
	if v == nil {
		return
	}
	if v.entry != nil {
		if v.entry.Type == c.typ {
			c.entry = v.entry
		}
		return
	}
	c.full, c.fullID = v.name, v.id
}

// personAt reports whether a person's name of two words or more starts at
// token k: "Angels by Robbie Williams is the song", a work and its
// author. Only a name that opens a sentence is read so: "the takeover of
// Manchester United by Malcolm Glazer" is no work.
func (s *state) personAt(k int) bool {
	if k >= len(s.toks) || s.owner[k] < 0 {
		return false
	}
	p := s.ms[s.owner[k]]
	return p.text != "" && p.t0 == k && p.t1-p.t0 > 1 && p.typ == gazetteer.Person
}

// titleWordAt reports whether token k is a capitalised word inside a
// sentence, the word before "than" in a title the tagger cut: "A Little
// Lower than Angels" ("than" joins no name of a person, body or place).
func (s *state) titleWordAt(k int) bool {
	return k >= 0 && isCap(s.toks[k].Text) && !s.toks[k].initial
}

// nationsJoined reports whether m opens with two nationality words joined
// by "and", one name: "British and Irish Lions" (nationsAnd).
func (s *state) nationsJoined(m *mention) bool {
	return m.t1-m.t0 > 3 && s.toks[m.t0+1].Text == "and" && s.r.g.Demonym(s.toks[m.t0].Text) != nil && s.r.g.Demonym(s.toks[m.t0+2].Text) != nil
}

// awardsPlural reports whether name is the plural of a word that the
// article writes before a word for an award, with at most one lower-case
// word between that is no function word: "the Baftas" beside "the Bafta
// film awards" or "a Bafta win", "the Grammys" beside "a Grammy
// nomination"; not "the Stones" beside "voted Stone the winner". Such a plural names
// the awards, an event.
func (s *state) awardsPlural(name string) bool {
	one, ok := strings.CutSuffix(name, "s")
	if !ok || one == "" {
		return false
	}
	for k, t := range s.toks {
		if t.Text != one {
			continue
		}
		for j := k + 1; j < len(s.toks) && j <= k+2; j++ {
			w := s.toks[j].Text
			if awardNouns[strings.ToLower(w)] && (w == strings.ToLower(w) || eventWords[w]) {
				return true
			}
			if w != strings.ToLower(w) || functionWords[w] {
				break // "voted Stone the winner": Joss Stone, not the Stones' award
			}
		}
	}
	return false
}

// nickname reports whether a one-word name written only after "the" in a
// sports story (strictSport) is a club's or a side's nickname: a plural that no
// knowledge names ("the Magpies", "the Teessiders", "the Tykes"); not an
// acronym, nor a word the article writes as a name of several words.
func (s *state) nickname(name string) bool {
	if !s.strictSport() || len(name) < 4 || !strings.HasSuffix(name, "s") || strings.HasSuffix(name, "ss") ||
		strings.ToUpper(name) == name || s.r.g.Lookup(name) != nil || len(s.r.g.Known(name)) > 0 {
		return false
	}
	return true
}

// groundShaped reports whether m, one word after "at/to/from the" in a
// sports story (strictSport), stands as a ground does ("moved to the Bernabeu from
// Liverpool", "at the Riverside."): no plural (a nickname), no acronym
// ("the FA"), nothing the gazetteer knows, and no noun after it that it
// qualifies ("the Balco scandal", "the Carling Cup").
func (s *state) groundShaped(m *mention, lnext string) bool {
	name := m.text
	if strings.HasSuffix(name, "s") || strings.ToUpper(name) == name || m.entry != nil || eventWords[name] {
		return false
	}
	if lnext == "and" || lnext == "or" || possessive[lnext] {
		return false // "prior to the Arsenal and Manchester United game"
	}
	return lnext == "" || !isWord(lnext) || functionWords[lnext] || prepositions[lnext] || lnext == "last" || lnext == "this" || lnext == "next"
}

// firstNamedInFull returns the first mention of a person of several words
// whose folded surname is k, or -1.
func (s *state) firstNamedInFull(k string) int {
	for i, m := range s.ms {
		if m.text == "" || m.typ != gazetteer.Person || m.t1-m.t0 < 2 {
			continue
		}
		name := m.text
		if m.entry != nil {
			name = m.entry.Name
		}
		if f := strings.Fields(name); len(f) >= 2 && gazetteer.Fold(f[len(f)-1]) == k {
			return i
		}
	}
	return -1
}

// soleRoot returns the cluster root (find) of the mentions 0..n-1 that
// match, when they all have one; -1 when none match or two roots do (the
// short name is ambiguous and joins nothing).
func soleRoot(n int, find func(int) int, match func(j int) bool) int {
	root := -1
	for j := range n {
		if !match(j) {
			continue
		}
		if r := find(j); root >= 0 && r != root {
			return -1
		} else {
			root = r
		}
	}
	return root
}
