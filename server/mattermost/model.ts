// Mattermost model types as they travel over the plugin RPC (server/public/model).
//
// gob matches struct fields by name and tolerates fields one side lacks, so these
// descriptors follow the current server's field lists and still work with older
// servers. Field values decode generically: absent fields are zero values.

import {t, type GoType, type StructType} from '../wire/gob/index.js';

export type StringInterface = Record<string, unknown>;
export type StringMap = Record<string, string>;

const str = t.string;
const i64 = t.int;
const bool = t.bool;
const stringInterface = t.map(t.string, t.interface, 'model.StringInterface');
const stringMap = t.map(t.string, t.string, 'model.StringMap');
const stringArray = t.slice(t.string, 'model.StringArray');

export interface User {
  Id: string;
  CreateAt?: number;
  UpdateAt?: number;
  DeleteAt?: number;
  Username: string;
  AuthService?: string;
  Email?: string;
  EmailVerified?: boolean;
  Nickname?: string;
  FirstName?: string;
  LastName?: string;
  Position?: string;
  Roles?: string;
  Props?: StringMap;
  NotifyProps?: StringMap;
  Locale?: string;
  Timezone?: StringMap;
  IsBot?: boolean;
  BotDescription?: string;
  LastActivityAt?: number;
}

export const userType = t.struct('User', {
  Id: str,
  CreateAt: i64,
  UpdateAt: i64,
  DeleteAt: i64,
  Username: str,
  Password: str,
  AuthData: str,
  AuthService: str,
  Email: str,
  EmailVerified: bool,
  Nickname: str,
  FirstName: str,
  LastName: str,
  Position: str,
  Roles: str,
  AllowMarketing: bool,
  Props: stringMap,
  NotifyProps: stringMap,
  LastPasswordUpdate: i64,
  LastPictureUpdate: i64,
  FailedAttempts: i64,
  Locale: str,
  Timezone: stringMap,
  MfaActive: bool,
  MfaSecret: str,
  RemoteId: str,
  LastActivityAt: i64,
  IsBot: bool,
  BotDescription: str,
  BotLastIconUpdate: i64,
  TermsOfServiceId: str,
  TermsOfServiceCreateAt: i64,
  DisableWelcomeEmail: bool,
  LastLogin: i64,
});

export interface PostPriority {
  Priority?: string;
  RequestedAck?: boolean;
  PersistentNotifications?: boolean;
  PostId?: string;
  ChannelId?: string;
}

export interface PostEmbed {
  Type?: string;
  URL?: string;
  Data?: unknown;
}

export interface PostMetadata {
  Embeds?: PostEmbed[];
  Priority?: PostPriority;
  ExpireAt?: number;
  [other: string]: unknown;
}

export interface Post {
  Id?: string;
  CreateAt?: number;
  UpdateAt?: number;
  EditAt?: number;
  DeleteAt?: number;
  IsPinned?: boolean;
  UserId?: string;
  ChannelId?: string;
  RootId?: string;
  OriginalId?: string;
  Message?: string;
  MessageSource?: string;
  Type?: string;
  Props?: StringInterface;
  Hashtags?: string;
  Filenames?: string[];
  FileIds?: string[];
  PendingPostId?: string;
  HasReactions?: boolean;
  RemoteId?: string;
  ReplyCount?: number;
  LastReplyAt?: number;
  IsFollowing?: boolean;
  Metadata?: PostMetadata;
}

