package workflow

import (
	"testing"
	"time"
	_ "time/tzdata" // the DST cases need Europe/Berlin even where the OS has no zoneinfo
)

func mustTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// Each row calls Next from "from", then again from each result, and expects
// the activations in want (in UTC).
func TestScheduleNext(t *testing.T) {
	tests := []struct {
		name string
		expr string
		from string
		want []string
	}{
		// Syntax.
		{"every minute", "* * * * *", "2026-01-01T00:00:30Z",
			[]string{"2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z"}},
		{"strictly after t", "0 * * * *", "2026-01-01T10:00:00Z",
			[]string{"2026-01-01T11:00:00Z", "2026-01-01T12:00:00Z"}},
		{"seconds are ignored", "* * * * *", "2026-01-01T10:00:59.999Z",
			[]string{"2026-01-01T10:01:00Z"}},
		{"single values", "30 9 * * *", "2026-01-01T09:30:00Z",
			[]string{"2026-01-02T09:30:00Z", "2026-01-03T09:30:00Z"}},
		{"list", "1,15 * * * *", "2026-01-01T00:00:00Z",
			[]string{"2026-01-01T00:01:00Z", "2026-01-01T00:15:00Z", "2026-01-01T01:01:00Z"}},
		{"range", "0 9-11 * * *", "2026-01-01T10:30:00Z",
			[]string{"2026-01-01T11:00:00Z", "2026-01-02T09:00:00Z", "2026-01-02T10:00:00Z"}},
		{"step", "*/15 * * * *", "2026-01-01T00:50:00Z",
			[]string{"2026-01-01T01:00:00Z", "2026-01-01T01:15:00Z", "2026-01-01T01:30:00Z"}},
		{"step over a range", "10-40/10 * * * *", "2026-01-01T00:35:00Z",
			[]string{"2026-01-01T00:40:00Z", "2026-01-01T01:10:00Z", "2026-01-01T01:20:00Z"}},
		{"step that does not divide 60", "*/25 * * * *", "2026-01-01T00:51:00Z",
			[]string{"2026-01-01T01:00:00Z", "2026-01-01T01:25:00Z", "2026-01-01T01:50:00Z", "2026-01-01T02:00:00Z"}},
		{"list of ranges and steps", "0 1-2,20-23/2 * * *", "2026-01-01T00:00:00Z",
			[]string{"2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z", "2026-01-01T20:00:00Z", "2026-01-01T22:00:00Z", "2026-01-02T01:00:00Z"}},
		{"month names", "0 0 1 jan,jul *", "2026-02-01T00:00:00Z",
			[]string{"2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z"}},
		{"day name range", "0 8 * * mon-fri", "2026-01-02T12:00:00Z", // a Friday
			[]string{"2026-01-05T08:00:00Z", "2026-01-06T08:00:00Z"}},
		{"names in any case", "0 0 * FEB Sun", "2026-01-01T00:00:00Z",
			[]string{"2026-02-01T00:00:00Z", "2026-02-08T00:00:00Z"}},
		{"7 is Sunday", "0 0 * * 7", "2026-01-01T00:00:00Z",
			[]string{"2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"}},
		{"range up to 7", "0 0 * * 5-7", "2026-01-01T00:00:00Z",
			[]string{"2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z", "2026-01-09T00:00:00Z"}},

		// Calendar.
		{"skips months without day 31", "0 0 31 * *", "2026-01-31T00:00:00Z",
			[]string{"2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z"}},
		{"year end", "59 23 31 12 *", "2026-06-01T00:00:00Z",
			[]string{"2026-12-31T23:59:00Z", "2027-12-31T23:59:00Z"}},
		{"across midnight into a new year", "0 0 * * *", "2026-12-31T23:59:59Z",
			[]string{"2027-01-01T00:00:00Z"}},
		{"leap day", "0 0 29 2 *", "2025-01-01T00:00:00Z",
			[]string{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}},

		// Day-of-month and day-of-week.
		{"both restricted: either matches", "0 0 13 * fri", "2026-04-01T00:00:00Z",
			[]string{"2026-04-03T00:00:00Z", "2026-04-10T00:00:00Z", "2026-04-13T00:00:00Z", "2026-04-17T00:00:00Z"}},
		{"day-of-week is *: day-of-month only", "0 0 13 * *", "2026-04-01T00:00:00Z",
			[]string{"2026-04-13T00:00:00Z", "2026-05-13T00:00:00Z"}},
		{"day-of-month is *: day-of-week only", "0 0 * * fri", "2026-04-01T00:00:00Z",
			[]string{"2026-04-03T00:00:00Z", "2026-04-10T00:00:00Z"}},
		{"a step is restricted, not *", "0 0 */10 * mon", "2026-05-31T12:00:00Z",
			[]string{"2026-06-01T00:00:00Z", "2026-06-08T00:00:00Z", "2026-06-11T00:00:00Z", "2026-06-15T00:00:00Z"}},
		{"a missing day still fires on the weekday", "0 0 30 2 mon", "2026-01-01T00:00:00Z",
			[]string{"2026-02-02T00:00:00Z", "2026-02-09T00:00:00Z"}},

		// Macros.
		{"@yearly", "@yearly", "2026-03-01T00:00:00Z", []string{"2027-01-01T00:00:00Z"}},
		{"@annually", "@annually", "2026-03-01T00:00:00Z", []string{"2027-01-01T00:00:00Z"}},
		{"@monthly", "@monthly", "2026-01-15T00:00:00Z",
			[]string{"2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"}},
		{"@weekly", "@weekly", "2026-01-01T00:00:00Z",
			[]string{"2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"}},
		{"@daily", "@daily", "2026-01-01T12:00:00Z", []string{"2026-01-02T00:00:00Z"}},
		{"@midnight", "@midnight", "2026-01-01T12:00:00Z", []string{"2026-01-02T00:00:00Z"}},
		{"@hourly", "@hourly", "2026-01-01T12:34:00Z",
			[]string{"2026-01-01T13:00:00Z", "2026-01-01T14:00:00Z"}},
		{"macros in any case", "@Daily", "2026-01-01T12:00:00Z", []string{"2026-01-02T00:00:00Z"}},

		// @every: t truncated to the minute, plus the interval.
		{"@every", "@every 6h", "2026-01-01T10:17:45Z",
			[]string{"2026-01-01T16:17:00Z", "2026-01-01T22:17:00Z", "2026-01-02T04:17:00Z"}},
		{"@every minute", "@every 1m", "2026-01-01T10:17:00Z",
			[]string{"2026-01-01T10:18:00Z", "2026-01-01T10:19:00Z"}},
		{"@every ignores the zone", "TZ=Europe/Berlin @every 1h30m", "2026-03-29T00:45:10Z",
			[]string{"2026-03-29T02:15:00Z", "2026-03-29T03:45:00Z"}},

		// Zones.
		{"t in another zone", "0 * * * *", "2026-01-01T00:30:00+05:00",
			[]string{"2025-12-31T20:00:00Z"}},
		{"TZ follows the zone's offset", "TZ=America/New_York 0 9 * * *", "2026-01-01T00:00:00Z",
			[]string{"2026-01-01T14:00:00Z", "2026-01-02T14:00:00Z"}},
		{"TZ in summer", "TZ=America/New_York 0 9 * * *", "2026-07-01T00:00:00Z",
			[]string{"2026-07-01T13:00:00Z"}},
		{"CRON_TZ and a date ahead of UTC", "CRON_TZ=Asia/Tokyo 0 9 1 1 *", "2025-12-31T12:00:00Z",
			[]string{"2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"}},
		{"TZ with a macro", "TZ=Europe/Berlin @daily", "2026-01-01T12:00:00Z",
			[]string{"2026-01-01T23:00:00Z", "2026-01-02T23:00:00Z"}},

		// Europe/Berlin springs forward at 2026-03-29 02:00 CET (01:00Z) to 03:00 CEST.
		{"spring forward: 02:30 does not exist that day", "TZ=Europe/Berlin 30 2 * * *", "2026-03-28T00:00:00Z",
			[]string{"2026-03-28T01:30:00Z", "2026-03-30T00:30:00Z"}},
		{"spring forward: steps jump the gap", "TZ=Europe/Berlin */30 * * * *", "2026-03-29T00:15:00Z",
			[]string{"2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z"}},

		// Europe/Berlin falls back at 2026-10-25 03:00 CEST (01:00Z) to 02:00 CET.
		{"fall back: 02:30 fires once", "TZ=Europe/Berlin 30 2 * * *", "2026-10-24T12:00:00Z",
			[]string{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}},
		{"fall back: the repeated hour fires once", "TZ=Europe/Berlin 0 * * * *", "2026-10-24T23:30:00Z",
			[]string{"2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z", "2026-10-25T03:00:00Z"}},
		{"fall back: from the first 02:50", "TZ=Europe/Berlin 45 2 * * *", "2026-10-25T00:50:00Z",
			[]string{"2026-10-26T01:45:00Z"}},
		{"fall back: from the second 02:10", "TZ=Europe/Berlin 45 2 * * *", "2026-10-25T01:10:00Z",
			[]string{"2026-10-26T01:45:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSchedule(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			from := mustTime(t, tt.from)
			for _, w := range tt.want {
				got := s.Next(from)
				if want := mustTime(t, w); !got.Equal(want) || got.Location() != time.UTC {
					t.Fatalf("ParseSchedule(%q).Next(%s) = %s; want %s", tt.expr, from.Format(time.RFC3339), got, want)
				}
				from = got
			}
		})
	}
}

