package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/rpc"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	goplugin "github.com/hashicorp/go-plugin"

	"hookbridge/conformance/model"
	"hookbridge/conformance/plugin"
)

// ---- ids and errors, as Mattermost makes them ----

var idEncoding = base32.NewEncoding("ybndrfg8ejkmcpqxot1uwisza345h769").WithPadding(base32.NoPadding)

// newId has model.NewId's alphabet and length so that plugins validating
// ids accept ours.
func newId() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return idEncoding.EncodeToString(b[:])[:26]
}

func isValidId(s string) bool {
	if len(s) != 26 {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) {
			return false
		}
	}
	return true
}

func millis() int64 { return time.Now().UnixNano() / int64(time.Millisecond) }

func appErr(where, id, message, details string, status int) *model.AppError {
	return &model.AppError{Id: id, Message: message, DetailedError: details, StatusCode: status, Where: where}
}

type apiCall struct {
	Seq      int         `json:"seq"`
	Step     string      `json:"step"`
	Method   string      `json:"method"`
	Args     interface{} `json:"args"`
	GoString string      `json:"go"`
	Served   bool        `json:"served"`
	At       string      `json:"at"`
}

type recorder struct {
	mu    sync.Mutex
	calls []apiCall
	step  string
	// Under quiet, calls are only counted by method.
	perMethod map[string]int
}

// counts is the number of calls of each method seen under quiet.
func (r *recorder) counts() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.perMethod))
	for k, v := range r.perMethod {
		out[k] = v
	}
	return out
}

func (r *recorder) setStep(s string) {
	r.mu.Lock()
	r.step = s
	r.mu.Unlock()
}

func (r *recorder) add(method string, args interface{}, served bool) {
	if quiet {
		r.mu.Lock()
		if r.perMethod == nil {
			r.perMethod = map[string]int{}
		}
		r.perMethod[method]++
		r.mu.Unlock()
		return
	}
	c := apiCall{Method: method, Served: served, At: time.Now().Format("15:04:05.000")}
	if args != nil {
		v := reflect.ValueOf(args)
		if v.Kind() == reflect.Ptr {
			v = v.Elem()
		}
		c.Args = toView(v)
		c.GoString = goString(v)
	}
	r.mu.Lock()
	c.Seq = len(r.calls) + 1
	c.Step = r.step
	r.calls = append(r.calls, c)
	r.mu.Unlock()
	if served {
		fmt.Fprintf(os.Stderr, "[api #%d] %s %s\n", c.Seq, method, c.GoString)
	} else {
		fmt.Fprintf(os.Stderr, "[api #%d] %s is not served by this harness (the plugin got \"rpc: can't find method\")\n", c.Seq, method)
	}
}

func (r *recorder) since(mark int) []apiCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	if mark > len(r.calls) {
		mark = len(r.calls)
	}
	return append([]apiCall(nil), r.calls[mark:]...)
}

func (r *recorder) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

// recordingCodec is net/rpc's gob server codec plus a note of every
// requested method the API object lacks: those never reach a method, so
// without this a plugin calling an API this harness does not serve would
// only show up as an unexplained failure on the plugin side.
type recordingCodec struct {
	rwc    io.ReadWriteCloser
	dec    *gob.Decoder
	enc    *gob.Encoder
	encBuf *bufio.Writer
	known  map[string]bool
	rec    *recorder
	closed bool
}

func newRecordingCodec(conn io.ReadWriteCloser, rec *recorder, api interface{}) *recordingCodec {
	known := map[string]bool{}
	t := reflect.TypeOf(api)
	for i := 0; i < t.NumMethod(); i++ {
		known["Plugin."+t.Method(i).Name] = true
	}
	buf := bufio.NewWriter(conn)
	return &recordingCodec{rwc: conn, dec: gob.NewDecoder(conn), enc: gob.NewEncoder(buf), encBuf: buf, known: known, rec: rec}
}

func (c *recordingCodec) ReadRequestHeader(r *rpc.Request) error {
	if err := c.dec.Decode(r); err != nil {
		return err
	}
	if !c.known[r.ServiceMethod] {
		c.rec.add(strings.TrimPrefix(r.ServiceMethod, "Plugin."), nil, false)
	}
	return nil
}

func (c *recordingCodec) ReadRequestBody(body interface{}) error { return c.dec.Decode(body) }

func (c *recordingCodec) WriteResponse(r *rpc.Response, body interface{}) error {
	if err := c.enc.Encode(r); err != nil {
		if c.encBuf.Flush() == nil {
			c.Close()
		}
		return err
	}
	if err := c.enc.Encode(body); err != nil {
		if c.encBuf.Flush() == nil {
			c.Close()
		}
		return err
	}
	return c.encBuf.Flush()
}

