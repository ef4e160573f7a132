package clean

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Date lines: a line that holds nothing but a date, optionally labelled
// ("Published:", "Cập nhật"), with a weekday ("Thứ Tư,") and a time
// ("14:30 GMT+7"). Numeric dates are day first ("10/11/2021" is 10
// November), as written in Vietnam, Europe and most of the world, unless the
// language hint is en-US; a date without a year ("Ngày 21/3") is no date.

var (
	reNumDMY  = regexp.MustCompile(`^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\b(.*)$`)
	reNumYMD  = regexp.MustCompile(`^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})\b(.*)$`)
	reViDate  = regexp.MustCompile(`^(?:ngày\s+)?(\d{1,2})\s+tháng\s+(\d{1,2})(?:\s*,\s*|\s+năm\s+|\s+)(\d{4})\b(.*)$`)
	reNameDMY = regexp.MustCompile(`^(\d{1,2})(?:st|nd|rd|th|er)?\.?\s+(?:of\s+|de\s+)?(\pL+)\.?,?\s+(?:de\s+)?(\d{4})\b(.*)$`)
	reNameMDY = regexp.MustCompile(`^(\pL+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b(.*)$`)
	reLeadTm  = regexp.MustCompile(`^(\d{1,2})[:h](\d{2})(?::\d{2})?\s*(?:([ap])\.?m\.?)?\s*[,|\-–—]?\s*`)
	reRest    = regexp.MustCompile(`^[\s,|\-–—]*(?:(?:lúc|at|à|pukul|um|a las)\s+)?(?:(\d{1,2})[:h](\d{2})(?::(\d{2}))?\s*(?:([ap])\.?m\.?)?)?\s*(?:\(?(?:gmt|utc)\s*(?:([+-])(\d{1,2})(?::?(\d{2}))?)?\)?|ict|wib|wita|wit|cet|cest|est|edt|cst|cdt|pst|pdt|bst|ist|jst|kst|sgt|hkt|aest)?\s*\)?$`)
)

// dateMaxWords bounds a date line: longer lines are sentences that mention
// a date.
const dateMaxWords = 12

// parseDateLine parses a line that is only a date. usOrder reads numeric
// dates month first. The result is midnight UTC for a date alone, and the
// exact instant when a time with an explicit UTC offset is given.
func (rs *ruleSet) parseDateLine(line string, usOrder bool) (time.Time, bool) {
	if words(line) > dateMaxWords || !hasYear(line) {
		return time.Time{}, false
	}
	s := strings.ToLower(strings.Trim(line, " ()[]|-–—•·"))
	s = strings.TrimSuffix(s, ".")
	if t, err := time.Parse(time.RFC3339, strings.ToUpper(s)); err == nil {
		return t.UTC(), true
	}
	s = rs.stripDatePrefix(s)
	// A time may come first: "14:30 10/11/2021".
	var lead []string
	if m := reLeadTm.FindStringSubmatch(s); m != nil && len(m[0]) < len(s) {
		lead = m
		s = s[len(m[0]):]
		s = rs.stripDatePrefix(s)
	}
	var y, mo, d int
	var rest string
	switch {
	case reNumYMD.MatchString(s):
		m := reNumYMD.FindStringSubmatch(s)
		y, mo, d, rest = atoi(m[1]), atoi(m[2]), atoi(m[3]), m[4]
	case reNumDMY.MatchString(s):
		m := reNumDMY.FindStringSubmatch(s)
		d, mo, y, rest = atoi(m[1]), atoi(m[2]), atoi(m[3]), m[4]
		if usOrder && d <= 12 {
			d, mo = mo, d
		}
	case reViDate.MatchString(s):
		m := reViDate.FindStringSubmatch(s)
		d, mo, y, rest = atoi(m[1]), atoi(m[2]), atoi(m[3]), m[4]
	case reNameDMY.MatchString(s):
		m := reNameDMY.FindStringSubmatch(s)
		n, ok := rs.months[m[2]]
		if !ok {
			return time.Time{}, false
		}
		d, mo, y, rest = atoi(m[1]), n, atoi(m[3]), m[4]
	case reNameMDY.MatchString(s):
		m := reNameMDY.FindStringSubmatch(s)
		n, ok := rs.months[m[1]]
		if !ok {
			return time.Time{}, false
		}
		mo, d, y, rest = n, atoi(m[2]), atoi(m[3]), m[4]
	default:
		return time.Time{}, false
	}
	if y < 1900 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	date := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if date.Day() != d { // 31/02 rolls over: not a date
		return time.Time{}, false
	}
	rm := reRest.FindStringSubmatch(rest)
	if rm == nil {
		return time.Time{}, false
	}
	hh, mm, ampm := rm[1], rm[2], rm[4]
	if hh == "" && lead != nil {
		hh, mm, ampm = lead[1], lead[2], lead[3]
	}
	if hh == "" || rm[5] == "" {
		// No time, or a time without an explicit offset: the instant is
		// unknown, so the date alone is kept.
		return date, true
	}
	h, mi := atoi(hh), atoi(mm)
	if ampm == "p" && h < 12 {
		h += 12
	} else if ampm == "a" && h == 12 {
		h = 0
	}
	offH, offM := atoi(rm[6]), atoi(rm[7])
	if h > 23 || mi > 59 || offH > 14 || offM > 59 {
		return date, true
	}
	off := offH*3600 + offM*60
	if rm[5] == "-" {
		off = -off
	}
	t := time.Date(y, time.Month(mo), d, h, mi, 0, 0, time.FixedZone("", off))
	return t.UTC(), true
}

// stripDatePrefix removes a label and a weekday from the start of s (lower
// case).
func (rs *ruleSet) stripDatePrefix(s string) string {
	for _, l := range rs.dateLabels {
		if rest, ok := cutWord(s, l); ok {
			s = rest
			break
		}
	}
	for _, w := range rs.weekdays {
		if rest, ok := cutWord(s, w); ok {
			s = rest
			break
		}
	}
	return s
}

// cutWord removes prefix p from s when it is followed by a separator, and
// the separators after it.
func cutWord(s, p string) (string, bool) {
	if !strings.HasPrefix(s, p) || len(s) == len(p) {
		return s, false
	}
	rest := s[len(p):]
	if !strings.ContainsAny(rest[:1], " ,:|-") {
		return s, false
	}
	return strings.TrimLeft(rest, " ,:|-–—"), true
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}

// hasYear reports whether s holds four digits in a row: every date line
// does, and most lines that are not dates do not.
func hasYear(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			if run++; run == 4 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}
