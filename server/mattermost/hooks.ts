// The `Plugin` net/rpc service the host calls for hooks (server/public/plugin/
// client_rpc.go and client_rpc_generated.go). Only hooks the plugin implements are
// listed by Implemented, so the host never calls the others.

import {Readable} from 'node:stream';
import {GoInterface, t} from '../wire/gob/index.js';
import {brokerAck, type MuxBroker} from '../wire/goplugin/index.js';
import {RpcClient, type Method, type Service} from '../wire/netrpc/index.js';
import {AppError, type PluginAPI} from './api.js';
import {buildRequest, declaredLength, RemoteBody, RpcResponse, sendJSON, type HTTPRequestSubset, type PluginRequest, type PluginResponse} from './http.js';
import {appErrorType, commandResponseType, errorStringType, type CommandArgs, type CommandResponse, type Context, type PluginClusterEvent, type Post} from './model.js';
import {RpcPluginAPI} from './rpc-api.js';

/** What a plugin implements. Every method is optional; only present ones are announced. */
export interface PluginHooks {
  /** Receives the API before any other hook (Go's plugin.MattermostPlugin.SetAPI). */
  setAPI(api: PluginAPI): void;
  onActivate?(): Promise<void>;
  onDeactivate?(): Promise<void>;
  onConfigurationChange?(): Promise<void>;
  messageHasBeenPosted?(ctx: Context, post: Post): Promise<void>;
  messageHasBeenUpdated?(ctx: Context, newPost: Post, oldPost: Post): Promise<void>;
  serveHTTP?(ctx: Context, req: PluginRequest, res: PluginResponse): Promise<void>;
  executeCommand?(ctx: Context, args: CommandArgs): Promise<CommandResponse>;
  onPluginClusterEvent?(ctx: Context, event: PluginClusterEvent): Promise<void>;
}

const HOOK_NAMES: [keyof PluginHooks, string][] = [
  ['onActivate', 'OnActivate'],
  ['onDeactivate', 'OnDeactivate'],
  ['onConfigurationChange', 'OnConfigurationChange'],
  ['messageHasBeenPosted', 'MessageHasBeenPosted'],
  ['messageHasBeenUpdated', 'MessageHasBeenUpdated'],
  ['serveHTTP', 'ServeHTTP'],
  ['executeCommand', 'ExecuteCommand'],
  ['onPluginClusterEvent', 'OnPluginClusterEvent'],
];

const errorReturns = (name: string) => t.struct(`Z_${name}Returns`, {A: t.interface});
const emptyReturns = (name: string) => t.struct(`Z_${name}Returns`, {});

/** A Go `error` value as Mattermost's encodableError sends it. */
export function encodableError(err: unknown): GoInterface | null {
  if (err === null || err === undefined) return null;
  if (err instanceof AppError) {
    return new GoInterface('*model.AppError', appErrorType, {
      Id: err.id,
      Message: err.message,
      DetailedError: err.detailedError,
      RequestId: err.requestId,
      StatusCode: err.statusCode,
      Where: err.where,
    });
  }
  return new GoInterface('*plugin.ErrorString', errorStringType, {Err: err instanceof Error ? err.message : String(err)});
}

export interface HooksOptions {
  onError?: (where: string, err: unknown) => void;
  /** Called with the API client once OnActivate has dialled it. */
  onAPI?: (api: RpcPluginAPI, client: RpcClient) => void;
}

