// Response helpers. Errors always have Mattermost's AppError shape
// ({id, message, detailed_error, status_code}) plus `field` naming the JSON key
// at fault, which the webapp shows next to the right control.

import {AppError} from '../mattermost/api.js';
import {BodyTooLargeError, readBody, sendJSON, type PluginRequest, type PluginResponse} from '../mattermost/http.js';
import {HookError} from '../webhooks/errors.js';

export interface ErrorBody {
  id: string;
  message: string;
  detailed_error: string;
  status_code: number;
  field?: string;
}

export function errorBody(err: unknown): ErrorBody {
  if (err instanceof HookError) {
    const body: ErrorBody = {id: err.id, message: err.message, detailed_error: err.detailedError, status_code: err.status};
    if (err.field) body.field = err.field;
    return body;
  }
  if (err instanceof AppError) {
    return {id: err.id || 'app.error', message: err.message, detailed_error: err.detailedError, status_code: err.statusCode};
  }
  if (err instanceof BodyTooLargeError) {
    return {id: 'api.context.request_body_too_large.app_error', message: `The request body is larger than the limit of ${err.limit} bytes.`, detailed_error: '', status_code: 413};
  }
  return {id: 'hookbridge.internal', message: 'An internal error occurred.', detailed_error: '', status_code: 500};
}

export async function sendError(res: PluginResponse, err: unknown, headers: Record<string, string> = {}): Promise<void> {
  const body = errorBody(err);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  await sendJSON(res, body.status_code, body);
}

export {sendJSON};

/** Mattermost's ReturnStatusOK body. */
export async function sendOK(res: PluginResponse): Promise<void> {
  await sendJSON(res, 200, {status: 'OK'});
}

/** REST bodies are small JSON documents; 1 MiB is plenty. */
export const MAX_API_BODY = 1024 * 1024;

export async function readJSON(req: PluginRequest): Promise<unknown> {
  const raw = await readBody(req, MAX_API_BODY);
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw HookError.badRequest('api.context.invalid_body_param.app_error', 'The request body is not valid JSON.');
  }
}

/** page and per_page as Mattermost reads them: page ≥ 0, per_page defaults to 60 and is capped at 200. */
export function paging(query: URLSearchParams): {page: number; perPage: number} {
  const int = (name: string, fallback: number): number => {
    const raw = query.get(name);
    if (raw === null || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw HookError.badRequest('api.context.invalid_url_param.app_error', `${name} must be a whole number of at least 0.`, name);
    return n;
  };
  const perPage = int('per_page', 60);
  return {page: int('page', 0), perPage: Math.min(perPage === 0 ? 60 : perPage, 200)};
}
