// Hub389 as frontend tools meet it (issue 9). One server for the whole file; see ../README.md.
//
//   a. the full graphql-js introspection query, per viewer → buildClientSchema, visibility
//   b. the README's example operations validate against their viewer's client schema (and run)
//   c. every response received here conforms to its viewer's schema (lib/conformance.mjs)
//   d. Apollo Client InMemoryCache + relayStylePagination pages through every case
//   e. CORS
//   f. GraphQL over HTTP (status codes, media types, GET, batches, compression)
//   g. GraphiQL served from the server itself

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  parse,
  validate,
} from 'graphql';

import { checkResponse } from '../lib/conformance.mjs';
import { mediaType, request } from '../lib/http.mjs';
import { readReadme, tableExamples, walkthrough } from '../lib/readme.mjs';
import { REPO_ROOT, startServer } from '../lib/server.mjs';

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------
// Viewers

/** One viewer per role (the README's tokens); the README's other viewers are added (viewersToIntrospect). */
const VIEWERS = [
  { role: 'police', agency: 'CA' },
  { role: 'customs', agency: 'HQ' },
  { role: 'officer', agency: 'BDBP' },
  { role: 'leader' },
  { role: 'standing_office', agency: 'QLTT' },
  { role: 'commune', agency: 'UBND_DONG_DANG', commune: 'DONG_DANG' },
  { role: 'press', agency: 'BAO_LS' },
  { role: 'admin' },
  { role: null }, // no token
];
const POLICE = VIEWERS[0];

const viewerKey = (v) =>
  v.role === null
    ? 'no token'
    : [v.role, v.agency && `--agency ${v.agency}`, v.commune && `--commune ${v.commune}`]
        .filter(Boolean)
        .join(' ');

// What each role can ever read, from api/src/access.rs (`reach`, `tip_scope`, the `*_visible`
// functions): introspection must show a restricted type or field to exactly these roles.
const EVER = {
  police: ['police', 'customs', 'officer'],
  customs: ['police', 'customs', 'officer'],
  informant: ['police'],
  tips: ['leader', 'standing_office', 'police', 'customs', 'officer'],
  audit: ['admin'],
};
const VISIBILITY = [
  // [type, field or null for the type itself, who sees it]
  ['Case', 'subjects', EVER.police],
  ['Case', 'investigation', EVER.police],
  ['Case', 'customsRecords', EVER.customs],
  ['Subject', null, EVER.police],
  ['InvestigationRecord', null, EVER.police],
  ['CustomsRecord', null, EVER.customs],
  ['Tip', null, EVER.tips],
  ['Tip', 'reporterName', EVER.informant],
  ['Tip', 'reporterContact', EVER.informant],
  ['$Query', 'tips', EVER.tips],
  ['$Query', 'auditEvents', EVER.audit],
  ['AuditEvent', null, EVER.audit],
];
// The press must see nothing named after a restricted compartment or the audit log, except
// these (its own token subject, and counts that never say who).
const PRESS_PATTERN = /subject|investigation|customs|reporter|audit|hsCode|taxCode|idNumber|declaration|^tips?$/i;
const PRESS_ALLOWED = new Set(['Me.subject', 'StatisticsFigures.subjectCount', 'GroupFigures.subjectCount']);

// The full standard introspection query of graphql-js 16 with every option a spec-compliant
// server supports. Not `experimentalDirectiveDeprecation`: directive deprecation is not in
// the GraphQL spec (graphql-js calls it experimental) and async-graphql has no such field.
const INTROSPECTION_OPTIONS = {
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
  oneOf: true,
};
const INTROSPECTION_QUERY = getIntrospectionQuery(INTROSPECTION_OPTIONS);

const ACCEPT_GQL = 'application/graphql-response+json, application/json;q=0.9';

// ---------------------------------------------------------------------------------------------
// State shared by the tests

