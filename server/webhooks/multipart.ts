// Just enough multipart/form-data (RFC 7578) to read the text fields of an
// incoming webhook request; file parts are skipped.

export class MultipartError extends Error {
  override name = 'MultipartError';
}

export interface MultipartField {
  name: string;
  value: string;
  /** Set for file parts. */
  filename?: string;
}

function headerParam(header: string, param: string): string | undefined {
  const m = new RegExp(`;\\s*${param}\\*?=("((?:[^"\\\\]|\\\\.)*)"|[^;\\s]*)`, 'i').exec(header);
  if (!m) return undefined;
  return m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[1];
}

export function parseMultipart(body: Buffer, boundary: string): MultipartField[] {
  if (!boundary) throw new MultipartError('the multipart body has no boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new MultipartError('the multipart body does not contain its boundary');
  const fields: MultipartField[] = [];
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') return fields;
    // Skip transport padding and the line break after the delimiter.
    while (body[pos] === 0x20 || body[pos] === 0x09) pos++;
    if (body[pos] === 0x0d) pos++;
    if (body[pos] !== 0x0a) throw new MultipartError('malformed multipart delimiter line');
    pos++;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) throw new MultipartError('a multipart part has no end of headers');
    const headers = body.subarray(pos, headerEnd).toString('utf8').split('\r\n');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) throw new MultipartError('the multipart body is not terminated');
    const content = body.subarray(headerEnd + 4, next);
    const disposition = headers.find((h) => /^content-disposition:/i.test(h));
    const name = disposition ? headerParam(disposition, 'name') : undefined;
    if (name !== undefined) {
      const filename = disposition ? headerParam(disposition, 'filename') : undefined;
      fields.push(filename !== undefined ? {name, value: '', filename} : {name, value: content.toString('utf8')});
    }
    pos = next + 2;
  }
}