func TestScheduleNextNone(t *testing.T) {
	tests := []struct {
		name string
		expr string
		from string
	}{
		{"February 30th", "0 0 30 2 *", "2026-01-01T00:00:00Z"},
		{"31st of a 30-day month", "0 0 31 4,6,9,11 *", "2026-01-01T00:00:00Z"},
		{"next leap day more than 5 years away", "0 0 29 2 *", "2096-03-01T00:00:00Z"}, // 2100 is not a leap year
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSchedule(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Next(mustTime(t, tt.from)); !got.IsZero() {
				t.Errorf("ParseSchedule(%q).Next(%s) = %s; want zero time", tt.expr, tt.from, got)
			}
		})
	}
	t.Run("zero Schedule", func(t *testing.T) {
		if got := (Schedule{}).Next(time.Now()); !got.IsZero() {
			t.Errorf("Schedule{}.Next(now) = %s; want zero time", got)
		}
	})
}

func TestParseScheduleErrors(t *testing.T) {
	tests := []struct {
		expr string
		want string
	}{
		{"", `schedule "": empty`},
		{"   ", `schedule "   ": empty`},
		{"* * * *", `schedule "* * * *": got 4 fields, want 5 (minute hour day-of-month month day-of-week)`},
		{"* * * * * *", `schedule "* * * * * *": got 6 fields, want 5 (minute hour day-of-month month day-of-week)`},

		{"61 * * * *", `schedule "61 * * * *": minute: 61 out of range 0-59`},
		{"99999 * * * *", `schedule "99999 * * * *": minute: 99999 out of range 0-59`},
		{"0 24 * * *", `schedule "0 24 * * *": hour: 24 out of range 0-23`},
		{"0 0 0 * *", `schedule "0 0 0 * *": day-of-month: 0 out of range 1-31`},
		{"0 0 32 * *", `schedule "0 0 32 * *": day-of-month: 32 out of range 1-31`},
		{"0 0 * 13 *", `schedule "0 0 * 13 *": month: 13 out of range 1-12`},
		{"0 0 * * 8", `schedule "0 0 * * 8": day-of-week: 8 out of range 0-7`},
		{"0 0 * * 1-8", `schedule "0 0 * * 1-8": day-of-week: 8 out of range 0-7`},

		{"*/0 * * * *", `schedule "*/0 * * * *": minute: step 0 in "*/0", want at least 1`},
		{"*/x * * * *", `schedule "*/x * * * *": minute: bad step "x" in "*/x"`},
		{"*/1/2 * * * *", `schedule "*/1/2 * * * *": minute: bad step "1/2" in "*/1/2"`},
		{"5/15 * * * *", `schedule "5/15 * * * *": minute: step in "5/15" needs * or a range before it`},
		{"5-1 * * * *", `schedule "5-1 * * * *": minute: reversed range "5-1"`},
		{"0 0 * * fri-mon", `schedule "0 0 * * fri-mon": day-of-week: reversed range "fri-mon"`},
		{"-5 * * * *", `schedule "-5 * * * *": minute: missing value in "-5"`},
		{"1- * * * *", `schedule "1- * * * *": minute: missing value in "1-"`},
		{"1,,2 * * * *", `schedule "1,,2 * * * *": minute: empty item in "1,,2"`},
		{"x * * * *", `schedule "x * * * *": minute: "x" is not a number`},
		{"+5 * * * *", `schedule "+5 * * * *": minute: "+5" is not a number`},
		{"0 0 * * mon", ""}, // control: names are fine where they belong
		{"0 mon * * *", `schedule "0 mon * * *": hour: "mon" is not a number`},
		{"0 0 * foo *", `schedule "0 0 * foo *": month: unknown name "foo"`},
		{"0 0 * jan-foo *", `schedule "0 0 * jan-foo *": month: unknown name "foo"`},
		{"0 0 * * funday", `schedule "0 0 * * funday": day-of-week: unknown name "funday"`},

		{"@fortnightly", `schedule "@fortnightly": unknown macro "@fortnightly"`},
		{"@daily 5", `schedule "@daily 5": @daily takes no fields`},
		{"@every", `schedule "@every": @every takes one duration, e.g. @every 6h`},
		{"@every 1h 2h", `schedule "@every 1h 2h": @every takes one duration, e.g. @every 6h`},
		{"@every soon", `schedule "@every soon": @every: time: invalid duration "soon"`},
		{"@every 30s", `schedule "@every 30s": @every: 30s is not a whole number of minutes of at least 1m`},
		{"@every 90s", `schedule "@every 90s": @every: 90s is not a whole number of minutes of at least 1m`},
		{"@every -1h", `schedule "@every -1h": @every: -1h is not a whole number of minutes of at least 1m`},

		{"TZ=Mars/Olympus 0 0 * * *", `schedule "TZ=Mars/Olympus 0 0 * * *": zone: unknown time zone Mars/Olympus`},
		{"CRON_TZ=Nowhere/Town @daily", `schedule "CRON_TZ=Nowhere/Town @daily": zone: unknown time zone Nowhere/Town`},
		{"TZ= 0 0 * * *", `schedule "TZ= 0 0 * * *": empty time zone`},
		{"TZ=Europe/Berlin", `schedule "TZ=Europe/Berlin": empty`},
		{"TZ=Europe/Berlin 0 0 * *", `schedule "TZ=Europe/Berlin 0 0 * *": got 4 fields, want 5 (minute hour day-of-month month day-of-week)`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			_, err := ParseSchedule(tt.expr)
			var got string
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("ParseSchedule(%q) error = %q; want %q", tt.expr, got, tt.want)
			}
		})
	}
}

func TestScheduleString(t *testing.T) {
	for _, expr := range []string{"*/15 * * * *", "TZ=Europe/Berlin  0 9 * * mon-fri", "@every 6h", "@Daily"} {
		s, err := ParseSchedule(expr)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.String(); got != expr {
			t.Errorf("ParseSchedule(%q).String() = %q; want %q", expr, got, expr)
		}
	}
}

// BenchmarkScheduleNext measures the slowest search: one that finds nothing
// in 5 years.
func BenchmarkScheduleNext(b *testing.B) {
	s, err := ParseSchedule("TZ=Europe/Berlin 0 0 30 2 *")
	if err != nil {
		b.Fatal(err)
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		if !s.Next(from).IsZero() {
			b.Fatal("want zero time")
		}
	}
}
