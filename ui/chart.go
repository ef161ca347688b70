package ui

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Charts are inline SVG built as strings. The pages run under a strict
// Content-Security-Policy, so the SVG uses only presentation attributes
// (fill, stroke, font-size...) and class attributes, never style. Every piece
// of text that comes from data goes through text(), which escapes it.
//
// Each chart has width and height attributes and a viewBox, so a stylesheet
// rule such as `svg.chart { width: 100%; height: auto; }` scales it.

// Point is one value of a time series: Label is a day "2006-01-02" or an hour "2006-01-02T15".
type Point struct {
	Label string
	Value int
}

// Series is one named line of a comparison chart; Href, if not empty, is a
// link for its legend entry. Only relative and http(s) URLs are linked.
type Series struct {
	Name   string
	Href   string
	Points []Point
}

// ChartOptions sizes and labels a BarChart or LineChart. Zero values get
// defaults: 640×240 pixels and the unit "items". Width is at least 200 and
// Height at least 120; a chart grows taller when its title and legend would
// leave the plot less than 60 pixels.
type ChartOptions struct {
	Width, Height int
	Unit          string
	Title         string
}

const (
	dayLayout  = "2006-01-02"
	hourLayout = "2006-01-02T15"

	defaultChartWidth  = 640
	defaultChartHeight = 240
	minChartWidth      = 200
	minChartHeight     = 120
	noDataHeight       = 48

	fontFamily = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"
	inkColor   = "#333333" // titles, legend
	axisColor  = "#555555" // tick labels, baseline
	mutedColor = "#767676" // unit, second line of x labels, "no data"
	gridColor  = "#e3e3e3"

	charPx      = 6.5 // rough width of one character at font-size 11
	maxBarPx    = 48
	minPlotPx   = 60
	labelGapPx  = 8.0 // minimum space between two x labels
	minLabelGap = 50  // at most width/minLabelGap x labels
)

// palette is Okabe-Ito, the colour-blind safe set, without its yellow
// (#F0E442), which is unreadable as a thin line on white.
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000"}

// Sparkline draws values as a tiny line over a light area, with a dot on the
// last value. It has no axes; its aria-label reads "n values, last v, peak p".
func Sparkline(values []int, width, height int) template.HTML {
	if width <= 0 {
		width = 120
	}
	if height <= 0 {
		height = 24
	}
	if len(values) == 0 {
		return noData("chart chart-sparkline", width, height)
	}
	vs := make([]int, len(values))
	peak := 0
	for i, v := range values {
		vs[i] = max(v, 0)
		peak = max(peak, vs[i])
	}
	last := vs[len(vs)-1]
	summary := fmt.Sprintf("%d values, last %s, peak %s", len(vs), groupDigits(last), groupDigits(peak))

	const pad = 3.0 // room for the last-point dot
	w, h := float64(width), float64(height)
	x := func(i int) float64 {
		if len(vs) == 1 {
			return w / 2
		}
		return pad + float64(i)*(w-2*pad)/float64(len(vs)-1)
	}
	y := func(v int) float64 {
		if peak == 0 {
			return h - pad
		}
		return h - pad - float64(v)/float64(peak)*(h-2*pad)
	}

	var line strings.Builder
	for i, v := range vs {
		if i > 0 {
			line.WriteByte(' ')
		}
		line.WriteString(num(x(i)) + "," + num(y(v)))
	}
	area := line.String() + " " + num(x(len(vs)-1)) + "," + num(h-pad) + " " + num(x(0)) + "," + num(h-pad)

	var b strings.Builder
	openSVG(&b, "chart chart-sparkline", width, height, summary)
	fmt.Fprintf(&b, "<title>%s</title>\n", text(summary))
	fmt.Fprintf(&b, "<polygon class=\"spark-area\" points=\"%s\" fill=\"%s\" fill-opacity=\"0.15\"/>\n", area, palette[0])
	fmt.Fprintf(&b, "<polyline class=\"spark-line\" points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\n", line.String(), palette[0])
	fmt.Fprintf(&b, "<circle class=\"spark-last\" cx=\"%s\" cy=\"%s\" r=\"2\" fill=\"%s\"/>\n", num(x(len(vs)-1)), num(y(last)), palette[0])
	b.WriteString("</svg>")
	return template.HTML(b.String())
}

