package stage

import "context"

// Info describes the message a Process call is handling.
type Info struct {
	// Stream is the JetStream stream the message was stored in.
	Stream string
	// Sequence is the message's sequence in that stream: the order in
	// which the pipeline first saw it.
	Sequence uint64
	// Delivered counts deliveries of this message, starting at 1.
	Delivered int
	// Subject is the subject the message was published on.
	Subject string
}

type infoKey struct{}

// WithMessageInfo returns a context carrying info. The runtime calls it for
// every message; evaluations and tests that call Process directly use it to
// simulate delivery.
func WithMessageInfo(ctx context.Context, info Info) context.Context {
	return context.WithValue(ctx, infoKey{}, info)
}

// MessageInfo returns the message a Process call is handling, if any.
func MessageInfo(ctx context.Context) (Info, bool) {
	info, ok := ctx.Value(infoKey{}).(Info)
	return info, ok
}
