import type {Channel} from '@mattermost/types/channels';
import type {ClientConfig} from '@mattermost/types/config';
import type {Dialog} from '@mattermost/types/integrations';
import type {Team} from '@mattermost/types/teams';
import type {UserProfile} from '@mattermost/types/users';

// ---------------------------------------------------------------------------
// REST contract of the Hookbridge server (/plugins/hookbridge/api/v1).
// ---------------------------------------------------------------------------

export type SignatureMode = 'none' | 'github' | 'slack';

/** An incoming webhook endpoint as returned by the server. */
export type IncomingHook = {
    id: string;
    create_at: number;
    update_at: number;
    delete_at: number;
    user_id: string;
    channel_id: string;
    team_id: string;
    display_name: string;
    description: string;
    username: string;
    icon_url: string;
    channel_locked: boolean;
    enabled: boolean;

    /** Full URL of the endpoint, computed by the server. */
    url: string;
    signature: {mode: SignatureMode; secret?: string};
    allowed_ips: string[];

    /** 0 means unlimited. */
    rate_limit: {per_minute: number};
};

export type OutgoingContentType = 'application/json' | 'application/x-www-form-urlencoded';
export type TriggerWhen = 0 | 1;
export type MatchMode = 'first_word' | 'anywhere' | 'regex';
export type OutgoingEvent = 'posted' | 'edited';
export type HookChannelType = 'O' | 'P' | 'D' | 'G';

/** An outgoing webhook as returned by the server. */
export type OutgoingHook = {
    id: string;
    token: string;
    create_at: number;
    update_at: number;
    delete_at: number;
    creator_id: string;
    channel_id: string;
    team_id: string;
    trigger_words: string[];

    /** 0 = first word equals a trigger, 1 = first word starts with a trigger. */
    trigger_when: TriggerWhen;
    callback_urls: string[];
    display_name: string;
    description: string;
    content_type: OutgoingContentType;
    username: string;
    icon_url: string;
    enabled: boolean;
    disabled_reason?: string;
    match: {mode: MatchMode; case_insensitive: boolean; pattern?: string};
    events: OutgoingEvent[];
    channel_types: HookChannelType[];
    headers: Record<string, string>;
    signing_secret?: string;

    /** Set after a secret rotation while the previous secret is still accepted. */
    previous_secret_expires_at?: number;
    max_attempts: number;
};

/** Fields the client may send when creating or updating an incoming hook. */
export type IncomingHookInput = Omit<IncomingHook, 'id' | 'create_at' | 'update_at' | 'delete_at' | 'user_id' | 'url'> & {id?: string};

/** Fields the client may send when creating or updating an outgoing hook. */
export type OutgoingHookInput = Omit<OutgoingHook, 'id' | 'token' | 'create_at' | 'update_at' | 'delete_at' | 'creator_id' | 'disabled_reason' | 'previous_secret_expires_at'> & {id?: string};

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'retrying';

export type Delivery = {
    id: string;
    hook_id: string;
    post_id: string;
    event: string;
    attempt: number;
    status: DeliveryStatus;
    created_at: number;
    completed_at?: number;
    latency_ms?: number;
    response_status?: number;
    error?: string;
    request?: {url: string; headers: Record<string, string>; body: string};
    response?: {headers: Record<string, string>; body: string};
};

export type StatsBucket = {

    /** Start of the hour, in milliseconds. */
    start: number;
    total: number;
    ok: number;
    failed: number;
    p50_ms: number;
    p95_ms: number;
};

export type HookStats = {buckets: StatsBucket[]};

/** Answer of GET /me: what the current user may manage. */
export type Me = {
    user_id: string;
    is_admin: boolean;
    can_manage_incoming: boolean;
    can_manage_outgoing: boolean;
    can_manage_others: boolean;
};

/** Shape of every error body the server returns. */
export type ServerErrorBody = {
    id?: string;
    message?: string;
    detailed_error?: string;
    status_code?: number;
    field?: string;
};

// ---------------------------------------------------------------------------
// Mattermost's own endpoints used by the renderers.
// ---------------------------------------------------------------------------

/** Response of POST /api/v4/posts/{post_id}/actions/{action_id}. */
export type PostActionResult = {
    status?: string;
    trigger_id?: string;
    ephemeral_text?: string;
    goto_location?: string;
};

export type DialogSubmissionValue = string | number | boolean | string[] | null;

/** Body of POST /api/v4/actions/dialogs/submit, as Mattermost's SubmitDialogRequest. */
export type SubmitDialogRequest = {
    url: string;
    callback_id: string;
    state: string;
    user_id: string;
    channel_id: string;
    team_id: string;
    submission: Record<string, DialogSubmissionValue>;
    cancelled: boolean;
    type?: string;
};

export type DialogLookupItem = {text: string; value: string};

/** Payload of the custom_hookbridge_open_dialog event and the OPEN_DIALOG action. */
export type OpenDialogPayload = {
    url: string;
    dialog: Dialog;
    trigger_id?: string;
};

// ---------------------------------------------------------------------------
// Redux state.
// ---------------------------------------------------------------------------

export type PluginState = {
    me: Me | null;
    meLoaded: boolean;
    incomingHooks: Record<string, IncomingHook>;
    outgoingHooks: Record<string, OutgoingHook>;

    /** Delivery summaries per outgoing hook id, newest first. */
    deliveries: Record<string, Delivery[]>;

    /** Full delivery records (with request/response) by delivery id. */
    deliveryDetails: Record<string, Delivery>;
    stats: Record<string, StatsBucket[]>;
    manager: {open: boolean; channelId: string | null};
    dialog: OpenDialogPayload | null;
};

/**
 * The slice of the host store the plugin reads. Every level is optional so
 * the selectors also work against a bare sandbox store.
 */
export type HostState = {
    entities?: {
        teams?: {teams?: Record<string, Team>; currentTeamId?: string};
        channels?: {channels?: Record<string, Channel>; currentChannelId?: string};
        users?: {profiles?: Record<string, UserProfile>; currentUserId?: string};
        general?: {config?: Partial<ClientConfig>};
    };
    'plugins-hookbridge'?: PluginState;
};

/** Subset of the Mattermost theme the components look at. */
export type Theme = Partial<Record<'centerChannelBg' | 'centerChannelColor' | 'buttonBg' | 'buttonColor' | 'errorTextColor' | 'onlineIndicator' | 'linkColor', string>> & Record<string, string | undefined>;

export type HookKind = 'incoming' | 'outgoing';

/** Payload of custom_hookbridge_hook_changed. */
export type HookChangedEvent = {
    kind: HookKind;
    id: string;
    action: 'created' | 'updated' | 'deleted';
};

/** Payload of custom_hookbridge_delivery: the latest state of the deliveries that changed, of one team's hooks. */
export type DeliveryEvent = {
    /** Sent by older servers, whose events carried one hook's deliveries. */
    hook_id?: string;
    deliveries?: Delivery[];
    delivery?: Delivery;
};
