package intake

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/newsflow/newsflow/pkg/schema"
	"go.uber.org/zap"
)

// Progress is reported after every item while files are published.
type Progress struct {
	// Bytes of input consumed so far, of BytesTotal.
	Bytes, BytesTotal int64
	// Files done so far, of FilesTotal.
	Files, FilesTotal              int
	Accepted, Duplicates, Rejected int
}

// Summary is the outcome of publishing files.
type Summary struct {
	// Accepted counts articles newly stored.
	Accepted int
	// Duplicates counts articles JetStream already had: the same id
	// within the stream's duplicate window, so nothing new was stored.
	Duplicates int
	Rejected   int
	// Skipped lists the files of folders left out as not articles
	// (README, LICENCE, ...; see NotAnArticle).
	Skipped []string
	// Reasons groups rejected items by reason, most frequent first.
	Reasons []Reason
}

// Reason is one group of rejected items.
type Reason struct {
	Reason string
	Count  int
	// Examples are up to MaxExamples places (path or path:line).
	Examples []string
}

// MaxExamples bounds Reason.Examples.
const MaxExamples = 3

// String renders the summary for a terminal.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "accepted %d, rejected %d, duplicates %d\n", s.Accepted, s.Rejected, s.Duplicates)
	for _, r := range s.Reasons {
		fmt.Fprintf(&b, "  %6d  %s  (e.g. %s)\n", r.Count, r.Reason, strings.Join(r.Examples, ", "))
	}
	if n := len(s.Skipped); n > 0 {
		shown := s.Skipped[:min(n, MaxExamples)]
		more := ""
		if n > len(shown) {
			more = fmt.Sprintf(", and %d more", n-len(shown))
		}
		fmt.Fprintf(&b, "skipped %d file(s) that describe a folder, not an article: %s%s\n", n, strings.Join(shown, ", "), more)
	}
	return b.String()
}

// reasonOf names the group a rejection belongs to: the sentinel it wraps
// when there is one, so that "invalid JSON: line 3 ..." and "invalid
// JSON: line 9 ..." count together.
func reasonOf(err error) string {
	for _, target := range []error{
		schema.ErrTooLarge, schema.ErrNotUTF8, schema.ErrInvalidJSON, schema.ErrUnsupportedVersion,
		ErrUnsupportedFile, ErrFileTooLarge, ErrRejected,
	} {
		if errors.Is(err, target) {
			return target.Error()
		}
	}
	if errors.Is(err, schema.ErrInvalid) {
		// The validation message names the broken fields: keep it.
		return err.Error()
	}
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
		return "cannot open file"
	}
	msg := err.Error()
	if len(msg) > 120 {
		msg = msg[:120] + "…"
	}
	return msg
}

// MaxRetryWait caps the wait between retries when JetStream is
// unavailable.
const MaxRetryWait = 10 * time.Second

// PublishPaths reads every article under paths and publishes the valid
// ones, waiting and retrying (with capped exponential backoff) while
// JetStream is unavailable, until ctx ends. progress, when not nil, is
// called after each item. The summary counts what was accepted and why
// the rest was rejected, and names the files skipped. Articles without a
// source get the publisher's (WithSource), else their folder's name.
func (p *Publisher) PublishPaths(ctx context.Context, paths []string, progress func(Progress)) (Summary, error) {
	list, err := Files(paths, p.source)
	if err != nil {
		return Summary{}, err
	}
	files := list.Files
	var pr Progress
	pr.FilesTotal = len(files)
	for _, f := range files {
		if info, err := os.Stat(f.Path); err == nil {
			pr.BytesTotal += info.Size()
		}
	}
	groups := map[string]*Reason{}
	sum := Summary{Skipped: list.Skipped}
	reject := func(it Item, err error) {
		p.metrics.article(sourceFile, resultRejected)
		sum.Rejected++
		key := reasonOf(err)
		g := groups[key]
		if g == nil {
			g = &Reason{Reason: key}
			groups[key] = g
		}
		g.Count++
		if len(g.Examples) < MaxExamples {
			g.Examples = append(g.Examples, it.String())
		}
	}
	for _, f := range files {
		var compressed int64
		if info, err := os.Stat(f.Path); err == nil {
			compressed = info.Size()
		}
		var read int64
		err := ReadFile(ctx, f.Path, withSource(f.Source, func(it Item) error {
			if it.Err != nil {
				reject(it, it.Err)
			} else if id, dup, err := p.publishRetrying(ctx, it.Raw); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				reject(it, err)
			} else if dup {
				p.metrics.article(sourceFile, resultDuplicate)
				sum.Duplicates++
				p.log.Debug("duplicate", zap.String("article_id", id), zap.Stringer("item", it))
			} else {
				p.metrics.article(sourceFile, resultAccepted)
				sum.Accepted++
				p.log.Debug("published", zap.String("article_id", id), zap.Stringer("item", it))
			}
			// Progress in input bytes: exact for plain files, scaled
			// for compressed ones, never past the file's size.
			read += it.Size
			pr.Accepted, pr.Duplicates, pr.Rejected = sum.Accepted, sum.Duplicates, sum.Rejected
			if progress != nil {
				cur := pr
				cur.Bytes += min(read, compressed)
				progress(cur)
			}
			return nil
		}))
		if err != nil {
			return summarize(sum, groups), err
		}
		pr.Files++
		pr.Bytes += compressed
		if progress != nil {
			progress(pr)
		}
	}
	return summarize(sum, groups), nil
}

func summarize(sum Summary, groups map[string]*Reason) Summary {
	for _, g := range groups {
		sum.Reasons = append(sum.Reasons, *g)
	}
	sort.Slice(sum.Reasons, func(i, j int) bool {
		if sum.Reasons[i].Count != sum.Reasons[j].Count {
			return sum.Reasons[i].Count > sum.Reasons[j].Count
		}
		return sum.Reasons[i].Reason < sum.Reasons[j].Reason
	})
	return sum
}

// publishRetrying publishes a, retrying while JetStream is unavailable.
func (p *Publisher) publishRetrying(ctx context.Context, a *schema.RawArticle) (id string, duplicate bool, err error) {
	wait := 100 * time.Millisecond
	for {
		id, duplicate, err := p.Publish(ctx, a)
		if !errors.Is(err, ErrUnavailable) || ctx.Err() != nil {
			return id, duplicate, err
		}
		p.metrics.article(sourceFile, resultUnavailable)
		p.log.Warn("jetstream unavailable, retrying", zap.Duration("wait", wait), zap.Error(err))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", false, ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, MaxRetryWait)
	}
}
