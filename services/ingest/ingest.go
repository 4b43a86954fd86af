// Package ingest is the first stage of newsflow: it turns a scraper's raw
// article (text or HTML, possibly dirty) into a clean schema.Document on
// articles.cleaned.
//
// Process does, in order: extract the article from HTML when there is no
// text (package extract; text that is really HTML is treated as HTML);
// clean the text (package clean: escape layers, mojibake, Unicode hygiene,
// dates and banners, boilerplate including lines learned per source,
// paragraphs, headline); fill the document (id, source from the URL,
// title, dates, language, word count, the cleaning record); and record the
// article's short lines with the per-source boilerplate learner (package
// boilerplate, JetStream KV). An article with a title and no text or HTML
// (a headline feed) becomes a document with the cleaned title and an empty
// body. Every failure Process returns is permanent: cleaning is a pure
// function of the input, so a retry cannot help.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/ingest/boilerplate"
	"github.com/newsflow/newsflow/services/ingest/clean"
	"github.com/newsflow/newsflow/services/ingest/extract"
	"github.com/newsflow/newsflow/services/ingest/lang"
)

// ErrEmpty means nothing of the article's body was left after cleaning
// (or fewer than Config.MinWords words).
var ErrEmpty = errors.New("body is empty after cleaning")

// ErrHTMLTooLarge means the HTML page exceeds Config.MaxHTMLBytes.
var ErrHTMLTooLarge = errors.New("html page too large")

// ErrNoInput means the raw article has no title, no text and no HTML (or
// a title that is empty after cleaning and nothing else).
var ErrNoInput = errors.New("article has no title, no text and no html")

// ErrBinary means the text or page is binary data, not language: many
// control characters or replacement characters.
var ErrBinary = errors.New("binary data, not text")

// Ingester cleans raw articles. It is safe for concurrent use.
type Ingester struct {
	cfg     Config
	log     *zap.Logger
	learner *boilerplate.Learner // nil when learning is off
	now     func() time.Time

	actions   *prometheus.CounterVec
	rejected  *prometheus.CounterVec
	headlines prometheus.Counter
}

// New builds an Ingester. js is used for the boilerplate bucket and may be
// nil when cfg.LearnBoilerplate is false (offline evaluation).
func New(ctx context.Context, js jetstream.JetStream, cfg Config, log *zap.Logger) (*Ingester, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	i := &Ingester{
		cfg: cfg,
		log: log,
		now: time.Now,
		actions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_ingest_cleaning_actions_total",
			Help: "Cleaning actions applied, by kind (escape_layers, mojibake_repairs, lost_letters, boilerplate_lines, banners, control_chars, binary_bytes, from_html, title_from_body, date_from_body, truncated).",
		}, []string{"action"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_ingest_rejected_total",
			Help: "Articles rejected by Process, by reason (empty, no_article, binary, html_too_large, no_input).",
		}, []string{"reason"}),
		headlines: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "newsflow_ingest_headlines_total",
			Help: "Articles with a title and no text or html, passed on as headlines (empty body).",
		}),
	}
	if cfg.LearnBoilerplate {
		if js == nil {
			return nil, fmt.Errorf("%w: boilerplate learning needs JetStream (or set NEWSFLOW_INGEST_LEARN_BOILERPLATE=false)", ErrConfig)
		}
		l, err := boilerplate.New(ctx, js, boilerplate.Config{
			Bucket:      cfg.BoilerplateBucket,
			MinArticles: cfg.BoilerplateMinArticles,
			Replicas:    cfg.KVReplicas,
		}, log.Named("boilerplate"))
		if err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
		i.learner = l
	}
	return i, nil
}

// Stop stops the boilerplate learner (watch and background recording).
// Process must not be called after.
func (i *Ingester) Stop() {
	if i.learner != nil {
		i.learner.Stop()
	}
}

// Flush waits until the boilerplate lines of every article processed so
// far are recorded (tests, evaluations, and shutdown use it).
func (i *Ingester) Flush(ctx context.Context) error {
	if i.learner == nil {
		return nil
	}
	return i.learner.Flush(ctx)
}

// Collectors returns the stage's own Prometheus metrics for registration.
func (i *Ingester) Collectors() []prometheus.Collector {
	cs := []prometheus.Collector{i.actions, i.rejected, i.headlines}
	if l := i.learner; l != nil {
		cs = append(cs, prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "newsflow_ingest_boilerplate_observations_dropped_total",
			Help: "Articles whose lines were not recorded for boilerplate learning because the queue was full.",
		}, func() float64 { return float64(l.Dropped()) }))
	}
	return cs
}

