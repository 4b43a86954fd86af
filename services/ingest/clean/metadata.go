package clean

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/schema"
)

// leadingDate matches a date glued to the start of the text, such as
// " date 2022-03-10 Kyiv was shelled" or "Published: 2022-03-10T09:30Z".
var leadingDate = regexp.MustCompile(`^(?i:(?:date|published(?: on)?|posted(?: on)?|updated(?: on)?|fecha|publié le|veröffentlicht(?: am)?|data)\s*:?\s*)?(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?)(?:\s+|$)`)

// dateKeyword matches the label of a written-out date: "Published: 10
// March 2022 ...".
var dateKeyword = regexp.MustCompile(`^(?i:date|published(?: on)?|posted(?: on)?|updated(?: on)?|fecha|publié le|veröffentlicht(?: am)?|data)\s*:?\s+`)

// takeWrittenDate reads a written-out date after a label, or a line that
// is nothing but a date ("10 March 2022", "Monday, 14 March 2022").
func takeWrittenDate(line string) (string, *time.Time) {
	rest := line
	labelled := false
	if m := dateKeyword.FindStringIndex(line); m != nil {
		rest, labelled = line[m[1]:], true
	}
	words := strings.Fields(rest)
	if !labelled {
		if len(words) > 6 {
			return line, nil
		}
		if t, err := schema.ParseTime(rest); err == nil {
			return "", &t
		}
		return line, nil
	}
	for n := min(len(words), 6); n >= 2; n-- {
		cand := strings.TrimRight(strings.Join(words[:n], " "), ".,;:-–—|")
		if t, err := schema.ParseTime(cand); err == nil {
			return strings.Join(words[n:], " "), &t
		}
	}
	return line, nil
}

// takeLeadingDate strips leading dates from line and returns the first.
func takeLeadingDate(line string) (string, *time.Time) {
	var found *time.Time
	for {
		m := leadingDate.FindStringSubmatchIndex(line)
		if m == nil {
			if found == nil {
				return takeWrittenDate(line)
			}
			return line, found
		}
		t, err := schema.ParseTime(line[m[2]:m[3]])
		if err != nil {
			return line, found
		}
		if found == nil {
			found = &t
		}
		line = strings.TrimLeft(line[m[1]:], " ")
	}
}

// banners are notices put in front of a story. They are removed from the
// start of the text or wherever they fill a whole line.
var banners = []*regexp.Regexp{
	regexp.MustCompile(`^(?i)this is an? (?:developing|breaking)(?: news)? story\b[^.…!]{0,80}(?:\.\.\.|[.…!])*\s*`),
	regexp.MustCompile(`^(?i)(?:please )?check back (?:later |soon |shortly )?for (?:possible |more |further |the latest )?updates?\b[^.…!]{0,40}(?:\.\.\.|[.…!])*\s*`),
	regexp.MustCompile(`^(?i)this (?:story|article|page|report) (?:will be|is being|has been|may be) updated\b[^.…!]{0,60}(?:\.\.\.|[.…!])*\s*`),
	regexp.MustCompile(`^(?i)(?:this is )?breaking news(?: update)?\s*(?:[:.…!-]+|$)\s*`),
	regexp.MustCompile(`^(?i)(?:esta es una )?noticia en desarrollo\b[^.…!]{0,80}(?:\.\.\.|[.…!])*\s*`),
	regexp.MustCompile(`^(?i)(?:cet article|cette information|cet article est) (?:est )?en cours d'(?:actualisation|mise à jour)\b[^.…!]{0,60}(?:\.\.\.|[.…!])*\s*`),
	regexp.MustCompile(`^(?i)(?:dieser artikel|diese meldung) wird (?:laufend |fortlaufend )?aktualisiert\b[^.…!]{0,60}(?:\.\.\.|[.…!])*\s*`),
	regexp.MustCompile(`^(?i)(?:notizia|articolo) in aggiornamento\b[^.…!]{0,60}(?:\.\.\.|[.…!])*\s*`),
	regexp.MustCompile(`^(?i)(?:esta )?not[íi]cia (?:está )?em (?:atualização|desenvolvimento)\b[^.…!]{0,60}(?:\.\.\.|[.…!])*\s*`),
}

