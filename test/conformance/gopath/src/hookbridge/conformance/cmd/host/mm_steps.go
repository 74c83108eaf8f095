package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/ioutil"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"hookbridge/conformance/model"
	"hookbridge/conformance/plugin"
)

// scriptStep is one entry of "steps"; which fields apply depends on Call
// (see README.md). Unknown fields are rejected so typos fail loudly.
type scriptStep struct {
	Name            string                     `json:"name"`
	Call            string                     `json:"call"`
	Context         json.RawMessage            `json:"context"`
	Post            json.RawMessage            `json:"post"`
	OldPost         json.RawMessage            `json:"oldPost"`
	CommandArgs     json.RawMessage            `json:"commandArgs"`
	Channel         json.RawMessage            `json:"channel"`
	User            json.RawMessage            `json:"user"`
	Event           json.RawMessage            `json:"event"`
	Config          json.RawMessage            `json:"config"`
	Method          string                     `json:"method"`
	Path            string                     `json:"path"`
	Headers         map[string]json.RawMessage `json:"headers"`
	Body            *string                    `json:"body"`
	BodyJSON        json.RawMessage            `json:"bodyJson"`
	BodyBase64      string                     `json:"bodyBase64"`
	BodyBytes       int64                      `json:"bodyBytes"`
	Chunked         bool                       `json:"chunked"`
	UserID          string                     `json:"userId"`
	Auth            string                     `json:"auth"`
	Token           string                     `json:"token"`
	Host            string                     `json:"host"`
	Ms              int64                      `json:"ms"`
	Count           int                        `json:"count"`
	Key             string                     `json:"key"`
	Value           json.RawMessage            `json:"value"`
	ExpireInSeconds int64                      `json:"expireInSeconds"`
	Absent          bool                       `json:"absent"`
	Since           string                     `json:"since"`
	TimeoutMs       int64                      `json:"timeoutMs"`
	WaitMs          int64                      `json:"waitMs"`
	Expect          json.RawMessage            `json:"expect"`
	ExpectCalls     []callExpect               `json:"expectCalls"`
	ExpectError     json.RawMessage            `json:"expectError"`
	Capture         map[string]string          `json:"capture"`
}

