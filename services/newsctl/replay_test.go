package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReplay dead-letters a page in a running `newsctl up`, replays it,
// and sees the cleaner take it again (and, the cause unchanged, dead-letter
// it again).
func TestReplay(t *testing.T) {
	url, _ := startUp(t)

	if out, _, err := runCmd(t, "replay", "-nats", url); err != nil || !strings.Contains(out, "no dead letters") {
		t.Fatalf("replay on an empty DLQ: %q %v", out, err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "chrome.txt"), []byte("Sign In\nXem\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, "sources", "add", "-nats", url, "-id", "bad", "-kind", "file", "-path", dir); err != nil {
		t.Fatal(err)
	}
	dlqCount := func() string {
		out, _, err := runCmd(t, "stats", "-nats", url, "-interval", "10ms")
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(out, "\n") {
			if f := strings.Fields(line); len(f) > 1 && f[0] == "DLQ" {
				return f[1]
			}
		}
		return ""
	}
	eventually(t, "the page to be dead-lettered", func() bool { return dlqCount() == "1" })

	out, _, err := runCmd(t, "replay", "-nats", url, "-dry-run")
	if err != nil || !strings.Contains(out, "would replay") || !strings.Contains(out, "empty_body") {
		t.Fatalf("dry run: %q %v", out, err)
	}
	if dlqCount() != "1" {
		t.Fatal("the dry run changed the DLQ")
	}
	out, _, err = runCmd(t, "replay", "-nats", url, "-stage", "cleaner", "-purge")
	if err != nil || !strings.Contains(out, "1 dead letters replayed") {
		t.Fatalf("replay: %q %v", out, err)
	}
	// The replayed page goes through the cleaner again and, still empty,
	// comes back to the DLQ: one entry, the purged original gone.
	eventually(t, "the replayed page to be dead-lettered again", func() bool {
		out, _, err := runCmd(t, "replay", "-nats", url, "-dry-run")
		return err == nil && strings.Contains(out, "1 dead letters to replay") && !strings.Contains(out, "would replay\t1\t")
	})
}
