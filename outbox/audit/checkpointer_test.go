package audit_test

import (
	"testing"
	"time"

	"github.com/xgate/xgate/outbox/audit"
)

func TestCheckpointerDue(t *testing.T) {
	p, err := audit.NewCheckpointer(audit.CheckpointerConfig{Every: 100, Interval: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	last := audit.Checkpoint{Seq: 200, Time: t0}
	for _, tc := range []struct {
		name string
		last audit.Checkpoint
		head uint64
		now  time.Time
		want bool
	}{
		{"no checkpoint yet: seal the first entry", audit.Checkpoint{}, 1, t0, true},
		{"nothing new", last, 200, t0.Add(time.Hour), false},
		{"head behind the checkpoint", last, 150, t0.Add(time.Hour), false},
		{"few entries, little time", last, 299, t0.Add(9 * time.Minute), false},
		{"Every entries", last, 300, t0.Add(time.Second), true},
		{"more than Every entries", last, 350, t0, true},
		{"Interval passed", last, 201, t0.Add(10 * time.Minute), true},
		{"clock went back: count only", last, 250, t0.Add(-time.Hour), false},
		{"clock went back, Every reached", last, 300, t0.Add(-time.Hour), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := p.Due(tc.last, tc.head, tc.now); got != tc.want {
				t.Errorf("Due = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCheckpointerConfig(t *testing.T) {
	p, err := audit.NewCheckpointer(audit.CheckpointerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if c := p.Config(); c.Every != 1000 || c.Interval != 5*time.Minute {
		t.Errorf("defaults: %+v", c)
	}
	if _, err := audit.NewCheckpointer(audit.CheckpointerConfig{Interval: -time.Second}); err == nil {
		t.Error("negative interval accepted")
	}
}