func (run *mmRun) step(n int, raw json.RawMessage) {
	st := &scriptStep{}
	label := fmt.Sprintf("step %d", n)
	raw, err := run.substitute(raw)
	if err != nil {
		run.r.fail(label, "%v", err)
		return
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(st); err != nil {
		run.r.fail(label, "bad step: %v", err)
		return
	}
	if len(st.Capture) > 0 && st.Call != "ServeHTTP" {
		run.r.fail(label, "capture is only supported on ServeHTTP steps")
		return
	}
	switch {
	case st.Name != "":
		label += " " + st.Name
	case st.Call == "ServeHTTP":
		label += fmt.Sprintf(" ServeHTTP %s %s", httpMethod(st), st.Path)
	default:
		label += " " + st.Call
	}
	run.rec.setStep(label)
	prev := run.prevMark
	mark := run.rec.mark()
	run.prevMark = mark

	var expect map[string]interface{}
	if len(st.Expect) > 0 {
		v, err := useNumber(st.Expect)
		m, ok := v.(map[string]interface{})
		if err != nil || !ok {
			run.r.fail(label, "expect must be an object")
			return
		}
		expect = m
	}

	detail, why := run.dispatch(st, expect, mark, prev)
	if len(why) == 0 {
		run.r.pass(label, "%s", detail)
	} else {
		run.r.fail(label, "%s", strings.Join(why, "; "))
	}
}

func (run *mmRun) dispatch(st *scriptStep, expect map[string]interface{}, mark, prev int) (string, []string) {
	outcome := func(rpcErr error, retErr interface{}, extra ...string) []string {
		why := run.checkOutcome(rpcErr, retErr, st.ExpectError, mark, st.ExpectCalls, st.WaitMs)
		return append(extra, why...)
	}
	needs := func(hook string) []string {
		if !run.hooks.has(hook) {
			return []string{"the plugin does not implement " + hook + ", so a server would never call it"}
		}
		return nil
	}
	timeout := run.timeout
	if st.TimeoutMs > 0 {
		timeout = time.Duration(st.TimeoutMs) * time.Millisecond
	}
	callHook := func(name string, args, reply interface{}) error {
		return call(run.hooks.client, "Plugin."+name, args, reply, timeout)
	}
	ctx, err := run.hookContext(st.Context)
	if err != nil {
		return "", []string{err.Error()}
	}

	switch st.Call {
	case "MessageHasBeenPosted", "MessageHasBeenDeleted", "MessageWillBePosted":
		if w := needs(st.Call); w != nil {
			return "", w
		}
		p, err := run.postArg(st.Post, "post", true)
		if err != nil {
			return "", []string{err.Error()}
		}
		switch st.Call {
		case "MessageHasBeenPosted":
			run.w.mu.Lock()
			run.w.posts[p.Id] = copyPost(p)
			run.w.mu.Unlock()
			err = callHook(st.Call, &Z_MessageHasBeenPostedArgs{A: ctx, B: p}, &Z_MessageHasBeenPostedReturns{})
			return "", outcome(err, nil, unknownExpect(expect)...)
		case "MessageHasBeenDeleted":
			err = callHook(st.Call, &Z_MessageHasBeenDeletedArgs{A: ctx, B: p}, &Z_MessageHasBeenDeletedReturns{})
			return "", outcome(err, nil, unknownExpect(expect)...)
		default:
			p.Id = ""
			ret := &Z_MessageWillBePostedReturns{A: p}
			err = callHook(st.Call, &Z_MessageWillBePostedArgs{A: ctx, B: p}, ret)
			return "", outcome(err, nil, expectReturns(expect, map[string]interface{}{"post": toView(reflect.ValueOf(ret.A)), "rejection": ret.B})...)
		}

	case "MessageWillBeUpdated", "MessageHasBeenUpdated":
		if w := needs(st.Call); w != nil {
			return "", w
		}
		np, err := run.postArg(st.Post, "post", true)
		if err != nil {
			return "", []string{err.Error()}
		}
		old, err := run.postArg(st.OldPost, "oldPost", true)
		if err != nil {
			return "", []string{err.Error()}
		}
		if len(st.OldPost) == 0 {
			old = copyPost(np)
		}
		if st.Call == "MessageHasBeenUpdated" {
			err = callHook(st.Call, &Z_MessageHasBeenUpdatedArgs{A: ctx, B: np, C: old}, &Z_MessageHasBeenUpdatedReturns{})
			return "", outcome(err, nil, unknownExpect(expect)...)
		}
		ret := &Z_MessageWillBeUpdatedReturns{}
		err = callHook(st.Call, &Z_MessageWillBeUpdatedArgs{A: ctx, B: np, C: old}, ret)
		return "", outcome(err, nil, expectReturns(expect, map[string]interface{}{"post": toView(reflect.ValueOf(ret.A)), "rejection": ret.B})...)

	case "Post":
		p, err := run.postArg(st.Post, "post", false)
		if err != nil {
			return "", []string{err.Error()}
		}
		api := &mmAPI{w: run.w, rec: run.rec, hooks: run.hooks}
		saved, aerr, hookErr := api.createPost(p, true)
		var ev interface{}
		if aerr != nil {
			ev = toView(reflect.ValueOf(aerr))
		}
		checks := expectReturns(expect, map[string]interface{}{"post": toView(reflect.ValueOf(saved)), "error": ev})
		if aerr != nil && expect["error"] == nil {
			checks = append(checks, "the server rejected the post: "+brief(ev))
		}
		detail := ""
		if saved != nil {
			detail = "post " + saved.Id
		}
		return detail, outcome(hookErr, nil, checks...)

	case "ExecuteCommand":
		if w := needs(st.Call); w != nil {
			return "", w
		}
		ca := &model.CommandArgs{UserId: defaultUserId, ChannelId: defaultChannelId, TeamId: defaultTeamId, SiteURL: "http://localhost:8065"}
		if err := fill(ca, st.CommandArgs, "commandArgs"); err != nil {
			return "", []string{err.Error()}
		}
		if ca.TriggerId == "" {
			ca.TriggerId = base64.StdEncoding.EncodeToString([]byte(newId() + ":" + ca.UserId))
		}
		run.w.mu.Lock()
		run.w.triggerIds[ca.TriggerId] = true
		run.w.mu.Unlock()
		ret := &Z_ExecuteCommandReturns{}
		err := callHook(st.Call, &Z_ExecuteCommandArgs{A: ctx, B: ca}, ret)
		var ev interface{}
		if ret.B != nil {
			ev = toView(reflect.ValueOf(ret.B))
		}
		checks := expectReturns(expect, map[string]interface{}{"response": toView(reflect.ValueOf(ret.A)), "error": ev})
		if ret.B != nil && expect["error"] == nil {
			checks = append(checks, "returned AppError "+brief(ev))
		}
		return "", outcome(err, nil, checks...)

	case "OnConfigurationChange":
		if len(st.Config) > 0 {
			if err := setConfig(run.w, st.Config); err != nil {
				return "", []string{err.Error()}
			}
		}
		if w := needs(st.Call); w != nil {
			return "", w
		}
		ret := &Z_OnConfigurationChangeReturns{}
		err := callHook(st.Call, &Z_OnConfigurationChangeArgs{}, ret)
		return "", outcome(err, errView(ret.A), unknownExpect(expect)...)

	case "OnPluginClusterEvent":
		if w := needs(st.Call); w != nil {
			return "", w
		}
		var ev model.PluginClusterEvent
		if err := fill(&ev, st.Event, "event"); err != nil {
			return "", []string{err.Error()}
		}
		err := callHook(st.Call, &Z_OnPluginClusterEventArgs{A: ctx, B: ev}, &Z_OnPluginClusterEventReturns{})
		return "", outcome(err, nil, unknownExpect(expect)...)

	case "ChannelHasBeenCreated":
		if w := needs(st.Call); w != nil {
			return "", w
		}
		c := &model.Channel{Id: newId(), CreateAt: millis(), TeamId: defaultTeamId, Type: "O"}
		if err := fill(c, st.Channel, "channel"); err != nil {
			return "", []string{err.Error()}
		}
		run.w.mu.Lock()
		run.w.channels[c.Id] = copyChannel(c)
		run.w.mu.Unlock()
		err := callHook(st.Call, &Z_ChannelHasBeenCreatedArgs{A: ctx, B: c}, &Z_ChannelHasBeenCreatedReturns{})
		return "", outcome(err, nil, unknownExpect(expect)...)

	case "UserHasBeenCreated":
		if w := needs(st.Call); w != nil {
			return "", w
		}
		u := &model.User{Id: newId(), CreateAt: millis(), Roles: "system_user", Locale: "en"}
		if err := fill(u, st.User, "user"); err != nil {
			return "", []string{err.Error()}
		}
		x := *u
		run.w.mu.Lock()
		run.w.users[u.Id] = &x
		run.w.mu.Unlock()
		err := callHook(st.Call, &Z_UserHasBeenCreatedArgs{A: ctx, B: u}, &Z_UserHasBeenCreatedReturns{})
		return "", outcome(err, nil, unknownExpect(expect)...)

	case "ServeHTTP":
		return run.serveHTTPStep(st, expect, mark, timeout)

	case "Ping":
		count := st.Count
		if count <= 0 {
			count = 1
		}
		if err := pingN(run.rpcc, count); err != nil {
			return "", []string{err.Error()}
		}
		return fmt.Sprintf("%d pings", count), nil

	case "Sleep":
		time.Sleep(time.Duration(st.Ms) * time.Millisecond)
		return "", nil

	case "SetConfig":
		if err := setConfig(run.w, st.Config); err != nil {
			return "", []string{err.Error()}
		}
		return "", nil

	case "SetKV":
		data, err := useNumber(st.Value)
		if err != nil {
			return "", []string{err.Error()}
		}
		b, err := bytesFromJSON(data)
		if err != nil {
			return "", []string{"value: " + err.Error()}
		}
		if _, aerr := run.w.kvSetWithOptions(st.Key, b, model.PluginKVSetOptions{ExpireInSeconds: st.ExpireInSeconds}); aerr != nil {
			return "", []string{aerr.Error()}
		}
		return "", nil

	case "ExpectKV":
		return "", run.expectKV(st)

	case "ExpectCalls":
		from := prev
		switch st.Since {
		case "", "previous":
		case "all":
			from = 0
		default:
			return "", []string{`since must be "previous" or "all"`}
		}
		why := run.checkCalls(from, st.ExpectCalls, st.WaitMs)
		return "", append(why, run.hooks.takeProblems()...)
	}
	return "", []string{fmt.Sprintf("unknown call %q", st.Call)}
}

func unknownExpect(expect map[string]interface{}) []string {
	if len(expect) == 0 {
		return nil
	}
	return []string{"this call has no return values to expect; use expectCalls"}
}

func expectReturns(expect map[string]interface{}, got map[string]interface{}) []string {
	var why []string
	keys := make([]string, 0, len(expect))
	for k := range expect {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, ok := got[k]
		if !ok {
			why = append(why, fmt.Sprintf("expect.%s: not a return value of this call", k))
			continue
		}
		if m := match(expect[k], v, k); m != "" {
			why = append(why, m)
		}
	}
	return why
}

func (run *mmRun) hookContext(raw json.RawMessage) (*plugin.Context, error) {
	c := &plugin.Context{RequestId: newId(), SessionId: newId(), IPAddress: "127.0.0.1", AcceptLanguage: "en-US", UserAgent: "conformance-host"}
	if err := fill(c, raw, "context"); err != nil {
		return nil, err
	}
	return c, nil
}

// postArg builds a post from the script, filling what a server would have
// filled in for a post that already exists (Id, timestamps) unless asked
// for a not-yet-saved post.
func (run *mmRun) postArg(raw json.RawMessage, what string, saved bool) (*model.Post, error) {
	p := &model.Post{UserId: defaultUserId, ChannelId: defaultChannelId, Props: model.StringInterface{}}
	if saved {
		now := millis()
		p.Id, p.CreateAt, p.UpdateAt = newId(), now, now
	}
	if err := fill(p, raw, what); err != nil {
		return nil, err
	}
	return p, nil
}

func (run *mmRun) expectKV(st *scriptStep) []string {
	run.w.mu.Lock()
	e, ok := run.w.liveKV(st.Key, millis())
	run.w.mu.Unlock()
	if st.Absent {
		if ok {
			return []string{fmt.Sprintf("key %q is present: %s", st.Key, brief(bytesView(e.value)))}
		}
		return nil
	}
	if !ok {
		return []string{fmt.Sprintf("key %q is absent", st.Key)}
	}
	if len(st.Value) == 0 {
		return nil
	}
	pat, err := useNumber(st.Value)
	if err != nil {
		return []string{err.Error()}
	}
	if m := match(pat, bytesView(e.value), st.Key); m != "" {
		return []string{m}
	}
	return nil
}

func httpMethod(st *scriptStep) string {
	if st.Method != "" {
		return strings.ToUpper(st.Method)
	}
	if st.Body != nil || len(st.BodyJSON) > 0 || st.BodyBase64 != "" || st.BodyBytes > 0 {
		return "POST"
	}
	return "GET"
}

// patternReader yields n bytes of 'a'..'z' so large bodies need no memory.
type patternReader struct{ n, off int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	k := int64(len(b))
	if rest := p.n - p.off; k > rest {
		k = rest
	}
	for i := int64(0); i < k; i++ {
		b[i] = 'a' + byte((p.off+i)%26)
	}
	p.off += k
	return int(k), nil
}

func (run *mmRun) sessionFor(userID string) *session {
	run.w.mu.Lock()
	defer run.w.mu.Unlock()
	for _, s := range run.w.sessions {
		if s.UserId == userID {
			return s
		}
	}
	s := &session{Id: newId(), UserId: userID, Token: newId(), CSRF: newId()}
	run.w.sessions[s.Token] = s
	return s
}

func (run *mmRun) serveHTTPStep(st *scriptStep, expect map[string]interface{}, mark int, timeout time.Duration) (string, []string) {
	if !strings.HasPrefix(st.Path, "/") {
		return "", []string{`path must start with "/" (e.g. "/plugins/<id>/...")`}
	}
	var body io.Reader
	length := int64(0)
	switch {
	case st.BodyBytes > 0:
		body, length = &patternReader{n: st.BodyBytes}, st.BodyBytes
	case st.Body != nil:
		body, length = strings.NewReader(*st.Body), int64(len(*st.Body))
	case len(st.BodyJSON) > 0:
		body, length = bytes.NewReader(st.BodyJSON), int64(len(st.BodyJSON))
	case st.BodyBase64 != "":
		b, err := base64.StdEncoding.DecodeString(st.BodyBase64)
		if err != nil {
			return "", []string{"bodyBase64: " + err.Error()}
		}
		body, length = bytes.NewReader(b), int64(len(b))
	}
	req, err := http.NewRequest(httpMethod(st), run.front.base+st.Path, body)
	if err != nil {
		return "", []string{err.Error()}
	}
	if body != nil {
		req.ContentLength = length
		if st.Chunked {
			req.ContentLength = -1
			req.Body = ioutil.NopCloser(io.MultiReader(body))
		}
	}
	for k, raw := range st.Headers {
		var one string
		var many []string
		if json.Unmarshal(raw, &one) == nil {
			req.Header.Add(k, one)
		} else if json.Unmarshal(raw, &many) == nil {
			for _, v := range many {
				req.Header.Add(k, v)
			}
		} else {
			return "", []string{fmt.Sprintf("headers.%s must be a string or an array of strings", k)}
		}
	}
	if len(st.BodyJSON) > 0 && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	token := st.Token
	var sess *session
	if st.UserID != "" {
		sess = run.sessionFor(st.UserID)
		token = sess.Token
	}
	if token != "" {
		switch st.Auth {
		case "", "bearer":
			req.Header.Set("Authorization", "Bearer "+token)
		case "token":
			req.Header.Set("Authorization", "Token "+token)
		case "cookie":
			req.AddCookie(&http.Cookie{Name: "MMAUTHTOKEN", Value: token})
			if sess != nil && req.Header.Get("X-CSRF-Token") == "" {
				req.Header.Set("X-CSRF-Token", sess.CSRF)
			}
		case "query":
			q := req.URL.Query()
			q.Set("access_token", token)
			req.URL.RawQuery = q.Encode()
		default:
			return "", []string{`auth must be "bearer", "token", "cookie" or "query"`}
		}
	}
	if st.Host != "" {
		req.Host = st.Host
	}

	client := &http.Client{
		Transport:     &http.Transport{Proxy: nil, DisableCompression: true, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       timeout + 5*time.Second,
	}
	before := run.front.exchangeCount()
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return "", []string{"HTTP request failed: " + err.Error()}
	}
	respBody, err := ioutil.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err != nil {
		return "", []string{"reading the HTTP response: " + err.Error()}
	}

	var why []string
	ex := run.front.lastExchange(before)
	var rpcErr error
	routed := ex != nil
	if routed {
		select {
		case <-ex.respStreamEnd:
		case <-time.After(2 * time.Second):
			why = append(why, "the plugin left the response-writer stream open after ServeHTTP (Mattermost's plugin side closes it before replying)")
		}
		ex.mu.Lock()
		rpcErr = ex.rpcErr
		why = append(why, ex.violations...)
		calls := append([]string(nil), ex.calls...)
		writes, written := ex.writes, ex.writtenBytes
		ex.mu.Unlock()
		fmt.Fprintf(os.Stderr, "[host] response-writer calls: %s; %d Write calls, %d bytes\n", strings.Join(calls, ", "), writes, written)
	}

	got := map[string]interface{}{
		"status":     int64(resp.StatusCode),
		"body":       string(respBody),
		"bodyLength": int64(len(respBody)),
	}
	headerView := map[string]interface{}{}
	for k, v := range resp.Header {
		headerView[k] = v[0]
	}
	for k, pat := range expect {
		switch k {
		case "status", "body", "bodyLength":
			if m := match(pat, got[k], k); m != "" {
				why = append(why, m)
			}
		case "bodyJson":
			if m := matchOp("$json", pat, string(respBody), "body"); m != "" {
				why = append(why, m)
			}
		case "headers":
			hp, ok := pat.(map[string]interface{})
			if !ok {
				why = append(why, "expect.headers must be an object")
				continue
			}
			for name, hpat := range hp {
				var actual interface{}
				if vals, ok := resp.Header[http.CanonicalHeaderKey(name)]; ok {
					if _, isArr := hpat.([]interface{}); isArr {
						arr := make([]interface{}, len(vals))
						for i, v := range vals {
							arr[i] = v
						}
						actual = arr
					} else {
						actual = vals[0]
					}
				}
				if m := match(map[string]interface{}{name: hpat}, map[string]interface{}{name: actual}, "headers"); m != "" {
					if actual == nil && !isExistsFalse(hpat) {
						m = fmt.Sprintf("headers.%s: missing (response headers: %s)", name, brief(headerView))
					}
					why = append(why, m)
				}
			}
		case "bodyStreamDialled":
			want, _ := pat.(bool)
			if ex == nil {
				continue
			}
			var dialled bool
			select {
			case dialled = <-ex.bodyDialled:
			case <-time.After(6 * time.Second):
			}
			if dialled != want {
				why = append(why, fmt.Sprintf("request body stream dialled=%v, want %v", dialled, want))
			}
		default:
			why = append(why, fmt.Sprintf("expect.%s is not known for ServeHTTP", k))
		}
	}
	why = append(why, run.checkOutcome(rpcErr, nil, st.ExpectError, mark, st.ExpectCalls, st.WaitMs)...)
	why = append(why, run.capture(st.Capture, respBody)...)
	detail := fmt.Sprintf("%d, %d bytes in %v", resp.StatusCode, len(respBody), took.Round(time.Millisecond))
	if length > 0 {
		detail += fmt.Sprintf(", request body %d bytes", length)
	}
	if !routed {
		// Only worth a failure if the script expected something from the
		// plugin; its status expectation will say so.
		detail += ", answered by the server without reaching the plugin"
	}
	return detail, why
}

func isExistsFalse(p interface{}) bool {
	m, ok := p.(map[string]interface{})
	if !ok {
		return false
	}
	v, ok := m["$exists"].(bool)
	return ok && !v
}

var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// substitute replaces ${name} in a step with values captured by earlier
// steps, escaped for use inside a JSON string. An unknown name is an error,
// so a typo cannot silently send the literal text.
func (run *mmRun) substitute(raw json.RawMessage) (json.RawMessage, error) {
	var missing []string
	out := varRef.ReplaceAllFunc(raw, func(m []byte) []byte {
		name := string(varRef.FindSubmatch(m)[1])
		v, ok := run.vars[name]
		if !ok {
			missing = append(missing, name)
			return m
		}
		quoted, _ := json.Marshal(v)
		return quoted[1 : len(quoted)-1]
	})
	if len(missing) > 0 {
		return nil, fmt.Errorf("unknown variable(s) %s: capture them in an earlier ServeHTTP step", strings.Join(missing, ", "))
	}
	return out, nil
}

// capture stores values of a JSON response body under the names of a
// step's "capture" map; each path is dot-separated object keys or array
// indexes ("id", "items.0.id"), and must lead to a string, number or bool.
func (run *mmRun) capture(spec map[string]string, body []byte) []string {
	if len(spec) == 0 {
		return nil
	}
	doc, err := useNumber(body)
	if err != nil {
		return []string{"capture: the response body is not JSON: " + err.Error()}
	}
	var why []string
	names := make([]string, 0, len(spec))
	for name := range spec {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !varRef.MatchString("${" + name + "}") {
			why = append(why, fmt.Sprintf("capture: %q is not a valid variable name", name))
			continue
		}
		cur := doc
		for _, part := range strings.Split(spec[name], ".") {
			switch node := cur.(type) {
			case map[string]interface{}:
				cur = node[part]
			case []interface{}:
				i, err := strconv.Atoi(part)
				if err != nil || i < 0 || i >= len(node) {
					cur = nil
				} else {
					cur = node[i]
				}
			default:
				cur = nil
			}
		}
		switch v := cur.(type) {
		case string:
			run.vars[name] = v
		case json.Number:
			run.vars[name] = v.String()
		case bool:
			run.vars[name] = strconv.FormatBool(v)
		default:
			why = append(why, fmt.Sprintf("capture %s: %q does not lead to a string, number or boolean in %s", name, spec[name], brief(doc)))
		}
	}
	return why
}
