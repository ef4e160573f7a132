package redisstore

import (
	"strings"
	"testing"
)

func TestEncodeID(t *testing.T) {
	tests := []struct {
		name    string
		id      string
		wantLen int
	}{
		{name: "article id packs to 16 bytes", id: "0123456789abcdef0123456789abcdef", wantLen: 16},
		{name: "upper-case hex stays raw", id: "0123456789ABCDEF0123456789ABCDEF", wantLen: 33},
		{name: "short raw id", id: "a1", wantLen: 3},
		{name: "15-byte raw id avoids 16", id: "fifteen-bytes-1", wantLen: 17},
		{name: "16-byte raw id", id: "sixteen-bytes-12", wantLen: 17},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := encodeID(tc.id)
			if len(e) != tc.wantLen {
				t.Fatalf("encodeID(%q) is %d bytes, want %d", tc.id, len(e), tc.wantLen)
			}
			if got := decodeID(e); got != tc.id {
				t.Fatalf("decodeID(encodeID(%q)) = %q", tc.id, got)
			}
		})
	}
}

func FuzzEncodeID(f *testing.F) {
	for _, s := range []string{"0123456789abcdef0123456789abcdef", "a", "fifteen-bytes-1", "x\x00y", strings.Repeat("z", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if id == "" || id[0] == 0 || len(id) > 200 {
			return // rejected by Claim
		}
		e := encodeID(id)
		if len(e) > 255 {
			t.Fatalf("encodeID(%q) is %d bytes: its length no longer fits the band entry prefix", id, len(e))
		}
		if got := decodeID(e); got != id {
			t.Fatalf("decodeID(encodeID(%q)) = %q", id, got)
		}
	})
}
