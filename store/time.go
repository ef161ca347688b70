package store

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// TimeFormat is how every time is stored: ISO-8601 UTC with milliseconds,
// which sorts correctly as text and reads without decoding.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// Time is a time.Time stored as TimeFormat text. The zero Time is stored as
// NULL, and NULL scans into the zero Time.
type Time struct{ time.Time }

// T wraps t for storage.
func T(t time.Time) Time { return Time{t} }

// Value implements driver.Valuer.
func (t Time) Value() (driver.Value, error) {
	if t.IsZero() {
		return nil, nil
	}
	return t.UTC().Format(TimeFormat), nil
}

// Scan implements sql.Scanner.
func (t *Time) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		t.Time = time.Time{}
		return nil
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	}
	return fmt.Errorf("scan time: unsupported type %T", v)
}

func (t *Time) parse(s string) error {
	p, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("scan time %q: %w", s, err)
	}
	t.Time = p.UTC()
	return nil
}

// String formats t as stored.
func (t Time) String() string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeFormat)
}

// MarshalText makes Time read naturally in JSON.
func (t Time) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

func fmtTime(t time.Time) string { return t.UTC().Format(TimeFormat) }
