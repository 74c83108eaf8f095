// The echo peer protocol that yamuxcheck drives (see its main.go), on our yamux.
import type {YamuxSession, YamuxStream} from '../../server/wire/yamux/index.js';
import {pattern, sleep} from '../support/net.js';

function readLine(s: YamuxStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onReadable = (): void => {
      for (let chunk = s.read() as Buffer | null; chunk !== null; chunk = s.read() as Buffer | null) {
        buf = Buffer.concat([buf, chunk]);
        const nl = buf.indexOf(10);
        if (nl >= 0) {
          s.off('readable', onReadable);
          s.off('error', reject);
          const rest = buf.subarray(nl + 1);
          if (rest.length) s.unshift(rest);
          resolve(buf.subarray(0, nl).toString());
          return;
        }
      }
    };
    s.on('readable', onReadable);
    s.on('error', reject);
  });
}

export function runEchoPeer(session: YamuxSession): void {
  let fins = 0;
  session.on('stream', async (s: YamuxStream) => {
    s.once('end', () => fins++);
    let line: string;
    try {
      line = await readLine(s);
    } catch {
      return;
    }
    const [cmd, ...args] = line.split(' ');
    switch (cmd) {
      case 'ECHO':
        s.pipe(s);
        break;
      case 'ECHO-SLOW':
        await sleep(Number(args[0]));
        s.pipe(s);
        break;
      case 'OPEN': {
        const n = Number(args[0]);
        const len = Number(args[1]);
        for (let i = 0; i < n; i++) {
          const o = session.open();
          o.resume();
          o.end(pattern(len));
        }
        s.resume();
        s.end('OK\n');
        break;
      }
      case 'FINCOUNT':
        s.resume();
        // The command stream's own FIN may not have arrived yet; count what we have seen.
        s.end(`${fins}\n`);
        break;
      case 'RESET':
        s.destroy(new Error('reset requested'));
        break;
      case 'GOAWAY':
        s.resume();
        await session.goAway();
        s.end();
        break;
      default:
        s.destroy(new Error(`unknown command ${line}`));
    }
  });
}
