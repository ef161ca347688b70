package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/timpani-dev/timpani/workflow/langid"
	"github.com/timpani-dev/timpani/workflow/modelserver"
)

// ModelsCmd groups the built-in model service commands.
type ModelsCmd struct {
	Serve ModelsServeCmd `cmd:"" help:"Serve the built-in models with Presto- and Alegre-compatible HTTP endpoints."`
}

// ModelsServeCmd serves the built-in models.
type ModelsServeCmd struct {
	Addr    string `default:"127.0.0.1:8000" help:"Address to listen on. It POSTs results to any callback URL a client names, so keep it on loopback unless you trust the network."`
	Workers int    `default:"0" help:"Model jobs computed at once (default: one per CPU)."`
}

// Run serves until interrupted.
func (c *ModelsServeCmd) Run(ctx context.Context, app *App) error {
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("models serve: %w", err)
	}
	return serveModels(ctx, app, ln, c.Workers)
}

// serveModels runs the model server on ln until ctx is done. Vectors stored
// through its Alegre endpoints are kept in memory for the life of the
// process.
func serveModels(ctx context.Context, app *App, ln net.Listener, workers int) error {
	lang, err := langid.New(nil)
	if err != nil {
		return fmt.Errorf("models serve: language model: %w", err)
	}
	srv := modelserver.New(modelserver.Options{
		Log:       app.Log,
		Client:    &http.Client{Timeout: 30 * time.Second},
		Workers:   workers,
		Language:  langidAdapter{lang},
		UserAgent: "timpani/" + version() + " (models serve)",
	})
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	app.printf("models: serving Presto (/process_item/<model>__Model) and Alegre (/text/similarity/) on http://%s\n", ln.Addr())
	return serveUntilDone(ctx, hs, ln, srv.Run)
}

// langidAdapter serves langid as the model server's fasttext model.
type langidAdapter struct{ d *langid.Detector }

func (a langidAdapter) Detect(text string) (string, float64) {
	r := a.d.Detect(text)
	return r.Lang, r.Confidence
}

func ignoreCanceled(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
