// A small path router for the plugin's HTTP surface: literal segments and
// {param} segments, 404 for unknown paths and 405 (with Allow) for known paths
// asked with the wrong method.

import type {PluginRequest, PluginResponse} from '../mattermost/http.js';
import type {Context} from '../mattermost/model.js';

export interface RouteContext {
  readonly ctx: Context;
  readonly req: PluginRequest;
  readonly res: PluginResponse;
  readonly params: Readonly<Record<string, string>>;
}

export type Handler = (c: RouteContext) => Promise<void>;

interface Route {
  method: string;
  segments: string[];
  handler: Handler;
}

export type RouteMiss = {kind: 'not_found'} | {kind: 'method'; allow: string[]};

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({method: method.toUpperCase(), segments: split(pattern), handler});
    return this;
  }

  get(pattern: string, handler: Handler): this {
    return this.add('GET', pattern, handler);
  }
  post(pattern: string, handler: Handler): this {
    return this.add('POST', pattern, handler);
  }
  put(pattern: string, handler: Handler): this {
    return this.add('PUT', pattern, handler);
  }
  delete(pattern: string, handler: Handler): this {
    return this.add('DELETE', pattern, handler);
  }

  /** Runs the matching handler, or says why none matched. */
  async dispatch(ctx: Context, req: PluginRequest, res: PluginResponse): Promise<RouteMiss | null> {
    const path = split(req.path);
    const allow: string[] = [];
    for (const route of this.routes) {
      const params = match(route.segments, path);
      if (!params) continue;
      if (route.method !== req.method) {
        allow.push(route.method);
        continue;
      }
      await route.handler({ctx, req, res, params});
      return null;
    }
    return allow.length > 0 ? {kind: 'method', allow} : {kind: 'not_found'};
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function match(pattern: string[], path: string[]): Record<string, string> | null {
  if (pattern.length !== path.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const v = path[i]!;
    if (p.startsWith('{') && p.endsWith('}')) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(v);
      } catch {
        return null;
      }
      params[p.slice(1, -1)] = decoded;
    } else if (p !== v) return null;
  }
  return params;
}
