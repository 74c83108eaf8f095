package main

import (
	"bytes"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	goplugin "github.com/hashicorp/go-plugin"
)

// Wire shapes of the basic scenario. gob matches struct fields by name and
// kind, not by type name, so a plugin in another language only has to
// reproduce the field names and kinds listed here.

type Args struct {
	A, B int64
	Msg  string
}

type Reply struct {
	Sum  int64
	Echo string
}

type SlowArgs struct {
	Ms int64
	N  int64
}

type SlowReply struct {
	N int64
}

type CallBackArgs struct {
	Id uint32
}

type CallBackReply struct {
	A string
}

type Z_OnActivateArgs struct {
	APIMuxId    uint32
	DriverMuxId uint32
}

type Z_OnActivateReturns struct {
	A error
}

type Z_GetServerVersionArgs struct{}

type Z_GetServerVersionReturns struct {
	A string
}

type Z_KVSetArgs struct {
	A string
	B []byte
}

type Z_KVSetReturns struct {
	A *AppError
}

type Z_KVGetArgs struct {
	A string
}

type Z_KVGetReturns struct {
	A []byte
	B *AppError
}

type Z_LogInfoArgs struct {
	A string
	B []interface{}
}

type Z_LogInfoReturns struct{}

// AppError has model.AppError's exported fields; it is only ever sent in
// concrete (non-interface) fields here, so its Go type name is irrelevant.
type AppError struct {
	Id              string
	Message         string
	DetailedError   string
	RequestId       string
	StatusCode      int
	Where           string
	IsOAuth         bool
	SkipTranslation bool
}

func (e *AppError) Error() string {
	return e.Where + ": " + e.Message + ", " + e.DetailedError
}

const basicServerVersion = "9.11.0-harness"

type basicCall struct {
	Method string
	Args   interface{}
}

// basicAPI is the API object served on APIMuxId during the basic scenario.
type basicAPI struct {
	mu    sync.Mutex
	calls []basicCall
	kv    map[string][]byte
}

func (a *basicAPI) record(method string, args interface{}) {
	a.mu.Lock()
	a.calls = append(a.calls, basicCall{method, args})
	a.mu.Unlock()
}

func (a *basicAPI) snapshot() []basicCall {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]basicCall(nil), a.calls...)
}

func (a *basicAPI) GetServerVersion(args *Z_GetServerVersionArgs, ret *Z_GetServerVersionReturns) error {
	a.record("GetServerVersion", *args)
	ret.A = basicServerVersion
	return nil
}

func (a *basicAPI) KVSet(args *Z_KVSetArgs, ret *Z_KVSetReturns) error {
	a.record("KVSet", *args)
	a.mu.Lock()
	a.kv[args.A] = append([]byte(nil), args.B...)
	a.mu.Unlock()
	return nil
}

func (a *basicAPI) KVGet(args *Z_KVGetArgs, ret *Z_KVGetReturns) error {
	a.record("KVGet", *args)
	a.mu.Lock()
	defer a.mu.Unlock()
	v, ok := a.kv[args.A]
	if !ok {
		ret.B = &AppError{Id: "app.kv.not_found", StatusCode: 404, Message: "not found", Where: "KVGet"}
		return nil
	}
	ret.A = v
	return nil
}

func (a *basicAPI) LogInfo(args *Z_LogInfoArgs, ret *Z_LogInfoReturns) error {
	a.record("LogInfo", *args)
	return nil
}

// basicDriver only has to exist: the plugin dials DriverMuxId but the basic
// scenario never uses the stream.
type basicDriver struct{}

func (basicDriver) Ping(args struct{}, reply *struct{}) error { return nil }

