// A small ustar writer for plugin bundles. Mattermost extracts only regular
// files and directories and takes each file's mode from its header, so the
// writer emits exactly those two types with explicit modes, independent of how
// the local `tar` binary treats owners, symlinks or umask.
import {createReadStream, createWriteStream} from 'node:fs';
import {lstat, readdir, rename, rm} from 'node:fs/promises';
import {join, posix} from 'node:path';
import {Readable} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import {createGzip} from 'node:zlib';

const BLOCK = 512;
// GNU and BSD tar pad archives to 20 blocks; some readers warn otherwise.
const RECORD = BLOCK * 20;

/** 2000-01-01T00:00:00Z: any fixed value makes identical inputs give identical archives. */
export const DEFAULT_MTIME = 946684800;

function defaultMtime() {
  const epoch = Number(process.env.SOURCE_DATE_EPOCH);
  return Number.isInteger(epoch) && epoch >= 0 ? epoch : DEFAULT_MTIME;
}

function checkPath(path) {
  if (path === '' || path.startsWith('/') || path.endsWith('/') || path.includes('\\')) {
    throw new Error(`invalid archive path ${JSON.stringify(path)}`);
  }
  for (const part of path.split('/')) {
    if (part === '' || part === '.' || part === '..') throw new Error(`invalid archive path ${JSON.stringify(path)}`);
  }
}

/**
 * ustar keeps long paths as prefix (155 bytes) + "/" + name (100 bytes).
 * Returns undefined when no split fits, in which case a pax header carries the path.
 */
export function splitUstarPath(path) {
  if (!/^[\x20-\x7e]*$/.test(path)) return undefined;
  if (path.length <= 100) return {prefix: '', name: path};
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (prefix.length > 155) break;
    if (name.length <= 100 && name !== '' && name !== '/') return {prefix, name};
  }
  return undefined;
}

function writeString(buf, offset, length, value) {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) throw new Error(`tar header field too long: ${value}`);
  bytes.copy(buf, offset);
}

function writeOctal(buf, offset, length, value) {
  const text = value.toString(8).padStart(length - 1, '0');
  if (text.length > length - 1) throw new Error(`tar header value too large: ${value}`);
  writeString(buf, offset, length, `${text}\0`);
}

