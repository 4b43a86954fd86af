// Package extract finds the article in an HTML page and renders it as
// plain text with its paragraphs kept.
//
// The model: raw page bytes are first decoded to UTF-8 (Decode), then the
// page is parsed and handed to go-trafilatura, which keeps the main
// content as a small HTML tree and reads title, author, date, site name
// and language from the page's metadata. That tree is rendered here
// rather than through trafilatura's ContentText, because ContentText
// joins paragraphs: every block (paragraph, heading, list item, quote,
// table row, preformatted block) becomes its own paragraph, and
// paragraphs are separated by one blank line.
//
// It is a pure library: no I/O beyond its arguments, safe for concurrent
// use.
package extract

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	trafilatura "github.com/markusmobius/go-trafilatura"
	"golang.org/x/net/html"

	"github.com/newsflow/newsflow/pkg/schema"
)

// ErrNoArticle means the page holds no article text.
var ErrNoArticle = errors.New("no article in page")

// MinWords is the fewest words a body must have to count as an article;
// below it, what the extractor found is a title or a stray menu.
const MinWords = 5

// Options describe where a page came from.
type Options struct {
	// URL is the page's address; it resolves relative metadata and
	// helps the extractor recognise the site.
	URL string
	// ContentType is the HTTP Content-Type the page was served with.
	ContentType string
	// Charset is a declared character set that overrides the page's own.
	Charset string
}

// Result is an extracted article.
type Result struct {
	Title string
	// Body holds paragraphs separated by one blank line.
	Body     string
	Author   string
	SiteName string
	// Language is an ISO 639-1 code, or empty when unknown.
	Language    string
	PublishedAt *time.Time
}

// Extract decodes page, finds its article and renders it. It fails with
// ErrNoArticle when the page has no article text and with ErrBinary when
// the bytes are not text.
func Extract(page []byte, opts Options) (*Result, error) {
	text, err := Decode(page, opts.ContentType, opts.Charset)
	if err != nil {
		return nil, err
	}
	return ExtractString(text, opts)
}

// ExtractString is Extract for a page that is already decoded. It fails
// with ErrBinary when the text holds NUL bytes or is mostly control
// characters, as binary data smuggled through JSON does.
func ExtractString(page string, opts Options) (*Result, error) {
	if looksBinary([]byte(page[:min(len(page), sniffLen)])) {
		return nil, ErrBinary
	}
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return nil, fmt.Errorf("parse html: %w", err)
	}
	prune(doc)
	topts := trafilatura.Options{
		EnableFallback:  true,
		ExcludeComments: true,
		HtmlDateMode:    trafilatura.Fast,
	}
	if opts.URL != "" {
		if u, err := url.Parse(opts.URL); err == nil && u.IsAbs() {
			topts.OriginalURL = u
		}
	}
	res, err := trafilatura.ExtractDocument(doc, topts)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoArticle, err)
	}
	if res == nil || res.ContentNode == nil {
		return nil, ErrNoArticle
	}
	body := Render(res.ContentNode)
	if n := schema.CountWords(body); n < MinWords {
		return nil, fmt.Errorf("%w: %d words", ErrNoArticle, n)
	}
	md := res.Metadata
	title := collapseSpace(md.Title)
	body = dropLeadingTitle(body, title)
	out := &Result{
		Title:    title,
		Body:     body,
		Author:   collapseSpace(md.Author),
		SiteName: collapseSpace(md.Sitename),
		Language: md.Language,
	}
	if !md.Date.IsZero() {
		t := md.Date.UTC()
		out.PublishedAt = &t
	}
	return out, nil
}

// prunable elements never hold article text and are removed by every
// extractor; dropping them once, before trafilatura clones the tree three
// times and runs its fallbacks over it, roughly halves the work on a
// typical news page.
var prunable = map[string]bool{
	"style": true, "svg": true, "noscript": true, "template": true, "iframe": true,
	"object": true, "embed": true, "canvas": true, "math": true,
	// Removed by trafilatura's own cleaning, but only after it has
	// cloned the tree and run its fallbacks over them.
	"nav": true, "aside": true, "footer": true, "menu": true, "button": true,
	"select": true, "input": true, "textarea": true, "video": true, "audio": true,
	"picture": true, "source": true, "map": true, "dialog": true,
}

// prune removes comments, prunable elements and scripts other than
// JSON-LD, which carries the metadata.
func prune(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		switch {
		case c.Type == html.CommentNode:
			n.RemoveChild(c)
		case c.Type == html.ElementNode && (prunable[c.Data] || c.Data == "script" && !isJSONLD(c)):
			n.RemoveChild(c)
		default:
			prune(c)
		}
		c = next
	}
}

func isJSONLD(n *html.Node) bool {
	for _, a := range n.Attr {
		if a.Key == "type" && strings.Contains(strings.ToLower(a.Val), "ld+json") {
			return true
		}
	}
	return false
}

// Render writes the text of an HTML tree with one paragraph per block
// element, paragraphs separated by one blank line. Whitespace inside a
// paragraph is collapsed, except in <pre>, whose lines are kept.
func Render(n *html.Node) string {
	r := renderer{}
	r.walk(n, false)
	r.flush()
	return strings.Join(r.paras, "\n\n")
}

