package chaos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/indexer"
	"github.com/newsflow/newsflow/services/indexer/esindex"
	"github.com/newsflow/newsflow/services/indexer/estest"
	"github.com/newsflow/newsflow/services/ingest/intake"
)

var (
	syllables = []string{"ka", "lo", "mi", "ren", "ta", "vu", "sel", "dor", "pa", "qui", "ne", "bra", "tor", "fi", "gan", "hu", "mel", "zo", "sta", "wer"}
	firsts    = []string{"Maria", "John", "Aiko", "Pedro", "Fatima", "Olga", "Kwame", "Lena"}
	lasts     = []string{"Lopez", "Okafor", "Tanaka", "Schmidt", "Haddad", "Ivanova", "Mensah", "Berg"}
	places    = []string{"Paris", "Lagos", "Osaka", "Lima", "Berlin", "Cairo", "Oslo", "Quito"}
)

// Article returns the nth generated article of batch tag: a unique URL and
// about 90 pseudo-words with a few names and places, different enough
// from every other article that dedupe keeps each one.
func Article(tag string, n int) *schema.RawArticle {
	r := rand.New(rand.NewPCG(uint64(n)+1, hash64(tag)))
	word := func() string {
		k := 2 + r.IntN(3)
		var b strings.Builder
		for range k {
			b.WriteString(syllables[r.IntN(len(syllables))])
		}
		return b.String()
	}
	var sb strings.Builder
	for s := range 6 {
		if s > 0 {
			sb.WriteString(" ")
		}
		who := firsts[r.IntN(len(firsts))] + " " + lasts[r.IntN(len(lasts))]
		sb.WriteString(fmt.Sprintf("%s said in %s that", who, places[r.IntN(len(places))]))
		for range 12 {
			sb.WriteString(" " + word())
		}
		sb.WriteString(".")
	}
	return &schema.RawArticle{
		URL:         fmt.Sprintf("https://chaos.example/%s/%d", tag, n),
		Source:      "chaos",
		Title:       fmt.Sprintf("Chaos %s %d %s", tag, n, word()),
		Text:        sb.String(),
		PublishedAt: "2026-11-20T10:00:00Z",
	}
}

