package main

import (
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

const (
	typeData         = 0
	typeWindowUpdate = 1
	typePing         = 2
	typeGoAway       = 3

	flagSYN = 1
	flagACK = 2
	flagFIN = 4
	flagRST = 8

	headerSize    = 12
	initialWindow = 256 * 1024
)

type frame struct {
	Version  uint8
	Type     uint8
	Flags    uint16
	StreamID uint32
	Length   uint32
	At       time.Time
}

func parseHeader(h []byte) frame {
	return frame{
		Version:  h[0],
		Type:     h[1],
		Flags:    binary.BigEndian.Uint16(h[2:4]),
		StreamID: binary.BigEndian.Uint32(h[4:8]),
		Length:   binary.BigEndian.Uint32(h[8:12]),
		At:       time.Now(),
	}
}

func encodeHeader(typ uint8, flags uint16, id, length uint32) []byte {
	h := make([]byte, headerSize)
	h[1] = typ
	binary.BigEndian.PutUint16(h[2:4], flags)
	binary.BigEndian.PutUint32(h[4:8], id)
	binary.BigEndian.PutUint32(h[8:12], length)
	return h
}

func (f frame) String() string {
	names := []string{"Data", "WindowUpdate", "Ping", "GoAway"}
	t := fmt.Sprintf("type%d", f.Type)
	if int(f.Type) < len(names) {
		t = names[f.Type]
	}
	var fl []string
	for _, x := range []struct {
		bit  uint16
		name string
	}{{flagSYN, "SYN"}, {flagACK, "ACK"}, {flagFIN, "FIN"}, {flagRST, "RST"}} {
		if f.Flags&x.bit != 0 {
			fl = append(fl, x.name)
		}
	}
	return fmt.Sprintf("%s[%s] v%d stream=%d len=%d", t, strings.Join(fl, "|"), f.Version, f.StreamID, f.Length)
}

// frameLog records every frame header seen in one direction and lets cases wait
// for a frame that matches a predicate.
type frameLog struct {
	mu      sync.Mutex
	frames  []frame
	data    map[uint32]uint64 // Data payload bytes per stream
	maxData uint32
	changed chan struct{}
}

func newFrameLog() *frameLog {
	return &frameLog{data: map[uint32]uint64{}, changed: make(chan struct{})}
}

func (l *frameLog) add(f frame) {
	l.mu.Lock()
	l.frames = append(l.frames, f)
	if f.Type == typeData {
		l.data[f.StreamID] += uint64(f.Length)
		if f.Length > l.maxData {
			l.maxData = f.Length
		}
	}
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

// mark returns a position; waitFor only considers frames recorded after it.
func (l *frameLog) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.frames)
}

func (l *frameLog) since(pos int) []frame {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]frame(nil), l.frames[pos:]...)
}

// describe lists at most the first 10 frames recorded after pos, for messages.
func (l *frameLog) describe(pos int) string {
	fs := l.since(pos)
	var parts []string
	for i, f := range fs {
		if i == 10 {
			parts = append(parts, fmt.Sprintf("... %d more", len(fs)-10))
			break
		}
		parts = append(parts, f.String())
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func (l *frameLog) dataBytes(id uint32) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.data[id]
}

func (l *frameLog) maxDataFrame() uint32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.maxData
}

func (l *frameLog) waitFor(pos int, timeout time.Duration, match func(frame) bool) (frame, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		for ; pos < len(l.frames); pos++ {
			if match(l.frames[pos]) {
				f := l.frames[pos]
				l.mu.Unlock()
				return f, true
			}
		}
		ch := l.changed
		l.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			return frame{}, false
		}
	}
}

// frameParser follows frame boundaries in a byte stream fed in arbitrary chunks.
type frameParser struct {
	hdr    [headerSize]byte
	have   int
	remain uint32
}

func (p *frameParser) atBoundary() bool { return p.have == 0 && p.remain == 0 }

// feed consumes b and calls onFrame for each complete header.
func (p *frameParser) feed(b []byte, onFrame func(frame)) {
	for len(b) > 0 {
		if p.remain > 0 {
			n := uint32(len(b))
			if n > p.remain {
				n = p.remain
			}
			p.remain -= n
			b = b[n:]
			continue
		}
		n := copy(p.hdr[p.have:], b)
		p.have += n
		b = b[n:]
		if p.have == headerSize {
			p.have = 0
			f := parseHeader(p.hdr[:])
			if f.Type == typeData {
				p.remain = f.Length
			}
			onFrame(f)
		}
	}
}

