package sources

// The faker source generates realistic multilingual social-media posts from a
// seed, so the demo, tests and benchmarks have content with the shape real
// monitoring data has: recurring misinformation narratives copied, retweeted
// and edited across languages, bursts that make trends visible, and a large
// share of everyday chatter that rarely repeats.
//
// Everything is a pure function of (seed, query name, UTC day, post index):
// a day's post count, each post's published time and each post's content can
// be computed on their own, so any window, page size or cursor path yields the
// same posts, and a page costs only the posts on it.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// FakerOptions are the options of the faker source kind (its TOML table).
// A zero value means the default.
type FakerOptions struct {
	// Seed selects the generated world; the same seed always yields the same
	// posts. Default 1.
	Seed int64 `toml:"seed"`
	// ItemsPerDay is the average number of posts per UTC day of one query;
	// bursts make some days much bigger. Default 300.
	ItemsPerDay int `toml:"items_per_day"`
	// PageSize is the number of records per page. Default 100.
	PageSize int `toml:"page_size"`
	// Languages restricts output to these ISO 639-1 codes. Default: all
	// supported languages (FakerLanguages).
	Languages []string `toml:"languages"`
}

const (
	fakerDefaultSeed        = 1
	fakerDefaultItemsPerDay = 300
	fakerDefaultPageSize    = 100
	fakerMaxItemsPerDay     = 10_000_000
	fakerMaxPageSize        = 100_000
	// A window longer than about ten years is almost certainly a mistake
	// (a zero start time, say), and planning it would be slow.
	fakerMaxWindowDays = 3700

	// chatterShare is the share of everyday chatter on a day when every
	// narrative is at its baseline.
	chatterShare = 0.55

	// Bursts: time is cut into epochs of burstEpochDays (offset per
	// narrative); in each epoch a narrative bursts with probability
	// burstProb, for 1-3 days, peaking at burstMinPeak-burstMaxPeak times
	// its baseline.
	burstEpochDays = 20
	burstProb      = 0.4
	burstMinPeak   = 5.0
	burstMaxPeak   = 20.0

	secondsPerDay = 86400
	golden        = 0x9e3779b97f4a7c15
)

// burstShape is the multiplier profile of a burst of 1, 2 or 3 days, as a
// share of its peak.
var burstShape = [][]float64{{1}, {1, 0.5}, {0.5, 1, 0.4}}

// faker is the faker source. It is immutable once built, so one value may
// serve concurrent fetches.
type faker struct {
	seed        int64
	itemsPerDay int
	pageSize    int

	langs   []*fakerLang // enabled, in table order
	langCum []float64    // cumulative weights for picking a chatter language

	topics     []fakerTopic        // narratives with at least one enabled language
	spreaders  map[string][]string // language code → spreader accounts that post in it
	baseWeight []float64           // per topic: share of an average baseline day
	meanMass   float64             // the long-run average of a day's mass, for scaling
}

// fakerTopic is one narrative restricted to the enabled languages.
type fakerTopic struct {
	index    int // position in fakerNarratives: keeps activity curves independent of the languages option
	slug     string
	versions []*fakerVersion
	langs    []*fakerLang // language of each version
	origins  [][]string   // per version: the accounts whose posts RT copies quote
	cum      []float64    // cumulative weights for picking a version
}

// FakerLanguages lists the language codes the faker writes, in its order.
func FakerLanguages() []string {
	codes := make([]string, len(fakerLangs))
	for i, l := range fakerLangs {
		codes[i] = l.code
	}
	return codes
}

func buildFaker(opts FakerOptions) (*faker, error) {
	var errs []error
	if opts.ItemsPerDay < 0 || opts.ItemsPerDay > fakerMaxItemsPerDay {
		errs = append(errs, fmt.Errorf("faker: items_per_day must be >= 0 and <= %d (got %d)", fakerMaxItemsPerDay, opts.ItemsPerDay))
	}
	if opts.PageSize < 0 || opts.PageSize > fakerMaxPageSize {
		errs = append(errs, fmt.Errorf("faker: page_size must be >= 0 and <= %d (got %d)", fakerMaxPageSize, opts.PageSize))
	}
	byCode := make(map[string]*fakerLang, len(fakerLangs))
	for _, l := range fakerLangs {
		byCode[l.code] = l
	}
	enabled := make(map[string]bool)
	for _, code := range opts.Languages {
		c := strings.ToLower(strings.TrimSpace(code))
		if byCode[c] == nil {
			errs = append(errs, fmt.Errorf("faker: languages: unsupported language %q (supported: %s)", code, strings.Join(FakerLanguages(), ", ")))
			continue
		}
		enabled[c] = true
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	f := &faker{seed: opts.Seed, itemsPerDay: opts.ItemsPerDay, pageSize: opts.PageSize}
	if f.seed == 0 {
		f.seed = fakerDefaultSeed
	}
	if f.itemsPerDay == 0 {
		f.itemsPerDay = fakerDefaultItemsPerDay
	}
	if f.pageSize == 0 {
		f.pageSize = fakerDefaultPageSize
	}
	for _, l := range fakerLangs {
		if len(enabled) == 0 || enabled[l.code] {
			f.langs = append(f.langs, l)
			f.langCum = appendCum(f.langCum, l.weight)
		}
	}

	f.spreaders = make(map[string][]string)
	for _, l := range fakerLangs {
		for _, s := range fakerSpreaders {
			if s.lang == l.code || s.lang == "" {
				f.spreaders[l.code] = append(f.spreaders[l.code], s.handle)
			}
		}
	}

	var totalWeight float64
	for k, n := range fakerNarratives {
		t := fakerTopic{index: k, slug: n.slug}
		for j, v := range n.versions {
			l := byCode[v.lang]
			if l == nil || (len(enabled) > 0 && !enabled[v.lang]) {
				continue
			}
			w := l.weight
			if j == 0 {
				w *= 3 // a narrative starts in, and mostly stays in, its first language
			}
			// Each version is seeded by two accounts whose posts others copy.
			pool := f.spreaders[v.lang]
			t.origins = append(t.origins, []string{pool[(2*k)%len(pool)], pool[(2*k+1)%len(pool)]})
			t.versions = append(t.versions, v)
			t.langs = append(t.langs, l)
			t.cum = appendCum(t.cum, w)
		}
		if len(t.versions) == 0 {
			continue
		}
		f.topics = append(f.topics, t)
		f.baseWeight = append(f.baseWeight, n.weight)
		totalWeight += n.weight
	}
	f.meanMass = chatterShare
	if len(f.topics) > 0 {
		for i := range f.baseWeight {
			f.baseWeight[i] *= (1 - chatterShare) / totalWeight
		}
		f.meanMass += (1 - chatterShare) * meanActivity()
	}
	return f, nil
}

func (f *faker) Kind() string { return "faker" }

// Fetch returns the page at cursor of the posts published in [q.Start, q.End).
// The cursor is the decimal offset of the page's first post in the window.
func (f *faker) Fetch(ctx context.Context, q Query, cursor string) (Page, error) {
	if err := ctx.Err(); err != nil {
		return Page{}, fmt.Errorf("faker: %w", err)
	}
	days, total, err := f.plan(q)
	if err != nil {
		return Page{}, err
	}
	offset := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 || n > total {
			return Page{}, fmt.Errorf("faker: malformed cursor %q for a window of %d posts", cursor, total)
		}
		offset = n
	}
	end := min(offset+f.pageSize, total)
	page := Page{Total: total, Records: make([]Record, 0, end-offset)}
	if end < total {
		page.Next = strconv.Itoa(end)
	}

	g := newFakerGen(f, q.Name)
	buf := make([]byte, 0, (end-offset)*420)
	pos := 0 // offset of the current day's first post in the window
	for di := range days {
		d := &days[di]
		count := d.hi - d.lo
		if pos+count <= offset {
			pos += count
			continue
		}
		if pos >= end {
			break
		}
		from := d.lo + max(0, offset-pos)
		to := d.lo + min(count, end-pos)
		for i := from; i < to; i++ {
			if len(page.Records)%256 == 0 {
				if err := ctx.Err(); err != nil {
					return Page{}, fmt.Errorf("faker: %w", err)
				}
			}
			start := len(buf)
			var id string
			buf, id = g.post(d, i, buf)
			page.Records = append(page.Records, Record{ID: id, Data: buf[start:len(buf):len(buf)]})
		}
		pos += count
	}
	return page, nil
}

// fakerDay is one UTC day of one query's stream, and which of its posts fall
// in the requested window.
type fakerDay struct {
	start    time.Time // its midnight, UTC
	stamp    string    // YYYYMMDD, for record ids
	timeSeed uint64
	postSeed uint64
	n        int // posts on the whole day
	lo, hi   int // posts in the window: indexes [lo, hi)

	cum []float64 // cumulative category weights: [0] chatter, [1+k] topic k
}

// plan lists the days the window touches with their post counts and the
// index range of each that lies in the window.
func (f *faker) plan(q Query) ([]fakerDay, int, error) {
	if q.Start.IsZero() || q.End.IsZero() {
		return nil, 0, fmt.Errorf("faker: query %q needs a publish window (start and end)", q.Name)
	}
	if q.End.Before(q.Start) {
		return nil, 0, fmt.Errorf("faker: query %q window ends (%s) before it starts (%s)", q.Name, q.End.UTC().Format(time.RFC3339), q.Start.UTC().Format(time.RFC3339))
	}
	if q.End.Equal(q.Start) {
		return nil, 0, nil
	}
	first := floorDiv(q.Start.Unix(), secondsPerDay)
	last := floorDiv(q.End.Add(-time.Nanosecond).Unix(), secondsPerDay)
	if last-first+1 > fakerMaxWindowDays {
		return nil, 0, fmt.Errorf("faker: query %q window spans %d days; the limit is %d", q.Name, last-first+1, fakerMaxWindowDays)
	}
	nameSeed := mix64(uint64(f.seed) ^ fnv64(q.Name))
	days := make([]fakerDay, 0, last-first+1)
	total := 0
	for day := first; day <= last; day++ {
		d := f.newDay(nameSeed, day)
		d.lo, d.hi = 0, d.n
		if q.Start.After(d.start) {
			d.lo = d.search(q.Start)
		}
		if q.End.Before(d.start.Add(24 * time.Hour)) {
			d.hi = d.search(q.End)
		}
		total += d.hi - d.lo
		days = append(days, d)
	}
	return days, total, nil
}

func (f *faker) newDay(nameSeed uint64, day int64) fakerDay {
	seed := mix64(nameSeed + uint64(day)*golden)
	start := time.Unix(day*secondsPerDay, 0).UTC()
	d := fakerDay{start: start, stamp: start.Format("20060102"),
		timeSeed: mix64(seed ^ 0x7f4a7c159e3779b9), postSeed: mix64(seed ^ 0x94d049bb133111eb)}
	// The day's categories are chatter at a fixed share plus every
	// narrative's baseline share times its activity; their sum, the day's
	// mass, is its size relative to a baseline day.
	d.cum = make([]float64, 0, len(f.topics)+1)
	d.cum = append(d.cum, chatterShare)
	for i, t := range f.topics {
		d.cum = appendCum(d.cum, f.baseWeight[i]*f.activity(t.index, day))
	}
	mass := d.cum[len(d.cum)-1]
	// Day volume follows the mass, the weekday and a little noise, scaled
	// so that the long-run average is items_per_day.
	noise := 0.92 + 0.16*unitFloat(mix64(seed))
	weekday := fakerWeekday[(day%7+7+4)%7] // 1970-01-01 was a Thursday
	d.n = int(math.Round(float64(f.itemsPerDay) * weekday * mass / f.meanMass * noise))
	return d
}

