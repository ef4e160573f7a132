package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/extract/evalmetric"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func TestExtractErrors(t *testing.T) {
	deep := strings.Repeat("<div>", 600) + "text" + strings.Repeat("</div>", 600)
	tests := []struct {
		name    string
		html    string
		opts    Options
		wantErr error
	}{
		{name: "over a custom cap", html: "<p>" + strings.Repeat("a", 100) + "</p>", opts: Options{MaxBytes: 50}, wantErr: ErrTooLarge},
		{name: "over the default cap", html: strings.Repeat("a", DefaultMaxBytes+1), wantErr: ErrTooLarge},
		{name: "at the cap", html: strings.Repeat("a", 64), opts: Options{MaxBytes: 64}},
		{name: "negative cap disables it", html: strings.Repeat("a", 100), opts: Options{MaxBytes: -1}},
		{name: "nested deeper than the parser accepts", html: deep, wantErr: ErrTooDeep},
		{name: "empty input", html: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := Extract([]byte(tt.html), "", tt.opts)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Extract error = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && d == nil {
				t.Fatal("Extract returned a nil Document without error")
			}
			if tt.wantErr != nil && d != nil {
				t.Fatalf("Extract returned a Document with error %v", err)
			}
		})
	}
}

func TestExtractPages(t *testing.T) {
	ts := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	tests := []struct {
		name string
		file string
		url  string
		want Document
	}{
		{
			// A provincial portal: the <title> and <h1> say only "Chi tiết
			// tin", the date is written day/month/year in local time, a
			// date without a year appears in the text, related headlines
			// ("Tin khác") and reader comments surround the article.
			name: "vietnamese portal",
			file: "vi_news.html",
			url:  "https://tinh.example.vn/tin-tuc/khanh-thanh-cau-song-xanh-123.html?utm_source=x",
			want: Document{
				Title:        "Khánh thành cầu Sông Xanh nối hai huyện miền núi",
				Byline:       "Nguyễn Văn An",
				Lead:         "Sáng nay, UBND tỉnh tổ chức lễ khánh thành cầu Sông Xanh, công trình giao thông trọng điểm nối liền hai huyện miền núi của tỉnh.",
				CanonicalURL: "https://tinh.example.vn/tin-tuc/khanh-thanh-cau-song-xanh-123.html",
				Language:     "vi",
				SiteName:     "Cổng thông tin điện tử Tỉnh Ví Dụ",
				PublishedAt:  ts("2021-11-10T07:30:00Z"),
				Paragraphs: []string{
					"Cầu Sông Xanh dài 320 mét, rộng 12 mét, được khởi công từ tháng 3 năm 2020 với tổng vốn đầu tư hơn 250 tỷ đồng từ ngân sách tỉnh và vốn hỗ trợ của trung ương.",
					"Phát biểu tại buổi lễ, Chủ tịch UBND tỉnh cho biết công trình sẽ rút ngắn thời gian đi lại giữa hai huyện từ hai giờ xuống còn ba mươi phút, tạo động lực phát triển kinh tế, xã hội cho đồng bào vùng cao.",
					"Theo kế hoạch, đến Ngày 21/3 năm sau, tỉnh sẽ hoàn thành tuyến đường dẫn phía bắc cầu, đồng thời lắp đặt hệ thống chiếu sáng và biển báo giao thông trên toàn tuyến.",
					"Người dân hai bên bờ sông bày tỏ niềm vui khi không còn phải đi đò qua sông vào mùa mưa lũ, nhất là các em học sinh đến trường.",
				},
				Images: []article.Image{{URL: "https://tinh.example.vn/images/cau-song-xanh.jpg", Caption: "Cầu Sông Xanh trong ngày khánh thành."}},
			},
		},
		{
			// A news site marking its sapo up as a heading, with a
			// related-links box inside the body and the date in local
			// time with its zone written out.
			name: "vietnamese news site with h2 sapo",
			file: "vi_sapo_h2.html",
			url:  "https://bao.example.vn/thoi-su/buyt-dien-123.html",
			want: Document{
				Title:       "Hà Nội mở thêm 12 tuyến buýt điện từ tháng tới",
				Byline:      "Trần Thị Bình",
				Lead:        "Sở Giao thông vận tải Hà Nội cho biết 12 tuyến buýt điện mới sẽ đi vào hoạt động từ tháng tới, nâng tổng số tuyến buýt điện của thành phố lên 21.",
				Language:    "vi",
				SiteName:    "Báo Ví Dụ",
				PublishedAt: ts("2021-11-10T01:05:00Z"),
				Paragraphs: []string{
					"Các tuyến mới chủ yếu kết nối khu vực nội đô với các khu đô thị phía tây và phía nam thành phố, với tần suất từ 10 đến 15 phút mỗi chuyến vào giờ cao điểm.",
					"Theo Sở Giao thông vận tải, mỗi xe buýt điện có sức chứa 60 hành khách, được trang bị wifi miễn phí, camera giám sát và hệ thống hỗ trợ người khuyết tật lên xuống.",
					"Giá vé lượt trên các tuyến mới giữ nguyên như xe buýt thông thường, người dân sử dụng vé tháng liên tuyến được đi miễn phí.",
				},
			},
		},
		{
			// An old portal laid out with a table: the menu and the
			// article sit side by side in one row, paragraphs are
			// separated by <br><br>, the language comes from
			// Content-Language and the date from the visible text.
			name: "vietnamese layout table",
			file: "vi_layout_table.html",
			url:  "http://snn.example.gov.vn/default.aspx?tabid=12&id=345",
			want: Document{
				Title:       "Hướng dẫn phòng chống rét cho đàn gia súc",
				Language:    "vi",
				PublishedAt: ts("2022-01-05T00:00:00Z"),
				Paragraphs: []string{
					"Trước diễn biến của đợt không khí lạnh tăng cường, Sở Nông nghiệp và Phát triển nông thôn đề nghị UBND các huyện chỉ đạo người chăn nuôi chủ động che chắn chuồng trại, giữ ấm cho trâu, bò.",
					"Các hộ chăn nuôi cần dự trữ đủ rơm, cỏ khô và thức ăn tinh; không thả gia súc ra đồng khi nhiệt độ ngoài trời xuống dưới 10 độ C, nhất là vào sáng sớm và chiều tối.",
					"Khi phát hiện gia súc có biểu hiện bị rét, người dân cần báo ngay cho cán bộ thú y cơ sở để được hướng dẫn chăm sóc và điều trị kịp thời.",
				},
			},
		},
		{
			// JSON-LD in an @graph gives the date and two authors; the
			// share bar, the advertisement label, the sidebar and the
			// footer are chrome; the standfirst is the lead.
			name: "english article with json-ld",
			file: "en_jsonld.html",
			url:  "https://gazette.example/news/cycle-lanes",
			want: Document{
				Title:        "Council approves new cycle lanes",
				Byline:       "Jane Doe, John Roe",
				Lead:         "Three new protected routes will link the city centre with the university by next summer.",
				CanonicalURL: "https://gazette.example/news/cycle-lanes",
				Language:     "en-gb",
				SiteName:     "The Example Gazette",
				PublishedAt:  ts("2021-11-10T09:15:00Z"),
				Paragraphs: []string{
					"The council voted 31 to 12 on Tuesday evening to build the lanes, which will run along Mill Road, Station Street and the riverside path.",
					"Work is expected to start in February and to cost about £4.2m, most of it from a national active-travel fund.",
					"Opposition from traders",
					"Some shop owners on Station Street said the loss of parking spaces would drive customers away, and asked for a delivery bay at each end of the street.",
					"The transport committee promised to review the design with traders before construction begins.",
				},
				Images: []article.Image{{URL: "https://gazette.example/img/lanes.jpg"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(filepath.Join("testdata", "pages", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Extract(src, tt.url, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&tt.want, got); diff != "" {
				t.Errorf("Extract(%s) (-want +got):\n%s", tt.file, diff)
			}
		})
	}
}

// goldenDoc is the JSON form of a Document in testdata/golden.
type goldenDoc struct {
	Title        string          `json:"title"`
	Byline       string          `json:"byline"`
	Lead         string          `json:"lead"`
	CanonicalURL string          `json:"canonical_url"`
	Language     string          `json:"language"`
	SiteName     string          `json:"site_name"`
	PublishedAt  *time.Time      `json:"published_at"`
	Paragraphs   []string        `json:"paragraphs"`
	Images       []article.Image `json:"images"`
}

// TestGolden extracts a few real pages of the Zyte set and compares the
// whole Document with testdata/golden/<id>.json. Regenerate after an
// intended change with: go test ./extract -run TestGolden -update
func TestGolden(t *testing.T) {
	ids := []string{
		"04a6711caa7c", // nytimes opinion: long body, byline in JSON-LD
		"264dc3ae3124", // twincities: teaser cards beside the story
		"9da36ae4714b", // entermedia.co.kr: Korean
		"3c6d3381ef52", // wday.ru: Russian
		"b6fb53e9fb04", // remember8090.it: Italian
	}
	cases, err := evalmetric.Load("testdata/zyte")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			var c *evalmetric.Case
			for i := range cases {
				if strings.HasPrefix(cases[i].ID, id) {
					c = &cases[i]
				}
			}
			if c == nil {
				t.Fatalf("no page %s in testdata/zyte", id)
			}
			d, err := Extract(c.HTML, c.URL, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(goldenDoc(*d)); err != nil {
				t.Fatal(err)
			}
			got := bytes.TrimSpace(buf.Bytes())
			path := filepath.Join("testdata", "golden", id+".json")
			if *update {
				if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (create it with: go test ./extract -run TestGolden -update)", err)
			}
			if diff := cmp.Diff(strings.TrimSpace(string(want)), string(got)); diff != "" {
				t.Errorf("%s differs from %s (-want +got); if intended, run go test ./extract -run TestGolden -update\n%s", id, path, diff)
			}
		})
	}
}

func TestParseVisible(t *testing.T) {
	tests := []struct {
		name string
		text string
		lang string
		want string // RFC 3339, "" for no date
	}{
		{name: "vietnamese day first with time", text: "Thứ tư, 10/11/2021 14:30", lang: "vi", want: "2021-11-10T07:30:00Z"},
		{name: "vietnamese date only is midnight utc", text: "Cập nhật ngày 10/11/2021", lang: "vi", want: "2021-11-10T00:00:00Z"},
		{name: "vietnamese time before date", text: "08:05 - 03/02/2022 (GMT+7)", lang: "vi", want: "2022-02-03T01:05:00Z"},
		{name: "vietnamese hour with h", text: "Ngày 05-09-2020, 9h15", lang: "vi-vn", want: "2020-09-05T02:15:00Z"},
		{name: "no year is not guessed", text: "Ngày 21/3", lang: "vi", want: ""},
		{name: "us english month first", text: "Posted 11/10/2021", lang: "en-us", want: "2021-11-10T00:00:00Z"},
		{name: "british english day first", text: "Posted 10/11/2021", lang: "en-gb", want: "2021-11-10T00:00:00Z"},
		{name: "english month name", text: "November 19, 2019 at 9:24 pm", lang: "en", want: "2019-11-19T21:24:00Z"},
		{name: "day month name year", text: "20 Nov, 2019 05:47", lang: "en", want: "2019-11-20T05:47:00Z"},
		{name: "iso in text", text: "Published 2021-03-04", lang: "", want: "2021-03-04T00:00:00Z"},
		{name: "impossible day", text: "31/02/2021", lang: "vi", want: ""},
		{name: "a score is not a date", text: "Wild beat Sabres 4-1", lang: "en", want: ""},
		{name: "year out of range", text: "01/01/1850", lang: "vi", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseVisible(tt.text, tt.lang)
			if tt.want == "" {
				if ok {
					t.Fatalf("parseVisible(%q) = %v, want no date", tt.text, got)
				}
				return
			}
			if !ok || got.Format(time.RFC3339) != tt.want {
				t.Fatalf("parseVisible(%q, %q) = %v %v, want %s", tt.text, tt.lang, got, ok, tt.want)
			}
		})
	}
}

func TestParseDeclared(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "rfc3339 with offset", in: "2019-11-19T12:21:00+07:00", want: "2019-11-19T05:21:00Z"},
		{name: "fractional seconds", in: "2019-11-19T12:21:00.000Z", want: "2019-11-19T12:21:00Z"},
		{name: "no zone", in: "2019-11-19T12:21:00", want: "2019-11-19T12:21:00Z"},
		{name: "date only", in: "2019-11-19", want: "2019-11-19T00:00:00Z"},
		{name: "rfc1123", in: "Tue, 19 Nov 2019 12:21:00 GMT", want: "2019-11-19T12:21:00Z"},
		{name: "unix milliseconds", in: "1574166060000", want: "2019-11-19T12:21:00Z"},
		{name: "placeholder", in: "0001-01-01T00:00:00Z", want: ""},
		{name: "garbage", in: "yesterday", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseDeclared(tt.in)
			if tt.want == "" {
				if ok {
					t.Fatalf("parseDeclared(%q) = %v, want none", tt.in, got)
				}
				return
			}
			if !ok || got.Format(time.RFC3339) != tt.want {
				t.Fatalf("parseDeclared(%q) = %v %v, want %s", tt.in, got, ok, tt.want)
			}
		})
	}
}

