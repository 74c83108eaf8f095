// Plugin side of go-plugin's netrpc transport (server.go, rpc_server.go).
//
// Listen on a unix socket, print the handshake line, accept the host's connection
// and run a yamux server on it. The host opens three streams in order: control
// (net/rpc services Control and Dispenser), then the plugin's stdout and stderr.
// Every later stream is a MuxBroker stream. Dispense(name) allocates a broker id,
// replies with it, then accepts that id and serves the plugin as service `Plugin`.

import {randomBytes} from 'node:crypto';
import {rmSync} from 'node:fs';
import {createServer, type Server, type Socket} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {t} from '../gob/index.js';
import {emptyStruct, RpcServer, type Service} from '../netrpc/index.js';
import {YamuxSession, type YamuxStream} from '../yamux/index.js';
import {MuxBroker} from './broker.js';
import {formatHandshake, MATTERMOST_HANDSHAKE, negotiateVersion, NOT_A_PLUGIN_MESSAGE, type HandshakeConfig} from './handshake.js';
import {HclogLogger, type Logger} from './log.js';

export interface ServeConfig {
  handshake?: HandshakeConfig;
  /** Dispensable plugins by name; each gets the broker to dial or accept extra streams. */
  plugins: Record<string, (broker: MuxBroker) => Service>;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** Where the handshake line goes (stdout in production). */
  writeHandshake?: (line: string) => void;
  /** Called once the host has gone (Quit or connection closed). Default: process.exit(0). */
  onExit?: (reason: string) => void;
  keepAliveMs?: number;
}

export interface ServingPlugin {
  socketPath: string;
  broker: Promise<MuxBroker>;
  close(reason?: string): void;
}

export function serve(config: ServeConfig): ServingPlugin | null {
  const env = config.env ?? process.env;
  const hs = config.handshake ?? MATTERMOST_HANDSHAKE;
  const logger = config.logger ?? new HclogLogger();
  if (env[hs.magicCookieKey] !== hs.magicCookieValue) {
    process.stderr.write(NOT_A_PLUGIN_MESSAGE);
    (config.onExit ?? (() => process.exit(1)))('not launched as a plugin');
    return null;
  }
  const version = negotiateVersion(hs.protocolVersion, env);
  if (version === null) {
    logger.error('no compatible plugin protocol version', {offered: env.PLUGIN_PROTOCOL_VERSIONS ?? ''});
    (config.onExit ?? (() => process.exit(1)))('incompatible protocol version');
    return null;
  }
  // Go: os.CreateTemp(dir, "plugin") then listen at that name.
  const dir = env.PLUGIN_UNIX_SOCKET_DIR || tmpdir();
  const socketPath = join(dir, `plugin${BigInt('0x' + randomBytes(4).toString('hex'))}`);
  let exited = false;
  let server: Server | null = null;
  let session: YamuxSession | null = null;
  const exit = (reason: string): void => {
    if (exited) return;
    exited = true;
    server?.close();
    try {
      rmSync(socketPath, {force: true});
    } catch {
      // best effort
    }
    session?.close();
    (config.onExit ?? (() => process.exit(0)))(reason);
  };

  let resolveBroker!: (b: MuxBroker) => void;
  const brokerReady = new Promise<MuxBroker>((r) => (resolveBroker = r));

  server = createServer((conn: Socket) => {
    if (session) {
      conn.destroy(); // one host per plugin process
      return;
    }
    server?.close();
    rmSync(socketPath, {force: true});
    session = new YamuxSession(conn, {role: 'server', keepAliveMs: config.keepAliveMs ?? 30_000});
    const broker = new MuxBroker(session);
    resolveBroker(broker);
    const control = new RpcServer()
      .register('Control', {
        Ping: {reply: emptyStruct, handle: () => ({})},
        Quit: {
          reply: emptyStruct,
          handle: () => {
            // Reply first, then leave: the host waits up to 2 s before SIGKILL.
            setTimeout(() => exit('quit'), 20).unref();
            return {};
          },
        },
      })
      .register('Dispenser', {
        Dispense: {
          reply: t.uint,
          handle: (name: unknown) => {
            const factory = typeof name === 'string' && Object.hasOwn(config.plugins, name) ? config.plugins[name] : undefined;
            if (!factory) throw new Error(`unknown plugin type: ${String(name)}`);
            const id = broker.nextId();
            broker.accept(id).then(
              (stream) => new RpcServer().register('Plugin', factory(broker)).serve(stream, {onError: (err) => logger.error('plugin stream failed', {error: err.message})}),
              (err: Error) => logger.error('dispense: accept failed', {error: err.message}),
            );
            return id;
          },
        },
      });
    let accepted = 0;
    session.on('stream', (stream: YamuxStream) => {
      accepted++;
      if (accepted === 1) control.serve(stream, {onError: (err) => logger.error('control stream failed', {error: err.message})});
      else if (accepted <= 3) stream.resume(); // stdout/stderr: we log through the real stderr instead
      else void broker.incoming(stream);
    });
    session.on('close', (err?: Error) => {
      broker.close();
      if (err) logger.debug('connection to host closed', {error: err.message});
      exit('host connection closed');
    });
  });
  server.on('error', (err) => {
    logger.error('plugin listener failed', {error: err.message});
    exit('listener failed');
  });
  server.listen(socketPath, () => {
    (config.writeHandshake ?? ((line) => process.stdout.write(line)))(formatHandshake(version, 'unix', socketPath));
  });
  return {socketPath, broker: brokerReady, close: (reason = 'closed') => exit(reason)};
}