func (c *recordingCodec) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	return c.rwc.Close()
}

// serveAPI is MuxBroker.AcceptAndServe with the recording codec.
func serveAPI(b *goplugin.MuxBroker, id uint32, api interface{}, rec *recorder) {
	conn, err := b.Accept(id)
	if err != nil {
		fmt.Fprintf(os.Stderr, "[host] accepting API stream %d: %v\n", id, err)
		return
	}
	srv := rpc.NewServer()
	if err := srv.RegisterName("Plugin", api); err != nil {
		fmt.Fprintf(os.Stderr, "[host] registering API: %v\n", err)
		conn.Close()
		return
	}
	srv.ServeCodec(newRecordingCodec(conn, rec, api))
}

type kvEntry struct {
	value    []byte
	expireAt int64
}

type session struct {
	Id, UserId, Token, CSRF string
}

type world struct {
	mu            sync.Mutex
	pluginID      string
	serverVersion string
	bundlePath    string
	config        map[string]interface{}
	users         map[string]*model.User
	teams         map[string]*model.Team
	channels      map[string]*model.Channel
	posts         map[string]*model.Post
	ephemeral     map[string]*model.Post
	bots          map[string]*model.Bot
	kv            map[string]kvEntry
	perms         map[string][]string
	sessions      map[string]*session
	triggerIds    map[string]bool
	commands      map[string]*Command
}

const (
	defaultTeamId    = "harnessteam000000000000001"
	defaultChannelId = "harnesschannel000000000001"
	defaultAdminId   = "harnessadmin00000000000001"
	defaultUserId    = "harnessuser000000000000001"
)

func newWorld(pluginID string) *world {
	w := &world{
		pluginID:      pluginID,
		serverVersion: "9.11.0",
		config:        map[string]interface{}{},
		users:         map[string]*model.User{},
		teams:         map[string]*model.Team{},
		channels:      map[string]*model.Channel{},
		posts:         map[string]*model.Post{},
		ephemeral:     map[string]*model.Post{},
		bots:          map[string]*model.Bot{},
		kv:            map[string]kvEntry{},
		perms:         map[string][]string{},
		sessions:      map[string]*session{},
		triggerIds:    map[string]bool{},
		commands:      map[string]*Command{},
	}
	now := millis()
	w.teams[defaultTeamId] = &model.Team{Id: defaultTeamId, CreateAt: now, UpdateAt: now, DisplayName: "Harness", Name: "harness", Type: "O"}
	w.channels[defaultChannelId] = &model.Channel{Id: defaultChannelId, CreateAt: now, UpdateAt: now, TeamId: defaultTeamId, Type: "O", DisplayName: "Town Square", Name: "town-square"}
	w.users[defaultAdminId] = &model.User{Id: defaultAdminId, CreateAt: now, UpdateAt: now, Username: "admin", Email: "admin@example.com", Roles: "system_admin system_user", Locale: "en"}
	w.users[defaultUserId] = &model.User{Id: defaultUserId, CreateAt: now, UpdateAt: now, Username: "alice", Email: "alice@example.com", Roles: "system_user", Locale: "en"}
	return w
}

func (w *world) configJSON() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	b, _ := json.Marshal(w.config)
	return b
}

func (w *world) liveKV(key string, now int64) (kvEntry, bool) {
	e, ok := w.kv[key]
	if !ok || (e.expireAt != 0 && e.expireAt <= now) {
		return kvEntry{}, false
	}
	return e, true
}

func validKVKey(key string) *model.AppError {
	if key == "" || utf8.RuneCountInString(key) > 150 {
		return appErr("PluginKeyValue.IsValid", "model.plugin_key_value.is_valid.key.app_error",
			"Invalid key, must be more than 0 and a of maximum 150 characters long.", "key="+key, http.StatusBadRequest)
	}
	return nil
}

