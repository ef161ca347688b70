package ui

import (
	"encoding/xml"
	"flag"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// chartCases are rendered and compared with testdata/charts/<name>.svg.
var chartCases = []struct {
	name  string
	chart func() template.HTML
}{
	{"bar_two_weeks", func() template.HTML {
		return BarChart(twoWeeks(), ChartOptions{})
	}},
	{"bar_titled_posts", func() template.HTML {
		return BarChart(twoWeeks(), ChartOptions{Width: 480, Height: 200, Unit: "posts", Title: "Posts per day"})
	}},
	{"bar_hours", func() template.HTML {
		return BarChart(hours("2024-03-30T07", 60, func(i int) int { return (i * 37) % 23 }), ChartOptions{})
	}},
	{"bar_400_days_millions", func() template.HTML {
		return BarChart(days("2023-01-01", 400, func(i int) int { return 1_000_000 + (i*7919)%2_400_000 }), ChartOptions{Width: 900})
	}},
	{"bar_one_point", func() template.HTML {
		return BarChart([]Point{{"2024-01-01", 1}}, ChartOptions{})
	}},
	{"bar_all_zero", func() template.HTML {
		return BarChart(FillDays(nil, "2024-01-01", "2024-01-07"), ChartOptions{})
	}},
	{"bar_empty", func() template.HTML {
		return BarChart(nil, ChartOptions{})
	}},
	{"line_three_series", func() template.HTML {
		return LineChart([]Series{
			{Name: "climate", Href: "/clusters/1", Points: days("2024-01-01", 14, func(i int) int { return 3 + i%5*2 })},
			{Name: "elections", Href: "https://example.org/e?a=1&b=2", Points: days("2024-01-03", 12, func(i int) int { return 10 - i%7 })},
			{Name: "", Points: days("2024-01-01", 14, func(i int) int { return (i * 3) % 4 })},
		}, ChartOptions{Title: "Top clusters"})
	}},
	{"line_many_series", func() template.HTML {
		var series []Series
		for s := range 9 {
			series = append(series, Series{
				Name:   fmt.Sprintf("cluster number %d with a long name", s+1),
				Points: days("2024-01-01", 90, func(i int) int { return (i*(s+3) + s*11) % 40 }),
			})
		}
		return LineChart(series, ChartOptions{Width: 800, Height: 320})
	}},
	{"line_small_grows_for_legend", func() template.HTML {
		var series []Series
		for s := range 4 {
			series = append(series, Series{Name: fmt.Sprintf("series %d", s+1), Points: days("2024-01-01", 10, func(i int) int { return i * s })})
		}
		return LineChart(series, ChartOptions{Width: 200, Height: 120, Title: "Small"})
	}},
	{"line_empty", func() template.HTML {
		return LineChart([]Series{{Name: "nothing"}}, ChartOptions{})
	}},
	{"sparkline", func() template.HTML {
		return Sparkline([]int{3, 5, 2, 8, 13, 9, 4, 6, 0, 7}, 0, 0)
	}},
	{"sparkline_one_value", func() template.HTML {
		return Sparkline([]int{4}, 80, 20)
	}},
	{"sparkline_empty", func() template.HTML {
		return Sparkline(nil, 120, 24)
	}},
}

func TestChartGolden(t *testing.T) {
	for _, tc := range chartCases {
		t.Run(tc.name, func(t *testing.T) {
			got := []byte(tc.chart())
			path := filepath.Join("testdata", "charts", tc.name+".svg")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./ui -run Chart -update)", err)
			}
			if string(got) != string(want) {
				t.Errorf("%s differs from %s; run go test ./ui -run Chart -update and review the diff", tc.name, path)
			}
		})
	}
}