export function hooksService(plugin: PluginHooks, broker: MuxBroker, options: HooksOptions = {}): Service {
  const report = (where: string, err: unknown): void => options.onError?.(where, err);
  const implemented = HOOK_NAMES.filter(([method]) => typeof plugin[method] === 'function').map(([, name]) => name);
  // OnActivate is always called by the host, implemented or not.
  if (!implemented.includes('OnActivate')) implemented.unshift('OnActivate');

  const run = async (where: string, fn: () => Promise<unknown>): Promise<GoInterface | null> => {
    try {
      await fn();
      return null;
    } catch (err) {
      report(where, err);
      return encodableError(err);
    }
  };

  const service: Record<string, Method> = {
    Implemented: {reply: t.slice(t.string), handle: () => implemented},

    OnActivate: {
      reply: errorReturns('OnActivate'),
      handle: async (raw: unknown) => {
        const {APIMuxId = 0, DriverMuxId = 0} = (raw ?? {}) as {APIMuxId?: number; DriverMuxId?: number};
        try {
          const apiClient = new RpcClient(await broker.dial(APIMuxId));
          // The database driver proxy is unused, but the host waits for the dial.
          if (DriverMuxId) await broker.dial(DriverMuxId).catch((err: unknown) => report('OnActivate: driver dial', err));
          const api = new RpcPluginAPI(apiClient);
          options.onAPI?.(api, apiClient);
          plugin.setAPI(api);
        } catch (err) {
          report('OnActivate', err);
          return {A: encodableError(err)};
        }
        if (plugin.onConfigurationChange) {
          // Like Go plugins: a failing configuration is logged, activation continues.
          const err = await run('OnConfigurationChange', () => plugin.onConfigurationChange!());
          if (err) process.stderr.write(`[ERROR] call to OnConfigurationChange failed, error: ${String((err.value as {Err?: string; Message?: string}).Err ?? (err.value as {Message?: string}).Message)}\n`);
        }
        return {A: plugin.onActivate ? await run('OnActivate', () => plugin.onActivate!()) : null};
      },
    },
  };

  if (plugin.onDeactivate) {
    service.OnDeactivate = {reply: errorReturns('OnDeactivate'), handle: async () => ({A: await run('OnDeactivate', () => plugin.onDeactivate!())})};
  }
  if (plugin.onConfigurationChange) {
    service.OnConfigurationChange = {reply: errorReturns('OnConfigurationChange'), handle: async () => ({A: await run('OnConfigurationChange', () => plugin.onConfigurationChange!())})};
  }
  if (plugin.messageHasBeenPosted) {
    service.MessageHasBeenPosted = {
      reply: emptyReturns('MessageHasBeenPosted'),
      handle: async (raw: unknown) => {
        const {A = {}, B = {}} = (raw ?? {}) as {A?: Context; B?: Post};
        await run('MessageHasBeenPosted', () => plugin.messageHasBeenPosted!(A, B));
        return {};
      },
    };
  }
  if (plugin.messageHasBeenUpdated) {
    service.MessageHasBeenUpdated = {
      reply: emptyReturns('MessageHasBeenUpdated'),
      handle: async (raw: unknown) => {
        const {A = {}, B = {}, C = {}} = (raw ?? {}) as {A?: Context; B?: Post; C?: Post};
        await run('MessageHasBeenUpdated', () => plugin.messageHasBeenUpdated!(A, B, C));
        return {};
      },
    };
  }
  if (plugin.executeCommand) {
    service.ExecuteCommand = {
      reply: t.struct('Z_ExecuteCommandReturns', {A: commandResponseType, B: appErrorType}),
      handle: async (raw: unknown) => {
        const {A = {}, B = {}} = (raw ?? {}) as {A?: Context; B?: CommandArgs};
        try {
          return {A: await plugin.executeCommand!(A, B)};
        } catch (err) {
          report('ExecuteCommand', err);
          const e = err instanceof AppError ? err : new AppError({id: 'plugin.execute_command', message: String(err instanceof Error ? err.message : err), statusCode: 500});
          return {B: {Id: e.id, Message: e.message, DetailedError: e.detailedError, StatusCode: e.statusCode, Where: e.where}};
        }
      },
    };
  }
  if (plugin.onPluginClusterEvent) {
    service.OnPluginClusterEvent = {
      reply: emptyReturns('OnPluginClusterEvent'),
      handle: async (raw: unknown) => {
        const {A = {}, B = {Id: ''}} = (raw ?? {}) as {A?: Context; B?: PluginClusterEvent};
        await run('OnPluginClusterEvent', () => plugin.onPluginClusterEvent!(A, B));
        return {};
      },
    };
  }
  if (plugin.serveHTTP) {
    service.ServeHTTP = {reply: t.struct('', {}), handle: (raw: unknown) => serveHTTP(plugin, broker, raw, report)};
  }
  return service;
}

interface ServeHTTPArgs {
  ResponseWriterStream?: number;
  Request?: HTTPRequestSubset;
  Context?: Context;
  RequestBodyStream?: number;
}

async function serveHTTP(plugin: PluginHooks, broker: MuxBroker, raw: unknown, report: (where: string, err: unknown) => void): Promise<object> {
  const args = (raw ?? {}) as ServeHTTPArgs;
  // Both streams are opened at once, and neither waits for the host's ack: the
  // response writer's first call and the body request travel with the stream ids
  // (see MuxBroker.open), and the acks are checked when the replies arrive.
  const rwId = args.ResponseWriterStream ?? 0;
  const rwClient = new RpcClient(broker.open(rwId), {expectPrefix: brokerAck(rwId)});
  let body: Readable;
  if (args.RequestBodyStream) {
    const expected = declaredLength(args.Request?.Header);
    body = new RemoteBody(broker.open(args.RequestBodyStream, RemoteBody.request(expected)), brokerAck(args.RequestBodyStream), expected);
  } else {
    body = Readable.from([]);
  }
  const req = buildRequest(args.Request ?? {}, args.Context ?? {}, body);
  const res = new RpcResponse(rwClient);
  try {
    await plugin.serveHTTP!(args.Context ?? {}, req, res);
    await res.end();
  } catch (err) {
    report(`ServeHTTP ${req.method} ${req.path}`, err);
    if (!res.headersSent) {
      const status = err instanceof AppError ? err.statusCode : 500;
      await sendJSON(res, status, {id: err instanceof AppError ? err.id : 'plugin.internal', message: err instanceof AppError ? err.message : 'An internal error occurred.', status_code: status}).catch(() => undefined);
    } else {
      await res.end().catch(() => undefined);
    }
  } finally {
    await res.flushed();
    // A body read to its end has closed its stream already; one left unread is reset.
    if (!body.readableEnded) body.destroy();
    rwClient.close();
  }
  return {};
}