// kvSetWithOptions follows PlatformService.SetPluginKeyWithOptions and
// SqlPluginStore.SetWithOptions / CompareAndSet / CompareAndDelete. Note
// that gob cannot tell an empty []byte from nil, so an empty value deletes
// and an empty OldValue means "only if absent", exactly as on a server.
func (w *world) kvSetWithOptions(key string, value []byte, opt model.PluginKVSetOptions) (bool, *model.AppError) {
	if !opt.Atomic && opt.OldValue != nil {
		return false, appErr("PluginKVSetOptions.IsValid", "model.plugin_kvset_options.is_valid.old_value.app_error",
			"Invalid old value, it should not be set when the operation is not atomic.", "", http.StatusBadRequest)
	}
	if e := validKVKey(key); e != nil {
		return false, e
	}
	now := millis()
	expireAt := int64(0)
	if opt.ExpireInSeconds != 0 {
		expireAt = now + opt.ExpireInSeconds*1000
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if !opt.Atomic {
		if value == nil {
			delete(w.kv, key)
			return true, nil
		}
		w.kv[key] = kvEntry{append([]byte(nil), value...), expireAt}
		return true, nil
	}
	cur, live := w.liveKV(key, now)
	if value == nil {
		if opt.OldValue == nil || !live || !bytes.Equal(cur.value, opt.OldValue) {
			return false, nil
		}
		delete(w.kv, key)
		return true, nil
	}
	if opt.OldValue == nil {
		if live {
			return false, nil
		}
		w.kv[key] = kvEntry{append([]byte(nil), value...), expireAt}
		return true, nil
	}
	if !live || !bytes.Equal(cur.value, opt.OldValue) {
		return false, nil
	}
	w.kv[key] = kvEntry{append([]byte(nil), value...), expireAt}
	return true, nil
}

// mmAPI answers the plugin's API calls with Mattermost's shapes and, where
// plugins can observe it, Mattermost's behaviour.
type mmAPI struct {
	w     *world
	rec   *recorder
	hooks *hookCaller
}

func (a *mmAPI) LoadPluginConfiguration(args *Z_LoadPluginConfigurationArgsArgs, ret *Z_LoadPluginConfigurationArgsReturns) error {
	a.rec.add("LoadPluginConfiguration", args, true)
	ret.A = a.w.configJSON()
	return nil
}

func (a *mmAPI) GetPluginConfig(args *Z_GetPluginConfigArgs, ret *Z_GetPluginConfigReturns) error {
	a.rec.add("GetPluginConfig", args, true)
	var m map[string]interface{}
	_ = json.Unmarshal(a.w.configJSON(), &m)
	ret.A = m
	return nil
}

func (a *mmAPI) GetServerVersion(args *Z_GetServerVersionArgs, ret *Z_GetServerVersionReturns) error {
	a.rec.add("GetServerVersion", args, true)
	a.w.mu.Lock()
	ret.A = a.w.serverVersion
	a.w.mu.Unlock()
	return nil
}

func (a *mmAPI) GetBundlePath(args *Z_GetBundlePathArgs, ret *Z_GetBundlePathReturns) error {
	a.rec.add("GetBundlePath", args, true)
	a.w.mu.Lock()
	ret.A = a.w.bundlePath
	a.w.mu.Unlock()
	return nil
}

func (a *mmAPI) KVGet(args *Z_KVGetArgs, ret *Z_KVGetMMReturns) error {
	a.rec.add("KVGet", args, true)
	a.w.mu.Lock()
	defer a.w.mu.Unlock()
	// A missing key is (nil, nil) on a real server, not an error.
	if e, ok := a.w.liveKV(args.A, millis()); ok {
		ret.A = append([]byte(nil), e.value...)
	}
	return nil
}

func (a *mmAPI) KVSet(args *Z_KVSetArgs, ret *Z_KVSetMMReturns) error {
	a.rec.add("KVSet", args, true)
	_, ret.A = a.w.kvSetWithOptions(args.A, args.B, model.PluginKVSetOptions{})
	return nil
}

func (a *mmAPI) KVSetWithExpiry(args *Z_KVSetWithExpiryArgs, ret *Z_KVSetWithExpiryReturns) error {
	a.rec.add("KVSetWithExpiry", args, true)
	_, ret.A = a.w.kvSetWithOptions(args.A, args.B, model.PluginKVSetOptions{ExpireInSeconds: args.C})
	return nil
}

func (a *mmAPI) KVSetWithOptions(args *Z_KVSetWithOptionsArgs, ret *Z_KVSetWithOptionsReturns) error {
	a.rec.add("KVSetWithOptions", args, true)
	ret.A, ret.B = a.w.kvSetWithOptions(args.A, args.B, args.C)
	return nil
}

func (a *mmAPI) KVCompareAndSet(args *Z_KVCompareAndSetArgs, ret *Z_KVCompareAndSetReturns) error {
	a.rec.add("KVCompareAndSet", args, true)
	ret.A, ret.B = a.w.kvSetWithOptions(args.A, args.C, model.PluginKVSetOptions{Atomic: true, OldValue: args.B})
	return nil
}

func (a *mmAPI) KVCompareAndDelete(args *Z_KVCompareAndDeleteArgs, ret *Z_KVCompareAndDeleteReturns) error {
	a.rec.add("KVCompareAndDelete", args, true)
	if e := validKVKey(args.A); e != nil {
		ret.B = e
		return nil
	}
	a.w.mu.Lock()
	defer a.w.mu.Unlock()
	cur, live := a.w.liveKV(args.A, millis())
	if args.B != nil && live && bytes.Equal(cur.value, args.B) {
		delete(a.w.kv, args.A)
		ret.A = true
	}
	return nil
}

func (a *mmAPI) KVDelete(args *Z_KVDeleteArgs, ret *Z_KVDeleteReturns) error {
	a.rec.add("KVDelete", args, true)
	a.w.mu.Lock()
	delete(a.w.kv, args.A)
	a.w.mu.Unlock()
	return nil
}

func (a *mmAPI) KVDeleteAll(args *Z_KVDeleteAllArgs, ret *Z_KVDeleteAllReturns) error {
	a.rec.add("KVDeleteAll", args, true)
	a.w.mu.Lock()
	a.w.kv = map[string]kvEntry{}
	a.w.mu.Unlock()
	return nil
}

func (a *mmAPI) KVList(args *Z_KVListArgs, ret *Z_KVListReturns) error {
	a.rec.add("KVList", args, true)
	page, perPage := args.A, args.B
	if perPage <= 0 {
		perPage = 10
	}
	offset := page * args.B
	if offset < 0 {
		offset = 0
	}
	a.w.mu.Lock()
	now := millis()
	keys := []string{}
	for k := range a.w.kv {
		if _, ok := a.w.liveKV(k, now); ok {
			keys = append(keys, k)
		}
	}
	a.w.mu.Unlock()
	sort.Strings(keys)
	if offset > len(keys) {
		offset = len(keys)
	}
	end := offset + perPage
	if end > len(keys) {
		end = len(keys)
	}
	ret.A = keys[offset:end]
	return nil
}

func copyPost(p *model.Post) *model.Post {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

func validatePost(p *model.Post) *model.AppError {
	bad := func(field string) *model.AppError {
		return appErr("Post.IsValid", "model.post.is_valid."+field+".app_error", "Invalid "+field+".", "id="+p.Id, http.StatusBadRequest)
	}
	switch {
	case !isValidId(p.UserId):
		return bad("user_id")
	case !isValidId(p.ChannelId):
		return bad("channel_id")
	case p.RootId != "" && !isValidId(p.RootId):
		return bad("root_id")
	case utf8.RuneCountInString(p.Message) > 16383:
		return bad("message_length")
	case p.Type != "" && !strings.HasPrefix(p.Type, "custom_") && !strings.HasPrefix(p.Type, "system_") && p.Type != "slack_attachment":
		return bad("type")
	}
	return nil
}

// CreatePost follows App.CreatePostMissingChannel as far as a plugin can
// tell: the channel must exist, a preset Id is rejected by the store, and
// the server runs MessageWillBePosted / MessageHasBeenPosted for
// plugin-created posts too (so a plugin that reacts to its own posts loops
// here just as it would on a server).
func (a *mmAPI) CreatePost(args *Z_CreatePostArgs, ret *Z_CreatePostReturns) error {
	a.rec.add("CreatePost", args, true)
	if args.A == nil {
		ret.B = appErr("CreatePost", "api.context.invalid_body_param.app_error", "Invalid or missing post in request body.", "", http.StatusBadRequest)
		return nil
	}
	ret.A, ret.B, _ = a.createPost(copyPost(args.A), false)
	return nil
}

// createPost is App.CreatePost's order of events: bot marking, then
// MessageWillBePosted (before the post has an Id), then the store's
// PreSave and validation, then MessageHasBeenPosted. With awaitHook the
// last hook is waited for and its RPC error returned, which scripts use to
// make a simulated user post deterministic.
func (a *mmAPI) createPost(p *model.Post, awaitHook bool) (*model.Post, *model.AppError, error) {
	a.w.mu.Lock()
	_, chOK := a.w.channels[p.ChannelId]
	author := a.w.users[p.UserId]
	a.w.mu.Unlock()
	if !chOK {
		return nil, appErr("GetChannel", "app.channel.get.existing.app_error", "Unable to find the existing channel.", "channel_id="+p.ChannelId, http.StatusNotFound), nil
	}
	if author != nil && author.IsBot {
		props := model.StringInterface{}
		for k, v := range p.Props {
			props[k] = v
		}
		props["from_bot"] = "true"
		p.Props = props
	}
	if a.hooks != nil {
		var rejected string
		p, rejected = a.hooks.messageWillBePosted(p)
		if rejected != "" {
			id := "Post rejected by plugin. " + rejected
			if rejected == dismissPostError {
				id = dismissPostError
			}
			return nil, appErr("createPost", id, id, "", http.StatusBadRequest), nil
		}
	}
	if p.Id != "" {
		return nil, appErr("SqlPostStore.Save", "store.sql_post.save.existing.app_error", "You cannot update an existing Post.", "id="+p.Id, http.StatusBadRequest), nil
	}
	p.Id = newId()
	if p.CreateAt == 0 {
		p.CreateAt = millis()
	}
	p.UpdateAt = p.CreateAt
	if e := validatePost(p); e != nil {
		return nil, e, nil
	}
	a.w.mu.Lock()
	a.w.posts[p.Id] = p
	a.w.mu.Unlock()
	var hookErr error
	if a.hooks != nil {
		args := &Z_MessageHasBeenPostedArgs{A: a.hooks.context(), B: copyPost(p)}
		if !awaitHook {
			a.hooks.async("MessageHasBeenPosted", args, &Z_MessageHasBeenPostedReturns{})
		} else if a.hooks.postHooks && a.hooks.has("MessageHasBeenPosted") {
			hookErr = a.hooks.call("MessageHasBeenPosted", args, &Z_MessageHasBeenPostedReturns{})
		}
	}
	return copyPost(p), nil, hookErr
}

func (a *mmAPI) UpdatePost(args *Z_UpdatePostArgs, ret *Z_UpdatePostReturns) error {
	a.rec.add("UpdatePost", args, true)
	np := copyPost(args.A)
	if np == nil {
		ret.B = appErr("UpdatePost", "api.context.invalid_body_param.app_error", "Invalid or missing post in request body.", "", http.StatusBadRequest)
		return nil
	}
	a.w.mu.Lock()
	old, ok := a.w.posts[np.Id]
	a.w.mu.Unlock()
	if !ok || old.DeleteAt != 0 {
		ret.B = appErr("UpdatePost", "api.post.update_post.find.app_error", "We couldn't find the existing post or comment to update.", "id="+np.Id, http.StatusBadRequest)
		return nil
	}
	oldCopy := copyPost(old)
	updated := copyPost(old)
	updated.Message = np.Message
	updated.Props = np.Props
	updated.FileIds = np.FileIds
	updated.IsPinned = np.IsPinned
	updated.HasReactions = np.HasReactions
	now := millis()
	if updated.Message != oldCopy.Message {
		updated.EditAt = now
	}
	updated.UpdateAt = now
	if e := validatePost(updated); e != nil {
		ret.B = e
		return nil
	}
	if a.hooks != nil {
		var rejected string
		updated, rejected = a.hooks.messageWillBeUpdated(updated, oldCopy)
		if updated == nil {
			ret.B = appErr("UpdatePost", "Post rejected by plugin. "+rejected, "Post rejected by plugin. "+rejected, "", http.StatusBadRequest)
			return nil
		}
	}
	a.w.mu.Lock()
	a.w.posts[updated.Id] = updated
	a.w.mu.Unlock()
	ret.A = copyPost(updated)
	if a.hooks != nil {
		a.hooks.async("MessageHasBeenUpdated", &Z_MessageHasBeenUpdatedArgs{A: a.hooks.context(), B: copyPost(updated), C: oldCopy}, &Z_MessageHasBeenUpdatedReturns{})
	}
	return nil
}

func (a *mmAPI) GetPost(args *Z_GetPostArgs, ret *Z_GetPostReturns) error {
	a.rec.add("GetPost", args, true)
	a.w.mu.Lock()
	p, ok := a.w.posts[args.A]
	a.w.mu.Unlock()
	if !ok || p.DeleteAt != 0 {
		ret.B = appErr("GetSinglePost", "app.post.get.app_error", "Unable to get post.", "id="+args.A, http.StatusNotFound)
		return nil
	}
	ret.A = copyPost(p)
	return nil
}

func (a *mmAPI) DeletePost(args *Z_DeletePostArgs, ret *Z_DeletePostReturns) error {
	a.rec.add("DeletePost", args, true)
	a.w.mu.Lock()
	p, ok := a.w.posts[args.A]
	if ok && p.DeleteAt == 0 {
		p.DeleteAt = millis()
		p.UpdateAt = p.DeleteAt
	}
	a.w.mu.Unlock()
	if !ok {
		ret.A = appErr("DeletePost", "app.post.get.app_error", "Unable to get post.", "id="+args.A, http.StatusNotFound)
		return nil
	}
	if a.hooks != nil {
		a.hooks.async("MessageHasBeenDeleted", &Z_MessageHasBeenDeletedArgs{A: a.hooks.context(), B: copyPost(p)}, &Z_MessageHasBeenDeletedReturns{})
	}
	return nil
}

func (a *mmAPI) SendEphemeralPost(args *Z_SendEphemeralPostArgs, ret *Z_SendEphemeralPostReturns) error {
	a.rec.add("SendEphemeralPost", args, true)
	p := copyPost(args.B)
	if p == nil {
		p = &model.Post{}
	}
	p.Type = "system_ephemeral"
	if p.Id == "" {
		p.Id = newId()
	}
	if p.CreateAt == 0 {
		p.CreateAt = millis()
	}
	if p.Props == nil {
		p.Props = model.StringInterface{}
	}
	a.w.mu.Lock()
	a.w.ephemeral[p.Id] = p
	a.w.mu.Unlock()
	ret.A = copyPost(p)
	return nil
}

func (a *mmAPI) UpdateEphemeralPost(args *Z_UpdateEphemeralPostArgs, ret *Z_UpdateEphemeralPostReturns) error {
	a.rec.add("UpdateEphemeralPost", args, true)
	p := copyPost(args.B)
	if p == nil {
		p = &model.Post{}
	}
	p.Type = "system_ephemeral"
	p.UpdateAt = millis()
	if p.Props == nil {
		p.Props = model.StringInterface{}
	}
	a.w.mu.Lock()
	a.w.ephemeral[p.Id] = p
	a.w.mu.Unlock()
	ret.A = copyPost(p)
	return nil
}

func (a *mmAPI) DeleteEphemeralPost(args *Z_DeleteEphemeralPostArgs, ret *Z_DeleteEphemeralPostReturns) error {
	a.rec.add("DeleteEphemeralPost", args, true)
	a.w.mu.Lock()
	delete(a.w.ephemeral, args.B)
	a.w.mu.Unlock()
	return nil
}

func copyChannel(c *model.Channel) *model.Channel {
	x := *c
	return &x
}

func (a *mmAPI) GetChannel(args *Z_GetChannelArgs, ret *Z_GetChannelReturns) error {
	a.rec.add("GetChannel", args, true)
	a.w.mu.Lock()
	defer a.w.mu.Unlock()
	if c, ok := a.w.channels[args.A]; ok {
		ret.A = copyChannel(c)
	} else {
		ret.B = appErr("GetChannel", "app.channel.get.existing.app_error", "Unable to find the existing channel.", "channel_id="+args.A, http.StatusNotFound)
	}
	return nil
}

func (a *mmAPI) GetChannelByName(args *Z_GetChannelByNameArgs, ret *Z_GetChannelByNameReturns) error {
	a.rec.add("GetChannelByName", args, true)
	a.w.mu.Lock()
	defer a.w.mu.Unlock()
	for _, c := range a.w.channels {
		if c.TeamId == args.A && c.Name == args.B && (args.C || c.DeleteAt == 0) {
			ret.A = copyChannel(c)
			return nil
		}
	}
	ret.B = appErr("GetChannelByName", "app.channel.get_by_name.missing.app_error", "Channel does not exist.", "teamId="+args.A+", name="+args.B, http.StatusNotFound)
	return nil
}

func (a *mmAPI) GetDirectChannel(args *Z_GetDirectChannelArgs, ret *Z_GetDirectChannelReturns) error {
	a.rec.add("GetDirectChannel", args, true)
	a.w.mu.Lock()
	defer a.w.mu.Unlock()
	for _, id := range []string{args.A, args.B} {
		if _, ok := a.w.users[id]; !ok {
			ret.B = appErr("CreateDirectChannel", "api.channel.create_direct_channel.invalid_user.app_error", "Invalid user ID for direct channel creation.", "user_id="+id, http.StatusBadRequest)
			return nil
		}
	}
	ids := []string{args.A, args.B}
	sort.Strings(ids)
	name := ids[0] + "__" + ids[1]
	for _, c := range a.w.channels {
		if c.Type == "D" && c.Name == name {
			ret.A = copyChannel(c)
			return nil
		}
	}
	now := millis()
	c := &model.Channel{Id: newId(), CreateAt: now, UpdateAt: now, Type: "D", Name: name, CreatorId: args.A}
	a.w.channels[c.Id] = c
	ret.A = copyChannel(c)
	return nil
}

func (a *mmAPI) GetTeam(args *Z_GetTeamArgs, ret *Z_GetTeamReturns) error {
	a.rec.add("GetTeam", args, true)
	a.w.mu.Lock()
	defer a.w.mu.Unlock()
	if t, ok := a.w.teams[args.A]; ok {
		x := *t
		ret.A = &x
	} else {
		ret.B = appErr("GetTeam", "app.team.get.find.app_error", "Unable to find the existing team.", "id="+args.A, http.StatusNotFound)
	}
	return nil
}

func (a *mmAPI) GetTeamByName(args *Z_GetTeamByNameArgs, ret *Z_GetTeamByNameReturns) error {
	a.rec.add("GetTeamByName", args, true)
	a.w.mu.Lock()
	defer a.w.mu.Unlock()
	for _, t := range a.w.teams {
		if t.Name == args.A {
			x := *t
			ret.A = &x
			return nil
		}
	}
	ret.B = appErr("GetTeamByName", "app.team.get_by_name.missing.app_error", "Unable to find the existing team.", "name="+args.A, http.StatusNotFound)
	return nil
}

func (a *mmAPI) GetUser(args *Z_GetUserArgs, ret *Z_GetUserReturns) error {
	a.rec.add("GetUser", args, true)
	a.w.mu.Lock()
	defer a.w.mu.Unlock()
	if u, ok := a.w.users[args.A]; ok {
		x := *u
		ret.A = &x
	} else {
		ret.B = appErr("GetUser", "app.user.missing_account.const", "Unable to find the user.", "user_id="+args.A, http.StatusNotFound)
	}
	return nil
}

func (a *mmAPI) GetUserByUsername(args *Z_GetUserByUsernameArgs, ret *Z_GetUserByUsernameReturns) error {
	a.rec.add("GetUserByUsername", args, true)
	a.w.mu.Lock()
	defer a.w.mu.Unlock()
	if u := a.w.userByName(args.A); u != nil {
		x := *u
		ret.A = &x
	} else {
		ret.B = appErr("GetUserByUsername", "app.user.get_by_username.app_error", "Unable to find an existing account matching your username for this team.", "username="+args.A, http.StatusNotFound)
	}
	return nil
}

func (w *world) userByName(name string) *model.User {
	for _, u := range w.users {
		if u.Username == name {
			return u
		}
	}
	return nil
}

// hasPermission grants a permission from the fixture's permission list
// ("perm" everywhere, "team:<id>:perm", "channel:<id>:perm") or because the
// user is a system admin.
func (w *world) hasPermission(userID, teamID, channelID, perm string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if u, ok := w.users[userID]; ok && strings.Contains(" "+u.Roles+" ", " system_admin ") {
		return true
	}
	if channelID != "" && teamID == "" {
		if c, ok := w.channels[channelID]; ok {
			teamID = c.TeamId
		}
	}
	for _, g := range w.perms[userID] {
		switch {
		case g == perm:
			return true
		case teamID != "" && g == "team:"+teamID+":"+perm:
			return true
		case channelID != "" && g == "channel:"+channelID+":"+perm:
			return true
		}
	}
	return false
}

func permId(p *Permission) string {
	if p == nil {
		return ""
	}
	return p.Id
}

func (a *mmAPI) HasPermissionTo(args *Z_HasPermissionToArgs, ret *Z_HasPermissionToReturns) error {
	a.rec.add("HasPermissionTo", args, true)
	ret.A = a.w.hasPermission(args.A, "", "", permId(args.B))
	return nil
}

func (a *mmAPI) HasPermissionToTeam(args *Z_HasPermissionToTeamArgs, ret *Z_HasPermissionToTeamReturns) error {
	a.rec.add("HasPermissionToTeam", args, true)
	ret.A = a.w.hasPermission(args.A, args.B, "", permId(args.C))
	return nil
}

func (a *mmAPI) HasPermissionToChannel(args *Z_HasPermissionToChannelArgs, ret *Z_HasPermissionToChannelReturns) error {
	a.rec.add("HasPermissionToChannel", args, true)
	ret.A = a.w.hasPermission(args.A, "", args.B, permId(args.C))
	return nil
}

func (a *mmAPI) LogDebug(args *Z_LogDebugArgs, ret *Z_LogDebugReturns) error {
	a.rec.add("LogDebug", args, true)
	return nil
}

func (a *mmAPI) LogInfo(args *Z_LogInfoArgs, ret *Z_LogInfoReturns) error {
	a.rec.add("LogInfo", args, true)
	return nil
}

func (a *mmAPI) LogWarn(args *Z_LogWarnArgs, ret *Z_LogWarnReturns) error {
	a.rec.add("LogWarn", args, true)
	return nil
}

func (a *mmAPI) LogError(args *Z_LogErrorArgs, ret *Z_LogErrorReturns) error {
	a.rec.add("LogError", args, true)
	return nil
}

func (a *mmAPI) PublishWebSocketEvent(args *Z_PublishWebSocketEventArgs, ret *Z_PublishWebSocketEventReturns) error {
	a.rec.add("PublishWebSocketEvent", args, true)
	return nil
}

func (a *mmAPI) PublishPluginClusterEvent(args *Z_PublishPluginClusterEventArgs, ret *Z_PublishPluginClusterEventReturns) error {
	a.rec.add("PublishPluginClusterEvent", args, true)
	return nil
}

// OpenInteractiveDialog accepts only trigger ids this host handed out
// (through ExecuteCommand or the fixtures), as a server verifies the
// signature of the trigger id.
func (a *mmAPI) OpenInteractiveDialog(args *Z_OpenInteractiveDialogArgs, ret *Z_OpenInteractiveDialogReturns) error {
	a.rec.add("OpenInteractiveDialog", args, true)
	a.w.mu.Lock()
	ok := a.w.triggerIds[args.A.TriggerId]
	a.w.mu.Unlock()
	switch {
	case args.A.TriggerId == "":
		ret.A = appErr("DecodeAndVerifyTriggerId", "interactive_message.decode_trigger_id.base64_decode_failed", "Failed to decode base64 for trigger ID for interactive dialog.", "", http.StatusBadRequest)
	case !ok:
		ret.A = appErr("DecodeAndVerifyTriggerId", "interactive_message.decode_trigger_id.verify_signature_failed", "Signature verification failed of trigger ID for interactive dialog.", "", http.StatusBadRequest)
	case args.A.URL == "":
		ret.A = appErr("OpenInteractiveDialog", "interactive_message.generate_trigger_id.signing_failed", "URL is required.", "", http.StatusBadRequest)
	}
	return nil
}

// EnsureBotUser follows App.EnsureBot, including its use of the plugin's
// own KV key "mmi_botid" (visible to KVList/KVGet on a real server too).
// Its errors are plain errors, which cross the wire as *plugin.ErrorString.
func (a *mmAPI) EnsureBotUser(args *Z_EnsureBotUserArgs, ret *Z_EnsureBotUserReturns) error {
	a.rec.add("EnsureBotUser", args, true)
	bot := args.A
	if bot == nil {
		ret.B = &plugin.ErrorString{Err: "passed a nil bot"}
		return nil
	}
	if bot.Username == "" {
		ret.B = &plugin.ErrorString{Err: "passed a bot with no username"}
		return nil
	}
	a.w.mu.Lock()
	defer a.w.mu.Unlock()
	if e, ok := a.w.liveKV("mmi_botid", millis()); ok {
		if b, ok := a.w.bots[string(e.value)]; ok {
			b.Username, b.DisplayName, b.Description = strings.ToLower(bot.Username), bot.DisplayName, bot.Description
			if u, ok := a.w.users[b.UserId]; ok {
				u.Username, u.FirstName = b.Username, b.DisplayName
			}
			ret.A = b.UserId
			return nil
		}
	}
	if u := a.w.userByName(strings.ToLower(bot.Username)); u != nil {
		if u.IsBot {
			a.w.kv["mmi_botid"] = kvEntry{value: []byte(u.Id)}
		}
		ret.A = u.Id
		return nil
	}
	if !validUsername(strings.ToLower(bot.Username)) {
		ret.B = appErr("Bot.IsValid", "model.bot.is_valid.username.app_error", "Invalid username.", "user_id=", http.StatusBadRequest)
		return nil
	}
	now := millis()
	b := *bot
	b.Username = strings.ToLower(bot.Username)
	b.UserId = newId()
	b.CreateAt, b.UpdateAt = now, now
	if b.OwnerId == "" {
		b.OwnerId = a.w.pluginID
	}
	a.w.bots[b.UserId] = &b
	a.w.users[b.UserId] = &model.User{Id: b.UserId, CreateAt: now, UpdateAt: now, Username: b.Username,
		Email: b.Username + "@localhost", FirstName: b.DisplayName, Roles: "system_user", IsBot: true,
		BotDescription: b.Description, Locale: "en"}
	a.w.kv["mmi_botid"] = kvEntry{value: []byte(b.UserId)}
	ret.A = b.UserId
	return nil
}

func validUsername(s string) bool {
	if len(s) < 3 || len(s) > 22 || !unicode.IsLower(rune(s[0])) {
		return false
	}
	for _, r := range s {
		if !(unicode.IsLower(r) || unicode.IsDigit(r) || strings.ContainsRune(".-_", r)) {
			return false
		}
	}
	return true
}

func (a *mmAPI) RegisterCommand(args *Z_RegisterCommandArgs, ret *Z_RegisterCommandReturns) error {
	a.rec.add("RegisterCommand", args, true)
	if args.A == nil || args.A.Trigger == "" {
		ret.A = appErr("RegisterCommand", "model.command.is_valid.trigger.app_error", "Invalid trigger.", "", http.StatusBadRequest)
		return nil
	}
	a.w.mu.Lock()
	c := *args.A
	a.w.commands[c.TeamId+"/"+strings.ToLower(c.Trigger)] = &c
	a.w.mu.Unlock()
	return nil
}

func (a *mmAPI) UnregisterCommand(args *Z_UnregisterCommandArgs, ret *Z_UnregisterCommandReturns) error {
	a.rec.add("UnregisterCommand", args, true)
	a.w.mu.Lock()
	delete(a.w.commands, args.A+"/"+strings.ToLower(args.B))
	a.w.mu.Unlock()
	return nil
}

// mmDriver stands in for Mattermost's dbRPCServer; plugins only need to be
// able to dial it.
type mmDriver struct{}

func (mmDriver) Conn(isMaster bool, reply *string) error {
	return errors.New("the conformance host has no database")
}
