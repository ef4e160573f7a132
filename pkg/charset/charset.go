// Package charset decodes fetched documents (HTML pages, feeds, plain text)
// of any declared or undeclared character encoding to UTF-8 in Unicode
// Normalization Form C.
//
// It owns the decision of which encoding a byte slice is in: a byte order
// mark first, then the charset parameter of the HTTP Content-Type, then an
// in-document declaration within the first 1024 bytes (<meta charset>,
// <meta http-equiv="Content-Type">, or an XML declaration's encoding), and
// finally detection (valid UTF-8, else windows-1252 as browsers do). It
// imports golang.org/x/net/html/charset and golang.org/x/text only; it must
// not import NATS, Redis or any other newsmill package.
package charset

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	htmlcharset "golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/unicode/norm"
)

// ErrUnsupported reports that the document declared a charset this package
// does not know (for example "x-user-defined-42"). Decode still returns
// usable text in that case, decoded with the detected encoding, so callers
// should count and log it, not drop the document.
var ErrUnsupported = errors.New("unsupported charset")

// PrescanBytes is how far into the document Decode looks for an in-document
// charset declaration, as the HTML standard's prescan does.
const PrescanBytes = 1024

// Names of the encodings Decode reports for UTF-8 and its fallback.
const (
	UTF8     = "utf-8"
	Fallback = "windows-1252"
)

// Decode converts body to UTF-8 and returns it in NFC together with the
// canonical (WHATWG) name of the encoding it was decoded from, such as
// "utf-8", "windows-1258" or "shift_jis". contentType is the HTTP
// Content-Type header, or "" when there is none (local files).
//
// The encoding is chosen in this order:
//  1. a byte order mark (UTF-8, UTF-16LE, UTF-16BE), which is removed;
//  2. the charset parameter of contentType;
//  3. <meta charset>, <meta http-equiv="Content-Type" content="…charset=…">
//     or <?xml … encoding="…"?> within the first [PrescanBytes] bytes;
//  4. UTF-8 when the whole body is valid UTF-8, else windows-1252.
//
// A declared legacy encoding is overridden by UTF-8 when the body contains
// non-ASCII bytes and all of it is valid UTF-8: a legacy-encoded page
// practically never forms valid multi-byte UTF-8 by chance, while servers
// that mislabel UTF-8 pages as ISO-8859-1 are common. A declared "utf-16"
// without a byte order mark is read as UTF-8, as the HTML standard says.
//
// Decode never fails on content: invalid byte sequences become U+FFFD, and
// the result is always valid UTF-8 in NFC (windows-1258 writes Vietnamese
// tone marks as combining characters; NFC composes them). The only error is
// one wrapping [ErrUnsupported] when the declared charset is unknown; text
// and name are valid even then, decoded by step 4, and name is the encoding
// actually used.
func Decode(body []byte, contentType string) (text string, name string, err error) {
	enc, name, unknown := determine(body, contentType)
	if bom := bomLen(body, name); bom > 0 {
		body = body[bom:]
	}
	var s string
	if enc == nil {
		s = string(body)
	} else {
		b, derr := enc.NewDecoder().Bytes(body)
		if derr != nil {
			// x/text decoders replace invalid input; an error here means
			// a decoder bug, so fall back rather than lose the document.
			s, name = string(body), UTF8
		} else {
			s = string(b)
		}
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = norm.NFC.String(s)
	if unknown != "" {
		err = fmt.Errorf("decoding document declared as %q (read as %s): %w", unknown, name, ErrUnsupported)
	}
	return s, name, err
}

// Detect reports the encoding Decode would use for body, without decoding
// it: its canonical name and whether it was declared (BOM, Content-Type or
// an in-document declaration) rather than guessed.
func Detect(body []byte, contentType string) (name string, declared bool) {
	_, name, _ = determine(body, contentType)
	return name, declaredBy(body, contentType)
}

// determine picks the encoding. A nil enc means the body is used as UTF-8.
// unknown is a declared label that could not be resolved.
func determine(body []byte, contentType string) (enc encoding.Encoding, name, unknown string) {
	switch {
	case bytes.HasPrefix(body, []byte{0xef, 0xbb, 0xbf}):
		return nil, UTF8, ""
	case bytes.HasPrefix(body, []byte{0xfe, 0xff}):
		e, n := htmlcharset.Lookup("utf-16be")
		return e, n, ""
	case bytes.HasPrefix(body, []byte{0xff, 0xfe}):
		e, n := htmlcharset.Lookup("utf-16le")
		return e, n, ""
	}
	for _, label := range []string{headerLabel(contentType), prescan(body)} {
		if label == "" {
			continue
		}
		e, n := htmlcharset.Lookup(label)
		if e == nil {
			if unknown == "" {
				unknown = label
			}
			continue
		}
		if strings.HasPrefix(n, "utf-16") || n == UTF8 {
			// Without a BOM a "utf-16" label is a lie (HTML standard).
			return nil, UTF8, unknown
		}
		if n == "replacement" {
			// Labels like iso-2022-kr map to the replacement encoding,
			// which would turn the whole page into one U+FFFD.
			if unknown == "" {
				unknown = label
			}
			continue
		}
		if !isASCII(body) && utf8.Valid(body) {
			return nil, UTF8, unknown
		}
		return e, n, unknown
	}
	if utf8.Valid(body) {
		return nil, UTF8, unknown
	}
	e, n := htmlcharset.Lookup(Fallback)
	return e, n, unknown
}

func declaredBy(body []byte, contentType string) bool {
	if bytes.HasPrefix(body, []byte{0xef, 0xbb, 0xbf}) || bytes.HasPrefix(body, []byte{0xfe, 0xff}) || bytes.HasPrefix(body, []byte{0xff, 0xfe}) {
		return true
	}
	for _, label := range []string{headerLabel(contentType), prescan(body)} {
		if e, _ := htmlcharset.Lookup(label); label != "" && e != nil {
			return true
		}
	}
	return false
}

func bomLen(body []byte, name string) int {
	switch {
	case name == UTF8 && bytes.HasPrefix(body, []byte{0xef, 0xbb, 0xbf}):
		return 3
	case name == "utf-16be" && bytes.HasPrefix(body, []byte{0xfe, 0xff}),
		name == "utf-16le" && bytes.HasPrefix(body, []byte{0xff, 0xfe}):
		return 2
	}
	return 0
}

func headerLabel(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		// Tolerate sloppy headers such as "text/html; charset=utf-8;;".
		i := strings.Index(strings.ToLower(contentType), "charset=")
		if i < 0 {
			return ""
		}
		v := contentType[i+len("charset="):]
		if j := strings.IndexAny(v, "; \t"); j >= 0 {
			v = v[:j]
		}
		return strings.Trim(v, `"'`)
	}
	return strings.TrimSpace(params["charset"])
}

