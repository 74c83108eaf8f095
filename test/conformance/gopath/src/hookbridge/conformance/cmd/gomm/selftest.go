package main

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"time"

	"hookbridge/conformance/model"
	"hookbridge/conformance/plugin"
)

// The API shapes below are Mattermost's (client_rpc_generated.go); the
// self-test drives each through the host so that the harness's stand-in
// server is itself checked against the behaviour plugins rely on.

type Z_ExecuteCommandArgs struct {
	A *plugin.Context
	B *model.CommandArgs
}

type Z_ExecuteCommandReturns struct {
	A *model.CommandResponse
	B *model.AppError
}

type Z_KVGetArgs struct{ A string }

type Z_KVGetReturns struct {
	A []byte
	B *model.AppError
}

type Z_KVSetWithOptionsArgs struct {
	A string
	B []byte
	C model.PluginKVSetOptions
}

type Z_KVSetWithOptionsReturns struct {
	A bool
	B *model.AppError
}

type Z_KVCompareAndSetArgs struct {
	A    string
	B, C []byte
}

type Z_KVCompareAndDeleteArgs struct {
	A string
	B []byte
}

type Z_BoolAppErrReturns struct {
	A bool
	B *model.AppError
}

type Z_KVSetWithExpiryArgs struct {
	A string
	B []byte
	C int64
}

type Z_AppErrReturns struct{ A *model.AppError }

type Z_KeyArgs struct{ A string }

type Z_KVListArgs struct{ A, B int }

type Z_KVListReturns struct {
	A []string
	B *model.AppError
}

type Z_ChannelReturns struct {
	A *model.Channel
	B *model.AppError
}

type Z_GetChannelByNameArgs struct {
	A, B string
	C    bool
}

type Z_TwoStrings struct{ A, B string }

type Z_TeamReturns struct {
	A *model.Team
	B *model.AppError
}

type Z_UserReturns struct {
	A *model.User
	B *model.AppError
}

type Permission struct{ Id, Name, Description, Scope string }

type Z_HasPermissionToArgs struct {
	A string
	B *Permission
}

type Z_HasPermissionToScopeArgs struct {
	A, B string
	C    *Permission
}

type Z_BoolReturns struct{ A bool }

type Z_PostArgs struct{ A *model.Post }

type Z_PostReturns struct {
	A *model.Post
	B *model.AppError
}

type Z_SendEphemeralPostArgs struct {
	A string
	B *model.Post
}

type Z_SendEphemeralPostReturns struct{ A *model.Post }

type Z_PublishWebSocketEventArgs struct {
	A string
	B map[string]interface{}
	C *struct{ UserId, ChannelId, TeamId string }
}

type Z_Empty struct{}

type Z_PublishPluginClusterEventArgs struct {
	A model.PluginClusterEvent
	B model.PluginClusterEventSendOptions
}

type Z_ErrReturns struct{ A error }

type Z_OpenInteractiveDialogArgs struct{ A model.OpenDialogRequest }

type Z_GetBundlePathReturns struct {
	A string
	B error
}

type Z_GetPluginConfigReturns struct{ A map[string]interface{} }

type Z_LogArgs struct {
	A string
	B []interface{}
}

func (h *Hooks) ExecuteCommand(args *Z_ExecuteCommandArgs, ret *Z_ExecuteCommandReturns) error {
	if strings.TrimSpace(args.B.Command) != "/gomm selftest" {
		ret.B = &model.AppError{Id: "gomm.unknown_command", Message: "unknown command", StatusCode: 400, Where: "gomm"}
		return nil
	}
	failures := h.selftest(args.B)
	text := "ok"
	if len(failures) > 0 {
		text = strings.Join(failures, "\n")
	}
	ret.A = &model.CommandResponse{ResponseType: "ephemeral", Text: text}
	return nil
}

