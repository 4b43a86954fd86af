package clean

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/schema"
)

// DefaultMaxBytes caps the text Clean works on; longer input is cut at a
// line break (Cleaning.Truncated). It is far above any real article.
const DefaultMaxBytes = 1 << 20

// MaxLearnWords is the longest line offered to a boilerplate learner.
const MaxLearnWords = 25

// learnTop and learnBottom are how many paragraphs at the top and the
// bottom of an article are offered to a boilerplate learner.
const learnTop, learnBottom = 4, 6

// Options tune one Clean call. The zero value is ready to use.
type Options struct {
	// Title is the headline when the caller already has it. A first
	// line repeating it is dropped, and no title is taken from the text.
	Title string
	// Boilerplate holds lines learned for the article's source.
	Boilerplate LineSet
	// MaxBytes caps the input; 0 means DefaultMaxBytes.
	MaxBytes int
	// SiteKeys name the article's outlet (SiteKeys of its source and
	// domain): a part of the title naming it is cut (TrimSiteName).
	SiteKeys []string
}

// Result is a cleaned article.
type Result struct {
	// Body holds paragraphs separated by one blank line.
	Body string
	// Title is Options.Title, else a headline found on the first line.
	Title string
	// PublishedAt is a date found glued to the start of the text.
	PublishedAt *time.Time
	// Cleaning records what was done; it maps onto schema.Document.
	Cleaning schema.Cleaning
	// LearnKeys are the LineKey values of the short paragraphs kept near
	// the top and the bottom of Body, for a learner of per-source
	// boilerplate.
	LearnKeys []string
}

// Clean turns scraped text into clean paragraphs. It never panics, never
// returns more than a small multiple of its input, and is idempotent:
// cleaning Body again with the returned Title gives the same Body.
func Clean(text string, opts Options) Result {
	res := cleanOnce(text, opts)
	if res.Body == text {
		return res // nothing changed, so nothing new to do
	}
	// A step can expose work for an earlier one (joining lines can put a
	// space after a stray "Ã"), so clean again until the body settles.
	for i := 0; i < 3; i++ {
		again := cleanOnce(res.Body, Options{Title: res.Title, Boilerplate: opts.Boilerplate, MaxBytes: opts.MaxBytes, SiteKeys: opts.SiteKeys})
		if again.Body == res.Body {
			break
		}
		res.Body, res.LearnKeys = again.Body, again.LearnKeys
		if res.PublishedAt == nil && again.PublishedAt != nil {
			res.PublishedAt = again.PublishedAt
		}
		merge(&res.Cleaning, again.Cleaning)
	}
	return res
}

// merge adds the counts of a later pass to c.
func merge(c *schema.Cleaning, later schema.Cleaning) {
	c.EscapeLayers += later.EscapeLayers
	c.MojibakeRepairs += later.MojibakeRepairs
	c.LostLetters = later.LostLetters
	c.BoilerplateLines += later.BoilerplateLines
	c.Banners += later.Banners
	c.ControlChars += later.ControlChars
	c.DateFromBody = c.DateFromBody || later.DateFromBody
	c.TitleSiteName = c.TitleSiteName || later.TitleSiteName
	c.Truncated = c.Truncated || later.Truncated
}

// repeatsTitle reports whether a paragraph is the headline again.
func repeatsTitle(para, title string) bool {
	return sameText(para, title) || sameText(CleanTitle(para), title)
}

