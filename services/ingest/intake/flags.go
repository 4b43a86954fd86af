package intake

import "github.com/newsflow/newsflow/pkg/stage"

// Flags binds every HTTP intake setting to a flag whose default comes from
// its NEWSFLOW_INTAKE_* variable.
func (c *HandlerConfig) Flags(e *stage.EnvFlags) {
	e.String(&c.Token, "intake-token", "NEWSFLOW_INTAKE_TOKEN", "bearer token POST /v1/articles requires (secret); empty disables auth")
	e.Int64(&c.MaxBodyBytes, "intake-max-body-bytes", "NEWSFLOW_INTAKE_MAX_BODY_BYTES", "largest request body, compressed or not")
	e.Int64(&c.MaxDecompressedBytes, "intake-max-decompressed-bytes", "NEWSFLOW_INTAKE_MAX_DECOMPRESSED_BYTES", "largest gzip body once inflated")
	e.Duration(&c.RetryAfter, "intake-retry-after", "NEWSFLOW_INTAKE_RETRY_AFTER", "Retry-After advertised when JetStream cannot take more")
}
