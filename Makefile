# Thin aliases; the real commands are in README.md and .ci/run.
.PHONY: build test lint bench

build:
	CGO_ENABLED=0 go build -o bin/timpani ./cmd/timpani

test:
	go test ./...

lint:
	test -z "$$(gofmt -l .)"
	go vet ./...

bench:
	go test -run '^$$' -bench . -benchtime 1x ./workflow/
