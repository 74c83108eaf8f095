// Command host plays the Mattermost server's side of a plugin connection:
// it starts a plugin executable with the real hashicorp/go-plugin client,
// configured like Mattermost's plugin supervisor, and runs a scenario
// against it.
//
//	host --plugin EXE --scenario basic [--expect-handshake-ms N]
//	host --plugin EXE --scenario mattermost [--script FILE] [--config-json JSON] [--plugin-id ID] [--calls-out FILE]
//	host --plugin EXE --scenario serve [--config-json JSON]   (see serve.go)
//
// It prints one "PASS <step>" or "FAIL <step>: <reason>" line per step, then
// "N passed, N failed", and exits 1 if anything failed.
package main

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"net/rpc"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
)

// Byte-for-byte the handshake Mattermost's server/public/plugin/api.go uses;
// a plugin that checks anything else would be rejected by a real server.
var handshake = goplugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "MATTERMOST_PLUGIN",
	MagicCookieValue: "Securely message teams, anywhere.",
}

// hooksClient is what Dispense("hooks") yields; scenarios need both the rpc
// client on the hooks stream and the broker to set up callback streams.
type hooksClient struct {
	broker *goplugin.MuxBroker
	client *rpc.Client
}

type hooksPlugin struct{}

func (hooksPlugin) Server(*goplugin.MuxBroker) (interface{}, error) {
	return nil, fmt.Errorf("the host never serves hooks")
}

func (hooksPlugin) Client(b *goplugin.MuxBroker, c *rpc.Client) (interface{}, error) {
	return &hooksClient{broker: b, client: c}, nil
}

// report collects step results; safe for use from the global-timeout
// goroutine, which must be able to print the summary while a step hangs.
type report struct {
	mu             sync.Mutex
	passed, failed int
	done           bool
}

func (r *report) pass(step string, detail string, args ...interface{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	r.passed++
	if d := fmt.Sprintf(detail, args...); d != "" {
		fmt.Printf("PASS %s (%s)\n", step, oneLine(d))
	} else {
		fmt.Printf("PASS %s\n", step)
	}
}

func (r *report) fail(step string, reason string, args ...interface{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	r.failed++
	fmt.Printf("FAIL %s: %s\n", step, oneLine(fmt.Sprintf(reason, args...)))
}

func (r *report) check(step string, err error) bool {
	if err != nil {
		r.fail(step, "%v", err)
		return false
	}
	r.pass(step, "")
	return true
}

func (r *report) finish() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return 1
	}
	r.done = true
	fmt.Printf("%d passed, %d failed\n", r.passed, r.failed)
	if r.failed > 0 {
		return 1
	}
	return 0
}

// oneLine keeps each result on a single line so that callers can grep them.
func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\r", `\r`)
	return strings.ReplaceAll(s, "\n", `\n`)
}

// logWatch tees go-plugin's own log and remembers whether Kill had to fall
// back to SIGKILL, which go-plugin only reveals through log lines.
//
// A lost Control.Quit reply is not counted: go-plugin's own Go server
// replies while the process is already exiting, so the reply is sometimes
// lost even for a well-behaved plugin, and Kill then logs "plugin failed to
// exit gracefully" and signals a process that has already exited. Only the
// exit status "signal: killed" proves the signal was needed; a plugin that
// ignores Quit shows up as Kill taking the full 2 s grace period.
type logWatch struct {
	out io.Writer

	mu        sync.Mutex
	forced    bool
	forcedWhy string
	quitLost  bool
}

func (w *logWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	if !w.forced && bytes.Contains(p, []byte("signal: killed")) {
		w.forced, w.forcedWhy = true, "signal: killed"
	}
	if bytes.Contains(p, []byte("error closing client during Kill")) {
		w.quitLost = true
	}
	w.mu.Unlock()
	return w.out.Write(p)
}

func (w *logWatch) forcedKill() (bool, string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.forced, w.forcedWhy, w.quitLost
}

// newClient builds the client exactly as Mattermost's newSupervisor does
// (server/public/plugin/supervisor.go), so that a plugin passing here starts
// the same way under a real server.
func newClient(exe string, lw *logWatch) (*goplugin.Client, error) {
	f, err := os.Open(exe)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: handshake,
		Plugins:         map[string]goplugin.Plugin{"hooks": hooksPlugin{}},
		Cmd:             exec.Command(exe),
		SecureConfig:    &goplugin.SecureConfig{Checksum: h.Sum(nil), Hash: sha256.New()},
		StartTimeout:    3 * time.Second,
		SyncStdout:      os.Stderr,
		SyncStderr:      os.Stderr,
		Logger: hclog.New(&hclog.LoggerOptions{
			Name:   "host",
			Level:  hclog.Debug,
			Output: lw,
		}),
	}), nil
}

// call bounds an rpc call so one unresponsive method fails its own step
// instead of stalling the whole run until the global timeout.
func call(c *rpc.Client, method string, args, reply interface{}, timeout time.Duration) error {
	ca := c.Go(method, args, reply, make(chan *rpc.Call, 1))
	// A stopped timer, unlike time.After's, is freed at once (before Go 1.23 an
	// unfired timer lives until it fires), which matters at thousands of calls a second.
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-ca.Done:
		return ca.Error
	case <-timer.C:
		return fmt.Errorf("no reply to %s within %v", method, timeout)
	}
}

