import type {Readable} from 'node:stream';

/** Reads exactly n bytes; what follows stays buffered in the stream for the next reader. */
export function readExactly(stream: Readable, n: number, timeoutMs = 0): Promise<Buffer> {
  // Already there (the usual case): no listeners, no timer.
  if (!stream.destroyed) {
    const chunk = stream.read(n) as Buffer | null;
    if (chunk !== null) return chunk.length < n ? Promise.reject(new Error(`unexpected EOF: wanted ${n} bytes, got ${chunk.length}`)) : Promise.resolve(chunk);
  }
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const cleanup = (): void => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onError);
      if (timer) clearTimeout(timer);
    };
    const onReadable = (): void => {
      const chunk = stream.read(n) as Buffer | null;
      if (chunk === null) return;
      cleanup();
      if (chunk.length < n) reject(new Error(`unexpected EOF: wanted ${n} bytes, got ${chunk.length}`));
      else resolve(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      reject(new Error(`unexpected EOF: wanted ${n} bytes`));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    stream.on('readable', onReadable);
    stream.on('end', onEnd);
    stream.on('close', onEnd);
    stream.on('error', onError);
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timeout after ${timeoutMs} ms waiting for ${n} bytes`));
      }, timeoutMs);
      timer.unref();
    }
    onReadable();
  });
}
