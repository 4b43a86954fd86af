package intake

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"go.uber.org/zap"
)

// Path is where the handler is mounted.
const Path = "/v1/articles"

// Defaults of HandlerConfig.
const (
	DefaultMaxBodyBytes         = 64 << 20
	DefaultMaxDecompressedBytes = 256 << 20
	DefaultRetryAfter           = 5 * time.Second
)

// HandlerConfig configures the HTTP intake.
type HandlerConfig struct {
	// Token, when set, is the bearer token every request must carry
	// (NEWSFLOW_INTAKE_TOKEN). Empty disables auth.
	Token string
	// MaxBodyBytes bounds the request body as sent, compressed or not
	// (NEWSFLOW_INTAKE_MAX_BODY_BYTES, default 64 MiB).
	MaxBodyBytes int64
	// MaxDecompressedBytes bounds a gzip body once inflated, against
	// gzip bombs (NEWSFLOW_INTAKE_MAX_DECOMPRESSED_BYTES, default 256 MiB).
	MaxDecompressedBytes int64
	// RetryAfter is advertised with a 503 (NEWSFLOW_INTAKE_RETRY_AFTER,
	// default 5s).
	RetryAfter time.Duration
}

// DefaultHandlerConfig returns the defaults, with no token.
func DefaultHandlerConfig() HandlerConfig {
	return HandlerConfig{
		MaxBodyBytes:         DefaultMaxBodyBytes,
		MaxDecompressedBytes: DefaultMaxDecompressedBytes,
		RetryAfter:           DefaultRetryAfter,
	}
}

// withDefaults fills zero fields.
func (c HandlerConfig) withDefaults() HandlerConfig {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxDecompressedBytes <= 0 {
		c.MaxDecompressedBytes = DefaultMaxDecompressedBytes
	}
	if c.RetryAfter <= 0 {
		c.RetryAfter = DefaultRetryAfter
	}
	return c
}

// Validate reports settings that cannot work.
func (c HandlerConfig) Validate() error {
	if c.MaxBodyBytes < 0 || c.MaxDecompressedBytes < 0 {
		return errors.New("intake: body limits must not be negative")
	}
	if c.Token != "" && len(c.Token) < 16 {
		return errors.New("intake: NEWSFLOW_INTAKE_TOKEN is shorter than 16 characters; use a long random token")
	}
	return nil
}

// String masks the token, so the config can be logged.
func (c HandlerConfig) String() string {
	tok := "(none)"
	if c.Token != "" {
		tok = "****"
	}
	return fmt.Sprintf("token=%s max_body_bytes=%d max_decompressed_bytes=%d retry_after=%s",
		tok, c.MaxBodyBytes, c.MaxDecompressedBytes, c.RetryAfter)
}

// LineResult is the outcome for one article of a request: its id when
// stored, with Duplicate when JetStream already had it (the same id within
// the stream's duplicate window, so nothing new enters the pipeline), its
// error otherwise. Line counts from 1; a single JSON body is line 1.
type LineResult struct {
	Line      int    `json:"line"`
	ID        string `json:"id,omitempty"`
	Duplicate bool   `json:"duplicate,omitempty"`
	Error     string `json:"error,omitempty"`
}

// Response is the body of a 202 (and of a 503 or 413 that happened
// part-way through a batch). Accepted counts articles newly stored,
// Duplicates those JetStream already had.
type Response struct {
	Accepted   int          `json:"accepted"`
	Duplicates int          `json:"duplicates"`
	Rejected   int          `json:"rejected"`
	Results    []LineResult `json:"results"`
	// Error explains a 503 or 413 that stopped the batch.
	Error string `json:"error,omitempty"`
}

type errorBody struct {
	Error string `json:"error"`
}

// Handler serves POST /v1/articles.
type Handler struct {
	pub        *Publisher
	cfg        HandlerConfig
	log        *zap.Logger
	metrics    *Metrics
	rejections *stage.LogLimiter
}

// NewHandler returns the intake handler. A nil log logs nothing.
func NewHandler(pub *Publisher, cfg HandlerConfig, log *zap.Logger) *Handler {
	if log == nil {
		log = zap.NewNop()
	}
	h := &Handler{pub: pub, cfg: cfg.withDefaults(), log: log, rejections: stage.NewLogLimiter(rejectionLogInterval)}
	log.Info("intake article limit", zap.Int("max_article_bytes", pub.MaxArticleBytes()), zap.Int64("nats_max_payload_bytes", pub.MaxPayload()),
		zap.Int("schema_max_article_bytes", schema.MaxArticleBytes))
	return h
}

// articleLimit is the largest article the intake takes now, and why.
func (h *Handler) articleLimit() (int, string) {
	limit := h.pub.MaxArticleBytes()
	if limit < schema.MaxArticleBytes {
		return limit, fmt.Sprintf("limit %d bytes: the NATS server's max_payload of %d bytes less room for headers", limit, h.pub.MaxPayload())
	}
	return limit, fmt.Sprintf("limit %d bytes", limit)
}