function header({name, prefix = '', mode, size, mtime, type}) {
  const buf = Buffer.alloc(BLOCK);
  writeString(buf, 0, 100, name);
  writeOctal(buf, 100, 8, mode);
  writeOctal(buf, 108, 8, 0);
  writeOctal(buf, 116, 8, 0);
  writeOctal(buf, 124, 12, size);
  writeOctal(buf, 136, 12, mtime);
  buf.fill(0x20, 148, 156);
  writeString(buf, 156, 1, type);
  writeString(buf, 257, 6, 'ustar\0');
  writeString(buf, 263, 2, '00');
  writeString(buf, 265, 32, 'root');
  writeString(buf, 297, 32, 'root');
  writeString(buf, 345, 155, prefix);
  let sum = 0;
  for (const byte of buf) sum += byte;
  writeString(buf, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return buf;
}

function paxRecord(key, value) {
  const body = ` ${key}=${value}\n`;
  const bodyLength = Buffer.byteLength(body);
  // The length prefix counts its own digits.
  let length = bodyLength + 1;
  while (String(length).length + bodyLength !== length) length = String(length).length + bodyLength;
  return `${length}${body}`;
}

function padding(size) {
  const rest = size % BLOCK;
  return rest === 0 ? null : Buffer.alloc(BLOCK - rest);
}

function* headersFor(path, type, mode, size, mtime) {
  const fullName = type === '5' ? `${path}/` : path;
  const split = splitUstarPath(fullName);
  if (split) {
    yield header({...split, mode, size, mtime, type});
    return;
  }
  const records = Buffer.from(paxRecord('path', fullName), 'utf8');
  const base = posix.basename(path).replace(/[^\x20-\x7e]/g, '_').slice(0, 80);
  yield header({name: `PaxHeader/${base}`, mode: 0o644, size: records.length, mtime, type: 'x'});
  yield records;
  const pad = padding(records.length);
  if (pad) yield pad;
  // Readers without pax support still get a usable, if truncated, name.
  const fallback = fullName.replace(/[^\x20-\x7e]/g, '_').slice(-100).replace(/^\/+/, '');
  yield header({name: fallback, mode, size, mtime, type});
}

/**
 * @param {ReadonlyArray<import('./tar.d.mts').TarEntry>} input
 * @returns {import('./tar.d.mts').TarEntry[]}
 */
function withParents(input) {
  const byPath = new Map();
  for (const entry of input) {
    checkPath(entry.path);
    if (byPath.has(entry.path)) throw new Error(`duplicate archive path ${entry.path}`);
    byPath.set(entry.path, entry);
  }
  for (const entry of input) {
    const parts = entry.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const existing = byPath.get(dir);
      if (existing && existing.type !== 'dir') throw new Error(`${dir} is both a file and a directory`);
      if (!existing) byPath.set(dir, {path: dir, type: 'dir'});
    }
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function* archiveStream(entries, mtime) {
  let written = 0;
  const emit = (buf) => {
    written += buf.length;
    return buf;
  };
  for (const entry of entries) {
    if (entry.type === 'dir') {
      for (const part of headersFor(entry.path, '5', entry.mode ?? 0o755, 0, mtime)) yield emit(part);
      continue;
    }
    let size;
    let mode = entry.mode;
    if ('data' in entry && entry.data !== undefined) {
      size = entry.data.length;
      mode ??= 0o644;
    } else {
      const st = await lstat(entry.source);
      if (!st.isFile()) throw new Error(`${entry.source} is not a regular file`);
      size = st.size;
      // Only the exec bit is taken from disk, so a different umask gives the same archive.
      mode ??= st.mode & 0o111 ? 0o755 : 0o644;
    }
    for (const part of headersFor(entry.path, '0', mode, size, mtime)) yield emit(part);
    if ('data' in entry && entry.data !== undefined) {
      if (entry.data.length > 0) yield emit(Buffer.from(entry.data));
    } else {
      let read = 0;
      for await (const chunk of createReadStream(entry.source)) {
        read += chunk.length;
        if (read > size) break;
        yield emit(chunk);
      }
      if (read !== size) throw new Error(`${entry.source} changed size while it was archived`);
    }
    const pad = padding(size);
    if (pad) yield emit(pad);
  }
  const end = BLOCK * 2;
  const total = written + end;
  yield Buffer.alloc(end + (total % RECORD === 0 ? 0 : RECORD - (total % RECORD)));
}

/**
 * Writes a gzip-compressed ustar archive. Parent directories are added automatically,
 * entries are sorted, and the file appears atomically once complete.
 * @param {string} outFile
 * @param {ReadonlyArray<import('./tar.d.mts').TarEntry>} entries
 * @param {import('./tar.d.mts').TarOptions} [options]
 */
export async function writeTarGz(outFile, entries, options = {}) {
  const mtime = options.mtime ?? defaultMtime();
  const level = options.level ?? 9;
  const all = withParents(entries);
  const tmp = `${outFile}.${process.pid}.tmp`;
  try {
    await pipeline(Readable.from(archiveStream(all, mtime)), createGzip({level}), createWriteStream(tmp));
    await rename(tmp, outFile);
  } catch (err) {
    await rm(tmp, {force: true});
    throw err;
  }
  return all.map((e) => e.path);
}

/**
 * Lists a directory tree as archive entries under `archiveDir`.
 * Symlinks are refused: Mattermost would drop them on install, so the plugin would break silently.
 * @param {string} sourceDir
 * @param {string} archiveDir
 * @returns {Promise<import('./tar.d.mts').TarEntry[]>}
 */
export async function listTree(sourceDir, archiveDir) {
  const out = [{path: archiveDir, type: 'dir'}];
  const walk = async (dir, prefix) => {
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      const source = join(dir, name);
      const path = `${prefix}/${name}`;
      const st = await lstat(source);
      if (st.isSymbolicLink()) {
        throw new Error(`${source} is a symlink; Mattermost skips symlinks when it installs a plugin, so copy the file instead`);
      } else if (st.isDirectory()) {
        out.push({path, type: 'dir'});
        await walk(source, path);
      } else if (st.isFile()) {
        out.push({path, type: 'file', source});
      } else {
        throw new Error(`${source} is neither a regular file nor a directory`);
      }
    }
  };
  await walk(sourceDir, archiveDir);
  return out;
}
