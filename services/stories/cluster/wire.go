package cluster

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// A story log message holds one event, {"article":...,"story":...,
// "merges":[...]} (every message before group commit, and a batch of
// one still, so older replicas read it), or a batch of events decided
// in order by one replica, {"events":[{...},{...}]}.

// wireArticle is an Article as the log stores it: term lists packed.
type wireArticle struct {
	*articleFields
	Titles []byte `json:"tt,omitempty"`
	Bodies []byte `json:"bt,omitempty"`
	// Numbers: an older replica's events have none.
	Numbers []byte `json:"nt,omitempty"`
}

type articleFields Article

// EncodeEvent encodes an event for the log, as a message of its own or
// as a member of a batch (see EncodeBatch).
func EncodeEvent(ev Event) ([]byte, error) {
	article, err := EncodeArticle(ev.Article)
	if err != nil {
		return nil, err
	}
	return EncodeEventOf(article, ev.Story, ev.Merges)
}

// EncodeArticle encodes an article as the log's events hold it. The stage
// encodes each article this way before it waits for the state's lock, and
// under the lock only adds the decision (EncodeEventOf).
func EncodeArticle(a *Article) ([]byte, error) {
	if a == nil {
		return nil, fmt.Errorf("%w: no article", ErrEvent)
	}
	return json.Marshal(wireArticle{articleFields: (*articleFields)(a), Titles: packTerms(a.Titles), Bodies: packTerms(a.Bodies), Numbers: packTerms(a.Numbers)})
}

// EncodeEventOf is EncodeEvent for the event that puts the article
// EncodeArticle encoded in story, with merges: the same bytes, the
// article's encoded once.
func EncodeEventOf(article []byte, story string, merges []Merge) ([]byte, error) {
	st, err := json.Marshal(story)
	if err != nil {
		return nil, err
	}
	var ms []byte
	if len(merges) > 0 {
		if ms, err = json.Marshal(merges); err != nil {
			return nil, err
		}
	}
	b := make([]byte, 0, len(`{"article":,"story":,"merges":}`)+len(article)+len(st)+len(ms))
	b = append(b, `{"article":`...)
	b = append(b, article...)
	b = append(b, `,"story":`...)
	b = append(b, st...)
	if len(ms) > 0 {
		b = append(b, `,"merges":`...)
		b = append(b, ms...)
	}
	return append(b, '}'), nil
}

// EncodeBatch makes one log message of events encoded by EncodeEvent, in
// the order they were decided; a batch of one is the event itself.
func EncodeBatch(events [][]byte) []byte {
	if len(events) == 1 {
		return events[0]
	}
	var b bytes.Buffer
	b.WriteString(`{"events":[`)
	b.Write(bytes.Join(events, []byte{','}))
	b.WriteString(`]}`)
	return b.Bytes()
}

// BatchSize is the size of the message EncodeBatch makes of events
// whose encodings take n bytes in all.
func BatchSize(events, n int) int {
	if events <= 1 {
		return n
	}
	return n + events - 1 + len(`{"events":[]}`)
}

// wireEventIn is one event as DecodeEvents reads it.
type wireEventIn struct {
	Article *struct {
		articleFields
		Titles  []byte `json:"tt"`
		Bodies  []byte `json:"bt"`
		Numbers []byte `json:"nt"`
	} `json:"article"`
	Story  string  `json:"story"`
	Merges []Merge `json:"merges"`
}

// DecodeEvents decodes a log message: one event or a batch, in order.
func DecodeEvents(data []byte) ([]Event, error) {
	var w struct {
		wireEventIn
		Events []wireEventIn `json:"events"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEvent, err)
	}
	if w.Events == nil {
		ev, err := w.wireEventIn.event()
		if err != nil {
			return nil, err
		}
		return []Event{ev}, nil
	}
	if w.Article != nil || w.Story != "" {
		return nil, fmt.Errorf("%w: a message with both an event and a batch", ErrEvent)
	}
	if len(w.Events) == 0 || len(w.Events) > MaxBatch {
		return nil, fmt.Errorf("%w: a batch of %d events (want 1 to %d)", ErrEvent, len(w.Events), MaxBatch)
	}
	out := make([]Event, len(w.Events))
	for i, we := range w.Events {
		ev, err := we.event()
		if err != nil {
			return nil, fmt.Errorf("event %d of %d: %w", i, len(w.Events), err)
		}
		out[i] = ev
	}
	return out, nil
}

func (w *wireEventIn) event() (Event, error) {
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
	if a.Numbers, err = unpackTerms(w.Article.Numbers); err != nil {
		return Event{}, fmt.Errorf("%w: numbers: %w", ErrEvent, err)
	}
	return Event{Article: &a, Story: w.Story, Merges: w.Merges}, nil
}
