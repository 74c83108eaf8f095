package main

// The "serve" scenario: the mattermost scenario's server side (the world,
// the API on the plugin's API stream, MessageHasBeenPosted after every post,
// the HTTP front with ServeHTTP through MuxBroker streams) kept running for a
// benchmark instead of a script. Nothing is recorded per call, since a
// benchmark sends tens of thousands of requests: API calls are only counted.
//
//	host --plugin EXE --scenario serve [--config-json JSON] [--timeout 1h]
//
// Once the plugin is active it prints one line on stdout:
//
//	SERVING <front URL> <admin token> <team id> <channel id> <plugin pid>
//
// then reads commands from stdin, one per line, each answered by one line:
//
//	clear   forget the posts created so far          → "ok"
//	stats   API calls served so far, as JSON          → {"CreatePost":12,…}
//
// At the end of stdin it deactivates and stops the plugin.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"time"

	goplugin "github.com/hashicorp/go-plugin"

	"hookbridge/conformance/model"
)

// quiet turns off per-call recording and logging (set by the serve scenario).
var quiet bool

const serveAdminToken = "bench-admin-token"

func runServe(r *report, cl *goplugin.Client, lw *logWatch, o mmOptions) {
	quiet = true
	w := newWorld("hookbridge")
	if err := setConfig(w, json.RawMessage(o.configJSON)); err != nil {
		r.fail("config", "%v", err)
		return
	}
	w.sessions[serveAdminToken] = &session{Id: newId(), UserId: defaultAdminId, Token: serveAdminToken}
	timeout := 30 * time.Second

	_, hc, impl, ok := connectImplemented(r, cl, o.expectHS, timeout)
	if !ok {
		return
	}
	hooks := newHookCaller(hc, impl, true, timeout)
	rec := &recorder{}
	api := &mmAPI{w: w, rec: rec, hooks: hooks}
	apiID := hc.broker.NextId()
	go serveAPI(hc.broker, apiID, api, rec)
	drvID := hc.broker.NextId()
	go func() {
		if conn, err := hc.broker.Accept(drvID); err == nil {
			serveDriver(conn)
		}
	}()
	var act Z_OnActivateReturns
	if err := call(hc.client, "Plugin.OnActivate", &Z_OnActivateArgs{APIMuxId: apiID, DriverMuxId: drvID}, &act, timeout); err != nil || act.A != nil {
		r.fail("on-activate", "%v %v", err, errView(act.A))
		killAndMeasure(r, cl, lw)
		return
	}
	front, err := startHTTPFront(w, hooks, hc.broker, "hookbridge", timeout)
	if err != nil {
		r.fail("http-front", "%v", err)
		return
	}
	defer front.close()
	pid := 0
	if rc := cl.ReattachConfig(); rc != nil {
		pid = rc.Pid
	}
	fmt.Printf("SERVING %s %s %s %s %d\n", front.base, serveAdminToken, defaultTeamId, defaultChannelId, pid)

	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		switch in.Text() {
		case "clear":
			w.mu.Lock()
			w.posts = map[string]*model.Post{}
			w.mu.Unlock()
			fmt.Println("ok")
		case "stats":
			b, _ := json.Marshal(rec.counts())
			fmt.Println(string(b))
		default:
			fmt.Printf("unknown command %q\n", in.Text())
		}
	}
	hooks.waitAsync(5 * time.Second)
	if hooks.has("OnDeactivate") {
		var ret Z_OnDeactivateReturns
		_ = call(hc.client, "Plugin.OnDeactivate", &Z_OnDeactivateArgs{}, &ret, 10*time.Second)
	}
	killAndMeasure(r, cl, lw)
}
