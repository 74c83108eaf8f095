// Who is asking. The sandbox has no passwords: a request names its user with
// `Authorization: Bearer <username>` (or `Token <username>`), or the page's
// MMAUTHTOKEN cookie holds the username. Anything else is unauthenticated.
// Cookie-authenticated writes must carry the MMCSRF cookie's value in
// X-CSRF-Token (or X-Requested-With: XMLHttpRequest, which the server still
// accepts when strict CSRF enforcement is off), as with a real session.

import type {IncomingMessage} from 'node:http';
import type {MemoryMattermost} from '../../server/mattermost/memory.js';
import {newId} from '../../server/mattermost/memory.js';
import type {User} from '../../server/mattermost/model.js';
import {parseCookies} from './util.js';

export const SESSION_COOKIE = 'MMAUTHTOKEN';
export const CSRF_COOKIE = 'MMCSRF';

export interface Session {
  user: User;
  sessionId: string;
  cookieAuth: boolean;
  /** False for a cookie-authenticated write without a valid CSRF token. */
  csrfOK: boolean;
}

export class Sessions {
  private readonly ids = new Map<string, string>();

  constructor(
    private readonly mm: MemoryMattermost,
    /** The CSRF token handed to the page (one per sandbox run). */
    readonly csrfToken: string = newId(),
  ) {}

  /** A stable session id per user, for plugin.Context.SessionId. */
  private sessionId(userId: string): string {
    let id = this.ids.get(userId);
    if (!id) {
      id = newId();
      this.ids.set(userId, id);
    }
    return id;
  }

  userByName(name: string): User | undefined {
    return [...this.mm.users.values()].find((u) => u.Username === name && !u.DeleteAt && !u.IsBot);
  }

  /** The token a request carries and whether it came from the cookie. */
  static token(req: IncomingMessage): {token: string; cookieAuth: boolean} {
    const auth = req.headers.authorization ?? '';
    const m = /^(bearer|token)\s+(.+)$/i.exec(auth.trim());
    if (m) return {token: m[2]!.trim(), cookieAuth: false};
    const cookie = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    if (cookie) return {token: cookie, cookieAuth: true};
    return {token: '', cookieAuth: false};
  }

  resolve(req: IncomingMessage): Session | null {
    const {token, cookieAuth} = Sessions.token(req);
    if (!token) return null;
    const user = this.userByName(token);
    if (!user) return null;
    return {user, sessionId: this.sessionId(user.Id), cookieAuth, csrfOK: !cookieAuth || this.csrfOK(req)};
  }

  private csrfOK(req: IncomingMessage): boolean {
    const method = (req.method ?? 'GET').toUpperCase();
    if (method === 'GET' || method === 'HEAD') return true;
    const header = req.headers['x-csrf-token'];
    const cookie = parseCookies(req.headers.cookie)[CSRF_COOKIE];
    if (typeof header === 'string' && header !== '' && (header === this.csrfToken || header === cookie)) return true;
    return req.headers['x-requested-with'] === 'XMLHttpRequest';
  }
}
