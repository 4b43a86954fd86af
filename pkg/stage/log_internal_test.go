package stage

import (
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Log lines give durations with their unit and callers without the
// module's pseudo-version.
func TestLogEncoderUnitsAndCaller(t *testing.T) {
	enc := zapcore.NewJSONEncoder(logEncoderConfig())
	entry := zapcore.Entry{
		Level: zapcore.WarnLevel, Time: time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC), Message: "waiting for JetStream",
		Caller: zapcore.NewEntryCaller(0, "/root/go/pkg/mod/github.com/newsflow/newsflow/pkg/stage@v0.0.0-00010101000000-000000000000/runtime.go", 120, true),
	}
	buf, err := enc.EncodeEntry(entry, []zapcore.Field{zap.Duration("next", 1500*time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	line := buf.String()
	if !strings.Contains(line, `"next":"1.5s"`) {
		t.Errorf("line %s: want the duration as \"1.5s\"", line)
	}
	if !strings.Contains(line, `"caller":"stage/runtime.go:120"`) {
		t.Errorf("line %s: want caller stage/runtime.go:120, without the pseudo-version", line)
	}
}
