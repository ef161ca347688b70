package lexembed

import (
	"testing"
)

// Tweet-sized texts in several scripts (about 80-280 bytes, like the covid
// replies whose median is 82 characters and p95 277).
var benchTexts = []string{
	"RT @nypost: They will have our business going forward. Every company with this kind of leadership will gain and retain our business. https://t.co/AbCdEf",
	"@nypost remember this when the crisis has passed and you are thinking about where to eat",
	"В Китае нашли ударный кратер необычной формы, сообщают учёные из Пекина https://naked-science.ru/article/geology",
	"Почти три миллиарда лет назад на обратной стороне Луны извергались вулканы",
	"新型冠状病毒疫情在武汉爆发，专家呼吁市民减少外出并佩戴口罩",
	"أعلنت وزارة الصحة عن تسجيل حالات جديدة بفيروس كورونا اليوم في عدة مدن",
	"@WHO @CDCgov Is it true that drinking hot water every 15 minutes kills the virus?? My aunt sent this on WhatsApp #COVID19 #coronavirus",
	"lol, where are all the celebrities doing the same",
}

func BenchmarkEmbedInto(b *testing.B) {
	var e Embedder
	dst := make([]float32, Dim)
	bytes := 0
	for _, s := range benchTexts {
		bytes += len(s)
	}
	b.SetBytes(int64(bytes / len(benchTexts)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		e.EmbedInto(dst, benchTexts[i%len(benchTexts)])
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "items/s")
}

func BenchmarkEmbed(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		Embed(benchTexts[i%len(benchTexts)])
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "items/s")
}

func BenchmarkCosine(b *testing.B) {
	x, y := Embed(benchTexts[0]), Embed(benchTexts[1])
	var sink float64
	for b.Loop() {
		sink += Cosine(x, y)
	}
	_ = sink
}
