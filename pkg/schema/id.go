package schema

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"
	"unicode"
)

// MaxIDBytes bounds a document's id (and duplicate_of, cluster_id): dedupe
// stores ids with a one-byte length. DocumentID's ids have 24 bytes.
const MaxIDBytes = 127

// idBytes is how many bytes of SHA-256 an id keeps: 96 bits, so that a
// collision among billions of articles stays improbable.
const idBytes = 12

// DocumentID returns the stable id of an article: from its canonical URL
// when it has one, else from its source's name with its normalised title
// and body. The same article sent twice gets the same id; the same text
// from two outlets gets two ids, so neither is lost and dedupe marks the
// later one a copy.
func DocumentID(source, rawURL, title, body string) string {
	if c := CanonicalURL(rawURL); c != "" {
		return hashID("url\x00" + c)
	}
	return hashID("text\x00" + normalizeText(source) + "\x00" + normalizeText(title) + "\x00" + normalizeText(body))
}

func hashID(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:idBytes])
}

// trackingParams are query parameters that never change which article a
// URL names.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "mc_cid": true, "mc_eid": true, "ref": true, "ref_src": true,
	"cmpid": true, "ocid": true, "at_medium": true, "at_campaign": true, "ito": true,
}

// CanonicalURL returns rawURL lowercased in scheme and host, without
// fragment, default port, "www." prefix, trailing slash or tracking
// parameters, with the remaining query sorted. It returns "" when rawURL
// is not an absolute http(s) URL.
func CanonicalURL(rawURL string) string {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || u.Host == "" {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	host = strings.TrimPrefix(host, "www.")
	if port := u.Port(); port != "" && port != "80" && port != "443" {
		host += ":" + port
	}
	path := strings.TrimRight(u.EscapedPath(), "/")
	q := u.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "utm_") || trackingParams[lk] {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("https://") // http and https name the same article
	b.WriteString(host)
	b.WriteString(path)
	for i, k := range keys {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		vals := q[k]
		sort.Strings(vals)
		for j, v := range vals {
			if j > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v))
		}
	}
	return b.String()
}

// Domain returns the registrable-looking host of rawURL without "www.",
// or "" when there is none.
func Domain(rawURL string) string {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
}

// normalizeText lowercases letters and digits and collapses everything
// else to single spaces, so whitespace and punctuation noise do not
// change an id.
func normalizeText(s string) string {
	var b strings.Builder
	space := true
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
			space = false
			continue
		}
		if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSpace(b.String())
}

// CountWords counts runs of letters or digits.
func CountWords(s string) int {
	n := 0
	in := false
	for _, r := range s {
		w := unicode.IsLetter(r) || unicode.IsDigit(r)
		if w && !in {
			n++
		}
		in = w
	}
	return n
}