func cleanOnce(text string, opts Options) Result {
	var res Result
	c := &res.Cleaning
	max := opts.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	if len(text) > max {
		text = truncate(text, max)
		c.Truncated = true
	}
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	text, c.EscapeLayers = unescape(text)
	var n int
	text, c.MojibakeRepairs = fixMojibake(text)
	text, n = fixC1(text)
	c.MojibakeRepairs += n
	text, c.ControlChars = hygiene(text)

	lines := splitLines(text)
	lines = stripLead(lines, &res)
	// Removing lines can make new neighbours (two teaser runs split by a
	// listed line); a few rounds settle it, and the cap keeps the work
	// linear.
	for round := 0; round < 4; round++ {
		var removed int
		lines, removed = removeBoilerplate(lines, opts.Boilerplate, c)
		if removed == 0 {
			break
		}
	}
	paras := paragraphs(lines)

	res.Title = CleanTitle(opts.Title)
	if res.Title != "" {
		headline, _ := TrimSiteName(res.Title, opts.SiteKeys)
		if len(paras) > 0 && (repeatsTitle(paras[0], res.Title) || repeatsTitle(paras[0], headline)) {
			paras = paras[1:]
		}
	} else if len(paras) >= 2 && looksLikeHeadline(paras[0], paras[1]) {
		res.Title = CleanTitle(paras[0])
		paras = paras[1:]
		c.TitleFromBody = true
	}
	res.Title, c.TitleSiteName = TrimSiteName(res.Title, opts.SiteKeys)
	paras = stripLead(paras, &res)
	if res.PublishedAt != nil {
		c.DateFromBody = true
	}

	// Furniture sits at the edges of an article: only paragraphs near
	// the top or the bottom are offered for learning, which also bounds
	// the keys an article adds to the learner's store.
	for j, p := range paras {
		if j >= learnTop && j < len(paras)-learnBottom {
			continue
		}
		if countWords(p) <= MaxLearnWords {
			if k := LineKey(p); k != "" {
				res.LearnKeys = append(res.LearnKeys, k)
			}
		}
	}
	res.Body = strings.Join(paras, "\n\n")
	c.LostLetters = lostLetters(res.Body)
	return res
}

// truncate cuts s to at most max bytes, at a line break when one is near.
func truncate(s string, max int) string {
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if nl := strings.LastIndexByte(s[:cut], '\n'); nl > cut-cut/8 {
		cut = nl
	}
	return s[:cut]
}

// splitLines splits text into trimmed lines with single spaces; blank
// lines become "".
func splitLines(text string) []string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = squeeze(l)
	}
	return lines
}

