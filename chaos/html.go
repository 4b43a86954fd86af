package chaos

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/newsflow/newsflow/pkg/schema"
)

// HTMLArticle is the nth article of batch tag as a scraped page: about
// 10 KiB of HTML (navigation, a script, a footer) around the text of
// Article(tag, n), so that the raw article is several times larger than
// the cleaned document.
func HTMLArticle(tag string, n int) *schema.RawArticle {
	a := Article(tag, n)
	var b strings.Builder
	b.WriteString("<!doctype html><html><head><title>" + html.EscapeString(a.Title) + "</title>")
	b.WriteString("<script>var tracking = '" + strings.Repeat("x", 3000) + "';</script></head><body><nav><ul>")
	for i := range 60 {
		fmt.Fprintf(&b, `<li><a href="/section/%d">Section %d</a></li>`, i, i)
	}
	b.WriteString("</ul></nav><article><h1>" + html.EscapeString(a.Title) + "</h1>")
	for _, s := range strings.SplitAfter(a.Text, ". ") {
		b.WriteString("<p>" + html.EscapeString(s) + "</p>")
	}
	b.WriteString("</article><footer>")
	for i := range 40 {
		fmt.Fprintf(&b, `<a href="/legal/%d">Legal notice %d</a> `, i, i)
	}
	b.WriteString("</footer></body></html>")
	return &schema.RawArticle{URL: a.URL, Source: a.Source, HTML: b.String(), PublishedAt: a.PublishedAt}
}

// HTMLArticleJSON is HTMLArticle as one JSON line.
func HTMLArticleJSON(tag string, n int) []byte {
	b, _ := json.Marshal(HTMLArticle(tag, n))
	return b
}

func jsonDecode(r io.Reader, v any) error {
	return json.NewDecoder(io.LimitReader(r, 16<<20)).Decode(v)
}
