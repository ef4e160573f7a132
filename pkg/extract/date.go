package extract

import (
	"strconv"
	"strings"
	"time"
	"unicode"
)

// vietnamZone is the offset of times written on Vietnamese pages without a
// zone (Indochina Time, no daylight saving).
var vietnamZone = time.FixedZone("ICT", 7*3600)

// isoLayouts parse declared dates (meta tags, JSON-LD, <time datetime>).
var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05.000Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 Z0700",
	"2006-01-02 15:04:05 -0700 MST",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006/01/02 15:04:05",
	"2006/01/02",
	"20060102",
	time.RFC1123Z,
	time.RFC1123,
	time.RFC850,
	time.ANSIC,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"January 2, 2006",
	"Jan 2, 2006",
}

// parseDeclared parses a machine-readable date. It returns false for values
// it cannot read or that fall outside 1990 to 2100 (placeholders such as
// 0001-01-01 or epoch zero are not dates).
func parseDeclared(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, l := range isoLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return sane(t)
		}
	}
	// Unix seconds or milliseconds.
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && len(s) >= 9 {
		if len(s) >= 12 {
			n /= 1000
		}
		return sane(time.Unix(n, 0))
	}
	return time.Time{}, false
}

func sane(t time.Time) (time.Time, bool) {
	if t.Year() < 1990 || t.Year() > 2100 {
		return time.Time{}, false
	}
	return t.UTC(), true
}

var monthNames = map[string]time.Month{
	"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3,
	"apr": 4, "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7,
	"aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10,
	"october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}

// dateToken is a word or number of a visible date line.
type dateToken struct {
	s   string
	num int  // value when digits, else -1
	sep rune // the separator character that followed ('/', ':', '-', '.', ' ', 0)
}

func dateTokens(s string) []dateToken {
	var out []dateToken
	i := 0
	rs := []rune(s)
	for i < len(rs) {
		r := rs[i]
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			if len(out) > 0 && out[len(out)-1].sep == ' ' && r != ' ' {
				out[len(out)-1].sep = r
			}
			i++
			continue
		}
		j := i
		digit := unicode.IsDigit(r)
		for j < len(rs) && (unicode.IsDigit(rs[j]) == digit) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j])) {
			j++
		}
		t := dateToken{s: string(rs[i:j]), num: -1, sep: ' '}
		if j >= len(rs) {
			t.sep = 0
		} else if rs[j] != ' ' {
			t.sep = rs[j]
		}
		if digit && j-i <= 4 {
			t.num, _ = strconv.Atoi(t.s)
		}
		out = append(out, t)
		i = j
	}
	return out
}

// parseVisible finds a date written for readers in s, in the conventions
// of language lang: day/month/year for Vietnamese and most locales,
// month/day/year for US English ("en-us", and "en" without a region), month
// names in English. A time ("14:30", "14h30") after or before the date is
// kept; Vietnamese times are Indochina Time, others UTC. A date without a
// year ("Ngày 21/3") is not returned: guessing the year would be wrong
// every January.
func parseVisible(s, lang string) (time.Time, bool) {
	toks := dateTokens(s)
	monthFirst := lang == "en" || strings.HasPrefix(lang, "en-us")
	zone := time.UTC
	if strings.HasPrefix(lang, "vi") {
		zone = vietnamZone
	}
	for i := 0; i < len(toks); i++ {
		var y, mo, d int
		next := i
		switch {
		// 10/11/2021, 10-11-2021, 10.11.2021
		case i+2 < len(toks) && toks[i].num > 0 && toks[i+1].num > 0 && toks[i+2].num >= 1990 && len(toks[i+2].s) == 4 &&
			(toks[i].sep == '/' || toks[i].sep == '-' || toks[i].sep == '.') && toks[i+1].sep != ':' && toks[i].sep == toks[i+1].sep:
			a, b := toks[i].num, toks[i+1].num
			if monthFirst {
				a, b = b, a
			}
			d, mo, y = a, b, toks[i+2].num
			next = i + 3
		// 2021-11-10, 2021/11/10
		case i+2 < len(toks) && toks[i].num >= 1990 && len(toks[i].s) == 4 && toks[i+1].num > 0 && toks[i+2].num > 0 &&
			(toks[i].sep == '-' || toks[i].sep == '/' || toks[i].sep == '.') && toks[i].sep == toks[i+1].sep:
			y, mo, d = toks[i].num, toks[i+1].num, toks[i+2].num
			next = i + 3
		// November 19, 2019 / Nov 19 2019
		case i+2 < len(toks) && monthNames[strings.ToLower(toks[i].s)] > 0 && toks[i+1].num > 0 && toks[i+2].num >= 1990:
			mo, d, y = int(monthNames[strings.ToLower(toks[i].s)]), toks[i+1].num, toks[i+2].num
			next = i + 3
		// 19 November 2019
		case i+2 < len(toks) && toks[i].num > 0 && monthNames[strings.ToLower(toks[i+1].s)] > 0 && toks[i+2].num >= 1990:
			d, mo, y = toks[i].num, int(monthNames[strings.ToLower(toks[i+1].s)]), toks[i+2].num
			next = i + 3
		default:
			continue
		}
		if mo < 1 || mo > 12 || d < 1 || d > 31 || y > 2100 {
			continue
		}
		hh, mm := clockNear(toks, i, next)
		t := time.Date(y, time.Month(mo), d, hh, mm, 0, 0, zone)
		if t.Day() != d { // 31/02
			continue
		}
		if hh == 0 && mm == 0 {
			// A date alone is midnight UTC, whatever the locale.
			t = time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
		}
		return sane(t)
	}
	return time.Time{}, false
}

// clockNear finds "hh:mm" or "hh'h'mm" just after toks[next-1] or just
// before toks[start]; zero when there is none. "PM" after the time adds 12
// hours.
func clockNear(toks []dateToken, start, next int) (int, int) {
	try := func(i int) (int, int, bool) {
		if i < 0 || i+1 >= len(toks) {
			return 0, 0, false
		}
		h, mi := toks[i].num, i+1
		switch {
		case toks[i].sep == ':':
		case toks[i].sep == 'h' && strings.EqualFold(toks[i+1].s, "h") && i+2 < len(toks):
			mi = i + 2
		default:
			return 0, 0, false
		}
		m := toks[mi].num
		if h < 0 || h > 23 || m < 0 || m > 59 || len(toks[mi].s) != 2 {
			return 0, 0, false
		}
		if mi+1 < len(toks) {
			switch strings.ToLower(toks[mi+1].s) {
			case "pm":
				if h < 12 {
					h += 12
				}
			case "am":
				if h == 12 {
					h = 0
				}
			}
		}
		return h, m, true
	}
	for _, i := range []int{next, next + 1, start - 2, start - 3, start - 4} {
		if h, m, ok := try(i); ok {
			return h, m
		}
	}
	return 0, 0
}