const postPriorityType = t.struct('PostPriority', {Priority: str, RequestedAck: bool, PersistentNotifications: bool, PostId: str, ChannelId: str});
const postEmbedType = t.struct('PostEmbed', {Type: t.string, URL: str, Data: t.interface});
const emojiType = t.struct('Emoji', {Id: str, CreateAt: i64, UpdateAt: i64, DeleteAt: i64, CreatorId: str, Name: str, Description: str});
const fileInfoType = t.struct('FileInfo', {
  Id: str,
  CreatorId: str,
  PostId: str,
  ChannelId: str,
  CreateAt: i64,
  UpdateAt: i64,
  DeleteAt: i64,
  Path: str,
  ThumbnailPath: str,
  PreviewPath: str,
  Name: str,
  Extension: str,
  Size: i64,
  MimeType: str,
  Width: i64,
  Height: i64,
  HasPreviewImage: bool,
  MiniPreview: t.bytes,
  Content: str,
  RemoteId: str,
  Archived: bool,
  ExtraInfo: str,
});
const postImageType = t.struct('PostImage', {Width: i64, Height: i64, Format: str, FrameCount: i64});
const reactionType = t.struct('Reaction', {UserId: str, PostId: str, EmojiName: str, CreateAt: i64, UpdateAt: i64, DeleteAt: i64, RemoteId: str, ChannelId: str});
const postAckType = t.struct('PostAcknowledgement', {UserId: str, PostId: str, AcknowledgedAt: i64, ChannelId: str, RemoteId: str});
const postMetadataType = t.struct('PostMetadata', {
  Embeds: t.slice(postEmbedType),
  Emojis: t.slice(emojiType),
  Files: t.slice(fileInfoType),
  Images: t.map(t.string, postImageType),
  Reactions: t.slice(reactionType),
  Priority: postPriorityType,
  Acknowledgements: t.slice(postAckType),
  ExpireAt: i64,
});

export const postType = t.struct('Post', {
  Id: str,
  CreateAt: i64,
  UpdateAt: i64,
  EditAt: i64,
  DeleteAt: i64,
  IsPinned: bool,
  UserId: str,
  ChannelId: str,
  RootId: str,
  OriginalId: str,
  Message: str,
  MessageSource: str,
  Type: str,
  Props: stringInterface,
  Hashtags: str,
  Filenames: stringArray,
  FileIds: stringArray,
  PendingPostId: str,
  HasReactions: bool,
  RemoteId: str,
  ReplyCount: i64,
  LastReplyAt: i64,
  Participants: t.slice(userType),
  IsFollowing: bool,
  Metadata: postMetadataType,
});

export type ChannelType = 'O' | 'P' | 'D' | 'G' | string;

export interface Channel {
  Id: string;
  CreateAt?: number;
  UpdateAt?: number;
  DeleteAt?: number;
  TeamId?: string;
  Type: ChannelType;
  DisplayName?: string;
  Name: string;
  Header?: string;
  Purpose?: string;
  LastPostAt?: number;
  TotalMsgCount?: number;
  CreatorId?: string;
  Props?: StringInterface;
  Shared?: boolean;
}

export const channelType = t.struct('Channel', {
  Id: str,
  CreateAt: i64,
  UpdateAt: i64,
  DeleteAt: i64,
  TeamId: str,
  Type: t.string,
  DisplayName: str,
  Name: str,
  Header: str,
  Purpose: str,
  LastPostAt: i64,
  TotalMsgCount: i64,
  ExtraUpdateAt: i64,
  CreatorId: str,
  SchemeId: str,
  Props: t.map(t.string, t.interface),
  GroupConstrained: bool,
  AutoTranslation: bool,
  Shared: bool,
  TotalMsgCountRoot: i64,
  PolicyID: str,
  LastRootPostAt: i64,
  BannerInfo: t.struct('ChannelBannerInfo', {Enabled: bool, Text: str, BackgroundColor: str}),
  PolicyEnforced: bool,
  PolicyActions: t.map(t.string, t.bool),
  PolicyIsActive: bool,
  DefaultCategoryName: str,
  ManagedCategoryName: str,
  Discoverable: bool,
});

export interface Team {
  Id: string;
  CreateAt?: number;
  UpdateAt?: number;
  DeleteAt?: number;
  DisplayName?: string;
  Name: string;
  Description?: string;
  Email?: string;
  Type?: string;
  AllowOpenInvite?: boolean;
}

export const teamType = t.struct('Team', {
  Id: str,
  CreateAt: i64,
  UpdateAt: i64,
  DeleteAt: i64,
  DisplayName: str,
  Name: str,
  Description: str,
  Email: str,
  Type: str,
  CompanyName: str,
  AllowedDomains: str,
  InviteId: str,
  AllowOpenInvite: bool,
  LastTeamIconUpdate: i64,
  SchemeId: str,
  GroupConstrained: bool,
  PolicyID: str,
  CloudLimitsArchived: bool,
});

