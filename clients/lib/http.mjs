// Raw HTTP with node:http: exact headers in and out (fetch would add or hide some, e.g.
// it decompresses bodies and forbids nothing we need, but we want to see the wire).

import http from 'node:http';
import zlib from 'node:zlib';

/**
 * request(method, url, { headers, body }) → { status, headers, raw, text, json }
 * `headers` of the answer are lower-cased; `text` is the decoded body (gzip/br/deflate
 * undone), `json` the parsed body or undefined.
 */
export function request(method, url, { headers = {}, body } = {}) {
  return new Promise((ok, fail) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', fail);
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        let buf;
        try {
          buf = decodeBody(raw, res.headers['content-encoding']);
        } catch (e) {
          return fail(new Error(`${method} ${url}: cannot decode the body: ${e.message}`));
        }
        const text = buf.toString('utf8');
        ok({ status: res.statusCode, headers: res.headers, raw, body: buf, text, json: parseJson(text) });
      });
    });
    req.setTimeout(60000, () => req.destroy(new Error(`${method} ${url}: no answer in 60 s`)));
    req.on('error', fail);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** The media type of a content-type header, lower-cased, without parameters. */
export function mediaType(headers) {
  return (headers['content-type'] || '').split(';')[0].trim().toLowerCase();
}

/** Undoes a body's Content-Encoding (gzip, br, deflate; anything else is left as it is). Throws
 * when the body is not what the header says. */
export function decodeBody(buf, contentEncoding) {
  const enc = (contentEncoding || '').trim();
  if (enc === 'gzip') return zlib.gunzipSync(buf);
  if (enc === 'br') return zlib.brotliDecompressSync(buf);
  if (enc === 'deflate') return zlib.inflateSync(buf);
  return buf;
}

/** The text parsed as JSON, or undefined when it is not JSON. */
export function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
