package workflow

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// ownersHere are the owners NewOwner made in this process: alive however
// many runners share the process.
var ownersHere sync.Map

// NewOwner returns a lease owner name unique to this process:
// host:pid:nonce. The host and pid let a later process on the same machine
// see that the owner died and take its leases back at once instead of
// waiting for them to expire.
func NewOwner() string {
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	var b [4]byte
	rand.Read(b[:])
	owner := fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	ownersHere.Store(owner, true)
	return owner
}

// ownerDead reports whether owner, seen by the runner whose owner is self,
// names a process on this host that no longer exists. Owners on other
// hosts, or that cannot be parsed, are presumed alive: their leases expire
// on their own.
func ownerDead(owner, self string) bool {
	if owner == self {
		return false
	}
	parts := strings.Split(owner, ":")
	if len(parts) != 3 {
		return false
	}
	host, _ := os.Hostname()
	if parts[0] != host {
		return false
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil || pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		// Ours, or an earlier process's that had our pid and is gone.
		_, ours := ownersHere.Load(owner)
		return !ours
	}
	err = syscall.Kill(pid, 0)
	return errors.Is(err, syscall.ESRCH)
}
