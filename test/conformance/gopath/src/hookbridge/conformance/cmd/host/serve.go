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
// then reads commands from stdin, one per line, each "<tag> <command>", and
// answers each with one line "<tag> <answer>" (posts may be answered out of
// order, once their hook has run):
//
//	clear        forget the posts created so far          → "ok"
//	stats        API calls served so far, as JSON          → {"CreatePost":12,…}
//	post <text>  alice posts <text> in town square, as a
//	             client's post is stored; answered once
//	             MessageHasBeenPosted has returned         → the post id, or "error: …"
//
// At the end of stdin it deactivates and stops the plugin.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
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

	var out sync.Mutex
	answer := func(tag, text string) {
		out.Lock()
		fmt.Printf("%s %s\n", tag, text)
		out.Unlock()
	}
	var posting sync.WaitGroup
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		tag, cmd, _ := strings.Cut(in.Text(), " ")
		verb, arg, _ := strings.Cut(cmd, " ")
		switch verb {
		case "clear":
			w.mu.Lock()
			w.posts = map[string]*model.Post{}
			w.mu.Unlock()
			answer(tag, "ok")
		case "stats":
			b, _ := json.Marshal(rec.counts())
			answer(tag, string(b))
		case "post":
			posting.Add(1)
			go func() {
				defer posting.Done()
				created, appErr, hookErr := api.createPost(&model.Post{UserId: defaultUserId, ChannelId: defaultChannelId, Message: arg}, true)
				switch {
				case appErr != nil:
					answer(tag, "error: "+appErr.Message)
				case hookErr != nil:
					answer(tag, "error: "+hookErr.Error())
				default:
					answer(tag, created.Id)
				}
			}()
		default:
			answer(tag, fmt.Sprintf("error: unknown command %q", cmd))
		}
	}
	posting.Wait()
	hooks.waitAsync(5 * time.Second)
	if hooks.has("OnDeactivate") {
		var ret Z_OnDeactivateReturns
		_ = call(hc.client, "Plugin.OnDeactivate", &Z_OnDeactivateArgs{}, &ret, 10*time.Second)
	}
	killAndMeasure(r, cl, lw)
}
