// Command goplugin is a reference plugin for the host's "basic" scenario,
// served by the real hashicorp/go-plugin server. It proves the host harness
// and gives a TypeScript go-plugin client a genuine Go plugin to talk to.
//
// Hooks (net/rpc service "Plugin" on the dispensed stream):
//
//	Implemented(struct{})                    -> []string
//	OnActivate(Z_OnActivateArgs)             -> Z_OnActivateReturns  (calls GetServerVersion, KVSet, LogInfo on APIMuxId)
//	Add(Args)                                -> Reply
//	Slow(SlowArgs)                           -> SlowReply            (sleeps Ms, echoes N)
//	Fail(struct{})                           -> struct{}             (error "it failed")
//	CallBack(CallBackArgs)                   -> CallBackReply        (dials Id, returns its Plugin.GetServerVersion)
package main

import (
	"errors"
	"fmt"
	"net/rpc"
	"os"
	"sync"
	"time"

	goplugin "github.com/hashicorp/go-plugin"
)

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

type Z_LogInfoArgs struct {
	A string
	B []interface{}
}

type Z_LogInfoReturns struct{}

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

var handshake = goplugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "MATTERMOST_PLUGIN",
	MagicCookieValue: "Securely message teams, anywhere.",
}

type Hooks struct {
	broker *goplugin.MuxBroker

	mu  sync.Mutex
	api *rpc.Client
	drv *rpc.Client
}

func (h *Hooks) Implemented(_ struct{}, reply *[]string) error {
	*reply = []string{"OnActivate", "Add", "Slow", "Fail", "CallBack"}
	return nil
}

func (h *Hooks) OnActivate(args *Z_OnActivateArgs, ret *Z_OnActivateReturns) error {
	apiConn, err := h.broker.Dial(args.APIMuxId)
	if err != nil {
		return err
	}
	// Mattermost's own plugin side dials the driver stream too; leaving it
	// undialled makes the host log an accept timeout.
	drvConn, err := h.broker.Dial(args.DriverMuxId)
	if err != nil {
		return err
	}
	api := rpc.NewClient(apiConn)
	h.mu.Lock()
	h.api, h.drv = api, rpc.NewClient(drvConn)
	h.mu.Unlock()

	var version Z_GetServerVersionReturns
	if err := api.Call("Plugin.GetServerVersion", &Z_GetServerVersionArgs{}, &version); err != nil {
		return fmt.Errorf("GetServerVersion: %v", err)
	}
	var set Z_KVSetReturns
	if err := api.Call("Plugin.KVSet", &Z_KVSetArgs{A: "activated", B: []byte(version.A)}, &set); err != nil {
		return fmt.Errorf("KVSet: %v", err)
	}
	if set.A != nil {
		return fmt.Errorf("KVSet: %v", set.A)
	}
	var logged Z_LogInfoReturns
	if err := api.Call("Plugin.LogInfo", &Z_LogInfoArgs{A: "activated", B: []interface{}{"version", version.A}}, &logged); err != nil {
		return fmt.Errorf("LogInfo: %v", err)
	}
	return nil
}

func (h *Hooks) Add(args *Args, reply *Reply) error {
	reply.Sum = args.A + args.B
	reply.Echo = fmt.Sprintf("go plugin says: %s (pid %d)", args.Msg, os.Getpid())
	return nil
}

func (h *Hooks) Slow(args *SlowArgs, reply *SlowReply) error {
	time.Sleep(time.Duration(args.Ms) * time.Millisecond)
	reply.N = args.N
	return nil
}

func (h *Hooks) Fail(_ struct{}, _ *struct{}) error {
	return errors.New("it failed")
}

func (h *Hooks) CallBack(args *CallBackArgs, reply *CallBackReply) error {
	conn, err := h.broker.Dial(args.Id)
	if err != nil {
		return fmt.Errorf("dial %d: %v", args.Id, err)
	}
	c := rpc.NewClient(conn)
	defer c.Close()
	var version Z_GetServerVersionReturns
	if err := c.Call("Plugin.GetServerVersion", &Z_GetServerVersionArgs{}, &version); err != nil {
		return fmt.Errorf("GetServerVersion on %d: %v", args.Id, err)
	}
	reply.A = version.A
	return nil
}

type hooksPlugin struct{}

func (hooksPlugin) Server(b *goplugin.MuxBroker) (interface{}, error) {
	return &Hooks{broker: b}, nil
}

func (hooksPlugin) Client(*goplugin.MuxBroker, *rpc.Client) (interface{}, error) {
	return nil, errors.New("this plugin only serves")
}

func main() {
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig: handshake,
		Plugins:         map[string]goplugin.Plugin{"hooks": hooksPlugin{}},
	})
}
