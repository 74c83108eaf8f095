package main

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/yamux"
)

// runPeer serves the echo protocol until the session ends. isServer tells which
// stream ids the driver opens (a yamux client uses odd ids, a server even ones).
func runPeer(sess *yamux.Session, sc *sniffConn, isServer bool) {
	p := &peer{sess: sess, sc: sc, finSeen: map[uint32]bool{}}
	driverParity := uint32(1) // the driver is the client: odd ids
	if !isServer {
		driverParity = 0
	}
	// FINs are counted at the frame level, before the session processes them: Go's
	// Stream.Read cannot report a remote FIN once the local side has closed.
	sc.setInspect(func(f frame) {
		if f.Flags&flagFIN != 0 && f.StreamID != 0 && f.StreamID%2 == driverParity {
			p.mu.Lock()
			p.finSeen[f.StreamID] = true
			p.mu.Unlock()
		}
	})
	for {
		s, err := sess.AcceptStream()
		if err != nil {
			return
		}
		go p.handle(s)
	}
}

type peer struct {
	sess    *yamux.Session
	sc      *sniffConn
	mu      sync.Mutex
	finSeen map[uint32]bool
}

func (p *peer) finCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.finSeen)
}

func readLine(s *yamux.Stream) (string, error) {
	var line []byte
	var b [1]byte
	for len(line) < 128 {
		n, err := s.Read(b[:])
		if n == 1 {
			if b[0] == '\n' {
				return string(line), nil
			}
			line = append(line, b[0])
		}
		if err != nil {
			return string(line), err
		}
	}
	return string(line), fmt.Errorf("command line too long")
}

func (p *peer) handle(s *yamux.Stream) {
	line, err := readLine(s)
	if err != nil {
		if err != io.EOF || line != "" {
			logf("peer: stream %d: reading command: %q %v", s.StreamID(), line, err)
		}
		s.Close()
		return
	}
	f := strings.Fields(line)
	if len(f) == 0 {
		f = []string{""}
	}
	switch {
	case f[0] == "ECHO" && len(f) == 1:
		p.echo(s)
	case f[0] == "ECHO-SLOW" && len(f) == 2:
		ms, err := strconv.Atoi(f[1])
		if err != nil || ms < 0 {
			p.refuse(s, line)
			return
		}
		time.Sleep(time.Duration(ms) * time.Millisecond)
		p.echo(s)
	case f[0] == "OPEN" && len(f) == 3:
		n, err1 := strconv.Atoi(f[1])
		size, err2 := strconv.Atoi(f[2])
		if err1 != nil || err2 != nil || n < 0 || size < 0 {
			p.refuse(s, line)
			return
		}
		p.open(s, n, size)
	case f[0] == "FINCOUNT" && len(f) == 1:
		fmt.Fprintf(s, "%d\n", p.finCount())
		s.Close()
	case f[0] == "RESET" && len(f) == 1:
		if err := p.sc.reset(s.StreamID()); err != nil {
			logf("peer: reset stream %d: %v", s.StreamID(), err)
		}
	case f[0] == "GOAWAY" && len(f) == 1:
		if err := p.sess.GoAway(); err != nil {
			logf("peer: GoAway: %v", err)
		}
	default:
		p.refuse(s, line)
	}
}

func (p *peer) refuse(s *yamux.Stream, line string) {
	logf("peer: stream %d: unknown command %q", s.StreamID(), line)
	fmt.Fprintf(s, "ERR unknown command %q\n", line)
	s.Close()
}

func (p *peer) echo(s *yamux.Stream) {
	if _, err := io.Copy(s, s); err != nil {
		logf("peer: echo on stream %d: %v", s.StreamID(), err)
	}
	s.Close()
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

func (p *peer) open(cmd *yamux.Stream, n, size int) {
	data := pattern(size)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		s, err := p.sess.OpenStream()
		if err != nil {
			logf("peer: OPEN: %v", err)
			fmt.Fprintf(cmd, "ERR %v\n", err)
			cmd.Close()
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := io.Copy(s, bytes.NewReader(data)); err != nil {
				logf("peer: OPEN stream %d: %v", s.StreamID(), err)
			}
			s.Close()
		}()
	}
	io.WriteString(cmd, "OK\n")
	cmd.Close()
	wg.Wait()
}
