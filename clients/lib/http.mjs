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
        let buf = raw;
        try {
          const enc = (res.headers['content-encoding'] || '').trim();
          if (enc === 'gzip') buf = zlib.gunzipSync(raw);
          else if (enc === 'br') buf = zlib.brotliDecompressSync(raw);
          else if (enc === 'deflate') buf = zlib.inflateSync(raw);
        } catch (e) {
          return fail(new Error(`${method} ${url}: cannot decode the body: ${e.message}`));
        }
        const text = buf.toString('utf8');
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        ok({ status: res.statusCode, headers: res.headers, raw, body: buf, text, json });
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
