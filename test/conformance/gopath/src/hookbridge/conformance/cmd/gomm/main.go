// Command gomm is a small Go plugin for the host's "mattermost" scenario,
// built on the real hashicorp/go-plugin server and speaking Mattermost's
// plugin RPC the way server/public/plugin/client_rpc.go does on the plugin
// side. It exists to prove the harness; see cmd/host/testdata for the
// script it passes.
//
// Behaviour:
//   - OnActivate: LoadPluginConfiguration, GetServerVersion, EnsureBotUser
//     ("gomm-bot"), KVSet("bot_id"), LogInfo.
//   - MessageWillBePosted: rejects posts containing "reject-me", otherwise
//     leaves the post alone.
//   - MessageHasBeenPosted: answers every post not written by its bot with
//     CreatePost("<EchoPrefix><message>") in the same thread.
//   - ServeHTTP: /length counts the request body, /echo streams it back,
//     /whoami describes the request, /status/<n> answers status n.
//   - ExecuteCommand "/gomm selftest": drives every API method the host
//     serves and answers "ok" or the list of surprises (selftest.go).
package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/rpc"
	"os"
	"strconv"
	"strings"
	"sync"

	goplugin "github.com/hashicorp/go-plugin"

	"hookbridge/conformance/model"
	"hookbridge/conformance/plugin"
)

var handshake = goplugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "MATTERMOST_PLUGIN",
	MagicCookieValue: "Securely message teams, anywhere.",
}

type Z_OnActivateArgs struct {
	APIMuxId    uint32
	DriverMuxId uint32
}

type Z_OnActivateReturns struct {
	A error
}

type Z_OnDeactivateArgs struct{}

type Z_OnDeactivateReturns struct {
	A error
}

type Z_OnConfigurationChangeArgs struct{}

type Z_OnConfigurationChangeReturns struct {
	A error
}

type Z_MessageHasBeenPostedArgs struct {
	A *plugin.Context
	B *model.Post
}

type Z_MessageHasBeenPostedReturns struct{}

type Z_MessageWillBePostedArgs struct {
	A *plugin.Context
	B *model.Post
}

type Z_MessageWillBePostedReturns struct {
	A *model.Post
	B string
}

type Z_ServeHTTPArgs struct {
	ResponseWriterStream uint32
	Request              *plugin.HTTPRequestSubset
	Context              *plugin.Context
	RequestBodyStream    uint32
}

type Z_LoadPluginConfigurationArgsArgs struct{}

type Z_LoadPluginConfigurationArgsReturns struct {
	A []byte
}

type Z_GetServerVersionArgs struct{}

type Z_GetServerVersionReturns struct {
	A string
}

type Z_EnsureBotUserArgs struct {
	A *model.Bot
}

type Z_EnsureBotUserReturns struct {
	A string
	B error
}

type Z_KVSetArgs struct {
	A string
	B []byte
}

type Z_KVSetReturns struct {
	A *model.AppError
}

type Z_CreatePostArgs struct {
	A *model.Post
}

type Z_CreatePostReturns struct {
	A *model.Post
	B *model.AppError
}

type Z_LogInfoArgs struct {
	A string
	B []interface{}
}

type Z_LogInfoReturns struct{}

type config struct {
	EchoPrefix string
}

type Hooks struct {
	broker *goplugin.MuxBroker

	mu    sync.Mutex
	api   *rpc.Client
	botID string
	cfg   config
}

func (h *Hooks) Implemented(_ struct{}, reply *[]string) error {
	*reply = []string{"OnActivate", "OnDeactivate", "OnConfigurationChange", "MessageWillBePosted", "MessageHasBeenPosted", "ServeHTTP", "ExecuteCommand"}
	return nil
}

func (h *Hooks) client() *rpc.Client {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.api
}

func (h *Hooks) logInfo(msg string, kv ...interface{}) {
	pairs := make([]interface{}, len(kv))
	for i, v := range kv {
		pairs[i] = fmt.Sprintf("%+v", v)
	}
	h.client().Call("Plugin.LogInfo", &Z_LogInfoArgs{A: msg, B: pairs}, &Z_LogInfoReturns{})
}

func (h *Hooks) loadConfig() error {
	var ret Z_LoadPluginConfigurationArgsReturns
	if err := h.client().Call("Plugin.LoadPluginConfiguration", &Z_LoadPluginConfigurationArgsArgs{}, &ret); err != nil {
		return err
	}
	cfg := config{EchoPrefix: "echo: "}
	if len(ret.A) > 0 {
		if err := json.Unmarshal(ret.A, &cfg); err != nil {
			return err
		}
	}
	h.mu.Lock()
	h.cfg = cfg
	h.mu.Unlock()
	return nil
}

func (h *Hooks) OnActivate(args *Z_OnActivateArgs, ret *Z_OnActivateReturns) error {
	conn, err := h.broker.Dial(args.APIMuxId)
	if err != nil {
		return err
	}
	if _, err := h.broker.Dial(args.DriverMuxId); err != nil {
		return err
	}
	h.mu.Lock()
	h.api = rpc.NewClient(conn)
	h.mu.Unlock()
	if err := h.loadConfig(); err != nil {
		fmt.Fprintf(os.Stderr, "[ERROR] call to OnConfigurationChange failed, error: %v", err)
	}

	var version Z_GetServerVersionReturns
	if err := h.client().Call("Plugin.GetServerVersion", &Z_GetServerVersionArgs{}, &version); err != nil {
		return err
	}
	var bot Z_EnsureBotUserReturns
	if err := h.client().Call("Plugin.EnsureBotUser", &Z_EnsureBotUserArgs{A: &model.Bot{Username: "gomm-bot", DisplayName: "GoMM"}}, &bot); err != nil {
		return err
	}
	if bot.B != nil {
		ret.A = &plugin.ErrorString{Err: "EnsureBotUser: " + bot.B.Error()}
		return nil
	}
	h.mu.Lock()
	h.botID = bot.A
	h.mu.Unlock()
	var set Z_KVSetReturns
	if err := h.client().Call("Plugin.KVSet", &Z_KVSetArgs{A: "bot_id", B: []byte(bot.A)}, &set); err != nil {
		return err
	}
	if set.A != nil {
		ret.A = set.A
		return nil
	}
	h.logInfo("gomm activated", "version", version.A, "bot", bot.A)
	return nil
}