export interface AppErrorFields {
  Id?: string;
  Message?: string;
  DetailedError?: string;
  RequestId?: string;
  StatusCode?: number;
  Where?: string;
  IsOAuth?: boolean;
  SkipTranslation?: boolean;
}

export const appErrorType = t.struct('AppError', {
  Id: str,
  Message: str,
  DetailedError: str,
  RequestId: str,
  StatusCode: i64,
  Where: str,
  IsOAuth: bool,
  SkipTranslation: bool,
});

/** plugin.ErrorString: how Go plugins send plain errors in `error` fields. */
export const errorStringType = t.struct('ErrorString', {Code: i64, Err: str});

export interface PluginKVSetOptions {
  Atomic?: boolean;
  OldValue?: Uint8Array | null;
  ExpireInSeconds?: number;
}

export const kvSetOptionsType = t.struct('PluginKVSetOptions', {Atomic: bool, OldValue: t.bytes, ExpireInSeconds: i64});

export interface PluginClusterEvent {
  Id: string;
  Data?: Uint8Array;
}

export const clusterEventType = t.struct('PluginClusterEvent', {Id: str, Data: t.bytes});
export const clusterEventSendOptionsType = t.struct('PluginClusterEventSendOptions', {SendType: str, TargetId: str, Synchronous: bool});

export interface PostActionOptions {
  Text: string;
  Value: string;
}

export const postActionOptionsType = t.struct('PostActionOptions', {Text: str, Value: str});

export interface DialogElement {
  DisplayName: string;
  Name: string;
  Type: string;
  SubType?: string;
  Default?: string;
  Placeholder?: string;
  HelpText?: string;
  Optional?: boolean;
  MinLength?: number;
  MaxLength?: number;
  DataSource?: string;
  DataSourceURL?: string;
  Options?: PostActionOptions[];
  MultiSelect?: boolean;
  MinDate?: string;
  MaxDate?: string;
  TimeInterval?: number;
  DefaultTime?: string;
}

export interface Dialog {
  CallbackId?: string;
  Title: string;
  IntroductionText?: string;
  IconURL?: string;
  Elements?: DialogElement[];
  SubmitLabel?: string;
  NotifyOnCancel?: boolean;
  State?: string;
}

export interface OpenDialogRequest {
  TriggerId: string;
  URL: string;
  Dialog: Dialog;
}

const dialogElementType = t.struct('DialogElement', {
  DisplayName: str,
  Name: str,
  Type: str,
  SubType: str,
  Default: str,
  Placeholder: str,
  HelpText: str,
  Optional: bool,
  MinLength: i64,
  MaxLength: i64,
  DataSource: str,
  DataSourceURL: str,
  Options: t.slice(postActionOptionsType),
  MultiSelect: bool,
  MinDate: str,
  MaxDate: str,
  TimeInterval: i64,
  DefaultTime: str,
});

export const openDialogRequestType = t.struct('OpenDialogRequest', {
  TriggerId: str,
  URL: str,
  Dialog: t.struct('Dialog', {
    CallbackId: str,
    Title: str,
    IntroductionText: str,
    IconURL: str,
    Elements: t.slice(dialogElementType),
    SubmitLabel: str,
    NotifyOnCancel: bool,
    State: str,
  }),
});

export interface SlackAttachmentField {
  Title?: string;
  Value?: unknown;
  Short?: boolean;
}

export interface PostActionIntegration {
  URL?: string;
  Context?: StringInterface;
}

export interface PostAction {
  Id?: string;
  Type?: string;
  Name?: string;
  Disabled?: boolean;
  Style?: string;
  DataSource?: string;
  Options?: PostActionOptions[];
  DefaultOption?: string;
  Integration?: PostActionIntegration;
  Cookie?: string;
}

export interface SlackAttachment {
  Id?: number;
  Fallback?: string;
  Color?: string;
  Pretext?: string;
  AuthorName?: string;
  AuthorLink?: string;
  AuthorIcon?: string;
  Title?: string;
  TitleLink?: string;
  Text?: string;
  Fields?: SlackAttachmentField[];
  ImageURL?: string;
  ThumbURL?: string;
  Footer?: string;
  FooterIcon?: string;
  Timestamp?: unknown;
  Actions?: PostAction[];
}