// activity is narrative k's volume on a day relative to its baseline: a slow
// wave with a period of 20-60 days, times a burst of 5-20x on 1-3 days of
// some epochs. It depends on the seed only, not on the query, so every query
// of a workspace sees the same narratives trend at the same time, as real
// narratives do across platforms.
func (f *faker) activity(k int, day int64) float64 {
	nh := mix64(uint64(f.seed) ^ uint64(k+1)*0xd1b54a32d192ed03)
	period := 20 + float64(nh%41)
	phase := unitFloat(mix64(nh ^ 1))
	act := 1 + 0.35*math.Sin(2*math.Pi*(float64(day)/period+phase))

	shifted := day + int64(mix64(nh^2)%burstEpochDays)
	epoch := floorDiv(shifted, burstEpochDays)
	h := mix64(nh ^ uint64(epoch)*golden)
	if unitFloat(h) >= burstProb {
		return act
	}
	h = mix64(h)
	dur := 1 + int64(h%3)
	start := int64(mix64(h^1) % uint64(burstEpochDays-dur+1))
	peak := burstMinPeak + (burstMaxPeak-burstMinPeak)*unitFloat(mix64(h^2))
	j := shifted - epoch*burstEpochDays - start
	if j < 0 || j >= dur {
		return act
	}
	return act * (1 + (peak-1)*burstShape[dur-1][j])
}

// meanActivity is the long-run average of activity: the wave averages 1, and
// bursts add their expected extra volume spread over an epoch.
func meanActivity() float64 {
	var shapeSum float64
	for _, s := range burstShape {
		for _, v := range s {
			shapeSum += v
		}
	}
	shapeSum /= float64(len(burstShape))
	meanPeak := (burstMinPeak + burstMaxPeak) / 2
	return 1 + burstProb*(meanPeak-1)*shapeSum/burstEpochDays
}

// second is the published time of post i as seconds after midnight. Posts are
// stratified over the day's quantiles, so the times grow with i (a window is
// a contiguous index range, found by binary search) while each post's time
// is computed on its own.
func (d *fakerDay) second(i int) int64 {
	u := unitFloat(mix64(d.timeSeed + uint64(i)*golden))
	frac := (float64(i) + u) / float64(d.n)
	return min(int64(diurnalInverse(frac)*secondsPerDay), secondsPerDay-1)
}

// search returns the first post published at or after t.
func (d *fakerDay) search(t time.Time) int {
	return sort.Search(d.n, func(i int) bool {
		return !d.start.Add(time.Duration(d.second(i)) * time.Second).Before(t)
	})
}

// fakerWeekday scales volume by weekday (Sunday first); it averages 1.
var fakerWeekday = [7]float64{0.9, 1.05, 1.05, 1.0, 1.0, 1.05, 0.95}

// diurnalWeights is the relative posting volume of each UTC hour, a blend of
// the audiences of the languages the faker writes.
var diurnalWeights = [24]float64{2.0, 1.6, 1.3, 1.1, 1.0, 1.1, 1.3, 1.6, 2.0, 2.3, 2.5, 2.6,
	2.8, 3.0, 3.2, 3.3, 3.3, 3.2, 3.1, 3.0, 2.9, 2.8, 2.6, 2.3}

// diurnalCDF[h] is the share of a day's posts published before hour h.
var diurnalCDF = func() [25]float64 {
	var cdf [25]float64
	var sum float64
	for _, w := range diurnalWeights {
		sum += w
	}
	for h, w := range diurnalWeights {
		cdf[h+1] = cdf[h] + w/sum
	}
	cdf[24] = 1
	return cdf
}()

// diurnalInverse maps a quantile of the day's posts to a fraction of the day.
func diurnalInverse(frac float64) float64 {
	h := 0
	for h < 23 && frac >= diurnalCDF[h+1] {
		h++
	}
	within := (frac - diurnalCDF[h]) / (diurnalCDF[h+1] - diurnalCDF[h])
	return (float64(h) + min(max(within, 0), 1)) / 24
}

// fakerGen generates posts; one per Fetch call, as it holds the rng.
type fakerGen struct {
	f       *faker
	prefix  string // record id prefix: the query name
	pcg     rand.PCG
	r       *rand.Rand
	parts   []string
	scratch []byte
}

func newFakerGen(f *faker, query string) *fakerGen {
	g := &fakerGen{f: f, prefix: query}
	if g.prefix == "" {
		g.prefix = "faker"
	}
	g.r = rand.New(&g.pcg)
	return g
}

// Platforms the faker invents, each with the HTML escaping its API applies
// to post text (the way Twitter sends &amp; and forums send &#39;).
const (
	platformSocial = iota
	platformChat
	platformVideo
	platformForum
)

var fakerPlatforms = []struct {
	name   string
	weight float64
	escape *strings.Replacer // nil: text as typed
}{
	platformSocial: {"social", 50, strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")},
	platformChat:   {"chat", 20, nil},
	platformVideo:  {"video", 15, nil},
	platformForum:  {"forum", 15, strings.NewReplacer("&", "&amp;", "'", "&#39;", `"`, "&quot;")},
}

var fakerPlatformCum = func() []float64 {
	var cum []float64
	for _, p := range fakerPlatforms {
		cum = appendCum(cum, p.weight)
	}
	return cum
}()

// post appends the JSON of post i of day d to b and returns it with the id.
func (g *fakerGen) post(d *fakerDay, i int, b []byte) ([]byte, string) {
	h := mix64(d.postSeed + uint64(i)*golden)
	g.pcg.Seed(h, mix64(h))
	r := g.r
	published := d.start.Add(time.Duration(d.second(i)) * time.Second)
	platform := pick(r, fakerPlatformCum)
	sep := " "

	var l *fakerLang
	var slug, author string
	var likesMean float64
	g.parts = g.parts[:0]
	tail := ""
	if cat := pick(r, d.cum); cat == 0 {
		l = g.f.langs[pick(r, g.f.langCum)]
		sep, tail = g.chatter(l, platform)
		author = g.handle(l)
		likesMean = 8
	} else {
		t := &g.f.topics[cat-1]
		v := pick(r, t.cum)
		l = t.langs[v]
		g.parts = append(g.parts, g.narrative(t.versions[v], t.origins[v], l))
		slug = t.slug
		if r.IntN(4) == 0 {
			pool := g.f.spreaders[l.code]
			author = pool[r.IntN(len(pool))]
		} else {
			author = g.handle(l)
		}
		likesMean = 40
	}
	text := render(g.parts, sep, tail, fakerPlatforms[platform].escape)

	g.scratch = append(g.scratch[:0], g.prefix...)
	g.scratch = append(g.scratch, '-')
	g.scratch = append(g.scratch, d.stamp...)
	g.scratch = append(g.scratch, '-')
	g.scratch = appendPad5(g.scratch, i)
	id := string(g.scratch)
	// A snowflake-style status id: milliseconds since 2010-11-04 and 22
	// random bits, like the ids of the platform it imitates.
	ms := published.UnixMilli() - 1288834974657
	status := strconv.FormatUint(uint64(max(ms, 0))<<22|h&(1<<22-1), 10)

	b = append(b, `{"id":`...)
	b = appendJSONString(b, id)
	b = append(b, `,"platform":`...)
	b = appendJSONString(b, fakerPlatforms[platform].name)
	b = append(b, `,"author":`...)
	b = appendJSONString(b, author)
	b = append(b, `,"text":`...)
	b = appendJSONString(b, text)
	b = append(b, `,"published_at":"`...)
	b = published.AppendFormat(b, time.RFC3339)
	b = append(b, `","url":"`...)
	switch platform {
	case platformSocial:
		b = append(b, "https://social.example/"...)
		b = append(b, author...)
		b = append(b, "/status/"...)
		b = append(b, status...)
	case platformChat:
		b = append(b, "https://chat.example/"...)
		b = append(b, author...)
		b = append(b, '/')
		b = strconv.AppendUint(b, 1000+h%900000, 10)
	case platformVideo:
		b = append(b, "https://video.example/@"...)
		b = append(b, author...)
		b = append(b, "/video/"...)
		b = append(b, status...)
	default:
		b = append(b, "https://forum.example/p/"...)
		b = append(b, status...)
	}
	b = append(b, `","lang":"`...)
	b = append(b, l.code...)
	b = append(b, '"')
	b = appendHashtags(b, text)
	if slug != "" {
		// The ground truth, for judging clustering; a real platform has no such field.
		b = append(b, `,"narrative":"`...)
		b = append(b, slug...)
		b = append(b, '"')
	}
	b = append(b, `,"likes":`...)
	b = strconv.AppendInt(b, int64(r.ExpFloat64()*likesMean), 10)
	b = append(b, `,"shares":`...)
	b = strconv.AppendInt(b, int64(r.ExpFloat64()*likesMean/4), 10)
	b = append(b, '}')
	return b, id
}

// render joins the parts of a post with sep after escaping each for its
// platform, so a <br> separator stays a tag while the text gets entities.
func render(parts []string, sep, tail string, esc *strings.Replacer) string {
	if esc != nil {
		for i, p := range parts {
			parts[i] = esc.Replace(p)
		}
		tail = esc.Replace(tail)
	}
	if len(parts) == 1 && tail == "" {
		return parts[0]
	}
	return strings.Join(parts, sep) + tail
}

// chatter fills g.parts with an everyday post in language l, assembled from
// independent sentences so that it rarely repeats exactly, and returns the
// separator to join them with and a tail (emoji, hashtag) to append.
func (g *fakerGen) chatter(l *fakerLang, platform int) (sep, tail string) {
	r := g.r
	if r.IntN(100) < 6 {
		// Greetings repeat word for word across people, as they do online.
		g.parts = append(g.parts, l.greetings[r.IntN(len(l.greetings))])
		return " ", ""
	}
	g.parts = append(g.parts, fillNumber(l.chatA[r.IntN(len(l.chatA))], r))
	if r.IntN(10) < 7 {
		g.parts = append(g.parts, l.chatB[r.IntN(len(l.chatB))])
	}
	if r.IntN(10) < 6 {
		g.parts = append(g.parts, l.chatC[r.IntN(len(l.chatC))])
	}
	sep = " "
	if !l.spaced {
		sep = ""
	}
	switch {
	case platform == platformForum && r.IntN(10) < 4:
		sep = "<br>"
	case platform == platformChat && r.IntN(10) < 3:
		sep = "\n"
	}
	if r.IntN(100) < 35 {
		tail += " " + fakerChatEmoji[r.IntN(len(fakerChatEmoji))]
	}
	if r.IntN(100) < 15 {
		tail += " " + l.tags[r.IntN(len(l.tags))]
	}
	return sep, tail
}

// narrative writes a post of narrative version v: an exact copy of the
// canonical text, a retweet of it, or a copy with one to three edits.
func (g *fakerGen) narrative(v *fakerVersion, origins []string, l *fakerLang) string {
	r := g.r
	body := v.phrasings[0]
	if len(v.phrasings) > 1 && r.IntN(10) >= 6 {
		body = v.phrasings[1+r.IntN(len(v.phrasings)-1)]
	}
	tags := v.tags[0]
	roll := r.IntN(100)
	if roll < 40 {
		return body + " " + tags
	}
	if roll < 58 {
		return "RT @" + origins[r.IntN(len(origins))] + ": " + body + " " + tags
	}

	const (
		editURL = iota
		editMention
		editAlarm
		editShare
		editCase
		editPunct
		editWord
		editEmoji
		editTags
		editKinds
	)
	var edits [editKinds]bool
	for range 1 + r.IntN(3) {
		edits[r.IntN(editKinds)] = true
	}
	pre, post := "", ""
	if edits[editWord] {
		body = g.editWords(body, l)
	}
	if edits[editShare] {
		if l.spaced {
			body += " "
		}
		body += l.share
	}
	if edits[editPunct] {
		body = strings.TrimRight(body, ".!?。！？") + l.endings[r.IntN(len(l.endings))]
	}
	if edits[editCase] && l.cased {
		if r.IntN(2) == 0 {
			body = strings.ToUpper(body)
		} else {
			body = strings.ToLower(body)
		}
	}
	if edits[editAlarm] {
		pre = l.alarms[r.IntN(len(l.alarms))]
	}
	if edits[editMention] {
		if r.IntN(2) == 0 {
			pre = "@" + g.handle(l) + " " + pre
		} else {
			post += " @" + g.handle(l)
		}
	}
	if edits[editTags] {
		if r.IntN(2) == 0 {
			tags = ""
		} else {
			tags = strings.Join(v.tags, " ")
		}
	}
	if edits[editURL] {
		post += " " + g.shortURL()
	}
	if edits[editEmoji] {
		e := fakerAlarmEmoji[r.IntN(len(fakerAlarmEmoji))]
		post += " " + strings.Repeat(e, 1+r.IntN(3))
	}
	text := pre + body
	if tags != "" {
		text += " " + tags
	}
	return text + post
}

// editWords makes a small edit: a word dropped or doubled, or for scripts
// written without spaces, a character dropped or a hearsay opener added.
func (g *fakerGen) editWords(body string, l *fakerLang) string {
	r := g.r
	if !l.spaced {
		if r.IntN(2) == 0 {
			return l.hearsay + body
		}
		n := utf8.RuneCountInString(body)
		if n < 6 {
			return body
		}
		drop := 1 + r.IntN(n-2)
		var sb strings.Builder
		sb.Grow(len(body))
		j := 0
		for _, c := range body {
			if j != drop {
				sb.WriteRune(c)
			}
			j++
		}
		return sb.String()
	}
	words := strings.Fields(body)
	if len(words) < 4 {
		return body
	}
	j := 1 + r.IntN(len(words)-2)
	if r.IntN(2) == 0 {
		words = slices.Delete(words, j, j+1)
	} else {
		words = slices.Insert(words, j, words[j])
	}
	return strings.Join(words, " ")
}

// handle makes up a user handle from names common in language l.
func (g *fakerGen) handle(l *fakerLang) string {
	r := g.r
	gn := l.given[r.IntN(len(l.given))]
	sn := l.surnames[r.IntN(len(l.surnames))]
	switch r.IntN(5) {
	case 0:
		return gn + "_" + sn
	case 1:
		return gn + sn + strconv.Itoa(10+r.IntN(90))
	case 2:
		return gn + "_" + strconv.Itoa(1960+r.IntN(46))
	case 3:
		return sn + "_" + gn
	default:
		return gn + sn[:1] + strconv.Itoa(1960+r.IntN(46))
	}
}

// shortURL makes up a link of the kind pasted under a rumour.
func (g *fakerGen) shortURL() string {
	r := g.r
	switch r.IntN(3) {
	case 0:
		return "https://bit.example/" + g.code(7)
	case 1:
		return "https://daily-report.example/article/" + strconv.Itoa(10000+r.IntN(90000))
	default:
		return "https://video.example/watch?v=" + g.code(11) + "&t=" + strconv.Itoa(r.IntN(300)) + "s"
	}
}

func (g *fakerGen) code(n int) string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

// fillNumber replaces {n} with a number from 5 to 9, a range in which every
// language's plural agrees with the sentence around it.
func fillNumber(s string, r *rand.Rand) string {
	i := strings.Index(s, "{n}")
	if i < 0 {
		return s
	}
	return s[:i] + strconv.Itoa(5+r.IntN(5)) + s[i+3:]
}

// fakerPost is the JSON shape of a faker record.
type fakerPost struct {
	ID          string   `json:"id"`
	Platform    string   `json:"platform"`
	Author      string   `json:"author"`
	Text        *string  `json:"text"` // a pointer to tell a missing text from an empty one
	PublishedAt string   `json:"published_at"`
	URL         string   `json:"url"`
	Lang        string   `json:"lang"`
	Hashtags    []string `json:"hashtags,omitempty"`
	Narrative   string   `json:"narrative,omitempty"`
	Likes       int      `json:"likes"`
	Shares      int      `json:"shares"`
}

// Extract maps a faker record to its single text.
func (f *faker) Extract(data json.RawMessage) ([]Text, error) {
	var p fakerPost
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("faker record: %w", err)
	}
	if p.ID == "" {
		return nil, errors.New("faker record: missing id")
	}
	if p.Text == nil {
		return nil, fmt.Errorf("faker record %s: missing text", p.ID)
	}
	if p.PublishedAt == "" {
		return nil, fmt.Errorf("faker record %s: missing published_at", p.ID)
	}
	published, err := time.Parse(time.RFC3339, p.PublishedAt)
	if err != nil {
		return nil, fmt.Errorf("faker record %s: published_at: %w", p.ID, err)
	}
	if *p.Text == "" {
		return nil, nil
	}
	return []Text{{Text: *p.Text, PublishedAt: published.UTC(), URL: p.URL, Language: p.Lang, Author: p.Author}}, nil
}

