// Package enrich is the enrich stage of newsflow: it fills a document's
// entities with canonical people, organisations and places, each with an
// id, a salience and, for places, coordinates and a country.
//
// An Enricher loads the statistical tagger (package ner) and the
// gazetteers (package gazetteer) once, then runs, per document: sentence
// splitting and tokenisation, tagging (English only), and resolution
// (package resolve). Work is capped at Config.MaxBodyBytes of body; an
// empty or garbage body gives empty entities, never an error.
package enrich

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/enrich/gazetteer"
	"github.com/newsflow/newsflow/services/enrich/ner"
	"github.com/newsflow/newsflow/services/enrich/resolve"
)

// ErrConfig means a Config field is out of range; the message names it.
var ErrConfig = errors.New("enrich: invalid config")

// ErrNoDocument means Process was given a nil document.
var ErrNoDocument = errors.New("enrich: nil document")

// Config controls an Enricher. The zero value is not valid; start from
// DefaultConfig; Flags binds them to NEWSFLOW_ENRICH_* settings.
type Config struct {
	// MaxBodyBytes caps the body bytes analysed (NEWSFLOW_ENRICH_MAX_BODY_BYTES).
	MaxBodyBytes int
	// Tagger enables the statistical tagger for English text
	// (NEWSFLOW_ENRICH_TAGGER); without it only gazetteers and patterns run.
	Tagger bool
	// MaxEntities caps each of persons, organizations and places, keeping
	// the most salient (NEWSFLOW_ENRICH_MAX_ENTITIES).
	MaxEntities int
	// MinSalience drops entities below it (NEWSFLOW_ENRICH_MIN_SALIENCE).
	MinSalience float64
}

// DefaultConfig returns the defaults: 64 KiB of body, tagger on, 50
// entities per type, no salience floor.
func DefaultConfig() Config {
	return Config{MaxBodyBytes: 64 << 10, Tagger: true, MaxEntities: 50}
}

// Flags binds every setting to a flag whose default comes from its
// NEWSFLOW_ENRICH_* environment variable; malformed values are reported
// by e.Err.
func (c *Config) Flags(e *stage.EnvFlags) {
	e.Int(&c.MaxBodyBytes, "enrich-max-body-bytes", "NEWSFLOW_ENRICH_MAX_BODY_BYTES", "body bytes analysed per article")
	e.Bool(&c.Tagger, "enrich-tagger", "NEWSFLOW_ENRICH_TAGGER", "run the statistical tagger on English text")
	e.Int(&c.MaxEntities, "enrich-max-entities", "NEWSFLOW_ENRICH_MAX_ENTITIES", "most persons, organizations and places kept each")
	e.Float64(&c.MinSalience, "enrich-min-salience", "NEWSFLOW_ENRICH_MIN_SALIENCE", "entities below this salience are dropped")
}

// Validate reports every field out of range.
func (c Config) Validate() error {
	var errs []error
	if c.MaxBodyBytes < 1024 || c.MaxBodyBytes > schema.MaxArticleBytes {
		errs = append(errs, fmt.Errorf("%w: MaxBodyBytes (NEWSFLOW_ENRICH_MAX_BODY_BYTES) is %d; want 1024 to %d", ErrConfig, c.MaxBodyBytes, schema.MaxArticleBytes))
	}
	if c.MaxEntities < 1 {
		errs = append(errs, fmt.Errorf("%w: MaxEntities (NEWSFLOW_ENRICH_MAX_ENTITIES) is %d; want at least 1", ErrConfig, c.MaxEntities))
	}
	if c.MinSalience < 0 || c.MinSalience > 1 {
		errs = append(errs, fmt.Errorf("%w: MinSalience (NEWSFLOW_ENRICH_MIN_SALIENCE) is %v; want 0 to 1", ErrConfig, c.MinSalience))
	}
	return errors.Join(errs...)
}

