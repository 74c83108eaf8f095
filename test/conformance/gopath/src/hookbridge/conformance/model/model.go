// Package model mirrors the Mattermost server/public/model types that cross the
// plugin RPC boundary. Only the gob-relevant shape matters: exported fields, their
// order, their Go kinds and the type names (named map/slice types such as
// StringInterface appear by name in gob type definitions, so they are declared as
// named types, not aliases, exactly as Mattermost does).
package model

// StringInterface is the type of Post.Props and CommandResponse.Props.
type StringInterface map[string]interface{}

// StringMap is the type of User.Props, User.NotifyProps and User.Timezone.
type StringMap map[string]string

// StringArray is the type of Post.Filenames and Post.FileIds.
type StringArray []string

// ChannelType is one of "O", "P", "D", "G".
type ChannelType string

// PostEmbedType is the kind of a PostEmbed ("image", "message_attachment", "opengraph", "link", ...).
type PostEmbedType string

type Post struct {
	Id            string
	CreateAt      int64
	UpdateAt      int64
	EditAt        int64
	DeleteAt      int64
	IsPinned      bool
	UserId        string
	ChannelId     string
	RootId        string
	OriginalId    string
	Message       string
	MessageSource string
	Type          string
	Props         StringInterface
	Hashtags      string
	Filenames     StringArray
	FileIds       StringArray
	PendingPostId string
	HasReactions  bool
	RemoteId      *string
	ReplyCount    int64
	LastReplyAt   int64
	Participants  []*User
	IsFollowing   *bool
	Metadata      *PostMetadata
}

type PostMetadata struct {
	Embeds           []*PostEmbed
	Emojis           []*Emoji
	Files            []*FileInfo
	Images           map[string]*PostImage
	Reactions        []*Reaction
	Priority         *PostPriority
	Acknowledgements []*PostAcknowledgement
	ExpireAt         int64
}

type PostEmbed struct {
	Type PostEmbedType
	URL  string
	Data interface{}
}

type PostImage struct {
	Width      int
	Height     int
	Format     string
	FrameCount int
}

type PostPriority struct {
	Priority                *string
	RequestedAck            *bool
	PersistentNotifications *bool
	PostId                  string
	ChannelId               string
}

type PostAcknowledgement struct {
	UserId         string
	PostId         string
	AcknowledgedAt int64
	ChannelId      string
	RemoteId       *string
}

type Emoji struct {
	Id          string
	CreateAt    int64
	UpdateAt    int64
	DeleteAt    int64
	CreatorId   string
	Name        string
	Description string
}

type Reaction struct {
	UserId    string
	PostId    string
	EmojiName string
	CreateAt  int64
	UpdateAt  int64
	DeleteAt  int64
	RemoteId  *string
	ChannelId string
}

type FileInfo struct {
	Id              string
	CreatorId       string
	PostId          string
	ChannelId       string
	CreateAt        int64
	UpdateAt        int64
	DeleteAt        int64
	Path            string
	ThumbnailPath   string
	PreviewPath     string
	Name            string
	Extension       string
	Size            int64
	MimeType        string
	Width           int
	Height          int
	HasPreviewImage bool
	MiniPreview     *[]byte
	Content         string
	RemoteId        *string
	Archived        bool
	ExtraInfo       string
}

type ChannelBannerInfo struct {
	Enabled         *bool
	Text            *string
	BackgroundColor *string
}

type Channel struct {
	Id                  string
	CreateAt            int64
	UpdateAt            int64
	DeleteAt            int64
	TeamId              string
	Type                ChannelType
	DisplayName         string
	Name                string
	Header              string
	Purpose             string
	LastPostAt          int64
	TotalMsgCount       int64
	ExtraUpdateAt       int64
	CreatorId           string
	SchemeId            *string
	Props               map[string]interface{}
	GroupConstrained    *bool
	AutoTranslation     bool
	Shared              *bool
	TotalMsgCountRoot   int64
	PolicyID            *string
	LastRootPostAt      int64
	BannerInfo          *ChannelBannerInfo
	PolicyEnforced      bool
	PolicyActions       map[string]bool
	PolicyIsActive      bool
	DefaultCategoryName string
	ManagedCategoryName string
	Discoverable        bool
}

