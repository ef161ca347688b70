package workflow

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed cron expression. The zero Schedule never fires.
type Schedule struct {
	expr  string
	loc   *time.Location
	every time.Duration // > 0 for "@every <d>"; the fields below are then unused

	minute, hour, dom, month, dow uint64 // bit v set when value v matches
	domStar, dowStar              bool   // the field was written as "*"
}

// cronField describes one of the five fields of a cron expression.
type cronField struct {
	name     string
	min, max int
	names    []string // names[i] stands for min+i, e.g. "jan" for 1
}

var cronFields = [5]cronField{
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day-of-month", min: 1, max: 31},
	{name: "month", min: 1, max: 12,
		names: []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	// 7 is Sunday as well as 0.
	{name: "day-of-week", min: 0, max: 7,
		names: []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}

var cronMacros = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
}

// ParseSchedule parses a standard 5-field cron expression
// (minute hour day-of-month month day-of-week), with *, lists (1,15),
// ranges (1-5), steps (*/15, 10-40/10), month names (jan-dec) and day names
// (sun-sat; 0 and 7 both mean Sunday). Names and macros are case-insensitive.
// A step needs * or a range before it: write 10-59/15, not 10/15.
//
// It also takes the macros @yearly (@annually), @monthly, @weekly,
// @daily (@midnight) and @hourly, and "@every <Go duration>", where the
// duration is a whole number of minutes, at least 1m.
//
// An optional leading "TZ=<IANA zone> " or "CRON_TZ=<IANA zone> " sets the
// zone the fields are read in; the default is UTC.
func ParseSchedule(expr string) (Schedule, error) {
	s, err := parseSchedule(expr)
	if err != nil {
		return Schedule{}, fmt.Errorf("schedule %q: %w", expr, err)
	}
	return s, nil
}

func parseSchedule(expr string) (Schedule, error) {
	s := Schedule{expr: expr, loc: time.UTC}
	fields := strings.Fields(expr)
	if len(fields) > 0 {
		zone, ok := strings.CutPrefix(fields[0], "TZ=")
		if !ok {
			zone, ok = strings.CutPrefix(fields[0], "CRON_TZ=")
		}
		if ok {
			if zone == "" {
				return Schedule{}, errors.New("empty time zone")
			}
			loc, err := time.LoadLocation(zone)
			if err != nil {
				return Schedule{}, fmt.Errorf("zone: %w", err)
			}
			s.loc = loc
			fields = fields[1:]
		}
	}
	if len(fields) == 0 {
		return Schedule{}, errors.New("empty")
	}

	if strings.HasPrefix(fields[0], "@") {
		macro := strings.ToLower(fields[0])
		if macro == "@every" {
			if len(fields) != 2 {
				return Schedule{}, errors.New("@every takes one duration, e.g. @every 6h")
			}
			d, err := time.ParseDuration(fields[1])
			if err != nil {
				return Schedule{}, fmt.Errorf("@every: %w", err)
			}
			if d < time.Minute || d%time.Minute != 0 {
				return Schedule{}, fmt.Errorf("@every: %s is not a whole number of minutes of at least 1m", fields[1])
			}
			s.every = d
			return s, nil
		}
		spec, ok := cronMacros[macro]
		if !ok {
			return Schedule{}, fmt.Errorf("unknown macro %q", fields[0])
		}
		if len(fields) != 1 {
			return Schedule{}, fmt.Errorf("%s takes no fields", fields[0])
		}
		fields = strings.Fields(spec)
	}

	if len(fields) != len(cronFields) {
		return Schedule{}, fmt.Errorf("got %d fields, want 5 (minute hour day-of-month month day-of-week)", len(fields))
	}
	sets := make([]uint64, len(cronFields))
	for i, f := range cronFields {
		set, err := f.parse(fields[i])
		if err != nil {
			return Schedule{}, fmt.Errorf("%s: %w", f.name, err)
		}
		sets[i] = set
	}
	s.minute, s.hour, s.dom, s.month, s.dow = sets[0], sets[1], sets[2], sets[3], sets[4]
	s.domStar, s.dowStar = fields[2] == "*", fields[4] == "*"
	return s, nil
}

// parse reads one field: a comma-separated list of items.
func (f cronField) parse(text string) (uint64, error) {
	var set uint64
	for item := range strings.SplitSeq(text, ",") {
		if item == "" {
			return 0, fmt.Errorf("empty item in %q", text)
		}
		bits, err := f.parseItem(item)
		if err != nil {
			return 0, err
		}
		set |= bits
	}
	return set, nil
}

// parseItem reads one item of a list: "*", "v", "lo-hi", "*/step" or "lo-hi/step".
func (f cronField) parseItem(item string) (uint64, error) {
	rng, stepText, hasStep := strings.Cut(item, "/")
	lo, hi := f.min, f.max
	if rng != "*" {
		loText, hiText, isRange := strings.Cut(rng, "-")
		if loText == "" || (isRange && hiText == "") {
			return 0, fmt.Errorf("missing value in %q", item)
		}
		if hasStep && !isRange {
			return 0, fmt.Errorf("step in %q needs * or a range before it", item)
		}
		var err error
		if lo, err = f.value(loText); err != nil {
			return 0, err
		}
		hi = lo
		if isRange {
			if hi, err = f.value(hiText); err != nil {
				return 0, err
			}
			if hi < lo {
				return 0, fmt.Errorf("reversed range %q", rng)
			}
		}
	}

	step := 1
	if hasStep {
		n, err := strconv.ParseUint(stepText, 10, 8)
		if err != nil {
			return 0, fmt.Errorf("bad step %q in %q", stepText, item)
		}
		if n == 0 {
			return 0, fmt.Errorf("step 0 in %q, want at least 1", item)
		}
		step = int(n)
	}

	var bits uint64
	for v := lo; v <= hi; v += step {
		bit := v
		if f.name == "day-of-week" {
			bit %= 7 // 7 is Sunday too
		}
		bits |= 1 << bit
	}
	return bits, nil
}

// value reads a number or, for month and day-of-week, a name.
func (f cronField) value(text string) (int, error) {
	if i := slices.Index(f.names, strings.ToLower(text)); i >= 0 {
		return f.min + i, nil
	}
	n, err := strconv.ParseUint(text, 10, 16)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("%s out of range %d-%d", text, f.min, f.max)
	case err != nil && f.names != nil:
		return 0, fmt.Errorf("unknown name %q", text)
	case err != nil:
		return 0, fmt.Errorf("%q is not a number", text)
	case int(n) < f.min || int(n) > f.max:
		return 0, fmt.Errorf("%d out of range %d-%d", n, f.min, f.max)
	}
	return int(n), nil
}

