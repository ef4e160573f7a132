package fetch

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"golang.org/x/net/idna"
)

// trackingParams are query parameters that identify a campaign or a click,
// never the page. Keys are compared in lower case; see also
// trackingPrefixes.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "gclsrc": true, "dclid": true, "gbraid": true, "wbraid": true,
	"msclkid": true, "yclid": true, "twclid": true, "ttclid": true, "li_fat_id": true,
	"igshid": true, "igsh": true, "mc_cid": true, "mc_eid": true, "mkt_tok": true,
	"_ga": true, "_gl": true, "_hsenc": true, "_hsmi": true, "__hstc": true, "__hssc": true, "__hsfp": true,
	"hsctatracking": true, "oly_anon_id": true, "oly_enc_id": true, "vero_id": true, "vero_conv": true,
	"wickedid": true, "rb_clickid": true, "s_cid": true, "_openstat": true, "ref_src": true, "ref_url": true,
	"__twitter_impression": true, "fb_action_ids": true, "fb_action_types": true, "fb_source": true, "fb_ref": true,
	"spm": true, "scm": true, "zarsrc": true, "gidzl": true, "icid": true,
}

// trackingPrefixes are prefixes of tracking parameter names (utm_source,
// utm_medium, …; Piwik/Matomo pk_* and mtm_*).
var trackingPrefixes = []string{"utm_", "pk_", "mtm_", "at_"}

func isTracking(key string) bool {
	k := strings.ToLower(key)
	if trackingParams[k] {
		return true
	}
	for _, p := range trackingPrefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// ErrNotHTTP reports a URL that is not an absolute http or https URL; such
// a URL is skipped, never fetched.
var ErrNotHTTP = errors.New("not an absolute http(s) URL")

// Canonicalize returns the form of rawURL under which an article is
// remembered and identified (see article.ID), so that every listing of the
// same page maps to one id:
//
//   - scheme and host in lower case, internationalised hosts in punycode,
//     a trailing dot on the host removed, default ports (:80, :443) removed;
//   - the fragment removed;
//   - dot segments resolved, an empty path made "/", and a trailing slash
//     removed from any other path ("/a/b/" → "/a/b"), since news sites
//     serve both and an id must not depend on it;
//   - percent-escapes in upper case;
//   - tracking parameters (utm_*, fbclid, gclid, and similar; see
//     trackingParams) removed, the remaining parameters sorted by name
//     (their order kept within one name), and an empty query dropped.
//
// The canonical URL is an identity, not necessarily an address to fetch:
// the fetcher requests the URL as listed. Canonicalize is idempotent. It
// returns an error wrapping [ErrNotHTTP] for other schemes, relative URLs
// and URLs without a host.
func Canonicalize(rawURL string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return "", fmt.Errorf("canonicalizing %q: %w", rawURL, err)
	}
	return canonicalURL(u)
}

func canonicalURL(in *url.URL) (string, error) {
	u := *in
	u.Scheme = strings.ToLower(u.Scheme)
	if (u.Scheme != "http" && u.Scheme != "https") || u.Opaque != "" {
		return "", fmt.Errorf("canonicalizing %q: %w", in.String(), ErrNotHTTP)
	}
	host := strings.TrimRight(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return "", fmt.Errorf("canonicalizing %q: %w", in.String(), ErrNotHTTP)
	}
	if a, err := idna.Lookup.ToASCII(host); err == nil && a != "" {
		host = a
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	u.Fragment, u.RawFragment = "", ""

	p := removeDotSegments(upperEscapes(u.EscapedPath()))
	if p == "" {
		p = "/"
	}
	if len(p) > 1 {
		p = strings.TrimRight(p, "/")
		if p == "" {
			p = "/"
		}
	}
	if err := setEscapedPath(&u, p); err != nil {
		return "", fmt.Errorf("canonicalizing %q: %w", in.String(), err)
	}
	u.RawQuery = cleanQuery(u.RawQuery)
	u.ForceQuery = false
	return u.String(), nil
}

func setEscapedPath(u *url.URL, p string) error {
	dec, err := url.PathUnescape(p)
	if err != nil {
		return fmt.Errorf("unescaping path: %w", err)
	}
	u.Path, u.RawPath = dec, p
	if u.EscapedPath() != p {
		// The escaping was not one Go would keep; take Go's form, which is
		// stable on a second pass.
		u.RawPath = ""
	}
	return nil
}

// cleanQuery drops tracking and empty parameters and sorts the rest by
// name, keeping the raw (still escaped) text of each pair.
func cleanQuery(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.FieldsFunc(raw, func(r rune) bool { return r == '&' })
	type kv struct{ key, raw string }
	kept := make([]kv, 0, len(parts))
	for _, part := range parts {
		k, _, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			key = k
		}
		if key == "" || isTracking(key) {
			continue
		}
		kept = append(kept, kv{key: key, raw: upperEscapes(part)})
	}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].key < kept[j].key })
	var b strings.Builder
	for i, p := range kept {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.raw)
	}
	return b.String()
}

// upperEscapes writes the hex digits of %xx escapes in upper case.
func upperEscapes(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' && isHex(b[i+1]) && isHex(b[i+2]) {
			b[i+1], b[i+2] = upperHex(b[i+1]), upperHex(b[i+2])
			i += 2
		}
	}
	return string(b)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func upperHex(c byte) byte {
	if 'a' <= c && c <= 'f' {
		return c - 'a' + 'A'
	}
	return c
}

// removeDotSegments implements RFC 3986 section 5.2.4 on an escaped path.
func removeDotSegments(p string) string {
	if !strings.Contains(p, ".") {
		return p
	}
	segs := strings.Split(p, "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	r := strings.Join(out, "/")
	if strings.HasPrefix(p, "/") && !strings.HasPrefix(r, "/") {
		r = "/" + r
	}
	return r
}
