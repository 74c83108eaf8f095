// Go shapes of what the host sends: API replies (Z_<Name>Returns), hook arguments
// (Z_<Name>Args) and the hand-written ServeHTTP / LoadPluginConfiguration / OnActivate
// structs of server/public/plugin/client_rpc.go. Arguments from the plugin decode
// generically, so only what we encode needs a descriptor.

import {t, urlType, type GoType} from '../../server/wire/gob/index.js';
import {
  appErrorType,
  channelType,
  contextType,
  clusterEventType,
  errorStringType,
  postType,
  teamType,
  userType,
} from '../../server/mattermost/model.js';

export {appErrorType, errorStringType};

const returns = (name: string, fields: Record<string, GoType>): GoType => t.struct(`Z_${name}Returns`, fields);
const args = (name: string, fields: Record<string, GoType>): GoType => t.struct(`Z_${name}Args`, fields);

export const headerType = t.map(t.string, t.slice(t.string), 'http.Header');

/** A minimal model.Config: what plugins read from GetConfig in practice. */
export const configType = t.struct('Config', {
  ServiceSettings: t.struct('ServiceSettings', {
    SiteURL: t.string,
    ListenAddress: t.string,
    EnableIncomingWebhooks: t.bool,
    EnableOutgoingWebhooks: t.bool,
    EnablePostUsernameOverride: t.bool,
    EnablePostIconOverride: t.bool,
    EnableInsecureOutgoingConnections: t.bool,
  }),
  PluginSettings: t.struct('PluginSettings', {
    Enable: t.bool,
    Directory: t.string,
    ClientDirectory: t.string,
    Plugins: t.map(t.string, t.map(t.string, t.interface)),
  }),
});

/** The `error` interface fields the API returns (EnsureBotUser, GetBundlePath, …). */
const errorIface = t.interface;

export const apiReturns = {
  CreatePost: returns('CreatePost', {A: postType, B: appErrorType}),
  UpdatePost: returns('UpdatePost', {A: postType, B: appErrorType}),
  GetPost: returns('GetPost', {A: postType, B: appErrorType}),
  DeletePost: returns('DeletePost', {A: appErrorType}),
  SendEphemeralPost: returns('SendEphemeralPost', {A: postType}),
  UpdateEphemeralPost: returns('UpdateEphemeralPost', {A: postType}),
  DeleteEphemeralPost: returns('DeleteEphemeralPost', {}),
  GetChannel: returns('GetChannel', {A: channelType, B: appErrorType}),
  GetChannelByName: returns('GetChannelByName', {A: channelType, B: appErrorType}),
  GetDirectChannel: returns('GetDirectChannel', {A: channelType, B: appErrorType}),
  GetTeam: returns('GetTeam', {A: teamType, B: appErrorType}),
  GetTeamByName: returns('GetTeamByName', {A: teamType, B: appErrorType}),
  GetUser: returns('GetUser', {A: userType, B: appErrorType}),
  GetUserByUsername: returns('GetUserByUsername', {A: userType, B: appErrorType}),
  HasPermissionTo: returns('HasPermissionTo', {A: t.bool}),
  HasPermissionToTeam: returns('HasPermissionToTeam', {A: t.bool}),
  HasPermissionToChannel: returns('HasPermissionToChannel', {A: t.bool}),
  KVGet: returns('KVGet', {A: t.bytes, B: appErrorType}),
  KVSet: returns('KVSet', {A: appErrorType}),
  KVSetWithExpiry: returns('KVSetWithExpiry', {A: appErrorType}),
  KVSetWithOptions: returns('KVSetWithOptions', {A: t.bool, B: appErrorType}),
  KVCompareAndSet: returns('KVCompareAndSet', {A: t.bool, B: appErrorType}),
  KVCompareAndDelete: returns('KVCompareAndDelete', {A: t.bool, B: appErrorType}),
  KVDelete: returns('KVDelete', {A: appErrorType}),
  KVDeleteAll: returns('KVDeleteAll', {A: appErrorType}),
  KVList: returns('KVList', {A: t.slice(t.string), B: appErrorType}),
  LoadPluginConfiguration: t.struct('Z_LoadPluginConfigurationArgsReturns', {A: t.bytes}),
  GetPluginConfig: returns('GetPluginConfig', {A: t.map(t.string, t.interface)}),
  GetConfig: returns('GetConfig', {A: configType}),
  GetUnsanitizedConfig: returns('GetUnsanitizedConfig', {A: configType}),
  GetServerVersion: returns('GetServerVersion', {A: t.string}),
  GetBundlePath: returns('GetBundlePath', {A: t.string, B: errorIface}),
  LogDebug: returns('LogDebug', {}),
  LogInfo: returns('LogInfo', {}),
  LogWarn: returns('LogWarn', {}),
  LogError: returns('LogError', {}),
  PublishWebSocketEvent: returns('PublishWebSocketEvent', {}),
  PublishPluginClusterEvent: returns('PublishPluginClusterEvent', {A: errorIface}),
  OpenInteractiveDialog: returns('OpenInteractiveDialog', {A: appErrorType}),
  EnsureBotUser: returns('EnsureBotUser', {A: t.string, B: errorIface}),
} as const satisfies Record<string, GoType>;

export type ApiMethod = keyof typeof apiReturns;

// --- hooks the host calls ---

export const onActivateArgs = t.struct('Z_OnActivateArgs', {APIMuxId: t.uint, DriverMuxId: t.uint});
export const emptyArgs = (name: string): GoType => args(name, {});
export const implementedArgs = t.struct('', {});

export const hookArgs = {
  MessageHasBeenPosted: args('MessageHasBeenPosted', {A: contextType, B: postType}),
  MessageHasBeenUpdated: args('MessageHasBeenUpdated', {A: contextType, B: postType, C: postType}),
  MessageHasBeenDeleted: args('MessageHasBeenDeleted', {A: contextType, B: postType}),
  OnPluginClusterEvent: args('OnPluginClusterEvent', {A: contextType, B: clusterEventType}),
  OnConfigurationChange: emptyArgs('OnConfigurationChange'),
  OnDeactivate: emptyArgs('OnDeactivate'),
} as const satisfies Record<string, GoType>;

/** plugin.HTTPRequestSubset: URL is a *url.URL (a BinaryMarshaler carrying URL.String()). */
export const httpRequestSubsetType = t.struct('HTTPRequestSubset', {
  Method: t.string,
  URL: urlType,
  Proto: t.string,
  ProtoMajor: t.int,
  ProtoMinor: t.int,
  Header: headerType,
  Host: t.string,
  RemoteAddr: t.string,
  RequestURI: t.string,
});

export const serveHTTPArgs = t.struct('Z_ServeHTTPArgs', {
  ResponseWriterStream: t.uint,
  Request: httpRequestSubsetType,
  Context: contextType,
  RequestBodyStream: t.uint,
});
