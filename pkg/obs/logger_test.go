package obs

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"go.uber.org/zap"
)

func TestNewLogger(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		format    string
		level     string
		wantErr   string
		wantJSON  bool
		wantDebug bool
		wantInfo  bool
	}{
		{name: "defaults are json at info", wantJSON: true, wantInfo: true},
		{name: "json debug", format: "json", level: "debug", wantJSON: true, wantDebug: true, wantInfo: true},
		{name: "console info", format: "console", level: "info", wantInfo: true},
		{name: "case and space insensitive", format: " JSON ", level: "Warn", wantJSON: true},
		{name: "error hides info", format: "console", level: "error"},
		{name: "bad format", format: "xml", level: "info", wantErr: `unknown log format "xml"`},
		{name: "bad level", format: "json", level: "verbose", wantErr: `unknown log level "verbose"`},
		{name: "fatal is refused", format: "json", level: "fatal", wantErr: `unknown log level "fatal"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			log, err := NewLoggerTo(&buf, tt.format, tt.level)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			log.Debug("debug line", zap.String("k", "v"))
			log.Info("info line", zap.String("k", "v"))
			log.Error("error line")
			out := buf.String()
			if got := strings.Contains(out, "debug line"); got != tt.wantDebug {
				t.Errorf("debug line written = %v, want %v:\n%s", got, tt.wantDebug, out)
			}
			if got := strings.Contains(out, "info line"); got != tt.wantInfo {
				t.Errorf("info line written = %v, want %v:\n%s", got, tt.wantInfo, out)
			}
			if !strings.Contains(out, "error line") {
				t.Errorf("error line missing:\n%s", out)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			var obj map[string]any
			isJSON := json.Unmarshal([]byte(lines[0]), &obj) == nil
			if isJSON != tt.wantJSON {
				t.Errorf("first line is JSON = %v, want %v: %s", isJSON, tt.wantJSON, lines[0])
			}
			if isJSON {
				for _, k := range []string{"level", "ts", "msg", "caller"} {
					if _, ok := obj[k]; !ok {
						t.Errorf("JSON line lacks %q: %s", k, lines[0])
					}
				}
			}
		})
	}
}

func TestNewLoggerToStderr(t *testing.T) {
	t.Parallel()
	log, err := NewLogger("console", "info")
	if err != nil {
		t.Fatal(err)
	}
	if log.Core().Enabled(zap.DebugLevel) || !log.Core().Enabled(zap.InfoLevel) {
		t.Fatal("want info enabled and debug disabled")
	}
}
