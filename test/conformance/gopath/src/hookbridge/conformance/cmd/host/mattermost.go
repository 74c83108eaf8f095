package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/ioutil"
	"net/rpc"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	goplugin "github.com/hashicorp/go-plugin"

	"hookbridge/conformance/model"
)

type mmOptions struct {
	scriptPath string
	configJSON string
	pluginID   string
	callsOut   string
	exe        string
	expectHS   time.Duration
}

// mmScript is the top level of a --script file; see README.md.
type mmScript struct {
	PluginID          string            `json:"pluginId"`
	ServerVersion     string            `json:"serverVersion"`
	BundlePath        string            `json:"bundlePath"`
	Config            json.RawMessage   `json:"config"`
	PostHooks         *bool             `json:"postHooks"`
	TimeoutMs         int64             `json:"timeoutMs"`
	Fixtures          json.RawMessage   `json:"fixtures"`
	ExpectImplemented []string          `json:"expectImplemented"`
	Activate          *phaseExpect      `json:"activate"`
	Deactivate        *phaseExpect      `json:"deactivate"`
	Steps             []json.RawMessage `json:"steps"`
}

type phaseExpect struct {
	ExpectCalls []callExpect    `json:"expectCalls"`
	ExpectError json.RawMessage `json:"expectError"`
	WaitMs      int64           `json:"waitMs"`
}

type callExpect struct {
	Method string          `json:"method"`
	Match  json.RawMessage `json:"match"`
	Args   json.RawMessage `json:"args"`
	Count  *int            `json:"count"`
}

func readScript(o mmOptions) (*mmScript, error) {
	s := &mmScript{}
	if o.scriptPath != "" {
		b, err := ioutil.ReadFile(o.scriptPath)
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(s); err != nil {
			return nil, fmt.Errorf("%s: %v", o.scriptPath, err)
		}
	}
	if len(s.Config) == 0 {
		s.Config = json.RawMessage(o.configJSON)
	}
	if o.pluginID != "" {
		s.PluginID = o.pluginID
	}
	return s, nil
}

func useNumber(raw []byte) (interface{}, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v interface{}
	err := dec.Decode(&v)
	return v, err
}

func fill(dst interface{}, raw []byte, what string) error {
	data, err := useNumber(raw)
	if err != nil {
		return fmt.Errorf("%s: %v", what, err)
	}
	if data == nil {
		return nil
	}
	return fromJSON(reflect.ValueOf(dst).Elem(), data, what)
}