let server;
const schemas = new Map(); // viewerKey → GraphQLSchema built from that viewer's introspection
const introspectionFailures = new Map(); // viewerKey → why
const fullSchema = buildSchema(readFileSync(join(REPO_ROOT, 'schema.graphql'), 'utf8'));
const received = []; // every GraphQL response: { test, viewer, request, body, problems, against }
let currentTest = '(setup)';

function schemaFor(viewer) {
  const s = schemas.get(viewerKey(viewer));
  return s
    ? { schema: s, against: `${viewerKey(viewer)}'s client schema` }
    : { schema: fullSchema, against: `schema.graphql (no client schema for ${viewerKey(viewer)} yet)` };
}

function queryTypeName() {
  return (schemas.get(viewerKey(POLICE)) || fullSchema).getQueryType().name;
}

/** Records a GraphQL response and checks it (c). Returns the problems. */
function conform(viewer, req, body) {
  const { schema, against } = schemaFor(viewer);
  const problems = checkResponse(schema, req, body);
  received.push({ test: currentTest, viewer: viewerKey(viewer), request: req, body, problems, against });
  return problems;
}

async function tokenFor(viewer) {
  return viewer.role === null ? null : server.token(viewer.role, viewer.agency, viewer.commune);
}

/**
 * POST /graphql as `viewer`; the response is recorded and checked (c).
 * Returns { status, headers, body, problems }.
 */