type renderer struct {
	paras []string
	cur   strings.Builder
	// pre is true when cur holds preformatted text.
	pre bool
}

// blockNames break paragraphs before and after them. Elements are
// matched by name, not atom: trafilatura builds nodes without atoms.
var blockNames = map[string]bool{
	"p": true, "div": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"li": true, "dd": true, "dt": true, "blockquote": true, "pre": true, "tr": true, "table": true,
	"ul": true, "ol": true, "dl": true, "section": true, "article": true, "header": true,
	"footer": true, "aside": true, "figure": true, "figcaption": true, "hr": true, "br": true,
	"summary": true, "details": true, "main": true, "nav": true, "form": true, "caption": true,
	"address": true, "fieldset": true, "body": true, "html": true,
	// TEI-like names trafilatura may leave.
	"head": true, "list": true, "item": true, "quote": true, "lb": true, "row": true,
}

// skipNames hold no readable text.
var skipNames = map[string]bool{
	"script": true, "style": true, "noscript": true, "template": true, "svg": true, "math": true,
	"iframe": true, "object": true, "select": true, "button": true, "textarea": true, "title": true,
}

// cellNames are separated from their neighbours by a space.
var cellNames = map[string]bool{"td": true, "th": true, "cell": true}

func (r *renderer) walk(n *html.Node, inPre bool) {
	switch n.Type {
	case html.TextNode:
		r.text(n.Data, inPre)
		return
	case html.ElementNode:
		name := n.Data
		if n.DataAtom != 0 {
			name = n.DataAtom.String()
		}
		if skipNames[name] {
			return
		}
		cell := cellNames[name]
		if cell {
			r.space()
		}
		block := blockNames[name]
		if block {
			r.flush()
		}
		pre := inPre || name == "pre"
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			r.walk(c, pre)
		}
		if block {
			r.flush()
		}
		if cell {
			r.space()
		}
		return
	case html.DocumentNode:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			r.walk(c, inPre)
		}
	}
}

func (r *renderer) space() {
	if r.cur.Len() > 0 && !r.pre {
		r.cur.WriteByte(' ')
	}
}

func (r *renderer) text(s string, pre bool) {
	if pre {
		r.pre = true
		r.cur.WriteString(s)
		return
	}
	if r.cur.Len() > 0 && s != "" {
		last, _ := utf8.DecodeLastRuneInString(r.cur.String())
		first, _ := utf8.DecodeRuneInString(s)
		if joinWithSpace(last, first) {
			r.cur.WriteByte(' ')
		}
	}
	r.cur.WriteString(s)
}

// joinWithSpace reports whether two adjacent text pieces from different
// nodes need a space between them. Trafilatura trims the text around
// inline elements, so "<b>Summary</b> Studies" reaches us as "Summary"
// and "Studies": pieces are joined with a space unless either side is
// space already, the left one opens a bracket or quote, or the right one
// is closing punctuation.
func joinWithSpace(last, first rune) bool {
	if isSpace(last) || isSpace(first) {
		return false
	}
	switch last {
	case '(', '[', '{', '"', '\'', '‘', '“', '«', '„', '/', '-', '#', '@', '$', '£', '€':
		return false
	}
	switch first {
	case '.', ',', ';', ':', '!', '?', ')', ']', '}', '"', '\'', '’', '”', '»', '%', '/', '-', '…':
		return false
	}
	return true
}

// flush ends the current paragraph.
func (r *renderer) flush() {
	if r.cur.Len() == 0 {
		return
	}
	raw := r.cur.String()
	r.cur.Reset()
	pre := r.pre
	r.pre = false
	if pre {
		lines := strings.Split(strings.ReplaceAll(raw, "\r\n", "\n"), "\n")
		kept := lines[:0]
		for _, l := range lines {
			l = strings.TrimRight(l, " \t\r\u00a0")
			if strings.TrimSpace(l) == "" {
				if len(kept) > 0 {
					// A blank line inside <pre> splits it into paragraphs.
					r.paras = append(r.paras, strings.Join(kept, "\n"))
					kept = kept[:0]
				}
				continue
			}
			kept = append(kept, l)
		}
		if len(kept) > 0 {
			r.paras = append(r.paras, strings.Join(kept, "\n"))
		}
		return
	}
	if p := collapseSpace(raw); p != "" {
		r.paras = append(r.paras, p)
	}
}

// collapseSpace trims s and turns every run of white space into one space.
func collapseSpace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if isSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\f', '\v', 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

// dropLeadingTitle removes a first paragraph that repeats the title:
// the headline belongs in Title, not in Body.
func dropLeadingTitle(body, title string) string {
	if title == "" {
		return body
	}
	first, rest, ok := strings.Cut(body, "\n\n")
	if !ok || !sameText(first, title) {
		return body
	}
	return rest
}

// sameText compares two strings on their letters and digits, ignoring
// case, so punctuation or spacing differences do not matter.
func sameText(a, b string) bool {
	norm := func(s string) string {
		var sb strings.Builder
		for _, r := range s {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				sb.WriteRune(unicode.ToLower(r))
			}
		}
		return sb.String()
	}
	na := norm(a)
	return na != "" && na == norm(b)
}
