package cluster

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	snowball "github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/danish"
	"github.com/blevesearch/snowballstem/dutch"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/french"
	"github.com/blevesearch/snowballstem/german"
	"github.com/blevesearch/snowballstem/italian"
	"github.com/blevesearch/snowballstem/norwegian"
	"github.com/blevesearch/snowballstem/portuguese"
	"github.com/blevesearch/snowballstem/romanian"
	"github.com/blevesearch/snowballstem/russian"
	"github.com/blevesearch/snowballstem/spanish"
	"github.com/blevesearch/snowballstem/swedish"
	"github.com/blevesearch/snowballstem/turkish"
)

// stemmers are the Snowball stemmers by ISO 639-1 code. A language
// without one keeps its lower-cased words.
var stemmers = map[string]func(*snowball.Env) bool{
	"en": english.Stem, "fr": french.Stem, "de": german.Stem, "es": spanish.Stem,
	"it": italian.Stem, "pt": portuguese.Stem, "nl": dutch.Stem, "sv": swedish.Stem,
	"no": norwegian.Stem, "da": danish.Stem, "ro": romanian.Stem, "ru": russian.Stem,
	"tr": turkish.Stem,
}

// stemCacheMax bounds each language's cache of stems; a full cache is
// emptied and refilled (news vocabulary repeats, so it refills quickly).
const stemCacheMax = 1 << 17

type stemCache struct {
	mu    sync.RWMutex
	stems map[string]string
}

var stemCaches sync.Map // language -> *stemCache

// stem returns the Snowball stem of a lower-case word in language lang.
func stem(lang, word string) string {
	fn := stemmers[lang]
	if fn == nil {
		return word
	}
	c, ok := stemCaches.Load(lang)
	if !ok {
		c, _ = stemCaches.LoadOrStore(lang, &stemCache{stems: map[string]string{}})
	}
	cache := c.(*stemCache)
	cache.mu.RLock()
	s, ok := cache.stems[word]
	cache.mu.RUnlock()
	if ok {
		return s
	}
	env := snowball.NewEnv(word)
	fn(env)
	key, s := cacheStrings(word, env.Current())
	cache.mu.Lock()
	if len(cache.stems) >= stemCacheMax {
		clear(cache.stems)
	}
	cache.stems[key] = s
	cache.mu.Unlock()
	return s
}

// cacheStrings returns copies of word and its stem that share no memory
// with the text word was cut from. Terms cuts words out of an article's
// title and body without copying them, and Snowball leaves a stem that
// only drops a suffix (or nothing) in the word's memory, so a cached
// stem would otherwise keep the whole article text alive as long as the
// cache keeps it: with new words in most articles, the texts of thousands
// of articles (20-30 MB in make load's heap profiles). A stem that
// begins the word shares the key's copy.
func cacheStrings(word, stem string) (key, cached string) {
	key = strings.Clone(word)
	if strings.HasPrefix(word, stem) {
		return key, key[:len(stem)]
	}
	return key, strings.Clone(stem)
}

// TermHash is the 64-bit FNV-1a hash of a term: the key of document
// frequencies, centroids and postings. It is stable across processes and
// versions, since the log and the background table store it.
func TermHash(term string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(term); i++ {
		h ^= uint64(term[i])
		h *= 1099511628211
	}
	return h
}

// EntityHash is the key of an entity id, distinct from every word's.
func EntityHash(id string) uint64 { return TermHash("\x00e:" + id) }

// maxTokens bounds the words read from one body: the lead of a news
// report names its event, and the bound caps the cost of long articles.
const maxTokens = 600

// Terms returns the stemmed content words of text in language lang
// (ISO 639-1, or empty), at most maxTokens of them, in order. Words of one
// letter, numbers of fewer than three digits and stop words are dropped.
func Terms(text, lang string) []string {
	if lang == "" {
		lang = "en"
	}
	stops := stopwords[lang]
	var out []string
	i := 0
	for i < len(text) && len(out) < maxTokens {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			i += size
			continue
		}
		j := i
		letters, digits := 0, 0
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			switch {
			case unicode.IsLetter(r):
				letters++
			case unicode.IsDigit(r):
				digits++
			case (r == '\'' || r == '’' || r == '-') && j+size < len(text):
				// inside a word (don't, well-known); a trailing mark ends it
				next, _ := utf8.DecodeRuneInString(text[j+size:])
				if !unicode.IsLetter(next) {
					goto done
				}
			default:
				goto done
			}
			j += size
		}
	done:
		word := text[i:j]
		i = j
		if letters == 0 && digits < 3 || letters+digits < 2 {
			continue
		}
		lower := strings.ToLower(word)
		if k := strings.IndexAny(lower, "'’"); k > 0 {
			lower = lower[:k] // possessives and contractions: police's -> police
		}
		if stops[lower] {
			continue
		}
		if letters > 0 {
			lower = stem(lang, lower)
		}
		out = append(out, lower)
	}
	return out
}

