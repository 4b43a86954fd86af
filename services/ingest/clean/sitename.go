package clean

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// titleSeparators split a headline from the outlet's name that pages and
// feeds put before or after it: "Vigil held for teen - WFSB 3
// Connecticut", "KWWL | Eastern Iowa Breaking News | …".
var titleSeparators = []string{" - ", " – ", " — ", " | ", " :: ", " · ", " • "}

// siteWords are words of outlets' names rather than of headlines: a run
// of capitalised words with two of them ("News, Weather, Sports") names
// a site even when the site's own name is not known.
var siteWords = map[string]bool{
	"news": true, "weather": true, "sports": true, "sport": true, "breaking": true, "channel": true,
	"station": true, "tv": true, "radio": true, "closings": true, "traffic": true, "headlines": true,
	"online": true, "newspaper": true, "network": true,
}

// nameConnectors may stand lower-case inside an outlet's name.
var nameConnectors = map[string]bool{
	"&": true, "and": true, "of": true, "the": true, "in": true, "for": true, "on": true, "at": true,
	"de": true, "del": true, "la": true, "le": true, "el": true, "y": true, "-": true,
}

// genericDomainLabels are parts of host names that name no outlet.
var genericDomainLabels = map[string]bool{
	"www": true, "amp": true, "mobile": true, "news": true, "blogs": true, "blog": true,
	"online": true, "com": true, "net": true, "org": true, "edu": true, "gov": true, "info": true,
	"biz": true, "int": true, "web": true, "home": true,
}

// SiteKeys returns the keys TrimSiteName recognises an outlet by: each
// distinctive label of a host name ("wfsb" of wfsb.com, "cnn" and
// "politicalticker" of politicalticker.blogs.cnn.com) and a name's
// letters and digits ("foxnews" of "Fox News (Online News)"). A source
// that is itself a host name ("chicagotribune.com") counts as one.
func SiteKeys(names ...string) []string {
	var keys []string
	add := func(k string) {
		for _, have := range keys {
			if have == k {
				return
			}
		}
		keys = append(keys, k)
	}
	for _, name := range names {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		if i := strings.IndexByte(name, '('); i > 0 {
			name = name[:i] // "fox news (online news)": the qualifier is AllSides', not the outlet's
		}
		if strings.Contains(name, ".") && !strings.ContainsAny(strings.TrimSpace(name), " \t") {
			labels := strings.Split(name, ".")
			for i, label := range labels {
				if i == len(labels)-1 || genericDomainLabels[label] || len(label) < 2 {
					continue // the top-level domain and generic parts
				}
				if len(label) == 2 && i > 0 && i >= len(labels)-2 {
					continue // a second-level "co" of co.uk
				}
				add(compact(label))
			}
			continue
		}
		if k := compact(name); k != "" {
			add(k)
		}
	}
	return keys
}

// TrimSiteName cuts the outlet's name from the start or the end of a
// headline, where pages and feeds put it: "Vigil held for teenager - WFSB
// 3 Connecticut" becomes "Vigil held for teenager". A part is cut only
// when every word of it is capitalised (or a connector such as "and", a
// word of outlets' names such as "weather", or the outlet's host name) and it either contains one of keys (SiteKeys:
// the source's name or domain) or holds two words of outlets' names
// ("News, Weather, Sports"); at least two words of headline remain. It
// reports whether it cut anything.
func TrimSiteName(title string, keys []string) (string, bool) {
	cut := false
	if t, ok := trimSiteSuffix(title, keys); ok {
		title, cut = t, true
	}
	if t, ok := trimSitePrefix(title, keys); ok {
		title, cut = t, true
	}
	return title, cut
}

// trimSiteSuffix cuts the longest tail, starting at a separator, that
// names the site.
func trimSiteSuffix(title string, keys []string) (string, bool) {
	for _, at := range separatorPositions(title) {
		head, tail := strings.TrimSpace(title[:at.start]), strings.TrimSpace(title[at.end:])
		if countWords(head) >= 2 && namesSite(tail, keys) {
			return head, true
		}
	}
	return title, false
}

// trimSitePrefix cuts the longest head, ending at a separator, that names
// the site.
func trimSitePrefix(title string, keys []string) (string, bool) {
	seps := separatorPositions(title)
	for i := len(seps) - 1; i >= 0; i-- {
		head, tail := strings.TrimSpace(title[:seps[i].start]), strings.TrimSpace(title[seps[i].end:])
		if countWords(tail) >= 2 && namesSite(head, keys) {
			return tail, true
		}
	}
	return title, false
}

type span struct{ start, end int }

// separatorPositions lists the separators of title from left to right.
func separatorPositions(title string) []span {
	var out []span
	for i := 0; i < len(title); i++ {
		if title[i] != ' ' {
			continue
		}
		for _, sep := range titleSeparators {
			if strings.HasPrefix(title[i:], sep) {
				out = append(out, span{i, i + len(sep)})
				i += len(sep) - 2 // the separator's last space may open the next one
				break
			}
		}
	}
	return out
}

// namesSite reports whether part reads as an outlet's name.
func namesSite(part string, keys []string) bool {
	words := strings.FieldsFunc(part, func(r rune) bool { return unicode.IsSpace(r) || r == ',' || r == '|' || r == ':' })
	if len(words) == 0 || len(words) > 14 {
		return false
	}
	c := compact(part)
	known := false
	for _, k := range keys {
		if len(k) >= 3 && strings.Contains(c, k) || len(c) >= 4 && strings.Contains(k, c) || k == c {
			known = true
			break
		}
	}
	siteWordCount := 0
	for _, w := range words {
		lower := strings.ToLower(strings.Trim(w, ".!?\"'“”‘’()"))
		if siteWords[lower] {
			siteWordCount++
			continue // "Region 8 News, weather, sports"
		}
		if nameConnectors[lower] || lower == "" {
			continue
		}
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsUpper(r) || unicode.IsDigit(r) || r == '&' {
			continue
		}
		if !containsKey(compact(w), keys) {
			return false // a lower-case word: headline, not a name
		}
	}
	return known || siteWordCount >= 2
}

func containsKey(c string, keys []string) bool {
	for _, k := range keys {
		if len(k) >= 3 && strings.Contains(c, k) {
			return true
		}
	}
	return false
}

// compact keeps the lower-cased letters and digits of s.
func compact(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
