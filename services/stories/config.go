package stories

import (
	"errors"
	"fmt"
	"time"

	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/stories/cluster"
)

// ErrConfig means the configuration is unusable; the message says which
// setting and what would work.
var ErrConfig = errors.New("invalid stories configuration")

// Config is the stories stage's configuration. Fields are listed with
// their environment variables; see DefaultConfig for defaults.
type Config struct {
	// Params are the clustering weights, threshold and bounds; every
	// replica must agree. Threshold (NEWSFLOW_STORIES_THRESHOLD),
	// MergeThreshold (NEWSFLOW_STORIES_MERGE_THRESHOLD), TimeScale
	// (NEWSFLOW_STORIES_TIME_SCALE), Horizon (NEWSFLOW_STORIES_HORIZON)
	// and MaxStories (NEWSFLOW_STORIES_MAX_STORIES) are settable.
	Params cluster.Params
	// LogStream names the JetStream stream of the story log
	// (NEWSFLOW_STORIES_LOG_STREAM); its subject is LogSubject.
	LogStream string
	// LogMaxBytes caps the story log (NEWSFLOW_STORIES_LOG_MAX_BYTES);
	// its messages also age out one day after Horizon.
	LogMaxBytes int64
	// Replicas is the story log's replication factor
	// (NEWSFLOW_STORIES_LOG_REPLICAS).
	Replicas int
	// SnapshotInterval debounces story snapshots: a changed story is
	// published at most once per interval (NEWSFLOW_STORIES_SNAPSHOT_INTERVAL).
	SnapshotInterval time.Duration
	// MaxLag is how long an article waits for this replica to catch up
	// with the log after another replica appended to it, before the
	// attempt fails and is retried (NEWSFLOW_STORIES_MAX_LAG).
	MaxLag time.Duration
	// MaxBatch is the most articles one story log append decides (group
	// commit: articles that arrive while an append is in flight go
	// together in the next; NEWSFLOW_STORIES_MAX_BATCH).
	MaxBatch int
	// StateBucket names the JetStream object store of the state snapshot
	// (NEWSFLOW_STORIES_STATE_BUCKET): a restarted replica loads it and
	// replays only the story log after it.
	StateBucket string
	// StateInterval is how often a replica writes the state snapshot, if
	// the stored one is older than its state (NEWSFLOW_STORIES_STATE_INTERVAL;
	// 0: never, the snapshot is still loaded).
	StateInterval time.Duration
	// StateMaxBytes caps the state snapshot's object store
	// (NEWSFLOW_STORIES_STATE_MAX_BYTES); a write needs room for the old
	// snapshot and the new one until the old one is dropped.
	StateMaxBytes int64
}

// LogSubject is the subject of the story log.
const LogSubject = "stories.log"

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Params:           cluster.DefaultParams(),
		LogStream:        "STORIES_LOG",
		LogMaxBytes:      4 << 30,
		Replicas:         1,
		SnapshotInterval: time.Second,
		MaxLag:           5 * time.Second,
		MaxBatch:         64,
		StateBucket:      "STORIES_STATE",
		StateInterval:    10 * time.Minute,
		StateMaxBytes:    1 << 30,
	}
}

