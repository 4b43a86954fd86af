package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/stage"
)

// DeadLetter is one message in the dead-letter stream.
type DeadLetter struct {
	Sequence        uint64    `json:"seq"`
	Stage           string    `json:"stage"`
	Reason          string    `json:"reason"`
	OriginalSubject string    `json:"original_subject"`
	Deliveries      string    `json:"deliveries"`
	Time            time.Time `json:"time"`
	// Data is the original payload; JSON carries it as base64.
	Data []byte `json:"payload"`
}

// readDeadLetters returns up to limit dead letters of stage ("" for all),
// oldest first, from since on (the zero time for all): the server skips
// the older ones, so a run's summary never reads the letters of earlier
// runs only to drop them.
func readDeadLetters(ctx context.Context, js jetstream.JetStream, stageName string, since time.Time, limit int) ([]DeadLetter, error) {
	filter := stage.SubjectDeadPrefix + ">"
	if stageName != "" {
		filter = stage.SubjectDeadPrefix + stageName
	}
	st, err := js.Stream(ctx, stage.StreamDead)
	if err != nil {
		return nil, fmt.Errorf("dead-letter stream: %w", err)
	}
	info, err := st.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return nil, err
	}
	var total uint64
	for _, n := range info.State.Subjects {
		total += n
	}
	if total == 0 {
		return nil, nil
	}
	cc := jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}}
	if !since.IsZero() {
		cc.DeliverPolicy, cc.OptStartTime = jetstream.DeliverByStartTimePolicy, &since
	}
	cons, err := st.OrderedConsumer(ctx, cc)
	if err != nil {
		return nil, err
	}
	if !since.IsZero() {
		// Only the letters from since on: the server counts them.
		ci, err := cons.Info(ctx)
		if err != nil {
			return nil, err
		}
		if total = ci.NumPending; total == 0 {
			return nil, nil
		}
	}
	want := int(min(total, uint64(limit)))
	batch, err := cons.Fetch(want, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		return nil, err
	}
	var out []DeadLetter
	for m := range batch.Messages() {
		md, err := m.Metadata()
		if err != nil {
			return nil, err
		}
		h := m.Headers()
		out = append(out, DeadLetter{
			Sequence:        md.Sequence.Stream,
			Stage:           h.Get(stage.HeaderDeadStage),
			Reason:          h.Get(stage.HeaderDeadReason),
			OriginalSubject: h.Get(stage.HeaderOriginalSubject),
			Deliveries:      h.Get(stage.HeaderDeliveryCount),
			Time:            md.Timestamp,
			Data:            m.Data(),
		})
	}
	return out, batch.Error()
}

// deadLetterStages are the consumers that dead-letter, each to
// articles.dead.<name>.
var deadLetterStages = []string{stage.NameIngest, stage.NameDedupe, stage.NameEnrich, stage.NameStories, stage.NameIndex, stage.NameStoryIndex}

func dlqCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "redrive") {
		fmt.Fprintln(stderr, "usage: newsflow dlq list|redrive [--stage S] [--limit N] [--json] [--nats URL]")
		fmt.Fprintln(stderr, "  list     show dead letters with their reasons (--json: as JSON, payloads included)")
		fmt.Fprintln(stderr, "  redrive  publish dead letters back to their original subject, then delete them")
		return ErrUsage
	}
	action := args[0]
	fs := newFlagSet("dlq "+action, stderr)
	cfg := stage.DefaultConfig().NATS
	e := &stage.EnvFlags{FlagSet: fs}
	natsFlags(e, &cfg)
	stageName := fs.String("stage", "", "only this stage's dead letters ("+strings.Join(deadLetterStages, ", ")+")")
	limit := fs.Int("limit", 100, "at most this many dead letters")
	asJSON := false
	if action == "list" {
		fs.BoolVar(&asJSON, "json", false, "print the dead letters, payloads included, as a JSON array")
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if err := e.Err(); err != nil {
		return err
	}
	if *limit < 1 {
		return fmt.Errorf("--limit %d: must be at least 1", *limit)
	}
	if *stageName != "" && !slices.Contains(deadLetterStages, *stageName) {
		return fmt.Errorf("--stage %q: no stage of that name dead-letters; one of %s", *stageName, strings.Join(deadLetterStages, ", "))
	}
	js, closeConn, err := dial(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeConn()
	letters, err := readDeadLetters(ctx, js, *stageName, time.Time{}, *limit)
	if err != nil {
		return err
	}
	if action == "list" && asJSON {
		if letters == nil {
			letters = []DeadLetter{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(letters)
	}
	if action == "list" {
		return printDeadLetters(stdout, letters)
	}
	n, err := redrive(ctx, js, letters)
	fmt.Fprintf(stdout, "re-drove %d of %d dead letters\n", n, len(letters))
	return err
}

func printDeadLetters(w io.Writer, letters []DeadLetter) error {
	if len(letters) == 0 {
		_, err := fmt.Fprintln(w, "no dead letters")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "seq\ttime\tstage\tdeliveries\treason")
	for _, l := range letters {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", l.Sequence, l.Time.UTC().Format(time.RFC3339), l.Stage, l.Deliveries, l.Reason)
	}
	return tw.Flush()
}

// redrive publishes each dead letter's original payload to its original
// subject, then deletes it from the dead-letter stream. A letter whose
// republish fails stays where it is.
func redrive(ctx context.Context, js jetstream.JetStream, letters []DeadLetter) (int, error) {
	st, err := js.Stream(ctx, stage.StreamDead)
	if err != nil {
		return 0, err
	}
	var errs []error
	n := 0
	for _, l := range letters {
		if !strings.HasPrefix(l.OriginalSubject, "articles.") || strings.HasPrefix(l.OriginalSubject, stage.SubjectDeadPrefix) {
			errs = append(errs, fmt.Errorf("seq %d: original subject %q is not a pipeline subject", l.Sequence, l.OriginalSubject))
			continue
		}
		m := nats.NewMsg(l.OriginalSubject)
		m.Data = l.Data
		m.Header.Set(jetstream.MsgIDHeader, "redrive:"+strconv.FormatUint(l.Sequence, 10))
		if _, err := js.PublishMsg(ctx, m); err != nil {
			errs = append(errs, fmt.Errorf("seq %d: %w", l.Sequence, err))
			continue
		}
		if err := st.DeleteMsg(ctx, l.Sequence); err != nil {
			errs = append(errs, fmt.Errorf("seq %d re-driven but not deleted: %w", l.Sequence, err))
		}
		n++
	}
	return n, errors.Join(errs...)
}
