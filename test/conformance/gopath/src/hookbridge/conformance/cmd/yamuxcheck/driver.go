package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/ioutil"
	"math/rand"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/yamux"
)

const caseTimeout = 30 * time.Second

type driver struct {
	sess     *yamux.Session
	sc       *sniffConn
	client   bool
	accepted chan *yamux.Stream
	deadline time.Time

	vmu        sync.Mutex
	violations []string
}

type driverCase struct {
	name string
	run  func(d *driver) error
}

var driverCases = []driverCase{
	{"ping", (*driver).casePing},
	{"ack_without_data", (*driver).caseAckWithoutData},
	{"echo_sequential", func(d *driver) error { return d.echoMany(3, 1024, false) }},
	{"echo_concurrent", func(d *driver) error { return d.echoMany(3, 1024, true) }},
	{"echo_200k", func(d *driver) error { return d.echo(payload(200*1024, 200), 0) }},
	{"echo_300k", func(d *driver) error { return d.echo(payload(300*1024, 300), 0) }},
	{"echo_4mib", (*driver).caseEcho4MiB},
	{"concurrent_50x64k", func(d *driver) error { return d.echoMany(50, 64*1024, true) }},
	{"concurrent_20x1mib", func(d *driver) error { return d.echoMany(20, 1024*1024, true) }},
	{"sequential_1000", (*driver).caseSequential1000},
	{"fin_to_peer", (*driver).caseFinToPeer},
	{"fin_from_peer", (*driver).caseFinFromPeer},
	{"window_stall", (*driver).caseWindowStall},
	{"large_frames", (*driver).caseLargeFrames},
	{"reset", (*driver).caseReset},
	{"frame_sanity", (*driver).caseFrameSanity},
	{"goaway", (*driver).caseGoAway}, // must stay last: the session accepts no new streams afterwards
}

func runDriver(sess *yamux.Session, sc *sniffConn, client bool, cases []driverCase) int {
	d := &driver{sess: sess, sc: sc, client: client, accepted: make(chan *yamux.Stream, 256)}
	sc.setInspect(d.checkFrame)
	go func() {
		for {
			s, err := sess.AcceptStream()
			if err != nil {
				return
			}
			d.accepted <- s
		}
	}()
	passed, failed := 0, 0
	for _, c := range cases {
		err := d.runCase(c)
		if err != nil {
			failed++
			fmt.Printf("FAIL %s: %s\n", c.name, oneLine(err.Error()))
		} else {
			passed++
			fmt.Printf("PASS %s\n", c.name)
		}
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	sess.Close()
	if failed > 0 {
		return 1
	}
	return 0
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func (d *driver) runCase(c driverCase) (err error) {
	if d.sess.IsClosed() {
		return errors.New("yamux session is closed")
	}
	d.deadline = time.Now().Add(caseTimeout)
	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("panic: %v", p)
			}
		}()
		done <- c.run(d)
	}()
	select {
	case err = <-done:
		return err
	case <-time.After(caseTimeout + 2*time.Second):
		return fmt.Errorf("timed out after %v", caseTimeout)
	}
}

// checkFrame records protocol violations in frames sent by the peer; the
// frame_sanity case reports them.
func (d *driver) checkFrame(f frame) {
	var bad string
	peerParity := uint32(0) // the peer is the server: even ids
	if !d.client {
		peerParity = 1
	}
	switch {
	case f.Version != 0:
		bad = "bad version"
	case f.Type > typeGoAway:
		bad = "unknown type"
	case f.Flags&^uint16(flagSYN|flagACK|flagFIN|flagRST) != 0:
		bad = "unknown flag bits"
	case (f.Type == typePing || f.Type == typeGoAway) && f.StreamID != 0:
		bad = "session frame on a stream id"
	case (f.Type == typeData || f.Type == typeWindowUpdate) && f.StreamID == 0:
		bad = "stream frame on stream 0"
	case f.Type <= typeWindowUpdate && f.Flags&flagSYN != 0 && f.StreamID%2 != peerParity:
		bad = "SYN with the driver's stream id parity"
	case f.Type == typePing && f.Flags&(flagSYN|flagACK) == 0:
		bad = "ping without SYN or ACK"
	case f.Type == typeGoAway && f.Length > 2:
		bad = "unknown GoAway code"
	}
	if bad != "" {
		d.vmu.Lock()
		if len(d.violations) < 20 {
			d.violations = append(d.violations, bad+": "+f.String())
		}
		d.vmu.Unlock()
	}
}

