package dedupe

import (
	"errors"
	"fmt"
	"time"

	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/dedupe/minhash"
)

// ErrConfig means the configuration is unusable; the message says which
// setting and what would work.
var ErrConfig = errors.New("invalid dedupe configuration")

// Config is the dedupe stage's configuration. Fields are listed with their
// environment variables; see DefaultConfig for defaults.
type Config struct {
	// Window is how long an article stays comparable
	// (NEWSFLOW_DEDUPE_WINDOW, Go duration).
	Window time.Duration
	// Threshold is the containment from which an article is a copy
	// (NEWSFLOW_DEDUPE_THRESHOLD).
	Threshold float64
	// Replicas is the KV buckets' replication factor
	// (NEWSFLOW_DEDUPE_KV_REPLICAS).
	Replicas int
	// MaxCandidates bounds the candidates verified per article, most
	// shared bands first (NEWSFLOW_DEDUPE_MAX_CANDIDATES).
	MaxCandidates int
	// MinShingles is the fewest shingles an article needs to be compared
	// at all (NEWSFLOW_DEDUPE_MIN_SHINGLES).
	MinShingles int
	// MinShared is the fewest shared sketch hashes a match needs, so that
	// a containment estimated from a handful of hashes is not trusted
	// (NEWSFLOW_DEDUPE_MIN_SHARED).
	MinShared int
	// BandBucket names the band log (stream BANDLOG_<name>) and
	// RecordBucket the record KV bucket (NEWSFLOW_DEDUPE_BAND_BUCKET,
	// NEWSFLOW_DEDUPE_RECORD_BUCKET).
	BandBucket, RecordBucket string
	// MemoryStorage keeps the buckets in memory (NEWSFLOW_DEDUPE_KV_MEMORY).
	MemoryStorage bool
	// Parallel bounds concurrent KV record reads per article
	// (NEWSFLOW_DEDUPE_KV_PARALLEL).
	Parallel int
	// IndexDir holds the replica's local band index, an on-disk store
	// that follows the band log (NEWSFLOW_DEDUPE_INDEX_DIR). A replica
	// that restarts on the same directory follows the log from the last
	// message it applied; "" is a temporary directory removed at exit, so
	// every start replays the whole window from the band log.
	IndexDir string
	// IndexCacheMiB is the local index's memory in MiB
	// (NEWSFLOW_DEDUPE_INDEX_CACHE_MIB): Pebble's block cache, from which
	// its two memtables (2 x IndexMemTableMiB) are reserved. Lookups need
	// the tables' Bloom filters in it, about 60 bytes per article of the
	// window (84 MB at 1.4 million): the default fits that window.
	IndexCacheMiB int
	// IndexMemTableMiB is the size of one of the local index's memtables
	// in MiB (NEWSFLOW_DEDUPE_INDEX_MEMTABLE_MIB): at most two are held,
	// one being written and one being flushed, both reserved from
	// IndexCacheMiB. Smaller ones flush more often into smaller tables.
	IndexMemTableMiB int
	// MergeSubject is where merge updates are published: the stage's
	// output subject.
	MergeSubject string
	// Params are the fingerprint parameters; every replica must agree.
	Params minhash.Params
}

// minIndexBlocksMiB is the least of the cache Validate lets the blocks
// keep besides the two memtables reserved from it.
const minIndexBlocksMiB = 16

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Window:           14 * 24 * time.Hour,
		Threshold:        0.7,
		Replicas:         1,
		MaxCandidates:    32,
		MinShingles:      10,
		MinShared:        5,
		BandBucket:       "dedupe_bands",
		RecordBucket:     "dedupe_records",
		Parallel:         48,
		IndexCacheMiB:    128,
		IndexMemTableMiB: 16,
		MergeSubject:     stage.SubjectDeduped,
		Params:           minhash.DefaultParams,
	}
}