// BarChart draws a timeline with one bar per point, a y axis with round
// ticks, thinned x labels and a tooltip on every bar.
func BarChart(points []Point, opt ChartOptions) template.HTML {
	opt = opt.withDefaults()
	if len(points) == 0 {
		return noData("chart chart-bar", opt.Width, noDataHeight)
	}
	labels := make([]string, len(points))
	values := make([]int, len(points))
	for i, p := range points {
		labels[i] = p.Label
		values[i] = max(p.Value, 0)
	}
	peak := slices.Max(values)
	summary := seriesSummary(labels, values, opt.Unit)
	if opt.Title != "" {
		summary = opt.Title + ": " + summary
	}

	p := newPlot(opt, labels, peak, 0)
	var b strings.Builder
	openSVG(&b, "chart chart-bar", opt.Width, p.height, summary)
	p.writeFrame(&b)

	slot := p.slot()
	gap := slot * 0.2
	if slot < 4 {
		gap = slot * 0.1
	}
	gap = min(gap, 6)
	gap = max(gap, slot-maxBarPx) // a few points must not make slabs
	b.WriteString("<g class=\"bars\">\n")
	for i, v := range values {
		left := p.x0 + float64(i)*slot
		top := p.y(v)
		if v > 0 && p.y1-top < 1 {
			top = p.y1 - 1 // keep small non-zero values visible
		}
		tip := labels[i] + ": " + countText(v, opt.Unit)
		fmt.Fprintf(&b, "<g class=\"bar\"><title>%s</title>", text(tip))
		fmt.Fprintf(&b, "<rect class=\"bar-hit\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"#000000\" fill-opacity=\"0\"/>",
			num(left), num(p.y0), num(slot), num(p.y1-p.y0))
		fmt.Fprintf(&b, "<rect class=\"bar-fill\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"%s\"/></g>\n",
			num(left+gap/2), num(top), num(slot-gap), num(p.y1-top), palette[0])
	}
	b.WriteString("</g>\n")
	p.writeBaseline(&b)
	b.WriteString("</svg>")
	return template.HTML(b.String())
}

