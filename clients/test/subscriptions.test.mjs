// Live updates as frontends meet them: subscriptions over the websocket on GET /graphql
// (`graphql-transport-ws`), driven by the real `graphql-ws` client (on `ws`, Node 20 has no
// global WebSocket) and by Apollo Client's GraphQLWsLink. One server for the file; cases are
// created with POST /graphql by `officer --agency BDBP` in DONG_DANG.
//
//   1. graphql-ws: a police subscriber hears of a case created through HTTP
//   2. Apollo Client + GraphQLWsLink: the same, through client.subscribe; a refused selection is
//      an ApolloError with the server's GraphQL errors
//   3. refused: a commune's selection of `subjects` is an `error` message (BAD_USER_INPUT) and the
//      connection goes on; a police subscriber's `customsRecords` of a BDBP case is null with
//      FORBIDDEN at its path, in the same `next` payload; every payload conforms
//   4. closures: no token → 4403; a token expiring in 2 s → 4403 "token expired"
//   5. a query over the socket is an error (BAD_USER_INPUT), not data
//
// A subscription starts listening a moment after `subscribe`: each test first creates
// "warm-up" cases until one arrives, then asserts on a case created afterwards, by its title.
// Every wait is bounded (WAIT_MS); nothing asserts on timing.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ApolloClient, InMemoryCache, gql as apolloGql } from '@apollo/client/core/index.js';
import { loadDevMessages, loadErrorMessages } from '@apollo/client/dev/index.js';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions/index.js';
import { buildClientSchema, getIntrospectionQuery } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

import { checkResponse } from '../lib/conformance.mjs';
import { startServer } from '../lib/server.mjs';

loadDevMessages();
loadErrorMessages();

/** The bound of every wait: a test fails (saying what it waited for) rather than hang. */
const WAIT_MS = 20000;
/** How long one warm-up round listens for its case before writing the next one. */
const WARM_ROUND_MS = 500;

const POLICE = { role: 'police', agency: 'CA' };
const COMMUNE = { role: 'commune', agency: 'UBND_DONG_DANG', commune: 'DONG_DANG' };
const WRITER = { role: 'officer', agency: 'BDBP' }; // leads the cases it creates

const CREATE = 'mutation($input: NewCaseInput!) { createCase(input: $input) { id code } }';
const newCase = (title) => ({
  title,
  violationType: 'SMUGGLING',
  commodityGroup: 'FROZEN_FOOD',
  channel: 'BORDER_TRAIL',
  commune: 'DONG_DANG',
  detectedOn: '2026-11-20',
  goodsSummary: '1,2 tấn chân gà đông lạnh không rõ nguồn gốc',
  fineAmount: 45000000,
  goodsValue: 120000000,
});

let server;
let wsUrl;
const schemas = new Map(); // role → the viewer's client schema (its introspection)
const clients = []; // every graphql-ws client made, disposed at the end
let titleSeq = 0;

const tokenOf = (v, opts) => server.token(v.role, v.agency, v.commune, opts);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** POST /graphql as `viewer`; fails on HTTP or GraphQL errors. */
async function post(viewer, query, variables) {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${await tokenOf(viewer)}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  assert.ok(res.status === 200 && !body.errors, `POST as ${viewer.role}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 400)}`);
  return body.data;
}

/** Creates a case (as WRITER) with a title unique to this run; returns { title, code }. */
async function createCase(label) {
  const title = `${label} #${++titleSeq}`;
  const data = await post(WRITER, CREATE, { input: newCase(title) });
  return { title, code: data.createCase.code };
}

/** A `ws` WebSocket that writes every frame it sends and receives into `wire` (for failures). */
function recordingWebSocket(wire) {
  return class RecordingWebSocket extends WebSocket {
    constructor(...args) {
      super(...args);
      this.on('message', (data) => wire.push(`< ${data}`));
      this.on('close', (code, reason) => wire.push(`< close ${code} ${JSON.stringify(String(reason))}`));
    }
    send(data, ...rest) {
      wire.push(`> ${data}`);
      return super.send(data, ...rest);
    }
  };
}