func payload(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

func (d *driver) open(cmd string) (*yamux.Stream, error) {
	s, err := d.sess.OpenStream()
	if err != nil {
		return nil, fmt.Errorf("OpenStream: %v", err)
	}
	s.SetDeadline(d.deadline)
	if cmd != "" {
		if _, err := io.WriteString(s, cmd); err != nil {
			s.Close()
			return nil, fmt.Errorf("stream %d: writing %q: %v", s.StreamID(), strings.TrimSpace(cmd), err)
		}
	}
	return s, nil
}

type readResult struct {
	data []byte
	err  error
	at   time.Time
}

func readAllAsync(s *yamux.Stream) <-chan readResult {
	ch := make(chan readResult, 1)
	go func() {
		b, err := ioutil.ReadAll(s)
		ch <- readResult{b, err, time.Now()}
	}()
	return ch
}

func firstDiff(want, got []byte) string {
	n := len(want)
	if len(got) < n {
		n = len(got)
	}
	for i := 0; i < n; i++ {
		if want[i] != got[i] {
			return fmt.Sprintf("first difference at byte %d (want 0x%02x, got 0x%02x)", i, want[i], got[i])
		}
	}
	return fmt.Sprintf("got %d bytes, want %d", len(got), len(want))
}

// echo opens an ECHO stream, writes data (in writes of chunk bytes, or one Write
// if chunk is 0) while reading concurrently, half-closes, and expects exactly the
// same bytes back followed by the peer's FIN.
func (d *driver) echo(data []byte, chunk int) error {
	s, err := d.open("ECHO\n")
	if err != nil {
		return err
	}
	defer s.Close()
	got := readAllAsync(s)
	if err := writeChunks(s, data, chunk); err != nil {
		return fmt.Errorf("stream %d: write: %v", s.StreamID(), err)
	}
	if err := d.sc.halfClose(s.StreamID()); err != nil {
		return fmt.Errorf("stream %d: FIN: %v", s.StreamID(), err)
	}
	r := <-got
	if r.err != nil {
		return fmt.Errorf("stream %d: read after %d of %d bytes: %v", s.StreamID(), len(r.data), len(data), r.err)
	}
	if !bytes.Equal(r.data, data) {
		return fmt.Errorf("stream %d: echo mismatch: %s", s.StreamID(), firstDiff(data, r.data))
	}
	return nil
}

func writeChunks(w io.Writer, data []byte, chunk int) error {
	if chunk <= 0 {
		_, err := w.Write(data)
		return err
	}
	for off := 0; off < len(data); off += chunk {
		end := off + chunk
		if end > len(data) {
			end = len(data)
		}
		if _, err := w.Write(data[off:end]); err != nil {
			return err
		}
	}
	return nil
}

func (d *driver) echoMany(n, size int, concurrent bool) error {
	if !concurrent {
		for i := 0; i < n; i++ {
			if err := d.echo(payload(size, int64(i+1)), 0); err != nil {
				return fmt.Errorf("stream #%d: %v", i, err)
			}
		}
		return nil
	}
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func(i int) {
			if err := d.echo(payload(size, int64(1000+i)), 16*1024); err != nil {
				errs <- fmt.Errorf("stream #%d: %v", i, err)
				return
			}
			errs <- nil
		}(i)
	}
	var first error
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (d *driver) casePing() error {
	for i := 0; i < 3; i++ {
		rtt, err := d.sess.Ping()
		if err != nil {
			return fmt.Errorf("ping %d: %v", i+1, err)
		}
		logf("ping %d: rtt %v", i+1, rtt)
	}
	return nil
}

func (d *driver) caseAckWithoutData() error {
	pos := d.sc.in.mark()
	s, err := d.open("")
	if err != nil {
		return err
	}
	id := s.StreamID()
	defer s.Close()
	f, ok := d.sc.in.waitFor(pos, time.Second, func(f frame) bool {
		return f.StreamID == id && f.Flags&flagACK != 0
	})
	if !ok {
		return fmt.Errorf("stream %d: no ACK from the peer within 1s of SYN (frames from the peer since: %s)", id, d.sc.in.describe(pos))
	}
	if f.Type != typeWindowUpdate {
		return fmt.Errorf("stream %d: ACK arrived on %v, want a WindowUpdate", id, f)
	}
	if f.Flags&(flagSYN|flagRST) != 0 {
		return fmt.Errorf("stream %d: ACK frame carries unexpected flags: %v", id, f)
	}
	// The stream carried no command; a peer should still close its side after the FIN.
	if err := d.sc.halfClose(id); err != nil {
		return err
	}
	if _, ok := d.sc.in.waitFor(pos, 2*time.Second, func(f frame) bool {
		return f.StreamID == id && f.Flags&(flagFIN|flagRST) != 0
	}); !ok {
		logf("ack_without_data: note: peer did not close stream %d within 2s after an empty command stream", id)
	}
	return nil
}

func (d *driver) caseEcho4MiB() error {
	data := payload(4*1024*1024, 4)
	t0 := time.Now()
	if err := d.echo(data, 64*1024); err != nil {
		return err
	}
	el := time.Since(t0)
	logf("echo_4mib: 4 MiB echoed in %v (%.1f MB/s each way)", el.Round(time.Millisecond), float64(len(data))/1e6/el.Seconds())
	return nil
}

func (d *driver) caseSequential1000() error {
	t0 := time.Now()
	for i := 0; i < 1000; i++ {
		data := payload(16, int64(i))
		s, err := d.open("ECHO\n")
		if err != nil {
			return fmt.Errorf("stream #%d: %v", i, err)
		}
		if _, err := s.Write(data); err != nil {
			s.Close()
			return fmt.Errorf("stream #%d (%d): write: %v", i, s.StreamID(), err)
		}
		if err := d.sc.halfClose(s.StreamID()); err != nil {
			s.Close()
			return err
		}
		got, err := ioutil.ReadAll(s)
		s.Close()
		if err != nil {
			return fmt.Errorf("stream #%d (%d): read: %v", i, s.StreamID(), err)
		}
		if !bytes.Equal(got, data) {
			return fmt.Errorf("stream #%d (%d): %s", i, s.StreamID(), firstDiff(data, got))
		}
	}
	logf("sequential_1000: %v", time.Since(t0).Round(time.Millisecond))
	if n := d.sess.NumStreams(); n > 10 {
		return fmt.Errorf("%d streams still open in the driver's session after 1000 closed ones", n)
	}
	return nil
}

func (d *driver) finCount() (int, error) {
	s, err := d.open("FINCOUNT\n")
	if err != nil {
		return 0, err
	}
	defer s.Close()
	b, err := ioutil.ReadAll(s)
	if err != nil {
		return 0, fmt.Errorf("FINCOUNT: read: %v", err)
	}
	str := string(b)
	if !strings.HasSuffix(str, "\n") {
		return 0, fmt.Errorf("FINCOUNT: answer %q does not end in a newline", str)
	}
	n, err := strconv.Atoi(strings.TrimSuffix(str, "\n"))
	if err != nil {
		return 0, fmt.Errorf("FINCOUNT: answer %q is not a number", str)
	}
	return n, nil
}

func (d *driver) caseFinToPeer() error {
	before, err := d.finCount()
	if err != nil {
		return err
	}
	for i := 0; i < 5; i++ {
		if err := d.echo(payload(100, int64(i)), 0); err != nil {
			return err
		}
	}
	after, err := d.finCount()
	if err != nil {
		return err
	}
	if after-before < 5 {
		return fmt.Errorf("peer reports %d FINs before and %d after 5 half-closed ECHO streams", before, after)
	}
	return nil
}

func (d *driver) caseFinFromPeer() error {
	const n, size = 3, 70000
	for len(d.accepted) > 0 {
		s := <-d.accepted
		s.Close()
		return fmt.Errorf("peer opened stream %d before being asked to", s.StreamID())
	}
	pos := d.sc.in.mark()
	cmd, err := d.open(fmt.Sprintf("OPEN %d %d\n", n, size))
	if err != nil {
		return err
	}
	defer cmd.Close()
	want := pattern(size)
	var streams []*yamux.Stream
	var results []<-chan readResult
	for i := 0; i < n; i++ {
		select {
		case s := <-d.accepted:
			s.SetDeadline(d.deadline)
			streams = append(streams, s)
			results = append(results, readAllAsync(s))
		case <-time.After(time.Until(d.deadline)):
			return fmt.Errorf("accepted only %d of %d peer-opened streams", i, n)
		}
	}
	for i, s := range streams {
		r := <-results[i]
		s.Close()
		if r.err != nil {
			return fmt.Errorf("peer stream %d: read after %d bytes: %v", s.StreamID(), len(r.data), r.err)
		}
		if !bytes.Equal(r.data, want) {
			return fmt.Errorf("peer stream %d: %s", s.StreamID(), firstDiff(want, r.data))
		}
		if _, ok := d.sc.in.waitFor(pos, 0, func(f frame) bool {
			return f.StreamID == s.StreamID() && f.Flags&flagSYN != 0
		}); !ok {
			return fmt.Errorf("peer stream %d: no SYN frame seen", s.StreamID())
		}
	}
	b, err := ioutil.ReadAll(cmd)
	if err != nil {
		return fmt.Errorf("command stream: read: %v", err)
	}
	if string(b) != "OK\n" {
		return fmt.Errorf("command stream: got %q, want \"OK\\n\" then FIN", b)
	}
	return nil
}

func (d *driver) caseWindowStall() error {
	const delay = 700 * time.Millisecond
	const total = 1024 * 1024
	cmd := fmt.Sprintf("ECHO-SLOW %d\n", delay/time.Millisecond)
	pos := d.sc.in.mark()
	t0 := time.Now()
	s, err := d.open(cmd)
	if err != nil {
		return err
	}
	defer s.Close()
	id := s.StreamID()
	got := readAllAsync(s)
	data := payload(total, 7)
	writeDone := make(chan error, 1)
	var writeEnd time.Time
	go func() {
		_, err := s.Write(data)
		writeEnd = time.Now()
		writeDone <- err
	}()
	time.Sleep(delay / 2)
	sentEarly := d.sc.out.dataBytes(id)
	select {
	case err := <-writeDone:
		return fmt.Errorf("1 MiB write finished after %v although the peer reads nothing for %v (err %v, %d bytes sent by then)", time.Since(t0).Round(time.Millisecond), delay, err, sentEarly)
	default:
	}
	if err := <-writeDone; err != nil {
		return fmt.Errorf("write: %v", err)
	}
	blocked := writeEnd.Sub(t0)
	if err := d.sc.halfClose(id); err != nil {
		return err
	}
	r := <-got
	if r.err != nil {
		return fmt.Errorf("read after %d bytes: %v", len(r.data), r.err)
	}
	if !bytes.Equal(r.data, data) {
		return fmt.Errorf("echo mismatch: %s", firstDiff(data, r.data))
	}
	firstEcho, ok := d.sc.in.waitFor(pos, 0, func(f frame) bool {
		return f.StreamID == id && f.Type == typeData && f.Length > 0
	})
	if !ok {
		return fmt.Errorf("no Data frame from the peer")
	}
	logf("window_stall: %d bytes (command included) went out before the stall; write blocked %v; first echo after %v",
		sentEarly, blocked.Round(time.Millisecond), firstEcho.At.Sub(t0).Round(time.Millisecond))
	if sentEarly != initialWindow {
		return fmt.Errorf("%d bytes were sent while the peer was not reading, want exactly the initial window %d (more means the peer granted window for data it had not consumed)", sentEarly, initialWindow)
	}
	if blocked < delay*5/7 {
		return fmt.Errorf("write of 1 MiB blocked only %v, want about %v", blocked, delay)
	}
	if firstEcho.At.Sub(t0) < delay*5/7 {
		return fmt.Errorf("first echoed byte arrived after %v, before the peer's %v pause ended", firstEcho.At.Sub(t0), delay)
	}
	return nil
}

func (d *driver) caseLargeFrames() error {
	before := d.sc.in.maxDataFrame()
	data := payload(4*1024*1024, 11)
	if err := d.echo(data, 1024*1024); err != nil {
		return err
	}
	out := d.sc.out.maxDataFrame()
	logf("large_frames: largest Data frame sent %d bytes, largest received %d bytes (before this case: %d)", out, d.sc.in.maxDataFrame(), before)
	if out < initialWindow/2 {
		return fmt.Errorf("largest Data frame sent was only %d bytes; the case did not exercise large frames", out)
	}
	return nil
}

func (d *driver) caseReset() error {
	pos := d.sc.in.mark()
	s, err := d.open("RESET\n")
	if err != nil {
		return err
	}
	defer s.Close()
	id := s.StreamID()
	s.SetReadDeadline(time.Now().Add(2 * time.Second))
	var buf [256]byte
	var n int
	for {
		m, err := s.Read(buf[:])
		n += m
		if err == nil {
			continue
		}
		if err == yamux.ErrTimeout {
			return fmt.Errorf("stream %d: read still open after 2s (%d bytes read)", id, n)
		}
		logf("reset: read ended with %v after %d bytes", err, n)
		break
	}
	if _, ok := d.sc.in.waitFor(pos, 0, func(f frame) bool {
		return f.StreamID == id && f.Flags&flagRST != 0
	}); !ok {
		return fmt.Errorf("stream %d: read ended but no RST frame was seen (frames from the peer since: %s)", id, d.sc.in.describe(pos))
	}
	return nil
}

func (d *driver) caseFrameSanity() error {
	d.vmu.Lock()
	defer d.vmu.Unlock()
	if len(d.violations) > 0 {
		return fmt.Errorf("peer sent invalid frames: %s", strings.Join(d.violations, "; "))
	}
	return nil
}

func (d *driver) caseGoAway() error {
	pos := d.sc.in.mark()
	s, err := d.open("GOAWAY\n")
	if err != nil {
		return err
	}
	defer s.Close()
	f, ok := d.sc.in.waitFor(pos, 2*time.Second, func(f frame) bool { return f.Type == typeGoAway })
	if !ok {
		return fmt.Errorf("no GoAway frame within 2s")
	}
	if f.Length != 0 {
		return fmt.Errorf("GoAway code %d, want 0 (normal)", f.Length)
	}
	// The sniffer sees the frame just before the session handles it.
	time.Sleep(100 * time.Millisecond)
	s2, err := d.sess.OpenStream()
	if err == nil {
		s2.Close()
		return fmt.Errorf("OpenStream succeeded after the peer's GoAway")
	}
	if err != yamux.ErrRemoteGoAway {
		return fmt.Errorf("OpenStream after GoAway failed with %v, want %v", err, yamux.ErrRemoteGoAway)
	}
	return nil
}
