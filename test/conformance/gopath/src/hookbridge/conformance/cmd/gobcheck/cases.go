package main

import (
	"math"
	"net/http"
	"net/rpc"
	"net/url"
	"time"

	"hookbridge/conformance/model"
	"hookbridge/conformance/plugin"
)

// RPC argument and return shapes, named and laid out as Mattermost's generated
// Z_* types (gob type definitions carry the bare type name, not the package).

type Z_OnActivateArgs struct {
	APIMuxId    uint32
	DriverMuxId uint32
}

type Z_OnActivateReturns struct {
	A error
}

type Z_ServeHTTPArgs struct {
	ResponseWriterStream uint32
	Request              *plugin.HTTPRequestSubset
	Context              *plugin.Context
	RequestBodyStream    uint32
}

type Z_KVSetWithOptionsArgs struct {
	A string
	B []byte
	C model.PluginKVSetOptions
}

type Z_LogInfoArgs struct {
	A string
	B []interface{}
}

type Z_MessageWillBePostedArgs struct {
	A *plugin.Context
	B *model.Post
}

type Z_MessageWillBePostedReturns struct {
	A *model.Post
	B string
}

type Z_ExecuteCommandArgs struct {
	A *plugin.Context
	B *model.CommandArgs
}

type Z_ExecuteCommandReturns struct {
	A *model.CommandResponse
	B *model.AppError
}

type Z_OnPluginClusterEventArgs struct {
	A *plugin.Context
	B model.PluginClusterEvent
}

type Z_EnsureBotUserArgs struct {
	A *model.Bot
}

type Z_EnsureBotUserReturns struct {
	A string
	B error
}

type Z_KVGetReturns struct {
	A []byte
	B *model.AppError
}

type StructTimeField struct {
	Name  string
	At    time.Time
	Maybe *time.Time
}

type ZeroStruct struct {
	I   int64
	U   uint32
	S   string
	B   bool
	F   float64
	Bs  []byte
	Ss  []string
	M   map[string]string
	P   *model.Team
	Any interface{}
	T   time.Time
}

type StructEmptyMap struct {
	M map[string]string
}

type MixedInner struct {
	Label string
	Count uint16
}

type MixedEmbedded struct {
	Note  string
	Level int8
}

// BigMixed embeds MixedEmbedded: gob does not flatten embedded structs, it sends a
// field named "MixedEmbedded".
type BigMixed struct {
	MixedEmbedded
	U8      uint8
	I16     int16
	I32     int32
	U64     uint64
	F32     float32
	ByName  map[string][]int64
	Rows    []map[string]string
	Ptr     *MixedInner
	ZeroPtr *MixedInner
	NilPtr  *MixedInner
	Val     MixedInner
	Arr     [2]string
	Any     interface{}
	Raw     []byte
	Flags   map[string]bool
	Nested  [][]int32
	Ptrs    []*MixedInner
}

type gobCase struct {
	name  string
	value interface{}
}

func strp(s string) *string { return &s }
func boolp(b bool) *bool    { return &b }

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// Interface values inside interface values: Go's encoder cuts the message after
// each first-seen concrete type's definition, so this forces multi-message values.
func propsNested() model.StringInterface {
	return model.StringInterface{
		"list": []interface{}{
			"a",
			2.0,
			map[string]interface{}{
				"k":     "v",
				"inner": []interface{}{true, "x", 3.25},
			},
		},
	}
}

func appError() *model.AppError {
	return &model.AppError{
		Id:            "app.post.get.app_error",
		Message:       "Unable to get the post.",
		DetailedError: "resource: Post id: abc",
		RequestId:     "req-123",
		StatusCode:    404,
		Where:         "GetPost",
	}
}