func applyFixtures(w *world, raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	var fx struct {
		ReplaceDefaults bool                       `json:"replaceDefaults"`
		Users           json.RawMessage            `json:"users"`
		Teams           json.RawMessage            `json:"teams"`
		Channels        json.RawMessage            `json:"channels"`
		Posts           json.RawMessage            `json:"posts"`
		KV              map[string]json.RawMessage `json:"kv"`
		Permissions     map[string][]string        `json:"permissions"`
		Sessions        []session                  `json:"sessions"`
		TriggerIds      []string                   `json:"triggerIds"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fx); err != nil {
		return fmt.Errorf("fixtures: %v", err)
	}
	var users []*model.User
	var teams []*model.Team
	var channels []*model.Channel
	var posts []*model.Post
	for _, f := range []struct {
		raw json.RawMessage
		dst interface{}
		n   string
	}{{fx.Users, &users, "fixtures.users"}, {fx.Teams, &teams, "fixtures.teams"}, {fx.Channels, &channels, "fixtures.channels"}, {fx.Posts, &posts, "fixtures.posts"}} {
		if err := fill(f.dst, f.raw, f.n); err != nil {
			return err
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if fx.ReplaceDefaults {
		w.users, w.teams, w.channels = map[string]*model.User{}, map[string]*model.Team{}, map[string]*model.Channel{}
	}
	now := millis()
	for _, u := range users {
		if u.Id == "" {
			u.Id = newId()
		}
		if u.CreateAt == 0 {
			u.CreateAt, u.UpdateAt = now, now
		}
		w.users[u.Id] = u
	}
	for _, t := range teams {
		if t.Id == "" {
			t.Id = newId()
		}
		w.teams[t.Id] = t
	}
	for _, c := range channels {
		if c.Id == "" {
			c.Id = newId()
		}
		w.channels[c.Id] = c
	}
	for _, p := range posts {
		if p.Id == "" {
			p.Id = newId()
		}
		w.posts[p.Id] = p
	}
	for k, v := range fx.KV {
		data, err := useNumber(v)
		if err != nil {
			return err
		}
		b, err := bytesFromJSON(data)
		if err != nil {
			return fmt.Errorf("fixtures.kv.%s: %v", k, err)
		}
		w.kv[k] = kvEntry{value: b}
	}
	for u, grants := range fx.Permissions {
		w.perms[u] = append(w.perms[u], grants...)
	}
	for i := range fx.Sessions {
		s := fx.Sessions[i]
		if s.Id == "" {
			s.Id = newId()
		}
		w.sessions[s.Token] = &s
	}
	for _, t := range fx.TriggerIds {
		w.triggerIds[t] = true
	}
	return nil
}

func setConfig(w *world, raw json.RawMessage) error {
	var m map[string]interface{}
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("config must be a JSON object: %v", err)
	}
	w.mu.Lock()
	w.config = m
	w.mu.Unlock()
	return nil
}

type mmRun struct {
	r       *report
	w       *world
	rec     *recorder
	hooks   *hookCaller
	front   *httpFront
	rpcc    goplugin.ClientProtocol
	timeout time.Duration
	// prevMark is where the previous step's API calls begin, for
	// "ExpectCalls" steps that look back at it.
	prevMark int
	// vars holds values captured from responses, for ${name} in later steps.
	vars map[string]string
}

func runMattermost(r *report, cl *goplugin.Client, lw *logWatch, o mmOptions) {
	script, err := readScript(o)
	if err != nil {
		r.fail("script", "%v", err)
		return
	}
	pluginID := script.PluginID
	w := newWorld(pluginID)
	if pluginID == "" {
		w.pluginID = "hookbridge"
	}
	if script.ServerVersion != "" {
		w.serverVersion = script.ServerVersion
	}
	w.bundlePath = script.BundlePath
	if w.bundlePath == "" {
		// A server's GetBundlePath is the plugin's unpacked bundle, which is
		// where its executable lives.
		w.bundlePath = filepath.Dir(o.exe)
	}
	if err := setConfig(w, script.Config); err != nil {
		r.fail("script", "%v", err)
		return
	}
	if err := applyFixtures(w, script.Fixtures); err != nil {
		r.fail("script", "%v", err)
		return
	}
	timeout := 15 * time.Second
	if script.TimeoutMs > 0 {
		timeout = time.Duration(script.TimeoutMs) * time.Millisecond
	}

	rpcc, hc, impl, ok := connectImplemented(r, cl, o.expectHS, timeout)
	if !ok {
		return
	}
	if missing := missingNames(impl, script.ExpectImplemented...); len(missing) > 0 {
		r.fail("implemented", "%v lacks %v", impl, missing)
	} else {
		r.pass("implemented", "%v", impl)
	}
	postHooks := true
	if script.PostHooks != nil {
		postHooks = *script.PostHooks
	}
	hooks := newHookCaller(hc, impl, postHooks, timeout)
	rec := &recorder{}
	run := &mmRun{r: r, w: w, rec: rec, hooks: hooks, rpcc: rpcc, timeout: timeout, vars: map[string]string{}}
	api := &mmAPI{w: w, rec: rec, hooks: hooks}

	rec.setStep("activate")
	mark := rec.mark()
	apiID := hc.broker.NextId()
	go serveAPI(hc.broker, apiID, api, rec)
	drvID := hc.broker.NextId()
	go func() {
		conn, err := hc.broker.Accept(drvID)
		if err != nil {
			fmt.Printf("NOTE activate: the plugin did not dial DriverMuxId %d (a server logs an accept timeout)\n", drvID)
			return
		}
		serveDriver(conn)
	}()
	var act Z_OnActivateReturns
	err = call(hc.client, "Plugin.OnActivate", &Z_OnActivateArgs{APIMuxId: apiID, DriverMuxId: drvID}, &act, timeout)
	var why []string
	if script.Activate != nil {
		why = run.checkOutcome(err, errView(act.A), script.Activate.ExpectError, mark, script.Activate.ExpectCalls, script.Activate.WaitMs)
	} else {
		why = run.checkOutcome(err, errView(act.A), nil, mark, nil, 0)
	}
	run.report("on-activate", why)
	if err != nil || act.A != nil {
		// A server shuts a plugin down when OnActivate fails.
		killAndMeasure(r, cl, lw)
		run.writeCalls(o.callsOut)
		return
	}

	r.check("ping", pingN(rpcc, 3))

	front, err := startHTTPFront(w, hooks, hc.broker, script.PluginID, timeout)
	if err != nil {
		r.fail("http-front", "%v", err)
		return
	}
	defer front.close()
	run.front = front

	for i, raw := range script.Steps {
		run.step(i+1, raw)
	}

	rec.setStep("deactivate")
	if !hooks.waitAsync(5 * time.Second) {
		r.fail("post-hooks", "hooks started by API calls were still running after 5s")
	}
	if hooks.has("OnDeactivate") {
		mark := rec.mark()
		var ret Z_OnDeactivateReturns
		err := call(hc.client, "Plugin.OnDeactivate", &Z_OnDeactivateArgs{}, &ret, 10*time.Second)
		if script.Deactivate != nil {
			why = run.checkOutcome(err, errView(ret.A), script.Deactivate.ExpectError, mark, script.Deactivate.ExpectCalls, script.Deactivate.WaitMs)
		} else {
			why = run.checkOutcome(err, errView(ret.A), nil, mark, nil, 0)
		}
		run.report("on-deactivate", why)
	} else if script.Deactivate != nil {
		r.fail("on-deactivate", "the script expects OnDeactivate but the plugin does not implement it")
	}
	killAndMeasure(r, cl, lw)
	run.writeCalls(o.callsOut)
}

// connectImplemented completes the handshake and asks which hooks the plugin implements.
func connectImplemented(r *report, cl *goplugin.Client, expectHS, timeout time.Duration) (goplugin.ClientProtocol, *hooksClient, []string, bool) {
	rpcc, hc, ok := connect(r, cl, expectHS)
	if !ok {
		return nil, nil, nil, false
	}
	var impl []string
	if err := call(hc.client, "Plugin.Implemented", struct{}{}, &impl, timeout); err != nil {
		r.fail("implemented", "%v", err)
		return nil, nil, nil, false
	}
	return rpcc, hc, impl, true
}

func newHookCaller(hc *hooksClient, implemented []string, postHooks bool, timeout time.Duration) *hookCaller {
	h := &hookCaller{client: hc.client, implemented: map[string]bool{}, postHooks: postHooks, timeout: timeout}
	for _, n := range implemented {
		h.implemented[n] = true
	}
	return h
}

func serveDriver(conn io.ReadWriteCloser) {
	srv := rpc.NewServer()
	if err := srv.RegisterName("Plugin", mmDriver{}); err != nil {
		conn.Close()
		return
	}
	srv.ServeConn(conn)
}

func (run *mmRun) report(label string, why []string) {
	if len(why) == 0 {
		run.r.pass(label, "")
		return
	}
	run.r.fail(label, "%s", strings.Join(why, "; "))
}

func (run *mmRun) writeCalls(path string) {
	if path == "" {
		return
	}
	run.rec.mu.Lock()
	b, err := json.MarshalIndent(run.rec.calls, "", "  ")
	run.rec.mu.Unlock()
	if err == nil {
		err = ioutil.WriteFile(path, append(b, '\n'), 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "[host] writing %s: %v\n", path, err)
	}
}

// errView shows an error-typed hook return the way scripts match it:
// null, or the fields of *model.AppError / *plugin.ErrorString.
func errView(err error) interface{} {
	if err == nil {
		return nil
	}
	return toView(reflect.ValueOf(err))
}

// checkOutcome applies the checks every hook step shares: the RPC error
// (expectError), the error-typed return value, the API calls made, and any
// problem noted by hooks the server ran on its own.
func (run *mmRun) checkOutcome(rpcErr error, retErr interface{}, expectError json.RawMessage, mark int, expects []callExpect, waitMs int64) []string {
	var why []string
	if len(expectError) > 0 {
		pat, err := useNumber(expectError)
		if err != nil {
			return []string{"bad expectError: " + err.Error()}
		}
		var got interface{}
		if rpcErr != nil {
			got = rpcErr.Error()
		} else if retErr != nil {
			got = retErr
		}
		if m := match(pat, got, "error"); m != "" {
			why = append(why, m)
		}
	} else {
		if rpcErr != nil {
			why = append(why, "RPC error: "+rpcErr.Error())
		}
		if retErr != nil {
			why = append(why, "returned error "+brief(retErr))
		}
	}
	why = append(why, run.checkCalls(mark, expects, waitMs)...)
	for _, p := range run.hooks.takeProblems() {
		why = append(why, p)
	}
	return why
}

// checkCalls waits (up to waitMs, default 1000) for the expected API calls,
// since plugins often make them asynchronously.
func (run *mmRun) checkCalls(mark int, expects []callExpect, waitMs int64) []string {
	if waitMs <= 0 {
		waitMs = 1000
	}
	deadline := time.Now().Add(time.Duration(waitMs) * time.Millisecond)
	for {
		calls := run.rec.since(mark)
		why := evalCalls(calls, expects)
		if len(why) == 0 || time.Now().After(deadline) {
			for _, c := range calls {
				if !c.Served {
					fmt.Printf("NOTE %s: the plugin called Plugin.%s, which this harness does not serve\n", c.Step, c.Method)
				}
			}
			return why
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func evalCalls(calls []apiCall, expects []callExpect) []string {
	var why []string
	for _, e := range expects {
		var pat interface{}
		var err error
		useArgs := len(e.Args) > 0
		if useArgs {
			pat, err = useNumber(e.Args)
		} else {
			pat, err = useNumber(e.Match)
		}
		if err != nil {
			why = append(why, fmt.Sprintf("expectCalls %s: bad pattern: %v", e.Method, err))
			continue
		}
		n := 0
		var closest string
		for _, c := range calls {
			if c.Method != e.Method {
				continue
			}
			target := c.Args
			if !useArgs {
				target = firstObjectArg(c.Args)
			}
			if pat == nil {
				n++
				continue
			}
			if m := match(pat, target, e.Method); m == "" {
				n++
			} else if closest == "" {
				closest = m
			}
		}
		switch {
		case e.Count == nil && n == 0:
			msg := fmt.Sprintf("no matching %s call", e.Method)
			if closest != "" {
				msg += " (first mismatch: " + closest + ")"
			} else {
				msg += fmt.Sprintf(" (calls seen: %s)", methodList(calls))
			}
			why = append(why, msg)
		case e.Count != nil && n != *e.Count:
			msg := fmt.Sprintf("%d matching %s calls, want %d", n, e.Method, *e.Count)
			if n == 0 && closest != "" {
				msg += " (first mismatch: " + closest + ")"
			}
			why = append(why, msg)
		}
	}
	return why
}

// firstObjectArg picks the argument "match" applies to: the first of A, B,
// C… that is an object (the post of CreatePost, the post of
// SendEphemeralPost, the payload of PublishWebSocketEvent, …), or the
// whole argument struct if none is.
func firstObjectArg(args interface{}) interface{} {
	m, ok := args.(map[string]interface{})
	if !ok {
		return args
	}
	for _, k := range []string{"A", "B", "C", "D", "E"} {
		if v, ok := m[k].(map[string]interface{}); ok {
			return v
		}
	}
	return args
}

func methodList(calls []apiCall) string {
	names := make([]string, len(calls))
	for i, c := range calls {
		names[i] = c.Method
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