func hash64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// Publish stores articles in articles.raw through the intake publisher,
// as a scraper would, retrying while JetStream is unavailable. rate limits
// articles per second (0: as fast as possible). It returns the ids.
func Publish(ctx context.Context, pub *intake.Publisher, arts []*schema.RawArticle, rate float64) ([]string, error) {
	ids := make([]string, 0, len(arts))
	start := time.Now()
	for i, a := range arts {
		if rate > 0 {
			due := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
			if d := time.Until(due); d > 0 {
				select {
				case <-ctx.Done():
					return ids, ctx.Err()
				case <-time.After(d):
				}
			}
		}
		for {
			id, _, err := pub.Publish(ctx, a)
			if err == nil {
				ids = append(ids, id)
				break
			}
			if !errors.Is(err, intake.ErrUnavailable) {
				return ids, err
			}
			select {
			case <-ctx.Done():
				return ids, ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	return ids, nil
}

// Count is the fate of a batch of articles.
type Count struct {
	Sent int
	// Indexed are the ids found in the double.
	Indexed int
	// Dead are the ids not indexed but found in ARTICLES_DEAD.
	Dead int
	// Lost are neither.
	Lost int
	// Duplicated are ids written more than once (Writes > 1, or in more
	// than one index).
	Duplicated int
	// NoStory are indexed ids whose article has no story_id.
	NoStory int
	// FirstDead is the reason of one dead letter of the batch.
	FirstDead string
}

// Ledger finds articles in the double and in the dead-letter stream.
type Ledger struct {
	js jetstream.JetStream
	es *estest.Server

	deadSeq uint64
	// dead maps article ids to the reasons of their dead letters.
	dead map[string][]string
}

// NewLedger reads from js and es.
func NewLedger(js jetstream.JetStream, es *estest.Server) *Ledger {
	return &Ledger{js: js, es: es, dead: map[string][]string{}}
}

// Dead returns the reasons every dead letter of id carried.
func (l *Ledger) Dead(id string) []string { return l.dead[id] }

func (l *Ledger) readDead(ctx context.Context) error {
	s, err := l.js.Stream(ctx, stage.StreamDead)
	if err != nil {
		return err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return err
	}
	for seq := max(l.deadSeq+1, info.State.FirstSeq); seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("dead letter %d: %w", seq, err)
		}
		id := PayloadID(m.Data)
		l.dead[id] = append(l.dead[id], m.Header.Get(stage.HeaderDeadStage)+": "+m.Header.Get(stage.HeaderDeadReason))
	}
	l.deadSeq = info.State.LastSeq
	return nil
}

// PayloadID returns the article id of a pipeline payload: a document's id,
// or the id intake gives a raw article.
func PayloadID(data []byte) string {
	var ref struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(data, &ref) == nil && ref.ID != "" {
		return ref.ID
	}
	var a schema.RawArticle
	if json.Unmarshal(data, &a) == nil {
		return intake.ArticleID(&a)
	}
	return ""
}

// Count looks every id up.
func (l *Ledger) Count(ctx context.Context, ids []string) (Count, error) {
	if err := l.readDead(ctx); err != nil {
		return Count{}, err
	}
	// Articles only: the story index holds stories, whose ids may be an
	// article's (a story named after its first report).
	docs := map[string][]estest.Doc{}
	for _, d := range l.es.Docs(esindex.PatternPrefix + "*") {
		docs[d.ID] = append(docs[d.ID], d)
	}
	c := Count{Sent: len(ids)}
	for _, id := range ids {
		ds := docs[id]
		switch {
		case len(ds) > 0:
			c.Indexed++
			if len(ds) > 1 || ds[0].Writes > 1 {
				c.Duplicated++
			}
			var a struct {
				StoryID string `json:"story_id"`
			}
			if json.Unmarshal(ds[0].Source, &a) != nil || a.StoryID == "" {
				c.NoStory++
			}
		case len(l.dead[id]) > 0:
			c.Dead++
			if c.FirstDead == "" {
				c.FirstDead = l.dead[id][0]
			}
		default:
			c.Lost++
		}
	}
	return c, nil
}

// Settle waits until every id is indexed or dead-lettered and every stage
// consumer has nothing pending or unacknowledged, then counts. On timeout
// it returns the count so far with an error.
func (l *Ledger) Settle(ctx context.Context, ids []string, timeout time.Duration) (Count, error) {
	return l.settle(ctx, ids, timeout, true)
}

// Reached waits until every id is indexed or dead-lettered, whatever
// else is still in flight, then counts.
func (l *Ledger) Reached(ctx context.Context, ids []string, timeout time.Duration) (Count, error) {
	return l.settle(ctx, ids, timeout, false)
}

func (l *Ledger) settle(ctx context.Context, ids []string, timeout time.Duration, idle bool) (Count, error) {
	deadline := time.Now().Add(timeout)
	for {
		c, err := l.Count(ctx, ids)
		if err == nil && c.Lost == 0 && (!idle || l.idle(ctx)) {
			return c, nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("not settled after %s: %d of %d not yet indexed or dead", timeout, c.Lost, c.Sent)
			}
			return c, err
		}
		select {
		case <-ctx.Done():
			return c, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// idle reports whether every stage consumer has delivered and had
// acknowledged everything.
func (l *Ledger) idle(ctx context.Context) bool {
	for name, stream := range StageStreams {
		cons, err := l.js.Consumer(ctx, stream, name)
		if err != nil {
			return false
		}
		info, err := cons.Info(ctx)
		if err != nil || info.NumPending > 0 || info.NumAckPending > 0 {
			return false
		}
	}
	return true
}

// StageStreams maps each stage's durable consumer to its input stream.
var StageStreams = map[string]string{
	stage.NameIngest:         stage.StreamRaw,
	stage.NameDedupe:         stage.StreamCleaned,
	stage.NameEnrich:         stage.StreamDeduped,
	stage.NameStories:        stage.StreamEnriched,
	stage.NameIndex:          stage.StreamStoried,
	indexer.StoriesStageName: stage.StreamStories,
}

// Progress returns how many messages stage name has acknowledged.
func Progress(ctx context.Context, js jetstream.JetStream, name string) (uint64, error) {
	cons, err := js.Consumer(ctx, StageStreams[name], name)
	if err != nil {
		return 0, err
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.AckFloor.Stream, nil
}
