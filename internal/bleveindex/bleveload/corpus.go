package main

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/newsflow/newsflow/pkg/schema"
)

// corpus makes synthetic news articles whose vocabulary behaves like
// news: a Zipf-distributed general vocabulary of tens of thousands of
// words, topic words that cluster in stories, people, organisations and
// places that recur across articles, numbers, and a trickle of words never
// seen before, so that the term dictionary keeps growing as in a real feed.
type corpus struct {
	r       *rand.Rand
	general *rand.Zipf
	words   []string
	topics  [][]string
	persons []schema.Entity
	orgs    []schema.Entity
	places  []schema.Place
	sources []schema.Source
	entityZ *rand.Zipf
	t0      time.Time
}

var syllables = strings.Fields(`ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo fu ga ge gi go gu
ha he hi ho hu ja je jo ka ke ki ko la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro
ru sa se si so su ta te ti to tu va ve vi vo wa we wi ya yo za ze an en in on un ar er ir or ur al el il ol
st tr pr gr br cl fl sh ch th`)

func newCorpus(seed uint64) *corpus {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	c := &corpus{r: r, t0: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	seen := map[string]bool{}
	for len(c.words) < 40_000 {
		w := c.word(2 + r.IntN(3))
		if !seen[w] {
			seen[w] = true
			c.words = append(c.words, w)
		}
	}
	c.general = rand.NewZipf(r, 1.07, 2, uint64(len(c.words)-1))
	for range 400 {
		t := make([]string, 120)
		for i := range t {
			t[i] = c.words[500+r.IntN(len(c.words)-500)]
		}
		c.topics = append(c.topics, t)
	}
	name := func() string {
		s := c.word(2)
		return strings.ToUpper(s[:1]) + s[1:]
	}
	for i := range 8000 {
		c.persons = append(c.persons, schema.Entity{Name: name() + " " + name() + name(), ID: "Q" + strconv.Itoa(1_000_000+i)})
	}
	for i := range 3000 {
		c.orgs = append(c.orgs, schema.Entity{Name: name() + name() + " " + []string{"Group", "Bank", "Party", "Council", "FC", "Ltd"}[i%6], ID: "Q" + strconv.Itoa(2_000_000+i)})
	}
	for i := range 2000 {
		c.places = append(c.places, schema.Place{
			Entity:  schema.Entity{Name: name() + name(), ID: "Q" + strconv.Itoa(3_000_000+i)},
			Country: strings.ToUpper(c.word(1)[:2]),
		})
	}
	for i := range 60 {
		n := name() + " " + []string{"News", "Times", "Herald", "Wire", "Post"}[i%5]
		c.sources = append(c.sources, schema.Source{Name: n, Domain: strings.ToLower(strings.ReplaceAll(n, " ", "")) + ".example"})
	}
	c.entityZ = rand.NewZipf(r, 1.2, 3, 1999)
	return c
}

func (c *corpus) word(syl int) string {
	var b strings.Builder
	for range syl {
		b.WriteString(syllables[c.r.IntN(len(syllables))])
	}
	return b.String()
}

// next returns the i-th article: 3-5 KB of body.
func (c *corpus) next(i int) *schema.Document {
	r := c.r
	topic := c.topics[r.IntN(len(c.topics))]
	persons := c.pickEntities(c.persons, 1+r.IntN(4))
	orgs := c.pickEntities(c.orgs, r.IntN(3))
	var places []schema.Place
	for range 1 + r.IntN(3) {
		places = append(places, c.places[c.entityZ.Uint64()%uint64(len(c.places))])
	}
	pick := func() string {
		switch x := r.IntN(100); {
		case x < 72:
			return c.words[c.general.Uint64()]
		case x < 92:
			return topic[r.IntN(len(topic))]
		case x < 94:
			return strconv.Itoa(r.IntN(5000))
		case x < 95:
			return c.word(3) // a word never seen before, as names and typos are
		case x < 97:
			return persons[r.IntN(len(persons))].Name
		case x < 98 && len(orgs) > 0:
			return orgs[r.IntN(len(orgs))].Name
		default:
			return places[r.IntN(len(places))].Name
		}
	}
	var title strings.Builder
	for j := range 6 + r.IntN(7) {
		if j > 0 {
			title.WriteByte(' ')
		}
		title.WriteString(pick())
	}
	size := 3000 + r.IntN(2000)
	var body strings.Builder
	body.Grow(size + 200)
	for body.Len() < size {
		n := 10 + r.IntN(20)
		for j := range n {
			w := pick()
			if j == 0 {
				w = strings.ToUpper(w[:1]) + w[1:]
			}
			body.WriteString(w)
			if j < n-1 {
				body.WriteByte(' ')
			}
		}
		body.WriteString(". ")
		if r.IntN(5) == 0 {
			body.WriteString("\n\n")
		}
	}
	src := c.sources[r.IntN(len(c.sources))]
	id := fmt.Sprintf("%016x", r.Uint64())
	ingested := c.t0.Add(time.Duration(i) * time.Second)
	pub := ingested.Add(-time.Duration(r.IntN(7200)) * time.Second)
	d := &schema.Document{
		SchemaVersion: schema.Version,
		ID:            id,
		URL:           "https://" + src.Domain + "/news/" + id,
		Source:        src,
		Title:         title.String(),
		Body:          body.String(),
		PublishedAt:   &pub,
		IngestedAt:    ingested,
		Language:      "en",
		Entities:      schema.Entities{Persons: persons, Organizations: orgs, Places: places},
	}
	if r.IntN(10) == 0 { // a syndicated copy of some earlier story
		d.ClusterID = fmt.Sprintf("%016x", r.Uint64()%1_000_000)
		d.DuplicateOf = d.ClusterID
	}
	d.WordCount = schema.CountWords(d.Body)
	return d
}

func (c *corpus) pickEntities(pool []schema.Entity, n int) []schema.Entity {
	out := make([]schema.Entity, 0, n)
	for range n {
		out = append(out, pool[c.entityZ.Uint64()%uint64(len(pool))])
	}
	return out
}
