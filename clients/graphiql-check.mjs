// GraphiQL in headless Chromium, driven over the Chrome DevTools Protocol (no npm packages:
// Node's WebSocket, `node --experimental-websocket` on Node 20). Run it through
// scripts/graphiql-check.sh, which explains the prerequisites.
//
//   node --experimental-websocket clients/graphiql-check.mjs [--out FILE.png] [--url URL --token JWT]
//
// Without --url it starts a private server like the contract test does (lib/server.mjs) and
// mints a police token. Then: load /graphql as a browser does, put the token into GraphiQL's
// headers editor, re-fetch the schema, open the Docs pane (schema loaded, not "Error fetching
// schema"), run `{ cases(first: 2) { totalCount nodes { code } } }`, save a screenshot, reload
// and check the header was persisted and sent with the introspection. Fails on script
// errors, CSP violations, and any request that leaves the server's origin.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { request } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

const QUERY = '{ cases(first: 2) { totalCount nodes { code } } }';

const { values: opts } = parseArgs({
  options: {
    out: { type: 'string', default: join(tmpdir(), 'hub389-graphiql.png') },
    url: { type: 'string' },
    token: { type: 'string' },
    chromium: { type: 'string', default: process.env.CHROMIUM || '' },
    timeout: { type: 'string', default: '60' },
  },
});
const TIMEOUT = Number(opts.timeout) * 1000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const say = (...a) => console.log('graphiql-check:', ...a);

if (typeof WebSocket !== 'function') {
  console.error('graphiql-check: this Node has no global WebSocket; run with `node --experimental-websocket` (Node 20) or Node ≥ 22');
  process.exit(2);
}

function findChromium() {
  const candidates = [opts.chromium, 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'].filter(Boolean);
  for (const c of candidates) {
    if (c.includes('/')) {
      if (existsSync(c)) return c;
      continue;
    }
    for (const dir of (process.env.PATH || '').split(':')) {
      if (dir && existsSync(join(dir, c))) return join(dir, c);
    }
  }
  return null;
}

/** A minimal CDP client over one page target. */
class Page {
  constructor(ws) {
    this.ws = ws;
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = [];
    ws.addEventListener('message', (ev) => {
      const msg = JSON.parse(typeof ev.data === 'string' ? ev.data : Buffer.from(ev.data).toString());
      if (msg.id && this.pending.has(msg.id)) {
        const { ok, fail, method } = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) fail(new Error(`${method}: ${msg.error.message}`));
        else ok(msg.result);
      } else if (msg.method) {
        for (const l of this.listeners) if (l.method === msg.method) l.fn(msg.params);
      }
    });
  }

  static async connect(url) {
    const ws = new WebSocket(url);
    await new Promise((ok, fail) => {
      ws.addEventListener('open', ok, { once: true });
      ws.addEventListener('error', () => fail(new Error(`cannot connect to ${url}`)), { once: true });
    });
    return new Page(ws);
  }

  send(method, params = {}) {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((ok, fail) => this.pending.set(id, { ok, fail, method }));
  }

  on(method, fn) {
    this.listeners.push({ method, fn });
  }

  once(method, timeout = TIMEOUT) {
    return new Promise((ok, fail) => {
      const t = setTimeout(() => fail(new Error(`no ${method} within ${timeout / 1000}s`)), timeout);
      const l = { method, fn: (p) => { clearTimeout(t); this.listeners.splice(this.listeners.indexOf(l), 1); ok(p); } };
      this.listeners.push(l);
    });
  }

  async eval(expression) {
    const r = await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) throw new Error(`in page: ${r.exceptionDetails.exception?.description || r.exceptionDetails.text}`);
    return r.result.value;
  }

  async waitFor(what, expression, timeout = TIMEOUT) {
    const until = Date.now() + timeout;
    for (;;) {
      const v = await this.eval(expression).catch(() => undefined);
      if (v) return v;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  }
}