type User struct {
	Id                     string
	CreateAt               int64
	UpdateAt               int64
	DeleteAt               int64
	Username               string
	Password               string
	AuthData               *string
	AuthService            string
	Email                  string
	EmailVerified          bool
	Nickname               string
	FirstName              string
	LastName               string
	Position               string
	Roles                  string
	AllowMarketing         bool
	Props                  StringMap
	NotifyProps            StringMap
	LastPasswordUpdate     int64
	LastPictureUpdate      int64
	FailedAttempts         int
	Locale                 string
	Timezone               StringMap
	MfaActive              bool
	MfaSecret              string
	RemoteId               *string
	LastActivityAt         int64
	IsBot                  bool
	BotDescription         string
	BotLastIconUpdate      int64
	TermsOfServiceId       string
	TermsOfServiceCreateAt int64
	DisableWelcomeEmail    bool
	LastLogin              int64
}

type Team struct {
	Id                  string
	CreateAt            int64
	UpdateAt            int64
	DeleteAt            int64
	DisplayName         string
	Name                string
	Description         string
	Email               string
	Type                string
	CompanyName         string
	AllowedDomains      string
	InviteId            string
	AllowOpenInvite     bool
	LastTeamIconUpdate  int64
	SchemeId            *string
	GroupConstrained    *bool
	PolicyID            *string
	CloudLimitsArchived bool
}

// AppError travels both as a concrete *AppError field and, registered as
// "*model.AppError", inside error-typed interface fields.
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

func (er *AppError) Error() string {
	s := er.Where + ": " + er.Message
	if er.DetailedError != "" {
		s += ", " + er.DetailedError
	}
	return s
}

type PluginKVSetOptions struct {
	Atomic          bool
	OldValue        []byte
	ExpireInSeconds int64
}

type PluginClusterEvent struct {
	Id   string
	Data []byte
}

type PluginClusterEventSendOptions struct {
	SendType    string
	TargetId    string
	Synchronous bool
}

type OpenDialogRequest struct {
	TriggerId string
	URL       string
	Dialog    Dialog
}

type Dialog struct {
	CallbackId       string
	Title            string
	IntroductionText string
	IconURL          string
	Elements         []DialogElement
	SubmitLabel      string
	NotifyOnCancel   bool
	State            string
}

type DialogElement struct {
	DisplayName  string
	Name         string
	Type         string
	SubType      string
	Default      string
	Placeholder  string
	HelpText     string
	Optional     bool
	MinLength    int
	MaxLength    int
	DataSource   string
	Options      []*PostActionOptions
	MultiSelect  bool
	MinDate      string
	MaxDate      string
	TimeInterval int
	DefaultTime  string
}

type PostActionOptions struct {
	Text  string
	Value string
}

// CommandArgs omits Mattermost's T (a func field), which gob never sends.
type CommandArgs struct {
	UserId          string
	ChannelId       string
	TeamId          string
	RootId          string
	ParentId        string
	TriggerId       string
	Command         string
	SiteURL         string
	UserMentions    map[string]string
	ChannelMentions map[string]string
}

type CommandResponse struct {
	ResponseType     string
	Text             string
	Username         string
	ChannelId        string
	IconURL          string
	Type             string
	Props            StringInterface
	GotoLocation     string
	TriggerId        string
	SkipSlackParsing bool
	Attachments      []*SlackAttachment
	ExtraResponses   []*CommandResponse
}

type Bot struct {
	UserId         string
	Username       string
	DisplayName    string
	Description    string
	OwnerId        string
	LastIconUpdate int64
	CreateAt       int64
	UpdateAt       int64
	DeleteAt       int64
}

type SlackAttachment struct {
	Id         int64
	Fallback   string
	Color      string
	Pretext    string
	AuthorName string
	AuthorLink string
	AuthorIcon string
	Title      string
	TitleLink  string
	Text       string
	Fields     []*SlackAttachmentField
	ImageURL   string
	ThumbURL   string
	Footer     string
	FooterIcon string
	Timestamp  interface{}
	Actions    []*PostAction
}

type SlackAttachmentField struct {
	Title string
	Value interface{}
	Short bool
}

type PostAction struct {
	Id            string
	Type          string
	Name          string
	Disabled      bool
	Style         string
	DataSource    string
	Options       []*PostActionOptions
	DefaultOption string
	Integration   *PostActionIntegration
	Cookie        string
}

type PostActionIntegration struct {
	URL     string
	Context map[string]interface{}
}
