package chaos

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/pkg/schema"
)

// fixtureCorpus is a small corpus of distinct originals (their words
// drawn from one vocabulary with a skewed frequency, as news text) and one
// syndication variant of the first.
func fixtureCorpus() *Corpus {
	vocab := strings.Fields(`the of and to a in said for on is that was with by at from he it as
		minister talks bank market shares rose fell government election vote club match season film
		award company profit prices growth police court report city council school health energy`)
	var c Corpus
	for a := range 40 {
		var body []string
		for p := range 6 {
			var words []string
			for w := range 30 {
				// Skewed: low ranks often, every word sometimes; plus a
				// name of the article's own (a rare word).
				i := (a*131 + p*17 + w*w*7) % len(vocab)
				if w%3 == 0 {
					i %= 8
				}
				words = append(words, vocab[i])
			}
			words = append(words, fmt.Sprintf("Name%c%c", 'A'+a%26, 'a'+p))
			body = append(body, strings.Join(words, " ")+".")
		}
		c.Originals = append(c.Originals, Text{Title: fmt.Sprintf("Headline %c about %s", 'A'+a%26, vocab[a%len(vocab)]), Body: strings.Join(body, "\n")})
	}
	c.Variants = []Text{{Title: c.Originals[0].Title, Body: "Wire - " + c.Originals[0].Body}}
	return &c
}

func shingles(s string) map[string]bool {
	w := strings.Fields(strings.ToLower(s))
	out := map[string]bool{}
	for i := 0; i+4 <= len(w); i++ {
		out[strings.Join(w[i:i+4], " ")] = true
	}
	return out
}

// containment is the share of a's 4-word shingles that b has.
func containment(a, b string) float64 {
	sa, sb := shingles(a), shingles(b)
	n := 0
	for s := range sa {
		if sb[s] {
			n++
		}
	}
	return float64(n) / float64(max(1, len(sa)))
}

func readLoad(t *testing.T, files []string) []schema.RawArticle {
	t.Helper()
	var out []schema.RawArticle
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var a schema.RawArticle
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
				t.Fatal(err)
			}
			out = append(out, a)
		}
		fh.Close()
	}
	return out
}

// The load is a mix: articles of different rounds are distinct (no
// article contains much of another round's), the variants and the added
// rewrites are copies (most of their text is another article's), and
// every article has its own URL.
func TestLoadInputMixesDistinctArticlesAndCopies(t *testing.T) {
	c := fixtureCorpus()
	pool := len(c.Originals) + len(c.Variants)
	const n = 200
	files, mix, err := WriteLoadInput(c, t.TempDir(), n, 64)
	if err != nil {
		t.Fatal(err)
	}
	arts := readLoad(t, files)
	if len(arts) != n || mix.Articles != n || len(files) != 4 {
		t.Fatalf("%d articles in %d files, mix %+v; want %d in 4 files of at most 64", len(arts), len(files), mix, n)
	}
	urls := map[string]bool{}
	byURL := map[string]schema.RawArticle{}
	for _, a := range arts {
		if urls[a.URL] {
			t.Errorf("URL %s twice", a.URL)
		}
		urls[a.URL] = true
		byURL[a.URL] = a
	}
	// Round 0 is the corpus itself; round 1 rewrites every original.
	for k := range c.Originals {
		r0, r1 := byURL[fmt.Sprintf("https://load.example/r0/%d", k)], byURL[fmt.Sprintf("https://load.example/r1/%d", k)]
		if r0.Text != c.Originals[k].Body {
			t.Fatalf("round 0 article %d is not the corpus's", k)
		}
		if r1.Text == "" {
			t.Fatalf("no round 1 article %d", k)
		}
		if got := containment(r1.Text, r0.Text); got > 0.1 {
			t.Errorf("original %d: %.2f of round 1's text is in round 0's; want distinct articles", k, got)
		}
		if len(strings.Fields(r1.Text)) != len(strings.Fields(r0.Text)) {
			t.Errorf("original %d: round 1 has %d words, round 0 %d; want a word for a word", k, len(strings.Fields(r1.Text)), len(strings.Fields(r0.Text)))
		}
	}
	// A variant stays a copy of its original in every round.
	for round := range 2 {
		orig := byURL[fmt.Sprintf("https://load.example/r%d/0", round)]
		v := byURL[fmt.Sprintf("https://load.example/r%d/%d", round, pool-1)]
		if got := containment(orig.Text, v.Text); got < 0.9 {
			t.Errorf("round %d: the variant holds %.2f of its original; want a copy", round, got)
		}
	}
	copies := 0
	for _, a := range arts {
		if !strings.HasSuffix(a.URL, "/copy") {
			continue
		}
		copies++
		orig := byURL[strings.TrimSuffix(a.URL, "/copy")]
		if got := containment(a.Text, orig.Text); got < 0.9 && containment(orig.Text, a.Text) < 0.9 {
			t.Errorf("%s shares %.2f with %s; want a syndicated rewrite", a.URL, got, orig.URL)
		}
	}
	variants := 0
	for _, a := range arts {
		if !strings.HasSuffix(a.URL, "/copy") && strings.HasSuffix(a.URL, fmt.Sprintf("/%d", pool-1)) {
			variants++
		}
	}
	if copies == 0 || mix.Copies != copies+variants {
		t.Errorf("mix says %d copies; the files hold %d rewrites and %d variants", mix.Copies, copies, variants)
	}
}

// The corpus's own re-publications are copies too: an original that holds
// most of an earlier original's text counts among the copies in every
// round, and one that only quotes a few lines of it does not.
func TestLoadInputCountsTheCorpusRepublications(t *testing.T) {
	c := fixtureCorpus()
	other := func(k, p int) string { return strings.Split(c.Originals[k].Body, "\n")[p] }
	first := c.Originals[3]
	paras := strings.Split(first.Body, "\n")
	c.Originals = append(c.Originals,
		// Republished under another headline, one line added.
		Text{Title: "Another headline", Body: first.Body + "\nThe report was updated on Friday."},
		// The same story rewritten: one paragraph of it quoted, the rest
		// from two other articles, half of it from neither.
		Text{Title: "A rewrite", Body: strings.Join([]string{paras[2], other(7, 0), other(7, 1), other(9, 2), other(9, 3)}, "\n")},
	)
	got := republications(c.Originals)
	for i, r := range got {
		if r != (i == len(c.Originals)-2) {
			t.Errorf("original %d: republished %v", i, r)
		}
	}
	n := 3 * (len(c.Originals) + len(c.Variants))
	_, mix, err := WriteLoadInput(c, t.TempDir(), n, 1000)
	if err != nil {
		t.Fatal(err)
	}
	without, withoutMix := fixtureCorpus(), LoadMix{}
	without.Originals = append(without.Originals, c.Originals[len(c.Originals)-1], Text{Title: "Distinct", Body: "A text of its own, nowhere else."})
	if _, withoutMix, err = WriteLoadInput(without, t.TempDir(), n, 1000); err != nil {
		t.Fatal(err)
	}
	// n covers two whole rounds and part of a third.
	if mix.Republished < 2 || mix.Copies != withoutMix.Copies+mix.Republished || withoutMix.Republished != 0 {
		t.Errorf("with the re-publication: %+v; without it: %+v; want it counted once a round among the copies", mix, withoutMix)
	}
}
