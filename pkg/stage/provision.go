package stage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// Provision creates what a service needs at start (the pipeline's streams,
// a stage's durable consumer, a KV bucket, a service's own log stream) by
// calling create until it succeeds. A fresh cluster answers "no suitable
// peers" or times out until its meta leader is elected and enough servers
// have joined, and a server may come up after the service: every
// resource created at start waits for it the same way, with capped
// exponential backoff (100 ms, then up to 5 s between attempts, without
// limit), logging each failed attempt with what it waits for. Each
// attempt is bounded by provisionAttemptTimeout, so a request on a
// connection that is not up yet is retried and logged.
//
// Provision returns when ctx ends, and at once on an error no retry can
// fix: the connection closed for good (refused credentials), replicas
// asked of a server that is not clustered, a stream name or subjects
// taken by a different stream. what names the resource in the log.
func Provision(ctx context.Context, js jetstream.JetStream, log *zap.Logger, what string, create func(context.Context) error) error {
	b := backoff.WithContext(backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(100*time.Millisecond), backoff.WithMaxInterval(5*time.Second), backoff.WithMaxElapsedTime(0)), ctx)
	return backoff.RetryNotify(func() error {
		if nc := js.Conn(); nc.IsClosed() {
			return backoff.Permanent(fmt.Errorf("provision %s: nats connection closed: %w", what, nc.LastError()))
		}
		actx, cancel := context.WithTimeout(ctx, provisionAttemptTimeout)
		defer cancel()
		err := create(actx)
		if provisionPermanent(err) {
			return backoff.Permanent(err)
		}
		return err
	}, b, func(err error, next time.Duration) {
		var apiErr *jetstream.APIError
		switch {
		case errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeNoSuitablePeers:
			log.Warn("waiting for JetStream: the cluster has too few servers up for the replicas asked; lower the replicas setting or start more servers",
				zap.String("resource", what), zap.Error(err), zap.Int("servers_known", len(js.Conn().Servers())), zap.Duration("next", next))
		case errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeInsufficientResources:
			log.Warn("waiting for JetStream: it cannot reserve the size asked; lower the size setting or raise the server's max_file_store",
				zap.String("resource", what), zap.Error(err), zap.Duration("next", next))
		default:
			log.Warn("waiting for JetStream", zap.String("resource", what), zap.Error(err), zap.Duration("next", next))
		}
	})
}

// provisionAttemptTimeout bounds one attempt of Provision.
const provisionAttemptTimeout = 5 * time.Second

// provisionPermanent reports provisioning errors no retry can fix.
func provisionPermanent(err error) bool {
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.ErrorCode {
	case errCodeReplicasNotSupported, jetstream.JSErrCodeStreamNameInUse, errCodeStreamSubjectOverlap:
		return true
	}
	return false
}

// errCodeStreamSubjectOverlap is JetStream's "subjects overlap with an
// existing stream".
const errCodeStreamSubjectOverlap = 10065
