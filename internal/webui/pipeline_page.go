package webui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/newsflow/newsflow/internal/pipeline"
)

// Pipeline is where the pipeline page reads the stages' state.
type Pipeline interface {
	// Lags reads every stage's backlog, in pipeline order.
	Lags(ctx context.Context) ([]pipeline.Lag, error)
	// DeadLetters reads up to limit dead letters, oldest first.
	DeadLetters(ctx context.Context, limit int) ([]DeadLetter, error)
}

// DeadLetter is one article a stage gave up on.
type DeadLetter struct {
	Stage, Reason string
	Time          time.Time
}

// EventInterval is how often the pipeline page's event stream sends the
// stages' state.
const EventInterval = time.Second

// deadLetterRead bounds the dead letters the pipeline page reads to group
// their reasons.
const deadLetterRead = 1000

type stageRow struct {
	Stage       string  `json:"stage"`
	Pending     uint64  `json:"pending"`
	InFlight    int     `json:"in_flight"`
	Redelivered int     `json:"redelivered"`
	Dead        uint64  `json:"dead"`
	Rate        float64 `json:"rate"`
	// HasRate is false until two readings are far enough apart.
	HasRate bool `json:"has_rate"`
}

type reasonRow struct {
	Stage, Reason string
	Count         int
	Last          time.Time
}

type pipelineData struct {
	Available bool
	Stages    []stageRow
	Reasons   []reasonRow
	Letters   int
	// Capped is true when more dead letters exist than were read.
	Capped   bool
	Interval string
}

// rateMemory keeps the last reading of the stages, so that a page load
// can give a rate from the one before it.
type rateMemory struct {
	mu   sync.Mutex
	at   time.Time
	lags []pipeline.Lag
}

// rows turns a reading into table rows, with rates against prev (taken
// at prevAt) when it is at least minGap older.
func rows(lags []pipeline.Lag, now time.Time, prev []pipeline.Lag, prevAt time.Time) []stageRow {
	const minGap = 500 * time.Millisecond
	out := make([]stageRow, 0, len(lags))
	for i, l := range lags {
		row := stageRow{Stage: l.Stage, Pending: l.Pending, InFlight: l.InFlight, Redelivered: l.Redelivered, Dead: l.Dead}
		if gap := now.Sub(prevAt); i < len(prev) && prev[i].Stage == l.Stage && gap >= minGap {
			row.HasRate = true
			if l.AckFloor >= prev[i].AckFloor {
				row.Rate = float64(l.AckFloor-prev[i].AckFloor) / gap.Seconds()
			}
		}
		out = append(out, row)
	}
	return out
}

// reading reads the stages and remembers the reading for the next rate.
func (s *Server) reading(ctx context.Context) ([]stageRow, error) {
	lags, err := s.opts.Pipeline.Lags(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	m := &s.rates
	m.mu.Lock()
	defer m.mu.Unlock()
	out := rows(lags, now, m.lags, m.at)
	if now.Sub(m.at) >= 500*time.Millisecond {
		m.lags, m.at = lags, now
	}
	return out, nil
}

func (s *Server) pipelinePage(r *http.Request) (view, error) {
	v := view{Page: "pipeline", Nav: "pipeline", Title: "Pipeline"}
	d := &pipelineData{Interval: EventInterval.String()}
	v.Data = d
	if s.opts.Pipeline == nil {
		return v, nil
	}
	d.Available = true
	var err error
	if d.Stages, err = s.reading(r.Context()); err != nil {
		return v, fmt.Errorf("pipeline state: %w", err)
	}
	letters, err := s.opts.Pipeline.DeadLetters(r.Context(), deadLetterRead)
	if err != nil {
		return v, fmt.Errorf("dead letters: %w", err)
	}
	d.Letters = len(letters)
	var total uint64
	for _, st := range d.Stages {
		total += st.Dead
	}
	d.Capped = total > uint64(len(letters))
	d.Reasons = groupReasons(letters)
	return v, nil
}

// groupReasons counts dead letters by stage and reason, the most frequent
// first.
func groupReasons(letters []DeadLetter) []reasonRow {
	idx := map[[2]string]int{}
	var out []reasonRow
	for _, l := range letters {
		k := [2]string{l.Stage, l.Reason}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, reasonRow{Stage: l.Stage, Reason: l.Reason})
		}
		out[i].Count++
		if l.Time.After(out[i].Last) {
			out[i].Last = l.Time
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out
}

// pipelineEvents streams the stages' state as server-sent events, one
// "stages" event (a JSON array of rows) per EventInterval, until the
// client leaves.
func (s *Server) pipelineEvents(w http.ResponseWriter, r *http.Request) {
	if s.opts.Pipeline == nil {
		http.Error(w, "no pipeline to watch: `newsflow serve` reads an index only", http.StatusNotFound)
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	tick := time.NewTicker(EventInterval)
	defer tick.Stop()
	rc := http.NewResponseController(w)
	for {
		// The server's write timeout bounds a whole response; a stream
		// extends it event by event.
		_ = rc.SetWriteDeadline(time.Now().Add(EventInterval + 30*time.Second))
		rowsNow, err := s.reading(r.Context())
		if r.Context().Err() != nil {
			return
		}
		if err != nil {
			fmt.Fprintf(w, "event: failure\ndata: %q\n\n", err.Error())
		} else {
			js, _ := json.Marshal(rowsNow)
			fmt.Fprintf(w, "event: stages\ndata: %s\n\n", js)
		}
		flusher.Flush()
		select {
		case <-r.Context().Done():
			return
		case <-s.stop:
			return
		case <-tick.C:
		}
	}
}
