package clean

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDefaultRulesParse(t *testing.T) {
	t.Parallel()
	r := DefaultRules()
	for _, lang := range []string{"en", "vi", "fr", "id"} {
		if len(r.Chrome[lang]) == 0 || len(r.Related[lang]) == 0 || len(r.Attribution[lang]) == 0 {
			t.Errorf("language %s lacks chrome, related or attribution rules", lang)
		}
	}
	if _, err := ParseRules([]byte("chrome: {en: [Menu]}\nimage_extensions: [jpg]\nbogus: 1\n")); err == nil {
		t.Error("ParseRules accepted an unknown field")
	}
	if _, err := ParseRules([]byte("image_extensions: [jpg]\nchrome_patterns: {en: ['(']}\n")); err == nil {
		t.Error("ParseRules accepted an invalid pattern")
	}
	if _, err := ParseRules([]byte("image_extensions: [jpg]\nmonths: {en: {smarch: 13}}\n")); err == nil {
		t.Error("ParseRules accepted month 13")
	}
}

func TestCustomRules(t *testing.T) {
	t.Parallel()
	r := DefaultRules()
	r.Chrome["xx"] = []string{"Frobnicate now"}
	c := New(Options{Rules: r})
	out, err := c.Clean(context.Background(), Input{Text: "Frobnicate now\n\nThe body of the article is here and it is long enough."})
	if err != nil {
		t.Fatal(err)
	}
	if out.Text != "The body of the article is here and it is long enough." {
		t.Errorf("text = %q", out.Text)
	}
}

// cleanCase is one table case run through Clean.
type cleanCase struct {
	name            string
	in              Input
	wantTitle       string
	wantText        string
	wantAttribution string
	wantSourceURL   string
	wantByline      string
	wantRules       []string // rules of Output.Removed, in order
}

const body = "The council approved the new budget on Monday after a long debate about schools and roads."

func runCleanCases(t *testing.T, tests []cleanCase) {
	t.Helper()
	c := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := c.Clean(context.Background(), tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if out.Title != tt.wantTitle {
				t.Errorf("title = %q, want %q", out.Title, tt.wantTitle)
			}
			if out.Text != tt.wantText {
				t.Errorf("text:\n%s", cmp.Diff(tt.wantText, out.Text))
			}
			if out.Attribution != tt.wantAttribution {
				t.Errorf("attribution = %q, want %q", out.Attribution, tt.wantAttribution)
			}
			if out.Byline != tt.wantByline {
				t.Errorf("byline = %q, want %q", out.Byline, tt.wantByline)
			}
			if out.SourceURL != tt.wantSourceURL {
				t.Errorf("source_url = %q, want %q", out.SourceURL, tt.wantSourceURL)
			}
			var rules []string
			for _, r := range out.Removed {
				rules = append(rules, r.Rule)
			}
			if !slices.Equal(rules, tt.wantRules) {
				t.Errorf("rules = %q, want %q (removed %q)", rules, tt.wantRules, out.Removed)
			}
		})
	}
}