// Validate reports every setting that cannot work.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...))
	}
	if c.Window < time.Second {
		bad("NEWSFLOW_DEDUPE_WINDOW %s: want at least 1s, e.g. 336h", c.Window)
	}
	if c.Threshold <= 0 || c.Threshold > 1 {
		bad("NEWSFLOW_DEDUPE_THRESHOLD %v: want a containment in (0, 1], e.g. 0.7", c.Threshold)
	}
	if c.Replicas != 1 && c.Replicas != 3 && c.Replicas != 5 {
		bad("NEWSFLOW_DEDUPE_KV_REPLICAS %d: want 1, 3 or 5", c.Replicas)
	}
	if c.MaxCandidates < 1 {
		bad("NEWSFLOW_DEDUPE_MAX_CANDIDATES %d: want at least 1", c.MaxCandidates)
	}
	if c.MinShingles < 1 {
		bad("NEWSFLOW_DEDUPE_MIN_SHINGLES %d: want at least 1", c.MinShingles)
	}
	if c.MinShared < 1 {
		bad("NEWSFLOW_DEDUPE_MIN_SHARED %d: want at least 1", c.MinShared)
	}
	if c.BandBucket == "" || c.RecordBucket == "" || c.BandBucket == c.RecordBucket {
		bad("NEWSFLOW_DEDUPE_BAND_BUCKET %q and NEWSFLOW_DEDUPE_RECORD_BUCKET %q: want two distinct names", c.BandBucket, c.RecordBucket)
	}
	if c.Parallel < 1 {
		bad("NEWSFLOW_DEDUPE_KV_PARALLEL %d: want at least 1", c.Parallel)
	}
	if c.IndexMemTableMiB < 1 {
		bad("NEWSFLOW_DEDUPE_INDEX_MEMTABLE_MIB %d: want at least 1, e.g. 16", c.IndexMemTableMiB)
	} else if least := 2*c.IndexMemTableMiB + minIndexBlocksMiB; c.IndexCacheMiB < least {
		bad("NEWSFLOW_DEDUPE_INDEX_CACHE_MIB %d: want at least %d (the two %d MiB memtables of NEWSFLOW_DEDUPE_INDEX_MEMTABLE_MIB take %d), e.g. 128", c.IndexCacheMiB, least, c.IndexMemTableMiB, 2*c.IndexMemTableMiB)
	}
	if c.MergeSubject == "" {
		bad("merge subject is empty")
	}
	if err := c.Params.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("%w: %w", ErrConfig, err))
	}
	return errors.Join(errs...)
}

// Flags binds every setting to a flag whose default comes from its
// NEWSFLOW_DEDUPE_* environment variable; malformed values are reported
// by e.Err.
func (c *Config) Flags(e *stage.EnvFlags) {
	e.Duration(&c.Window, "dedupe-window", "NEWSFLOW_DEDUPE_WINDOW", "how long an article stays comparable")
	e.Float64(&c.Threshold, "dedupe-threshold", "NEWSFLOW_DEDUPE_THRESHOLD", "containment from which an article is a copy")
	e.Int(&c.Replicas, "dedupe-kv-replicas", "NEWSFLOW_DEDUPE_KV_REPLICAS", "replication factor of the dedupe KV buckets (1, 3 or 5)")
	e.Int(&c.MaxCandidates, "dedupe-max-candidates", "NEWSFLOW_DEDUPE_MAX_CANDIDATES", "candidates verified per article")
	e.Int(&c.MinShingles, "dedupe-min-shingles", "NEWSFLOW_DEDUPE_MIN_SHINGLES", "fewest shingles an article needs to be judged")
	e.Int(&c.MinShared, "dedupe-min-shared", "NEWSFLOW_DEDUPE_MIN_SHARED", "fewest shared sketch hashes a match needs")
	e.String(&c.BandBucket, "dedupe-band-bucket", "NEWSFLOW_DEDUPE_BAND_BUCKET", "band log name (stream BANDLOG_<name>)")
	e.String(&c.RecordBucket, "dedupe-record-bucket", "NEWSFLOW_DEDUPE_RECORD_BUCKET", "KV bucket of article records")
	e.Bool(&c.MemoryStorage, "dedupe-kv-memory", "NEWSFLOW_DEDUPE_KV_MEMORY", "keep the dedupe KV buckets in memory")
	e.Int(&c.Parallel, "dedupe-kv-parallel", "NEWSFLOW_DEDUPE_KV_PARALLEL", "concurrent KV record reads per article")
	e.String(&c.IndexDir, "dedupe-index-dir", "NEWSFLOW_DEDUPE_INDEX_DIR", "directory of the replica's local band index (empty: a temporary one, replayed from the band log at every start)")
	e.Int(&c.IndexCacheMiB, "dedupe-index-cache-mib", "NEWSFLOW_DEDUPE_INDEX_CACHE_MIB", "memory of the local band index (block cache and memtables), MiB")
	e.Int(&c.IndexMemTableMiB, "dedupe-index-memtable-mib", "NEWSFLOW_DEDUPE_INDEX_MEMTABLE_MIB", "size of each of the local band index's two memtables, reserved from its cache, MiB")
}