// LineChart draws several series over the sorted union of their labels; a
// series with no value for a label counts 0 there. It has a legend, linked
// when a series has a safe Href, and a tooltip on every point.
func LineChart(series []Series, opt ChartOptions) template.HTML {
	opt = opt.withDefaults()
	var labels []string
	for _, s := range series {
		for _, pt := range s.Points {
			labels = append(labels, pt.Label)
		}
	}
	slices.Sort(labels)
	labels = slices.Compact(labels)
	if len(labels) == 0 {
		return noData("chart chart-line", opt.Width, noDataHeight)
	}
	index := make(map[string]int, len(labels))
	for i, l := range labels {
		index[l] = i
	}
	values := make([][]int, len(series))
	names := make([]string, len(series))
	peak := 0
	for si, s := range series {
		values[si] = make([]int, len(labels))
		for _, pt := range s.Points {
			values[si][index[pt.Label]] += max(pt.Value, 0)
		}
		peak = max(peak, slices.Max(values[si]))
		names[si] = s.Name
		if names[si] == "" {
			names[si] = "Series " + strconv.Itoa(si+1)
		}
	}

	parts := make([]string, len(series))
	for si := range series {
		parts[si] = names[si] + " " + seriesSummary(labels, values[si], opt.Unit)
	}
	summary := fmt.Sprintf("%d series: %s", len(series), strings.Join(parts, "; "))
	if opt.Title != "" {
		summary = opt.Title + ": " + summary
	}

	leg := layoutLegend(names, opt)
	p := newPlot(opt, labels, peak, leg.height)
	var b strings.Builder
	openSVG(&b, "chart chart-line", opt.Width, p.height, summary)
	p.writeFrame(&b)
	p.writeBaseline(&b)

	slot := p.slot()
	markerOpacity := "1"
	if slot < 12 {
		markerOpacity = "0" // too dense to draw: the markers only carry tooltips
	}
	for si := range series {
		colour, dash := seriesStyle(si)
		fmt.Fprintf(&b, "<g class=\"series series-%d\">\n", si+1)
		var pts strings.Builder
		for i, v := range values[si] {
			if i > 0 {
				pts.WriteByte(' ')
			}
			pts.WriteString(num(p.x(i)) + "," + num(p.y(v)))
		}
		fmt.Fprintf(&b, "<polyline class=\"series-line\" points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\n",
			pts.String(), colour, dash)
		for i, v := range values[si] {
			tip := names[si] + " — " + labels[i] + ": " + countText(v, opt.Unit)
			fmt.Fprintf(&b, "<circle class=\"series-point\" cx=\"%s\" cy=\"%s\" r=\"3\" fill=\"%s\" fill-opacity=\"%s\"><title>%s</title></circle>\n",
				num(p.x(i)), num(p.y(v)), colour, markerOpacity, text(tip))
		}
		b.WriteString("</g>\n")
	}

	b.WriteString("<g class=\"legend\">\n")
	for si, s := range series {
		colour, dash := seriesStyle(si)
		e := leg.entries[si]
		y := num(p.legendTop + e.y)
		href, linked := safeHref(s.Href)
		underline := ""
		if linked {
			underline = " text-decoration=\"underline\""
			fmt.Fprintf(&b, "<a class=\"legend-item\" href=\"%s\">", text(href))
		} else {
			b.WriteString("<g class=\"legend-item\">")
		}
		fmt.Fprintf(&b, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"%s\" stroke-width=\"3\"%s/>",
			num(e.x), y, num(e.x+16), y, colour, dash)
		fmt.Fprintf(&b, "<text x=\"%s\" y=\"%s\" dy=\"0.32em\" font-size=\"12\" fill=\"%s\"%s>%s</text>",
			num(e.x+21), y, inkColor, underline, text(truncate(names[si], maxLegendRunes)))
		if linked {
			b.WriteString("</a>\n")
		} else {
			b.WriteString("</g>\n")
		}
	}
	b.WriteString("</g>\n")
	b.WriteString("</svg>")
	return template.HTML(b.String())
}

// FillDays returns one Point per day from first to last inclusive, taking
// values from counts (day "2006-01-02" -> n), zero elsewhere. It returns nil
// when first is after last or either does not parse. Days are UTC calendar
// days, so there are no daylight-saving gaps.
func FillDays(counts map[string]int, first, last string) []Point {
	from, err := time.Parse(dayLayout, first)
	if err != nil {
		return nil
	}
	to, err := time.Parse(dayLayout, last)
	if err != nil || from.After(to) {
		return nil
	}
	var points []Point
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		label := d.Format(dayLayout)
		points = append(points, Point{Label: label, Value: counts[label]})
	}
	return points
}

func (opt ChartOptions) withDefaults() ChartOptions {
	if opt.Width <= 0 {
		opt.Width = defaultChartWidth
	}
	if opt.Height <= 0 {
		opt.Height = defaultChartHeight
	}
	opt.Width = max(opt.Width, minChartWidth)
	opt.Height = max(opt.Height, minChartHeight)
	if opt.Unit == "" {
		opt.Unit = "items"
	}
	return opt
}

// plot is the layout shared by BarChart and LineChart: the plot area
// (x0,y0)-(x1,y1) in SVG pixels, the y ticks and the x labels.
type plot struct {
	opt       ChartOptions
	labels    []string
	ticks     []int
	legendTop float64
	height    int // opt.Height, or more if the legend needs it
	x0, y0    float64
	x1, y1    float64
}