func (h *Hooks) selftest(ca *model.CommandArgs) []string {
	var failures []string
	api := h.client()
	c := func(method string, args, reply interface{}) bool {
		// gob leaves fields the reply omits untouched, so reused reply
		// structs must start from zero.
		rv := reflect.ValueOf(reply).Elem()
		rv.Set(reflect.Zero(rv.Type()))
		if err := api.Call("Plugin."+method, args, reply); err != nil {
			failures = append(failures, fmt.Sprintf("%s: %v", method, err))
			return false
		}
		return true
	}
	want := func(what string, got, exp interface{}) {
		if !reflect.DeepEqual(got, exp) {
			failures = append(failures, fmt.Sprintf("%s: got %#v, want %#v", what, got, exp))
		}
	}
	kvGet := func(k string) []byte {
		var r Z_KVGetReturns
		c("KVGet", &Z_KVGetArgs{k}, &r)
		return r.A
	}
	opts := func(k string, v []byte, o model.PluginKVSetOptions) (bool, *model.AppError) {
		var r Z_KVSetWithOptionsReturns
		c("KVSetWithOptions", &Z_KVSetWithOptionsArgs{k, v, o}, &r)
		return r.A, r.B
	}

	// KV: missing keys are (nil, nil); compare-and-set semantics; expiry.
	var g Z_KVGetReturns
	c("KVGet", &Z_KVGetArgs{"st-missing"}, &g)
	want("KVGet missing value", g.A, []byte(nil))
	want("KVGet missing error", g.B, (*model.AppError)(nil))
	ok, e := opts("st-a", []byte("1"), model.PluginKVSetOptions{Atomic: true})
	want("insert-if-absent on absent key", ok, true)
	want("insert-if-absent error", e, (*model.AppError)(nil))
	ok, _ = opts("st-a", []byte("2"), model.PluginKVSetOptions{Atomic: true})
	want("insert-if-absent on present key", ok, false)
	ok, _ = opts("st-a", []byte("2"), model.PluginKVSetOptions{Atomic: true, OldValue: []byte("x")})
	want("CAS with wrong old value", ok, false)
	ok, _ = opts("st-a", []byte("2"), model.PluginKVSetOptions{Atomic: true, OldValue: []byte("1")})
	want("CAS with right old value", ok, true)
	want("value after CAS", kvGet("st-a"), []byte("2"))
	_, e = opts("st-a", []byte("3"), model.PluginKVSetOptions{OldValue: []byte("2")})
	if e == nil || e.Id != "model.plugin_kvset_options.is_valid.old_value.app_error" {
		failures = append(failures, fmt.Sprintf("OldValue without Atomic: got %#v", e))
	}
	_, e = opts("", []byte("3"), model.PluginKVSetOptions{})
	if e == nil || e.StatusCode != 400 {
		failures = append(failures, fmt.Sprintf("empty key: got %#v", e))
	}
	var b Z_BoolAppErrReturns
	c("KVCompareAndSet", &Z_KVCompareAndSetArgs{"st-a", []byte("2"), []byte("4")}, &b)
	want("KVCompareAndSet", b.A, true)
	c("KVCompareAndDelete", &Z_KVCompareAndDeleteArgs{"st-a", []byte("nope")}, &b)
	want("KVCompareAndDelete wrong value", b.A, false)
	c("KVCompareAndDelete", &Z_KVCompareAndDeleteArgs{"st-a", []byte("4")}, &b)
	want("KVCompareAndDelete right value", b.A, true)
	want("value after CompareAndDelete", kvGet("st-a"), []byte(nil))
	ok, _ = opts("st-e", []byte("v"), model.PluginKVSetOptions{ExpireInSeconds: 1})
	want("set with expiry", ok, true)
	var ae Z_AppErrReturns
	c("KVSetWithExpiry", &Z_KVSetWithExpiryArgs{"st-f", []byte("v"), 1}, &ae)
	want("value before expiry", kvGet("st-e"), []byte("v"))
	time.Sleep(1100 * time.Millisecond)
	want("value after expiry", kvGet("st-e"), []byte(nil))
	want("KVSetWithExpiry value after expiry", kvGet("st-f"), []byte(nil))
	ok, _ = opts("st-e", []byte("w"), model.PluginKVSetOptions{Atomic: true})
	want("insert-if-absent over an expired key", ok, true)
	c("KVDelete", &Z_KeyArgs{"st-e"}, &ae)
	want("value after KVDelete", kvGet("st-e"), []byte(nil))
	for _, k := range []string{"st-l1", "st-l2", "st-l3"} {
		opts(k, []byte("x"), model.PluginKVSetOptions{})
	}
	var l Z_KVListReturns
	c("KVList", &Z_KVListArgs{0, 100}, &l)
	joined := strings.Join(l.A, ",")
	if !strings.Contains(joined, "st-l1,st-l2,st-l3") || !strings.Contains(joined, "mmi_botid") {
		failures = append(failures, "KVList page 0: "+joined)
	}
	c("KVList", &Z_KVListArgs{1, 2}, &l)
	want("KVList page size", len(l.A), 2)

	// Lookups: known fixtures succeed, unknown ids are 404 AppErrors.
	var ch Z_ChannelReturns
	c("GetChannel", &Z_KeyArgs{ca.ChannelId}, &ch)
	if ch.A == nil || ch.A.Id != ca.ChannelId {
		failures = append(failures, fmt.Sprintf("GetChannel: %#v", ch))
	}
	c("GetChannel", &Z_KeyArgs{"nope"}, &ch)
	if ch.A != nil || ch.B == nil || ch.B.StatusCode != 404 {
		failures = append(failures, fmt.Sprintf("GetChannel unknown: %#v", ch))
	}
	ch = Z_ChannelReturns{}
	c("GetChannelByName", &Z_GetChannelByNameArgs{ca.TeamId, "town-square", false}, &ch)
	if ch.A == nil || ch.A.Name != "town-square" {
		failures = append(failures, fmt.Sprintf("GetChannelByName: %#v", ch))
	}
	ch = Z_ChannelReturns{}
	c("GetDirectChannel", &Z_TwoStrings{ca.UserId, h.botID}, &ch)
	if ch.A == nil || ch.A.Type != "D" {
		failures = append(failures, fmt.Sprintf("GetDirectChannel: %#v", ch))
	}
	var t Z_TeamReturns
	c("GetTeam", &Z_KeyArgs{ca.TeamId}, &t)
	if t.A == nil || t.A.Id != ca.TeamId {
		failures = append(failures, fmt.Sprintf("GetTeam: %#v", t))
	}
	t = Z_TeamReturns{}
	c("GetTeamByName", &Z_KeyArgs{"harness"}, &t)
	if t.A == nil {
		failures = append(failures, fmt.Sprintf("GetTeamByName: %#v", t))
	}
	var u Z_UserReturns
	c("GetUser", &Z_KeyArgs{ca.UserId}, &u)
	if u.A == nil || u.A.Id != ca.UserId {
		failures = append(failures, fmt.Sprintf("GetUser: %#v", u))
	}
	u = Z_UserReturns{}
	c("GetUserByUsername", &Z_KeyArgs{"gomm-bot"}, &u)
	if u.A == nil || !u.A.IsBot {
		failures = append(failures, fmt.Sprintf("GetUserByUsername bot: %#v", u))
	}
	var pb Z_BoolReturns
	c("HasPermissionTo", &Z_HasPermissionToArgs{ca.UserId, &Permission{Id: "manage_system"}}, &pb)
	want("HasPermissionTo manage_system (plain user)", pb.A, false)
	c("HasPermissionToChannel", &Z_HasPermissionToScopeArgs{ca.UserId, ca.ChannelId, &Permission{Id: "manage_webhooks"}}, &pb)
	want("HasPermissionToChannel via team grant", pb.A, true)
	c("HasPermissionToTeam", &Z_HasPermissionToScopeArgs{"harnessadmin00000000000001", ca.TeamId, &Permission{Id: "anything"}}, &pb)
	want("HasPermissionToTeam system admin", pb.A, true)

	var pr Z_PostReturns
	c("CreatePost", &Z_PostArgs{&model.Post{UserId: h.botID, ChannelId: ca.ChannelId, Message: "selftest"}}, &pr)
	if pr.A == nil || len(pr.A.Id) != 26 || pr.A.CreateAt == 0 || pr.A.Props["from_bot"] != "true" {
		failures = append(failures, fmt.Sprintf("CreatePost: %#v", pr))
		return failures
	}
	id := pr.A.Id
	var pr2 Z_PostReturns
	c("CreatePost", &Z_PostArgs{&model.Post{Id: id, UserId: h.botID, ChannelId: ca.ChannelId}}, &pr2)
	if pr2.B == nil {
		failures = append(failures, "CreatePost with a preset Id was accepted")
	}
	upd := *pr.A
	upd.Message = "selftest edited"
	pr2 = Z_PostReturns{}
	c("UpdatePost", &Z_PostArgs{&upd}, &pr2)
	if pr2.A == nil || pr2.A.Message != "selftest edited" || pr2.A.EditAt == 0 {
		failures = append(failures, fmt.Sprintf("UpdatePost: %#v", pr2))
	}
	pr2 = Z_PostReturns{}
	c("GetPost", &Z_KeyArgs{id}, &pr2)
	if pr2.A == nil || pr2.A.Message != "selftest edited" {
		failures = append(failures, fmt.Sprintf("GetPost: %#v", pr2))
	}
	c("DeletePost", &Z_KeyArgs{id}, &ae)
	want("DeletePost error", ae.A, (*model.AppError)(nil))
	pr2 = Z_PostReturns{}
	c("GetPost", &Z_KeyArgs{id}, &pr2)
	if pr2.B == nil || pr2.B.StatusCode != 404 {
		failures = append(failures, fmt.Sprintf("GetPost after delete: %#v", pr2))
	}
	var eph Z_SendEphemeralPostReturns
	c("SendEphemeralPost", &Z_SendEphemeralPostArgs{ca.UserId, &model.Post{ChannelId: ca.ChannelId, Message: "only you"}}, &eph)
	if eph.A == nil || eph.A.Type != "system_ephemeral" || eph.A.Id == "" {
		failures = append(failures, fmt.Sprintf("SendEphemeralPost: %#v", eph))
	}

	c("PublishWebSocketEvent", &Z_PublishWebSocketEventArgs{"changed", map[string]interface{}{"n": 1.5, "s": "x", "l": []interface{}{"a"}}, &struct{ UserId, ChannelId, TeamId string }{UserId: ca.UserId}}, &Z_Empty{})
	var er Z_ErrReturns
	c("PublishPluginClusterEvent", &Z_PublishPluginClusterEventArgs{model.PluginClusterEvent{Id: "ev", Data: []byte("d")}, model.PluginClusterEventSendOptions{SendType: "reliable"}}, &er)
	want("PublishPluginClusterEvent", er.A, nil)
	c("OpenInteractiveDialog", &Z_OpenInteractiveDialogArgs{model.OpenDialogRequest{TriggerId: ca.TriggerId, URL: "http://x/y", Dialog: model.Dialog{Title: "t"}}}, &ae)
	want("OpenInteractiveDialog with the command's trigger id", ae.A, (*model.AppError)(nil))
	c("OpenInteractiveDialog", &Z_OpenInteractiveDialogArgs{model.OpenDialogRequest{TriggerId: "forged", URL: "http://x/y"}}, &ae)
	if ae.A == nil {
		failures = append(failures, "OpenInteractiveDialog accepted a forged trigger id")
	}
	var bp Z_GetBundlePathReturns
	c("GetBundlePath", &Z_Empty{}, &bp)
	if bp.A == "" || bp.B != nil {
		failures = append(failures, fmt.Sprintf("GetBundlePath: %#v", bp))
	}
	var pc Z_GetPluginConfigReturns
	c("GetPluginConfig", &Z_Empty{}, &pc)
	if _, ok := pc.A["EchoPrefix"].(string); !ok {
		failures = append(failures, fmt.Sprintf("GetPluginConfig: %#v", pc))
	}
	for _, m := range []string{"LogDebug", "LogWarn", "LogError"} {
		c(m, &Z_LogArgs{"selftest " + m, []interface{}{"k", "v"}}, &Z_Empty{})
	}
	var bot Z_EnsureBotUserReturns
	c("EnsureBotUser", &Z_EnsureBotUserArgs{A: &model.Bot{Username: "gomm-bot", DisplayName: "GoMM"}}, &bot)
	want("EnsureBotUser again returns the same bot", bot.A, h.botID)
	c("EnsureBotUser", &Z_EnsureBotUserArgs{A: &model.Bot{}}, &bot)
	if bot.B == nil || !strings.Contains(bot.B.Error(), "no username") {
		failures = append(failures, fmt.Sprintf("EnsureBotUser without username: %#v", bot.B))
	}
	err := api.Call("Plugin.GetConfig", &Z_Empty{}, &Z_Empty{})
	if err == nil || err.Error() != "rpc: can't find method Plugin.GetConfig" {
		failures = append(failures, fmt.Sprintf("GetConfig: %v", err))
	}
	if !bytes.Equal(kvGet("mmi_botid"), []byte(h.botID)) {
		failures = append(failures, "mmi_botid does not hold the bot id")
	}
	return failures
}