export const slackAttachmentType = t.struct('SlackAttachment', {
  Id: i64,
  Fallback: str,
  Color: str,
  Pretext: str,
  AuthorName: str,
  AuthorLink: str,
  AuthorIcon: str,
  Title: str,
  TitleLink: str,
  Text: str,
  Fields: t.slice(t.struct('SlackAttachmentField', {Title: str, Value: t.interface, Short: bool})),
  ImageURL: str,
  ThumbURL: str,
  Footer: str,
  FooterIcon: str,
  Timestamp: t.interface,
  Actions: t.slice(
    t.struct('PostAction', {
      Id: str,
      Type: str,
      Name: str,
      Disabled: bool,
      Style: str,
      DataSource: str,
      Options: t.slice(postActionOptionsType),
      DefaultOption: str,
      Integration: t.struct('PostActionIntegration', {URL: str, Context: t.map(t.string, t.interface)}),
      Cookie: str,
    }),
  ),
});

export interface CommandArgs {
  UserId?: string;
  ChannelId?: string;
  TeamId?: string;
  RootId?: string;
  ParentId?: string;
  TriggerId?: string;
  Command?: string;
  SiteURL?: string;
  UserMentions?: StringMap;
  ChannelMentions?: StringMap;
}

export const commandArgsType = t.struct('CommandArgs', {
  UserId: str,
  ChannelId: str,
  TeamId: str,
  RootId: str,
  ParentId: str,
  TriggerId: str,
  Command: str,
  SiteURL: str,
  UserMentions: t.map(t.string, t.string),
  ChannelMentions: t.map(t.string, t.string),
});

export interface CommandResponse {
  ResponseType?: string;
  Text?: string;
  Username?: string;
  ChannelId?: string;
  IconURL?: string;
  Type?: string;
  Props?: StringInterface;
  GotoLocation?: string;
  TriggerId?: string;
  SkipSlackParsing?: boolean;
  Attachments?: SlackAttachment[];
  ExtraResponses?: CommandResponse[];
}

export const commandResponseType: StructType = t.recursive('CommandResponse', (self) => ({
  ResponseType: str,
  Text: str,
  Username: str,
  ChannelId: str,
  IconURL: str,
  Type: str,
  Props: stringInterface,
  GotoLocation: str,
  TriggerId: str,
  SkipSlackParsing: bool,
  Attachments: t.slice(slackAttachmentType),
  ExtraResponses: t.slice(self),
}));

export interface Bot {
  UserId?: string;
  Username: string;
  DisplayName?: string;
  Description?: string;
  OwnerId?: string;
}

export const botType = t.struct('Bot', {
  UserId: str,
  Username: str,
  DisplayName: str,
  Description: str,
  OwnerId: str,
  LastIconUpdate: i64,
  CreateAt: i64,
  UpdateAt: i64,
  DeleteAt: i64,
});

export interface WebsocketBroadcast {
  OmitUsers?: Record<string, boolean>;
  UserId?: string;
  ChannelId?: string;
  TeamId?: string;
  ConnectionId?: string;
  OmitConnectionId?: string;
}

export const websocketBroadcastType = t.struct('WebsocketBroadcast', {
  OmitUsers: t.map(t.string, t.bool),
  UserId: str,
  ChannelId: str,
  TeamId: str,
  ConnectionId: str,
  OmitConnectionId: str,
});

/** plugin.Context, passed to most hooks. */
export interface Context {
  SessionId?: string;
  ConnectionId?: string;
  RequestId?: string;
  IPAddress?: string;
  AcceptLanguage?: string;
  UserAgent?: string;
}

export const contextType = t.struct('Context', {SessionId: str, ConnectionId: str, RequestId: str, IPAddress: str, AcceptLanguage: str, UserAgent: str});

/** Descriptors by Go type name, for tests and generic tooling. */
export const modelTypes: Readonly<Record<string, GoType>> = {
  Post: postType,
  Channel: channelType,
  User: userType,
  Team: teamType,
  AppError: appErrorType,
  ErrorString: errorStringType,
  CommandResponse: commandResponseType,
  OpenDialogRequest: openDialogRequestType,
  Bot: botType,
  Context: contextType,
};