async function gql(viewer, query, variables, { operationName, accept = ACCEPT_GQL, headers = {} } = {}) {
  const token = await tokenFor(viewer);
  const req = { query, ...(variables ? { variables } : {}), ...(operationName ? { operationName } : {}) };
  const res = await request('POST', `${server.url}/graphql`, {
    headers: {
      'content-type': 'application/json',
      accept,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify(req),
  });
  if (res.json === undefined) {
    throw new Error(`POST /graphql as ${viewerKey(viewer)}: HTTP ${res.status}, not JSON: ${res.text.slice(0, 300)}`);
  }
  let problems;
  if (Array.isArray(res.json)) {
    problems = ['one operation was answered with a list'];
    received.push({ test: currentTest, viewer: viewerKey(viewer), request: req, body: res.json, problems, against: 'none' });
  } else {
    problems = conform(viewer, req, res.json);
  }
  return { status: res.status, headers: res.headers, body: res.json, problems };
}

const short = (q, n = 90) => q.replace(/\s+/g, ' ').trim().slice(0, n) + (q.replace(/\s+/g, ' ').trim().length > n ? '…' : '');
/** Fails with `message` (only) when `list` is not empty: no array diff drowning the message. */
function assertNone(list, message) {
  if (list.length) assert.fail(typeof message === 'function' ? message() : message);
}
const listed = (problems, n = 8) =>
  problems.slice(0, n).join('\n  ') + (problems.length > n ? `\n  … and ${problems.length - n} more` : '');
const errorsOf = (body) => (body?.errors || []).map((e) => `${e.extensions?.code ?? '?'} ${e.message}${e.path ? ` at ${e.path.join('.')}` : ''}`);

// ---------------------------------------------------------------------------------------------

describe('Hub389 contract for frontend clients', { concurrency: false }, () => {
  before(async () => {
    server = await startServer({ corsOrigins: 'http://allowed.example', trustedOnly: 'none' });
  });

  after(async () => {
    if (server) await server.stop();
  });

  // The README's viewers join these (e.g. the walk-through's `officer --agency QLTT`).
  const readmeViewers = [...tableExamples().map((r) => r.viewer), ...Object.values(walkthrough().viewers)];
  const viewersToIntrospect = [...VIEWERS];
  for (const v of readmeViewers) {
    if (!viewersToIntrospect.some((w) => viewerKey(w) === viewerKey(v))) viewersToIntrospect.push(v);
  }

  // --------------------------------------------------------------------------------- a
  for (const viewer of viewersToIntrospect) {
    const key = viewerKey(viewer);
    it(`a. introspection as ${key}: full query, buildClientSchema, only what the role may read`, { timeout: 60000 }, async () => {
      currentTest = `a ${key}`;
      const res = await gql(viewer, INTROSPECTION_QUERY, undefined, { operationName: 'IntrospectionQuery' });
      if (res.body.errors || !res.body.data?.__schema) {
        introspectionFailures.set(key, errorsOf(res.body).join('; ') || `HTTP ${res.status}`);
        assert.fail(
          `the standard introspection query (graphql-js ${require('graphql/package.json').version} getIntrospectionQuery(${JSON.stringify(INTROSPECTION_OPTIONS)})) ` +
            `failed as ${key}: HTTP ${res.status}\n  ${errorsOf(res.body).join('\n  ')}`,
        );
      }
      assert.equal(res.status, 200, `introspection answered HTTP ${res.status}`);
      let schema;
      try {
        schema = buildClientSchema(res.body.data);
      } catch (e) {
        introspectionFailures.set(key, `buildClientSchema: ${e.message}`);
        assert.fail(`buildClientSchema failed for ${key}'s introspection: ${e.message}`);
      }
      schemas.set(key, schema);

      // Visibility: the matrix of api/src/access.rs.
      const wrong = [];
      for (const [typeName, field, who] of VISIBILITY) {
        const tName = typeName === '$Query' ? schema.getQueryType().name : typeName;
        const type = schema.getType(tName);
        const shown = field ? Boolean(type && (isObjectType(type) || isInterfaceType(type)) && type.getFields()[field]) : Boolean(type);
        const should = viewer.role !== null && who.includes(viewer.role);
        if (shown !== should) {
          wrong.push(`${tName}${field ? '.' + field : ''} is ${shown ? 'shown' : 'hidden'}, but ${key} ${should ? 'may' : 'may never'} read it`);
        }
      }
      if (viewer.role === 'press' || viewer.role === null) {
        for (const type of Object.values(schema.getTypeMap())) {
          if (type.name.startsWith('__')) continue;
          if (PRESS_PATTERN.test(type.name)) wrong.push(`type ${type.name} is shown to ${key}`);
          if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
            for (const f of Object.values(type.getFields())) {
              const names = [f.name, ...(f.args || []).map((a) => a.name)];
              for (const n of names) {
                const q = `${type.name}.${n}`;
                if (type.name === 'NewTipInput') continue; // every sender may give a tip's sender, never read one
                if (PRESS_PATTERN.test(n) && !PRESS_ALLOWED.has(q)) wrong.push(`${q} is shown to ${key}`);
              }
            }
          }
        }
      }
      // Hiding only: everything shown exists in the checked-in schema.graphql with the same type.
      for (const type of Object.values(schema.getTypeMap())) {
        if (type.name.startsWith('__')) continue;
        const full = fullSchema.getType(type.name === schema.getQueryType().name ? fullSchema.getQueryType().name : type.name);
        if (!full) {
          wrong.push(`type ${type.name} is not in schema.graphql`);
          continue;
        }
        if ((isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) && full.getFields) {
          for (const f of Object.values(type.getFields())) {
            const ff = full.getFields()[f.name];
            if (!ff) wrong.push(`${type.name}.${f.name} is not in schema.graphql`);
            else if (String(ff.type) !== String(f.type)) wrong.push(`${type.name}.${f.name}: ${f.type} here, ${ff.type} in schema.graphql`);
          }
        }
      }
      assertNone(wrong, `introspection as ${key} (matrix: api/src/access.rs):\n  ${wrong.join('\n  ')}`);
      assertNone(res.problems, `the introspection response itself does not conform:\n  ${listed(res.problems)}`);
    });
  }

  // --------------------------------------------------------------------------------- b
  const readme = readReadme();
  const rows = tableExamples(readme);
  const walk = walkthrough(readme);
  const examples = [
    ...rows.map((r) => ({ where: 'table', viewer: r.viewer, query: r.query })),
    ...walk.steps.map((s, i) => ({ where: `walk-through step ${i + 1}`, viewer: walk.viewers[s.viewerVar], query: s.query })),
  ];

  for (const ex of examples) {
    it(`b. README ${ex.where} as ${viewerKey(ex.viewer)} validates: ${short(ex.query, 70)}`, () => {
      currentTest = `b validate`;
      const schema = schemas.get(viewerKey(ex.viewer));
      if (!schema) {
        assert.fail(`no client schema for ${viewerKey(ex.viewer)}: its introspection failed (${introspectionFailures.get(viewerKey(ex.viewer)) || 'see a.'})`);
      }
      const errs = validate(schema, parse(ex.query)).map((e) => e.message);
      assertNone(errs, `README example does not validate against ${viewerKey(ex.viewer)}'s client schema:\n  ${ex.query}\n  ${errs.join('\n  ')}`);
    });
  }

  it('b. README examples validate against the checked-in schema.graphql', () => {
    currentTest = 'b schema.graphql';
    const bad = [];
    for (const ex of examples) {
      const errs = validate(fullSchema, parse(ex.query)).map((e) => e.message);
      if (errs.length) bad.push(`${ex.where}: ${short(ex.query)}\n    ${errs.join('\n    ')}`);
    }
    assertNone(bad, bad.join('\n'));
  });

  it('b. README table queries run as their viewer; responses conform (refused fields present and null)', { timeout: 60000 }, async () => {
    currentTest = 'b run table';
    const bad = [];
    for (const r of rows) {
      const res = await gql(r.viewer, r.query);
      if (res.problems.length) bad.push(`${r.viewerText}: ${short(r.query)}\n    ${listed(res.problems, 4).replace(/\n  /g, '\n    ')}`);
    }
    assertNone(bad, `non-conforming responses:\n${bad.join('\n')}`);
  });

  it('b. README walk-through runs as written; responses conform', { timeout: 60000 }, async () => {
    currentTest = 'b run walk-through';
    const vars = { RANDOM: String(Math.floor(Math.random() * 32768)) };
    const bad = [];
    for (const [i, s] of walk.steps.entries()) {
      const variables = s.variablesTemplate
        ? JSON.parse(s.variablesTemplate.replace(/\$(\w+)/g, (_, n) => {
            if (!(n in vars)) throw new Error(`walk-through step ${i + 1}: $${n} is not set`);
            return n === 'RANDOM' ? String(Math.floor(Math.random() * 32768)) : vars[n];
          }))
        : undefined;
      const res = await gql(walk.viewers[s.viewerVar], s.query, variables);
      if (res.body.errors || res.status !== 200) {
        assert.fail(`walk-through step ${i + 1} (${short(s.query)}) as $${s.viewerVar}: HTTP ${res.status}\n  ${errorsOf(res.body).join('\n  ')}`);
      }
      if (res.problems.length) bad.push(`step ${i + 1}: ${listed(res.problems, 4)}`);
      if (s.assign) vars[s.assign] = s.field.reduce((d, k) => d?.[k], res.body.data);
    }
    assertNone(bad, bad.join('\n'));
  });

  // --------------------------------------------------------------------------------- d
  it('d. Apollo InMemoryCache + relayStylePagination pages through all cases as police, no warnings', { timeout: 90000 }, async () => {
    currentTest = 'd apollo';
    const { ApolloClient, InMemoryCache, HttpLink, gql: apolloGql } = require('@apollo/client/core');
    const { relayStylePagination } = require('@apollo/client/utilities');
    const { loadDevMessages, loadErrorMessages } = require('@apollo/client/dev');
    loadDevMessages();
    loadErrorMessages();

    const token = await tokenFor(POLICE);
    const apolloProblems = [];
    const recordingFetch = async (url, init) => {
      const res = await fetch(url, init);
      const text = await res.clone().text();
      let body;
      try {
        body = JSON.parse(text);
      } catch {
        apolloProblems.push(`HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
        return res;
      }
      const req = JSON.parse(init.body);
      for (const p of conform(POLICE, req, body)) apolloProblems.push(p);
      return res;
    };

    const logged = [];
    const saved = {};
    for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
      saved[level] = console[level];
      console[level] = (...args) => logged.push(`console.${level}: ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`);
    }
    const queryType = queryTypeName();
    const client = new ApolloClient({
      link: new HttpLink({ uri: `${server.url}/graphql`, fetch: recordingFetch, headers: { authorization: `Bearer ${token}` } }),
      cache: new InMemoryCache({
        typePolicies: {
          // queryType: true lets the policy apply whatever the root is called (Query, QueryRoot).
          [queryType]: { queryType: true, fields: { cases: relayStylePagination(['filter', 'search']) } },
        },
      }),
    });
    const CASES = apolloGql`
      query AllCases($first: Int!, $after: String) {
        cases(first: $first, after: $after) {
          totalCount
          edges { cursor node { id code title status detectedOn leadAgency { id code } } }
          pageInfo { hasNextPage endCursor }
        }
      }`;
    let sub;
    try {
      const obs = client.watchQuery({ query: CASES, variables: { first: 50 } });
      const firstResult = await new Promise((ok, fail) => {
        sub = obs.subscribe({ next: ok, error: fail });
      });
      let { pageInfo, totalCount } = firstResult.data.cases;
      let pages = 1;
      while (pageInfo.hasNextPage) {
        assert.ok(pages < 200, 'more than 200 pages: hasNextPage never turns false');
        assert.ok(pageInfo.endCursor, `page ${pages} has hasNextPage but no endCursor`);
        const more = await obs.fetchMore({ variables: { after: pageInfo.endCursor } });
        pageInfo = more.data.cases.pageInfo;
        pages++;
      }
      const merged = client.readQuery({ query: CASES, variables: { first: 50 } });
      const ids = merged.cases.edges.map((e) => e.node.id);
      const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
      assert.ok(totalCount > 50, `only ${totalCount} cases: nothing to page through`);
      assertNone(dupes, `duplicate case ids across pages: ${dupes.slice(0, 10)}`);
      assert.equal(ids.length, totalCount, `${pages} pages of 50 gave ${ids.length} cases; totalCount says ${totalCount}`);
      assert.equal(merged.cases.pageInfo.hasNextPage, false, 'the merged pageInfo still has a next page');
    } finally {
      sub?.unsubscribe();
      client.stop();
      Object.assign(console, saved);
    }
    assertNone(logged, `Apollo Client logged (e.g. "Missing field" while writing a result):\n  ${logged.join('\n  ')}`);
    assertNone(apolloProblems, `responses to Apollo do not conform:\n  ${listed(apolloProblems)}`);
  });

  // --------------------------------------------------------------------------------- e
  describe('e. CORS', () => {
    const preflight = (origin) =>
      request('OPTIONS', `${server.url}/graphql`, {
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });

    it('a preflight from the allowed origin passes, allowing Authorization and Content-Type', async () => {
      const res = await preflight('http://allowed.example');
      assert.ok(res.status >= 200 && res.status < 300, `preflight answered HTTP ${res.status} ${res.text.slice(0, 200)}`);
      assert.equal(res.headers['access-control-allow-origin'], 'http://allowed.example', 'access-control-allow-origin');
      const allowed = (res.headers['access-control-allow-headers'] || '').toLowerCase().split(/\s*,\s*/);
      // `*` does not cover Authorization (Fetch spec): it must be named.
      for (const h of ['authorization', 'content-type']) {
        assert.ok(allowed.includes(h), `access-control-allow-headers "${res.headers['access-control-allow-headers'] ?? ''}" lacks ${h}`);
      }
      const methods = res.headers['access-control-allow-methods'];
      if (methods !== undefined) {
        assert.ok(/\bPOST\b|\*/i.test(methods), `access-control-allow-methods "${methods}" lacks POST`);
      }
    });

    it('a preflight from another origin gets no access-control-allow-origin', async () => {
      const res = await preflight('http://evil.example');
      assert.equal(res.headers['access-control-allow-origin'], undefined, `evil.example was allowed (HTTP ${res.status})`);
    });

    it('a POST from the allowed origin carries access-control-allow-origin; from another, none', async () => {
      currentTest = 'e cors';
      const ok = await gql({ role: null }, '{ __typename }', undefined, { headers: { origin: 'http://allowed.example' } });
      assert.equal(ok.headers['access-control-allow-origin'], 'http://allowed.example');
      const evil = await gql({ role: null }, '{ __typename }', undefined, { headers: { origin: 'http://evil.example' } });
      assert.equal(evil.headers['access-control-allow-origin'], undefined, 'evil.example was allowed');
    });
  });

  // --------------------------------------------------------------------------------- f
  describe('f. GraphQL over HTTP', () => {
    it('a syntax error with Accept: application/graphql-response+json → 400, that media type, no data', async () => {
      currentTest = 'f syntax';
      const res = await gql({ role: null }, '{ cases(', undefined, { accept: 'application/graphql-response+json' });
      assert.equal(res.status, 400, `HTTP ${res.status}: ${JSON.stringify(res.body).slice(0, 200)}`);
      assert.equal(mediaType(res.headers), 'application/graphql-response+json');
      assert.ok(res.body.errors?.length, 'no errors');
      assert.ok(!('data' in res.body), `a request error has no "data" entry (GraphQL spec 7.1.2); got data: ${JSON.stringify(res.body.data)}`);
      assertNone(res.problems, () => listed(res.problems));
    });

    it('a syntax error with Accept: application/json → 200 (legacy), application/json', async () => {
      currentTest = 'f syntax legacy';
      const res = await gql({ role: null }, '{ cases(', undefined, { accept: 'application/json' });
      assert.equal(res.status, 200, `HTTP ${res.status}`);
      assert.equal(mediaType(res.headers), 'application/json');
      assert.ok(res.body.errors?.length, 'no errors');
      assertNone(res.problems, () => listed(res.problems));
    });

    it('an invalid token with Accept: application/graphql-response+json → 4xx, UNAUTHENTICATED, no fake locations', async () => {
      currentTest = 'f bad token';
      const res = await gql({ role: null }, '{ me { role } }', undefined, {
        accept: 'application/graphql-response+json',
        headers: { authorization: 'Bearer not-a-token' },
      });
      assert.ok(res.status >= 400 && res.status < 500, `HTTP ${res.status}`);
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
      assertNone(res.problems, () => listed(res.problems));
    });

    it('GET /graphql?query={__typename} with Accept: application/json → JSON data', async () => {
      currentTest = 'f get';
      const query = '{__typename}';
      const res = await request('GET', `${server.url}/graphql?query=${encodeURIComponent(query)}`, { headers: { accept: 'application/json' } });
      assert.equal(res.status, 200, `HTTP ${res.status}: ${res.text.slice(0, 120)}`);
      assert.equal(mediaType(res.headers), 'application/json', `content-type ${res.headers['content-type']} (the GraphiQL page?)`);
      assert.deepEqual(res.json, { data: { __typename: queryTypeName() } });
      const problems = conform({ role: null }, { query }, res.json);
      assertNone(problems, () => listed(problems));
    });

    it('a mutation by GET is refused with 405 and not executed', async () => {
      currentTest = 'f get mutation';
      const count = async () => (await gql(POLICE, '{ tips(first: 1) { totalCount } }')).body.data?.tips?.totalCount;
      const before = await count();
      const mutation = 'mutation { submitTip(input: { channel: ONLINE_FORM, content: "GET must not do this" }) { trackingCode } }';
      const res = await request('GET', `${server.url}/graphql?query=${encodeURIComponent(mutation)}`, {
        headers: { accept: 'application/graphql-response+json, application/json;q=0.9' },
      });
      const afterCount = await count();
      assert.equal(afterCount, before, `the mutation ran: tips went from ${before} to ${afterCount}`);
      assert.equal(res.status, 405, `HTTP ${res.status}: ${res.text.slice(0, 200)}`);
    });

    it('a batch of 2 answers a list of 2 conforming responses', async () => {
      currentTest = 'f batch';
      const token = await tokenFor(POLICE);
      const ops = [{ query: '{ me { role } }' }, { query: '{ cases(first: 1) { totalCount nodes { code } } }' }];
      const res = await request('POST', `${server.url}/graphql`, {
        headers: { 'content-type': 'application/json', accept: ACCEPT_GQL, authorization: `Bearer ${token}` },
        body: JSON.stringify(ops),
      });
      assert.equal(res.status, 200, `HTTP ${res.status}`);
      assert.ok(Array.isArray(res.json) && res.json.length === 2, `not a list of 2: ${res.text.slice(0, 200)}`);
      const problems = res.json.flatMap((b, i) => conform(POLICE, ops[i], b));
      assertNone(problems, listed(problems));
    });

    it('a batch of 11 (over the limit of 10) answers a list, or a 4xx JSON error with a code', async (t) => {
      currentTest = 'f batch 11';
      const ops = Array.from({ length: 11 }, () => ({ query: '{ __typename }' }));
      const res = await request('POST', `${server.url}/graphql`, {
        headers: { 'content-type': 'application/json', accept: ACCEPT_GQL },
        body: JSON.stringify(ops),
      });
      t.diagnostic(`batch of 11: HTTP ${res.status} ${res.headers['content-type']} ${res.text.slice(0, 200)}`);
      if (Array.isArray(res.json)) {
        res.json.forEach((b, i) => conform({ role: null }, ops[i] ?? ops[0], b));
      } else {
        assert.ok(res.status >= 400 && res.status < 500, `one object with HTTP ${res.status}, neither a list nor a 4xx: ${res.text.slice(0, 200)}`);
        assert.ok(typeof res.json?.errors?.[0]?.extensions?.code === 'string', `the 4xx body has no errors[].extensions.code: ${res.text.slice(0, 200)}`);
      }
    });

    it('a body that is not JSON → 400 with a JSON error carrying extensions.code', async () => {
      const res = await request('POST', `${server.url}/graphql`, {
        headers: { 'content-type': 'application/json', accept: ACCEPT_GQL },
        body: '{"query": ',
      });
      assert.equal(res.status, 400, `HTTP ${res.status}: ${res.text.slice(0, 200)}`);
      assert.ok(typeof res.json?.errors?.[0]?.extensions?.code === 'string', `not a JSON error with a code: ${res.text.slice(0, 200)}`);
    });

    it('responses are compressed when the client accepts it', async () => {
      const res = await request('POST', `${server.url}/graphql`, {
        headers: { 'content-type': 'application/json', accept: ACCEPT_GQL, 'accept-encoding': 'br, gzip' },
        body: JSON.stringify({ query: INTROSPECTION_QUERY }),
      });
      assert.ok(['br', 'gzip'].includes(res.headers['content-encoding']), `content-encoding: ${res.headers['content-encoding'] ?? 'none'} (${res.raw.length} bytes)`);
    });
  });

  // --------------------------------------------------------------------------------- g
  describe('g. GraphiQL from the server itself', () => {
    const assetsDir = join(REPO_ROOT, 'api', 'assets', 'graphiql');

    it('GET /graphql with Accept: text/html is the local GraphiQL page, no external URL', async () => {
      const res = await request('GET', `${server.url}/graphql`, { headers: { accept: 'text/html' } });
      assert.equal(res.status, 200);
      assert.equal(mediaType(res.headers), 'text/html');
      assert.equal(res.text, readFileSync(join(assetsDir, 'index.html'), 'utf8'), 'not api/assets/graphiql/index.html');
      const external = res.text.match(/(src|href)\s*=\s*["']?(https?:)?\/\/[^"' >]+/gi);
      assert.equal(external, null, `external URLs: ${external}`);
    });

    for (const file of readdirSync(assetsDir).filter((f) => /\.(js|css)$/.test(f))) {
      it(`GET /graphiql/${file} serves the vendored file`, async () => {
        const res = await request('GET', `${server.url}/graphiql/${file}`);
        assert.equal(res.status, 200);
        const want = file.endsWith('.css') ? ['text/css'] : ['text/javascript', 'application/javascript'];
        assert.ok(want.includes(mediaType(res.headers)), `content-type ${res.headers['content-type']}`);
        assert.ok(res.body.equals(readFileSync(join(assetsDir, file))), 'bytes differ from api/assets/graphiql/' + file);
      });
    }
  });

  // --------------------------------------------------------------------------------- c
  it('c. refused fields are present and null at their path, in selection order; nodes are kept', async () => {
    currentTest = 'c refused';
    const officer = { role: 'officer', agency: 'BDBP' };
    // Every selected field of each node refused (BDBP leads none of HQ's cases), refused ones first.
    const q1 = '{ cases(first: 3, filter: { leadAgency: "HQ" }) { nodes { customsRecords { declarationNumber } subjects { fullName } } } }';
    const r1 = await gql(officer, q1);
    assertNone(r1.problems, `as ${viewerKey(officer)}: ${q1}\n  ${listed(r1.problems)}`);
    const nodes = r1.body.data?.cases?.nodes;
    assert.ok(Array.isArray(nodes) && nodes.length === 3, `expected 3 nodes: ${JSON.stringify(r1.body).slice(0, 300)}`);
    nodes.forEach((n, i) => {
      assert.deepEqual(n, { customsRecords: null, subjects: null }, `node ${i}`);
      for (const f of ['customsRecords', 'subjects']) {
        const e = r1.body.errors?.find((x) => x.path?.join('.') === `cases.nodes.${i}.${f}`);
        assert.equal(e?.extensions?.code, 'FORBIDDEN', `no FORBIDDEN error at cases.nodes.${i}.${f}`);
      }
    });
    // Mixed: refused and readable fields interleaved.
    const q2 = '{ cases(first: 2, filter: { leadAgency: "HQ" }) { nodes { subjects { fullName } code customsRecords { declarationNumber } title } } }';
    const r2 = await gql(officer, q2);
    assertNone(r2.problems, `as ${viewerKey(officer)}: ${q2}\n  ${listed(r2.problems)}`);
    // A list where some rows are refused and some not (police reads reporters of CA's tips only).
    const q3 = '{ tips(first: 40) { nodes { reporterName content reporterContact status } } }';
    const r3 = await gql(POLICE, q3);
    assertNone(r3.problems, `as police: ${q3}\n  ${listed(r3.problems)}`);
  });

  it('c. every response received in this file conforms to its viewer\'s client schema', (t) => {
    const bad = received.filter((r) => r.problems.length);
    const early = received.filter((r) => r.against.startsWith('schema.graphql')).length;
    t.diagnostic(`${received.length} responses checked: ${received.length - early} against the viewer's client schema, ${early} against schema.graphql (introspection answers, before the viewer's client schema existed)`);
    assert.ok(received.length > 20, `only ${received.length} responses were checked`);
    assertNone(bad, () =>
      `${bad.length} of ${received.length} responses do not conform:\n` +
        bad
          .slice(0, 25)
          .map((r) => `- [${r.test}] as ${r.viewer} (${r.against}): ${short(r.request.query, 100)}\n    ${listed(r.problems, 4).replace(/\n  /g, '\n    ')}`)
          .join('\n') +
        (bad.length > 25 ? `\n… and ${bad.length - 25} more responses` : ''),
    );
  });
});
