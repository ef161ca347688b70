package ui

import (
	"net/url"
	"regexp"
	"strings"
)

// postEmbed is how a platform shows one of its posts inside another page.
// Embeds load the platform's own scripts or frames, so they appear only
// when the config switches them on.
type postEmbed struct {
	Frame  string // an iframe's src
	Tweet  string // a tweet's URL for the blockquote widgets.js turns into a card
	Script string // the script that does so
}

var (
	youtubeID = regexp.MustCompile(`^[A-Za-z0-9_-]{11}$`)
	tweetPath = regexp.MustCompile(`^/[A-Za-z0-9_]{1,15}/status/[0-9]{1,25}$`)
)

// embedOf recognises the posts the viewer knows how to embed; nil for
// anything else. Only well-formed ids reach the page.
func embedOf(raw string) *postEmbed {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Scheme != "https" && u.Scheme != "http" {
		return nil
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	switch host {
	case "youtube.com", "m.youtube.com":
		if id := u.Query().Get("v"); youtubeID.MatchString(id) {
			return &postEmbed{Frame: "https://www.youtube-nocookie.com/embed/" + id}
		}
	case "youtu.be":
		if id := strings.TrimPrefix(u.Path, "/"); youtubeID.MatchString(id) {
			return &postEmbed{Frame: "https://www.youtube-nocookie.com/embed/" + id}
		}
	case "twitter.com", "x.com", "mobile.twitter.com":
		if tweetPath.MatchString(u.Path) {
			return &postEmbed{Tweet: "https://twitter.com" + u.Path, Script: "https://platform.twitter.com/widgets.js"}
		}
	}
	return nil
}