var errTooLarge = errors.New("request body too large")

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.writeJSON(w, r, http.StatusMethodNotAllowed, errorBody{"method not allowed: use POST"})
		return
	}
	if !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="newsflow"`)
		h.writeJSON(w, r, http.StatusUnauthorized, errorBody{"missing or wrong bearer token"})
		return
	}
	if r.ContentLength > h.cfg.MaxBodyBytes {
		h.writeJSON(w, r, http.StatusRequestEntityTooLarge, errorBody{fmt.Sprintf("%v: %d bytes, limit %d", errTooLarge, r.ContentLength, h.cfg.MaxBodyBytes)})
		return
	}
	body, err := h.body(w, r)
	if err != nil {
		h.writeJSON(w, r, http.StatusBadRequest, errorBody{err.Error()})
		return
	}
	defer body.Close()
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines":
		h.serveBatch(w, r, body)
	default:
		h.serveOne(w, r, body)
	}
}

func (h *Handler) authorized(r *http.Request) bool {
	if h.cfg.Token == "" {
		return true
	}
	auth := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(auth) < len(prefix) || !strings.EqualFold(auth[:len(prefix)], prefix) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(auth[len(prefix):])), []byte(h.cfg.Token)) == 1
}

// body returns the request body, limited as sent and, when gzipped, once
// inflated.
func (h *Handler) body(w http.ResponseWriter, r *http.Request) (io.ReadCloser, error) {
	limited := http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes)
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
		return limited, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(limited)
		if err != nil {
			limited.Close()
			if isTooLarge(err) {
				return nil, err
			}
			return nil, fmt.Errorf("gzip body: %w", err)
		}
		return &capReader{r: zr, left: h.cfg.MaxDecompressedBytes, closer: limited}, nil
	default:
		limited.Close()
		return nil, fmt.Errorf("unsupported Content-Encoding %q: use gzip or none", enc)
	}
}

// capReader fails with errTooLarge once more than left bytes are read.
type capReader struct {
	r      io.Reader
	left   int64
	closer io.Closer
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n, fmt.Errorf("%w: decompressed body exceeds its limit", errTooLarge)
	}
	return n, err
}

func (c *capReader) Close() error { return c.closer.Close() }

func isTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe) || errors.Is(err, errTooLarge)
}

func (h *Handler) serveOne(w http.ResponseWriter, r *http.Request, body io.Reader) {
	limit, why := h.articleLimit()
	data, err := io.ReadAll(io.LimitReader(body, int64(limit)+1))
	if err != nil {
		h.readFailed(w, r, err)
		return
	}
	if len(data) > limit {
		h.metrics.article(sourceHTTP, resultRejected)
		h.writeJSON(w, r, http.StatusRequestEntityTooLarge, errorBody{fmt.Sprintf("%v: article exceeds its %s", schema.ErrTooLarge, why)})
		return
	}
	a, err := schema.DecodeRaw(data)
	if err != nil {
		h.metrics.article(sourceHTTP, resultRejected)
		h.writeJSON(w, r, http.StatusBadRequest, errorBody{err.Error()})
		return
	}
	id, dup, err := h.pub.Publish(r.Context(), a)
	switch {
	case errors.Is(err, ErrUnavailable):
		h.metrics.article(sourceHTTP, resultUnavailable)
		h.unavailable(w, r, Response{Rejected: 1, Results: []LineResult{{Line: 1, Error: err.Error()}}, Error: err.Error()})
	case errors.Is(err, ErrTooLarge):
		h.metrics.article(sourceHTTP, resultRejected)
		h.writeJSON(w, r, http.StatusRequestEntityTooLarge, errorBody{err.Error()})
	case err != nil:
		h.metrics.article(sourceHTTP, resultRejected)
		h.writeJSON(w, r, http.StatusBadRequest, errorBody{err.Error()})
	case dup:
		h.metrics.article(sourceHTTP, resultDuplicate)
		h.writeJSON(w, r, http.StatusAccepted, Response{Duplicates: 1, Results: []LineResult{{Line: 1, ID: id, Duplicate: true}}})
	default:
		h.metrics.article(sourceHTTP, resultAccepted)
		h.writeJSON(w, r, http.StatusAccepted, Response{Accepted: 1, Results: []LineResult{{Line: 1, ID: id}}})
	}
}

func (h *Handler) serveBatch(w http.ResponseWriter, r *http.Request, body io.Reader) {
	resp := Response{Results: []LineResult{}}
	br := bufio.NewReaderSize(body, 64<<10)
	reject := func(line int, msg string) {
		h.metrics.article(sourceHTTP, resultRejected)
		resp.Rejected++
		resp.Results = append(resp.Results, LineResult{Line: line, Error: msg})
	}
	limit, why := h.articleLimit()
	for line := 1; ; line++ {
		data, tooLong, err := readLine(br, limit)
		if err != nil && err != io.EOF {
			// Lines before the failure are stored: say which.
			resp.Error = fmt.Sprintf("read body at line %d: %v", line, err)
			status := http.StatusBadRequest
			if isTooLarge(err) {
				status = http.StatusRequestEntityTooLarge
			}
			h.writeJSON(w, r, status, resp)
			return
		}
		switch {
		case tooLong:
			reject(line, fmt.Sprintf("%v: line exceeds its %s", schema.ErrTooLarge, why))
		case len(bytes.TrimSpace(data)) == 0:
			// Blank lines are allowed and keep their number.
		default:
			a, derr := schema.DecodeRaw(data)
			if derr != nil {
				reject(line, derr.Error())
				break
			}
			id, dup, perr := h.pub.Publish(r.Context(), a)
			if errors.Is(perr, ErrUnavailable) {
				h.metrics.article(sourceHTTP, resultUnavailable)
				resp.Rejected++
				resp.Results = append(resp.Results, LineResult{Line: line, Error: perr.Error()})
				resp.Error = fmt.Sprintf("stopped at line %d: %v; accepted lines are stored, resend the others", line, perr)
				h.unavailable(w, r, resp)
				return
			}
			if perr != nil {
				reject(line, perr.Error())
				break
			}
			if dup {
				h.metrics.article(sourceHTTP, resultDuplicate)
				resp.Duplicates++
				resp.Results = append(resp.Results, LineResult{Line: line, ID: id, Duplicate: true})
				break
			}
			h.metrics.article(sourceHTTP, resultAccepted)
			resp.Accepted++
			resp.Results = append(resp.Results, LineResult{Line: line, ID: id})
		}
		if err == io.EOF {
			break
		}
	}
	if resp.Accepted+resp.Duplicates+resp.Rejected == 0 {
		h.writeJSON(w, r, http.StatusBadRequest, errorBody{"empty batch: no article lines"})
		return
	}
	h.log.Debug("batch", zap.Int("accepted", resp.Accepted), zap.Int("duplicates", resp.Duplicates), zap.Int("rejected", resp.Rejected))
	h.writeJSON(w, r, http.StatusAccepted, resp)
}

// readLine reads one line and returns it without its "\n" or "\r\n".
// A line longer than max bytes (not counting the "\n") is consumed and
// reported with tooLong. It returns io.EOF with the last line.
func readLine(br *bufio.Reader, max int) (line []byte, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			buf = append(buf, chunk...)
			if len(buf) > max+1 { // +1: room for the newline
				tooLong, buf = true, nil
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if !tooLong {
			buf = bytes.TrimSuffix(buf, []byte("\n"))
			if len(buf) > max {
				tooLong, buf = true, nil
			}
		}
		return bytes.TrimSuffix(buf, []byte("\r")), tooLong, err
	}
}

func (h *Handler) readFailed(w http.ResponseWriter, r *http.Request, err error) {
	if isTooLarge(err) {
		h.writeJSON(w, r, http.StatusRequestEntityTooLarge, errorBody{err.Error()})
		return
	}
	h.writeJSON(w, r, http.StatusBadRequest, errorBody{fmt.Sprintf("read body: %v", err)})
}

func (h *Handler) unavailable(w http.ResponseWriter, r *http.Request, resp Response) {
	w.Header().Set("Retry-After", strconv.Itoa(int((h.cfg.RetryAfter+time.Second-1)/time.Second)))
	h.writeJSON(w, r, http.StatusServiceUnavailable, resp)
}

// rejectionLogInterval is how often the intake logs refusals of one HTTP
// status at most: a scraper with a wrong token, or every scraper during
// an outage, would otherwise write a line per request.
const rejectionLogInterval = 10 * time.Second

// refused logs a refused request (or a batch with rejected lines) with
// its reason, at most one line per status and rejectionLogInterval; the
// line counts those of its status left unlogged since the previous one
// (every refusal is counted in newsflow_intake_requests_total).
func (h *Handler) refused(r *http.Request, status int, reason string) {
	ok, suppressed := h.rejections.Allow(strconv.Itoa(status))
	if !ok {
		return
	}
	msg := "intake request refused"
	if status < 400 {
		msg = "intake batch lines rejected" // a 202 whose lines were not all accepted
	}
	h.log.Warn(msg, zap.Int("status", status), zap.String("reason", reason),
		zap.String("remote", r.RemoteAddr), zap.String("user_agent", r.UserAgent()),
		zap.Int("suppressed", suppressed), zap.Duration("log_interval", h.rejections.Interval()))
}

// writeJSON answers with v, and logs a refusal (rate-limited).
func (h *Handler) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	h.metrics.request(status)
	switch v := v.(type) {
	case errorBody:
		h.refused(r, status, v.Error)
	case Response:
		if reason := v.Error; reason != "" {
			h.refused(r, status, reason)
		} else if v.Rejected > 0 {
			for _, l := range v.Results {
				if l.Error != "" {
					h.refused(r, status, fmt.Sprintf("%d of %d lines rejected; line %d: %s", v.Rejected, len(v.Results), l.Line, l.Error))
					break
				}
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