func runBasic(r *report, cl *goplugin.Client, lw *logWatch, expectHS time.Duration) {
	const t = 10 * time.Second
	rpcc, hc, ok := connect(r, cl, expectHS)
	if !ok {
		return
	}

	var impl []string
	if err := call(hc.client, "Plugin.Implemented", struct{}{}, &impl, t); err != nil {
		r.fail("implemented", "%v", err)
	} else if missing := missingNames(impl, "OnActivate", "Add", "Slow"); len(missing) > 0 {
		r.fail("implemented", "%v lacks %v", impl, missing)
	} else {
		r.pass("implemented", "%v", impl)
	}

	api := &basicAPI{kv: map[string][]byte{}}
	apiID, drvID := hc.broker.NextId(), hc.broker.NextId()
	go hc.broker.AcceptAndServe(apiID, api)
	go hc.broker.AcceptAndServe(drvID, basicDriver{})
	var act Z_OnActivateReturns
	err := call(hc.client, "Plugin.OnActivate", &Z_OnActivateArgs{APIMuxId: apiID, DriverMuxId: drvID}, &act, t)
	switch {
	case err != nil:
		r.fail("on-activate", "%v", err)
	case act.A != nil:
		r.fail("on-activate", "returned error %v", act.A)
	default:
		r.check("on-activate", checkActivationCalls(api.snapshot()))
	}

	var add Reply
	err = call(hc.client, "Plugin.Add", &Args{A: 40, B: 2, Msg: "hello"}, &add, t)
	switch {
	case err != nil:
		r.fail("add", "%v", err)
	case add.Sum != 42 || !strings.Contains(add.Echo, "hello"):
		r.fail("add", "got %+v, want Sum 42 and Echo containing \"hello\"", add)
	default:
		r.pass("add", "%d %q", add.Sum, add.Echo)
	}

	if detail, err := concurrentSlow(hc, t); err != nil {
		r.fail("slow-concurrent", "%v", err)
	} else {
		r.pass("slow-concurrent", "%s", detail)
	}

	err = call(hc.client, "Plugin.Nope", struct{}{}, &struct{}{}, t)
	if want := "rpc: can't find method Plugin.Nope"; err == nil || err.Error() != want {
		r.fail("unknown-method", "error %q, want %q", errText(err), want)
	} else {
		r.pass("unknown-method", "")
	}

	err = call(hc.client, "Plugin.Fail", struct{}{}, &struct{}{}, t)
	if want := "it failed"; err == nil || err.Error() != want {
		r.fail("fail", "error %q, want %q", errText(err), want)
	} else {
		r.pass("fail", "")
	}

	r.check("ping", pingN(rpcc, 10))

	// Optional: the plugin dials a stream the host accepts, the reverse of
	// OnActivate's API stream being reused. Only run when offered.
	if len(missingNames(impl, "CallBack")) == 0 {
		cbAPI := &basicAPI{kv: map[string][]byte{}}
		id := hc.broker.NextId()
		go hc.broker.AcceptAndServe(id, cbAPI)
		var cb CallBackReply
		err := call(hc.client, "Plugin.CallBack", &CallBackArgs{Id: id}, &cb, t)
		switch {
		case err != nil:
			r.fail("callback", "%v", err)
		case cb.A != basicServerVersion:
			r.fail("callback", "got %q, want %q", cb.A, basicServerVersion)
		default:
			r.pass("callback", "plugin dialled broker id %d", id)
		}
	}

	killAndMeasure(r, cl, lw)
}

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func missingNames(have []string, want ...string) []string {
	set := map[string]bool{}
	for _, h := range have {
		set[h] = true
	}
	var missing []string
	for _, w := range want {
		if !set[w] {
			missing = append(missing, w)
		}
	}
	return missing
}

