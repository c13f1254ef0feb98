// Trusted documents as frontends meet them: the server's default policy
// (HUB389_TRUSTED_DOCUMENTS_ONLY unset = `press,anonymous`) lets the press and callers without a
// token run only the documents registered at start-up (../../api/documents/*.graphql, named by
// the SHA-256 of the file's bytes). Checked with Apollo Client's own persisted-query link.
//
//   1. the press, Apollo + createPersistedQueryLink with a build-time manifest: hash only, data
//   2. the press, Apollo without the link, an ad-hoc query: FORBIDDEN
//   3. no token, raw fetch: a registered document by hash (both formats) or by text runs; an
//      unknown hash is PersistedQueryNotFound; an ad-hoc query is FORBIDDEN
//   4. police, Apollo without the link: ad-hoc queries run

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { ApolloClient, ApolloError, HttpLink, InMemoryCache, gql } from '@apollo/client/core/index.js';
import { loadDevMessages, loadErrorMessages } from '@apollo/client/dev/index.js';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries/index.js';
import { print } from '@apollo/client/utilities/index.js';

import { REPO_ROOT, startServer } from '../lib/server.mjs';

loadDevMessages();
loadErrorMessages();

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/** The built-in documents: exact file text and its hash (what the server registers). */
const DOCUMENTS = Object.fromEntries(
  ['submit-tip', 'tip-status', 'published-cases', 'public-statistics'].map((name) => {
    const text = readFileSync(join(REPO_ROOT, 'api', 'documents', `${name}.graphql`), 'utf8');
    return [name, { text, hash: sha256(text), doc: gql(text) }];
  }),
);

/**
 * What a trusted-documents build step produces: each document, as the persisted-query link will
 * see it, mapped to the hash the server registered. The link hashes `print(operation.query)`,
 * and `operation.query` is the document after the cache's transforms (InMemoryCache adds
 * `__typename` to every selection set), so neither the file's bytes nor `print(gql(file))` are
 * what Apollo would hash by default: the key is the printed *transformed* document, the value the
 * hash of the file's bytes.
 */
function manifestFor(cache) {
  return Object.fromEntries(Object.values(DOCUMENTS).map((d) => [print(cache.transformDocument(d.doc)), d.hash]));
}

let server;

