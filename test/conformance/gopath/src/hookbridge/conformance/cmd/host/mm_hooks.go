package main

import (
	"fmt"
	"net/rpc"
	"os"
	"sync"
	"time"

	"hookbridge/conformance/model"
	"hookbridge/conformance/plugin"
)

// dismissPostError is plugin.DismissPostError (server/public/plugin/hooks.go).
const dismissPostError = "plugin.message_will_be_posted.dismiss_post"

// hookCaller is the host's hooksRPCClient: it calls hooks the plugin said
// it implements and remembers what went wrong with calls nobody waits for.
type hookCaller struct {
	client      *rpc.Client
	implemented map[string]bool
	postHooks   bool
	timeout     time.Duration

	wg       sync.WaitGroup
	mu       sync.Mutex
	problems []string
}

func (h *hookCaller) has(name string) bool { return h.implemented[name] }

func (h *hookCaller) context() *plugin.Context {
	return &plugin.Context{RequestId: newId()}
}

func (h *hookCaller) call(name string, args, reply interface{}) error {
	return call(h.client, "Plugin."+name, args, reply, h.timeout)
}

// async mirrors the server running MessageHasBeenPosted & co. in a
// goroutine after the API call that caused them has returned.
func (h *hookCaller) async(name string, args, reply interface{}) {
	if !h.postHooks || !h.has(name) {
		return
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		if err := h.call(name, args, reply); err != nil {
			h.note("%s (run by the server after an API call): %v", name, err)
		}
	}()
}

func (h *hookCaller) note(format string, args ...interface{}) {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintln(os.Stderr, "[host] "+msg)
	h.mu.Lock()
	h.problems = append(h.problems, msg)
	h.mu.Unlock()
}

func (h *hookCaller) takeProblems() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.problems
	h.problems = nil
	return p
}

func (h *hookCaller) waitAsync(d time.Duration) bool {
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// messageWillBePosted decodes the reply into the post that was sent, as
// the server does, so fields the plugin leaves out keep their values.
func (h *hookCaller) messageWillBePosted(p *model.Post) (*model.Post, string) {
	if !h.postHooks || !h.has("MessageWillBePosted") {
		return p, ""
	}
	args := &Z_MessageWillBePostedArgs{A: h.context(), B: p}
	ret := &Z_MessageWillBePostedReturns{A: p}
	if err := h.call("MessageWillBePosted", args, ret); err != nil {
		h.note("MessageWillBePosted (run by the server inside CreatePost): %v", err)
	}
	return ret.A, ret.B
}

// messageWillBeUpdated decodes into a fresh struct, unlike
// messageWillBePosted, and falls back to the new post on RPC errors. A nil
// post in the reply rejects the update, with or without a reason.
func (h *hookCaller) messageWillBeUpdated(np, old *model.Post) (*model.Post, string) {
	if !h.postHooks || !h.has("MessageWillBeUpdated") {
		return np, ""
	}
	ret := &Z_MessageWillBeUpdatedReturns{}
	if err := h.call("MessageWillBeUpdated", &Z_MessageWillBeUpdatedArgs{A: h.context(), B: np, C: old}, ret); err != nil {
		h.note("MessageWillBeUpdated (run by the server inside UpdatePost): %v", err)
		return np, ""
	}
	return ret.A, ret.B
}
