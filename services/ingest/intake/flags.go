package intake

import "github.com/newsflow/newsflow/pkg/stage"

// Flags registers the settings as flags whose defaults come from their
// NEWSFLOW_INTAKE_* environment variables.
func (c *HandlerConfig) Flags(e *stage.EnvFlags) {
	e.Secret(&c.Token, "intake-token", "NEWSFLOW_INTAKE_TOKEN", "bearer token required by POST /v1/articles; empty disables auth (the environment is preferred)")
	e.Int64(&c.MaxBodyBytes, "intake-max-body-bytes", "NEWSFLOW_INTAKE_MAX_BODY_BYTES", "largest request body accepted, as sent")
	e.Int64(&c.MaxDecompressedBytes, "intake-max-decompressed-bytes", "NEWSFLOW_INTAKE_MAX_DECOMPRESSED_BYTES", "largest gzip request body accepted once inflated")
	e.Duration(&c.RetryAfter, "intake-retry-after", "NEWSFLOW_INTAKE_RETRY_AFTER", "Retry-After advertised when JetStream is full or unavailable")
}
