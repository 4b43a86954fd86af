package cluster

import (
	"encoding/json"
	"fmt"
)

// wireArticle is an Article as the log stores it: term lists packed.
type wireArticle struct {
	*articleFields
	Titles []byte `json:"tt,omitempty"`
	Bodies []byte `json:"bt,omitempty"`
}

type articleFields Article

// EncodeEvent encodes an event for the log.
func EncodeEvent(ev Event) ([]byte, error) {
	type wireEvent struct {
		Article wireArticle `json:"article"`
		Story   string      `json:"story"`
		Merges  []Merge     `json:"merges,omitempty"`
	}
	if ev.Article == nil {
		return nil, fmt.Errorf("%w: no article", ErrEvent)
	}
	return json.Marshal(wireEvent{
		Article: wireArticle{articleFields: (*articleFields)(ev.Article), Titles: packTerms(ev.Article.Titles), Bodies: packTerms(ev.Article.Bodies)},
		Story:   ev.Story,
		Merges:  ev.Merges,
	})
}

// DecodeEvent decodes an event from the log.
func DecodeEvent(data []byte) (Event, error) {
	var w struct {
		Article *struct {
			articleFields
			Titles []byte `json:"tt"`
			Bodies []byte `json:"bt"`
		} `json:"article"`
		Story  string  `json:"story"`
		Merges []Merge `json:"merges"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return Event{}, fmt.Errorf("%w: %w", ErrEvent, err)
	}
	if w.Article == nil || w.Article.ID == "" || w.Story == "" {
		return Event{}, fmt.Errorf("%w: no article or story", ErrEvent)
	}
	a := Article(w.Article.articleFields)
	var err error
	if a.Titles, err = unpackTerms(w.Article.Titles); err != nil {
		return Event{}, fmt.Errorf("%w: title terms: %w", ErrEvent, err)
	}
	if a.Bodies, err = unpackTerms(w.Article.Bodies); err != nil {
		return Event{}, fmt.Errorf("%w: body terms: %w", ErrEvent, err)
	}
	return Event{Article: &a, Story: w.Story, Merges: w.Merges}, nil
}