// appendHashtags appends a "hashtags" field listing the tags (without '#')
// of text, as platforms' APIs do, or nothing when it has none. A tag is a
// '#' at the start or after whitespace, up to the next whitespace; the
// faker only writes ASCII whitespace, so a byte scan is enough.
func appendHashtags(b []byte, text string) []byte {
	n := 0
	for i := strings.IndexByte(text, '#'); i >= 0; {
		start := i + 1
		end := start
		for end < len(text) && !isASCIISpace(text[end]) {
			end++
		}
		tag := ""
		if i == 0 || isASCIISpace(text[i-1]) {
			tag = strings.TrimRight(text[start:end], ".,!?:;…！？。")
		}
		if next := strings.IndexByte(text[start:], '#'); next >= 0 {
			i = start + next
		} else {
			i = -1
		}
		if tag == "" {
			continue
		}
		if n == 0 {
			b = append(b, `,"hashtags":[`...)
		} else {
			b = append(b, ',')
		}
		b = appendJSONString(b, tag)
		n++
	}
	if n > 0 {
		b = append(b, ']')
	}
	return b
}

func isASCIISpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// appendJSONString appends s as a JSON string. Unlike encoding/json it leaves
// <, > and & alone, so the archive shows "&amp;" and "<br>" as the platform
// sent them. s is valid UTF-8 by construction.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendPad5 appends i with at least five digits.
func appendPad5(b []byte, i int) []byte {
	for p := 10000; p > 1 && i < p; p /= 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(i), 10)
}

func appendCum(cum []float64, w float64) []float64 {
	if len(cum) > 0 {
		w += cum[len(cum)-1]
	}
	return append(cum, w)
}

// pick draws an index with probability proportional to its weight, given
// cumulative weights.
func pick(r *rand.Rand, cum []float64) int {
	x := r.Float64() * cum[len(cum)-1]
	for i, c := range cum {
		if x < c {
			return i
		}
	}
	return len(cum) - 1
}

