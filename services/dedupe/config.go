package dedupe

import (
	"errors"
	"fmt"
	"strconv"
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
	// KeyBits bounds the band bucket to 2^KeyBits keys
	// (NEWSFLOW_DEDUPE_KEY_BITS).
	KeyBits int
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
	// BandBucket and RecordBucket name the KV buckets
	// (NEWSFLOW_DEDUPE_BAND_BUCKET, NEWSFLOW_DEDUPE_RECORD_BUCKET).
	BandBucket, RecordBucket string
	// MemoryStorage keeps the buckets in memory (NEWSFLOW_DEDUPE_KV_MEMORY).
	MemoryStorage bool
	// Parallel bounds concurrent KV writes per article
	// (NEWSFLOW_DEDUPE_KV_PARALLEL).
	Parallel int
	// MergeSubject is where merge updates are published: the stage's
	// output subject.
	MergeSubject string
	// Params are the fingerprint parameters; every replica must agree.
	Params minhash.Params
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Window:        14 * 24 * time.Hour,
		Threshold:     0.7,
		Replicas:      1,
		KeyBits:       16,
		MaxCandidates: 32,
		MinShingles:   10,
		MinShared:     5,
		BandBucket:    "dedupe_bands",
		RecordBucket:  "dedupe_records",
		Parallel:      16,
		MergeSubject:  stage.SubjectDeduped,
		Params:        minhash.DefaultParams,
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
	if c.KeyBits < 4 || c.KeyBits > 24 {
		bad("NEWSFLOW_DEDUPE_KEY_BITS %d: want 4-24", c.KeyBits)
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
	if c.MergeSubject == "" {
		bad("merge subject is empty")
	}
	if err := c.Params.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("%w: %w", ErrConfig, err))
	}
	return errors.Join(errs...)
}

// FromEnv overrides c with the NEWSFLOW_DEDUPE_* variables that lookup
// finds (pass os.LookupEnv). It reports every unparsable value.
func (c *Config) FromEnv(lookup func(string) (string, bool)) error {
	var errs []error
	str := func(name string, dst *string) {
		if v, ok := lookup(name); ok {
			*dst = v
		}
	}
	num := func(name string, dst *int) {
		if v, ok := lookup(name); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%w: %s=%q: want an integer", ErrConfig, name, v))
				return
			}
			*dst = n
		}
	}
	if v, ok := lookup("NEWSFLOW_DEDUPE_WINDOW"); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: NEWSFLOW_DEDUPE_WINDOW=%q: want a Go duration such as 336h", ErrConfig, v))
		} else {
			c.Window = d
		}
	}
	if v, ok := lookup("NEWSFLOW_DEDUPE_THRESHOLD"); ok {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: NEWSFLOW_DEDUPE_THRESHOLD=%q: want a number such as 0.7", ErrConfig, v))
		} else {
			c.Threshold = f
		}
	}
	if v, ok := lookup("NEWSFLOW_DEDUPE_KV_MEMORY"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: NEWSFLOW_DEDUPE_KV_MEMORY=%q: want true or false", ErrConfig, v))
		} else {
			c.MemoryStorage = b
		}
	}
	num("NEWSFLOW_DEDUPE_KV_REPLICAS", &c.Replicas)
	num("NEWSFLOW_DEDUPE_KEY_BITS", &c.KeyBits)
	num("NEWSFLOW_DEDUPE_MAX_CANDIDATES", &c.MaxCandidates)
	num("NEWSFLOW_DEDUPE_MIN_SHINGLES", &c.MinShingles)
	num("NEWSFLOW_DEDUPE_MIN_SHARED", &c.MinShared)
	num("NEWSFLOW_DEDUPE_KV_PARALLEL", &c.Parallel)
	str("NEWSFLOW_DEDUPE_BAND_BUCKET", &c.BandBucket)
	str("NEWSFLOW_DEDUPE_RECORD_BUCKET", &c.RecordBucket)
	return errors.Join(errs...)
}