func newPlot(opt ChartOptions, labels []string, peak int, legendHeight float64) plot {
	p := plot{opt: opt, labels: labels}
	top := 8.0
	if opt.Title != "" {
		top += 22
	}
	p.legendTop = top
	top += legendHeight
	top += 20 // unit label
	p.y0 = top
	// Two lines of x labels go below the plot. A title and a long legend
	// can leave too little room: then the chart grows taller.
	p.height = max(opt.Height, int(math.Ceil(p.y0))+minPlotPx+36)
	p.y1 = float64(p.height) - 36
	p.ticks = niceTicks(peak, int(math.Max(2, math.Min(6, (p.y1-p.y0)/35))))
	longest := 0
	for _, t := range p.ticks {
		longest = max(longest, len(formatTick(t)))
	}
	p.x0 = math.Max(32, float64(longest)*charPx+14)
	p.x1 = float64(opt.Width) - 20
	return p
}

func (p plot) slot() float64 { return (p.x1 - p.x0) / float64(len(p.labels)) }

func (p plot) x(i int) float64 { return p.x0 + (float64(i)+0.5)*p.slot() }

func (p plot) y(v int) float64 {
	top := p.ticks[len(p.ticks)-1]
	return p.y1 - float64(v)/float64(top)*(p.y1-p.y0)
}

// writeFrame writes the title, the unit, the grid with y tick labels and the
// x labels.
func (p plot) writeFrame(b *strings.Builder) {
	if p.opt.Title != "" {
		fmt.Fprintf(b, "<text class=\"chart-title\" x=\"4\" y=\"22\" font-size=\"14\" font-weight=\"600\" fill=\"%s\">%s</text>\n",
			inkColor, text(truncate(p.opt.Title, 80)))
	}
	fmt.Fprintf(b, "<text class=\"chart-unit\" x=\"4\" y=\"%s\" font-size=\"11\" fill=\"%s\">%s</text>\n",
		num(p.y0-10), mutedColor, text(truncate(p.opt.Unit, 30)))

	b.WriteString("<g class=\"y-axis\">\n")
	for _, t := range p.ticks {
		y := num(p.y(t))
		if t != 0 {
			fmt.Fprintf(b, "<line class=\"grid\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"%s\" stroke-width=\"1\"/>\n",
				num(p.x0), y, num(p.x1), y, gridColor)
		}
		fmt.Fprintf(b, "<text class=\"y-label\" x=\"%s\" y=\"%s\" dy=\"0.32em\" text-anchor=\"end\" font-size=\"11\" fill=\"%s\">%s</text>\n",
			num(p.x0-6), y, axisColor, formatTick(t))
	}
	b.WriteString("</g>\n")

	b.WriteString("<g class=\"x-axis\">\n")
	for _, l := range xLabels(p.labels, p.slot(), p.opt.Width) {
		half := float64(max(utf8.RuneCountInString(l.line1), utf8.RuneCountInString(l.line2))) * charPx / 2
		if p.x(l.index)+half > float64(p.opt.Width) {
			continue // it would be cut off at the right edge
		}
		x := num(p.x(l.index))
		fmt.Fprintf(b, "<line class=\"x-tick\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"%s\" stroke-width=\"1\"/>\n",
			x, num(p.y1), x, num(p.y1+4), axisColor)
		fmt.Fprintf(b, "<text class=\"x-label\" x=\"%s\" y=\"%s\" text-anchor=\"middle\" font-size=\"11\" fill=\"%s\">%s",
			x, num(p.y1+16), axisColor, text(l.line1))
		if l.line2 != "" {
			fmt.Fprintf(b, "<tspan x=\"%s\" dy=\"13\" fill=\"%s\">%s</tspan>", x, mutedColor, text(l.line2))
		}
		b.WriteString("</text>\n")
	}
	b.WriteString("</g>\n")
}