func TestChooseTitle(t *testing.T) {
	tests := []struct {
		name     string
		m        meta
		headings []string
		near     string
		want     string
	}{
		{name: "h1 agreeing with og:title", m: meta{ogTitle: "Storm closes road | Gazette", siteName: "Gazette"}, headings: []string{"Storm closes road"}, want: "Storm closes road"},
		{name: "site name stripped", m: meta{docTitle: "Gazette - Storm closes coastal road again", siteName: "Gazette"}, want: "Storm closes coastal road again"},
		{name: "breadcrumb h1 ignored", m: meta{ogTitle: "Storm closes coastal road again"}, headings: []string{"News", "Storm closes coastal road again"}, want: "Storm closes coastal road again"},
		{name: "generic declared title loses to the heading above the body", m: meta{ogTitle: "Chi tiết tin"}, headings: []string{"Chi tiết tin"}, near: "Khánh thành cầu Sông Xanh nối hai huyện", want: "Khánh thành cầu Sông Xanh nối hai huyện"},
		{name: "a dek does not replace a real title", m: meta{ogTitle: "Google Stadia, Microsoft xCloud, Apple Arcade: So Many Ways to Play"}, near: "There are more devices, platforms and services to choose from than ever before", want: "Google Stadia, Microsoft xCloud, Apple Arcade: So Many Ways to Play"},
		{name: "nothing declared", headings: []string{"Only heading"}, want: "Only heading"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := chooseTitle(&tt.m, tt.headings, tt.near); got != tt.want {
				t.Errorf("chooseTitle = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStripRaw(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "script emptied", in: `<p>a</p><script>var x = "<p>no</p>";</script><p>b</p>`, want: `<p>a</p><script></script><p>b</p>`},
		{name: "json-ld kept", in: `<script type="application/ld+json">{"a":1}</script>`, want: `<script type="application/ld+json">{"a":1}</script>`},
		{name: "style and comment", in: `<STYLE media=x>p{}</STYLE><!-- c --><p>t</p>`, want: `<STYLE media=x></STYLE><p>t</p>`},
		{name: "similar tag name untouched", in: `<scripts>x</scripts>`, want: `<scripts>x</scripts>`},
		{name: "unclosed script left to the parser", in: `<script>x`, want: `<script>x`},
		{name: "nothing to strip", in: `<p>plain</p>`, want: `<p>plain</p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(stripRaw([]byte(tt.in))); got != tt.want {
				t.Errorf("stripRaw(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzExtract: any input either fails with a documented error or yields a
// Document whose text is valid UTF-8 with no runs of white space, and never
// panics.
func FuzzExtract(f *testing.F) {
	for _, name := range []string{"vi_news.html", "vi_sapo_h2.html", "vi_layout_table.html", "en_jsonld.html"} {
		b, err := os.ReadFile(filepath.Join("testdata", "pages", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("<p>a\xffb</p><script>x"))
	f.Add([]byte("<!--"))
	f.Add([]byte(`<time datetime="2021-13-45">`))
	f.Fuzz(func(t *testing.T, src []byte) {
		d, err := Extract(src, "https://example.com/a/b", Options{MaxBytes: 1 << 20})
		if err != nil {
			if errors.Is(err, ErrTooDeep) || errors.Is(err, ErrTooLarge) {
				return
			}
			t.Fatalf("unexpected error: %v", err)
		}
		fields := append([]string{d.Title, d.Byline, d.Lead, d.CanonicalURL, d.Language, d.SiteName}, d.Paragraphs...)
		for _, im := range d.Images {
			fields = append(fields, im.URL, im.Caption)
		}
		for _, s := range fields {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in %q", s)
			}
		}
		for _, p := range d.Paragraphs {
			if p == "" || p != strings.TrimSpace(p) || strings.Contains(p, "  ") {
				t.Fatalf("paragraph not folded: %q", p)
			}
		}
	})
}

// FuzzStripRaw: stripping never grows the input and is idempotent.
func FuzzStripRaw(f *testing.F) {
	f.Add([]byte(`<p>a</p><script>x</script><!-- c --><style>s</style>`))
	f.Add([]byte(`<script type="application/ld+json">{}</script>`))
	f.Fuzz(func(t *testing.T, src []byte) {
		once := stripRaw(src)
		if len(once) > len(src) {
			t.Fatalf("stripRaw grew %d bytes to %d", len(src), len(once))
		}
		if twice := stripRaw(once); string(twice) != string(once) {
			t.Fatalf("stripRaw not idempotent: %q then %q", once, twice)
		}
	})
}

// FuzzParseVisible: never panics; any date found is within the sane range.
func FuzzParseVisible(f *testing.F) {
	f.Add("Thứ tư, 10/11/2021 14:30", "vi")
	f.Add("November 19, 2019 at 9:24 pm", "en")
	f.Add("Ngày 21/3", "vi")
	f.Fuzz(func(t *testing.T, s, lang string) {
		if d, ok := parseVisible(s, lang); ok && (d.Year() < 1990 || d.Year() > 2100) {
			t.Fatalf("parseVisible(%q) = %v outside the sane range", s, d)
		}
	})
}

// TestExtractConcurrent runs Extract on the same pages from many
// goroutines (meaningful under -race) and checks every run gives the same
// Document: the extractor keeps no shared state and its choices do not
// depend on map order.
func TestExtractConcurrent(t *testing.T) {
	cases, err := evalmetric.Load("testdata/zyte")
	if err != nil {
		t.Fatal(err)
	}
	cases = cases[:12]
	want := make([]*Document, len(cases))
	for i, c := range cases {
		if want[i], err = Extract(c.HTML, c.URL, Options{}); err != nil {
			t.Fatal(err)
		}
	}
	for g := range 4 {
		t.Run("worker"+string(rune('0'+g)), func(t *testing.T) {
			t.Parallel()
			for i, c := range cases {
				got, err := Extract(c.HTML, c.URL, Options{})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want[i], got); diff != "" {
					t.Fatalf("page %s differs between runs (-first +this):\n%s", c.ID[:12], diff)
				}
			}
		})
	}
}
