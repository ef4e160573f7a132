package fetch

import (
	"errors"
	"testing"
)

func TestCanonicalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr error
	}{
		{name: "already canonical", in: "https://example.com/a/b", want: "https://example.com/a/b"},
		{name: "scheme and host case", in: "HTTPS://Example.COM/A/b", want: "https://example.com/A/b"},
		{name: "default http port", in: "http://example.com:80/a", want: "http://example.com/a"},
		{name: "default https port", in: "https://example.com:443/a", want: "https://example.com/a"},
		{name: "other port kept", in: "https://example.com:8443/a", want: "https://example.com:8443/a"},
		{name: "fragment removed", in: "https://example.com/a#comments", want: "https://example.com/a"},
		{name: "empty path is slash", in: "https://example.com", want: "https://example.com/"},
		{name: "root slash kept", in: "https://example.com/", want: "https://example.com/"},
		{name: "trailing slash removed", in: "https://example.com/news/a-1/", want: "https://example.com/news/a-1"},
		{name: "several trailing slashes", in: "https://example.com/news//", want: "https://example.com/news"},
		{name: "dot segments", in: "https://example.com/a/./b/../c", want: "https://example.com/a/c"},
		{name: "dot segments above root", in: "https://example.com/../../a", want: "https://example.com/a"},
		{name: "utm removed", in: "https://example.com/a?utm_source=rss&utm_medium=feed&id=3", want: "https://example.com/a?id=3"},
		{name: "utm upper case removed", in: "https://example.com/a?UTM_Campaign=x", want: "https://example.com/a"},
		{name: "fbclid gclid removed", in: "https://example.com/a?fbclid=abc&gclid=def&p=2", want: "https://example.com/a?p=2"},
		{name: "params sorted", in: "https://example.com/a?z=1&a=2&m=3", want: "https://example.com/a?a=2&m=3&z=1"},
		{name: "repeated param order kept", in: "https://example.com/a?t=2&a=1&t=1", want: "https://example.com/a?a=1&t=2&t=1"},
		{name: "empty query dropped", in: "https://example.com/a?", want: "https://example.com/a"},
		{name: "empty pairs dropped", in: "https://example.com/a?&&x=1&", want: "https://example.com/a?x=1"},
		{name: "escape case", in: "https://example.com/a%2fb?q=%e1%bb%87", want: "https://example.com/a%2Fb?q=%E1%BB%87"},
		{name: "unicode path escaped", in: "https://example.com/tin-tức", want: "https://example.com/tin-t%E1%BB%A9c"},
		{name: "idn host to punycode", in: "https://Bộ.vn/a", want: "https://xn--b-8xm.vn/a"},
		{name: "host trailing dot", in: "https://example.com./a", want: "https://example.com/a"},
		{name: "ipv6 host", in: "http://[2001:DB8::1]:80/a", want: "http://[2001:db8::1]/a"},
		{name: "surrounding space", in: "  https://example.com/a  ", want: "https://example.com/a"},
		{name: "mailto refused", in: "mailto:a@example.com", wantErr: ErrNotHTTP},
		{name: "relative refused", in: "/news/a", wantErr: ErrNotHTTP},
		{name: "ftp refused", in: "ftp://example.com/a", wantErr: ErrNotHTTP},
		{name: "javascript refused", in: "javascript:alert(1)", wantErr: ErrNotHTTP},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Canonicalize(tc.in)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Canonicalize(%q) error = %v, want %v", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Canonicalize(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("Canonicalize(%q) = %q, want %q", tc.in, got, tc.want)
			}
			again, err := Canonicalize(got)
			if err != nil || again != got {
				t.Errorf("not idempotent: %q → %q (%v)", got, again, err)
			}
		})
	}
}

func FuzzCanonicalize(f *testing.F) {
	for _, s := range []string{
		"https://example.com/a/./b/../c/?utm_source=x&b=2&a=1#f",
		"HTTP://EXAMPLE.com:80",
		"https://Bộ.vn/tin-tức/?q=%e1",
		"http://[::1]:443/%2f%2F/",
		"https://example.com/a?%zz=1&b",
		"https://a.b/..%2F..;x=1?;=&=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := Canonicalize(in)
		if err != nil {
			return
		}
		again, err := Canonicalize(c)
		if err != nil {
			t.Fatalf("canonical %q of %q does not canonicalize again: %v", c, in, err)
		}
		if again != c {
			t.Fatalf("not idempotent: %q → %q → %q", in, c, again)
		}
	})
}

func BenchmarkCanonicalize(b *testing.B) {
	in := "HTTPS://Example.COM:443/news/./2026/../a-123/?utm_source=rss&utm_medium=feed&id=3&fbclid=x#top"
	n := 0
	for b.Loop() {
		if _, err := Canonicalize(in); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "urls/s")
}
