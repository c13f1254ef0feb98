// The checks of contract.test.mjs have teeth: the response checker flags each kind of
// non-conformance, and Apollo's "Missing field" warning is really caught. No server needed.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

import { buildSchema } from 'graphql';

import { checkResponse } from '../lib/conformance.mjs';

const require = createRequire(import.meta.url);

const schema = buildSchema(`
  type Query { cases(first: Int): CaseConnection! node(id: ID!): Node me: Me! }
  interface Node { id: ID! }
  type Me { role: String! }
  type CaseConnection { totalCount: Int! nodes: [Case!]! }
  type Case implements Node { id: ID! code: String! subjects: [Subject!] fineAmount: Vnd! detectedOn: NaiveDate! status: Status! }
  type Subject implements Node { id: ID! fullName: String! }
  enum Status { DETECTED VERIFYING }
  scalar Vnd
  scalar NaiveDate
`);

const Q = '{ cases(first: 1) { totalCount nodes { code subjects { fullName } } } }';
const forbidden = { message: 'no', path: ['cases', 'nodes', 0, 'subjects'], locations: [{ line: 1, column: 40 }], extensions: { code: 'FORBIDDEN' } };

describe('response checker', () => {
  it('accepts a conforming response with a refused field present and null', () => {
    const body = { data: { cases: { totalCount: 3, nodes: [{ code: 'VV-1', subjects: null }] } }, errors: [forbidden] };
    assert.deepEqual(checkResponse(schema, { query: Q }, body), []);
  });

  it('flags a refused field missing from the data (async-graphql #1549)', () => {
    const body = { data: { cases: { totalCount: 3, nodes: [{ code: 'VV-1' }] } }, errors: [forbidden] };
    const p = checkResponse(schema, { query: Q }, body);
    assert.ok(p.some((m) => m.includes('cases.nodes.0.subjects: selected but missing')), p.join('\n'));
    assert.ok(p.some((m) => m.includes('a refused field must be present and null')), p.join('\n'));
  });

  it('flags a node nulled inside a non-null list', () => {
    const body = { data: { cases: { totalCount: 3, nodes: [null] } }, errors: [forbidden] };
    const p = checkResponse(schema, { query: Q }, body);
    assert.ok(p.some((m) => m.includes('cases.nodes.0: null in a non-null position')), p.join('\n'));
  });

  it('flags keys out of selection order and keys not selected', () => {
    const body = { data: { cases: { nodes: [{ subjects: [], code: 'VV-1', extra: 1 }], totalCount: 3 } } };
    const p = checkResponse(schema, { query: Q }, body);
    assert.ok(p.some((m) => m.includes('keys out of selection order')), p.join('\n'));
    assert.ok(p.some((m) => m.includes('cases.nodes.0.extra: in the response but not selected')), p.join('\n'));
  });

  it('flags an error whose path holds a value, bad locations, a missing code, wrong scalars', () => {
    const body = {
      data: { cases: { totalCount: 1.5, nodes: [{ code: 'VV-1', subjects: [{ fullName: 'x' }] }] } },
      errors: [{ ...forbidden, locations: [{ line: 0, column: 0 }], extensions: {} }],
    };
    const p = checkResponse(schema, { query: Q }, body);
    assert.ok(p.some((m) => m.includes('but the data there is not null')), p.join('\n'));
    assert.ok(p.some((m) => m.includes('invalid locations')), p.join('\n'));
    assert.ok(p.some((m) => m.includes('has no extensions.code')), p.join('\n'));
    assert.ok(p.some((m) => m.includes('cases.totalCount: 1.5 is not a 32-bit integer')), p.join('\n'));
  });

  it('follows fragments, aliases, @skip/@include and abstract types', () => {
    const query = `query($withCode: Boolean!) {
      n: node(id: "1") { __typename id ... on Case { code @include(if: $withCode) ...F } }
      me { ...M }
    }
    fragment F on Case { status fineAmount detectedOn }
    fragment M on Me { role }`;
    const good = { data: { n: { __typename: 'Case', id: '1', code: 'VV-1', status: 'DETECTED', fineAmount: 90000000, detectedOn: '2026-01-02' }, me: { role: 'police' } } };
    assert.deepEqual(checkResponse(schema, { query, variables: { withCode: true } }, good), []);
    const skipped = structuredClone(good);
    delete skipped.data.n.code;
    assert.deepEqual(checkResponse(schema, { query, variables: { withCode: false } }, skipped), []);
    const p = checkResponse(schema, { query, variables: { withCode: false } }, good);
    assert.ok(p.some((m) => m.includes('n.code: in the response but not selected')), p.join('\n'));
    const badEnum = structuredClone(good);
    badEnum.data.n.status = 'CLOSED';
    assert.ok(checkResponse(schema, { query, variables: { withCode: true } }, badEnum).some((m) => m.includes('not a value of enum Status')));
  });

  it('accepts a request error without data, and flags data: null without errors', () => {
    assert.deepEqual(checkResponse(schema, { query: '{ cases(' }, { errors: [{ message: 'syntax', extensions: { code: 'BAD_USER_INPUT' } }] }), []);
    assert.ok(checkResponse(schema, { query: Q }, { data: null }).length > 0);
  });
});

describe('Apollo capture', () => {
  it('"Missing field" while writing a result reaches the console (so contract d would see it)', async () => {
    const { ApolloClient, InMemoryCache, ApolloLink, Observable, gql } = require('@apollo/client/core');
    const { loadDevMessages, loadErrorMessages } = require('@apollo/client/dev');
    loadDevMessages();
    loadErrorMessages();
    const link = new ApolloLink(() => Observable.of({ data: { me: { __typename: 'Me' } } }));
    const client = new ApolloClient({ link, cache: new InMemoryCache() });
    const logged = [];
    const saved = { warn: console.warn, error: console.error };
    console.warn = (...a) => logged.push(a.join(' '));
    console.error = (...a) => logged.push(a.join(' '));
    try {
      await client.query({ query: gql`{ me { role } }` }).catch(() => {});
    } finally {
      Object.assign(console, saved);
      client.stop();
    }
    assert.ok(logged.some((l) => l.includes('Missing field')), `nothing like "Missing field" was logged: ${JSON.stringify(logged)}`);
  });
});
