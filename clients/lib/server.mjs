// Starts a private Hub389 server for a test run: a fresh SQLite file in a temporary
// directory, a free port on 127.0.0.1, its own keys, demo data. Node built-ins only, so the
// headless-Chromium check (scripts/graphiql-check.sh) can use it without `npm ci`.

import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { request } from './http.mjs';

const execFileP = promisify(execFile);

/** The repository root (clients/lib/../..), wherever the checkout is. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `HUB389_BIN` (relative paths are taken from the current directory) or the debug build. */
export function serverBinary() {
  return process.env.HUB389_BIN
    ? resolve(process.env.HUB389_BIN)
    : join(REPO_ROOT, 'target', 'debug', 'hub389');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/** The binary may be mid-rebuild (cargo replaces it): wait for it a while before giving up. */
async function waitForBinary(bin, seconds) {
  const until = Date.now() + seconds * 1000;
  while (!existsSync(bin)) {
    if (Date.now() > until) {
      throw new Error(
        `no server binary at ${bin}: build it (cargo build -p api) or point HUB389_BIN at one`,
      );
    }
    await sleep(500);
  }
}

/**
 * Starts the server and waits until `GET /readyz` answers 200.
 * Returns { url, port, env, dir, token(role, agency?, commune?), stop(), logTail() }.
 */
export async function startServer({
  corsOrigins = 'http://allowed.example',
  readyTimeoutS = 120,
  // `HUB389_TRUSTED_DOCUMENTS_ONLY`: the server's default (the press and callers without a
  // token run registered documents only) unless a suite asks otherwise. The contract suite opens
  // it ('none') because it checks what every role's client meets with ad-hoc documents;
  // trusted.test.mjs checks the default with Apollo's persisted-query link.
  trustedOnly,
} = {}) {
  const bin = serverBinary();
  await waitForBinary(bin, Number(process.env.HUB389_BIN_WAIT || 120));

  const dir = mkdtempSync(join(tmpdir(), 'hub389-clients-'));
  const port = await freePort();
  // The parent's configuration must not leak in (a CI job may set HUB389_* for other steps).
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('HUB389_') && k !== 'DATABASE_URL'),
  );
  Object.assign(env, {
    DATABASE_URL: `sqlite://${join(dir, 'hub.db')}?mode=rwc`,
    HUB389_BIND: `127.0.0.1:${port}`,
    HUB389_JWT_SECRET: randomBytes(33).toString('base64url'), // 44 characters
    HUB389_DATA_KEY: randomBytes(32).toString('base64'),
    HUB389_CORS_ORIGINS: corsOrigins,
    HUB389_SHUTDOWN_GRACE: '5s',
    ...(trustedOnly === undefined ? {} : { HUB389_TRUSTED_DOCUMENTS_ONLY: trustedOnly }),
    RUST_LOG: process.env.RUST_LOG || 'info',
  });

  const logPath = join(dir, 'server.log');
  const logFd = openSync(logPath, 'a');
  const child = spawn(bin, [], { env, cwd: dir, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  let exited = null;
  const exitP = new Promise((r) =>
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      r(exited);
    }),
  );
  // Never leave a server behind, even when the test process dies on an exception.
  const killOnExit = () => {
    if (!exited) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  const logTail = (n = 40) => {
    try {
      return readFileSync(logPath, 'utf8')
        .replace(/\x1b\[[0-9;]*m/g, '')
        .trimEnd()
        .split('\n')
        .slice(-n)
        .join('\n');
    } catch {
      return '(no log)';
    }
  };

  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + readyTimeoutS * 1000;
  let last = 'no answer';
  for (;;) {
    if (exited) {
      process.off('exit', killOnExit);
      throw new Error(`server exited during start-up (${JSON.stringify(exited)}):\n${logTail()}`);
    }
    try {
      const r = await request('GET', `${url}/readyz`);
      if (r.status === 200) break;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = e.code || e.message;
    }
    if (Date.now() > until) {
      child.kill('SIGKILL');
      process.off('exit', killOnExit);
      throw new Error(`server not ready after ${readyTimeoutS}s (last: ${last}):\n${logTail()}`);
    }
    await sleep(200);
  }

  const tokens = new Map();
  /**
   * A JWT minted by `hub389 token` with the server's own key (cached per role); `ttl` (e.g.
   * `'2s'`, `hub389 token --ttl`) mints a fresh short-lived one instead of the default 8 h.
   */
  async function token(role, agency, commune, { ttl } = {}) {
    const key = [role, agency, commune, ttl ?? ''].join('/');
    if (ttl !== undefined || !tokens.has(key)) {
      const args = ['token', '--role', role];
      if (agency) args.push('--agency', agency);
      if (commune) args.push('--commune', commune);
      if (ttl !== undefined) args.push('--ttl', ttl);
      const { stdout } = await execFileP(bin, args, { env, cwd: dir });
      const jwt = stdout.trim();
      if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(jwt)) {
        throw new Error(`\`hub389 ${args.join(' ')}\` printed no JWT: ${JSON.stringify(stdout)}`);
      }
      tokens.set(key, jwt);
    }
    return tokens.get(key);
  }

  async function stop() {
    if (!exited) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15000);
      await exitP;
      clearTimeout(t);
    }
    process.off('exit', killOnExit);
    if (!process.env.HUB389_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
    return exited;
  }

  return { url, port, env, dir, bin, token, stop, logTail };
}