// squeeze trims a line and collapses runs of spaces.
func squeeze(l string) string {
	l = strings.TrimSpace(l)
	if !strings.Contains(l, "  ") {
		return l
	}
	var b strings.Builder
	b.Grow(len(l))
	space := false
	for i := 0; i < len(l); i++ {
		if l[i] == ' ' {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteByte(l[i])
	}
	return b.String()
}

// stripLead removes dates and banners from the first non-empty lines,
// dropping lines they leave empty.
func stripLead(lines []string, res *Result) []string {
	for len(lines) > 0 {
		if lines[0] == "" {
			lines = lines[1:]
			continue
		}
		l, t := takeLeadingDate(lines[0])
		if t != nil && res.PublishedAt == nil {
			res.PublishedAt = t
		}
		l, n := stripBanners(l)
		res.Cleaning.Banners += n
		if l != lines[0] {
			l2, t2 := takeLeadingDate(l)
			if t2 != nil && res.PublishedAt == nil {
				res.PublishedAt = t2
			}
			l = l2
		}
		if l == lines[0] {
			break
		}
		if l == "" {
			lines = lines[1:]
			continue
		}
		out := make([]string, len(lines))
		copy(out, lines)
		out[0] = l
		lines = out
	}
	return lines
}

// removeBoilerplate drops site furniture: listed and learned lines,
// banners, captions, related-story headings with the teasers under them,
// runs of teasers that share a kicker ("Ukraine war: ...", "Ukraine war
// latest – ..."), runs of teasers with different kickers that read as
// related-story links (relatedList), and "<topic> latest – ..." lines
// alone. A run of
// short lines with nothing to mark it as furniture stays: on the BBC
// corpus such runs were lists of nominees and results, not links. Blank lines stay as
// paragraph separators. It returns the lines kept and how many were
// removed.
func removeBoilerplate(lines []string, learned LineSet, c *schema.Cleaning) ([]string, int) {
	type info struct {
		words  int
		teaser bool
		drop   bool
	}
	learned = trustLearned(lines, learned)
	inf := make([]info, len(lines))
	removed, covered := 0, 0
	for i, l := range lines {
		if l == "" {
			continue
		}
		w := countWords(l)
		inf[i].words, inf[i].teaser = w, teaser(l, w)
		if w > MaxBoilerplateWords {
			continue // a paragraph: no rule may remove it
		}
		if w > MaxLearnWords {
			// Too long for the lists and the learned lines: only a
			// caption can still match.
			if isCaption(l, w) {
				inf[i].drop = true
				c.BoilerplateLines++
			}
			continue
		}
		key := LineKey(l)
		switch {
		case inf[i].drop: // a teaser under a heading
		case isBoilerplate(l, key, w, learned):
			inf[i].drop = true
			c.BoilerplateLines++
		default:
			if rest, n := stripBanners(l); n > 0 && rest == "" {
				inf[i].drop = true
				c.Banners += n
			}
		}
		if headingLines[key] && i >= covered {
			// The teasers listed under a "Related stories" heading.
			// covered keeps repeated headings from rescanning the same
			// lines (quadratic on "Read more" x 100,000).
			j := i + 1
			for ; j < len(lines); j++ {
				if lines[j] == "" {
					continue
				}
				if !teaser(lines[j], countWords(lines[j])) {
					break
				}
				if !inf[j].drop {
					inf[j].drop = true
					c.BoilerplateLines++
				}
			}
			covered = j
		}
	}
	// Runs of teasers sharing a kicker, and runs with different kickers
	// that read as related-story links (relatedList).
	var run, list []int
	var topics, headlines []string
	drop := func(lines []int) {
		for _, j := range lines {
			if !inf[j].drop {
				inf[j].drop = true
				c.BoilerplateLines++
			}
		}
	}
	flush := func() {
		if len(run) >= 2 {
			drop(run)
		}
		run = run[:0]
	}
	flushList := func() {
		flush()
		if relatedList(topics, headlines) {
			drop(list)
		}
		list, topics, headlines = list[:0], topics[:0], headlines[:0]
	}
	prevKicker := ""
	for i, l := range lines {
		if l == "" {
			continue
		}
		if inf[i].drop {
			// Furniture already ("Pictures: Jane Doe" is a caption
			// label): it joins a list of links without breaking the
			// runs around it.
			if k, h, _ := kicker(l); inf[i].teaser && k != "" {
				list, topics, headlines = append(list, i), append(topics, k), append(headlines, h)
			}
			continue
		}
		k, h, live := "", "", false
		if inf[i].teaser {
			k, h, live = kicker(l)
		}
		if live {
			// "Ukraine war latest – …" links to a live page, alone too.
			inf[i].drop = true
			c.BoilerplateLines++
		}
		if k == "" {
			flushList()
		} else if k != prevKicker {
			flush()
		}
		if k != "" {
			run = append(run, i)
			list, topics, headlines = append(list, i), append(topics, k), append(headlines, h)
		}
		prevKicker = k
	}
	flushList()
	out := lines[:0:0]
	for i, l := range lines {
		if inf[i].drop {
			removed++
			continue
		}
		out = append(out, l)
	}
	return out, removed
}

// trustLearned returns learned unless it would remove more than half of
// the lines the built-in rules keep: furniture is a few lines at the
// edges, so a text made mostly of lines its source has printed before is
// a re-sent or copied article (dedupe's business), and its short
// paragraphs stay. Lines the built-in rules drop anyway do not count, or
// a short text padded with furniture could lose all its content.
func trustLearned(lines []string, learned LineSet) LineSet {
	if learned == nil {
		return nil
	}
	matches, total := 0, 0
	for _, l := range lines {
		if l == "" {
			continue
		}
		w := countWords(l)
		key := LineKey(l)
		if isBoilerplate(l, key, w, nil) {
			continue
		}
		if rest, n := stripBanners(l); n > 0 && rest == "" {
			continue
		}
		total++
		if w <= MaxLearnWords && learned.Contains(key) {
			matches++
		}
	}
	if matches*2 > total {
		return nil
	}
	return learned
}

// paragraphs groups lines into paragraphs. A blank line ends a paragraph;
// so does a line break after sentence punctuation or before a capital. A
// line that starts in lower case after an unfinished line continues it
// (hard-wrapped text).
func paragraphs(lines []string) []string {
	var paras []string
	var cur []string // lines of the paragraph being built
	flush := func() {
		if len(cur) > 0 {
			paras = append(paras, strings.Join(cur, " "))
			cur = cur[:0]
		}
	}
	for _, l := range lines {
		if l == "" {
			flush()
			continue
		}
		if len(cur) > 0 && continues(cur[len(cur)-1], l) {
			cur = append(cur, l)
			continue
		}
		flush()
		cur = append(cur, l)
	}
	flush()
	return paras
}

func continues(prev, next string) bool {
	last, _ := utf8.DecodeLastRuneInString(prev)
	if strings.ContainsRune(".!?…:;\"”’»)]", last) {
		return false
	}
	first, _ := utf8.DecodeRuneInString(next)
	return unicode.IsLower(first)
}
