// A tiny method + path router with :params.

import type {IncomingMessage, ServerResponse} from 'node:http';

export type Handler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>, url: URL) => Promise<void> | void;

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({method, parts: pattern.split('/').filter(Boolean), handler});
    return this;
  }

  /** The handler for a request, or 'method' when only the method is wrong, or null. */
  match(method: string, pathname: string): {handler: Handler; params: Record<string, string>} | 'method' | null {
    const parts = pathname.split('/').filter(Boolean);
    let wrongMethod = false;
    for (const route of this.routes) {
      if (route.parts.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const want = route.parts[i]!;
        if (want.startsWith(':')) {
          try {
            params[want.slice(1)] = decodeURIComponent(parts[i]!);
          } catch {
            ok = false;
          }
        } else ok = want === parts[i];
      }
      if (!ok) continue;
      if (route.method !== method && !(route.method === 'GET' && method === 'HEAD')) {
        wrongMethod = true;
        continue;
      }
      return {handler: route.handler, params};
    }
    return wrongMethod ? 'method' : null;
  }
}