func checkActivationCalls(calls []basicCall) error {
	want := []basicCall{
		{"GetServerVersion", Z_GetServerVersionArgs{}},
		{"KVSet", Z_KVSetArgs{A: "activated", B: []byte(basicServerVersion)}},
		{"LogInfo", Z_LogInfoArgs{A: "activated", B: []interface{}{"version", basicServerVersion}}},
	}
	if len(calls) != len(want) {
		return fmt.Errorf("API calls during OnActivate: %s; want exactly %s", describeCalls(calls), describeCalls(want))
	}
	for i := range want {
		if calls[i].Method != want[i].Method || !sameArgs(calls[i].Args, want[i].Args) {
			return fmt.Errorf("API call %d is %s; want %s", i+1, describeCalls(calls[i:i+1]), describeCalls(want[i:i+1]))
		}
	}
	return nil
}

func sameArgs(a, b interface{}) bool {
	if x, ok := a.(Z_KVSetArgs); ok {
		y := b.(Z_KVSetArgs)
		return x.A == y.A && bytes.Equal(x.B, y.B)
	}
	return reflect.DeepEqual(a, b)
}

func describeCalls(calls []basicCall) string {
	parts := make([]string, len(calls))
	for i, c := range calls {
		if kv, ok := c.Args.(Z_KVSetArgs); ok {
			parts[i] = fmt.Sprintf("%s(%q, %q)", c.Method, kv.A, kv.B)
		} else {
			parts[i] = fmt.Sprintf("%s(%#v)", c.Method, c.Args)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// concurrentSlow issues 20 calls at once whose sleeps make the plugin answer
// them in reverse order, so any reply matched to the wrong Seq shows up as a
// mismatched N.
func concurrentSlow(hc *hooksClient, timeout time.Duration) (string, error) {
	const n = 20
	type result struct {
		i     int
		reply *SlowReply
		err   error
	}
	done := make(chan *result, n)
	start := time.Now()
	for i := 0; i < n; i++ {
		i := i
		go func() {
			// Not pre-filled: gob omits zero fields, so N=0 arrives as "no field".
			rep := &SlowReply{}
			err := call(hc.client, "Plugin.Slow", &SlowArgs{Ms: int64(n-i) * 10, N: int64(i)}, rep, timeout)
			done <- &result{i, rep, err}
		}()
	}
	var order []int
	var problems []string
	for k := 0; k < n; k++ {
		res := <-done
		order = append(order, res.i)
		switch {
		case res.err != nil:
			problems = append(problems, fmt.Sprintf("call %d: %v", res.i, res.err))
		case res.reply.N != int64(res.i):
			problems = append(problems, fmt.Sprintf("call %d got N=%d", res.i, res.reply.N))
		}
	}
	elapsed := time.Since(start)
	if len(problems) > 0 {
		sort.Strings(problems)
		return "", fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	// Sleeps sum to 2.1s; well under that means the plugin ran them
	// concurrently rather than one after another.
	if elapsed > 1500*time.Millisecond {
		return "", fmt.Errorf("20 calls took %v; the plugin seems to serve calls one at a time (completion order %v)", elapsed.Round(time.Millisecond), order)
	}
	// Count pairs finishing in reverse order; 10ms steps leave room for a few
	// scheduling swaps but not for in-order (serialised) replies.
	pos := make([]int, n)
	for p, i := range order {
		pos[i] = p
	}
	reversed, pairs := 0, 0
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			pairs++
			if pos[j] < pos[i] {
				reversed++
			}
		}
	}
	if reversed*10 < pairs*8 {
		return "", fmt.Errorf("only %d of %d pairs completed in reverse order (completion order %v)", reversed, pairs, order)
	}
	return fmt.Sprintf("%v, %d/%d pairs reversed, completion order %v", elapsed.Round(time.Millisecond), reversed, pairs, order), nil
}

func pingN(rpcc goplugin.ClientProtocol, n int) error {
	for i := 0; i < n; i++ {
		errc := make(chan error, 1)
		go func() { errc <- rpcc.Ping() }()
		select {
		case err := <-errc:
			if err != nil {
				return fmt.Errorf("ping %d: %v", i+1, err)
			}
		case <-time.After(5 * time.Second):
			return fmt.Errorf("ping %d: no reply within 5s", i+1)
		}
	}
	return nil
}
