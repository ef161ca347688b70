package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progress prints a one-line, self-overwriting progress report (count,
// rate, ETA) to a terminal, at most a few times a second. It prints nothing
// when the output is not a terminal or the user asked for quiet.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	label   string
	unit    string
	total   int
	start   time.Time
	last    time.Time
	printed bool
	on      bool
}

func newProgress(app *App, label, unit string, total int) *progress {
	return &progress{w: app.Stderr, label: label, unit: unit, total: total, start: time.Now(),
		on: !app.Quiet && isTerminal(app.Stderr)}
}

func (p *progress) update(done int) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	elapsed := now.Sub(p.start).Seconds()
	rate := float64(done) / max(elapsed, 1e-3)
	line := fmt.Sprintf("%s: %d %s, %.0f/s", p.label, done, p.unit, rate)
	if p.total > 0 && done < p.total && rate > 0 {
		eta := time.Duration(float64(p.total-done) / rate * float64(time.Second)).Round(time.Second)
		line += fmt.Sprintf(", %d%%, ETA %s", done*100/p.total, eta)
	}
	fmt.Fprintf(p.w, "\r\033[K%s", line)
	p.printed = true
}

// done clears the progress line so the summary starts on a clean line.
func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.printed {
		fmt.Fprint(p.w, "\r\033[K")
		p.printed = false
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