func (h *Hooks) OnDeactivate(_ *Z_OnDeactivateArgs, _ *Z_OnDeactivateReturns) error {
	h.logInfo("gomm deactivated")
	return nil
}

func (h *Hooks) OnConfigurationChange(_ *Z_OnConfigurationChangeArgs, ret *Z_OnConfigurationChangeReturns) error {
	if err := h.loadConfig(); err != nil {
		ret.A = &plugin.ErrorString{Err: err.Error()}
	}
	return nil
}

func (h *Hooks) MessageWillBePosted(args *Z_MessageWillBePostedArgs, ret *Z_MessageWillBePostedReturns) error {
	if strings.Contains(args.B.Message, "reject-me") {
		ret.B = "gomm rejects this"
	}
	return nil
}

func (h *Hooks) MessageHasBeenPosted(args *Z_MessageHasBeenPostedArgs, _ *Z_MessageHasBeenPostedReturns) error {
	h.mu.Lock()
	botID, prefix := h.botID, h.cfg.EchoPrefix
	h.mu.Unlock()
	p := args.B
	if p == nil || p.UserId == botID {
		return nil
	}
	root := p.RootId
	if root == "" {
		root = p.Id
	}
	var ret Z_CreatePostReturns
	reply := &model.Post{UserId: botID, ChannelId: p.ChannelId, RootId: root, Message: prefix + p.Message}
	if err := h.client().Call("Plugin.CreatePost", &Z_CreatePostArgs{A: reply}, &ret); err != nil {
		return err
	}
	if ret.B != nil {
		return ret.B
	}
	return nil
}

// ServeHTTP is hooksRPCServer.ServeHTTP: dial the response writer and the
// body stream, run the handler, close the writer, then reply.
func (h *Hooks) ServeHTTP(args *Z_ServeHTTPArgs, _ *struct{}) error {
	conn, err := h.broker.Dial(args.ResponseWriterStream)
	if err != nil {
		return err
	}
	w := &responseWriter{client: rpc.NewClient(conn)}
	defer w.client.Close()
	r := args.Request
	var body io.ReadCloser = io.NopCloser(&bytes.Buffer{})
	if args.RequestBodyStream != 0 {
		bc, err := h.broker.Dial(args.RequestBodyStream)
		if err != nil {
			return err
		}
		body = &remoteReader{conn: bc}
	}
	defer body.Close()
	req := &http.Request{Method: r.Method, URL: r.URL, Proto: r.Proto, ProtoMajor: r.ProtoMajor, ProtoMinor: r.ProtoMinor,
		Header: r.Header, Host: r.Host, RemoteAddr: r.RemoteAddr, RequestURI: r.RequestURI, Body: body}
	h.handle(args.Context, w, req)
	return nil
}

func (h *Hooks) handle(c *plugin.Context, w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/length":
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("X-Body-Length", strconv.FormatInt(n, 10))
		fmt.Fprintf(w, "%d", n)
	case r.URL.Path == "/echo":
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(http.StatusOK)
		io.CopyBuffer(w, r.Body, make([]byte, 64*1024))
	case r.URL.Path == "/whoami":
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]interface{}{
			"userId":      r.Header.Get("Mattermost-User-Id"),
			"sessionId":   c.SessionId,
			"requestId":   c.RequestId,
			"ipAddress":   c.IPAddress,
			"path":        r.URL.Path,
			"rawQuery":    r.URL.RawQuery,
			"requestURI":  r.RequestURI,
			"method":      r.Method,
			"hasAuth":     r.Header.Get("Authorization") != "",
			"hasReferer":  r.Header.Get("Referer") != "",
			"contentType": r.Header.Get("Content-Type"),
		})
	case strings.HasPrefix(r.URL.Path, "/status/"):
		code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/status/"))
		w.WriteHeader(code)
	default:
		http.NotFound(w, r)
	}
}

// responseWriter is Mattermost's httpResponseWriterRPCClient.
type responseWriter struct {
	client *rpc.Client
	header http.Header
}

func (w *responseWriter) Header() http.Header {
	if w.header == nil {
		w.client.Call("Plugin.Header", struct{}{}, &w.header)
	}
	return w.header
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if err := w.client.Call("Plugin.SyncHeader", w.header, nil); err != nil {
		return 0, err
	}
	if err := w.client.Call("Plugin.Write", b, nil); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (w *responseWriter) WriteHeader(status int) {
	if err := w.client.Call("Plugin.SyncHeader", w.header, nil); err != nil {
		return
	}
	w.client.Call("Plugin.WriteHeader", status, nil)
}

// remoteReader is Mattermost's remoteIOReader (io_rpc.go).
type remoteReader struct {
	conn io.ReadWriteCloser
}

func (r *remoteReader) Read(b []byte) (int, error) {
	var buf [10]byte
	n := binary.PutVarint(buf[:], int64(len(b)))
	if _, err := r.conn.Write(buf[:n]); err != nil {
		return 0, err
	}
	return r.conn.Read(b)
}

func (r *remoteReader) Close() error { return r.conn.Close() }

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