/**
 * A graphql-ws client as a frontend makes it: `connectionParams: { Authorization: 'Bearer …' }`
 * (none without a token), no retries (a closure is what some tests check).
 * Returns { client, wire, closed: Promise<CloseEvent>, connected: Promise }.
 */
function wsClient(token, options = {}) {
  const wire = [];
  let onClosed;
  let onConnected;
  const closed = new Promise((r) => (onClosed = r));
  const connected = new Promise((r) => (onConnected = r));
  const client = createClient({
    url: wsUrl,
    webSocketImpl: recordingWebSocket(wire),
    ...(token ? { connectionParams: { Authorization: `Bearer ${token}` } } : {}),
    retryAttempts: 0,
    shouldRetry: () => false,
    on: { closed: (event) => onClosed(event), connected: () => onConnected() },
    ...options,
  });
  clients.push(client);
  return { client, wire, closed, connected };
}

const showWire = (wire) => `\n  wire (> sent, < received):\n    ${wire.slice(-12).map((l) => l.slice(0, 400)).join('\n    ')}`;

/** Resolves `promise` or fails after WAIT_MS saying what was awaited. */
async function within(promise, what, wire) {
  let timer;
  const timeout = new Promise((_, fail) => {
    timer = setTimeout(() => fail(new Error(`no ${what} within ${WAIT_MS / 1000} s${wire ? showWire(wire) : ''}`)), WAIT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A subscription's sink as a queue of { next: payload } | { error } | { complete: true };
 * `take(ms)` resolves the next item, or `undefined` after `ms`.
 */
function sinkQueue() {
  const items = [];
  const waiting = [];
  const push = (item) => (waiting.length ? waiting.shift()(item) : items.push(item));
  return {
    sink: {
      next: (value) => push({ next: value }),
      error: (error) => push({ error }),
      complete: () => push({ complete: true }),
    },
    take(ms) {
      if (items.length) return Promise.resolve(items.shift());
      return new Promise((resolve) => {
        const waiter = (item) => {
          clearTimeout(timer);
          resolve(item);
        };
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(waiter), 1);
          resolve(undefined);
        }, ms);
        waiting.push(waiter);
      });
    },
  };
}

/** One subscription through a graphql-ws client, as a {@link sinkQueue}. */
function subscribe(client, payload) {
  const queue = sinkQueue();
  const unsubscribe = client.subscribe(payload, queue.sink);
  return { unsubscribe, take: queue.take };
}

const describeItem = (item) => JSON.stringify(item?.error instanceof Object && 'code' in item.error ? { close: item.error.code, reason: item.error.reason } : item)?.slice(0, 500);

/**
 * Writes warm-up cases until `take` delivers one (from then on the subscription listens), then
 * creates the case under test and resolves the delivery that carries its title (warm-ups that
 * arrive late are skipped). `take(ms)` gives the next item or undefined; `title(item)` reads
 * the delivered title. Returns { created, item, skipped }.
 */
async function hearOfNewCase(take, title, wire) {
  const until = Date.now() + WAIT_MS;
  const warm = new Set();
  let first;
  while (!first) {
    assert.ok(Date.now() < until, `the subscription never delivered a warm-up case (${warm.size} written)${showWire(wire)}`);
    warm.add((await createCase('Khởi động')).title);
    first = await take(WARM_ROUND_MS);
  }
  assert.ok(warm.has(title(first)), `the first delivery is not a warm-up case: ${describeItem(first)}${showWire(wire)}`);
  const created = await createCase('Vụ theo dõi');
  const skipped = [first];
  for (;;) {
    const left = until + WAIT_MS - Date.now();
    assert.ok(left > 0, `the case "${created.title}" was never delivered${showWire(wire)}`);
    const item = await take(left);
    assert.ok(item, `the case "${created.title}" was not delivered within ${WAIT_MS / 1000} s${showWire(wire)}`);
    const t = title(item);
    if (t === created.title) return { created, item, skipped };
    assert.ok(warm.has(t), `an unexpected delivery before "${created.title}": ${describeItem(item)}${showWire(wire)}`);
    skipped.push(item);
  }
}

/**
 * A client that keeps its socket open with no operation left (a lazy one closes it itself,
 * with 1000), for the tests that check an operation's `error` leaves the connection up.
 */
function eagerClient(token) {
  const ws = wsClient(token, { lazy: false });
  let closedEarly;
  ws.closed.then((e) => (closedEarly = e));
  const assertStillOpen = () =>
    assert.equal(closedEarly, undefined, `the socket closed: ${closedEarly?.code} ${closedEarly?.reason}`);
  return { ...ws, assertStillOpen };
}

/** The title of the case a `caseChanged` item carries. */
const caseTitle = (item) => item.next.data?.caseChanged?.title;

/**
 * hearOfNewCase on a graphql-ws subscription to `caseChanged { title … }` whose every item
 * must be a `next`; `why` says what else it could be mistaken for.
 */
function hearOfNewCaseOn(sub, wire, why = '') {
  const take = async (ms) => {
    const item = await sub.take(ms);
    if (item) assert.ok(item.next, `expected \`next\`${why}, got ${describeItem(item)}${showWire(wire)}`);
    return item;
  };
  return hearOfNewCase(take, caseTitle, wire);
}

/** Checks a `next` payload against the viewer's client schema (lib/conformance.mjs). */
function assertConforms(viewer, query, payload, wire) {
  const problems = checkResponse(schemas.get(viewer.role), { query }, payload);
  assert.deepEqual(problems, [], `the payload does not conform to ${viewer.role}'s client schema: ${JSON.stringify(payload).slice(0, 400)}${showWire(wire)}`);
}

/** graphql-ws hands an `error` message's payload to the sink: a list of GraphQL errors. */
function assertErrorMessage(item, code, wire) {
  assert.ok(item, `no answer within ${WAIT_MS / 1000} s${showWire(wire)}`);
  assert.ok(item.error, `expected the sink's error (an \`error\` message), got ${describeItem(item)}${showWire(wire)}`);
  assert.ok(Array.isArray(item.error), `the sink's error is not a list of GraphQL errors (a closure?): ${describeItem(item)}${showWire(wire)}`);
  assert.ok(item.error.length > 0, `an empty error list${showWire(wire)}`);
  assert.equal(item.error[0].extensions?.code, code, `${JSON.stringify(item.error)}${showWire(wire)}`);
  assert.equal(typeof item.error[0].message, 'string');
}

// ---------------------------------------------------------------------------------------------

describe('live updates with graphql-ws and Apollo GraphQLWsLink', { concurrency: false }, () => {
  before(async () => {
    server = await startServer({ trustedOnly: 'none' });
    wsUrl = `${server.url.replace(/^http/, 'ws')}/graphql`;
    for (const viewer of [POLICE, COMMUNE]) {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenOf(viewer)}` },
        body: JSON.stringify({ query: getIntrospectionQuery() }),
      });
      schemas.set(viewer.role, buildClientSchema((await res.json()).data));
    }
  });

  after(async () => {
    await Promise.allSettled(clients.map((c) => c.dispose()));
    if (server) await server.stop();
  });

  it('1. graphql-ws: a police subscriber hears of a case created through POST /graphql', { timeout: 3 * WAIT_MS }, async () => {
    const { client, wire } = wsClient(await tokenOf(POLICE));
    const query = 'subscription { caseChanged { code title } }';
    const sub = subscribe(client, { query });
    try {
      const { created, item, skipped } = await hearOfNewCaseOn(sub, wire);
      assert.deepEqual(item.next, { data: { caseChanged: { code: created.code, title: created.title } } }, showWire(wire));
      for (const i of [...skipped, item]) assertConforms(POLICE, query, i.next, wire);
    } finally {
      sub.unsubscribe();
    }
  });

  it('2. Apollo Client + GraphQLWsLink: client.subscribe hears of a case created through POST /graphql', { timeout: 3 * WAIT_MS }, async () => {
    const { client: wsc, wire } = wsClient(await tokenOf(POLICE));
    const apollo = new ApolloClient({ link: new GraphQLWsLink(wsc), cache: new InMemoryCache() });
    const logged = [];
    const saved = {};
    for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
      saved[level] = console[level];
      console[level] = (...args) => logged.push(`console.${level}: ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`);
    }
    const { sink, take } = sinkQueue();
    let sub;
    try {
      sub = apollo
        .subscribe({ query: apolloGql`subscription CaseFeed { caseChanged { code title } }` })
        .subscribe(sink);
      const checked = async (ms) => {
        const item = await take(ms);
        if (item) assert.ok(item.next, `Apollo's observable gave ${item.error ? `an error: ${item.error.message}` : 'complete'}${showWire(wire)}`);
        return item;
      };
      const { created, item } = await hearOfNewCase(checked, caseTitle, wire);
      assert.equal(item.next.data.caseChanged.code, created.code);
      assert.equal(item.next.data.caseChanged.__typename, 'Case', 'InMemoryCache added __typename to the selection');
      assert.ok(!item.next.errors, JSON.stringify(item.next.errors));
      // What Apollo sent: the document after InMemoryCache's transform, over graphql-transport-ws.
      const subscribeMsg = wire.map((l) => l.startsWith('> ') && JSON.parse(l.slice(2))).find((m) => m?.type === 'subscribe');
      assert.equal(subscribeMsg.payload.operationName, 'CaseFeed');
    } finally {
      sub?.unsubscribe();
      apollo.stop();
      Object.assign(console, saved);
    }
    assert.deepEqual(logged, [], `Apollo Client logged:\n  ${logged.join('\n  ')}`);
  });

  it('2. Apollo Client + GraphQLWsLink: a refused selection is an ApolloError with graphQLErrors BAD_USER_INPUT', { timeout: 2 * WAIT_MS }, async () => {
    // GraphQLWsLink (Apollo 3.14) tells an `error` message from a failed socket by comparing
    // with the global `WebSocket.CLOSED`; Node 20 has no global WebSocket, so without one the
    // link reports "ReferenceError: WebSocket is not defined" instead of the GraphQL errors.
    // A Node client sets it (browsers and Node >= 22 have it).
    const hadGlobal = 'WebSocket' in globalThis;
    if (!hadGlobal) globalThis.WebSocket = WebSocket;
    const { client: wsc, wire } = wsClient(await tokenOf(COMMUNE));
    const apollo = new ApolloClient({ link: new GraphQLWsLink(wsc), cache: new InMemoryCache() });
    let sub;
    try {
      const outcome = await within(
        new Promise((resolve) => {
          sub = apollo
            .subscribe({ query: apolloGql`subscription Refused { caseChanged { code subjects { fullName } } }` })
            .subscribe({ next: (r) => resolve({ next: r }), error: (e) => resolve({ error: e }) });
        }),
        'answer',
        wire,
      );
      assert.ok(outcome.error, `Apollo delivered data: ${JSON.stringify(outcome.next)}${showWire(wire)}`);
      assert.equal(outcome.error.constructor.name, 'ApolloError', `${outcome.error.stack}${showWire(wire)}`);
      assert.equal(outcome.error.graphQLErrors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `${JSON.stringify(outcome.error.graphQLErrors)}${showWire(wire)}`);
    } finally {
      sub?.unsubscribe();
      apollo.stop();
      if (!hadGlobal) delete globalThis.WebSocket;
    }
  });

  it('3. a commune selecting `subjects` gets an `error` message (BAD_USER_INPUT); the connection goes on', { timeout: 3 * WAIT_MS }, async () => {
    const { client, wire, assertStillOpen } = eagerClient(await tokenOf(COMMUNE));
    const refused = subscribe(client, { query: 'subscription { caseChanged { code subjects { fullName } } }' });
    assertErrorMessage(await refused.take(WAIT_MS), 'BAD_USER_INPUT', wire);
    // graphql-ws: `error` ends that operation, nothing follows it (no `complete`, no `next`).
    const query = 'subscription { caseChanged { code title } }';
    const sub = subscribe(client, { query });
    try {
      const { item } = await hearOfNewCaseOn(sub, wire);
      assertConforms(COMMUNE, query, item.next, wire);
      assert.equal(await refused.take(0), undefined, 'the refused operation received something after its `error`');
      assertStillOpen();
    } finally {
      sub.unsubscribe();
    }
  });

  it('3. police reading customsRecords of a BDBP case: null, FORBIDDEN at its path, in the same `next`', { timeout: 3 * WAIT_MS }, async () => {
    const { client, wire } = wsClient(await tokenOf(POLICE));
    const query = 'subscription { caseChanged { title customsRecords { declarationNumber } } }';
    const sub = subscribe(client, { query });
    try {
      const { created, item, skipped } = await hearOfNewCaseOn(sub, wire, ' (a field error is not an `error` message)');
      for (const i of [...skipped, item]) {
        const p = i.next;
        assert.equal(p.data?.caseChanged?.customsRecords, null, JSON.stringify(p));
        assert.ok('customsRecords' in p.data.caseChanged, `customsRecords is missing, not null: ${JSON.stringify(p)}`);
        const e = p.errors?.find((x) => JSON.stringify(x.path) === JSON.stringify(['caseChanged', 'customsRecords']));
        assert.equal(e?.extensions?.code, 'FORBIDDEN', `no FORBIDDEN error at caseChanged.customsRecords: ${JSON.stringify(p)}`);
        assertConforms(POLICE, query, p, wire);
      }
      assert.equal(item.next.data.caseChanged.title, created.title);
    } finally {
      sub.unsubscribe();
    }
  });

  it('4. without a token the socket closes with 4403', { timeout: 2 * WAIT_MS }, async () => {
    const { client, wire, closed } = wsClient(null);
    const sub = subscribe(client, { query: 'subscription { caseChanged { code } }' });
    const event = await within(closed, 'closure', wire);
    assert.equal(event.code, 4403, `closed with ${event.code} ${JSON.stringify(event.reason)}${showWire(wire)}`);
    // The subscription's sink is told too: graphql-ws passes the CloseEvent to `error`.
    const item = await sub.take(WAIT_MS);
    assert.equal(item?.error?.code, 4403, `the sink got ${describeItem(item)}${showWire(wire)}`);
    assert.ok(!wire.some((l) => l.includes('"connection_ack"')), `the connection was acknowledged${showWire(wire)}`);
  });

  it('4. a token expiring in 2 s: the socket closes with 4403 "token expired"', { timeout: 2 * WAIT_MS }, async () => {
    const token = await tokenOf(POLICE, { ttl: '2s' });
    const { client, wire, closed, connected } = wsClient(token);
    const sub = subscribe(client, { query: 'subscription { caseChanged { code } }' });
    await within(connected, 'connection_ack', wire);
    const event = await within(closed, 'closure', wire);
    assert.equal(event.code, 4403, `closed with ${event.code} ${JSON.stringify(event.reason)}${showWire(wire)}`);
    assert.equal(event.reason, 'token expired', showWire(wire));
    let item;
    do item = await sub.take(WAIT_MS);
    while (item?.next); // a case another test wrote may still arrive first
    assert.equal(item?.error?.code, 4403, `the sink got ${describeItem(item)}${showWire(wire)}`);
  });

  it('5. a query (and a mutation) over the socket is an `error` message with BAD_USER_INPUT, not data', { timeout: 2 * WAIT_MS }, async () => {
    const { client, wire, assertStillOpen } = eagerClient(await tokenOf(POLICE));
    const q = subscribe(client, { query: '{ cases(first: 1) { totalCount } }' });
    assertErrorMessage(await q.take(WAIT_MS), 'BAD_USER_INPUT', wire);
    const m = subscribe(client, { query: CREATE, variables: { input: newCase('Không qua socket') } });
    assertErrorMessage(await m.take(WAIT_MS), 'BAD_USER_INPUT', wire);
    await sleep(100);
    assert.equal(await q.take(0), undefined, 'the query received something after its `error`');
    assertStillOpen();
    const found = await post(POLICE, '{ cases(first: 1, search: "Không qua socket") { totalCount } }');
    assert.equal(found.cases.totalCount, 0, 'the mutation sent over the socket ran');
  });
});
