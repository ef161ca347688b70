// Package ui is timpani's viewer: a chi router, handlers that only render,
// embedded templates and static files, and the JSON API. It reads through
// interfaces it declares and never touches SQL.
package ui