async function main() {
  const chromium = findChromium();
  if (!chromium) {
    console.error('graphiql-check: no Chromium found. On Debian: apt-get install -y chromium (or set CHROMIUM=/path/to/chrome)');
    process.exit(2);
  }

  let server;
  let base = opts.url?.replace(/\/+$/, '');
  let token = opts.token;
  if (!base) {
    say('starting a server…');
    server = await startServer();
    base = server.url;
    say(`server on ${base}`);
  }
  if (!token) {
    if (!server) throw new Error('--url needs --token (a police token for that server)');
    token = await server.token('police', 'CA');
  }
  const origin = new URL(base).origin;

  const profile = mkdtempSync(join(tmpdir(), 'hub389-chromium-'));
  const args = [
    '--headless=new',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-extensions',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--mute-audio',
    '--hide-scrollbars',
    '--window-size=1440,900',
    `--user-data-dir=${profile}`,
    '--remote-debugging-port=0',
    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
    'about:blank',
  ];
  const browser = spawn(chromium, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let browserErr = '';
  browser.stderr.on('data', (d) => (browserErr += d));

  const problems = [];
  const notes = [];
  const cspSeen = new Map(); // violation text → count
  const requests = []; // every request the page made
  const statuses = new Map(); // requestId → HTTP status
  let page;
  try {
    // The DevTools port Chromium chose.
    const portFile = join(profile, 'DevToolsActivePort');
    const until = Date.now() + 30000;
    while (!existsSync(portFile) || !readFileSync(portFile, 'utf8').includes('\n')) {
      if (browser.exitCode !== null || Date.now() > until) throw new Error(`Chromium did not start:\n${browserErr.slice(-2000)}`);
      await sleep(100);
    }
    const port = readFileSync(portFile, 'utf8').split('\n')[0].trim();
    const targets = (await request('GET', `http://127.0.0.1:${port}/json/list`)).json;
    const target = targets.find((t) => t.type === 'page');
    page = await Page.connect(target.webSocketDebuggerUrl);

    // Everything the page does, for the verdict.
    page.on('Network.requestWillBeSent', (p) => requests.push({ id: p.requestId, url: p.request.url, method: p.request.method, headers: p.request.headers, postData: p.request.postData }));
    page.on('Network.responseReceived', (p) => statuses.set(p.requestId, p.response.status));
    page.on('Runtime.exceptionThrown', (p) => problems.push(`page exception: ${p.exceptionDetails.exception?.description || p.exceptionDetails.text}`));
    page.on('Runtime.consoleAPICalled', (p) => {
      const text = p.args.map((a) => a.value ?? a.description ?? '').join(' ');
      if (p.type === 'error' || p.type === 'warning') notes.push(`console.${p.type}: ${text.slice(0, 300)}`);
    });
    page.on('Log.entryAdded', ({ entry }) => {
      if (/Content Security Policy|Refused to/i.test(entry.text)) {
        // One line per kind of violation (the bundled fonts alone would give dozens).
        const text = entry.text.replace(/'data:[^']{40,}'/g, "'data:…'").replace(/\s+/g, ' ');
        const kind = text.slice(0, 240);
        cspSeen.set(kind, (cspSeen.get(kind) || 0) + 1);
      }
      else if (entry.level === 'error' && !/favicon\.ico/.test(entry.url || '')) notes.push(`log: ${entry.text.slice(0, 200)} ${entry.url || ''}`);
    });
    await page.send('Network.enable');
    await page.send('Runtime.enable');
    await page.send('Log.enable');
    await page.send('Page.enable');
    await page.send('Emulation.setDeviceMetricsOverride', { width: 1440, height: 900, deviceScaleFactor: 1, mobile: false });

    const introspections = () =>
      requests.filter((r) => r.method === 'POST' && r.url === `${origin}/graphql` && /IntrospectionQuery/.test(r.postData || ''));
    const authOf = (r) => Object.entries(r.headers).find(([k]) => k.toLowerCase() === 'authorization')?.[1];

    // 1. The page, as a browser asks for it (Accept: text/html…).
    say(`loading ${base}/graphql`);
    const loaded = page.once('Page.loadEventFired');
    await page.send('Page.navigate', { url: `${base}/graphql` });
    await loaded;
    await page.waitFor('GraphiQL to render (.graphiql-container)', `!!document.querySelector('.graphiql-container')`).catch(async (e) => {
      const text = await page.eval('document.body && document.body.innerText.slice(0, 300)');
      throw new Error(`${e.message}; the page says: ${JSON.stringify(text)}`);
    });

    // 2. The token into the headers editor (as a user pastes it), then re-fetch the schema.
    say('setting the Authorization header in the headers editor');
    await page.waitFor('the headers editor', `[...document.querySelectorAll('.CodeMirror')].some(e => e.CodeMirror && /Authorization/.test(e.CodeMirror.getValue()))`);
    const headersText = JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2);
    await page.eval(`(() => {
      const cm = [...document.querySelectorAll('.CodeMirror')].map(e => e.CodeMirror).find(c => c && /Authorization/.test(c.getValue()));
      cm.setValue(${JSON.stringify(headersText)});
      return true;
    })()`);
    await sleep(700); // GraphiQL debounces editor changes before storing them
    const before = introspections().length;
    await page.eval(`document.querySelector('button[aria-label="Re-fetch GraphQL schema"]').click(), true`);
    {
      const until2 = Date.now() + TIMEOUT;
      while (introspections().length === before) {
        if (Date.now() > until2) throw new Error('re-fetching the schema sent no introspection request');
        await sleep(100);
      }
    }
    const intro = introspections().at(-1);
    if (authOf(intro) !== `Bearer ${token}`) problems.push(`the introspection request carried Authorization ${JSON.stringify(authOf(intro))}, not the token set in the editor`);

    // 3. Docs: schema loaded, no "Error fetching schema".
    say('opening the Docs pane');
    await page.eval(`(() => { const b = document.querySelector('button[aria-label="Show Documentation Explorer"]'); if (b) b.click(); return true; })()`);
    const docs = await page.waitFor(
      'the Docs pane to show the schema or an error',
      `(() => { const d = document.querySelector('.graphiql-doc-explorer'); if (!d) return null;
         const t = d.innerText; if (/Error fetching schema|error/i.test(d.querySelector('.graphiql-doc-explorer-error')?.innerText || '')) return 'ERROR: ' + t;
         return /Root Types/i.test(t) ? t : null; })()`,
    );
    if (docs.startsWith('ERROR: ')) {
      problems.push(`Docs pane: ${docs.slice(7, 400).replace(/\s+/g, ' ')}`);
    } else {
      // Into the query type: the police sees `cases` (and, being police, `Case.subjects` later).
      await page.eval(`(() => { const a = [...document.querySelectorAll('.graphiql-doc-explorer a, .graphiql-doc-explorer .graphiql-doc-explorer-type-name')].find(a => /^Query(Root)?$/.test(a.innerText.trim())); if (a) a.click(); return true; })()`);
      const fields = await page.waitFor('the query type\'s fields in Docs', `(() => { const t = document.querySelector('.graphiql-doc-explorer')?.innerText || ''; return /\\bcases\\b/.test(t) && /Fields/i.test(t) ? t : null; })()`).catch(() => null);
      if (!fields) problems.push('Docs pane: the query type shows no `cases` field');
      else say('Docs pane shows the schema (query type with `cases`)');
    }

    // 4. Run the query.
    say(`running ${QUERY}`);
    await page.eval(`(() => {
      const cm = document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror;
      cm.setValue(${JSON.stringify(QUERY)});
      return true;
    })()`);
    await sleep(300);
    await page.eval(`document.querySelector('.graphiql-execute-button').click(), true`);
    const resultText = await page.waitFor(
      'a result in the response pane',
      `(() => { const e = document.querySelector('.result-window .CodeMirror'); const v = e && e.CodeMirror.getValue(); return v && v.trim().startsWith('{') ? v : null; })()`,
    );
    let result;
    try {
      result = JSON.parse(resultText);
    } catch {
      problems.push(`the response pane is not JSON: ${resultText.slice(0, 200)}`);
    }
    if (result) {
      if (result.errors) problems.push(`the query answered errors: ${JSON.stringify(result.errors).slice(0, 300)}`);
      const nodes = result.data?.cases?.nodes;
      if (!Array.isArray(nodes) || nodes.length !== 2 || typeof result.data.cases.totalCount !== 'number') {
        problems.push(`unexpected result: ${resultText.slice(0, 300)}`);
      } else {
        say(`result: totalCount ${result.data.cases.totalCount}, codes ${nodes.map((n) => n.code).join(', ')}`);
      }
    }
    const run = requests.filter((r) => r.method === 'POST' && r.url === `${origin}/graphql` && (r.postData || '').includes('cases(first: 2)')).at(-1);
    if (!run) problems.push('no POST /graphql for the query was seen');
    else if (authOf(run) !== `Bearer ${token}`) problems.push(`the query went without the token (Authorization ${JSON.stringify(authOf(run))})`);

    // 5. The screenshot: GraphiQL with Docs open and the result.
    await sleep(500);
    const shot = await page.send('Page.captureScreenshot', { format: 'png' });
    const out = resolve(opts.out);
    writeFileSync(out, Buffer.from(shot.data, 'base64'));
    say(`screenshot: ${out}`);

    // 6. Persisted headers: after a reload the introspection carries the token by itself.
    const n = introspections().length;
    const reloaded = page.once('Page.loadEventFired');
    await page.send('Page.reload', { ignoreCache: true });
    await reloaded;
    {
      const until3 = Date.now() + TIMEOUT;
      while (introspections().length === n) {
        if (Date.now() > until3) throw new Error('no introspection after reload');
        await sleep(100);
      }
    }
    const afterReload = introspections().at(-1);
    if (authOf(afterReload) !== `Bearer ${token}`) problems.push(`after a reload the introspection carried Authorization ${JSON.stringify(authOf(afterReload))} (headers not persisted?)`);
  } catch (e) {
    problems.push(e.message);
    if (page) {
      try {
        const shot = await page.send('Page.captureScreenshot', { format: 'png' });
        writeFileSync(resolve(opts.out), Buffer.from(shot.data, 'base64'));
        say(`screenshot (of the failure): ${resolve(opts.out)}`);
      } catch {}
    }
  } finally {
    try {
      page?.ws.close();
    } catch {}
    browser.kill('SIGTERM');
    await new Promise((r) => (browser.exitCode !== null ? r() : browser.on('exit', r)));
    if (server) await server.stop();
    try {
      // Chromium's helpers may still be writing to the profile for a moment after it exits.
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    } catch (e) {
      notes.push(`left ${profile} behind: ${e.message}`);
    }
  }

  // Nothing may leave the server's origin (no CDN, no fonts from the internet), nothing may fail.
  const foreign = requests.filter((r) => !/^(data|blob|about|chrome):/.test(r.url) && new URL(r.url).origin !== origin);
  for (const r of foreign) problems.push(`request to another origin: ${r.url}`);
  if (requests.length && !foreign.length) notes.push(`${requests.length} requests, all to ${origin}`);
  for (const [id, status] of statuses) {
    const url = requests.find((r) => r.id === id)?.url || '';
    if (status >= 400 && !/favicon\.ico$/.test(url)) problems.push(`HTTP ${status} for ${url}`);
  }
  for (const [kind, count] of cspSeen) problems.push(`CSP${count > 1 ? ` (${count}×)` : ''}: ${kind}`);
  for (const n of notes) say(`note: ${n}`);
  if (problems.length) {
    console.error(`graphiql-check: FAILED\n  - ${problems.join('\n  - ')}`);
    process.exit(1);
  }
  say('OK: GraphiQL loaded the schema with the token, showed the Docs and ran the query');
}

main().catch((e) => {
  console.error(`graphiql-check: ${e.stack || e.message}`);
  process.exit(1);
});