// Next returns the first activation strictly after t, in UTC, or the zero
// time if there is none within 5 years (e.g. "0 0 30 2 *").
//
// The fields are matched against the wall clock in the schedule's zone, at
// second 0. As in Vixie cron, when both day-of-month and day-of-week are
// restricted (neither is "*"), a day matches if either one does. Across
// daylight saving time changes each wall-clock activation fires at most once:
// a time that does not exist (spring forward) is skipped, and a time that
// happens twice (fall back) fires only the first time. So "*/15 * * * *" in
// Europe/Berlin does not fire during the repeated hour.
//
// For "@every d", Next(t) is t truncated to the minute, plus d: the interval
// counts from whenever the caller asks, and ignores the zone.
func (s Schedule) Next(t time.Time) time.Time {
	if s.every > 0 {
		return t.Truncate(time.Minute).Add(s.every).UTC()
	}
	loc := s.loc
	if loc == nil {
		loc = time.UTC
	}

	// wall walks the wall clock in loc. It is held in UTC, where every day has
	// 24 hours, and turned into an instant only once all fields match.
	local := t.In(loc)
	wall := time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), local.Minute()+1, 0, 0, time.UTC)
	end := wall.AddDate(5, 0, 0)
	for !wall.After(end) {
		y, mo, d := wall.Date()
		switch {
		case !has(s.month, int(mo)):
			wall = time.Date(y, mo+1, 1, 0, 0, 0, 0, time.UTC)
		case !s.dayMatches(wall):
			wall = time.Date(y, mo, d+1, 0, 0, 0, 0, time.UTC)
		case !has(s.hour, wall.Hour()):
			wall = time.Date(y, mo, d, wall.Hour()+1, 0, 0, 0, time.UTC)
		case !has(s.minute, wall.Minute()):
			wall = wall.Add(time.Minute)
		default:
			if at, ok := firstInstant(wall, loc); ok && at.After(t) {
				return at.UTC()
			}
			wall = wall.Add(time.Minute)
		}
	}
	return time.Time{}
}

// dayMatches applies the day-of-month and day-of-week fields to the date of wall.
func (s Schedule) dayMatches(wall time.Time) bool {
	dom := has(s.dom, wall.Day())
	dow := has(s.dow, int(wall.Weekday()))
	if s.domStar || s.dowStar {
		return dom && dow
	}
	return dom || dow
}

func has(set uint64, v int) bool {
	return set&(1<<v) != 0
}

// firstInstant returns the earliest instant whose wall clock in loc reads
// wall (a time held in UTC), and false if there is none because the clocks
// jumped over it.
func firstInstant(wall time.Time, loc *time.Location) (time.Time, bool) {
	var first time.Time
	found := false
	// The offsets in effect a day either side cover any one zone transition.
	for _, probe := range []time.Time{wall.Add(-24 * time.Hour), wall, wall.Add(24 * time.Hour)} {
		_, offset := probe.In(loc).Zone()
		at := wall.Add(-time.Duration(offset) * time.Second)
		if !sameWallClock(at.In(loc), wall) {
			continue
		}
		if !found || at.Before(first) {
			first, found = at, true
		}
	}
	return first, found
}

func sameWallClock(a, b time.Time) bool {
	ay, amo, ad := a.Date()
	by, bmo, bd := b.Date()
	return ay == by && amo == bmo && ad == bd && a.Hour() == b.Hour() && a.Minute() == b.Minute()
}

// String returns the expression as given.
func (s Schedule) String() string {
	return s.expr
}
