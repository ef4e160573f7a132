package obs

import (
	"fmt"
	"io"
	"os"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Log formats accepted by [NewLogger].
const (
	// FormatJSON writes one JSON object per line: the production format.
	FormatJSON = "json"
	// FormatConsole writes human-readable, tab-separated lines.
	FormatConsole = "console"
)

// NewLogger returns a logger writing to standard error in format ("json" or
// "console") at level ("debug", "info", "warn" or "error"). Both are
// case-insensitive; an empty format means "json" and an empty level "info".
// Any other value is an error naming the accepted ones. Errors and worse
// carry a stack trace only in the console format, where a person reads it.
func NewLogger(format, level string) (*zap.Logger, error) {
	return NewLoggerTo(os.Stderr, format, level)
}

// NewLoggerTo is [NewLogger] writing to w instead of standard error. Writes
// to w are serialised by the logger, so w need not be safe for concurrent
// use.
func NewLoggerTo(w io.Writer, format, level string) (*zap.Logger, error) {
	lvl, err := ParseLevel(level)
	if err != nil {
		return nil, err
	}
	var enc zapcore.Encoder
	opts := []zap.Option{zap.ErrorOutput(zapcore.Lock(zapcore.AddSync(os.Stderr)))}
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "", FormatJSON:
		ec := zap.NewProductionEncoderConfig()
		ec.EncodeTime = zapcore.RFC3339NanoTimeEncoder
		ec.EncodeDuration = zapcore.MillisDurationEncoder
		enc = zapcore.NewJSONEncoder(ec)
		opts = append(opts, zap.AddCaller())
	case FormatConsole:
		ec := zap.NewDevelopmentEncoderConfig()
		ec.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05.000")
		ec.EncodeLevel = zapcore.CapitalLevelEncoder
		enc = zapcore.NewConsoleEncoder(ec)
		opts = append(opts, zap.AddCaller(), zap.AddStacktrace(zapcore.ErrorLevel))
	default:
		return nil, fmt.Errorf("creating logger: unknown log format %q (want %s or %s)", format, FormatJSON, FormatConsole)
	}
	core := zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(w)), lvl)
	return zap.New(core, opts...), nil
}

// ParseLevel parses a log level: "debug", "info", "warn" or "error",
// case-insensitive; "" is "info". Other values, including zap's "dpanic",
// "panic" and "fatal", are an error: a service never needs to hide its
// errors.
func ParseLevel(level string) (zapcore.Level, error) {
	switch strings.ToLower(strings.TrimSpace(level)) {
	case "debug":
		return zapcore.DebugLevel, nil
	case "", "info":
		return zapcore.InfoLevel, nil
	case "warn", "warning":
		return zapcore.WarnLevel, nil
	case "error":
		return zapcore.ErrorLevel, nil
	default:
		return 0, fmt.Errorf("creating logger: unknown log level %q (want debug, info, warn or error)", level)
	}
}