// stopwords are function words per language, lower case.
var stopwords = func() map[string]map[string]bool {
	lists := map[string]string{
		"en": `a about above after again against all also am an and any are aren't as at be because been before being below between both but by
can cannot could couldn't did didn't do does doesn't doing don't down during each few for from further had hadn't has hasn't have haven't having
he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more
most mustn't my myself no nor not of off on once only or other ought our ours ourselves out over own same shan't she she'd she'll she's should
shouldn't so some such than that that's the their theirs them themselves then there there's these they they'd they'll they're they've this
those through to too under until up very was wasn't we we'd we'll we're we've were weren't what what's when when's where where's which while who
who's whom why why's with won't would wouldn't you you'd you'll you're you've your yours yourself yourselves said says say told according
will just one two new also like get got would could may might us mr mrs ms dr its since via per yet still however many much even
monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow week year years day days time`,
		"es": `el la los las de del y en que es por con para una un se su al lo como más pero sus le ya fue ha este esta también entre sobre dijo o u ni
sin muy son ser han hay era desde todo todos esto eso esa ese cuando donde quien porque sino hasta`,
		"fr": `le la les des de du et en un une est que qui pour dans par sur au aux pas ne il elle ont a été avec ce cette son sa ses plus ou mais
où donc ni car se leur leurs nous vous ils elles être avoir fait dit aussi comme tout tous`,
		"de": `der die das und in den von zu mit ist des sich nicht auf ein eine dem für im auch es an als wurde bei nach sie er wird hat aus werden über
einer eines einem oder aber wie noch nur so war sind vor zum zur um bis durch`,
		"it": `il la le di e che per un una in del della è non con si da al alla sono dei delle ha anche come più nel nella gli lo ma stato o i questo
questa ad tra fra sul sulla`,
		"pt": `o a os as de do da dos das e em que um uma para com não por no na se ao mais foi como pelo pela é são seu sua também ou nos nas`,
		"nl": `de het een en van in is op dat die te met voor niet zijn er aan ook als bij door om werd naar wordt maar hij ze heeft worden`,
	}
	out := map[string]map[string]bool{}
	for lang, words := range lists {
		m := map[string]bool{}
		for _, w := range strings.Fields(words) {
			m[w] = true
			if k := strings.IndexByte(w, '\''); k > 0 {
				m[w[:k]] = true
			}
		}
		out[lang] = m
	}
	return out
}()

// maxNumbers bounds the distinct numbers an article keeps (its title's
// first, then its body's in order).
const maxNumbers = 32

// NumberHash is the key of a number an article states, distinct from
// every word's and entity's.
func NumberHash(n string) uint64 { return TermHash("\x00n:" + n) }

// Numbers returns the numbers text states, in order: a run of digits
// with its decimal part (6.1) and thousands groups (4,000 -> 4000) kept
// whole. A number inside a word (G20, 9mm, 2nd; a hyphen ends a word, so
// covid-19 states 19) and a lone digit (5 people) are left out: the first
// names things, the second is too common to tell events apart.
func Numbers(text string) []string {
	var out []string
	i := 0
	for i < len(text) {
		c := text[i]
		if c < '0' || c > '9' {
			i++
			continue
		}
		start := i
		var b []byte
		for i < len(text) {
			c := text[i]
			switch {
			case c >= '0' && c <= '9':
				b = append(b, c)
				i++
				continue
			case c == ',' && isDigits(text[i+1:min(i+4, len(text))], 3) && (i+4 == len(text) || !isDigit(text[i+4])):
				i++ // a thousands separator: 4,000
				continue
			case c == '.' && i+1 < len(text) && isDigit(text[i+1]) && !strings.Contains(string(b), "."):
				b = append(b, '.')
				i++
				continue
			}
			break
		}
		// inside a word: a letter right before or after the number
		if before, _ := utf8.DecodeLastRuneInString(text[:start]); start > 0 && unicode.IsLetter(before) {
			continue
		}
		if after, _ := utf8.DecodeRuneInString(text[i:]); i < len(text) && unicode.IsLetter(after) {
			continue
		}
		if len(b) < 2 {
			continue
		}
		out = append(out, string(b))
	}
	return out
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// weekdayStems are the English weekday names without their "day", in the
// order of time.Weekday (Sunday first): a name's bit in Weekdays is 1
// shifted by its index.
var weekdayStems = [7]string{"sun", "mon", "tues", "wednes", "thurs", "fri", "satur"}

// Weekdays is the set of weekdays an English text names, as bits (bit 0
// Sunday to bit 6 Saturday, as time.Weekday): "Monday", "monday",
// "MONDAY" and "Monday's" name Monday; "Mondays" (a habit, not a day) and
// a name inside a longer word do not.
func Weekdays(text string) uint8 {
	return weekdaysEndingIn(text, "day") | weekdaysEndingIn(text, "DAY")
}

// weekdaysEndingIn is Weekdays for the names written with this "day".
func weekdaysEndingIn(text, day string) uint8 {
	var set uint8
	for i := 0; ; {
		k := strings.Index(text[i:], day)
		if k < 0 {
			return set
		}
		end := i + k // where "day" starts
		i = end + len(day)
		if i < len(text) && isASCIILetter(text[i]) {
			continue
		}
		start := end
		for start > 0 && isASCIILetter(text[start-1]) {
			start--
		}
		if before, _ := utf8.DecodeLastRuneInString(text[:start]); start > 0 && unicode.IsLetter(before) {
			continue // inside a word of another script: "lúmonday"
		}
		for d, stem := range weekdayStems {
			if strings.EqualFold(text[start:end], stem) {
				set |= 1 << d
				break
			}
		}
	}
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