// sniffConn sits between a yamux session and its socket. It logs the frames in
// both directions and can put extra frames on the wire between two of the
// session's own frames, or drop one FIN the session sends.
//
// The injection exists because Debian's 2019 yamux has no stream reset and
// because its Stream.Read returns io.EOF as soon as the *local* side has closed
// (state streamLocalClose), so a Go stream cannot half-close and keep reading
// the peer's remaining data. A half-close is therefore sent as a raw
// WindowUpdate+FIN frame, and the FIN that Stream.Close later emits for the same
// stream is dropped, so the wire carries exactly what a correct yamux sends.
type sniffConn struct {
	net.Conn
	in  *frameLog
	out *frameLog

	inParser frameParser

	wmu      sync.Mutex
	outHdr   [headerSize]byte
	outHave  int
	outLeft  uint32
	pending  [][]byte
	dropFIN  map[uint32]bool
	inspect  func(frame) // called for each frame received, before the session sees it
	inspectM sync.Mutex
}

func newSniffConn(c net.Conn) *sniffConn {
	return &sniffConn{Conn: c, in: newFrameLog(), out: newFrameLog(), dropFIN: map[uint32]bool{}}
}

func (c *sniffConn) setInspect(fn func(frame)) {
	c.inspectM.Lock()
	c.inspect = fn
	c.inspectM.Unlock()
}

func (c *sniffConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.inParser.feed(b[:n], func(f frame) {
			c.inspectM.Lock()
			fn := c.inspect
			c.inspectM.Unlock()
			if fn != nil {
				fn(f)
			}
			c.in.add(f)
		})
	}
	return n, err
}

func (c *sniffConn) Write(b []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	total := len(b)
	for len(b) > 0 {
		if c.outLeft > 0 {
			n := uint32(len(b))
			if n > c.outLeft {
				n = c.outLeft
			}
			if _, err := c.Conn.Write(b[:n]); err != nil {
				return total - len(b), err
			}
			c.outLeft -= n
			b = b[n:]
			continue
		}
		n := copy(c.outHdr[c.outHave:], b)
		c.outHave += n
		b = b[n:]
		if c.outHave < headerSize {
			continue
		}
		c.outHave = 0
		f := parseHeader(c.outHdr[:])
		if f.Type == typeWindowUpdate && f.Flags&flagFIN != 0 && f.Length == 0 && c.dropFIN[f.StreamID] {
			delete(c.dropFIN, f.StreamID)
			if f.Flags == flagFIN {
				continue
			}
			// Keep any other flag the session wanted to send, without the FIN.
			f.Flags &^= flagFIN
			copy(c.outHdr[:], encodeHeader(f.Type, f.Flags, f.StreamID, 0))
		}
		if _, err := c.Conn.Write(c.outHdr[:]); err != nil {
			return total - len(b), err
		}
		c.out.add(f)
		if f.Type == typeData {
			c.outLeft = f.Length
		}
	}
	if err := c.flushPending(); err != nil {
		return total, err
	}
	return total, nil
}

// flushPending must be called with wmu held.
func (c *sniffConn) flushPending() error {
	if c.outHave != 0 || c.outLeft != 0 {
		return nil
	}
	for len(c.pending) > 0 {
		h := c.pending[0]
		c.pending = c.pending[1:]
		if _, err := c.Conn.Write(h); err != nil {
			return err
		}
		c.out.add(parseHeader(h))
	}
	return nil
}

// inject queues a header-only frame to be written at the next frame boundary.
func (c *sniffConn) inject(h []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.pending = append(c.pending, h)
	return c.flushPending()
}

// halfClose sends FIN for the stream without changing the local stream state, and
// arranges for the FIN of the stream's later Close to be dropped.
func (c *sniffConn) halfClose(id uint32) error {
	c.wmu.Lock()
	c.dropFIN[id] = true
	c.wmu.Unlock()
	return c.inject(encodeHeader(typeWindowUpdate, flagFIN, id, 0))
}

func (c *sniffConn) reset(id uint32) error {
	return c.inject(encodeHeader(typeWindowUpdate, flagRST, id, 0))
}