// Process turns one raw article into a clean document. Its errors are all
// permanent (stage.Permanent): a retry cannot change a pure function's
// answer. Failing to record boilerplate lines is logged, not returned.
func (i *Ingester) Process(ctx context.Context, raw *schema.RawArticle) (*schema.Document, error) {
	if raw == nil {
		return nil, i.reject("no_input", ErrNoInput)
	}
	text, title := raw.Text, strings.TrimSpace(raw.Title)
	sourceName, language := strings.TrimSpace(raw.Source), raw.Language
	var published *time.Time
	if raw.PublishedAt != "" {
		if t, err := schema.ParseTime(raw.PublishedAt); err == nil {
			published = &t
		}
	}
	// A block of binary data beside good text (a scraper that read a
	// compressed response as text) is cut; text that is binary but for a
	// few words is refused.
	text, binaryBytes := clean.CutBinary(text)
	if binaryBytes > 0 && schema.CountWords(text) < max(i.cfg.MinWords, minWordsBesideBinary) {
		return nil, i.reject("binary", fmt.Errorf("%w: %d bytes of binary data, %d words of text beside them", ErrBinary, binaryBytes, schema.CountWords(text)))
	}
	if looksBinary(text) || looksBinary(raw.HTML) || looksBinary(title) {
		return nil, i.reject("binary", fmt.Errorf("%w: control or replacement characters in more than 1 of %d characters", ErrBinary, binaryShare))
	}
	fromHTML := false
	page := raw.HTML
	if strings.TrimSpace(text) == "" || looksLikeHTML(text) {
		if strings.TrimSpace(page) == "" {
			page = text // text that is really HTML
		}
		if strings.TrimSpace(page) == "" {
			return i.headline(raw, title, sourceName, language, published)
		}
		if len(page) > i.cfg.MaxHTMLBytes {
			return nil, i.reject("html_too_large", fmt.Errorf("%w: %d bytes, limit %d", ErrHTMLTooLarge, len(page), i.cfg.MaxHTMLBytes))
		}
		res, err := extract.ExtractString(page, extract.Options{URL: raw.URL, ContentType: raw.ContentType, Charset: raw.Charset})
		if err != nil {
			reason := "no_article"
			if errors.Is(err, extract.ErrBinary) {
				reason = "binary"
			}
			return nil, i.reject(reason, fmt.Errorf("extract html: %w", err))
		}
		text, fromHTML = res.Body, true
		if title == "" {
			title = res.Title
		}
		if published == nil {
			published = res.PublishedAt
		}
		if language == "" {
			language = languageCode(res.Language)
		}
		if sourceName == "" {
			sourceName = res.SiteName
		}
	}

	domain := schema.Domain(raw.URL)
	opts := clean.Options{Title: title, MaxBytes: i.cfg.MaxTextBytes, SiteKeys: clean.SiteKeys(sourceName, domain)}
	if i.learner != nil && domain != "" {
		opts.Boilerplate = i.learner.For(domain)
	}
	res := clean.Clean(text, opts)
	words := schema.CountWords(res.Body)
	if words < i.cfg.MinWords {
		return nil, i.reject("empty", fmt.Errorf("%w: %d words left of %d bytes (%d boilerplate lines, %d banners removed)",
			ErrEmpty, words, len(text), res.Cleaning.BoilerplateLines, res.Cleaning.Banners))
	}
	res.Cleaning.FromHTML = fromHTML
	res.Cleaning.BinaryBytes = binaryBytes
	if published == nil {
		published = res.PublishedAt
	} else {
		res.Cleaning.DateFromBody = false // the date came with the article
	}
	if language == "" {
		language, _ = lang.Detect(res.Body, i.cfg.LanguageMinConfidence)
	}
	doc := &schema.Document{
		SchemaVersion: schema.Version,
		ID:            schema.DocumentID(sourceName, raw.URL, res.Title, res.Body),
		URL:           raw.URL,
		Source:        schema.Source{Name: sourceName, Domain: domain},
		Title:         res.Title,
		Body:          res.Body,
		PublishedAt:   published,
		IngestedAt:    i.now().UTC(),
		Language:      language,
		WordCount:     words,
		Cleaning:      res.Cleaning,
		Metadata:      raw.Metadata,
	}
	if err := doc.Validate(); err != nil {
		return nil, i.reject("invalid", fmt.Errorf("cleaned document: %w", err))
	}
	i.count(doc.Cleaning)
	if i.learner != nil && domain != "" {
		// Articles are counted by content, not by URL: the same story
		// re-sent under new addresses must not teach its own paragraphs.
		i.learner.ObserveAsync(domain, schema.DocumentID("", "", res.Title, res.Body), res.LearnKeys)
	}
	return doc, nil
}

