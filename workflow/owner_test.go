package workflow

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// Runners that share a process never take each other's leases; owners
// naming a process that is gone are dead.
func TestOwnerDead(t *testing.T) {
	a, b := NewOwner(), NewOwner()
	host, _ := os.Hostname()
	gone := exec.Command(os.Args[0], "-test.run", "^$")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, owner string
		dead        bool
	}{
		{"itself", a, false},
		{"another runner of this process", b, false},
		{"an earlier process that had this pid", fmt.Sprintf("%s:%d:0badc0de", host, os.Getpid()), true},
		{"a process that exited", fmt.Sprintf("%s:%d:0badc0de", host, gone.Process.Pid), true},
		{"a process that runs", fmt.Sprintf("%s:%d:0badc0de", host, os.Getppid()), false},
		{"another host", fmt.Sprintf("elsewhere-%s:%d:0badc0de", host, gone.Process.Pid), false},
		{"not an owner name", "worker-7", false},
	}
	for _, c := range cases {
		if got := ownerDead(c.owner, a); got != c.dead {
			t.Errorf("%s (%s): dead = %v; want %v", c.name, c.owner, got, c.dead)
		}
	}
}
