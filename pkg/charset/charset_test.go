package charset

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/unicode/norm"
)

var update = flag.Bool("update", false, "rewrite golden files")

// encode1258 encodes NFC text as windows-1258 the way Vietnamese pages do:
// precomposed letters where the code page has them, tone marks as
// combining characters otherwise.
func encode1258(t testing.TB, s string) []byte {
	t.Helper()
	e := charmap.Windows1258.NewEncoder()
	var out []byte
	for _, r := range s {
		if b, err := e.Bytes([]byte(string(r))); err == nil {
			out = append(out, b...)
			continue
		}
		d := []rune(norm.NFD.String(string(r)))
		base, rest := d[0], d[1:]
		for i, m := range rest {
			c := []rune(norm.NFC.String(string([]rune{base, m})))
			if len(c) != 1 {
				continue
			}
			if _, err := e.Bytes([]byte(string(c))); err == nil {
				base = c[0]
				rest = append(append([]rune{}, rest[:i]...), rest[i+1:]...)
				break
			}
		}
		b, err := e.Bytes([]byte(string(append([]rune{base}, rest...))))
		if err != nil {
			t.Fatalf("encode1258: %q not encodable", r)
		}
		out = append(out, b...)
	}
	return out
}

func encodeWith(t testing.TB, enc interface{ Bytes([]byte) ([]byte, error) }, s string) []byte {
	t.Helper()
	b, err := enc.Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encoding %q: %v", s, err)
	}
	return b
}

func TestDecode(t *testing.T) {
	t.Parallel()
	const vi = "Người lao động được hưởng quyền lợi đầy đủ"
	utf16le := encodeWith(t, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder(), "<p>Xin chào Việt Nam</p>")
	utf16be := encodeWith(t, unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder(), "Xin chào")
	sjis := encodeWith(t, japanese.ShiftJIS.NewEncoder(), "日本語のニュース")
	tests := []struct {
		name        string
		body        []byte
		contentType string
		wantText    string
		wantName    string
		wantErr     error
	}{
		{name: "plain ascii no declaration", body: []byte("<p>hello</p>"), wantText: "<p>hello</p>", wantName: "utf-8"},
		{name: "utf-8 undeclared", body: []byte(vi), wantText: vi, wantName: "utf-8"},
		{name: "utf-8 bom removed", body: append([]byte{0xef, 0xbb, 0xbf}, vi...), wantText: vi, wantName: "utf-8"},
		{name: "utf-16le bom", body: utf16le, wantText: "<p>Xin chào Việt Nam</p>", wantName: "utf-16le"},
		{name: "utf-16be bom", body: utf16be, wantText: "Xin chào", wantName: "utf-16be"},
		{name: "bom beats header", body: append([]byte{0xef, 0xbb, 0xbf}, vi...), contentType: "text/html; charset=windows-1258", wantText: vi, wantName: "utf-8"},
		{name: "header windows-1258", body: encode1258(t, vi), contentType: "text/html; charset=windows-1258", wantText: vi, wantName: "windows-1258"},
		{name: "header charset quoted and upper case", body: encode1258(t, vi), contentType: `text/html; charset="WINDOWS-1258"`, wantText: vi, wantName: "windows-1258"},
		{name: "sloppy header", body: encode1258(t, vi), contentType: "text/html;; charset=windows-1258;", wantText: vi, wantName: "windows-1258"},
		{name: "meta charset", body: append([]byte(`<meta charset="windows-1258"><p>`), encode1258(t, vi)...), wantText: `<meta charset="windows-1258"><p>` + vi, wantName: "windows-1258"},
		{name: "meta http-equiv", body: append([]byte(`<meta http-equiv="content-type" content="text/html; charset=windows-1258"><p>`), encode1258(t, vi)...), wantText: `<meta http-equiv="content-type" content="text/html; charset=windows-1258"><p>` + vi, wantName: "windows-1258"},
		{name: "meta content without http-equiv ignored", body: []byte(`<meta content="text/html; charset=shift_jis"><p>x</p>`), wantText: `<meta content="text/html; charset=shift_jis"><p>x</p>`, wantName: "utf-8"},
		{name: "xml declaration", body: append([]byte(`<?xml version="1.0" encoding="windows-1258"?><rss><title>`), encode1258(t, vi)...), wantText: `<?xml version="1.0" encoding="windows-1258"?><rss><title>` + vi, wantName: "windows-1258"},
		{name: "header beats meta", body: append([]byte(`<meta charset="shift_jis">`), encode1258(t, vi)...), contentType: "text/html; charset=windows-1258", wantText: `<meta charset="shift_jis">` + vi, wantName: "windows-1258"},
		{name: "meta after 1024 bytes ignored", body: append(append(bytes.Repeat([]byte(" "), 1100), `<meta charset="windows-1258">`...), 0xe0), wantText: strings.Repeat(" ", 1100) + `<meta charset="windows-1258">à`, wantName: "windows-1252"},
		{name: "shift_jis header", body: sjis, contentType: "text/html; charset=Shift_JIS", wantText: "日本語のニュース", wantName: "shift_jis"},
		{name: "latin1 label is windows-1252", body: []byte("caf\xe9 \x93quoted\x94"), contentType: "text/plain; charset=iso-8859-1", wantText: "café \u201cquoted\u201d", wantName: "windows-1252"},
		{name: "mislabelled utf-8 read as utf-8", body: []byte("café Việt"), contentType: "text/html; charset=iso-8859-1", wantText: "café Việt", wantName: "utf-8"},
		{name: "utf-16 label without bom is utf-8", body: []byte("Việt"), contentType: "text/html; charset=utf-16", wantText: "Việt", wantName: "utf-8"},
		{name: "declared utf-8 with invalid byte repaired", body: []byte("Vi\xffệt"), contentType: "text/html; charset=utf-8", wantText: "Vi\uFFFDệt", wantName: "utf-8"},
		{name: "undeclared legacy falls back to windows-1252", body: []byte("na\xefve"), wantText: "naïve", wantName: "windows-1252"},
		{name: "unknown header charset reported, utf-8 detected", body: []byte("Việt"), contentType: "text/html; charset=x-klingon", wantText: "Việt", wantName: "utf-8", wantErr: ErrUnsupported},
		{name: "unknown meta charset reported, fallback used", body: []byte(`<meta charset="x-klingon">na` + "\xefve"), wantText: `<meta charset="x-klingon">naïve`, wantName: "windows-1252", wantErr: ErrUnsupported},
		{name: "replacement encoding refused", body: []byte("abc"), contentType: "text/html; charset=iso-2022-kr", wantText: "abc", wantName: "utf-8", wantErr: ErrUnsupported},
		{name: "unknown header then known meta", body: append([]byte(`<meta charset="windows-1258">`), encode1258(t, vi)...), contentType: "text/html; charset=bogus", wantText: `<meta charset="windows-1258">` + vi, wantName: "windows-1258", wantErr: ErrUnsupported},
		{name: "decomposed utf-8 composed to nfc", body: []byte(norm.NFD.String(vi)), wantText: vi, wantName: "utf-8"},
		{name: "empty", body: nil, wantText: "", wantName: "utf-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			text, name, err := Decode(tc.body, tc.contentType)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if text != tc.wantText {
				t.Errorf("text = %q, want %q", text, tc.wantText)
			}
			if name != tc.wantName {
				t.Errorf("name = %q, want %q", name, tc.wantName)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		body         []byte
		contentType  string
		wantName     string
		wantDeclared bool
	}{
		{name: "guessed utf-8", body: []byte("abc"), wantName: "utf-8"},
		{name: "header", body: []byte("abc"), contentType: "text/html; charset=windows-1258", wantName: "windows-1258", wantDeclared: true},
		{name: "bom", body: []byte("\xef\xbb\xbfabc"), wantName: "utf-8", wantDeclared: true},
		{name: "guessed fallback", body: []byte("\xe9"), wantName: "windows-1252"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			name, declared := Detect(tc.body, tc.contentType)
			if name != tc.wantName || declared != tc.wantDeclared {
				t.Errorf("Detect = %q, %v; want %q, %v", name, declared, tc.wantName, tc.wantDeclared)
			}
		})
	}
}