func TestChrome(t *testing.T) {
	t.Parallel()
	runCleanCases(t, []cleanCase{
		{name: "en accessibility and account links",
			in:        Input{Paragraphs: []string{"Skip to content", "Log in", body, "Share this article", "Read more »"}},
			wantText:  body,
			wantRules: []string{RuleChrome, RuleChrome, RuleChrome, RuleChrome}},
		{name: "fr chrome",
			in:        Input{Paragraphs: []string{"Aller au contenu principal", "Se connecter", body, "Partager", "Lire la suite…"}},
			wantText:  body,
			wantRules: []string{RuleChrome, RuleChrome, RuleChrome, RuleChrome}},
		{name: "id chrome",
			in:        Input{Paragraphs: []string{"Lewati ke konten", body, "Bagikan", "Baca selengkapnya"}},
			wantText:  body,
			wantRules: []string{RuleChrome, RuleChrome, RuleChrome}},
		{name: "vi chrome",
			in:        Input{Paragraphs: []string{"Đăng nhập", body, "Chia sẻ", "Xem thêm"}},
			wantText:  body,
			wantRules: []string{RuleRelated, RuleChrome, RuleChrome}},
		{name: "row of share buttons",
			in:        Input{Paragraphs: []string{body, "Share Tweet Email Print"}},
			wantText:  body,
			wantRules: []string{RuleChrome}},
		{name: "breadcrumb",
			in:        Input{Paragraphs: []string{"Home › World › Asia", body}},
			wantText:  body,
			wantRules: []string{RuleNavigation}},
		{name: "en patterns",
			in:        Input{Paragraphs: []string{"Updated 3 hours ago", body, "12 Comments", "© 2021 Harbour Times. All rights reserved."}},
			wantText:  body,
			wantRules: []string{RuleChrome, RuleChrome, RuleChrome}},
		{name: "vi fr id patterns",
			in:        Input{Paragraphs: []string{"5 phút trước", "il y a 2 heures", body, "Diperbarui 3 jam yang lalu", "Ghi rõ nguồn Báo Lạng Sơn khi phát hành lại thông tin từ website này."}},
			wantText:  body,
			wantRules: []string{RuleChrome, RuleChrome, RuleChrome, RuleChrome}},
		{name: "pattern words inside news are kept",
			in:        Input{Paragraphs: []string{"Copyright infringement cases rose 20 percent in 2021, the court said.", "3 hours ago the river broke its banks near the bridge."}},
			wantText:  "Copyright infringement cases rose 20 percent in 2021, the court said.\n\n3 hours ago the river broke its banks near the bridge.",
			wantRules: nil},
		{name: "chrome words inside sentences are kept",
			in:        Input{Paragraphs: []string{"More than 100 people attended the meeting.", "Search and rescue teams arrived on Monday.", "Sign in sheets were collected."}},
			wantText:  "More than 100 people attended the meeting.\n\nSearch and rescue teams arrived on Monday.\n\nSign in sheets were collected.",
			wantRules: nil},
	})
}

func TestRelatedHeadlines(t *testing.T) {
	t.Parallel()
	runCleanCases(t, []cleanCase{
		{name: "en run glued to the title",
			in:        Input{Text: "Storm hits the coastRelated articlesMayor resigns after scandalFloods close the highw\n\n" + body},
			wantTitle: "Storm hits the coast",
			wantText:  body,
			wantRules: []string{RuleRelated, RuleTitle}},
		{name: "vi marker alone, headlines below",
			in:        Input{Paragraphs: []string{body, "Tin liên quan", "Giá vàng hôm nay tăng mạnh", "Bão số 3 đổ bộ vào miền Trung"}},
			wantText:  body,
			wantRules: []string{RuleRelated, RuleRelated, RuleRelated}},
		{name: "id marker with a colon",
			in:        Input{Paragraphs: []string{body, "Baca juga: Harga emas naik tajam", "Pemerintah akan melanjutkan program ini tahun depan, kata menteri itu."}},
			wantText:  body + "\n\nPemerintah akan melanjutkan program ini tahun depan, kata menteri itu.",
			wantRules: []string{RuleRelated}},
		{name: "fr marker glued at the end of a paragraph",
			in:        Input{Paragraphs: []string{"Le conseil a voté le budget lundi après un long débat sur les écoles.À lire aussiLa maire démissionne"}},
			wantText:  "Le conseil a voté le budget lundi après un long débat sur les écoles.",
			wantRules: []string{RuleRelated}},
		{name: "marker word in a sentence is kept",
			in:        Input{Paragraphs: []string{"Related to this, the minister said the budget would grow.", "Tin khác cho biết giá xăng sẽ tăng."}},
			wantText:  "Related to this, the minister said the budget would grow.\n\nTin khác cho biết giá xăng sẽ tăng.",
			wantRules: nil},
	})
}

func TestImageFilenames(t *testing.T) {
	t.Parallel()
	runCleanCases(t, []cleanCase{
		{name: "name on its own line",
			in:        Input{Paragraphs: []string{body, "IMG_2041.JPG", "DSC-0012.png photo_3.webp"}},
			wantText:  body,
			wantRules: []string{RuleImageFilename, RuleImageFilename}},
		{name: "name glued to the end of a sentence",
			in:        Input{Paragraphs: []string{"The project is coordinated by Viet Nam.223.jpg"}},
			wantText:  "The project is coordinated by Viet Nam.",
			wantRules: []string{RuleImageFilename}},
		{name: "name inside a sentence",
			in:        Input{Paragraphs: []string{"The map (figure_2.png) shows the flooded districts."}},
			wantText:  "The map shows the flooded districts.",
			wantRules: []string{RuleImageFilename}},
		{name: "image URLs are kept",
			in:        Input{Paragraphs: []string{"The map at https://example.org/maps/flood.jpg shows the districts."}},
			wantText:  "The map at https://example.org/maps/flood.jpg shows the districts.",
			wantRules: nil},
		{name: "other extensions are kept",
			in:        Input{Paragraphs: []string{"The report (report.pdf) is online."}},
			wantText:  "The report (report.pdf) is online.",
			wantRules: nil},
	})
}