func (p plot) writeBaseline(b *strings.Builder) {
	fmt.Fprintf(b, "<line class=\"baseline\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"%s\" stroke-width=\"1\"/>\n",
		num(p.x0), num(p.y1), num(p.x1), num(p.y1), axisColor)
}

// niceTicks returns evenly spaced ticks from 0 to at least peak, with a step
// of 1, 2 or 5 times a power of ten and at most target+1 ticks.
func niceTicks(peak, target int) []int {
	target = max(target, 1)
	peak = max(peak, 1)
	step := 1
	for i := 0; ; i++ {
		step = []int{1, 2, 5}[i%3] * pow10(i/3)
		if (peak+step-1)/step <= target {
			break
		}
	}
	top := (peak + step - 1) / step * step
	var ticks []int
	for t := 0; t <= top; t += step {
		ticks = append(ticks, t)
	}
	return ticks
}

func pow10(n int) int {
	p := 1
	for range n {
		p *= 10
	}
	return p
}

// formatTick writes a tick value short: 950, 1.5k, 2M, 1.25B.
func formatTick(v int) string {
	switch {
	case v >= 1e9:
		return strconv.FormatFloat(float64(v)/1e9, 'f', -1, 64) + "B"
	case v >= 1e6:
		return strconv.FormatFloat(float64(v)/1e6, 'f', -1, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(float64(v)/1e3, 'f', -1, 64) + "k"
	}
	return strconv.Itoa(v)
}

// xLabel is one shown x label: line2 gives the context (year or date) under
// line1 where it changes.
type xLabel struct {
	index        int
	line1, line2 string
}

// xLabels picks the labels to show so that they never overlap and there are
// at most width/50 of them. Days step by 1, 2, 7, 14, 28... days; hours by
// 1, 2, 3, 6, 12, 24... hours, aligned on the clock.
func xLabels(labels []string, slot float64, width int) []xLabel {
	kind, times := parseLabels(labels)
	line1 := func(i int) string {
		switch kind {
		case "day":
			return times[i].Format("Jan 2")
		case "hour":
			return times[i].Format("15:04")
		}
		return truncate(labels[i], 12)
	}
	context := func(i int) string {
		switch kind {
		case "day":
			return times[i].Format("2006")
		case "hour":
			return times[i].Format("Jan 2")
		}
		return ""
	}
	longest := 0
	for i := range labels {
		longest = max(longest, utf8.RuneCountInString(line1(i)))
	}
	need := float64(longest)*charPx + labelGapPx
	maxLabels := max(1, width/minLabelGap)

	steps := map[string][]int{"day": {1, 2, 7, 14, 28}, "hour": {1, 2, 3, 6, 12, 24}}[kind]
	if steps == nil {
		steps = []int{1, 2, 5, 10}
	}
	n := len(labels)
	stride := steps[len(steps)-1]
	for i := 0; ; i++ {
		if i < len(steps) {
			stride = steps[i]
		} else {
			stride *= 2
		}
		shown := (n + stride - 1) / stride // the most an aligned offset can give
		if stride >= n || (shown <= maxLabels && float64(stride)*slot >= need) {
			break
		}
	}

	offset := 0
	if kind == "hour" {
		h := times[0].Hour()
		if stride <= 24 {
			offset = (stride - h%stride) % stride
		} else {
			offset = (24 - h) % 24
		}
		if offset >= n {
			offset = 0
		}
	}
	var out []xLabel
	prev := ""
	for i := offset; i < n; i += stride {
		l := xLabel{index: i, line1: line1(i)}
		if c := context(i); c != prev {
			l.line2, prev = c, c
		}
		out = append(out, l)
	}
	return out
}

// parseLabels reports whether all labels are days or all are hours, and
// their times; otherwise kind is "" and the labels are shown as they are.
func parseLabels(labels []string) (kind string, times []time.Time) {
	for _, k := range []struct{ kind, layout string }{{"day", dayLayout}, {"hour", hourLayout}} {
		times = times[:0]
		for _, l := range labels {
			t, err := time.Parse(k.layout, l)
			if err != nil {
				break
			}
			times = append(times, t)
		}
		if len(times) == len(labels) {
			return k.kind, times
		}
	}
	return "", nil
}

// legendLayout places the entries of a LineChart legend: entries flow left to right
// and wrap into rows of 18 pixels.
type legendLayout struct {
	entries []struct{ x, y float64 }
	height  float64
}

const maxLegendRunes = 32

func layoutLegend(names []string, opt ChartOptions) legendLayout {
	var l legendLayout
	x, row := 4.0, 0
	right := float64(opt.Width) - 8
	for _, name := range names {
		w := 21 + float64(utf8.RuneCountInString(truncate(name, maxLegendRunes)))*charPx + 16
		if x > 4 && x+w > right {
			x, row = 4, row+1
		}
		l.entries = append(l.entries, struct{ x, y float64 }{x, float64(row)*18 + 9})
		x += w
	}
	if len(names) > 0 {
		l.height = float64(row+1)*18 + 4
	}
	return l
}

// seriesStyle gives series i its colour; after the palette runs out, the
// colours repeat dashed.
func seriesStyle(i int) (colour, dash string) {
	colour = palette[i%len(palette)]
	if i >= len(palette) {
		dash = " stroke-dasharray=\"6 3\""
	}
	return colour, dash
}

// seriesSummary reads like "42 items from 2024-01-01 to 2024-01-14, peak 9
// on 2024-01-05".
func seriesSummary(labels []string, values []int, unit string) string {
	total, peak, at := 0, 0, 0
	for i, v := range values {
		total += v
		if v > peak {
			peak, at = v, i
		}
	}
	var s string
	if len(labels) == 1 {
		s = countText(total, unit) + " on " + labels[0]
	} else {
		s = countText(total, unit) + " from " + labels[0] + " to " + labels[len(labels)-1]
		if peak > 0 {
			s += ", peak " + groupDigits(peak) + " on " + labels[at]
		}
	}
	return s
}

// countText reads "1 item", "12 items", "1,234 items": a unit ending in s
// loses it for exactly one.
func countText(n int, unit string) string {
	if n == 1 {
		unit = strings.TrimSuffix(unit, "s")
	}
	return groupDigits(n) + " " + unit
}

func groupDigits(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// safeHref returns href if it is a relative URL or an http(s) URL.
func safeHref(href string) (string, bool) {
	if href == "" {
		return "", false
	}
	u, err := url.Parse(href)
	if err != nil {
		return "", false
	}
	switch u.Scheme {
	case "", "http", "https":
		return href, true
	}
	return "", false
}

func openSVG(b *strings.Builder, class string, width, height int, label string) {
	fmt.Fprintf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" preserveAspectRatio=\"xMidYMid meet\" font-family=\"%s\" role=\"img\" aria-label=\"%s\">\n",
		class, width, height, width, height, fontFamily, text(label))
}

func noData(class string, width, height int) template.HTML {
	var b strings.Builder
	openSVG(&b, class+" chart-empty", width, height, "no data")
	fmt.Fprintf(&b, "<text x=\"%s\" y=\"%s\" dy=\"0.32em\" text-anchor=\"middle\" font-size=\"%s\" fill=\"%s\">no data</text>\n",
		num(float64(width)/2), num(float64(height)/2), num(math.Min(12, float64(height)*0.5)), mutedColor)
	b.WriteString("</svg>")
	return template.HTML(b.String())
}

// text makes s safe as SVG text or a quoted attribute value: invalid UTF-8
// and characters XML forbids are dropped, then markup is escaped.
func text(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF:
			return -1
		}
		return r
	}, s)
	return html.EscapeString(s)
}

// truncate shortens s to at most n runes, ending with an ellipsis if cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// num writes a coordinate with at most one decimal.
func num(f float64) string {
	return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64)
}