/** An Apollo client; `wire` receives each request body (parsed) and its HTTP status. */
function apollo({ token, persisted = false }) {
  const wire = [];
  const recordingFetch = async (uri, init) => {
    const res = await fetch(uri, init);
    wire.push({ method: init.method, body: init.body ? JSON.parse(init.body) : undefined, status: res.status });
    return res;
  };
  const cache = new InMemoryCache();
  const http = new HttpLink({
    uri: `${server.url}/graphql`,
    fetch: recordingFetch,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  let link = http;
  if (persisted) {
    const manifest = manifestFor(cache);
    link = createPersistedQueryLink({
      useGETForHashedQueries: false,
      generateHash: (doc) => {
        const hash = manifest[print(doc)];
        if (!hash) throw new Error(`not in the trusted-documents manifest:\n${print(doc)}`);
        return hash;
      },
    }).concat(http);
  }
  return { client: new ApolloClient({ link, cache }), wire };
}

/** A raw POST /graphql; returns { status, body }. */
async function post(body, token) {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    assert.fail(`HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
  }
  return { status: res.status, body: json };
}

const errorsOf = (body) => JSON.stringify(body?.errors ?? body);

/** Runs `fn`, which must reject with an ApolloError; returns its first GraphQL error. */
async function firstGraphQLError(fn) {
  let err;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err, 'the query succeeded; an error was expected');
  assert.ok(err instanceof ApolloError, `not an ApolloError: ${err?.stack ?? err}`);
  assert.ok(
    err.graphQLErrors?.length,
    `no graphQLErrors (networkError: ${err.networkError?.message} ${JSON.stringify(err.networkError?.result)})`,
  );
  return err.graphQLErrors[0];
}

describe('trusted documents (default policy: press and anonymous run registered documents only)', { concurrency: false }, () => {
  before(async () => {
    server = await startServer(); // no trustedOnly: the server's default policy
  });

  after(async () => {
    if (server) await server.stop();
  });

  it('1. press: Apollo persisted-query link with a manifest sends only the hash (POST) and gets publishedCases', { timeout: 60000 }, async () => {
    const token = await server.token('press', 'BAO_LS');
    const { client, wire } = apollo({ token, persisted: true });
    const logged = [];
    const saved = {};
    for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
      saved[level] = console[level];
      console[level] = (...args) => logged.push(`console.${level}: ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`);
    }
    let result;
    try {
      result = await client.query({ query: DOCUMENTS['published-cases'].doc, variables: { first: 5 } });
    } finally {
      client.stop();
      Object.assign(console, saved);
    }
    assert.ok(!result.errors?.length, `errors: ${JSON.stringify(result.errors)}`);
    const nodes = result.data?.publishedCases?.nodes;
    assert.ok(Array.isArray(nodes), `publishedCases.nodes is not an array: ${JSON.stringify(result.data)}`);
    assert.ok(nodes.length > 0, 'no published case in the demo data');
    assert.equal(typeof nodes[0].headline, 'string');

    assert.ok(wire.length >= 1, 'Apollo sent nothing');
    const first = wire[0];
    assert.equal(first.method, 'POST');
    assert.ok(!('query' in first.body), `the first request carries the document text: ${JSON.stringify(first.body).slice(0, 200)}`);
    assert.deepEqual(first.body.extensions?.persistedQuery, { version: 1, sha256Hash: DOCUMENTS['published-cases'].hash });
    assert.equal(wire.length, 1, `Apollo retried (the hash was not found?): ${JSON.stringify(wire).slice(0, 600)}`);
    assert.deepEqual(logged, [], `Apollo Client logged:\n  ${logged.join('\n  ')}`);
  });

  it('2. press: an ad-hoc query (plain HttpLink, no persisted-query link) is FORBIDDEN', { timeout: 60000 }, async () => {
    const token = await server.token('press', 'BAO_LS');
    const { client, wire } = apollo({ token });
    try {
      const e = await firstGraphQLError(() =>
        client.query({ query: gql`query AdHoc { publishedCases(first: 1) { totalCount } }` }),
      );
      assert.equal(e.extensions?.code, 'FORBIDDEN', JSON.stringify(e));
      assert.match(e.message, /registered documents/);
    } finally {
      client.stop();
    }
    assert.equal(wire.length, 1);
    assert.ok(wire[0].body.query, 'the ad-hoc query was sent as text');
  });

  it('3. no token: a registered document by hash or text runs; an unknown hash is PersistedQueryNotFound; ad hoc is FORBIDDEN', { timeout: 60000 }, async () => {
    const tip = DOCUMENTS['tip-status'];
    const variables = { trackingCode: 'TB-AAAA-BBBB-CCCC-DDDD' };
    // The document ran: the resolver answered that no tip has this (made-up) tracking code.
    for (const [label, body] of [
      ['persistedQuery.sha256Hash', { extensions: { persistedQuery: { version: 1, sha256Hash: tip.hash } }, variables }],
      ['documentId sha256:<hex>', { extensions: { documentId: `sha256:${tip.hash}` }, variables }],
      ['the full registered text', { query: tip.text, variables }],
    ]) {
      const res = await post(body);
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'NOT_FOUND', `${label}: HTTP ${res.status} ${errorsOf(res.body)}`);
      assert.deepEqual(res.body.errors[0].path, ['tipStatus'], `${label}: ${errorsOf(res.body)}`);
    }

    const unknown = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ __typename }') } }, variables });
    assert.equal(unknown.body.errors?.[0]?.message, 'PersistedQueryNotFound', errorsOf(unknown.body));
    assert.equal(unknown.body.errors[0].extensions?.code, 'BAD_USER_INPUT', errorsOf(unknown.body));
    assert.equal(unknown.body.data ?? null, null);

    const adHoc = await post({ query: '{ __typename }' });
    assert.equal(adHoc.body.errors?.[0]?.extensions?.code, 'FORBIDDEN', errorsOf(adHoc.body));
    assert.equal(adHoc.body.data ?? null, null);
  });

  it('4. police: an ad-hoc query runs', { timeout: 60000 }, async () => {
    const token = await server.token('police', 'CA');
    const { client } = apollo({ token });
    try {
      const result = await client.query({ query: gql`query Me { me { role } }` });
      assert.equal(result.data?.me?.role, 'POLICE', JSON.stringify(result));
    } finally {
      client.stop();
    }
  });
});
