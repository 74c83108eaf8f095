package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/rpc"
	"os"
	"path"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goplugin "github.com/hashicorp/go-plugin"

	"hookbridge/conformance/plugin"
)

// httpFront is a real HTTP server on loopback that routes /plugins/<id>/…
// the way Mattermost's ServePluginRequest does, so scripts exercise a
// plugin's ServeHTTP through genuine net/http requests and responses.
type httpFront struct {
	w        *world
	hooks    *hookCaller
	broker   *goplugin.MuxBroker
	pluginID string
	timeout  time.Duration
	base     string
	srv      *http.Server

	mu        sync.Mutex
	exchanges []*httpExchange
}

// httpExchange is what the host saw of one ServeHTTP call.
type httpExchange struct {
	mu            sync.Mutex
	args          *Z_ServeHTTPArgs
	rpcErr        error
	writes        int
	writtenBytes  int64
	calls         []string
	violations    []string
	bodyStreamID  uint32
	bodyDialled   chan bool // receives once: whether the plugin dialled the body stream
	bodyServed    int64
	respStreamEnd chan struct{}
}

func (e *httpExchange) violate(format string, args ...interface{}) {
	e.mu.Lock()
	e.violations = append(e.violations, fmt.Sprintf(format, args...))
	e.mu.Unlock()
}

func (e *httpExchange) logCall(s string) {
	e.mu.Lock()
	e.calls = append(e.calls, s)
	e.mu.Unlock()
}

func startHTTPFront(w *world, hooks *hookCaller, broker *goplugin.MuxBroker, pluginID string, timeout time.Duration) (*httpFront, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f := &httpFront{w: w, hooks: hooks, broker: broker, pluginID: pluginID, timeout: timeout, base: "http://" + ln.Addr().String()}
	f.srv = &http.Server{Handler: f}
	go f.srv.Serve(ln)
	return f, nil
}

func (f *httpFront) close() { f.srv.Close() }

func (f *httpFront) lastExchange(since int) *httpExchange {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.exchanges) <= since {
		return nil
	}
	return f.exchanges[len(f.exchanges)-1]
}

func (f *httpFront) exchangeCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.exchanges)
}

