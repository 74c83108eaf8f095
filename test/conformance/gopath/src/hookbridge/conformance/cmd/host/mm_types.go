package main

import (
	"hookbridge/conformance/model"
	"hookbridge/conformance/plugin"
)

// Arg/return shapes of Mattermost's plugin RPC (server/public/plugin
// client_rpc.go and client_rpc_generated.go): one field per parameter,
// lettered A, B, C…, except where Mattermost hand-wrote them.

// Types the stand-in model package does not carry. Only field names and
// kinds matter on the wire because they never travel inside interfaces.

type Permission struct {
	Id          string
	Name        string
	Description string
	Scope       string
}

type WebsocketBroadcast struct {
	OmitUsers             map[string]bool
	UserId                string
	ChannelId             string
	TeamId                string
	ConnectionId          string
	OmitConnectionId      string
	ContainsSanitizedData bool
	ContainsSensitiveData bool
	ReliableClusterSend   bool
	BroadcastHooks        []string
	BroadcastHookArgs     []map[string]interface{}
}

// Command leaves out AutocompleteData: its arguments are interface values
// of types this harness does not register, and gob can skip an unknown
// field but not decode an unregistered interface into a known one.
type Command struct {
	Id               string
	Token            string
	CreateAt         int64
	UpdateAt         int64
	DeleteAt         int64
	CreatorId        string
	TeamId           string
	Trigger          string
	Method           string
	Username         string
	IconURL          string
	AutoComplete     bool
	AutoCompleteDesc string
	AutoCompleteHint string
	DisplayName      string
	Description      string
	URL              string
	PluginId         string
}

// ---- API (plugin -> host) ----

type Z_LoadPluginConfigurationArgsArgs struct{}

type Z_LoadPluginConfigurationArgsReturns struct {
	A []byte
}

type Z_GetPluginConfigArgs struct{}

type Z_GetPluginConfigReturns struct {
	A map[string]interface{}
}

type Z_GetBundlePathArgs struct{}

type Z_GetBundlePathReturns struct {
	A string
	B error
}

// KVSet/KVGet args, GetServerVersion, LogInfo and OnActivate shapes are
// shared with the basic scenario (basic.go); the returns differ only in
// carrying model.AppError.

type Z_KVGetMMReturns struct {
	A []byte
	B *model.AppError
}

type Z_KVSetMMReturns struct {
	A *model.AppError
}

type Z_KVDeleteArgs struct {
	A string
}

type Z_KVDeleteReturns struct {
	A *model.AppError
}

type Z_KVDeleteAllArgs struct{}

type Z_KVDeleteAllReturns struct {
	A *model.AppError
}

type Z_KVListArgs struct {
	A int
	B int
}