// mix64 is the splitmix64 finalizer: a fast, well-mixed hash of a uint64,
// used to derive independent seeds from (seed, query, day, index).
func mix64(x uint64) uint64 {
	x += golden
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// fnv64 is FNV-1a; stable across processes, unlike hash/maphash.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// unitFloat maps a hash to [0, 1).
func unitFloat(h uint64) float64 { return float64(h>>11) / (1 << 53) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// fakerLang is what the faker knows about writing in one language.
type fakerLang struct {
	code   string
	weight float64 // share of posts, relative
	spaced bool    // words are separated by spaces (not Chinese or Japanese)
	cased  bool    // the script has upper and lower case

	given, surnames []string // romanized, for handles

	// Everyday chatter is one sentence from chatA, then maybe one from chatB
	// and one from chatC; {n} becomes a number from 5 to 9.
	chatA, chatB, chatC []string
	greetings           []string
	tags                []string // everyday hashtags

	alarms  []string // prefixes that rumour copies add, with their own spacing
	share   string   // a call to share, appended by some copies
	endings []string // replacement end punctuation
	hearsay string   // an opener for scripts without spaces: "I heard"
}

// fakerNarrative is a recurring misinformation narrative. Its first version
// is the language it started in.
type fakerNarrative struct {
	slug     string
	weight   float64 // baseline popularity, relative
	versions []*fakerVersion
}

type fakerVersion struct {
	lang      string
	tags      []string // the first is the one copies carry
	phrasings []string // the first is the most copied
}

var fakerChatEmoji = []string{"😊", "😂", "☀️", "🎉", "❤️", "🙌", "😴", "☕", "⚽", "🌱"}

var fakerAlarmEmoji = []string{"🚨", "⚠️", "😱", "🙏", "👇", "‼️", "🔥", "😡", "💔", "📢"}

// fakerSpreaders are accounts that post and seed many narratives, in one
// language or ("") in any.
var fakerSpreaders = []struct{ handle, lang string }{
	{"truth_seeker_77", ""}, {"wake_up_world", ""}, {"the_awakened_one", ""}, {"question_everything", ""},
	{"health_freedom_now", ""}, {"no_more_lies_99", ""}, {"real_news_now", "en"}, {"patriot_voice_1", "en"},
	{"freedom_watch24", "en"}, {"mama_bear_truth", "en"}, {"el_despertar_mx", "es"}, {"la_verdad_oculta", "es"},
	{"verite_cachee", "fr"}, {"alerta_brasil_br", "pt"}, {"aufwachen_jetzt", "de"}, {"pravda_segodnya", "ru"},
	{"desi_truth_teller", "hi"}, {"akhbar_3ajel", "ar"}, {"zhenxiang_wang", "zh"}, {"shinjitsu_news", "ja"},
}

var fakerLangs = []*fakerLang{
	{
		code: "en", weight: 28, spaced: true, cased: true,
		given:    []string{"james", "emily", "michael", "sarah", "david", "jessica", "chris", "ashley", "ryan", "megan"},
		surnames: []string{"smith", "johnson", "brown", "taylor", "miller", "wilson", "moore", "clark", "hall", "young"},
		chatA: []string{
			"Finally finished the book I started {n} weeks ago.",
			"Just got back from a {n}k run along the river.",
			"Made pancakes for breakfast & they actually came out round.",
			"The bus was {n} minutes late again this morning.",
			"Spent the whole afternoon fixing my bike.",
			"Tried the new coffee place on the corner today.",
			"My sister's wedding is in {n} days and I still don't have a suit.",
			"Our team won {n}-1 last night.",
			"Planted tomatoes and basil on the balcony this weekend.",
			"Watched the sunset from the rooftop with friends.",
		},
		chatB: []string{
			"Honestly, it was better than I expected.",
			"Not sure I'd do it again, though.",
			"The weather couldn't have been nicer.",
			"Traffic was a nightmare as usual.",
			"My legs are going to hate me tomorrow.",
			"Coffee & croissants made it even better.",
			"The kids loved it.",
			"Still thinking about it.",
		},
		chatC: []string{
			"Anyone have recommendations for next time?",
			"What a day!",
			"Time for a nap.",
			"Can't wait for the weekend.",
			"Who else is tired today?",
			"Life is good.",
			"Back to work tomorrow, sadly.",
			"Let me know what you think!",
		},
		greetings: []string{"Good morning everyone!", "Good night, world.", "Coffee first, then everything else.", "Thank you all for the birthday wishes!"},
		tags:      []string{"#MondayMotivation", "#foodie", "#weekend", "#running", "#coffee"},
		alarms:    []string{"BREAKING: ", "URGENT: ", "⚠️ WARNING: "},
		share:     "Share before they delete this!",
		endings:   []string{"!!!", "!", "?!", "...", ""},
	},
	{
		code: "es", weight: 12, spaced: true, cased: true,
		given:    []string{"maria", "juan", "carlos", "lucia", "javier", "sofia", "diego", "valentina", "pablo", "camila"},
		surnames: []string{"garcia", "lopez", "martinez", "sanchez", "perez", "gomez", "diaz", "torres", "ruiz", "flores"},
		chatA: []string{
			"Por fin terminé el libro que empecé hace {n} semanas.",
			"Acabo de volver de correr {n} km por el parque.",
			"Hice tortitas para desayunar y por fin salieron redondas.",
			"El autobús llegó {n} minutos tarde otra vez.",
			"Pasé toda la tarde arreglando la bici.",
			"Hoy probé la cafetería nueva de la esquina.",
			"La boda de mi hermana es en {n} días y todavía no tengo traje.",
			"Nuestro equipo ganó {n} a 1 anoche.",
			"Este fin de semana planté tomates y albahaca en el balcón.",
			"Vimos el atardecer desde la azotea con los amigos.",
		},
		chatB: []string{
			"La verdad, fue mejor de lo que esperaba.",
			"Aunque no sé si lo repetiría.",
			"El clima estuvo perfecto.",
			"El tráfico, un desastre como siempre.",
			"Mañana no voy a poder caminar.",
			"Valió cada minuto.",
			"A los niños les encantó.",
			"Todavía sigo pensando en eso.",
		},
		chatC: []string{
			"¿Alguna recomendación para la próxima?",
			"¡Qué día!",
			"Hora de la siesta.",
			"Ya quiero que llegue el fin de semana.",
			"¿Quién más está cansado hoy?",
			"La vida es bella.",
			"Mañana de vuelta al trabajo, qué pena.",
			"¡Cuéntenme qué opinan!",
		},
		greetings: []string{"¡Buenos días a todos!", "Buenas noches, mundo.", "Primero el café, después todo lo demás.", "¡Gracias a todos por las felicitaciones!"},
		tags:      []string{"#FelizLunes", "#comida", "#findesemana", "#café", "#fútbol"},
		alarms:    []string{"ÚLTIMA HORA: ", "URGENTE: ", "⚠️ ATENCIÓN: "},
		share:     "¡Compartan antes de que lo borren!",
		endings:   []string{"!!!", "!", "...", ""},
	},
	{
		code: "fr", weight: 8, spaced: true, cased: true,
		given:    []string{"camille", "julien", "lea", "thomas", "manon", "nicolas", "chloe", "antoine", "sarah", "hugo"},
		surnames: []string{"martin", "bernard", "dubois", "durand", "leroy", "moreau", "simon", "laurent", "lefebvre", "roux"},
		chatA: []string{
			"J'ai enfin fini le livre commencé il y a {n} semaines.",
			"Je rentre d'un footing de {n} km le long du canal.",
			"Crêpes au petit-déjeuner, et pour une fois elles sont réussies.",
			"Le bus avait encore {n} minutes de retard ce matin.",
			"J'ai passé tout l'après-midi à réparer mon vélo.",
			"Testé le nouveau café au coin de la rue aujourd'hui.",
			"Le mariage de ma sœur est dans {n} jours et je n'ai toujours pas de costume.",
			"Notre équipe a gagné {n} à 1 hier soir.",
			"J'ai planté des tomates et du basilic sur le balcon ce week-end.",
			"Coucher de soleil sur le toit avec les copains.",
		},
		chatB: []string{
			"Franchement, c'était mieux que prévu.",
			"Pas sûr que je recommence, cela dit.",
			"Il faisait un temps magnifique.",
			"Les bouchons, comme d'habitude.",
			"Mes jambes vont me détester demain.",
			"Café & croissants, le combo parfait.",
			"Les enfants ont adoré.",
			"J'y pense encore.",
		},
		chatC: []string{
			"Des recommandations pour la prochaine fois ?",
			"Quelle journée !",
			"C'est l'heure de la sieste.",
			"Vivement le week-end.",
			"Qui d'autre est fatigué aujourd'hui ?",
			"La vie est belle.",
			"Retour au boulot demain, hélas.",
			"Dites-moi ce que vous en pensez !",
		},
		greetings: []string{"Bonjour tout le monde !", "Bonne nuit à tous.", "D'abord le café, ensuite le reste.", "Merci à tous pour vos messages d'anniversaire !"},
		tags:      []string{"#BonLundi", "#food", "#weekend", "#café", "#rando"},
		alarms:    []string{"URGENT : ", "ALERTE : ", "⚠️ ATTENTION : "},
		share:     "Partagez avant que ce soit supprimé !",
		endings:   []string{" !!!", " !", "...", ""},
	},
	{
		code: "pt", weight: 10, spaced: true, cased: true,
		given:    []string{"joao", "ana", "pedro", "mariana", "lucas", "beatriz", "rafael", "larissa", "gabriel", "juliana"},
		surnames: []string{"silva", "santos", "oliveira", "souza", "pereira", "costa", "rodrigues", "almeida", "nascimento", "lima"},
		chatA: []string{
			"Finalmente terminei o livro que comecei há {n} semanas.",
			"Acabei de voltar de uma corrida de {n} km no parque.",
			"Fiz panqueca no café da manhã e dessa vez ficou redondinha.",
			"O ônibus atrasou {n} minutos de novo hoje.",
			"Passei a tarde inteira consertando a bicicleta.",
			"Experimentei a cafeteria nova da esquina hoje.",
			"O casamento da minha irmã é daqui a {n} dias e eu ainda não tenho terno.",
			"Nosso time ganhou de {n} a 1 ontem à noite.",
			"Plantei tomate e manjericão na varanda neste fim de semana.",
			"Vimos o pôr do sol da laje com os amigos.",
		},
		chatB: []string{
			"Sinceramente, foi melhor do que eu esperava.",
			"Mas não sei se faria de novo.",
			"O tempo estava perfeito.",
			"O trânsito, um caos como sempre.",
			"Amanhã minhas pernas vão reclamar.",
			"Valeu cada minuto.",
			"As crianças amaram.",
			"Ainda estou pensando nisso.",
		},
		chatC: []string{
			"Alguém tem dica para a próxima?",
			"Que dia!",
			"Hora do cochilo.",
			"Não vejo a hora do fim de semana.",
			"Quem mais está cansado hoje?",
			"A vida é boa.",
			"Amanhã é trabalho de novo, que pena.",
			"Me contem o que acharam!",
		},
		greetings: []string{"Bom dia, pessoal!", "Boa noite, mundo.", "Primeiro o café, depois o resto.", "Obrigado a todos pelas mensagens de aniversário!"},
		tags:      []string{"#BomDia", "#comida", "#fimdesemana", "#café", "#futebol"},
		alarms:    []string{"URGENTE: ", "ATENÇÃO: ", "⚠️ URGENTE: "},
		share:     "Compartilhem antes que apaguem!",
		endings:   []string{"!!!", "!", "...", ""},
	},
	{
		code: "de", weight: 6, spaced: true, cased: true,
		given:    []string{"lukas", "anna", "felix", "lena", "jonas", "laura", "leon", "julia", "paul", "marie"},
		surnames: []string{"mueller", "schmidt", "schneider", "fischer", "weber", "meyer", "wagner", "becker", "hoffmann", "koch"},
		chatA: []string{
			"Endlich das Buch fertig, das ich vor {n} Wochen angefangen habe.",
			"Gerade von einem {n}-km-Lauf am Fluss zurück.",
			"Pfannkuchen zum Frühstück, und sie sind sogar rund geworden.",
			"Der Bus hatte heute Morgen wieder {n} Minuten Verspätung.",
			"Den ganzen Nachmittag am Fahrrad geschraubt.",
			"Heute das neue Café an der Ecke ausprobiert.",
			"Die Hochzeit meiner Schwester ist in {n} Tagen und ich habe immer noch keinen Anzug.",
			"Unser Verein hat gestern Abend {n}:1 gewonnen.",
			"Am Wochenende Tomaten und Basilikum auf dem Balkon gepflanzt.",
			"Mit Freunden den Sonnenuntergang auf dem Dach angeschaut.",
		},
		chatB: []string{
			"Ehrlich gesagt besser als erwartet.",
			"Ob ich das nochmal mache, weiß ich aber nicht.",
			"Das Wetter war perfekt.",
			"Der Verkehr war wie immer eine Katastrophe.",
			"Morgen habe ich bestimmt Muskelkater.",
			"Hat sich absolut gelohnt.",
			"Die Kinder waren begeistert.",
			"Ich denke immer noch daran.",
		},
		chatC: []string{
			"Hat jemand Tipps für das nächste Mal?",
			"Was für ein Tag!",
			"Jetzt erst mal ein Nickerchen.",
			"Ich freue mich aufs Wochenende.",
			"Wer ist heute auch so müde?",
			"Das Leben ist schön.",
			"Morgen leider wieder arbeiten.",
			"Sagt mir, was ihr davon haltet!",
		},
		greetings: []string{"Guten Morgen zusammen!", "Gute Nacht, Welt.", "Erst mal Kaffee, dann alles andere.", "Danke euch allen für die Geburtstagsgrüße!"},
		tags:      []string{"#Montagsmotivation", "#Essen", "#Wochenende", "#Kaffee", "#Fußball"},
		alarms:    []string{"EILMELDUNG: ", "ACHTUNG: ", "⚠️ WARNUNG: "},
		share:     "Teilen, bevor es gelöscht wird!",
		endings:   []string{"!!!", "!", "...", ""},
	},
	{
		code: "ar", weight: 9, spaced: true,
		given:    []string{"ahmed", "fatima", "mohamed", "aisha", "omar", "layla", "youssef", "mariam", "khaled", "nour"},
		surnames: []string{"hassan", "ali", "ibrahim", "mahmoud", "saleh", "haddad", "khalil", "nasser", "mansour", "qasim"},
		chatA: []string{
			"أخيراً أنهيت الكتاب الذي بدأته قبل {n} أسابيع.",
			"عدت للتو من جري {n} كيلومترات على الكورنيش.",
			"حضّرت الفطائر للفطور وهذه المرة نجحت.",
			"تأخرت الحافلة {n} دقائق مرة أخرى هذا الصباح.",
			"قضيت العصر كله في إصلاح دراجتي.",
			"جربت المقهى الجديد في آخر الشارع اليوم.",
			"عرس أختي بعد {n} أيام وما زلت بلا بدلة.",
			"فاز فريقنا {n}-1 البارحة.",
			"زرعت الطماطم والريحان على الشرفة في عطلة نهاية الأسبوع.",
			"شاهدنا الغروب من السطح مع الأصدقاء.",
		},
		chatB: []string{
			"بصراحة كان أفضل مما توقعت.",
			"لكن لا أعرف إن كنت سأكررها.",
			"الجو كان رائعاً.",
			"الزحمة كالعادة كارثة.",
			"قدماي ستؤلمانني غداً.",
			"كانت تستحق كل دقيقة.",
			"الأطفال استمتعوا كثيراً.",
			"ما زلت أفكر في الأمر.",
		},
		chatC: []string{
			"هل من اقتراحات للمرة القادمة؟",
			"يا له من يوم!",
			"حان وقت القيلولة.",
			"متى تأتي عطلة نهاية الأسبوع؟",
			"من غيري متعب اليوم؟",
			"الحياة حلوة.",
			"غداً عودة إلى العمل للأسف.",
			"أخبروني برأيكم!",
		},
		greetings: []string{"صباح الخير للجميع!", "تصبحون على خير.", "القهوة أولاً ثم كل شيء آخر.", "شكراً للجميع على التهاني بعيد ميلادي!"},
		tags:      []string{"#صباح_الخير", "#أكل", "#ويكند", "#قهوة", "#كرة_القدم"},
		alarms:    []string{"عاجل: ", "تنبيه: ", "⚠️ عاجل: "},
		share:     "انشروا قبل الحذف!",
		endings:   []string{"!!!", "!", "...", ""},
	},
	{
		code: "ru", weight: 7, spaced: true, cased: true,
		given:    []string{"ivan", "olga", "dmitry", "anna", "sergey", "elena", "alexey", "natalia", "pavel", "irina"},
		surnames: []string{"ivanov", "petrova", "smirnov", "kuznetsova", "popov", "volkova", "sokolov", "morozova", "lebedev", "kozlova"},
		chatA: []string{
			"Наконец дочитал книгу, которую начал {n} недель назад.",
			"Только что вернулся с пробежки на {n} км вдоль набережной.",
			"Испекла блины на завтрак, и даже первый не вышел комом.",
			"Автобус сегодня утром опять опоздал на {n} минут.",
			"Весь день провозился с велосипедом.",
			"Сегодня зашёл в новую кофейню на углу.",
			"Свадьба сестры через {n} дней, а у меня до сих пор нет костюма.",
			"Наши вчера выиграли {n}:1.",
			"На выходных посадили на балконе помидоры и базилик.",
			"Смотрели закат с крыши с друзьями.",
		},
		chatB: []string{
			"Честно, получилось лучше, чем я ожидал.",
			"Хотя не уверен, что повторю.",
			"Погода была просто идеальная.",
			"Пробки, как всегда, ужасные.",
			"Завтра ноги будут болеть.",
			"Оно того стоило.",
			"Дети в восторге.",
			"До сих пор об этом думаю.",
		},
		chatC: []string{
			"Есть советы на следующий раз?",
			"Вот это день!",
			"Пора вздремнуть.",
			"Скорее бы выходные.",
			"Кто ещё сегодня устал?",
			"Жизнь прекрасна.",
			"Завтра снова на работу, увы.",
			"Пишите, что думаете!",
		},
		greetings: []string{"Всем доброе утро!", "Спокойной ночи, мир.", "Сначала кофе, потом всё остальное.", "Спасибо всем за поздравления с днём рождения!"},
		tags:      []string{"#доброеутро", "#еда", "#выходные", "#кофе", "#футбол"},
		alarms:    []string{"СРОЧНО: ", "ВНИМАНИЕ: ", "⚠️ СРОЧНО: "},
		share:     "Распространите, пока не удалили!",
		endings:   []string{"!!!", "!", "...", ""},
	},
	{
		code: "hi", weight: 9, spaced: true,
		given:    []string{"rahul", "priya", "amit", "pooja", "vikram", "neha", "arjun", "anjali", "rohit", "kavya"},
		surnames: []string{"sharma", "verma", "gupta", "singh", "patel", "kumar", "yadav", "mishra", "joshi", "reddy"},
		chatA: []string{
			"आखिरकार वह किताब पूरी कर ली जो {n} हफ्ते पहले शुरू की थी।",
			"अभी-अभी पार्क में {n} किलोमीटर दौड़कर लौटा हूँ।",
			"नाश्ते में पराठे बनाए और इस बार बिल्कुल गोल बने।",
			"आज सुबह फिर बस {n} मिनट देर से आई।",
			"पूरी दोपहर साइकिल ठीक करने में निकल गई।",
			"आज नुक्कड़ वाली नई चाय की दुकान पर गया।",
			"दीदी की शादी में {n} दिन बचे हैं और मेरे कपड़े अभी तक तैयार नहीं हैं।",
			"कल रात हमारी टीम {n} विकेट से जीत गई।",
			"इस हफ्ते बालकनी में टमाटर और तुलसी लगाई।",
			"दोस्तों के साथ छत से सूर्यास्त देखा।",
		},
		chatB: []string{
			"सच कहूँ तो उम्मीद से बेहतर था।",
			"पर पता नहीं दोबारा करूँगा या नहीं।",
			"मौसम एकदम बढ़िया था।",
			"ट्रैफिक हमेशा की तरह बुरा था।",
			"कल पैरों में बहुत दर्द होगा।",
			"हर मिनट वसूल था।",
			"बच्चों को बहुत मज़ा आया।",
			"अभी भी उसी के बारे में सोच रहा हूँ।",
		},
		chatC: []string{
			"अगली बार के लिए कोई सुझाव?",
			"क्या दिन था!",
			"अब थोड़ा आराम।",
			"वीकेंड का इंतज़ार है।",
			"आज और कौन थका हुआ है?",
			"ज़िंदगी अच्छी है।",
			"कल फिर से ऑफिस, अफ़सोस।",
			"बताइए आप क्या सोचते हैं!",
		},
		greetings: []string{"सभी को सुप्रभात!", "शुभ रात्रि दोस्तों।", "पहले चाय, बाकी सब बाद में।", "जन्मदिन की शुभकामनाओं के लिए सबका धन्यवाद!"},
		tags:      []string{"#सुप्रभात", "#खाना", "#वीकेंड", "#क्रिकेट", "#चाय"},
		alarms:    []string{"ब्रेकिंग: ", "सावधान: ", "⚠️ ज़रूरी: "},
		share:     "डिलीट होने से पहले शेयर करें!",
		endings:   []string{"!!!", "!", "...", ""},
	},
	{
		code: "zh", weight: 6,
		given:    []string{"wei", "fang", "lei", "jing", "hao", "min", "jun", "xiu", "tao", "yan"},
		surnames: []string{"wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou"},
		chatA: []string{
			"终于把{n}周前开始看的那本书看完了。",
			"刚沿着江边跑了{n}公里回来。",
			"早饭做了煎饼，这次居然是圆的。",
			"今天早上公交车又晚了{n}分钟。",
			"整个下午都在修自行车。",
			"今天去了街角新开的咖啡店。",
			"我姐的婚礼还有{n}天，我的西装还没买。",
			"昨晚我们队{n}比1赢了。",
			"周末在阳台上种了番茄和罗勒。",
			"和朋友们在天台上看日落。",
		},
		chatB: []string{
			"说实话，比我想象的好。",
			"不过下次还去不去就不一定了。",
			"天气好得不得了。",
			"路上堵得要命，老样子。",
			"明天腿肯定要酸了。",
			"每一分钟都值得。",
			"孩子们玩得特别开心。",
			"到现在还在回味。",
		},
		chatC: []string{
			"下次有什么推荐吗？",
			"多么美好的一天！",
			"该睡个午觉了。",
			"好想快点到周末。",
			"今天还有谁也很累？",
			"生活真美好。",
			"明天又要上班了，唉。",
			"大家觉得怎么样？",
		},
		greetings: []string{"大家早上好！", "晚安，世界。", "先喝咖啡，其他的再说。", "谢谢大家的生日祝福！"},
		tags:      []string{"#周末", "#美食", "#咖啡", "#跑步", "#日常"},
		alarms:    []string{"紧急扩散：", "转发：", "⚠️重要提醒："},
		share:     "删之前赶紧转！",
		endings:   []string{"！！！", "！", "。。。", ""},
		hearsay:   "听说",
	},
	{
		code: "ja", weight: 5,
		given:    []string{"yuki", "haruto", "sakura", "ren", "aoi", "sota", "hina", "yuto", "mei", "kaito"},
		surnames: []string{"sato", "suzuki", "takahashi", "tanaka", "watanabe", "ito", "yamamoto", "nakamura", "kobayashi", "kato"},
		chatA: []string{
			"{n}週間前に読み始めた本をやっと読み終えた。",
			"川沿いを{n}キロ走ってきたところ。",
			"朝ごはんにホットケーキを焼いたら、珍しくきれいな丸になった。",
			"今朝もバスが{n}分遅れた。",
			"午後はずっと自転車の修理をしていた。",
			"今日は角にできた新しいカフェに行ってみた。",
			"姉の結婚式まであと{n}日なのに、まだスーツがない。",
			"昨日の夜、うちのチームが{n}対1で勝った。",
			"週末にベランダでトマトとバジルを植えた。",
			"友達と屋上で夕日を見た。",
		},
		chatB: []string{
			"正直、思っていたより良かった。",
			"でも、またやるかはわからない。",
			"天気は最高だった。",
			"道はいつも通り大渋滞。",
			"明日は絶対に筋肉痛。",
			"行って本当に良かった。",
			"子どもたちは大喜びだった。",
			"まだ余韻に浸っている。",
		},
		chatC: []string{
			"次回のおすすめがあれば教えて！",
			"いい一日だった！",
			"昼寝の時間。",
			"早く週末にならないかな。",
			"今日疲れている人、他にいる？",
			"人生って素晴らしい。",
			"明日からまた仕事、残念。",
			"感想を聞かせてね！",
		},
		greetings: []string{"みなさん、おはようございます！", "おやすみなさい。", "まずはコーヒーから。", "誕生日のお祝いメッセージ、みんなありがとう！"},
		tags:      []string{"#週末", "#グルメ", "#コーヒー", "#ランニング", "#日常"},
		alarms:    []string{"【拡散希望】", "【速報】", "⚠️【注意】"},
		share:     "消される前に拡散して！",
		endings:   []string{"！！！", "！", "。。。", ""},
		hearsay:   "聞いた話だけど、",
	},
}

// fakerNarratives are the recurring narratives, modelled on the kinds of
// claims fact-checkers see again and again. Names, places and links are made up.
var fakerNarratives = []*fakerNarrative{
	{slug: "vaccine-microchip", weight: 1.6, versions: []*fakerVersion{
		{lang: "en", tags: []string{"#VaccineTruth", "#NoMicrochip"}, phrasings: []string{
			"The new vaccine contains a microchip that lets the government track everyone who gets the shot.",
			"Doctors are finally admitting it: there are microchips in the vaccines. Don't let them inject your kids!",
		}},
		{lang: "es", tags: []string{"#VacunaVerdad", "#NoAlMicrochip"}, phrasings: []string{
			"La nueva vacuna contiene un microchip para que el gobierno pueda rastrear a todos los vacunados.",
			"Los médicos por fin lo admiten: las vacunas traen microchips. ¡No dejes que vacunen a tus hijos!",
		}},
		{lang: "fr", tags: []string{"#VaccinVérité", "#NonALaPuce"}, phrasings: []string{
			"Le nouveau vaccin contient une puce électronique qui permet au gouvernement de suivre tous les vaccinés.",
			"Les médecins l'avouent enfin : il y a des puces dans les vaccins. Ne laissez pas vacciner vos enfants !",
		}},
		{lang: "pt", tags: []string{"#VacinaVerdade"}, phrasings: []string{
			"A nova vacina tem um microchip para o governo rastrear todo mundo que tomar a dose.",
			"Os médicos finalmente admitiram: tem microchip nas vacinas. Não deixem vacinar seus filhos!",
		}},
		{lang: "de", tags: []string{"#Impfwahrheit"}, phrasings: []string{
			"Der neue Impfstoff enthält einen Mikrochip, mit dem die Regierung jeden Geimpften verfolgen kann.",
			"Ärzte geben es endlich zu: In den Impfungen sind Mikrochips. Lasst eure Kinder nicht impfen!",
		}},
		{lang: "ar", tags: []string{"#عاجل", "#حقيقة_اللقاح"}, phrasings: []string{
			"اللقاح الجديد يحتوي على شريحة إلكترونية تسمح للحكومة بتتبع كل من يأخذه.",
			"الأطباء يعترفون أخيراً: هناك شرائح في اللقاحات. لا تسمحوا بتطعيم أطفالكم!",
		}},
		{lang: "ru", tags: []string{"#ПравдаОВакцинах"}, phrasings: []string{
			"В новой вакцине есть микрочип, чтобы правительство могло следить за каждым привитым.",
			"Врачи наконец признали: в вакцинах микрочипы. Не давайте колоть своих детей!",
		}},
		{lang: "hi", tags: []string{"#वैक्सीन_सच", "#VaccineTruth"}, phrasings: []string{
			"नई वैक्सीन में माइक्रोचिप है जिससे सरकार हर टीका लगवाने वाले पर नज़र रख सकती है।",
			"डॉक्टर आखिरकार मान गए: टीकों में माइक्रोचिप हैं। अपने बच्चों को टीका मत लगवाइए!",
		}},
		{lang: "zh", tags: []string{"#疫苗真相"}, phrasings: []string{
			"新疫苗里有微芯片，政府可以追踪每一个打过针的人。",
			"医生终于承认了：疫苗里有芯片。千万别给孩子打！",
		}},
		{lang: "ja", tags: []string{"#ワクチンの真実"}, phrasings: []string{
			"新しいワクチンにはマイクロチップが入っていて、政府が接種した人全員を追跡できるらしい。",
			"医者がついに認めた。ワクチンにはチップが入っている。子どもに打たせないで！",
		}},
	}},
	{slug: "lemon-cure", weight: 1.2, versions: []*fakerVersion{
		{lang: "es", tags: []string{"#CuraNatural"}, phrasings: []string{
			"Tomar agua caliente con limón cada mañana mata el virus e incluso cura el cáncer. Los hospitales no quieren que lo sepas.",
			"Una enfermera me lo confirmó: agua caliente con limón tres veces al día elimina el virus en 48 horas. ¡Compártelo con tu familia!",
		}},
		{lang: "en", tags: []string{"#NaturalCure"}, phrasings: []string{
			"Drinking hot water with lemon every morning kills the virus and even cures cancer. Hospitals don't want you to know this.",
			"A nurse friend told me: hot lemon water three times a day kills the virus in 48 hours. Share with family & friends!",
		}},
		{lang: "pt", tags: []string{"#CuraNatural"}, phrasings: []string{
			"Beber água quente com limão todas as manhãs mata o vírus e até cura o câncer. Os hospitais não querem que você saiba.",
			"Uma enfermeira me confirmou: água quente com limão três vezes por dia elimina o vírus em 48 horas. Compartilhe com sua família!",
		}},
		{lang: "fr", tags: []string{"#RemèdeNaturel"}, phrasings: []string{
			"Boire de l'eau chaude citronnée chaque matin tue le virus et guérit même le cancer. Les hôpitaux ne veulent pas que vous le sachiez.",
			"Une amie infirmière me l'a confirmé : de l'eau chaude au citron trois fois par jour élimine le virus en 48 heures. Partagez avec votre famille !",
		}},
		{lang: "ar", tags: []string{"#علاج_طبيعي"}, phrasings: []string{
			"شرب الماء الساخن مع الليمون كل صباح يقتل الفيروس بل ويعالج السرطان. المستشفيات لا تريدك أن تعرف هذا.",
			"أكدت لي ممرضة: الماء الساخن مع الليمون ثلاث مرات يومياً يقضي على الفيروس خلال 48 ساعة. انشرها لعائلتك!",
		}},
		{lang: "hi", tags: []string{"#घरेलू_इलाज"}, phrasings: []string{
			"रोज़ सुबह गर्म पानी में नींबू पीने से वायरस मर जाता है और कैंसर भी ठीक हो जाता है। अस्पताल नहीं चाहते कि आपको यह पता चले।",
			"एक नर्स ने बताया: दिन में तीन बार गर्म नींबू पानी पीने से 48 घंटे में वायरस खत्म हो जाता है। परिवार के साथ शेयर करें!",
		}},
		{lang: "ru", tags: []string{"#НародноеЛечение"}, phrasings: []string{
			"Горячая вода с лимоном каждое утро убивает вирус и даже лечит рак. Больницы не хотят, чтобы вы это знали.",
			"Знакомая медсестра подтвердила: горячая вода с лимоном три раза в день убивает вирус за 48 часов. Перешлите родным!",
		}},
	}},
	{slug: "5g-illness", weight: 1.0, versions: []*fakerVersion{
		{lang: "en", tags: []string{"#Stop5G"}, phrasings: []string{
			"5G towers are making people sick. Since they installed one near my street, half the neighbours have headaches and fevers.",
			"They are switching on the new 5G masts at night so nobody notices. That's why everyone is getting ill!",
		}},
		{lang: "es", tags: []string{"#No5G"}, phrasings: []string{
			"Las antenas 5G están enfermando a la gente. Desde que pusieron una cerca de mi calle, medio barrio tiene dolor de cabeza y fiebre.",
			"Encienden las nuevas antenas 5G de noche para que nadie se dé cuenta. ¡Por eso todos se están enfermando!",
		}},
		{lang: "fr", tags: []string{"#Stop5G"}, phrasings: []string{
			"Les antennes 5G rendent les gens malades. Depuis qu'ils en ont installé une près de chez moi, la moitié du quartier a de la fièvre.",
			"Ils allument les nouvelles antennes 5G la nuit pour que personne ne le remarque. Voilà pourquoi tout le monde tombe malade !",
		}},
		{lang: "de", tags: []string{"#Stopp5G"}, phrasings: []string{
			"5G-Masten machen die Menschen krank. Seit einer in meiner Straße steht, hat die halbe Nachbarschaft Kopfschmerzen und Fieber.",
			"Sie schalten die neuen 5G-Masten nachts ein, damit es keiner merkt. Deshalb werden alle krank!",
		}},
		{lang: "pt", tags: []string{"#Fora5G"}, phrasings: []string{
			"As antenas 5G estão deixando as pessoas doentes. Desde que instalaram uma perto da minha rua, metade dos vizinhos está com febre.",
			"Eles ligam as novas antenas 5G de madrugada pra ninguém perceber. É por isso que todo mundo está ficando doente!",
		}},
		{lang: "ru", tags: []string{"#Нет5G"}, phrasings: []string{
			"Вышки 5G делают людей больными. С тех пор как одну поставили возле моего дома, у половины соседей головные боли и температура.",
			"Новые вышки 5G включают по ночам, чтобы никто не заметил. Вот почему все болеют!",
		}},
		{lang: "ar", tags: []string{"#أوقفوا_5G"}, phrasings: []string{
			"أبراج الجيل الخامس تسبب المرض للناس. منذ تركيب برج قرب شارعنا ونصف الجيران يعانون من الصداع والحمى.",
			"يشغلون أبراج الجيل الخامس الجديدة ليلاً حتى لا يلاحظ أحد. لهذا يمرض الجميع!",
		}},
	}},
	{slug: "ballot-dump", weight: 1.3, versions: []*fakerVersion{
		{lang: "en", tags: []string{"#BallotDump", "#ElectionFraud"}, phrasings: []string{
			"Thousands of mail-in ballots found dumped in a ditch outside the county office. Every single one was for the opposition!",
			"Video shows boxes of ballots thrown in a river behind the election office. This election is being stolen.",
		}},
		{lang: "es", tags: []string{"#FraudeElectoral"}, phrasings: []string{
			"Encuentran miles de votos por correo tirados en una zanja junto a la oficina electoral. ¡Todos eran para la oposición!",
			"Un video muestra cajas con boletas arrojadas a un río detrás de la oficina electoral. Nos están robando la elección.",
		}},
		{lang: "pt", tags: []string{"#FraudeEleitoral"}, phrasings: []string{
			"Milhares de cédulas encontradas jogadas numa vala perto do cartório eleitoral. Todas eram da oposição!",
			"Vídeo mostra caixas de votos jogadas num rio atrás do prédio da eleição. Estão roubando a eleição.",
		}},
		{lang: "fr", tags: []string{"#FraudeÉlectorale"}, phrasings: []string{
			"Des milliers de bulletins de vote retrouvés dans un fossé près de la mairie. Tous étaient pour l'opposition !",
			"Une vidéo montre des cartons de bulletins jetés dans une rivière derrière le bureau de vote. On nous vole l'élection.",
		}},
		{lang: "de", tags: []string{"#Wahlbetrug"}, phrasings: []string{
			"Tausende Briefwahlzettel in einem Graben hinter dem Wahlamt gefunden. Alle waren für die Opposition!",
			"Ein Video zeigt Kisten mit Stimmzetteln, die hinter dem Wahlbüro in einen Fluss geworfen werden. Die Wahl wird gestohlen.",
		}},
	}},
	{slug: "voting-machines", weight: 0.9, versions: []*fakerVersion{
		{lang: "pt", tags: []string{"#UrnaFraudada"}, phrasings: []string{
			"As urnas eletrônicas foram programadas para transferir votos. Um técnico do tribunal confessou tudo em áudio vazado.",
			"Urna eletrônica não é auditável! Apertei o número do meu candidato e apareceu outro na tela.",
		}},
		{lang: "es", tags: []string{"#FraudeElectoral"}, phrasings: []string{
			"Las máquinas de votación fueron programadas para cambiar votos. Un técnico del tribunal lo confesó todo en un audio filtrado.",
			"¡Las máquinas de votación no se pueden auditar! Marqué a mi candidato y en la pantalla apareció otro.",
		}},
		{lang: "en", tags: []string{"#RiggedMachines"}, phrasings: []string{
			"The voting machines were programmed to flip votes. A technician from the electoral court confessed everything in a leaked audio.",
			"I pressed my candidate's number and a different name showed up on the screen. These machines can't be audited!",
		}},
	}},
	{slug: "evm-rigging", weight: 1.0, versions: []*fakerVersion{
		{lang: "hi", tags: []string{"#EVM_घोटाला", "#चुनाव"}, phrasings: []string{
			"EVM में गड़बड़ी हो रही है! कोई भी बटन दबाओ, वोट एक ही पार्टी को जा रहा है।",
			"वायरल वीडियो देखिए: मतदान केंद्र पर EVM बदली जा रही थीं और अधिकारी चुप रहे।",
		}},
		{lang: "en", tags: []string{"#EVMScam", "#Elections"}, phrasings: []string{
			"EVMs are being tampered with! Press any button and the vote goes to the same party.",
			"Viral video: EVMs were being swapped at the polling booth while officials looked away.",
		}},
	}},
	{slug: "minister-fake-quote", weight: 1.1, versions: []*fakerVersion{
		{lang: "es", tags: []string{"#FueraMinistro"}, phrasings: []string{
			"El ministro de Hacienda dijo textualmente: «Si la gente no puede pagar el pan, que coma menos». ¿Cómo sigue en el cargo?",
			"Frase del año del ministro de Hacienda: «Los jubilados ya vivieron bastante de nuestro dinero». ¡Compártelo antes de que lo borren!",
		}},
		{lang: "en", tags: []string{"#Resign", "#OutOfTouch"}, phrasings: []string{
			"The finance minister actually said: “If people can't afford bread, they should simply eat less.” How is this man still in office?",
			"Quote of the year from our finance minister: “Pensioners have lived long enough on our money.” Share before they delete it!",
		}},
		{lang: "fr", tags: []string{"#Démission"}, phrasings: []string{
			"Le ministre des Finances a vraiment dit : « Si les gens ne peuvent pas payer le pain, qu'ils mangent moins. » Comment est-il encore en poste ?",
			"Citation de l'année du ministre des Finances : « Les retraités ont assez vécu sur notre argent. » Partagez avant qu'ils ne l'effacent !",
		}},
		{lang: "pt", tags: []string{"#ForaMinistro"}, phrasings: []string{
			"O ministro da Fazenda disse mesmo: “Se o povo não pode pagar o pão, que coma menos.” Como ele ainda está no cargo?",
			"Frase do ano do ministro da Fazenda: “Os aposentados já viveram demais às nossas custas.” Compartilhem antes que apaguem!",
		}},
		{lang: "de", tags: []string{"#Rücktritt"}, phrasings: []string{
			"Der Finanzminister hat wirklich gesagt: „Wer sich kein Brot leisten kann, soll eben weniger essen.“ Wie ist der noch im Amt?",
			"Zitat des Jahres vom Finanzminister: „Die Rentner haben lange genug von unserem Geld gelebt.“ Teilen, bevor sie es löschen!",
		}},
		{lang: "ru", tags: []string{"#ВОтставку"}, phrasings: []string{
			"Министр финансов правда сказал: «Если людям не хватает на хлеб, пусть едят меньше». Как он до сих пор на своём посту?",
			"Цитата года от министра финансов: «Пенсионеры и так слишком долго жили за наш счёт». Распространите, пока не удалили!",
		}},
		{lang: "ar", tags: []string{"#ارحل"}, phrasings: []string{
			"وزير المالية قال حرفياً: «إذا لم يستطع الناس شراء الخبز فليأكلوا أقل». كيف ما زال في منصبه؟",
			"تصريح العام من وزير المالية: «المتقاعدون عاشوا طويلاً على أموالنا». انشروها قبل أن يحذفوها!",
		}},
	}},
	{slug: "dam-collapse-video", weight: 1.2, versions: []*fakerVersion{
		{lang: "en", tags: []string{"#DamCollapse", "#Flood"}, phrasings: []string{
			"Video: the dam upstream has just collapsed and the water is heading to the city. Get to higher ground NOW!",
			"This footage of the dam bursting was filmed an hour ago. The authorities are hiding how bad it is.",
		}},
		{lang: "es", tags: []string{"#Inundación"}, phrasings: []string{
			"Video: la presa río arriba acaba de colapsar y el agua va hacia la ciudad. ¡Suban a zonas altas YA!",
			"Este video de la represa rompiéndose se grabó hace una hora. Las autoridades ocultan la gravedad.",
		}},
		{lang: "fr", tags: []string{"#Inondation"}, phrasings: []string{
			"Vidéo : le barrage en amont vient de céder et l'eau arrive sur la ville. Montez en hauteur MAINTENANT !",
			"Ces images du barrage qui cède ont été filmées il y a une heure. Les autorités cachent la gravité de la situation.",
		}},
		{lang: "pt", tags: []string{"#Barragem", "#Enchente"}, phrasings: []string{
			"Vídeo: a barragem rio acima acabou de romper e a água está indo para a cidade. Procurem lugares altos AGORA!",
			"Esse vídeo da barragem estourando foi gravado há uma hora. As autoridades estão escondendo a gravidade.",
		}},
		{lang: "de", tags: []string{"#Dammbruch", "#Hochwasser"}, phrasings: []string{
			"Video: Der Staudamm flussaufwärts ist gerade gebrochen und das Wasser kommt auf die Stadt zu. Sofort in höhere Lagen!",
			"Diese Aufnahmen vom Dammbruch sind eine Stunde alt. Die Behörden verschweigen, wie schlimm es ist.",
		}},
		{lang: "ar", tags: []string{"#عاجل", "#انهيار_السد"}, phrasings: []string{
			"فيديو: انهار السد أعلى النهر قبل قليل والمياه تتجه نحو المدينة. اصعدوا إلى الأماكن المرتفعة فوراً!",
			"هذا المقطع لانهيار السد صُوّر قبل ساعة. السلطات تخفي حجم الكارثة.",
		}},
		{lang: "ru", tags: []string{"#Прорыв_плотины", "#Срочно"}, phrasings: []string{
			"Видео: плотину выше по реке только что прорвало, вода идёт на город. Срочно поднимайтесь повыше!",
			"Это видео прорыва плотины снято час назад. Власти скрывают масштаб катастрофы.",
		}},
		{lang: "hi", tags: []string{"#बाँध_टूटा", "#बाढ़"}, phrasings: []string{
			"वीडियो: ऊपर का बाँध अभी-अभी टूट गया है और पानी शहर की ओर आ रहा है। तुरंत ऊँची जगह पर जाइए!",
			"बाँध टूटने का यह वीडियो एक घंटे पहले का है। प्रशासन सच छिपा रहा है।",
		}},
		{lang: "zh", tags: []string{"#大坝决堤"}, phrasings: []string{
			"视频：上游的大坝刚刚决堤了，洪水正冲向市区，赶紧往高处跑！",
			"这段大坝溃坝的视频是一小时前拍的，官方在隐瞒灾情。",
		}},
		{lang: "ja", tags: []string{"#ダム決壊", "#拡散希望"}, phrasings: []string{
			"動画：上流のダムが今決壊して、水が市街地に向かっている。すぐに高台へ避難して！",
			"このダム決壊の映像は1時間前に撮影されたもの。当局は被害の大きさを隠している。",
		}},
	}},
	{slug: "earthquake-prediction", weight: 0.9, versions: []*fakerVersion{
		{lang: "ja", tags: []string{"#地震予知", "#拡散希望"}, phrasings: []string{
			"専門家が今週金曜日に大地震が来ると予測している。水と食料を今すぐ準備して！",
			"地震雲が出ている。3日以内にM8クラスの地震が来るから、家族に知らせて。",
		}},
		{lang: "zh", tags: []string{"#地震预警"}, phrasings: []string{
			"专家预测本周五会发生大地震，赶紧准备好水和食物！",
			"天上出现了地震云，三天之内会有八级地震，快告诉家人。",
		}},
		{lang: "en", tags: []string{"#EarthquakeWarning"}, phrasings: []string{
			"Scientists are predicting a massive earthquake this Friday. Stock up on water and food now!",
			"Earthquake clouds spotted over the bay. A magnitude 8 quake will hit within three days, warn your family.",
		}},
		{lang: "es", tags: []string{"#AlertaSísmica"}, phrasings: []string{
			"Los científicos predicen un gran terremoto este viernes. ¡Compren agua y comida ya!",
			"Aparecieron nubes sísmicas sobre la bahía. En tres días habrá un terremoto de magnitud 8, avisen a su familia.",
		}},
		{lang: "ru", tags: []string{"#Землетрясение"}, phrasings: []string{
			"Учёные предсказывают сильное землетрясение в эту пятницу. Запасайтесь водой и едой прямо сейчас!",
			"Над заливом появились сейсмические облака. В течение трёх дней будет землетрясение магнитудой 8, предупредите родных.",
		}},
	}},
	{slug: "relief-grant-scam", weight: 1.4, versions: []*fakerVersion{
		{lang: "en", tags: []string{"#ReliefGrant", "#FreeMoney"}, phrasings: []string{
			"The government is giving every family a $5,000 relief grant this week. Claim yours before Friday: https://gov-relief.example/claim",
			"I just got my $5,000 relief payment! It only takes two minutes, register here: https://gov-relief.example/claim",
		}},
		{lang: "es", tags: []string{"#BonoFamiliar"}, phrasings: []string{
			"El gobierno está dando un bono de 5.000 a cada familia esta semana. Reclama el tuyo antes del viernes: https://bono-familia.example/registro",
			"¡Ya me llegó el bono de 5.000! Solo toma dos minutos, regístrate aquí: https://bono-familia.example/registro",
		}},
		{lang: "fr", tags: []string{"#AideFamille"}, phrasings: []string{
			"Le gouvernement verse une aide de 5 000 € à chaque famille cette semaine. Réclamez la vôtre avant vendredi : https://aide-familles.example/demande",
			"Je viens de recevoir mon aide de 5 000 € ! Ça prend deux minutes, inscrivez-vous ici : https://aide-familles.example/demande",
		}},
		{lang: "pt", tags: []string{"#AuxílioFamília"}, phrasings: []string{
			"O governo está pagando um auxílio de R$ 5.000 para cada família esta semana. Resgate o seu até sexta: https://auxilio-familia.example/cadastro",
			"Acabei de receber meu auxílio de R$ 5.000! Leva só dois minutos, se cadastre aqui: https://auxilio-familia.example/cadastro",
		}},
		{lang: "de", tags: []string{"#Soforthilfe"}, phrasings: []string{
			"Die Regierung zahlt diese Woche jeder Familie 5.000 € Soforthilfe. Bis Freitag beantragen: https://soforthilfe.example/antrag",
			"Habe gerade meine 5.000 € Soforthilfe bekommen! Dauert nur zwei Minuten, hier registrieren: https://soforthilfe.example/antrag",
		}},
		{lang: "ar", tags: []string{"#منحة_الأسرة"}, phrasings: []string{
			"الحكومة تصرف منحة 5000 لكل أسرة هذا الأسبوع. سجّل قبل يوم الجمعة: https://manha-usra.example/register",
			"وصلتني منحة الـ5000 للتو! التسجيل يستغرق دقيقتين فقط: https://manha-usra.example/register",
		}},
		{lang: "ru", tags: []string{"#Выплаты"}, phrasings: []string{
			"Государство выплачивает каждой семье по 50 000 рублей на этой неделе. Успейте оформить до пятницы: https://gos-vyplata.example/forma",
			"Мне только что пришли 50 000 рублей от государства! Оформление за две минуты: https://gos-vyplata.example/forma",
		}},
		{lang: "hi", tags: []string{"#सहायता_योजना"}, phrasings: []string{
			"सरकार इस हफ्ते हर परिवार को 5000 रुपये की सहायता दे रही है। शुक्रवार से पहले यहाँ रजिस्टर करें: https://sahayata-yojana.example/form",
			"मुझे अभी 5000 रुपये की सहायता मिल गई! सिर्फ दो मिनट लगते हैं, यहाँ रजिस्टर करें: https://sahayata-yojana.example/form",
		}},
		{lang: "zh", tags: []string{"#政府补贴"}, phrasings: []string{
			"政府本周给每个家庭发放五千元补贴，周五前点击领取：https://butie.example/lingqu",
			"我刚领到五千元补贴！两分钟就能办好，点这里登记：https://butie.example/lingqu",
		}},
		{lang: "ja", tags: []string{"#給付金"}, phrasings: []string{
			"政府が今週、全世帯に5万円の給付金を配っています。金曜日までにこちらから申請：https://kyufukin.example/shinsei",
			"5万円の給付金が振り込まれた！2分で申請できるのでこちらから：https://kyufukin.example/shinsei",
		}},
	}},
	{slug: "bank-freeze", weight: 1.0, versions: []*fakerVersion{
		{lang: "es", tags: []string{"#Corralito"}, phrasings: []string{
			"Los bancos congelarán todas las cuentas el lunes por un «reajuste monetario». ¡Saquen su dinero este fin de semana!",
			"Mi primo trabaja en un banco: desde el lunes nadie podrá retirar más de 100 dólares. Saquen su plata ya.",
		}},
		{lang: "en", tags: []string{"#ProtectYourSavings"}, phrasings: []string{
			"Banks will freeze all accounts on Monday for a 'currency reset'. Withdraw your cash this weekend!",
			"My cousin works at a bank: from Monday nobody will be able to withdraw more than $100. Take your money out now.",
		}},
		{lang: "pt", tags: []string{"#ConfiscoDaPoupança"}, phrasings: []string{
			"Os bancos vão congelar todas as contas na segunda-feira. Saquem seu dinheiro neste fim de semana!",
			"Meu primo trabalha no banco: a partir de segunda ninguém vai poder sacar mais de 500 reais. Tirem seu dinheiro agora.",
		}},
		{lang: "ru", tags: []string{"#Банки"}, phrasings: []string{
			"С понедельника банки заморозят все счета. Снимайте наличные в эти выходные!",
			"Брат работает в банке: с понедельника нельзя будет снять больше 10 000 рублей. Забирайте деньги сейчас.",
		}},
		{lang: "ar", tags: []string{"#عاجل"}, phrasings: []string{
			"البنوك ستجمد جميع الحسابات يوم الاثنين. اسحبوا أموالكم نقداً في عطلة نهاية الأسبوع!",
			"ابن عمي يعمل في بنك: من يوم الاثنين لن يستطيع أحد سحب أكثر من 100 دولار. اسحبوا أموالكم الآن.",
		}},
		{lang: "hi", tags: []string{"#बैंक_बंद"}, phrasings: []string{
			"सोमवार से बैंक सारे खाते फ्रीज़ कर देंगे। इसी हफ्ते अपना पैसा निकाल लीजिए!",
			"मेरा भाई बैंक में काम करता है: सोमवार से कोई भी 2000 रुपये से ज़्यादा नहीं निकाल पाएगा। अभी पैसे निकाल लो।",
		}},
	}},
	{slug: "fuel-shortage", weight: 0.8, versions: []*fakerVersion{
		{lang: "fr", tags: []string{"#Pénurie"}, phrasings: []string{
			"Les stations-service seront à sec dans trois jours à cause de la grève. Faites le plein ce soir !",
			"Un chauffeur de camion-citerne me l'a dit : plus une goutte d'essence la semaine prochaine. Allez-y maintenant.",
		}},
		{lang: "en", tags: []string{"#FuelCrisis"}, phrasings: []string{
			"Petrol stations will run dry in three days because of the strike. Fill up your tank tonight!",
			"Heard from a tanker driver: there will be no fuel at all next week. Queue now while you still can.",
		}},
		{lang: "de", tags: []string{"#Spritmangel"}, phrasings: []string{
			"Wegen des Streiks sind die Tankstellen in drei Tagen leer. Heute Abend noch volltanken!",
			"Ein Tankwagenfahrer hat es mir gesagt: Nächste Woche gibt es gar keinen Sprit mehr. Jetzt noch anstellen!",
		}},
		{lang: "ar", tags: []string{"#أزمة_الوقود"}, phrasings: []string{
			"محطات الوقود ستنفد خلال ثلاثة أيام بسبب الإضراب. املأوا خزاناتكم الليلة!",
			"سائق صهريج أخبرني: لن يكون هناك وقود الأسبوع القادم. اذهبوا الآن قبل فوات الأوان.",
		}},
		{lang: "hi", tags: []string{"#पेट्रोल_संकट"}, phrasings: []string{
			"हड़ताल की वजह से तीन दिन में पेट्रोल पंप खाली हो जाएँगे। आज रात ही टंकी फुल करा लें!",
			"एक टैंकर ड्राइवर ने बताया: अगले हफ्ते बिल्कुल पेट्रोल नहीं मिलेगा। अभी लाइन में लग जाइए।",
		}},
		{lang: "ru", tags: []string{"#Бензин"}, phrasings: []string{
			"Из-за забастовки через три дня на заправках закончится бензин. Заправьтесь сегодня вечером!",
			"Знакомый водитель бензовоза сказал: на следующей неделе топлива не будет совсем. Езжайте на заправку сейчас.",
		}},
	}},
	{slug: "iodized-salt-radiation", weight: 0.8, versions: []*fakerVersion{
		{lang: "zh", tags: []string{"#抢盐", "#核辐射"}, phrasings: []string{
			"碘盐可以防核辐射，超市的盐快被抢光了，赶紧去买！",
			"核污水排海以后海盐都被污染了，现在家里必须囤够一年的盐。",
		}},
		{lang: "ja", tags: []string{"#放射能"}, phrasings: []string{
			"ヨウ素入りの塩を食べれば放射線から身を守れる。スーパーの塩がもうすぐ売り切れるから急いで！",
			"処理水の放出で海塩が汚染された。今のうちに1年分の塩を買いだめしておくべき。",
		}},
		{lang: "ru", tags: []string{"#Радиация"}, phrasings: []string{
			"Йодированная соль защищает от радиации! В магазинах её уже сметают, купите, пока есть.",
			"После сброса радиоактивной воды вся морская соль заражена. Запасайтесь солью на год вперёд.",
		}},
		{lang: "en", tags: []string{"#Radiation"}, phrasings: []string{
			"Iodized salt protects you from radiation. Supermarkets are running out, buy some today!",
			"After the radioactive water release all sea salt is contaminated. Stock up on a year's worth of salt now.",
		}},
	}},
	{slug: "seafood-contaminated", weight: 0.7, versions: []*fakerVersion{
		{lang: "zh", tags: []string{"#核污水"}, phrasings: []string{
			"核污水已经流到我们这边的海域，海鲜全都有辐射，千万别再吃了！",
			"内部消息：这批进口海鲜辐射超标十倍，已经流入各大超市。",
		}},
		{lang: "ja", tags: []string{"#汚染水"}, phrasings: []string{
			"汚染水がこちらの海まで来ている。魚介類は全部放射能まみれだから絶対に食べないで！",
			"内部情報：この輸入魚介類は放射線量が基準の10倍。もう全国のスーパーに出回っている。",
		}},
		{lang: "en", tags: []string{"#RadioactiveWater"}, phrasings: []string{
			"The radioactive water has reached our coast. All seafood is contaminated, stop eating it now!",
			"Insider info: this batch of imported seafood has ten times the safe radiation level and it's already in supermarkets.",
		}},
	}},
	{slug: "child-kidnappers", weight: 1.1, versions: []*fakerVersion{
		{lang: "hi", tags: []string{"#बच्चा_चोर", "#सावधान"}, phrasings: []string{
			"सावधान! सफ़ेद वैन में बच्चा चोर घूम रहे हैं, कल स्कूल के बाहर से दो बच्चे उठा ले गए।",
			"बच्चा चोर गिरोह शहर में आ गया है। बच्चों को अकेले बाहर मत भेजिए, यह मैसेज सब ग्रुप में भेजें।",
		}},
		{lang: "en", tags: []string{"#KeepKidsSafe"}, phrasings: []string{
			"WARNING: a white van is going around snatching children outside schools. Two kids were taken yesterday!",
			"A gang of child kidnappers has arrived in town. Don't let your children go out alone, forward this to every group.",
		}},
		{lang: "es", tags: []string{"#Alerta"}, phrasings: []string{
			"¡ALERTA! Una camioneta blanca está secuestrando niños a la salida de las escuelas. ¡Ayer se llevaron a dos!",
			"Llegó al pueblo una banda de robachicos. No dejen salir solos a sus hijos, reenvíen esto a todos sus grupos.",
		}},
		{lang: "pt", tags: []string{"#Alerta"}, phrasings: []string{
			"ALERTA! Uma van branca está sequestrando crianças na saída das escolas. Ontem levaram duas!",
			"Uma quadrilha de sequestradores de crianças chegou na cidade. Não deixem seus filhos saírem sozinhos, repassem para todos os grupos.",
		}},
		{lang: "ar", tags: []string{"#تحذير"}, phrasings: []string{
			"تحذير! سيارة بيضاء تخطف الأطفال أمام المدارس، أمس خطفوا طفلين!",
			"عصابة خطف أطفال وصلت إلى المدينة. لا تتركوا أطفالكم يخرجون وحدهم، انشروا الرسالة في كل المجموعات.",
		}},
		{lang: "fr", tags: []string{"#Alerte"}, phrasings: []string{
			"ALERTE ! Une camionnette blanche enlève des enfants à la sortie des écoles. Deux ont disparu hier !",
			"Une bande de kidnappeurs d'enfants est arrivée en ville. Ne laissez pas vos enfants sortir seuls, transférez à tous vos groupes.",
		}},
	}},
	{slug: "celebrity-death-hoax", weight: 0.8, versions: []*fakerVersion{
		{lang: "en", tags: []string{"#RIPDanielMercer"}, phrasings: []string{
			"RIP Daniel Mercer. The actor was found dead in his home this morning, his family just confirmed it. 💔",
			"Daniel Mercer has died at 54 after a sudden heart attack on set. Can't believe it.",
		}},
		{lang: "es", tags: []string{"#QEPDDanielMercer"}, phrasings: []string{
			"Descanse en paz Daniel Mercer. El actor fue hallado muerto en su casa esta mañana, su familia acaba de confirmarlo. 💔",
			"Murió Daniel Mercer a los 54 años tras un infarto repentino en pleno rodaje. No lo puedo creer.",
		}},
		{lang: "fr", tags: []string{"#RIPDanielMercer"}, phrasings: []string{
			"RIP Daniel Mercer. L'acteur a été retrouvé mort chez lui ce matin, sa famille vient de le confirmer. 💔",
			"Daniel Mercer est mort à 54 ans d'une crise cardiaque en plein tournage. Je n'arrive pas à y croire.",
		}},
		{lang: "pt", tags: []string{"#LutoDanielMercer"}, phrasings: []string{
			"Descanse em paz, Daniel Mercer. O ator foi encontrado morto em casa hoje de manhã, a família acabou de confirmar. 💔",
			"Daniel Mercer morreu aos 54 anos depois de um infarto fulminante no set. Não consigo acreditar.",
		}},
		{lang: "de", tags: []string{"#RIPDanielMercer"}, phrasings: []string{
			"Ruhe in Frieden, Daniel Mercer. Der Schauspieler wurde heute Morgen tot in seinem Haus gefunden, die Familie hat es gerade bestätigt. 💔",
			"Daniel Mercer ist mit 54 Jahren nach einem plötzlichen Herzinfarkt am Set gestorben. Ich kann es nicht glauben.",
		}},
	}},
	{slug: "chemtrails-floods", weight: 0.8, versions: []*fakerVersion{
		{lang: "de", tags: []string{"#Chemtrails"}, phrasings: []string{
			"Die weißen Streifen über der Stadt diese Woche sind Chemikalien. Sie besprühen uns, um das Hochwasser auszulösen!",
			"Schaut heute in den Himmel: überall Chemtrails im Gittermuster. Wettermanipulation ist real und niemand redet darüber.",
		}},
		{lang: "en", tags: []string{"#Chemtrails"}, phrasings: []string{
			"Those white trails over the city this week are chemicals. They are spraying us to cause the floods!",
			"Look at the sky today: grid patterns of chemtrails everywhere. Weather manipulation is real and nobody is talking about it.",
		}},
		{lang: "es", tags: []string{"#Chemtrails"}, phrasings: []string{
			"Esas estelas blancas sobre la ciudad esta semana son químicos. ¡Nos están fumigando para provocar las inundaciones!",
			"Miren el cielo hoy: estelas químicas en cuadrícula por todas partes. La manipulación del clima es real y nadie habla de eso.",
		}},
		{lang: "fr", tags: []string{"#Chemtrails"}, phrasings: []string{
			"Ces traînées blanches au-dessus de la ville cette semaine, ce sont des produits chimiques. Ils nous aspergent pour provoquer les inondations !",
			"Regardez le ciel aujourd'hui : des chemtrails en quadrillage partout. La manipulation du climat est réelle et personne n'en parle.",
		}},
		{lang: "ru", tags: []string{"#Химтрейлы"}, phrasings: []string{
			"Эти белые полосы над городом на этой неделе — химикаты. Нас распыляют, чтобы вызвать наводнения!",
			"Посмотрите сегодня на небо: повсюду химтрейлы сеткой. Управление погодой существует, а все молчат.",
		}},
	}},
	{slug: "leaked-audio-minister", weight: 1.0, versions: []*fakerVersion{
		{lang: "pt", tags: []string{"#ÁudioVazado"}, phrasings: []string{
			"Áudio vazado: o ministro da Saúde admite que os números dos hospitais foram inventados para conseguir mais verba. Ouçam antes que apaguem!",
			"Está viralizando essa gravação do ministro da Saúde rindo dos números falsos dos hospitais. Por que nenhum jornal fala disso?",
		}},
		{lang: "en", tags: []string{"#LeakedAudio"}, phrasings: []string{
			"Leaked audio: the health minister admits the hospital figures were invented to get more funding. Listen before it's taken down!",
			"This recording of the health minister laughing about fake hospital numbers is going viral. Why is no newspaper reporting it?",
		}},
		{lang: "es", tags: []string{"#AudioFiltrado"}, phrasings: []string{
			"Audio filtrado: el ministro de Salud admite que las cifras de los hospitales fueron inventadas para conseguir más fondos. ¡Escúchenlo antes de que lo borren!",
			"Se está haciendo viral esta grabación del ministro de Salud riéndose de las cifras falsas de hospitales. ¿Por qué ningún diario lo publica?",
		}},
		{lang: "fr", tags: []string{"#AudioFuité"}, phrasings: []string{
			"Audio qui a fuité : le ministre de la Santé avoue que les chiffres des hôpitaux ont été inventés pour obtenir plus de budget. Écoutez avant la suppression !",
			"Cet enregistrement du ministre de la Santé qui rit des faux chiffres des hôpitaux devient viral. Pourquoi aucun journal n'en parle ?",
		}},
		{lang: "ar", tags: []string{"#تسريب"}, phrasings: []string{
			"تسريب صوتي: وزير الصحة يعترف بأن أرقام المستشفيات مفبركة للحصول على تمويل أكبر. استمعوا قبل الحذف!",
			"ينتشر هذا التسجيل لوزير الصحة وهو يضحك على أرقام المستشفيات المزيفة. لماذا لا تنشره أي صحيفة؟",
		}},
		{lang: "hi", tags: []string{"#लीक_ऑडियो"}, phrasings: []string{
			"लीक ऑडियो: स्वास्थ्य मंत्री मान रहे हैं कि अस्पतालों के आँकड़े ज़्यादा फंड के लिए गढ़े गए थे। डिलीट होने से पहले सुन लीजिए!",
			"स्वास्थ्य मंत्री की नकली अस्पताल आँकड़ों पर हँसते हुए यह रिकॉर्डिंग वायरल हो रही है। कोई अख़बार इसे क्यों नहीं दिखा रहा?",
		}},
	}},
	{slug: "water-poisoned", weight: 0.9, versions: []*fakerVersion{
		{lang: "ar", tags: []string{"#تحذير", "#المياه"}, phrasings: []string{
			"تحذير: مياه الشرب في المدينة ملوثة بمواد سامة. لا تشربوا من الصنبور حتى إشعار آخر!",
			"مصدر في شركة المياه: تم تسميم الخزان الرئيسي ليلة أمس والسلطات تتكتم على الأمر.",
		}},
		{lang: "ru", tags: []string{"#Вода"}, phrasings: []string{
			"Внимание: водопроводная вода в городе отравлена. Не пейте из-под крана до особого распоряжения!",
			"Источник в водоканале: вчера ночью отравили главный резервуар, а власти молчат.",
		}},
		{lang: "en", tags: []string{"#WaterAlert"}, phrasings: []string{
			"WARNING: the city's tap water has been poisoned. Do not drink from the tap until further notice!",
			"Source at the water company: the main reservoir was poisoned last night and the authorities are covering it up.",
		}},
		{lang: "fr", tags: []string{"#AlerteEau"}, phrasings: []string{
			"ATTENTION : l'eau du robinet de la ville a été empoisonnée. Ne la buvez pas jusqu'à nouvel ordre !",
			"Une source à la compagnie des eaux : le réservoir principal a été empoisonné cette nuit et les autorités étouffent l'affaire.",
		}},
		{lang: "hi", tags: []string{"#पानी_में_ज़हर"}, phrasings: []string{
			"सावधान: शहर के नल का पानी ज़हरीला हो गया है। अगली सूचना तक नल का पानी मत पीजिए!",
			"जल विभाग के सूत्र: कल रात मुख्य टंकी में ज़हर मिलाया गया और अधिकारी बात दबा रहे हैं।",
		}},
		{lang: "zh", tags: []string{"#自来水"}, phrasings: []string{
			"紧急通知：本市自来水被投毒，在另行通知前千万不要喝自来水！",
			"自来水公司内部人士透露：昨晚主水库被人投毒，官方正在封锁消息。",
		}},
	}},
}