func TestChartWellFormed(t *testing.T) {
	for _, tc := range chartCases {
		t.Run(tc.name, func(t *testing.T) {
			root := parseSVG(t, tc.chart())
			for _, attr := range []string{"width", "height", "viewBox", "aria-label"} {
				if root.attr[attr] == "" {
					t.Errorf("<svg> has no %s", attr)
				}
			}
			if root.attr["role"] != "img" {
				t.Errorf("<svg role=%q>; want img", root.attr["role"])
			}
			if want := "0 0 " + root.attr["width"] + " " + root.attr["height"]; root.attr["viewBox"] != want {
				t.Errorf("<svg viewBox=%q>; want %q", root.attr["viewBox"], want)
			}
			height, _ := strconv.ParseFloat(root.attr["height"], 64)
			root.walk(func(e *element) {
				if e.name != "text" {
					return
				}
				bottom, _ := strconv.ParseFloat(e.attr["y"], 64)
				for _, c := range e.children { // the second line of an x label
					dy, _ := strconv.ParseFloat(c.attr["dy"], 64)
					bottom += dy
				}
				if bottom > height-2 {
					t.Errorf("text %q at y=%v is cut off by the height %v", e.text, bottom, height)
				}
			})
		})
	}
}

func TestChartAriaLabel(t *testing.T) {
	tests := []struct {
		name  string
		chart template.HTML
		want  string
	}{
		{"bar", BarChart(twoWeeks(), ChartOptions{}),
			"42 items from 2024-01-01 to 2024-01-14, peak 9 on 2024-01-05"},
		{"bar titled", BarChart(twoWeeks(), ChartOptions{Unit: "posts", Title: "Posts"}),
			"Posts: 42 posts from 2024-01-01 to 2024-01-14, peak 9 on 2024-01-05"},
		{"bar one point", BarChart([]Point{{"2024-01-01", 1}}, ChartOptions{}),
			"1 item on 2024-01-01"},
		{"bar all zero", BarChart(FillDays(nil, "2024-01-01", "2024-01-03"), ChartOptions{}),
			"0 items from 2024-01-01 to 2024-01-03"},
		{"bar negative clamped", BarChart([]Point{{"2024-01-01", -5}, {"2024-01-02", 2}}, ChartOptions{}),
			"2 items from 2024-01-01 to 2024-01-02, peak 2 on 2024-01-02"},
		{"bar empty", BarChart(nil, ChartOptions{}), "no data"},
		{"line", LineChart([]Series{
			{Name: "a", Points: []Point{{"2024-01-01", 1}, {"2024-01-02", 3}}},
			{Name: "b", Points: []Point{{"2024-01-02", 1_500}}},
		}, ChartOptions{}),
			"2 series: a 4 items from 2024-01-01 to 2024-01-02, peak 3 on 2024-01-02; " +
				"b 1,500 items from 2024-01-01 to 2024-01-02, peak 1,500 on 2024-01-02"},
		{"line empty", LineChart(nil, ChartOptions{}), "no data"},
		{"sparkline", Sparkline([]int{1, 9, 4}, 0, 0), "3 values, last 4, peak 9"},
		{"sparkline empty", Sparkline(nil, 0, 0), "no data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseSVG(t, tt.chart).attr["aria-label"]; got != tt.want {
				t.Errorf("aria-label = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestChartTooltips(t *testing.T) {
	bar := parseSVG(t, BarChart(twoWeeks(), ChartOptions{}))
	if got := bar.titles(); len(got) != 14 || got[2] != "2024-01-03: 2 items" || got[4] != "2024-01-05: 9 items" {
		t.Errorf("BarChart tooltips = %q; want 14 like \"2024-01-03: 2 items\"", got)
	}

	line := parseSVG(t, LineChart([]Series{
		{Name: "a", Points: []Point{{"2024-01-01", 1}, {"2024-01-03", 3}}},
		{Name: "b", Points: []Point{{"2024-01-02", 1}}},
	}, ChartOptions{}))
	want := []string{
		"a — 2024-01-01: 1 item", "a — 2024-01-02: 0 items", "a — 2024-01-03: 3 items",
		"b — 2024-01-01: 0 items", "b — 2024-01-02: 1 item", "b — 2024-01-03: 0 items",
	}
	if got := line.titles(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("LineChart tooltips = %q; want %q", got, want)
	}
}

func TestChartHostileText(t *testing.T) {
	hostile := []string{
		`<script>alert(1)</script>`,
		`"><img src=x onerror=alert(1)>`,
		`' onmouseover='alert(1)`,
		"nul\x00 and bell\x07 and bad utf-8 \xff",
		`%s %d %!`,
	}
	var charts []template.HTML
	for _, h := range hostile {
		opt := ChartOptions{Title: h, Unit: h}
		charts = append(charts,
			BarChart([]Point{{h, 3}, {"2024-01-02", 1}}, opt),
			LineChart([]Series{{Name: h, Href: h, Points: []Point{{h, 2}}}}, opt),
		)
	}
	charts = append(charts, LineChart([]Series{
		{Name: "js", Href: "javascript:alert(1)", Points: []Point{{"2024-01-01", 1}}},
		{Name: "JS", Href: "JavaScript:alert(1)", Points: []Point{{"2024-01-01", 1}}},
		{Name: "tab", Href: "java\tscript:alert(1)", Points: []Point{{"2024-01-01", 1}}},
		{Name: "space", Href: " javascript:alert(1)", Points: []Point{{"2024-01-01", 1}}},
		{Name: "data", Href: "data:text/html,<script>alert(1)</script>", Points: []Point{{"2024-01-01", 1}}},
	}, ChartOptions{}))

	for i, chart := range charts {
		s := string(chart)
		for _, bad := range []string{"<script", "<img", "style="} {
			if strings.Contains(strings.ToLower(s), bad) {
				t.Errorf("chart %d contains %q:\n%s", i, bad, s)
			}
		}
		parseSVG(t, chart).walk(func(e *element) {
			if e.name == "script" || e.name == "img" || e.name == "style" || e.name == "foreignObject" {
				t.Errorf("chart %d has a <%s> element", i, e.name)
			}
			for name, value := range e.attr {
				if strings.HasPrefix(strings.ToLower(name), "on") {
					t.Errorf("chart %d: <%s> has attribute %s=%q", i, e.name, name, value)
				}
				if name == "href" {
					if _, ok := safeHref(value); !ok || strings.Contains(strings.ToLower(value), "script:") {
						t.Errorf("chart %d links %q", i, value)
					}
				}
			}
		})
	}

	// The hostile text is still there, as text.
	line := parseSVG(t, LineChart([]Series{{Name: hostile[0], Points: []Point{{"2024-01-01", 1}}}}, ChartOptions{}))
	if got := line.titles(); len(got) != 1 || got[0] != "<script>alert(1)</script> — 2024-01-01: 1 item" {
		t.Errorf("tooltip = %q; want the name as text", got)
	}
}

func TestSafeHref(t *testing.T) {
	tests := []struct {
		href string
		ok   bool
	}{
		{"", false},
		{"/clusters/7", true},
		{"clusters/7?day=2024-01-01", true},
		{"https://example.org/x", true},
		{"http://example.org/x", true},
		{"javascript:alert(1)", false},
		{"JAVASCRIPT:alert(1)", false},
		{"java\tscript:alert(1)", false},
		{" javascript:alert(1)", false},
		{"data:text/html,x", false},
		{"vbscript:x", false},
	}
	for _, tt := range tests {
		if _, ok := safeHref(tt.href); ok != tt.ok {
			t.Errorf("safeHref(%q) ok = %v; want %v", tt.href, ok, tt.ok)
		}
	}
}

func TestNiceTicks(t *testing.T) {
	nice := map[int]bool{}
	for p := 1; p <= 1e9; p *= 10 {
		nice[p], nice[2*p], nice[5*p] = true, true, true
	}
	peaks := []int{0, 1, 2, 3, 7, 9, 10, 11, 42, 99, 100, 101, 999, 1234, 98_765, 1_000_000, 2_345_678, 999_999_999}
	for _, peak := range peaks {
		for target := 2; target <= 6; target++ {
			ticks := niceTicks(peak, target)
			step := ticks[1] - ticks[0]
			top := ticks[len(ticks)-1]
			switch {
			case ticks[0] != 0:
				t.Errorf("niceTicks(%d, %d) = %v; want it to start at 0", peak, target, ticks)
			case !nice[step]:
				t.Errorf("niceTicks(%d, %d) = %v; step %d is not 1, 2 or 5 times a power of ten", peak, target, ticks, step)
			case len(ticks) > target+1:
				t.Errorf("niceTicks(%d, %d) = %v; want at most %d ticks", peak, target, ticks, target+1)
			case top < peak || top-step >= max(peak, 1):
				t.Errorf("niceTicks(%d, %d) = %v; want the last tick to be the first at or above the peak", peak, target, ticks)
			}
			for i := range ticks {
				if ticks[i] != i*step {
					t.Errorf("niceTicks(%d, %d) = %v; want even steps", peak, target, ticks)
					break
				}
			}
		}
	}
}

func TestFormatTick(t *testing.T) {
	tests := []struct {
		v    int
		want string
	}{
		{0, "0"}, {5, "5"}, {950, "950"}, {1_000, "1k"}, {1_200, "1.2k"}, {1_050, "1.05k"},
		{25_000, "25k"}, {1_000_000, "1M"}, {3_400_000, "3.4M"}, {2_500_000_000, "2.5B"},
	}
	for _, tt := range tests {
		if got := formatTick(tt.v); got != tt.want {
			t.Errorf("formatTick(%d) = %q; want %q", tt.v, got, tt.want)
		}
	}
}

func TestFillDays(t *testing.T) {
	counts := map[string]int{"2024-01-31": 4, "2024-02-01": 2, "2024-02-29": 9, "2023-12-31": 1, "2024-03-31": 6}
	tests := []struct {
		name        string
		first, last string
		want        string
	}{
		{"month boundary", "2024-01-30", "2024-02-02", "2024-01-30:0 2024-01-31:4 2024-02-01:2 2024-02-02:0"},
		{"leap day", "2024-02-28", "2024-03-01", "2024-02-28:0 2024-02-29:9 2024-03-01:0"},
		{"year boundary", "2023-12-31", "2024-01-01", "2023-12-31:1 2024-01-01:0"},
		{"european dst change is one ordinary day", "2024-03-30", "2024-04-01", "2024-03-30:0 2024-03-31:6 2024-04-01:0"},
		{"american dst change", "2024-11-02", "2024-11-04", "2024-11-02:0 2024-11-03:0 2024-11-04:0"},
		{"one day", "2024-02-29", "2024-02-29", "2024-02-29:9"},
		{"first after last", "2024-02-02", "2024-02-01", ""},
		{"unparsable first", "2024-2-1", "2024-02-02", ""},
		{"unparsable last", "2024-02-01", "tomorrow", ""},
		{"hour is not a day", "2024-02-01T10", "2024-02-02", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range FillDays(counts, tt.first, tt.last) {
				got = append(got, fmt.Sprintf("%s:%d", p.Label, p.Value))
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("FillDays(counts, %q, %q) = %q; want %q", tt.first, tt.last, strings.Join(got, " "), tt.want)
			}
		})
	}
	if n := len(FillDays(nil, "2023-01-01", "2024-12-31")); n != 731 {
		t.Errorf("FillDays over 2023 and 2024 has %d days; want 731", n)
	}
}

func TestXLabelsThinning(t *testing.T) {
	for _, width := range []int{200, 320, 640, 1000, 1600} {
		for n := 1; n <= 500; n += 7 {
			for _, kind := range []string{"days", "hours"} {
				points := days("2024-01-01", n, func(int) int { return 1 })
				if kind == "hours" {
					points = hours("2024-01-01T05", n, func(int) int { return 1 })
				}
				chart := BarChart(points, ChartOptions{Width: width})
				shown := strings.Count(string(chart), `class="x-label"`)
				if shown < 1 || shown > width/50 {
					t.Errorf("BarChart(%d %s, width %d) shows %d x labels; want 1 to %d", n, kind, width, shown, width/50)
				}

				p := newPlot(ChartOptions{Width: width, Height: 240}, pointLabels(points), 1, 0)
				labels := xLabels(p.labels, p.slot(), width)
				for i := 1; i < len(labels); i++ {
					a, b := labels[i-1], labels[i]
					room := p.x(b.index) - p.x(a.index)
					need := float64(max(len(a.line1), len(b.line1), len(a.line2), len(b.line2))) * charPx
					if room < need {
						t.Errorf("width %d, %d %s: labels %q and %q are %.1fpx apart; want at least %.1fpx",
							width, n, kind, a.line1, b.line1, room, need)
					}
				}
			}
		}
	}
}

func TestXLabelsAlignHoursOnTheClock(t *testing.T) {
	labels := pointLabels(hours("2024-01-01T05", 48, func(int) int { return 0 }))
	var got []string
	for _, l := range xLabels(labels, 600.0/48, 640) {
		got = append(got, l.line1+"/"+l.line2)
	}
	want := "06:00/Jan 1 12:00/ 18:00/ 00:00/Jan 2 06:00/ 12:00/ 18:00/ 00:00/Jan 3"
	if strings.Join(got, " ") != want {
		t.Errorf("x labels = %q; want %q", strings.Join(got, " "), want)
	}
}

// element is a parsed SVG element, enough to check structure and attributes.
type element struct {
	name     string
	attr     map[string]string
	text     string
	children []*element
}

func parseSVG(t *testing.T, chart template.HTML) *element {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(string(chart)))
	var root *element
	var stack []*element
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("chart is not well-formed XML: %v\n%s", err, chart)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := &element{name: tok.Name.Local, attr: map[string]string{}}
			for _, a := range tok.Attr {
				e.attr[a.Name.Local] = a.Value
			}
			if len(stack) == 0 {
				if root != nil {
					t.Fatalf("chart has more than one root element")
				}
				root = e
			} else {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, e)
			}
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			}
		}
	}
	if root == nil || root.name != "svg" {
		t.Fatalf("chart root is not <svg>:\n%s", chart)
	}
	root.walk(func(e *element) {
		if _, ok := e.attr["style"]; ok || e.name == "style" {
			t.Errorf("chart uses style, which the Content-Security-Policy blocks: <%s>", e.name)
		}
	})
	return root
}