func slackAttachments() []*model.SlackAttachment {
	return []*model.SlackAttachment{{
		Id:         1,
		Fallback:   "Build #42 failed",
		Color:      "#FF0000",
		Pretext:    "CI report",
		AuthorName: "ci-bot",
		AuthorLink: "https://ci.example.com",
		AuthorIcon: "https://ci.example.com/icon.png",
		Title:      "Build #42",
		TitleLink:  "https://ci.example.com/42",
		Text:       "Tests failed on *main*",
		Fields: []*model.SlackAttachmentField{
			{Title: "Branch", Value: "main", Short: true},
			{Title: "Duration", Value: 93.5, Short: true},
			{Title: "Notes", Value: "flaky?"},
		},
		ImageURL:   "https://ci.example.com/graph.png",
		ThumbURL:   "https://ci.example.com/thumb.png",
		Footer:     "hookbridge",
		FooterIcon: "https://ci.example.com/f.png",
		Timestamp:  int64(1700000000),
		Actions: []*model.PostAction{
			{
				Id:    "retry",
				Type:  "button",
				Name:  "Retry",
				Style: "primary",
				Integration: &model.PostActionIntegration{
					URL:     "/plugins/hookbridge/actions/retry",
					Context: map[string]interface{}{"build": 42.0, "action": "retry"},
				},
				Cookie: "c1",
			},
			{
				Id:            "pick",
				Type:          "select",
				Name:          "Assign",
				DataSource:    "",
				Options:       []*model.PostActionOptions{{Text: "Alice", Value: "alice"}, {Text: "Bob", Value: "bob"}},
				DefaultOption: "alice",
				Disabled:      true,
			},
		},
	}}
}

func postFull() *model.Post {
	return &model.Post{
		Id:            "p1aaaaaaaaaaaaaaaaaaaaaaaa",
		CreateAt:      1700000000000,
		UpdateAt:      1700000000123,
		EditAt:        1700000000100,
		IsPinned:      true,
		UserId:        "u1aaaaaaaaaaaaaaaaaaaaaaaa",
		ChannelId:     "c1aaaaaaaaaaaaaaaaaaaaaaaa",
		RootId:        "r1aaaaaaaaaaaaaaaaaaaaaaaa",
		Message:       "Deploy finished ✅ in 42s",
		MessageSource: "Deploy finished :white_check_mark: in 42s",
		Type:          "custom_hookbridge",
		Props:         propsNested(),
		Hashtags:      "#deploy",
		FileIds:       model.StringArray{"f1aaaaaaaaaaaaaaaaaaaaaaaa", "f2aaaaaaaaaaaaaaaaaaaaaaaa"},
		PendingPostId: "u1aaaaaaaaaaaaaaaaaaaaaaaa:1700000000000",
		HasReactions:  true,
		RemoteId:      strp(""), // Mattermost's PreSave default; gob drops it
		ReplyCount:    3,
		LastReplyAt:   1700000000999,
		Participants:  []*model.User{{Id: "u2aaaaaaaaaaaaaaaaaaaaaaaa", Username: "bob"}},
		IsFollowing:   boolp(true),
		Metadata: &model.PostMetadata{
			Embeds: []*model.PostEmbed{{
				Type: "opengraph",
				URL:  "https://example.com/article",
				Data: map[string]interface{}{"title": "An article", "type": "article", "images": []interface{}{map[string]interface{}{"url": "https://example.com/a.png", "width": 640.0}}},
			}},
			Emojis:    []*model.Emoji{{Id: "e1", CreateAt: 1, CreatorId: "u1", Name: "shipit"}},
			Files:     []*model.FileInfo{{Id: "f1aaaaaaaaaaaaaaaaaaaaaaaa", Name: "log.txt", Extension: "txt", Size: 1234, MimeType: "text/plain"}},
			Images:    map[string]*model.PostImage{"https://example.com/a.png": {Width: 640, Height: 480, Format: "png"}},
			Reactions: []*model.Reaction{{UserId: "u2", PostId: "p1", EmojiName: "+1", CreateAt: 1700000000500, ChannelId: "c1"}},
			Priority: &model.PostPriority{
				Priority:                strp("urgent"),
				RequestedAck:            boolp(true),
				PersistentNotifications: boolp(false), // pointer to false: omitted on the wire
			},
			Acknowledgements: []*model.PostAcknowledgement{{UserId: "u2", PostId: "p1", AcknowledgedAt: 1700000000600, ChannelId: "c1"}},
			ExpireAt:         0,
		},
	}
}

func postMinimal() *model.Post {
	return &model.Post{
		Id:        "p2aaaaaaaaaaaaaaaaaaaaaaaa",
		ChannelId: "c1aaaaaaaaaaaaaaaaaaaaaaaa",
		UserId:    "u1aaaaaaaaaaaaaaaaaaaaaaaa",
		Message:   "hello",
		CreateAt:  1700000000000,
	}
}