// Validate reports every setting that cannot work.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...))
	}
	if err := c.Params.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("%w: %w", ErrConfig, err))
	}
	if c.LogStream == "" {
		bad("NEWSFLOW_STORIES_LOG_STREAM is empty: want a stream name, e.g. STORIES_LOG")
	}
	if c.LogMaxBytes < 1<<20 {
		bad("NEWSFLOW_STORIES_LOG_MAX_BYTES %d: want at least 1 MiB, e.g. 4294967296", c.LogMaxBytes)
	}
	if c.Replicas != 1 && c.Replicas != 3 && c.Replicas != 5 {
		bad("NEWSFLOW_STORIES_LOG_REPLICAS %d: want 1, 3 or 5", c.Replicas)
	}
	if c.SnapshotInterval < time.Millisecond {
		bad("NEWSFLOW_STORIES_SNAPSHOT_INTERVAL %s: want at least 1ms, e.g. 1s", c.SnapshotInterval)
	}
	if c.MaxLag < 10*time.Millisecond {
		bad("NEWSFLOW_STORIES_MAX_LAG %s: want at least 10ms, e.g. 5s", c.MaxLag)
	}
	if c.StateBucket == "" {
		bad("NEWSFLOW_STORIES_STATE_BUCKET is empty: want an object store name, e.g. STORIES_STATE")
	}
	if c.StateInterval != 0 && c.StateInterval < time.Second {
		bad("NEWSFLOW_STORIES_STATE_INTERVAL %s: want 0 (never write) or at least 1s, e.g. 10m", c.StateInterval)
	}
	if c.StateMaxBytes < 1<<20 {
		bad("NEWSFLOW_STORIES_STATE_MAX_BYTES %d: want at least 1 MiB, e.g. 1073741824", c.StateMaxBytes)
	}
	if c.MaxBatch < 1 || c.MaxBatch > 4096 {
		bad("NEWSFLOW_STORIES_MAX_BATCH %d: want 1 to 4096, e.g. 64", c.MaxBatch)
	}
	return errors.Join(errs...)
}

// Flags binds every setting to a flag whose default comes from its
// NEWSFLOW_STORIES_* environment variable.
func (c *Config) Flags(e *stage.EnvFlags) {
	e.Float64(&c.Params.Threshold, "stories-threshold", "NEWSFLOW_STORIES_THRESHOLD", "least probability (of the fitted model) that joins a story")
	e.Float64(&c.Params.MergeThreshold, "stories-merge-threshold", "NEWSFLOW_STORIES_MERGE_THRESHOLD", "least story-to-story probability that merges twins")
	e.Duration(&c.Params.TimeScale, "stories-time-scale", "NEWSFLOW_STORIES_TIME_SCALE", "scale of the time feature exp(-gap/scale)")
	e.Duration(&c.Params.Horizon, "stories-horizon", "NEWSFLOW_STORIES_HORIZON", "how long a story may be quiet and still take members")
	e.Int(&c.Params.MaxStories, "stories-max-stories", "NEWSFLOW_STORIES_MAX_STORIES", "most active stories per replica, quietest closed first")
	e.String(&c.LogStream, "stories-log-stream", "NEWSFLOW_STORIES_LOG_STREAM", "stream of the story log")
	e.Int64(&c.LogMaxBytes, "stories-log-max-bytes", "NEWSFLOW_STORIES_LOG_MAX_BYTES", "size cap of the story log")
	e.Int(&c.Replicas, "stories-log-replicas", "NEWSFLOW_STORIES_LOG_REPLICAS", "replication factor of the story log (1, 3 or 5)")
	e.Duration(&c.SnapshotInterval, "stories-snapshot-interval", "NEWSFLOW_STORIES_SNAPSHOT_INTERVAL", "least time between two snapshots of one story")
	e.Duration(&c.MaxLag, "stories-max-lag", "NEWSFLOW_STORIES_MAX_LAG", "how long an article waits for the replica to catch up with the log")
	e.Int(&c.MaxBatch, "stories-max-batch", "NEWSFLOW_STORIES_MAX_BATCH", "most articles decided per story log append (group commit)")
	e.String(&c.StateBucket, "stories-state-bucket", "NEWSFLOW_STORIES_STATE_BUCKET", "object store of the state snapshot a restarted replica loads")
	e.Duration(&c.StateInterval, "stories-state-interval", "NEWSFLOW_STORIES_STATE_INTERVAL", "how often the state snapshot is written (0: never)")
	e.Int64(&c.StateMaxBytes, "stories-state-max-bytes", "NEWSFLOW_STORIES_STATE_MAX_BYTES", "size cap of the state snapshot's object store")
}