func TestDecodeGolden(t *testing.T) {
	t.Parallel()
	page, err := os.ReadFile(filepath.Join("testdata", "vi-windows-1258.html"))
	if err != nil {
		t.Fatal(err)
	}
	if utf8.Valid(page) {
		t.Fatal("fixture must not be valid UTF-8")
	}
	text, name, err := Decode(page, "")
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if name != "windows-1258" {
		t.Errorf("name = %q, want windows-1258 (from <meta http-equiv>)", name)
	}
	if !norm.NFC.IsNormalString(text) {
		t.Error("output is not NFC")
	}
	for _, want := range []string{"Hội thảo về việc làm bền vững", "Thành phố Hồ Chí Minh", "Bộ Lao động – Thương binh"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	golden := filepath.Join("testdata", "vi-windows-1258.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("reading golden (run: go test ./charset -run TestDecodeGolden -update): %v", err)
	}
	if text != string(want) {
		t.Errorf("output differs from %s; run: go test ./charset -run TestDecodeGolden -update\n got: %q\nwant: %q", golden, text, want)
	}
}

func FuzzDecode(f *testing.F) {
	page, err := os.ReadFile(filepath.Join("testdata", "vi-windows-1258.html"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(page, "")
	f.Add([]byte("Vi\xffệt"), "text/html; charset=utf-8")
	f.Add([]byte("\xff\xfe<\x00p\x00"), "")
	f.Add([]byte(`<meta charset="shift_jis">`+"\x82\xa0"), "")
	f.Add([]byte(`<?xml version="1.0" encoding="windows-1258"?>`+"\xd2"), "application/xml")
	f.Add([]byte("e\xcc\x81"), "text/plain; charset=x-unknown")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		text, name, err := Decode(body, contentType)
		if err != nil && !errors.Is(err, ErrUnsupported) {
			t.Fatalf("unexpected error %v", err)
		}
		if name == "" {
			t.Fatal("empty charset name")
		}
		if !utf8.ValidString(text) {
			t.Fatalf("output not valid UTF-8: %q", text)
		}
		if !norm.NFC.IsNormalString(text) {
			t.Fatalf("output not NFC: %q", text)
		}
		// Decoding the output again must be the identity: it is UTF-8 NFC.
		again, name2, _ := Decode([]byte(text), "text/html; charset=utf-8")
		if again != text || name2 != UTF8 {
			t.Fatalf("second decode changed text: %q → %q (%s)", text, again, name2)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	page, err := os.ReadFile(filepath.Join("testdata", "vi-windows-1258.html"))
	if err != nil {
		b.Fatal(err)
	}
	utf := []byte(strings.Repeat("Người lao động được hưởng quyền lợi đầy đủ. ", 2000))
	cases := []struct {
		name string
		body []byte
		ct   string
	}{
		{name: "windows-1258", body: page},
		{name: "utf-8-88KB", body: utf, ct: "text/html; charset=utf-8"},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.body)))
			n := 0
			for b.Loop() {
				if _, _, err := Decode(bc.body, bc.ct); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}