func commandResponse() *model.CommandResponse {
	return &model.CommandResponse{
		ResponseType: "in_channel",
		Text:         "Webhook created",
		Username:     "hookbridge",
		ChannelId:    "c1aaaaaaaaaaaaaaaaaaaaaaaa",
		IconURL:      "https://example.com/icon.png",
		Type:         "custom_hookbridge",
		Props:        model.StringInterface{"from_webhook": "true", "count": 2.0},
		GotoLocation: "",
		TriggerId:    "trig1",
		Attachments:  slackAttachments(),
		ExtraResponses: []*model.CommandResponse{{
			ResponseType: "ephemeral",
			Text:         "Only you can see this",
			Props:        model.StringInterface{"nested": []interface{}{"a", true}},
		}},
	}
}

func pluginContext() *plugin.Context {
	return &plugin.Context{
		SessionId:      "sess1",
		ConnectionId:   "conn1",
		RequestId:      "req1",
		IPAddress:      "192.0.2.10",
		AcceptLanguage: "en-US,en;q=0.9",
		UserAgent:      "curl/8.5.0",
	}
}

var cases = []gobCase{
	{"bool_true", true},
	{"int64_neg1", int64(-1)},
	{"int64_zero", int64(0)},
	{"int64_max", int64(math.MaxInt64)},
	{"int64_min", int64(math.MinInt64)},
	{"int64_2p53_plus1", int64(1<<53 + 1)},
	{"uint64_max", uint64(math.MaxUint64)},
	{"uint32_7", uint32(7)},
	{"int_60", int(60)},
	{"float64_1_5", 1.5},
	{"float64_neg", -1234.5678e-9},
	{"float64_inf", math.Inf(-1)},
	{"float32_pi", float32(math.Pi)},
	{"complex128", complex(1.5, -2.25)},
	{"string_hooks", "hooks"},
	{"string_empty", ""},
	{"string_unicode", "héllo wörld — 日本語 ✓ 😀🎉👩‍💻"},
	{"bytes", allBytes()},
	{"string_slice", []string{"OnActivate", "MessageWillBePosted"}},
	{"int64_slice", []int64{0, 1, -1, 127, 128, -129, 1 << 40, math.MinInt64, math.MaxInt64}},
	{"nested_slice", [][]string{{"a", "b"}, {}, {"c"}}},
	{"array3", [3]int64{-1, 0, 1 << 62}},
	{"map_string_string", map[string]string{"a": "1", "empty": "", "ключ": "значение"}},
	{"map_empty", map[string]string{}},
	{"map_int64_string", map[int64]string{-5: "neg", 0: "zero", 1 << 50: "big"}},
	{"http_header", http.Header{"Content-Type": {"application/json"}, "X-Multi": {"a", "b", "c"}, "Empty": {""}}},
	{"props_basic", model.StringInterface{"s": "x", "b": true, "f": 1.5, "zero": 0.0, "no": false, "empty": ""}},
	{"props_nested", propsNested()},
	{"props_int64", model.StringInterface{"i64": int64(1<<53 + 1), "int": int(-7)}},
	{"props_apperror", model.StringInterface{"err": appError()}},
	{"props_nil", model.StringInterface{"n": nil, "s": "x"}},
	{"props_empty", model.StringInterface{}},
	{"time_utc", time.Date(2018, 2, 1, 14, 30, 0, 123456789, time.UTC)},
	{"time_zone", time.Date(2018, 2, 1, 14, 30, 0, 123456789, time.FixedZone("IST", 5*3600+30*60))},
	{"struct_time_field", StructTimeField{Name: "deadline", At: time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC)}},
	{"url", mustURL("/plugins/hookbridge/hooks/abc?x=1&y=%20z")},
	{"empty_struct", struct{}{}},
	{"zero_struct", ZeroStruct{}},
	{"struct_empty_map", StructEmptyMap{M: map[string]string{}}},
	{"post_full", postFull()},
	{"post_minimal", postMinimal()},
	{"posts_slice", []*model.Post{postMinimal(), {Id: "p3", Message: "second", Props: model.StringInterface{"k": "v"}}}},
	{"channel", &model.Channel{
		Id:               "c1aaaaaaaaaaaaaaaaaaaaaaaa",
		CreateAt:         1600000000000,
		UpdateAt:         1600000000001,
		TeamId:           "t1aaaaaaaaaaaaaaaaaaaaaaaa",
		Type:             "O",
		DisplayName:      "Town Square",
		Name:             "town-square",
		Header:           "Welcome",
		Purpose:          "General chat",
		LastPostAt:       1700000000000,
		TotalMsgCount:    1234,
		CreatorId:        "u1aaaaaaaaaaaaaaaaaaaaaaaa",
		SchemeId:         strp("scheme1"),
		Props:            map[string]interface{}{"custom": "x", "n": 2.0, "flags": []interface{}{"a"}},
		GroupConstrained: boolp(false),
		Shared:           boolp(true),
		LastRootPostAt:   1700000000000,
		BannerInfo:       &model.ChannelBannerInfo{Enabled: boolp(true), Text: strp("Maintenance tonight"), BackgroundColor: strp("#ff0000")},
		PolicyActions:    map[string]bool{"read": true, "write": false},
		Discoverable:     true,
	}},
	{"user", &model.User{
		Id:             "u1aaaaaaaaaaaaaaaaaaaaaaaa",
		CreateAt:       1500000000000,
		UpdateAt:       1500000000001,
		Username:       "alice",
		AuthService:    "",
		Email:          "alice@example.com",
		EmailVerified:  true,
		Nickname:       "Al",
		FirstName:      "Alice",
		LastName:       "Liddell",
		Position:       "Engineer",
		Roles:          "system_user system_admin",
		Props:          model.StringMap{"customStatus": "{}", "lastSearchPointer": "3"},
		NotifyProps:    model.StringMap{"email": "true", "push": "mention", "channel": "true"},
		FailedAttempts: 2,
		Locale:         "de",
		Timezone:       model.StringMap{"automaticTimezone": "Europe/Berlin", "manualTimezone": "", "useAutomaticTimezone": "true"},
		LastActivityAt: 1700000000000,
		IsBot:          false,
		LastLogin:      1700000000001,
	}},
	{"team", &model.Team{
		Id:              "t1aaaaaaaaaaaaaaaaaaaaaaaa",
		CreateAt:        1400000000000,
		UpdateAt:        1400000000001,
		DisplayName:     "Engineering",
		Name:            "eng",
		Description:     "Builders",
		Email:           "eng@example.com",
		Type:            "O",
		AllowedDomains:  "example.com",
		InviteId:        "inv1",
		AllowOpenInvite: true,
		SchemeId:        strp("s1"),
	}},
	{"app_error", appError()},
	{"error_string", &plugin.ErrorString{Code: 1, Err: "EOF"}},
	{"netrpc_request", &rpc.Request{ServiceMethod: "Plugin.OnActivate", Seq: 3}},
	{"netrpc_response_error", &rpc.Response{ServiceMethod: "Plugin.Nope", Seq: 7, Error: "rpc: can't find method Plugin.Nope"}},
	{"on_activate_args", Z_OnActivateArgs{APIMuxId: 1, DriverMuxId: 2}},
	{"on_activate_returns_nil", Z_OnActivateReturns{}},
	{"on_activate_returns_apperror", Z_OnActivateReturns{A: &model.AppError{Id: "plugin.activate", Message: "bad config", Where: "OnActivate", StatusCode: 500}}},
	{"on_activate_returns_errorstring", Z_OnActivateReturns{A: &plugin.ErrorString{Err: "boom"}}},
	{"serve_http_args", Z_ServeHTTPArgs{
		ResponseWriterStream: 3,
		Request: &plugin.HTTPRequestSubset{
			Method:     "POST",
			URL:        mustURL("/plugins/hookbridge/hooks/abc?x=1"),
			Proto:      "HTTP/1.1",
			ProtoMajor: 1,
			ProtoMinor: 1,
			Header: http.Header{
				"Content-Type":       {"application/json"},
				"Mattermost-User-Id": {"u1aaaaaaaaaaaaaaaaaaaaaaaa"},
				"X-Forwarded-For":    {"198.51.100.7", "203.0.113.9"},
			},
			Host:       "chat.example.com",
			RemoteAddr: "192.0.2.10:54321",
			RequestURI: "/plugins/hookbridge/hooks/abc?x=1",
		},
		Context:           pluginContext(),
		RequestBodyStream: 4,
	}},
	{"kv_set_options_args", Z_KVSetWithOptionsArgs{A: "hook:abc", B: []byte(`{"v":1}`), C: model.PluginKVSetOptions{Atomic: true, OldValue: []byte(`{"v":0}`), ExpireInSeconds: 60}}},
	{"kv_get_returns", Z_KVGetReturns{A: []byte{0, 1, 2, 0xff}}},
	{"log_args", Z_LogInfoArgs{A: "webhook received", B: []interface{}{"hook_id", "abc", "status", "200"}}},
	{"mwbp_args", Z_MessageWillBePostedArgs{A: pluginContext(), B: postFull()}},
	{"mwbp_returns", Z_MessageWillBePostedReturns{A: postMinimal(), B: ""}},
	{"mwbp_returns_rejected", Z_MessageWillBePostedReturns{B: "rejected by hookbridge"}},
	{"execute_command_args", Z_ExecuteCommandArgs{A: pluginContext(), B: &model.CommandArgs{
		UserId: "u1", ChannelId: "c1", TeamId: "t1", RootId: "", TriggerId: "trig1",
		Command: "/hookbridge create", SiteURL: "https://chat.example.com",
		UserMentions: map[string]string{"bob": "u2"}, ChannelMentions: map[string]string{"town-square": "c1"},
	}}},
	{"execute_command_returns", Z_ExecuteCommandReturns{A: commandResponse()}},
	{"execute_command_returns_error", Z_ExecuteCommandReturns{B: appError()}},
	{"cluster_event_args", Z_OnPluginClusterEventArgs{A: pluginContext(), B: model.PluginClusterEvent{Id: "hookbridge:reload", Data: []byte("x")}}},
	{"ensure_bot_args", Z_EnsureBotUserArgs{A: &model.Bot{Username: "hookbridge", DisplayName: "Hookbridge", Description: "Webhook bridge"}}},
	{"ensure_bot_returns", Z_EnsureBotUserReturns{A: "botuserid", B: nil}},
	{"command_response", commandResponse()},
	{"slack_attachments_iface", model.StringInterface{"attachments": slackAttachments(), "from_webhook": "true"}},
	{"dialog_request", model.OpenDialogRequest{
		TriggerId: "trig1",
		URL:       "/plugins/hookbridge/dialog",
		Dialog: model.Dialog{
			CallbackId:       "cb1",
			Title:            "Create webhook",
			IntroductionText: "Fill in **all** fields",
			IconURL:          "https://example.com/icon.png",
			Elements: []model.DialogElement{
				{DisplayName: "Name", Name: "name", Type: "text", Placeholder: "my-hook", MinLength: 3, MaxLength: 64, HelpText: "unique"},
				{DisplayName: "Email", Name: "email", Type: "text", SubType: "email", Optional: true},
				{DisplayName: "Description", Name: "desc", Type: "textarea", MaxLength: 3000},
				{DisplayName: "Format", Name: "format", Type: "select", Default: "json", Options: []*model.PostActionOptions{{Text: "JSON", Value: "json"}, {Text: "Form", Value: "form"}}},
				{DisplayName: "Owner", Name: "owner", Type: "select", DataSource: "users", MultiSelect: true},
				{DisplayName: "Enabled", Name: "enabled", Type: "bool", Default: "true"},
				{DisplayName: "Mode", Name: "mode", Type: "radio", Options: []*model.PostActionOptions{{Text: "Fast", Value: "fast"}, {Text: "Safe", Value: "safe"}}},
				{DisplayName: "Start", Name: "start", Type: "datetime", MinDate: "today", MaxDate: "+30d", TimeInterval: 15, DefaultTime: "09:00"},
			},
			SubmitLabel:    "Create",
			NotifyOnCancel: true,
			State:          `{"step":1}`,
		},
	}},
	{"big_mixed", BigMixed{
		MixedEmbedded: MixedEmbedded{Note: "embedded", Level: -3},
		U8:            255,
		I16:           -32768,
		I32:           2147483647,
		U64:           1<<63 + 5,
		F32:           -0.1,
		ByName:        map[string][]int64{"a": {1, 2, 3}, "empty": {}, "neg": {-1 << 40}},
		Rows:          []map[string]string{{"k": "v"}, {}, {"x": "", "y": "z"}},
		Ptr:           &MixedInner{Label: "p", Count: 65535},
		ZeroPtr:       &MixedInner{},
		Val:           MixedInner{Label: "v", Count: 1},
		Arr:           [2]string{"", "second"},
		Any:           []interface{}{"x", int64(3), uint8(7), float32(2.5), nil},
		Raw:           []byte{0, 0, 0},
		Flags:         map[string]bool{"on": true, "off": false},
		Nested:        [][]int32{{1}, nil, {-2, 3}},
		Ptrs:          []*MixedInner{{Label: "a"}, {Count: 2}},
	}},
}

var caseByName = func() map[string]gobCase {
	m := make(map[string]gobCase, len(cases))
	for _, c := range cases {
		if _, dup := m[c.name]; dup {
			panic("duplicate gob case " + c.name)
		}
		m[c.name] = c
	}
	return m
}()