// headline makes the document of an article that has a title and no
// text or HTML (a headline feed): the cleaned title and an empty body,
// with the language detected from the title. Such a document is valid
// (schema.Document.Validate); dedupe leaves it a canonical, enrich tags
// its title and stories clusters it by its title. Without a title it is
// rejected with ErrNoInput.
func (i *Ingester) headline(raw *schema.RawArticle, title, sourceName, language string, published *time.Time) (*schema.Document, error) {
	domain := schema.Domain(raw.URL)
	title, siteName := clean.TrimSiteName(clean.CleanTitle(title), clean.SiteKeys(sourceName, domain))
	if title == "" {
		return nil, i.reject("no_input", ErrNoInput)
	}
	if language == "" {
		language, _ = lang.Detect(title, i.cfg.LanguageMinConfidence)
	}
	doc := &schema.Document{
		SchemaVersion: schema.Version,
		ID:            schema.DocumentID(sourceName, raw.URL, title, ""),
		URL:           raw.URL,
		Source:        schema.Source{Name: sourceName, Domain: domain},
		Title:         title,
		PublishedAt:   published,
		IngestedAt:    i.now().UTC(),
		Language:      language,
		Cleaning:      schema.Cleaning{TitleSiteName: siteName},
		Metadata:      raw.Metadata,
	}
	if err := doc.Validate(); err != nil {
		return nil, i.reject("invalid", fmt.Errorf("headline document: %w", err))
	}
	i.headlines.Inc()
	return doc, nil
}

func (i *Ingester) reject(reason string, err error) error {
	i.rejected.WithLabelValues(reason).Inc()
	return stage.Permanent(err)
}

func (i *Ingester) count(c schema.Cleaning) {
	add := func(action string, n int) {
		if n > 0 {
			i.actions.WithLabelValues(action).Add(float64(n))
		}
	}
	b := func(v bool) int {
		if v {
			return 1
		}
		return 0
	}
	add("escape_layers", c.EscapeLayers)
	add("mojibake_repairs", c.MojibakeRepairs)
	add("lost_letters", c.LostLetters)
	add("boilerplate_lines", c.BoilerplateLines)
	add("banners", c.Banners)
	add("control_chars", c.ControlChars)
	add("binary_bytes", c.BinaryBytes)
	add("from_html", b(c.FromHTML))
	add("title_from_body", b(c.TitleFromBody))
	add("title_site_name", b(c.TitleSiteName))
	add("date_from_body", b(c.DateFromBody))
	add("truncated", b(c.Truncated))
}

// minWordsBesideBinary is the fewest words of text that make an article of
// a text that also held binary data.
const minWordsBesideBinary = 10

// binaryShare is 1/x: more control or replacement characters than one in
// binaryShare marks binary data.
const binaryShare = 20

// looksBinary samples the first 64 KB of s for control characters (other
// than tab and line breaks), NULs and U+FFFD.
func looksBinary(s string) bool {
	if len(s) > 64<<10 {
		s = s[:64<<10]
	}
	odd, n := 0, 0
	for _, r := range s {
		n++
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7F || r == 0xFFFD {
			odd++
		}
	}
	return n >= 16 && odd*binaryShare > n
}

// looksLikeHTML reports text that is an HTML page or fragment rather than
// plain text: it starts with a tag and has block elements.
func looksLikeHTML(text string) bool {
	t := strings.TrimSpace(text)
	if !strings.HasPrefix(t, "<") {
		return false
	}
	head := strings.ToLower(t[:min(len(t), 4096)])
	for _, tag := range []string{"<!doctype html", "<html", "<body", "<p>", "<p ", "<div", "<article", "<br"} {
		if strings.Contains(head, tag) {
			return true
		}
	}
	return false
}

// languageCode reads "en", "en-GB" or "EN_us" as "en"; anything else as "".
func languageCode(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > 2 && (s[2] == '-' || s[2] == '_') {
		s = s[:2]
	}
	if len(s) == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z' {
		return s
	}
	return ""
}
