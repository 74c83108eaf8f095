// The page's REST calls. Like the webapp, it relies on the session cookie and
// sends the CSRF token from the MMCSRF cookie on writes.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly id = '',
  ) {
    super(message);
  }
}

export function readCookie(name: string): string {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return '';
}

export async function api<T>(path: string, init: {method?: string; body?: unknown} = {}): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = {'X-Requested-With': 'XMLHttpRequest'};
  if (method !== 'GET') headers['X-CSRF-Token'] = readCookie('MMCSRF');
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {method, headers, credentials: 'same-origin', ...(init.body !== undefined ? {body: JSON.stringify(init.body)} : {})});
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const e = (body ?? {}) as {message?: string; id?: string; detailed_error?: string};
    throw new ApiError(res.status, [e.message ?? `${method} ${path} failed with ${res.status}`, e.detailed_error].filter(Boolean).join(' — '), e.id ?? '');
  }
  return body as T;
}

export const SESSION_COOKIE = 'MMAUTHTOKEN';

/** Switching user is logging in as them: the cookie names the user. */
export function switchUser(username: string): void {
  document.cookie = username ? `${SESSION_COOKIE}=${encodeURIComponent(username)}; Path=/; SameSite=Lax` : `${SESSION_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax`;
}