// prescan returns the charset label declared in the first PrescanBytes of
// body by an XML declaration or an HTML meta element, or "".
func prescan(body []byte) string {
	if len(body) > PrescanBytes {
		body = body[:PrescanBytes]
	}
	if label := xmlDeclLabel(body); label != "" {
		return label
	}
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tag, hasAttr := z.TagName()
			if string(tag) != "meta" {
				continue
			}
			var pragma bool
			var fromCharset, fromContent string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch strings.ToLower(string(k)) {
				case "http-equiv":
					pragma = strings.EqualFold(strings.TrimSpace(string(v)), "content-type")
				case "charset":
					fromCharset = strings.TrimSpace(string(v))
				case "content":
					fromContent = metaContentCharset(string(v))
				}
			}
			if fromCharset != "" {
				return fromCharset
			}
			if pragma && fromContent != "" {
				return fromContent
			}
		}
	}
}

// xmlDeclLabel reads encoding="…" from a leading <?xml …?> declaration.
func xmlDeclLabel(body []byte) string {
	b := bytes.TrimLeft(body, " \t\r\n")
	if !bytes.HasPrefix(b, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(b, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := string(b[:end])
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return ""
	}
	v := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if !strings.HasPrefix(v, "=") {
		return ""
	}
	v = strings.TrimLeft(v[1:], " \t\r\n")
	if v == "" || (v[0] != '"' && v[0] != '\'') {
		return ""
	}
	q := v[0]
	v = v[1:]
	j := strings.IndexByte(v, q)
	if j < 0 {
		return ""
	}
	return strings.TrimSpace(v[:j])
}

// metaContentCharset extracts the charset from a meta content attribute
// such as "text/html; charset=windows-1258".
func metaContentCharset(s string) string {
	lower := strings.ToLower(s)
	i := strings.Index(lower, "charset")
	if i < 0 {
		return ""
	}
	v := strings.TrimLeft(s[i+len("charset"):], " \t\n\f\r")
	if !strings.HasPrefix(v, "=") {
		return ""
	}
	v = strings.TrimLeft(v[1:], " \t\n\f\r")
	if v == "" {
		return ""
	}
	if q := v[0]; q == '"' || q == '\'' {
		v = v[1:]
		if j := strings.IndexByte(v, q); j >= 0 {
			return v[:j]
		}
		return ""
	}
	if j := strings.IndexAny(v, "; \t\n\f\r"); j >= 0 {
		v = v[:j]
	}
	return v
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