func (e *element) walk(fn func(*element)) {
	fn(e)
	for _, c := range e.children {
		c.walk(fn)
	}
}

// titles returns the text of the <title> tooltips below the root, in order.
func (e *element) titles() []string {
	var out []string
	for _, c := range e.children {
		c.walk(func(e *element) {
			if e.name == "title" {
				out = append(out, e.text)
			}
		})
	}
	return out
}

// twoWeeks is 42 items over 2024-01-01..14 with a peak of 9 on the 5th.
func twoWeeks() []Point {
	values := []int{3, 1, 2, 4, 9, 5, 3, 2, 0, 1, 4, 3, 2, 3}
	return days("2024-01-01", len(values), func(i int) int { return values[i] })
}

func days(first string, n int, value func(int) int) []Point {
	return series(first, dayLayout, 24*time.Hour, n, value)
}

func hours(first string, n int, value func(int) int) []Point {
	return series(first, hourLayout, time.Hour, n, value)
}

// series makes n points a step apart from first, valued by value(i).
func series(first, layout string, step time.Duration, n int, value func(int) int) []Point {
	start, err := time.Parse(layout, first)
	if err != nil {
		panic(err)
	}
	points := make([]Point, n)
	for i := range points {
		points[i] = Point{Label: start.Add(time.Duration(i) * step).Format(layout), Value: value(i)}
	}
	return points
}

func pointLabels(points []Point) []string {
	labels := make([]string, len(points))
	for i, p := range points {
		labels[i] = p.Label
	}
	return labels
}