type Z_KVListReturns struct {
	A []string
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

type Z_KVSetWithExpiryArgs struct {
	A string
	B []byte
	C int64
}

type Z_KVSetWithExpiryReturns struct {
	A *model.AppError
}

type Z_KVCompareAndSetArgs struct {
	A string
	B []byte
	C []byte
}

type Z_KVCompareAndSetReturns struct {
	A bool
	B *model.AppError
}

type Z_KVCompareAndDeleteArgs struct {
	A string
	B []byte
}

type Z_KVCompareAndDeleteReturns struct {
	A bool
	B *model.AppError
}

type Z_CreatePostArgs struct {
	A *model.Post
}

type Z_CreatePostReturns struct {
	A *model.Post
	B *model.AppError
}

type Z_UpdatePostArgs struct {
	A *model.Post
}

type Z_UpdatePostReturns struct {
	A *model.Post
	B *model.AppError
}

type Z_GetPostArgs struct {
	A string
}

type Z_GetPostReturns struct {
	A *model.Post
	B *model.AppError
}

type Z_DeletePostArgs struct {
	A string
}

type Z_DeletePostReturns struct {
	A *model.AppError
}

type Z_SendEphemeralPostArgs struct {
	A string
	B *model.Post
}

type Z_SendEphemeralPostReturns struct {
	A *model.Post
}

type Z_UpdateEphemeralPostArgs struct {
	A string
	B *model.Post
}

type Z_UpdateEphemeralPostReturns struct {
	A *model.Post
}

type Z_DeleteEphemeralPostArgs struct {
	A string
	B string
}

type Z_DeleteEphemeralPostReturns struct{}

type Z_GetChannelArgs struct {
	A string
}

type Z_GetChannelReturns struct {
	A *model.Channel
	B *model.AppError
}

type Z_GetChannelByNameArgs struct {
	A string
	B string
	C bool
}

type Z_GetChannelByNameReturns struct {
	A *model.Channel
	B *model.AppError
}

type Z_GetDirectChannelArgs struct {
	A string
	B string
}

type Z_GetDirectChannelReturns struct {
	A *model.Channel
	B *model.AppError
}

type Z_GetTeamArgs struct {
	A string
}

type Z_GetTeamReturns struct {
	A *model.Team
	B *model.AppError
}

type Z_GetTeamByNameArgs struct {
	A string
}

type Z_GetTeamByNameReturns struct {
	A *model.Team
	B *model.AppError
}

type Z_GetUserArgs struct {
	A string
}

type Z_GetUserReturns struct {
	A *model.User
	B *model.AppError
}

type Z_GetUserByUsernameArgs struct {
	A string
}

type Z_GetUserByUsernameReturns struct {
	A *model.User
	B *model.AppError
}

type Z_HasPermissionToArgs struct {
	A string
	B *Permission
}

type Z_HasPermissionToReturns struct {
	A bool
}

type Z_HasPermissionToTeamArgs struct {
	A string
	B string
	C *Permission
}

type Z_HasPermissionToTeamReturns struct {
	A bool
}

type Z_HasPermissionToChannelArgs struct {
	A string
	B string
	C *Permission
}

type Z_HasPermissionToChannelReturns struct {
	A bool
}

type Z_LogDebugArgs struct {
	A string
	B []interface{}
}

type Z_LogDebugReturns struct{}

type Z_LogWarnArgs struct {
	A string
	B []interface{}
}

type Z_LogWarnReturns struct{}

type Z_LogErrorArgs struct {
	A string
	B []interface{}
}

type Z_LogErrorReturns struct{}

type Z_PublishWebSocketEventArgs struct {
	A string
	B map[string]interface{}
	C *WebsocketBroadcast
}

type Z_PublishWebSocketEventReturns struct{}

type Z_PublishPluginClusterEventArgs struct {
	A model.PluginClusterEvent
	B model.PluginClusterEventSendOptions
}

type Z_PublishPluginClusterEventReturns struct {
	A error
}

type Z_OpenInteractiveDialogArgs struct {
	A model.OpenDialogRequest
}

type Z_OpenInteractiveDialogReturns struct {
	A *model.AppError
}

type Z_EnsureBotUserArgs struct {
	A *model.Bot
}

type Z_EnsureBotUserReturns struct {
	A string
	B error
}

type Z_RegisterCommandArgs struct {
	A *Command
}

type Z_RegisterCommandReturns struct {
	A error
}

type Z_UnregisterCommandArgs struct {
	A string
	B string
}

type Z_UnregisterCommandReturns struct {
	A error
}

// ---- Hooks (host -> plugin) ----

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

type Z_MessageWillBeUpdatedArgs struct {
	A *plugin.Context
	B *model.Post
	C *model.Post
}

type Z_MessageWillBeUpdatedReturns struct {
	A *model.Post
	B string
}

type Z_MessageHasBeenUpdatedArgs struct {
	A *plugin.Context
	B *model.Post
	C *model.Post
}

type Z_MessageHasBeenUpdatedReturns struct{}

type Z_MessageHasBeenDeletedArgs struct {
	A *plugin.Context
	B *model.Post
}

type Z_MessageHasBeenDeletedReturns struct{}

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

type Z_OnPluginClusterEventReturns struct{}

type Z_ChannelHasBeenCreatedArgs struct {
	A *plugin.Context
	B *model.Channel
}

type Z_ChannelHasBeenCreatedReturns struct{}

type Z_UserHasBeenCreatedArgs struct {
	A *plugin.Context
	B *model.User
}

type Z_UserHasBeenCreatedReturns struct{}

type Z_ServeHTTPArgs struct {
	ResponseWriterStream uint32
	Request              *plugin.HTTPRequestSubset
	Context              *plugin.Context
	RequestBodyStream    uint32
}
