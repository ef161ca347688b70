package text

import "unicode/utf8"

// removeEmojiRuns replaces every run of two or more emoji by one space. The
// original removed such runs because clusters formed around strings of emoji
// in texts that were otherwise unrelated; it kept a single emoji ("mRNA 💉s").
// Unlike the original, which counted code points, this counts an emoji with
// its modifiers as one, so a lone 👍🏽 or 🇺🇸 is kept, and ❤️❤️ (with variation
// selectors between the hearts) is a run.
func removeEmojiRuns(s string) string {
	var b []byte
	last := 0 // s[last:] has not been copied to b yet
	for i := 0; i < len(s); {
		// Every emoji is U+203C or above, so its first byte is >= 0xE2;
		// continuation bytes are below 0xC0.
		if s[i] < 0xE2 {
			i++
			continue
		}
		n := emojiLen(s[i:])
		if n == 0 {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			continue
		}
		j, count := i+n, 1
		for {
			m := emojiLen(s[j:])
			if m == 0 {
				break
			}
			j += m
			count++
		}
		if count >= 2 {
			if b == nil {
				b = make([]byte, 0, len(s))
			}
			b = append(b, s[last:i]...)
			b = append(b, ' ')
			last = j
		}
		i = j
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

// emojiLen returns the length of the emoji at the start of s with its
// modifiers, or 0 if s does not start with one.
func emojiLen(s string) int {
	r, n := utf8.DecodeRuneInString(s)
	if !isEmoji(r) {
		return 0
	}
	if isRegionalIndicator(r) {
		// Two regional indicators make one flag.
		if r2, n2 := utf8.DecodeRuneInString(s[n:]); isRegionalIndicator(r2) {
			n += n2
		}
	}
	for n < len(s) {
		r, size := utf8.DecodeRuneInString(s[n:])
		if isEmojiModifier(r) {
			n += size
			continue
		}
		if r == 0x200D { // ZWJ joins the next emoji into this one: 👨‍👩‍👧
			if r2, size2 := utf8.DecodeRuneInString(s[n+size:]); isEmoji(r2) {
				n += size + size2
				continue
			}
		}
		break
	}
	return n
}

// isEmoji reports whether r is an emoji. It covers the original's blocks
// (Miscellaneous Symbols, Dingbats, Emoticons, Miscellaneous Symbols and
// Pictographs, Transport and Map, Supplemental Symbols and Pictographs,
// regional indicators) widened to the whole U+1F000-U+1FAFF range (newer
// emoji such as 🫠 and 🟢), plus the emoji scattered over other BMP blocks
// (⭐ ⬛ ⌚ ⏰ ‼ ↩ ...). ©, ® and ™ are left out: they appear in ordinary text.
func isEmoji(r rune) bool {
	switch {
	case r < 0x203C:
		return false
	case 0x1F000 <= r && r <= 0x1FAFF, 0x2600 <= r && r <= 0x27BF:
		return true
	}
	switch r {
	case 0x203C, 0x2049, 0x2139, 0x231A, 0x231B, 0x2328, 0x23CF, 0x24C2,
		0x25AA, 0x25AB, 0x25B6, 0x25C0, 0x2934, 0x2935, 0x2B1B, 0x2B1C,
		0x2B50, 0x2B55, 0x3030, 0x303D, 0x3297, 0x3299:
		return true
	}
	return 0x2194 <= r && r <= 0x2199 || 0x21A9 <= r && r <= 0x21AA ||
		0x23E9 <= r && r <= 0x23F3 || 0x23F8 <= r && r <= 0x23FA ||
		0x25FB <= r && r <= 0x25FE || 0x2B05 <= r && r <= 0x2B07
}

func isRegionalIndicator(r rune) bool { return 0x1F1E6 <= r && r <= 0x1F1FF }

// isEmojiModifier reports whether r extends the emoji before it: variation
// selectors 15 and 16, the combining keycap, skin tones and tag characters
// (subdivision flags such as 🏴󠁧󠁢󠁳󠁣󠁴󠁿).
func isEmojiModifier(r rune) bool {
	return r == 0xFE0E || r == 0xFE0F || r == 0x20E3 ||
		0x1F3FB <= r && r <= 0x1F3FF || 0xE0020 <= r && r <= 0xE007F
}
