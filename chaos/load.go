package chaos

import (
	"bufio"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode"
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

// variant rewrites t as syndication would, by kind: with an agency
// dateline, with a site's boilerplate, or as the lead only.
func variant(t Text, kind int) Text {
	switch kind % 3 {
	case 1:
		return Text{Title: t.Title, Body: t.Body + "\n\nFollow us on social media for more news.\nAll rights reserved."}
	case 2:
		paras := strings.Split(t.Body, "\n")
		return Text{Title: t.Title, Body: strings.Join(paras[:max(1, len(paras)/2)], "\n")}
	}
	return Text{Title: t.Title, Body: "LONDON (Newswire) - " + t.Body}
}

// LoadMix is what WriteLoadInput wrote: how many articles, and how many
// of them are copies of another, which dedupe should flag: the corpus's
// syndication variants, the syndicated rewrites it adds, and the
// originals the corpus itself republishes (Republished of the Copies).
type LoadMix struct {
	Articles, Copies int
	// Republished counts the originals that hold most of an earlier
	// original's text (see republications), in every round.
	Republished int
}

// republishedContainment is the share of the smaller text's word
// 5-shingles two originals must share for the later one to count as a
// copy: the BBC corpus's own re-publications (its syndication README
// counts pairs at containment 0.8 or more as duplicates; its same-story
// rewrites sharing quotes are below 0.5).
const republishedContainment = 0.8

// republications marks each text that shares at least
// republishedContainment of the smaller one's word 5-shingles with an
// earlier text: dedupe, seeing them in this order, flags it as a copy.
func republications(texts []Text) []bool {
	sets := make([]map[uint64]bool, len(texts))
	holders := map[uint64][]int{}
	out := make([]bool, len(texts))
	for i, t := range texts {
		sets[i] = wordShingles(t.Title + "\n" + t.Body)
		shared := map[int]int{}
		for s := range sets[i] {
			for _, j := range holders[s] {
				shared[j]++
			}
			holders[s] = append(holders[s], i)
		}
		for j, n := range shared {
			if float64(n) >= republishedContainment*float64(min(len(sets[i]), len(sets[j]))) {
				out[i] = true
				break
			}
		}
	}
	return out
}

// wordShingles hashes every run of five lower-cased words of s.
func wordShingles(s string) map[uint64]bool {
	var words []string
	eachWord(s, func(w string) { words = append(words, strings.ToLower(w)) })
	out := map[uint64]bool{}
	for i := 0; i+5 <= len(words); i++ {
		h := fnv.New64a()
		h.Write([]byte(strings.Join(words[i:i+5], " ")))
		out[h.Sum64()] = true
	}
	return out
}

// loadDay is the day the load's articles were published, spread evenly
// over it: a news monitor's day.
var loadDay = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

// copyEvery is how often WriteLoadInput follows an article with a
// syndicated rewrite of it: with the corpus's own variants (about one
// article in five of BBC and variants.jsonl) about 30 % of the articles
// are copies, a share news monitors report for wire-heavy feeds.
const copyEvery = 8

// WriteLoadInput writes n articles to dir as .jsonl files of at most
// perFile lines, round after round over the corpus (originals, then
// variants). Round 0 is the corpus as it is; every later round rewrites
// each word through a permutation of its own (words swap with words of
// about the same frequency, so the text keeps the corpus's word statistics;
// rare words take a suffix of the round, so the vocabulary grows as a news
// stream's does), which makes each round's articles distinct from every
// other round's, while a variant stays a copy of its original within the
// round, and so does an original that republishes an earlier one
// (republications). Every copyEvery-th article is followed by a syndicated rewrite of
// it (variant). Every article has a unique URL, so a new id, and a
// publication time of its own, the n spread over one day. It returns the
// files and the mix.
func WriteLoadInput(c *Corpus, dir string, n, perFile int) ([]string, LoadMix, error) {
	var mix LoadMix
	pool := append(append([]Text{}, c.Originals...), c.Variants...)
	words := newWordPermuter(pool)
	republished := republications(c.Originals)
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
	write := func(t Text, url string, round int) error {
		if mix.Articles%perFile == 0 {
			if err := closeFile(); err != nil {
				return err
			}
			path := filepath.Join(dir, fmt.Sprintf("load-%04d.jsonl", mix.Articles/perFile))
			var err error
			if f, err = os.Create(path); err != nil {
				return err
			}
			w = bufio.NewWriterSize(f, 1<<20)
			files = append(files, path)
		}
		b, err := json.Marshal(schema.RawArticle{
			URL:         url,
			Source:      fmt.Sprintf("load-%d", round%7),
			Title:       t.Title,
			Text:        t.Body,
			PublishedAt: loadDay.Add(time.Duration(mix.Articles) * 24 * time.Hour / time.Duration(n)).Format(time.RFC3339),
		})
		if err != nil {
			return err
		}
		w.Write(b)
		w.WriteByte('\n')
		mix.Articles++
		return nil
	}
	for i := 0; mix.Articles < n; i++ {
		round, k := i/len(pool), i%len(pool)
		t := words.rewrite(pool[k], round)
		if err := write(t, fmt.Sprintf("https://load.example/r%d/%d", round, k), round); err != nil {
			return nil, mix, err
		}
		switch {
		case k >= len(c.Originals):
			mix.Copies++ // a syndication variant of an original of this round
		case republished[k]:
			// The round's words are permuted alike, so it stays a copy.
			mix.Copies++
			mix.Republished++
		}
		if i%copyEvery == copyEvery-1 && mix.Articles < n {
			if err := write(variant(t, i/copyEvery), fmt.Sprintf("https://load.example/r%d/%d/copy", round, k), round+1); err != nil {
				return nil, mix, err
			}
			mix.Copies++
		}
	}
	if err := closeFile(); err != nil {
		return nil, mix, err
	}
	return files, mix, nil
}

// wordPermuter rewrites texts word by word, a different way each round.
type wordPermuter struct {
	// rank is each lower-cased word's rank by corpus frequency, and
	// byRank the words in that order.
	rank   map[string]int
	byRank []string
	// rare is the first rank of the words that occur at most twice.
	rare int
}

// permBlock is the size of the frequency bands whose words swap.
const permBlock = 64

func newWordPermuter(texts []Text) *wordPermuter {
	count := map[string]int{}
	for _, t := range texts {
		for _, s := range []string{t.Title, t.Body} {
			eachWord(s, func(w string) { count[strings.ToLower(w)]++ })
		}
	}
	p := &wordPermuter{rank: make(map[string]int, len(count))}
	for w := range count {
		p.byRank = append(p.byRank, w)
	}
	sort.Slice(p.byRank, func(i, j int) bool {
		a, b := p.byRank[i], p.byRank[j]
		if count[a] != count[b] {
			return count[a] > count[b]
		}
		return a < b
	})
	p.rare = len(p.byRank)
	for i, w := range p.byRank {
		p.rank[w] = i
		if count[w] <= 2 && p.rare == len(p.byRank) {
			p.rare = i
		}
	}
	return p
}

// rewrite returns t as round writes it: round 0 unchanged; later rounds
// swap every word below the rare ones with the word whose rank differs by
// XOR with the round, which keeps it inside its band of permBlock ranks
// (a bijection, so distinct words stay distinct; round permBlock repeats
// round 0's, but its rare words still differ), and give every rare word the round as a
// suffix. The first letter's case and an all-capitals word are kept.
func (p *wordPermuter) rewrite(t Text, round int) Text {
	if round == 0 {
		return t
	}
	return Text{Title: p.rewriteString(t.Title, round), Body: p.rewriteString(t.Body, round)}
}

func (p *wordPermuter) rewriteString(s string, round int) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	last := 0
	eachWordAt(s, func(start, end int) {
		b.WriteString(s[last:start])
		last = end
		w := s[start:end]
		r, ok := p.rank[strings.ToLower(w)]
		var out string
		switch {
		case !ok || r >= p.rare:
			out = strings.ToLower(w) + roundSuffix(round)
		default:
			j := r ^ (round % permBlock) // stays in r's band
			if j >= p.rare {
				j = r // the last band is short: keep the word
			}
			out = p.byRank[j]
		}
		b.WriteString(matchCase(out, w))
	})
	b.WriteString(s[last:])
	return b.String()
}