// stripBanners removes banners from the start of line and returns what is
// left and how many were removed.
func stripBanners(line string) (string, int) {
	n := 0
	if !bannerStart(line) {
		return line, 0
	}
	for again := true; again && line != ""; {
		again = false
		first, _ := utf8.DecodeRuneInString(line)
		if !unicode.IsLetter(first) {
			break
		}
		for _, re := range banners {
			if loc := re.FindStringIndex(line); loc != nil && loc[1] > 0 {
				line = line[loc[1]:]
				n++
				again = true
			}
		}
	}
	return line, n
}

// bannerWords are the first words of the banners, lower case.
var bannerWords = map[string]bool{
	"this": true, "check": true, "please": true, "breaking": true, "esta": true, "noticia": true,
	"cet": true, "cette": true, "dieser": true, "diese": true, "notizia": true, "articolo": true,
	"notícia": true,
}

// bannerStart is a cheap test run before the banner expressions.
func bannerStart(line string) bool {
	end := strings.IndexByte(line, ' ')
	if end < 0 || end > 12 {
		return false
	}
	return bannerWords[strings.ToLower(line[:end])]
}

// looksLikeHeadline reports whether the first paragraph of a text is its
// headline rather than its lede: short, capitalised, one sentence, not
// ending in a full stop, and followed by a longer paragraph.
func looksLikeHeadline(first, next string) bool {
	words := countWords(first)
	if words < 2 || words > 20 || len(first) > 200 {
		return false
	}
	r, size := utf8.DecodeRuneInString(first)
	second, _ := utf8.DecodeRuneInString(first[size:])
	switch {
	case unicode.IsUpper(r), unicode.IsDigit(r), strings.ContainsRune("\"“‘'«¿¡$£€#", r):
	case unicode.IsLower(r) && unicode.IsUpper(second): // "iTunes", "eBay"
	default:
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(first)
	switch {
	case strings.ContainsRune(".,;:…", last):
		return false
	case (last == '?' || last == '!') && words > 14:
		return false
	}
	if strings.Contains(first, ". ") {
		return false // more than one sentence: a lede
	}
	lower := strings.ToLower(first)
	if strings.HasPrefix(lower, "by ") || strings.HasPrefix(lower, "por ") || strings.HasPrefix(lower, "von ") {
		return false // a byline
	}
	// The next paragraph must read as body: longer, or a full sentence.
	if countWords(next) > words {
		return true
	}
	last, _ = utf8.DecodeLastRuneInString(next)
	return strings.ContainsRune(".!?…\"”’»", last)
}

// titlePrefixes are labels syndicators put in front of a headline.
var titlePrefixes = []string{
	"breaking news:", "breaking:", "re:", "fw:", "fwd:", "update:", "updated:", "top story:",
	"exclusive:", "just in:", "world news today -", "world news today:", "latest:",
}

// CleanTitle cleans a headline as Clean cleans a body (escapes, mojibake,
// odd characters, one line, single spaces) and strips syndication labels
// such as "BREAKING:" or "Re:".
func CleanTitle(title string) string {
	if title == "" {
		return ""
	}
	if len(title) > 1024 {
		title = truncate(title, 1024)
	}
	title = strings.ToValidUTF8(title, "\uFFFD")
	title, _ = unescape(title)
	title, _ = RepairMojibake(title)
	title, _ = hygiene(title)
	title = squeeze(strings.ReplaceAll(title, "\n", " "))
	for again := true; again; {
		again = false
		lower := strings.ToLower(title)
		for _, p := range titlePrefixes {
			if strings.HasPrefix(lower, p) && len(title) > len(p) {
				title = strings.TrimSpace(title[len(p):])
				again = true
				break
			}
		}
	}
	return title
}

// sameText reports whether a and b are the same words, ignoring case,
// punctuation and spacing.
func sameText(a, b string) bool {
	return normWords(a) == normWords(b)
}

func normWords(s string) string {
	var b strings.Builder
	space := true
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSpace(b.String())
}
