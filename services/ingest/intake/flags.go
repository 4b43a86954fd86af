package intake

import (
	"os"

	"github.com/newsflow/newsflow/pkg/stage"
)

// Flags registers the settings as flags whose defaults come from their
// NEWSFLOW_INTAKE_* environment variables.
func (c *HandlerConfig) Flags(e *stage.EnvFlags) {
	// The token's flag gets an empty default so that -help never prints
	// the secret; the environment still sets it.
	lookup := e.Lookup
	if lookup == nil {
		lookup = os.LookupEnv
	}
	e.FlagSet.StringVar(&c.Token, "intake-token", "", "bearer token required by POST /v1/articles; empty disables auth (env NEWSFLOW_INTAKE_TOKEN, preferred)")
	if v, ok := lookup("NEWSFLOW_INTAKE_TOKEN"); ok {
		c.Token = v
	}
	e.Int64(&c.MaxBodyBytes, "intake-max-body-bytes", "NEWSFLOW_INTAKE_MAX_BODY_BYTES", "largest request body accepted, as sent")
	e.Int64(&c.MaxDecompressedBytes, "intake-max-decompressed-bytes", "NEWSFLOW_INTAKE_MAX_DECOMPRESSED_BYTES", "largest gzip request body accepted once inflated")
	e.Duration(&c.RetryAfter, "intake-retry-after", "NEWSFLOW_INTAKE_RETRY_AFTER", "Retry-After advertised when JetStream is full or unavailable")
}