// roundSuffix spells a round in letters ("b", "c", ..., "ba"), so a rare
// word of another round is another word.
func roundSuffix(round int) string {
	var buf [8]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('a' + round%26)
		round /= 26
		if round == 0 || i == 0 {
			break
		}
	}
	return string(buf[i:])
}

// matchCase gives w the case pattern of like: all capitals, a capital
// first letter, or lower case.
func matchCase(w, like string) string {
	if strings.ToUpper(like) == like && strings.ToLower(like) != like && utf8.RuneCountInString(like) > 1 {
		return strings.ToUpper(w)
	}
	r, _ := utf8.DecodeRuneInString(like)
	if unicode.IsUpper(r) {
		first, size := utf8.DecodeRuneInString(w)
		return string(unicode.ToUpper(first)) + w[size:]
	}
	return w
}

// eachWord calls f for every run of letters and digits in s.
func eachWord(s string, f func(string)) {
	eachWordAt(s, func(start, end int) { f(s[start:end]) })
}

// eachWordAt calls f with the byte range of every run of letters and
// digits in s.
func eachWordAt(s string, f func(start, end int)) {
	start := -1
	for i, r := range s {
		word := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			f(start, i)
			start = -1
		}
	}
	if start >= 0 {
		f(start, len(s))
	}
}
