package dedup_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/dedup"
	"github.com/newsmill/newsmill/pkg/dedup/storetest"
	"github.com/newsmill/newsmill/pkg/samples"
)

func TestMemStoreConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(*testing.T, time.Duration) dedup.Store { return newMemStore() }, storetest.Features{})
}

const story = `Hà Nội, ngày 15/3 — Bộ Lao động, Thương binh và Xã hội tổ chức hội thảo về lồng ghép giới trong chính sách lao động.

Hội thảo có sự tham gia của đại diện các bộ, ngành và các tổ chức quốc tế, trong đó có Tổ chức Lao động Quốc tế và Cơ quan Liên hợp quốc về Bình đẳng giới.

Phát biểu khai mạc, Thứ trưởng nhấn mạnh vai trò của bình đẳng giới trong phát triển bền vững và kêu gọi các đại biểu chia sẻ kinh nghiệm thực tiễn.

Các đại biểu đã thảo luận về hướng dẫn của ASEAN, các thách thức trong thực thi và đề xuất khuyến nghị cho giai đoạn tới, trong đó chú trọng đến lao động phi chính thức.

Kết thúc hội thảo, ban tổ chức thống nhất sẽ tổng hợp ý kiến để hoàn thiện báo cáo trình Hội nghị quan chức cao cấp về lao động ASEAN.`

const otherStory = `Hà Nội, ngày 16/3 — Bộ Lao động, Thương binh và Xã hội tổ chức hội thảo về an toàn, vệ sinh lao động trong ngành xây dựng.

Theo báo cáo, số vụ tai nạn lao động trong năm qua giảm nhưng vẫn ở mức cao tại các công trình nhỏ do thiếu giám sát và trang bị bảo hộ.

Đại diện doanh nghiệp kiến nghị đơn giản hóa thủ tục huấn luyện an toàn và hỗ trợ chi phí cho người lao động tự do.

Thứ trưởng yêu cầu các địa phương tăng cường thanh tra, xử lý nghiêm vi phạm và nhân rộng mô hình tốt.`

func art(id, text string) *article.Article {
	a := article.New(id, "test")
	a.Text = text
	return a
}

func check(t *testing.T, d *dedup.Deduper, a *article.Article) dedup.Verdict {
	t.Helper()
	v, err := d.Check(context.Background(), a)
	if err != nil {
		t.Fatalf("Check(%s): %v", a.ID, err)
	}
	return v
}

func TestCheckDecisions(t *testing.T) {
	t.Parallel()
	paras := strings.Split(story, "\n\n")
	tests := []struct {
		name          string
		id            string
		text          string
		url           string
		status        dedup.Status
		dupOf         string
		revision      int
		minSimilarity float64
	}{
		{name: "first story is original", id: "a", text: story, status: dedup.Original},
		{name: "redelivery is same, not a duplicate", id: "a", text: story, status: dedup.Same},
		{name: "other outlet, same text", id: "b", text: story, status: dedup.Duplicate, dupOf: "a", minSimilarity: 1},
		{name: "redelivered duplicate repeats its decision", id: "b", text: story, status: dedup.Same, dupOf: "a", minSimilarity: 1},
		{name: "decomposed and reflowed is exact", id: "c", text: strings.ReplaceAll(strings.ToUpper(story), "\n\n", "\n"), status: dedup.Duplicate, dupOf: "a", minSimilarity: 1},
		{name: "prefix added", id: "d", text: "(PLVN) - " + story, status: dedup.NearDuplicate, dupOf: "a", minSimilarity: 0.5},
		{name: "paragraph dropped", id: "e", text: strings.Join(append(paras[:2:2], paras[3:]...), "\n\n"), status: dedup.NearDuplicate, dupOf: "a", minSimilarity: 0.5},
		{name: "other story same ministry and template", id: "f", text: otherStory, status: dedup.Original},
		{name: "correction of the original is an update", id: "a", text: strings.Replace(story, "15/3", "14/3", 1), status: dedup.Update, revision: 1},
		{name: "redelivered correction is same", id: "a", text: strings.Replace(story, "15/3", "14/3", 1), status: dedup.Same, revision: 1},
		{name: "other story update", id: "f", text: otherStory + "\n\nCập nhật: hội thảo kéo dài hai ngày.", status: dedup.Update, revision: 1},
	}
	d := dedup.New(newMemStore(), dedup.Options{})
	for _, tc := range tests {
		// Sequential: each step depends on the claims before it.
		a := art(tc.id, tc.text)
		a.CanonicalURL = tc.url
		v := check(t, d, a)
		if v.Status != tc.status || v.DuplicateOf != tc.dupOf || v.Revision != tc.revision || v.Similarity < tc.minSimilarity {
			t.Fatalf("%s: got %v dup_of=%q sim=%.2f rev=%d, want %v dup_of=%q sim>=%.2f rev=%d",
				tc.name, v.Status, v.DuplicateOf, v.Similarity, v.Revision, tc.status, tc.dupOf, tc.minSimilarity, tc.revision)
		}
		if len(v.ContentHash) != 32 || len(v.SimHash) != 16 {
			t.Fatalf("%s: hashes %q %q, want 32 and 16 hex digits", tc.name, v.ContentHash, v.SimHash)
		}
	}
}

