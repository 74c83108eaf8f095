// Small HTTP helpers: JSON bodies and Mattermost-style error answers.

import type {IncomingMessage, ServerResponse} from 'node:http';
import {toJSON} from './rest.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
    readonly detailed = '',
  ) {
    super(message);
  }
}

export function sendJSON(res: ServerResponse, status: number, body: unknown): void {
  const data = toJSON(body);
  res.writeHead(status, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), 'Cache-Control': 'no-store'});
  res.end(data);
}

/** model.AppError's JSON: what Mattermost's REST API answers on failure. */
export function sendError(res: ServerResponse, err: HttpError): void {
  sendJSON(res, err.status, {id: err.id, message: err.message, detailed_error: err.detailed, request_id: '', status_code: err.status});
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.destroy();
        reject(new HttpError(413, 'api.context.request_body_too_large.app_error', 'The request body is too large.'));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function readJSON(req: IncomingMessage, limit = 1 << 20): Promise<Record<string, unknown>> {
  const body = await readBody(req, limit);
  if (body.length === 0) return {};
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new HttpError(400, 'api.context.invalid_body_param.app_error', 'Invalid or missing body in request.');
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name) continue;
    try {
      out[name] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      out[name] = part.slice(eq + 1).trim();
    }
  }
  return out;
}