// ServeHTTP is ServePluginRequest + servePluginRequest
// (server/channels/app/plugin_requests.go) minus MFA and plugin visibility.
func (f *httpFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/plugins/")
	if rest == r.URL.Path || rest == "" {
		http.NotFound(w, r)
		return
	}
	pluginID := rest
	if i := strings.Index(rest, "/"); i >= 0 {
		pluginID = rest[:i]
	}
	if f.pluginID != "" && pluginID != f.pluginID {
		http.NotFound(w, r)
		return
	}

	ctx := &plugin.Context{
		RequestId:      newId(),
		IPAddress:      remoteIP(r),
		AcceptLanguage: r.Header.Get("Accept-Language"),
		UserAgent:      r.UserAgent(),
		ConnectionId:   r.Header.Get("Connection-Id"),
	}

	var token string
	cookieAuth := false
	authHeader := r.Header.Get("Authorization")
	if strings.HasPrefix(strings.ToUpper(authHeader), "BEARER ") {
		token = authHeader[len("BEARER "):]
	} else if strings.HasPrefix(strings.ToLower(authHeader), "token ") {
		token = authHeader[len("token "):]
	} else if c, _ := r.Cookie("MMAUTHTOKEN"); c != nil {
		token = c.Value
		cookieAuth = true
	} else {
		token = r.URL.Query().Get("access_token")
	}

	r.Header.Del("Mattermost-Plugin-ID")
	r.Header.Del("Mattermost-User-Id")
	cookies := r.Cookies()
	r.Header.Del("Cookie")
	for _, c := range cookies {
		if c.Name != "MMAUTHTOKEN" {
			r.AddCookie(c)
		}
	}
	r.Header.Del("Referer")
	q := r.URL.Query()
	q.Del("access_token")
	r.URL.RawQuery = q.Encode()
	r.URL.Path = strings.TrimPrefix(r.URL.Path, path.Join("/plugins", pluginID))

	if token != "" {
		f.w.mu.Lock()
		s := f.w.sessions[token]
		f.w.mu.Unlock()
		if s != nil {
			r.Header.Del("Authorization")
			if csrfOK(r, s, cookieAuth) {
				r.Header.Set("Mattermost-User-Id", s.UserId)
				ctx.SessionId = s.Id
			}
		}
	}
	f.serveHTTPHook(ctx, w, r)
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// csrfOK is validateCSRFForPluginRequest with strict enforcement off (the
// server default).
func csrfOK(r *http.Request, s *session, cookieAuth bool) bool {
	if !cookieAuth || r.Method == http.MethodGet {
		return true
	}
	if r.Header.Get("X-CSRF-Token") == s.CSRF {
		return true
	}
	return r.Header.Get("X-Requested-With") == "XMLHttpRequest"
}

// serveHTTPHook is hooksRPCClient.ServeHTTP (server/public/plugin/client_rpc.go).
func (f *httpFront) serveHTTPHook(c *plugin.Context, w http.ResponseWriter, r *http.Request) {
	ex := &httpExchange{bodyDialled: make(chan bool, 1), respStreamEnd: make(chan struct{})}
	if !quiet {
		f.mu.Lock()
		f.exchanges = append(f.exchanges, ex)
		f.mu.Unlock()
	}

	if !f.hooks.has("ServeHTTP") {
		close(ex.respStreamEnd)
		ex.bodyDialled <- false
		http.NotFound(w, r)
		return
	}

	rw := &responseWriterServer{w: w, ex: ex}
	respID := f.broker.NextId()
	go func() {
		defer close(ex.respStreamEnd)
		conn, err := f.broker.Accept(respID)
		if err != nil {
			ex.violate("the plugin never dialled the response-writer stream %d: %v", respID, err)
			return
		}
		defer conn.Close()
		srv := rpc.NewServer()
		if err := srv.RegisterName("Plugin", rw); err != nil {
			ex.violate("registering the response writer: %v", err)
			return
		}
		srv.ServeConn(conn)
	}()

	bodyID := uint32(0)
	if r.Body != nil {
		bodyID = f.broker.NextId()
		ex.bodyStreamID = bodyID
		go func() {
			conn, err := f.broker.Accept(bodyID)
			if err != nil {
				ex.bodyDialled <- false
				return
			}
			ex.bodyDialled <- true
			defer conn.Close()
			n := serveIOReader(r.Body, conn)
			atomic.StoreInt64(&ex.bodyServed, n)
		}()
	}

	forwarded := &plugin.HTTPRequestSubset{
		Method:     r.Method,
		URL:        r.URL,
		Proto:      r.Proto,
		ProtoMajor: r.ProtoMajor,
		ProtoMinor: r.ProtoMinor,
		Header:     r.Header,
		Host:       r.Host,
		RemoteAddr: r.RemoteAddr,
		RequestURI: r.RequestURI,
	}
	args := Z_ServeHTTPArgs{
		Context:              c,
		ResponseWriterStream: respID,
		Request:              forwarded,
		RequestBodyStream:    bodyID,
	}
	ex.args = &args
	if !quiet {
		fmt.Fprintf(os.Stderr, "[host] Plugin.ServeHTTP %s\n", goString(reflect.ValueOf(args)))
	}
	err := call(f.hooks.client, "Plugin.ServeHTTP", args, nil, f.timeout)
	rw.finish()
	if err != nil {
		ex.mu.Lock()
		ex.rpcErr = err
		ex.mu.Unlock()
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
	}
}

// responseWriterServer is httpResponseWriterRPCServer (server/public/plugin/
// http.go) plus bookkeeping: Mattermost serves these calls concurrently and
// drops the ResponseWriter when ServeHTTP returns, so a plugin must issue
// them one at a time and finish before replying to ServeHTTP. Both mistakes
// are recorded as violations instead of being left to chance.
type responseWriterServer struct {
	w  http.ResponseWriter
	ex *httpExchange

	inflight int32
	mu       sync.Mutex
	finished bool
}

var errFinished = errors.New("the HTTP response is already finished (ServeHTTP had returned)")

func (s *responseWriterServer) enter(what string) error {
	if atomic.AddInt32(&s.inflight, 1) > 1 {
		s.ex.violate("Plugin.%s was sent before the previous response-writer call was answered", what)
	}
	s.mu.Lock()
	if s.finished {
		s.mu.Unlock()
		atomic.AddInt32(&s.inflight, -1)
		s.ex.violate("Plugin.%s arrived after the plugin had answered ServeHTTP", what)
		return errFinished
	}
	return nil
}

func (s *responseWriterServer) leave() {
	s.mu.Unlock()
	atomic.AddInt32(&s.inflight, -1)
}

func (s *responseWriterServer) finish() {
	s.mu.Lock()
	s.finished = true
	s.mu.Unlock()
}

func (s *responseWriterServer) Header(args struct{}, reply *http.Header) error {
	if err := s.enter("Header"); err != nil {
		return err
	}
	defer s.leave()
	s.ex.logCall("Header")
	*reply = s.w.Header().Clone()
	return nil
}

func (s *responseWriterServer) Write(args []byte, reply *struct{}) error {
	if err := s.enter("Write"); err != nil {
		return err
	}
	defer s.leave()
	s.ex.mu.Lock()
	s.ex.writes++
	s.ex.writtenBytes += int64(len(args))
	if s.ex.writes <= 3 {
		s.ex.calls = append(s.ex.calls, fmt.Sprintf("Write(%d bytes)", len(args)))
	}
	s.ex.mu.Unlock()
	_, err := s.w.Write(args)
	return err
}

func (s *responseWriterServer) WriteHeader(args int, reply *struct{}) error {
	if err := s.enter("WriteHeader"); err != nil {
		return err
	}
	defer s.leave()
	s.ex.logCall(fmt.Sprintf("WriteHeader(%d)", args))
	if args < 100 || args > 999 {
		return errors.New("invalid http status code")
	}
	s.w.WriteHeader(args)
	return nil
}

func (s *responseWriterServer) SyncHeader(args http.Header, reply *struct{}) error {
	if err := s.enter("SyncHeader"); err != nil {
		return err
	}
	defer s.leave()
	s.ex.logCall(fmt.Sprintf("SyncHeader(%d keys)", len(args)))
	dest := s.w.Header()
	for k := range dest {
		if _, ok := args[k]; !ok {
			delete(dest, k)
		}
	}
	for k, v := range args {
		dest[k] = v
	}
	return nil
}

// serveIOReader is Mattermost's io_rpc.go server side: the reader asks for
// up to n bytes with a zig-zag varint, and the stream is closed (FIN) once
// fewer than n bytes could be sent, which is how the plugin sees EOF.
func serveIOReader(r io.Reader, conn io.ReadWriteCloser) int64 {
	defer conn.Close()
	buf := make([]byte, 32*1024)
	br := &byteReader{r: conn}
	var total int64
	for {
		n, err := binary.ReadVarint(br)
		if err != nil {
			break
		}
		written, err := io.CopyBuffer(conn, io.LimitReader(r, n), buf)
		total += written
		if err != nil || written < n {
			break
		}
	}
	return total
}

type byteReader struct {
	r io.Reader
}

func (b *byteReader) ReadByte() (byte, error) {
	var buf [1]byte
	_, err := b.r.Read(buf[:])
	return buf[0], err
}