// Enricher fills documents' entities. It is safe for concurrent use.
type Enricher struct {
	cfg    Config
	log    *zap.Logger
	tagger *ner.Tagger
	res    *resolve.Resolver
}

// New validates cfg and loads the tagger and gazetteers (about a third of a
// CPU-second, the two in parallel).
func New(cfg Config, log *zap.Logger) (*Enricher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = zap.NewNop()
	}
	// The tagger's weights decode while the gazetteer builds its automaton.
	var (
		tagger    *ner.Tagger
		taggerErr error
		loaded    = make(chan struct{})
	)
	if cfg.Tagger {
		go func() {
			defer close(loaded)
			tagger, taggerErr = ner.Load()
		}()
	} else {
		close(loaded)
	}
	g, err := gazetteer.Load()
	<-loaded
	if err != nil {
		return nil, fmt.Errorf("enrich: load gazetteer: %w", err)
	}
	if taggerErr != nil {
		return nil, fmt.Errorf("enrich: %w", taggerErr)
	}
	e := &Enricher{cfg: cfg, log: log, res: resolve.New(g, tagger), tagger: tagger}
	log.Info("enricher ready", zap.Int("gazetteer_entries", g.Len()), zap.Bool("tagger", e.tagger != nil),
		zap.Int("max_body_bytes", cfg.MaxBodyBytes))
	return e, nil
}

// Process fills doc.Entities and returns doc. It fails only for a nil
// document (permanently) or a cancelled context.
func (e *Enricher) Process(ctx context.Context, doc *schema.Document) (*schema.Document, error) {
	if doc == nil {
		return nil, stage.Permanent(ErrNoDocument)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("enrich: %w", err)
	}
	doc.Entities = e.Entities(doc.Title, doc.Body, doc.Language)
	return doc, nil
}

// Entities finds the entities of one article. lang is an ISO 639-1 code
// or empty (then the text is tested for English).
func (e *Enricher) Entities(title, body, lang string) schema.Entities {
	english := lang == "en" || (lang == "" && LooksEnglish(title+"\n"+body))
	d := resolve.NewDoc(title, body, e.cfg.MaxBodyBytes, english)
	sents := ner.Sentences(d.Text)
	var tags [][]ner.Span
	if english && e.tagger != nil {
		tags = e.tagger.TagDocument(sents)
	}
	ents := e.res.Resolve(d, sents, tags)
	ents.Persons = e.trim(ents.Persons)
	ents.Organizations = e.trim(ents.Organizations)
	places := ents.Places[:0]
	for _, p := range ents.Places {
		if p.Salience >= e.cfg.MinSalience && len(places) < e.cfg.MaxEntities {
			places = append(places, p)
		}
	}
	if len(places) == 0 {
		places = nil
	}
	ents.Places = places
	return ents
}

func (e *Enricher) trim(es []schema.Entity) []schema.Entity {
	out := es[:0]
	for _, x := range es {
		if x.Salience >= e.cfg.MinSalience && len(out) < e.cfg.MaxEntities {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// englishWords are frequent English function words.
var englishWords = map[string]bool{"the": true, "and": true, "of": true, "to": true, "in": true,
	"a": true, "is": true, "that": true, "for": true, "on": true, "was": true, "with": true,
	"said": true, "he": true, "it": true, "as": true, "by": true, "at": true, "his": true, "has": true}

// LooksEnglish reports whether at least 8% of the first 300 words of text
// are frequent English function words.
func LooksEnglish(text string) bool {
	n, hits := 0, 0
	for w := range strings.FieldsFuncSeq(text, func(r rune) bool { return !unicode.IsLetter(r) }) {
		n++
		// The words are ASCII and at most 4 letters; a letter that lower-cases
		// to ASCII takes at most 3 bytes (the Kelvin sign), so a longer
		// field cannot be one of them.
		if len(w) <= 12 && englishWords[strings.ToLower(w)] {
			hits++
		}
		if n == 300 {
			break
		}
	}
	return n > 0 && float64(hits) >= 0.08*float64(n)
}
