// The pre-check point of incoming webhooks: signature verification, IP
// allow-lists and rate limits run here, after the hook is known and before its
// payload is read. The default accepts everything; the plugin plugs in the real
// guards.

import type {PluginRequest} from '../mattermost/http.js';
import type {IncomingHook} from './model.js';

export type GuardResult = {ok: true} | {ok: false; status: number; message: string; retryAfterSeconds?: number};

export type IncomingGuard = (hook: IncomingHook, req: PluginRequest, rawBody: Buffer) => Promise<GuardResult>;

export const acceptAll: IncomingGuard = async () => ({ok: true});