func TestCanonicalURL(t *testing.T) {
	t.Parallel()
	// Similarity thresholds out of reach: only the URL can make b a
	// duplicate of a.
	d := dedup.New(newMemStore(), dedup.Options{MinSimilarity: 1.01, MaxHamming: -1})
	a := art("a", story)
	a.CanonicalURL = "https://example.vn/a"
	check(t, d, a)
	b := art("b", strings.Replace(story, "hội thảo", "hội nghị", -1))
	b.CanonicalURL = "https://example.vn/a"
	if v := check(t, d, b); v.Status != dedup.NearDuplicate || v.DuplicateOf != "a" {
		t.Fatalf("edited text under the same canonical URL: %v dup_of=%q, want near duplicate of a", v.Status, v.DuplicateOf)
	}
	c := art("c", strings.Replace(story, "hội thảo", "cuộc họp", -1))
	if v := check(t, d, c); v.Status != dedup.Original {
		t.Fatalf("the same edit without the URL: %v dup_of=%q, want original at these thresholds", v.Status, v.DuplicateOf)
	}
}

func TestCanonicalURLNeedsSharedText(t *testing.T) {
	t.Parallel()
	// Sites that point every page's rel=canonical at the home page must not
	// turn every article into a duplicate of the first.
	d := dedup.New(newMemStore(), dedup.Options{})
	a := art("a", story)
	a.CanonicalURL = "https://example.vn/"
	check(t, d, a)
	b := art("b", otherStory)
	b.CanonicalURL = "https://example.vn/"
	if v := check(t, d, b); v.Status != dedup.Original {
		t.Fatalf("different text under the same canonical URL: %v dup_of=%q, want original", v.Status, v.DuplicateOf)
	}
}

func TestCheckRejectsEmptyText(t *testing.T) {
	t.Parallel()
	d := dedup.New(newMemStore(), dedup.Options{})
	for _, text := range []string{"", " \n ", "— … !"} {
		if _, err := d.Check(context.Background(), art("a", text)); !errors.Is(err, dedup.ErrEmpty) {
			t.Fatalf("Check(%q): %v, want ErrEmpty", text, err)
		}
	}
}

func TestSeedsAreNotDuplicates(t *testing.T) {
	t.Parallel()
	seeds, err := samples.Seeds()
	if err != nil {
		t.Fatal(err)
	}
	d := dedup.New(newMemStore(), dedup.Options{})
	for _, s := range seeds {
		v := check(t, d, art(s.Name, string(s.Body)))
		if v.Status != dedup.Original {
			t.Fatalf("seed %s: %v of %s (similarity %.2f), want original", s.Name, v.Status, v.DuplicateOf, v.Similarity)
		}
	}
}

// TestRacingReplicas checks claims from many goroutines at once, as
// replicas of the deduplicator sharing one store would make them: of one
// story published by many outlets exactly one is original, and every
// redelivery of every copy is Same.
func TestRacingReplicas(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		variant func(i int) string
	}{
		{name: "exact copies", variant: func(int) string { return story }},
		{name: "near copies", variant: func(i int) string { return fmt.Sprintf("(Outlet %d) - %s\n\nTheo outlet %d.", i, story, i) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := dedup.New(newMemStore(), dedup.Options{})
			const n = 10
			verdicts := make([]dedup.Verdict, 2*n)
			errs := make([]error, 2*n)
			var wg sync.WaitGroup
			for i := range 2 * n {
				// Each copy is checked twice: a redelivery racing the first
				// delivery.
				wg.Go(func() {
					verdicts[i], errs[i] = d.Check(context.Background(), art(fmt.Sprint("outlet", i%n), tc.variant(i%n)))
				})
			}
			wg.Wait()
			originals := map[string]bool{}
			for i, v := range verdicts {
				if errs[i] != nil {
					t.Fatal(errs[i])
				}
				if v.Status == dedup.Original || (v.Status == dedup.Same && v.DuplicateOf == "") {
					originals[fmt.Sprint("outlet", i%n)] = true
				}
			}
			if len(originals) != 1 {
				t.Fatalf("%d copies were judged original (%v), want exactly 1", len(originals), originals)
			}
		})
	}
}

func BenchmarkCheck(b *testing.B) {
	seeds, err := samples.Seeds()
	if err != nil {
		b.Fatal(err)
	}
	d := dedup.New(newMemStore(), dedup.Options{})
	ctx := context.Background()
	i := 0
	for b.Loop() {
		s := seeds[i%len(seeds)]
		if _, err := d.Check(ctx, art(fmt.Sprint(i), string(s.Body))); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
}