// killAndMeasure runs Kill with a bound because go-plugin's Kill blocks
// forever if the plugin never answers Control.Quit.
func killAndMeasure(r *report, cl *goplugin.Client, lw *logWatch) {
	start := time.Now()
	done := make(chan struct{})
	go func() { cl.Kill(); close(done) }()
	select {
	case <-done:
	case <-time.After(6 * time.Second):
		r.fail("kill", "Kill() did not return within 6s (Control.Quit unanswered?)")
		return
	}
	took := time.Since(start)
	forced, why, quitLost := lw.forcedKill()
	note := ""
	if quitLost {
		note = ", Control.Quit reply lost as the process exited"
	}
	switch {
	case !cl.Exited():
		r.fail("kill", "Exited() is false after Kill()")
	case forced:
		r.fail("kill", "plugin had to be killed (%q) after %v", why, took.Round(time.Millisecond))
	case took > 2*time.Second:
		r.fail("kill", "plugin took %v to exit (limit 2s)", took.Round(time.Millisecond))
	default:
		r.pass("kill", "exited gracefully in %v%s", took.Round(time.Millisecond), note)
	}
}

func main() {
	exe := flag.String("plugin", "", "plugin executable to start")
	scenario := flag.String("scenario", "basic", "basic, mattermost or serve")
	expectHS := flag.Int("expect-handshake-ms", 0, "fail if the handshake takes longer (0: no limit)")
	script := flag.String("script", "", "mattermost scenario: JSON script of steps")
	configJSON := flag.String("config-json", "{}", "mattermost scenario: plugin settings served by LoadPluginConfiguration")
	pluginID := flag.String("plugin-id", "", "mattermost scenario: plugin id routed under /plugins/<id> (default: script's pluginId, else any)")
	callsOut := flag.String("calls-out", "", "mattermost scenario: write every recorded API call to this JSON file")
	timeout := flag.Duration("timeout", 60*time.Second, "global timeout")
	flag.Parse()
	if *exe == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: host --plugin EXE --scenario basic|mattermost|serve [--expect-handshake-ms N] [--script FILE] [--config-json JSON] [--plugin-id ID] [--calls-out FILE]")
		os.Exit(2)
	}
	if abs, err := filepath.Abs(*exe); err == nil {
		*exe = abs
	}

	r := &report{}
	lw := &logWatch{out: os.Stderr}
	cl, err := newClient(*exe, lw)
	if err != nil {
		r.fail("setup", "%v", err)
		os.Exit(r.finish())
	}
	time.AfterFunc(*timeout, func() {
		r.fail("timeout", "scenario did not finish within %v", *timeout)
		code := r.finish()
		// The process may be wedged; don't wait for a graceful Quit.
		go cl.Kill()
		time.Sleep(300 * time.Millisecond)
		os.Exit(code)
	})

	switch *scenario {
	case "basic":
		runBasic(r, cl, lw, time.Duration(*expectHS)*time.Millisecond)
	case "mattermost":
		runMattermost(r, cl, lw, mmOptions{
			scriptPath: *script,
			configJSON: *configJSON,
			pluginID:   *pluginID,
			callsOut:   *callsOut,
			exe:        *exe,
			expectHS:   time.Duration(*expectHS) * time.Millisecond,
		})
	case "serve":
		runServe(r, cl, lw, mmOptions{configJSON: *configJSON, exe: *exe, expectHS: time.Duration(*expectHS) * time.Millisecond})
	default:
		r.fail("setup", "unknown scenario %q", *scenario)
	}
	// Usually a no-op: scenarios kill the plugin themselves unless they
	// stopped early.
	done := make(chan struct{})
	go func() { cl.Kill(); close(done) }()
	select {
	case <-done:
	case <-time.After(4 * time.Second):
	}
	os.Exit(r.finish())
}

func connect(r *report, cl *goplugin.Client, expect time.Duration) (goplugin.ClientProtocol, *hooksClient, bool) {
	start := time.Now()
	rpcc, err := cl.Client()
	took := time.Since(start)
	switch {
	case err != nil:
		r.fail("handshake", "%v", err)
		return nil, nil, false
	case cl.Protocol() != goplugin.ProtocolNetRPC:
		r.fail("handshake", "protocol %q, Mattermost only accepts netrpc", cl.Protocol())
		return nil, nil, false
	case expect > 0 && took > expect:
		r.fail("handshake", "took %v, limit %v", took.Round(time.Millisecond), expect)
	default:
		r.pass("handshake", "%v", took.Round(time.Millisecond))
	}
	fmt.Printf("handshake duration: %dms\n", took.Milliseconds())

	raw, err := rpcc.Dispense("hooks")
	if err != nil {
		r.fail("dispense", "%v", err)
		return rpcc, nil, false
	}
	r.pass("dispense", "")
	return rpcc, raw.(*hooksClient), true
}