func TestUnglue(t *testing.T) {
	t.Parallel()
	rs := compileRules(DefaultRules())
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "vi glued sentence", in: "bền vững.Diễn ra theo hình thức trực tuyến", want: "bền vững. Diễn ra theo hình thức trực tuyến"},
		{name: "after a year", in: "năm 2020.Tại Việt Nam", want: "năm 2020. Tại Việt Nam"},
		{name: "dash bullet after a period", in: "quốc tế.– Việc lồng ghép", want: "quốc tế. – Việc lồng ghép"},
		{name: "dash bullet after a colon", in: "Nổi bật như:– Hệ thống", want: "Nổi bật như: – Hệ thống"},
		{name: "after a closing quote", in: "he said.”The minister left", want: "he said.” The minister left"},
		{name: "question mark", in: "Why now?Because the law changed", want: "Why now? Because the law changed"},
		{name: "ellipsis", in: "and then...Suddenly it rained", want: "and then... Suddenly it rained"},
		{name: "comma between words", in: "công việc,người lao động", want: "công việc, người lao động"},
		{name: "fr glued sentence", in: "le budget.Le conseil", want: "le budget. Le conseil"},
		{name: "range and final period", in: "năm 2021-2022.", want: "năm 2021-2022."},
		{name: "decimal", in: "grew 3.5 percent", want: "grew 3.5 percent"},
		{name: "thousands", in: "1,000 people", want: "1,000 people"},
		{name: "URL", in: "see https://example.com/News.Html and www.Example.Com", want: "see https://example.com/News.Html and www.Example.Com"},
		{name: "e-mail", in: "write to press.Office@example.org today", want: "write to press.Office@example.org today"},
		{name: "initials", in: "the U.S.Army and H.E.Nguyen", want: "the U.S.Army and H.E.Nguyen"},
		{name: "listed abbreviation", in: "tại Tp.Hồ Chí Minh và Mr.Smith", want: "tại Tp.Hồ Chí Minh và Mr.Smith"},
		{name: "e.g.", in: "cities, e.g.Hanoi", want: "cities, e.g.Hanoi"},
		{name: "capitals", in: "built on ASP.NET and Node.js", want: "built on ASP.NET and Node.js"},
		{name: "time", in: "at 10:30 today", want: "at 10:30 today"},
		{name: "already spaced", in: "Done. Next", want: "Done. Next"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := rs.unglue(tt.in); got != tt.want {
				t.Errorf("unglue(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTruncatedTeaser(t *testing.T) {
	t.Parallel()
	long := "The council approved the new budget on Monday after a long debate about schools, roads and the new hospital in the north of the city."
	runCleanCases(t, []cleanCase{
		{name: "en last sentence cut mid-word",
			in:        Input{Paragraphs: []string{long + " The mayor said the plan would be reviewed next year by the fin"}},
			wantText:  long,
			wantRules: []string{RuleTruncated}},
		{name: "paragraph ending in a colon is an introduction",
			in:        Input{Paragraphs: []string{long + " The main measures are the following:", "More teachers."}},
			wantText:  long + " The main measures are the following:\n\nMore teachers.",
			wantRules: nil},
		{name: "a last sentence ending in a number is not judged cut",
			in:        Input{Paragraphs: []string{long + " The council will vote again on the budget in 2025"}},
			wantText:  long + " The council will vote again on the budget in 2025",
			wantRules: nil},
		{name: "a short heading without a period is kept",
			in:        Input{Paragraphs: []string{long, "The vote", long}},
			wantText:  long + "\n\nThe vote\n\n" + long,
			wantRules: nil},
		{name: "a fragment with no sentence before it is kept",
			in:        Input{Paragraphs: []string{"the council approved the new budget on Monday after a long debate about schools roads and the new hospital in the north of the city and the mayor sai"}},
			wantText:  "the council approved the new budget on Monday after a long debate about schools roads and the new hospital in the north of the city and the mayor sai",
			wantRules: nil},
		{name: "a list after an ellipsis goes on",
			in:        Input{Paragraphs: []string{"Chính sách, pháp luật, chương trình, kế hoạch, đề án,… đã được các cấp, ngành quan tâm, góp phần rút ngắn khoảng cách giới, nâng cao vai trò, vị thế của phụ nữ."}},
			wantText:  "Chính sách, pháp luật, chương trình, kế hoạch, đề án,… đã được các cấp, ngành quan tâm, góp phần rút ngắn khoảng cách giới, nâng cao vai trò, vị thế của phụ nữ.",
			wantRules: nil},
	})
}

func TestAttributionAndSource(t *testing.T) {
	t.Parallel()
	runCleanCases(t, []cleanCase{
		{name: "vi Theo",
			in:              Input{Paragraphs: []string{body, "Theo TTXVN"}},
			wantText:        body,
			wantAttribution: "TTXVN",
			wantRules:       []string{RuleAttribution}},
		{name: "vi Theo in parentheses",
			in:              Input{Paragraphs: []string{body, "(Theo VnExpress.net)"}},
			wantText:        body,
			wantAttribution: "VnExpress.net",
			wantRules:       []string{RuleAttribution}},
		{name: "en Source",
			in:              Input{Paragraphs: []string{body, "Source: Reuters"}},
			wantText:        body,
			wantAttribution: "Reuters",
			wantRules:       []string{RuleAttribution}},
		{name: "id Sumber and fr Selon: the first wins",
			in:              Input{Paragraphs: []string{body, "Sumber: Antara", "Selon AFP"}},
			wantText:        body,
			wantAttribution: "Antara",
			wantRules:       []string{RuleAttribution, RuleAttribution}},
		{name: "vi credit at the end of a paragraph",
			in:              Input{Paragraphs: []string{body + " (Theo TTXVN)"}},
			wantText:        body,
			wantAttribution: "TTXVN",
			wantRules:       []string{RuleAttribution}},
		{name: "a parenthesis that is no credit is kept",
			in:        Input{Paragraphs: []string{body + " (Photo: AP)"}},
			wantText:  body + " (Photo: AP)",
			wantRules: nil},
		{name: "sentences starting with Theo are kept",
			in:        Input{Paragraphs: []string{"Theo kế hoạch, hội nghị sẽ diễn ra vào tháng sau.", "Source: the ministry said, on Monday"}},
			wantText:  "Theo kế hoạch, hội nghị sẽ diễn ra vào tháng sau.\n\nSource: the ministry said, on Monday",
			wantRules: nil},
		{name: "vi source line with URL",
			in:            Input{Paragraphs: []string{body, "Nguồn: https://vnexpress.net/tin-tuc/a-123.html"}},
			wantText:      body,
			wantSourceURL: "https://vnexpress.net/tin-tuc/a-123.html",
			wantRules:     []string{RuleSourceLine}},
		{name: "en source line, trailing period",
			in:            Input{Paragraphs: []string{body, "Original article: https://example.org/story."}},
			wantText:      body,
			wantSourceURL: "https://example.org/story",
			wantRules:     []string{RuleSourceLine}},
		{name: "bare URL line",
			in:            Input{Paragraphs: []string{body, "https://example.org/story?id=7"}},
			wantText:      body,
			wantSourceURL: "https://example.org/story?id=7",
			wantRules:     []string{RuleSourceLine}},
		{name: "bare URL in the middle is a link, kept",
			in:        Input{Paragraphs: []string{body, "https://example.org/video", body + " More.", body + " Again.", body + " Last."}},
			wantText:  body + "\n\nhttps://example.org/video\n\n" + body + " More.\n\n" + body + " Again.\n\n" + body + " Last.",
			wantRules: nil},
		{name: "URL inside a sentence is kept",
			in:        Input{Paragraphs: []string{"Read the report at https://example.org/report before Friday."}},
			wantText:  "Read the report at https://example.org/report before Friday.",
			wantRules: nil},
	})
}

func TestSignature(t *testing.T) {
	t.Parallel()
	runCleanCases(t, []cleanCase{
		{name: "vi BBT", in: Input{Paragraphs: []string{body, "BBT"}}, wantText: body, wantRules: []string{RuleSignature}},
		{name: "fr La rédaction", in: Input{Paragraphs: []string{body, "La rédaction"}}, wantText: body, wantRules: []string{RuleSignature}},
		{name: "capitals at the end", in: Input{Paragraphs: []string{body, "BAN TỔ CHỨC CUỘC THI"}}, wantText: body, wantRules: []string{RuleSignature}},
		{name: "a byline is kept", in: Input{Paragraphs: []string{body, "Minh Anh"}}, wantText: body + "\n\nMinh Anh", wantRules: nil},
		{name: "capitals inside the body are kept",
			in:       Input{Paragraphs: []string{body, "ASEAN SUMMIT", body + " Again."}},
			wantText: body + "\n\nASEAN SUMMIT\n\n" + body + " Again.", wantRules: nil},
		{name: "a lone line is not signed", in: Input{Paragraphs: []string{"BBT"}}, wantText: "BBT", wantRules: nil},
	})
}

func TestTitle(t *testing.T) {
	t.Parallel()
	runCleanCases(t, []cleanCase{
		{name: "first line of plain text",
			in:        Input{Text: "Council approves budget\n\n" + body},
			wantTitle: "Council approves budget", wantText: body, wantRules: []string{RuleTitle}},
		{name: "a first line that is a sentence is no title",
			in:       Input{Text: "The meeting ended early.\n\n" + body},
			wantText: "The meeting ended early.\n\n" + body, wantRules: nil},
		{name: "a first line that reads as body is no title",
			in:       Input{Text: "Will the council approve the new budget for schools and roads before the summer holidays?\n\n" + body},
			wantText: "Will the council approve the new budget for schools and roads before the summer holidays?\n\n" + body, wantRules: nil},
		{name: "a first line in lower case is a fragment",
			in:       Input{Text: "budget talks resume\n\n" + body},
			wantText: "budget talks resume\n\n" + body, wantRules: nil},
		{name: "text of one line has no title",
			in:       Input{Text: "Council approves budget"},
			wantText: "Council approves budget", wantRules: nil},
		{name: "given title is cleaned and its repeat removed",
			in:        Input{Title: "Council approves  budget\u00a0Related newsOther story", Paragraphs: []string{"Council approves budget", body}},
			wantTitle: "Council approves budget", wantText: body, wantRules: []string{RuleRelated, RuleTitle}},
		{name: "paragraphs without a title get none",
			in:       Input{Paragraphs: []string{"Council approves budget", body}},
			wantText: "Council approves budget\n\n" + body, wantRules: nil},
		{name: "date before the title",
			in:        Input{Text: "19 May 2021\nCouncil approves budget\n" + body},
			wantTitle: "Council approves budget", wantText: body, wantRules: []string{RuleDateline, RuleTitle}},
	})
}

func TestByline(t *testing.T) {
	t.Parallel()
	runCleanCases(t, []cleanCase{
		{name: "en By",
			in:         Input{Title: "Council approves budget", Paragraphs: []string{"By Jane Doe and John Roe", body}},
			wantTitle:  "Council approves budget",
			wantText:   body,
			wantByline: "Jane Doe and John Roe",
			wantRules:  []string{RuleByline}},
		{name: "fr Par, after the date",
			in:         Input{Paragraphs: []string{"Publié le 19 mai 2021", "Par Marie de la Tour", "Le conseil a voté le budget lundi après un long débat sur les écoles et les routes."}},
			wantText:   "Le conseil a voté le budget lundi après un long débat sur les écoles et les routes.",
			wantByline: "Marie de la Tour",
			wantRules:  []string{RuleDateline, RuleByline}},
		{name: "vi Tác giả",
			in:         Input{Paragraphs: []string{"Tác giả: Nguyễn Văn An", body}},
			wantText:   body,
			wantByline: "Nguyễn Văn An",
			wantRules:  []string{RuleByline}},
		{name: "a heading starting with By is kept",
			in:        Input{Paragraphs: []string{"By the numbers", body}},
			wantText:  "By the numbers\n\n" + body,
			wantRules: nil},
		{name: "a byline after the body start is kept",
			in:        Input{Paragraphs: []string{body, "By Jane Doe"}},
			wantText:  body + "\n\nBy Jane Doe",
			wantRules: nil},
	})
}

func TestRepeated(t *testing.T) {
	t.Parallel()
	caption := "Delegates at the opening session in Jakarta (Photo: ASEAN)."
	quote := "“We will not give up,” she said."
	runCleanCases(t, []cleanCase{
		{name: "caption printed twice", in: Input{Paragraphs: []string{caption, caption, body}}, wantText: caption + "\n\n" + body, wantRules: []string{RuleRepeatedCaption}},
		{name: "caption repeated further down", in: Input{Paragraphs: []string{caption, body, caption}}, wantText: caption + "\n\n" + body, wantRules: []string{RuleRepeatedCaption}},
		{name: "a sentence repeated further down is kept", in: Input{Paragraphs: []string{quote, body, quote}}, wantText: quote + "\n\n" + body + "\n\n" + quote, wantRules: nil},
	})
}

func TestParseDateLine(t *testing.T) {
	t.Parallel()
	rs := compileRules(DefaultRules())
	day := func(y int, m time.Month, d int) string {
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
	}
	tests := []struct {
		name string
		line string
		us   bool
		want string // RFC 3339, "" for no date
	}{
		{name: "vi day first", line: "10/11/2021", want: day(2021, 11, 10)},
		{name: "zero padded", line: "27/04/2021", want: day(2021, 4, 27)},
		{name: "no year", line: "Ngày 21/3", want: ""},
		{name: "en day month year", line: "19 May 2021", want: day(2021, 5, 19)},
		{name: "en month day year", line: "May 19, 2021", want: day(2021, 5, 19)},
		{name: "en with label and weekday", line: "Published: Wednesday, 19 May 2021", want: day(2021, 5, 19)},
		{name: "ISO date", line: "2021-05-19", want: day(2021, 5, 19)},
		{name: "RFC 3339", line: "2021-05-19T10:00:00+07:00", want: "2021-05-19T03:00:00Z"},
		{name: "vi weekday, time and offset", line: "Thứ Tư, 10/11/2021 14:30 (GMT+7)", want: "2021-11-10T07:30:00Z"},
		{name: "vi label, time first", line: "Cập nhật lúc 08:15 ngày 10/11/2021", want: day(2021, 11, 10)},
		{name: "vi words", line: "Ngày 19 tháng 5 năm 2021", want: day(2021, 5, 19)},
		{name: "fr", line: "Publié le 19 mai 2021", want: day(2021, 5, 19)},
		{name: "id", line: "Kamis, 19 Mei 2021 10:00 WIB", want: day(2021, 5, 19)},
		{name: "time without offset keeps the date", line: "19/05/2021 10:45", want: day(2021, 5, 19)},
		{name: "impossible day", line: "31/02/2021", want: ""},
		{name: "en-US month first", line: "10/11/2021", us: true, want: day(2021, 10, 11)},
		{name: "en-US falls back when the day is over 12", line: "13/11/2021", us: true, want: day(2021, 11, 13)},
		{name: "a sentence with a date", line: "19 May 2021 was the day the minister said yes", want: ""},
		{name: "a year alone", line: "2021", want: ""},
		{name: "unknown month", line: "19 Smarch 2021", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := rs.parseDateLine(tt.line, tt.us)
			s := ""
			if ok {
				s = got.Format(time.RFC3339)
			}
			if s != tt.want {
				t.Errorf("parseDateLine(%q) = %q, want %q", tt.line, s, tt.want)
			}
		})
	}
}

func TestRemovalsBounded(t *testing.T) {
	t.Parallel()
	c := New(Options{MaxRemovals: 2, MaxRemovalText: 10})
	out, err := c.Clean(context.Background(), Input{Paragraphs: []string{"Menu", "Search", "Log in", "Sign up", "Theo Thông tấn xã Việt Nam", body}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Removed) != 2 || !out.RemovedTruncated {
		t.Fatalf("removed %d (truncated %v), want 2 and truncated", len(out.Removed), out.RemovedTruncated)
	}
	if out.Text != body || out.Attribution != "Thông tấn xã Việt Nam" {
		t.Errorf("bound changed the cleaning: text %q attribution %q", out.Text, out.Attribution)
	}
	c = New(Options{MaxRemovalText: 10})
	out, _ = c.Clean(context.Background(), Input{Paragraphs: []string{body, "Theo Thông tấn xã Việt Nam"}})
	if got := out.Removed[0].Text; got != "Theo Thôn…" {
		t.Errorf("removal text = %q, want it cut to 10 runes with the ellipsis", got)
	}
}
