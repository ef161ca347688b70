package sources

import (
	"os"
	"sync"
	"time"
)

// Readers are parked for at most parkTTL unused, and at most parkMax at once.
const (
	parkTTL = time.Minute
	parkMax = 8
)

// readerPark keeps gzip readers open between Fetch calls, keyed by file and
// the cursor they stand at. Resuming a gzipped file at an offset otherwise
// means decompressing everything before it, which makes reading a file page
// by page take time quadratic in its size. The file-kind sources share it.
type readerPark[R any] struct {
	now   func() time.Time
	close func(R)

	mu     sync.Mutex
	parked map[string]parkedReader[R]
}

type parkedReader[R any] struct {
	r     R
	since time.Time
}

// put parks r at file and cursor, closing the oldest reader when the park
// is full and any reader already parked there.
func (p *readerPark[R]) put(file, cursor string, r R) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.expire(now)
	if len(p.parked) >= parkMax {
		var oldest string
		for k, pr := range p.parked {
			if oldest == "" || pr.since.Before(p.parked[oldest].since) {
				oldest = k
			}
		}
		p.close(p.parked[oldest].r)
		delete(p.parked, oldest)
	}
	if p.parked == nil {
		p.parked = make(map[string]parkedReader[R])
	}
	key := file + "\n" + cursor
	if pr, ok := p.parked[key]; ok {
		p.close(pr.r) // a concurrent fetch of the same page parked one already
	}
	p.parked[key] = parkedReader[R]{r: r, since: now}
}

// take removes and returns the reader parked at file and cursor, if any.
func (p *readerPark[R]) take(file, cursor string) (R, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := file + "\n" + cursor
	pr, ok := p.parked[key]
	delete(p.parked, key)
	p.expire(p.now())
	return pr.r, ok
}

// len is how many readers are parked.
func (p *readerPark[R]) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.parked)
}

// expire closes the readers parked longer than parkTTL; p.mu is held.
func (p *readerPark[R]) expire(now time.Time) {
	for k, pr := range p.parked {
		if now.Sub(pr.since) > parkTTL {
			p.close(pr.r)
			delete(p.parked, k)
		}
	}
}

// unchanged reports whether the file at name is still the one opened as
// opened: a parked reader of a replaced or rewritten file must not be used.
func unchanged(name string, opened os.FileInfo) bool {
	info, err := os.Stat(name)
	return err == nil && os.SameFile(info, opened) && info.Size() == opened.Size() && info.ModTime().Equal(opened.ModTime())
}
