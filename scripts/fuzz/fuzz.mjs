#!/usr/bin/env node
// Schema-driven GraphQL fuzzer for Hub389 (see README.md beside this file).
//
//   node scripts/fuzz/fuzz.mjs --url http://127.0.0.1:8000 --tokens tokens.json \
//       [--ops 20000] [--seed S] [--concurrency 8] [--out DIR] [--server-log FILE]
//   node scripts/fuzz/fuzz.mjs --dry-run [--ops N]     # no server: generate, validate locally
//
// For every role (the keys of the tokens file, plus `anonymous` without a token) it fetches
// the introspection as that role, builds the client schema, and sends random operations:
// queries and mutations over the visible fields, valid and deliberately wrong arguments and
// variables, aliases, fragments, directives, batches, malformed bodies, GET requests, bad
// tokens, exports. Every response is classified; a failure is a 5xx (other than 503 with
// Retry-After), an error with code INTERNAL or without a code, a non-JSON answer from
// /graphql, a request that dies at the network level, or a server that is not alive at the
// end. Exit status 1 when anything failed, 2 on a usage or set-up error.
//
// Only Node built-ins, the `graphql` package of clients/ (npm ci there) and the body decoding
// of clients/lib/http.mjs.

import http from 'node:http';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { decodeBody, parseJson } from '../../clients/lib/http.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const requireFromClients = createRequire(join(ROOT, 'clients', 'package.json'));
let GQL;
try {
  GQL = requireFromClients('graphql');
} catch {
  console.error('fuzz: the graphql package is missing: cd clients && npm ci');
  process.exit(2);
}
const {
  getIntrospectionQuery,
  buildClientSchema,
  buildSchema,
  parse,
  print,
  validate,
  astFromValue,
  typeFromAST,
  Kind,
  isNonNullType,
  isListType,
  isInputObjectType,
  isEnumType,
  isObjectType,
  isInterfaceType,
  isUnionType,
  isLeafType,
  isAbstractType,
  isRequiredArgument,
  isRequiredInputField,
  getNamedType,
  GraphQLNonNull,
  GraphQLBoolean,
  GraphQLString,
  GraphQLInt,
} = GQL;

// ---------------------------------------------------------------------------------------------
// Options

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.HUB389_URL || 'http://127.0.0.1:8000' },
    ops: { type: 'string', default: '20000' },
    seed: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    tokens: { type: 'string' },
    out: { type: 'string', default: 'fuzz-out' },
    'server-log': { type: 'string' },
    schema: { type: 'string', default: join(ROOT, 'schema.graphql') },
    minimize: { type: 'string', default: '40' },
    timeout: { type: 'string', default: '60000' },
    roles: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    verbose: { type: 'boolean', short: 'v', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (opt.help) {
  console.log(`usage: fuzz.mjs [--url URL] [--tokens FILE.json] [--ops N] [--seed S] [--concurrency C]
                [--out DIR] [--server-log FILE] [--minimize MAX_SIGNATURES] [--timeout MS]
                [--roles police,press,...] [--dry-run] [--verbose]
  --tokens     JSON object {"role": "<jwt>", ...}; "anonymous" (no token) is always added
  --dry-run    no server: generate ops against schema.graphql and validate them locally
  --minimize   shrink the reproducer of at most this many distinct failures (0: off)`);
  process.exit(0);
}

const int = (name, v) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`fuzz: --${name} is a whole number, not ${v}`);
    process.exit(2);
  }
  return n;
};
const OPS = int('ops', opt.ops);
const CONCURRENCY = Math.max(1, int('concurrency', opt.concurrency));
const TIMEOUT_MS = int('timeout', opt.timeout);
const MINIMIZE = int('minimize', opt.minimize);
const SEED = opt.seed === undefined ? (Math.random() * 2 ** 32) >>> 0 : seedOf(opt.seed);
const BASE = opt.url.replace(/\/+$/, '').replace(/\/graphql$/, '');
const OUT = resolve(opt.out);

function seedOf(s) {
  if (/^\d+$/.test(s)) return Number(BigInt(s) % 4294967296n);
  let h = 0x811c9dc5;
  for (const c of Buffer.from(s)) h = Math.imul(h ^ c, 0x01000193) >>> 0;
  return h;
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness: one generator per operation, seeded from (seed, op index), so an operation
// is the same for the same seed whatever the concurrency (up to the pools of harvested ids,
// which depend on earlier answers).

function mix(a, b) {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul((b + 0x7f4a7c15) | 0, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

class Rng {
  constructor(seed) {
    this.s = seed >>> 0 || 1;
  }
  next() {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p) {
    return this.next() < p;
  }
  pick(a) {
    return a[Math.floor(this.next() * a.length)];
  }
  weighted(entries) {
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [item, w] of entries) if ((r -= w) < 0) return item;
    return entries[entries.length - 1][0];
  }
  sample(a, n) {
    const c = a.slice();
    for (let i = c.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [c[i], c[j]] = [c[j], c[i]];
    }
    return c.slice(0, n);
  }
  digits(n) {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }
  upper(n) {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(65 + this.int(0, 25));
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

const FALLBACK_CODES = {
  Agency: ['CA', 'HQ', 'QLTT', 'BDBP', 'THUE', 'SYT', 'KIEMLAM', 'STC', 'BAO_LS', 'UBND_DONG_DANG'],
  Commune: ['DONG_DANG', 'VAN_QUAN', 'TAN_THANH'],
  BorderGate: ['HUU_NGHI', 'TAN_THANH', 'COC_NAM'],
  Campaign: ['CAO_DIEM_TET_2026'],
};
const WORDS = (
  'buôn lậu gian lận thương mại hàng giả vận chuyển kinh doanh thuốc lá điếu ngoại nhập ' +
  'dầu diesel mỹ phẩm pháo nổ gia cầm đường kính trắng quần áo điện thoại sàn thương mại ' +
  'điện tử Lạng Sơn Đồng Đăng Tân Thanh Hữu Nghị cửa khẩu lối mở đường mòn biên giới xe tải ' +
  'kho hàng đối tượng tang vật xử phạt hành chính khởi tố vụ án thuế nhập khẩu hóa đơn chứng từ'
).split(' ');
const SEARCH = ['dong dang', 'thuoc la', 'thuốc giả', 'DẦU', 'xe', 'pháo', 'Shopee', 'a', 'hàng', 'Hữu Nghị'];
const SURNAMES = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Vũ', 'Đặng', 'Bùi', 'Lương', 'Nông'];
const GIVEN = ['Văn An', 'Thị Bình', 'Minh Nam', 'Phương Loan', 'Đức Thắng', 'Thu Hà', 'Quốc Hùng'];
const PUBLIC_FACTS = [
  'violation_type', 'commodity_group', 'commune', 'fine_amount', 'goods_value', 'platform',
  'channel', 'tax_arrears', 'budget_collected', 'detected_on', 'handled_on', 'border_gate',
];
const ROLES_STR = ['police', 'customs', 'press', 'commune', 'leader', 'standing_office', 'officer', 'admin', 'anonymous'];
const ENTITIES = ['case', 'subject', 'tip', 'directive', 'task', 'campaign', 'publication', 'periodic_report', 'agency', 'commune', 'seizure', 'customs_record', 'investigation'];
const DIRECTIVE_TYPES = ['CT-TTg', 'TB-VPCP', 'CĐ-TTg', 'QĐ-UBND', 'KH-BCĐ389', 'CT-UBND', 'KH-UBND', 'BC-BCĐ389'];

const EDGE_STRINGS = [
  '', ' ', '\t\n', '%', '_', '%_%', '\\', "'", "''", '"', "' OR 1=1 --", '"; DROP TABLE cases; --',
  '*', '?', '[a-z]', '\u0000', 'a\u0000b', '\u202e', '\u200b', '\ufeff', '🙂', '👨‍👩‍👧‍👦', 'ǅ', 'ﬀ', 'İ', 'ẞ',
  'đồng đăng', 'ĐỒNG ĐĂNG', 'Đ', 'e\u0301', '\u0301', 'ａｂｃ', '\uffff', '\ud83d', '\udc00x',
  '<script>alert(1)</script>', '../../etc/passwd', '%00', '${jndi:ldap://x}', '{{7*7}}', 'null',
  'undefined', 'NaN', 'true', '0', '-1', '1e400', '2026-02-30', 'VV-2026-00023', '\r\n\r\n',
];
const EDGE_IDS = [
  '', ' ', '0', '-1', '1', '2', '42', '007', '1.5', '1e3', '9223372036854775807', '9223372036854775808',
  '-9223372036854775808', '99999999999999999999999', 'abc', 'AAAAAAAAAAAAAAAAAAAAAA',
  '________________________', '==', 'Q2FzZTox', 'Case:1', 'x'.repeat(1000), '\u0000', 'Đ', '🙂',
];
const EDGE_DATES = [
  '0001-01-01', '9999-12-31', '+262142-12-31', '-0001-01-01', '1970-01-01', '2024-02-29',
  '2100-02-28', '0000-01-01', '262143-01-01', '2026-12-14', '2026-12-15', '2025-12-15', '1900-01-01',
];
const BAD_DATES = ['2026-02-30', '2026-13-01', '26-01-01', '2026/01/01', '01-01-2026', '', 'yesterday', '2026-1-1', '2026-01-01T00:00:00Z', '२०२६-०१-०१'];
const EDGE_DATETIMES = ['0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '1970-01-01T00:00:00Z', '2026-01-01T00:00:00+14:00', '2026-06-30T23:59:60Z', '+262142-12-31T23:59:59Z'];
const BIG_INTS = ['2147483648', '-2147483649', '9007199254740993', '99999999999999999999999999', '18446744073709551616', '-9223372036854775809'];
const BAD_FLOATS = ['1.5', '-0.0', '1e308', '1e400', '-1e400', '3.14e-300', '0.1'];

// ---------------------------------------------------------------------------------------------
// Values: a small tree printed either as a GraphQL literal or as JSON (for variables).

const V = {
  int: (n) => ({ t: 'num', raw: String(n) }),
  num: (raw) => ({ t: 'num', raw: String(raw) }),
  str: (s) => ({ t: 'str', v: s }),
  bool: (b) => ({ t: 'bool', v: b }),
  null: () => ({ t: 'null' }),
  enum: (n) => ({ t: 'enum', v: n }),
  list: (items) => ({ t: 'list', items }),
  obj: (fields) => ({ t: 'obj', fields }),
  vref: (name) => ({ t: 'var', name }),
};

function gqlString(s, block) {
  if (block && !s.includes('"""') && !s.includes('\\') && !/[\u0000-\u0008\u000b-\u001f]/.test(s)) {
    return `"""${s}"""`;
  }
  return JSON.stringify(s);
}

function lit(v, rng) {
  switch (v.t) {
    case 'num':
      return v.raw;
    case 'str':
      return gqlString(v.v, rng && rng.chance(0.05));
    case 'bool':
      return String(v.v);
    case 'null':
      return 'null';
    case 'enum':
      return v.v;
    case 'list':
      return `[${v.items.map((x) => lit(x, rng)).join(', ')}]`;
    case 'obj':
      return `{${v.fields.map(([k, x]) => `${k}: ${lit(x, rng)}`).join(', ')}}`;
    case 'var':
      return `$${v.name}`;
    default:
      throw new Error(`unknown value ${v.t}`);
  }
}

function jsonText(v) {
  switch (v.t) {
    case 'num':
      return /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(v.raw) ? v.raw : JSON.stringify(v.raw);
    case 'str':
    case 'enum':
      return JSON.stringify(v.v);
    case 'bool':
      return String(v.v);
    case 'null':
      return 'null';
    case 'list':
      return `[${v.items.map(jsonText).join(',')}]`;
    case 'obj':
      return `{${v.fields.map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`).join(',')}}`;
    case 'var':
      return 'null';
    default:
      throw new Error(`unknown value ${v.t}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Pools of real values harvested from answers: ids (with their type and version), codes,
// cursors, tracking codes, idempotency keys. Per role, and global.

class Pools {
  constructor() {
    this.objs = new Map(); // role -> Map(type -> { list: [], byId: Map })
    this.codes = new Map(); // type -> Set
    this.cursors = [];
    this.tracking = [];
    this.keys = [];
  }
  bucket(role, type) {
    let r = this.objs.get(role);
    if (!r) this.objs.set(role, (r = new Map()));
    let b = r.get(type);
    if (!b) r.set(type, (b = { list: [], byId: new Map() }));
    return b;
  }
  addObj(role, type, id, version) {
    for (const who of [role, '*']) {
      const b = this.bucket(who, type);
      const e = b.byId.get(id);
      if (e) {
        if (Number.isInteger(version)) e.version = version;
        continue;
      }
      const entry = { id, type, version: Number.isInteger(version) ? version : undefined };
      if (b.list.length >= 3000) {
        const old = b.list[(Math.random() * b.list.length) | 0];
        b.byId.delete(old.id);
        b.list[b.list.indexOf(old)] = entry;
      } else b.list.push(entry);
      b.byId.set(id, entry);
    }
  }
  pickObj(rng, role, type) {
    const own = this.objs.get(role)?.get(type)?.list;
    const all = this.objs.get('*')?.get(type)?.list;
    const list = own && own.length && rng.chance(0.75) ? own : all;
    return list && list.length ? rng.pick(list) : undefined;
  }
  anyObj(rng, role) {
    const types = [...(this.objs.get(rng.chance(0.75) ? role : '*') || this.objs.get('*') || new Map()).entries()]
      .filter(([, b]) => b.list.length);
    if (!types.length) return undefined;
    return rng.pick(rng.pick(types)[1].list);
  }
  addCode(type, code) {
    let s = this.codes.get(type);
    if (!s) this.codes.set(type, (s = new Set()));
    if (s.size < 2000) s.add(code);
  }
  code(rng, type) {
    const s = this.codes.get(type);
    if (s && s.size && rng.chance(0.9)) return rng.pick([...s]);
    return rng.pick(FALLBACK_CODES[type] || ['X']);
  }
  push(list, v, cap = 1000) {
    if (list.length >= cap) list[(Math.random() * cap) | 0] = v;
    else list.push(v);
  }
  harvest(role, value) {
    const walk = (v, depth) => {
      if (depth > 40 || v === null || typeof v !== 'object') return;
      if (Array.isArray(v)) {
        for (const x of v) walk(x, depth + 1);
        return;
      }
      const tn = typeof v.__typename === 'string' ? v.__typename : undefined;
      if (tn && typeof v.id === 'string') this.addObj(role, tn, v.id, v.version);
      if (tn && typeof v.code === 'string' && FALLBACK_CODES[tn]) this.addCode(tn, v.code);
      if (typeof v.endCursor === 'string') this.push(this.cursors, v.endCursor);
      if (typeof v.cursor === 'string') this.push(this.cursors, v.cursor);
      if (typeof v.trackingCode === 'string') this.push(this.tracking, v.trackingCode);
      for (const [k, x] of Object.entries(v)) if (x && typeof x === 'object' && k !== 'extensions') walk(x, depth + 1);
    };
    walk(value, 0);
  }
}

// ---------------------------------------------------------------------------------------------
// The generator of one operation.

const ID_HINTS = {
  caseid: 'Case', taskid: 'Task', tipid: 'Tip', directive: 'Directive', cites: 'Directive',
  publicationid: 'Publication', reportid: 'PeriodicReport', campaignid: 'Campaign',
};

class Gen {
  constructor({ rng, schema, role, pools, chaos = 0, edge = 0.1, maxDepth = 3, tag = 'x' }) {
    Object.assign(this, { rng, schema, role, pools, chaos, edge, maxDepth, tag });
    this.varDefs = [];
    this.vars = []; // [name, jsonText]
    this.fragments = [];
    this.nVar = 0;
    this.nFrag = 0;
    this.nAlias = 0;
    this.varRate = rng.pick([0, 0.1, 0.3, 0.6]);
    this.idType = undefined;
    this.picked = undefined;
    this.locallyChaotic = chaos > 0;
  }

  c(p) {
    return this.chaos > 0 && this.rng.chance(this.chaos * p);
  }

  alias(fieldName) {
    return `a${this.nAlias++}_${fieldName}`;
  }

  // --- selections -----------------------------------------------------------------------------

  fieldsOf(named) {
    return Object.values(named.getFields());
  }

  isLeafField(f) {
    return isLeafType(getNamedType(f.type));
  }

  selectionSet(type, depth, { inFragment = false } = {}) {
    const { rng } = this;
    const named = getNamedType(type);
    const parts = [];
    if (isUnionType(named) || isInterfaceType(named)) {
      if (isInterfaceType(named)) {
        const fs = this.fieldsOf(named).filter((f) => depth < this.maxDepth || this.isLeafField(f));
        for (const f of rng.sample(fs, rng.int(0, Math.min(2, fs.length)))) parts.push(this.field(f, depth, true));
      }
      const possible = this.schema.getPossibleTypes(named);
      for (const t of rng.sample(possible, rng.int(1, Math.min(3, possible.length)))) {
        parts.push(`... on ${t.name} ${this.selectionSet(t, depth, { inFragment: true })}`);
      }
    } else {
      const all = this.fieldsOf(named);
      let fs = depth < this.maxDepth ? all : all.filter((f) => this.isLeafField(f));
      if (depth < this.maxDepth && rng.chance(0.5)) {
        // Lean towards objects while there is depth left: that is where the resolvers are.
        const objs = fs.filter((f) => !this.isLeafField(f));
        if (objs.length) fs = rng.chance(0.5) ? objs : fs;
      }
      const n = rng.int(1, Math.min(fs.length, depth <= 1 ? 4 : 6));
      for (const f of rng.sample(fs, n)) parts.push(this.field(f, depth, inFragment));
      if (fs.length === 0) parts.push('__typename');
      // Ids and versions feed the pools (and so the mutations).
      if (all.some((f) => f.name === 'id') && !parts.some((p) => /^id\b/.test(p)) && rng.chance(0.5)) parts.push('id');
      if (all.some((f) => f.name === 'version') && rng.chance(0.4) && !parts.some((p) => /^version\b/.test(p))) parts.push('version');
    }
    if (rng.chance(0.6) || parts.length === 0) parts.push('__typename');

    // Fragments: a named fragment or an inline fragment around some of the fields.
    if (parts.length > 1 && rng.chance(0.12)) {
      const k = rng.int(1, parts.length - 1);
      const moved = parts.splice(0, k);
      const name = `F${this.nFrag++}_${named.name}`;
      this.fragments.push(`fragment ${name} on ${named.name} { ${moved.join(' ')} }`);
      parts.push(`...${name}${this.directives()}`);
    } else if (parts.length > 1 && rng.chance(0.08)) {
      const k = rng.int(1, parts.length - 1);
      const moved = parts.splice(0, k);
      parts.push(`... ${rng.chance(0.5) ? `on ${named.name} ` : ''}${this.directives()}{ ${moved.join(' ')} }`);
    }

    // Mistakes.
    if (this.c(0.3)) parts.push(rng.pick(['bogusField', 'iD', 'node_', 'cases_', 'Case', '__schemaX', '_', 'password', 'secret']));
    if (this.c(0.1)) parts.push(`... on ${rng.pick(['NoSuchType', 'String', 'Int', 'QueryRoot', 'MutationRoot', 'Node'])} { __typename }`);
    if (this.c(0.1)) parts.push(`...F_undefined_${rng.int(0, 9)}`);
    if (this.c(0.05)) parts.length = 0; // an empty selection set: a syntax error
    return `{ ${parts.join(' ')} }`;
  }

  field(f, depth, inFragment) {
    const { rng } = this;
    const named = getNamedType(f.type);
    let s = '';
    // Inside fragments, fields with arguments or selections get an alias so that fields of
    // different types cannot conflict (that would only ever be a validation error).
    const needsAlias = inFragment && !['id', 'version', 'code'].includes(f.name);
    if (needsAlias || rng.chance(0.1)) s += `${this.alias(f.name)}: `;
    else if (this.c(0.05)) s += `${rng.pick(['id', '__typename', 'data', 'errors', 'a0_x'])}: `;
    s += f.name;
    const savedIdType = this.idType;
    this.idType = named.name;
    s += this.args(f.args, f.name);
    this.idType = savedIdType;
    s += this.directives();
    if (!isLeafType(named)) {
      if (this.c(0.05)) return s; // an object without a selection
      s += ` ${this.selectionSet(f.type, depth + 1)}`;
    } else if (this.c(0.03)) {
      s += ' { id }';
    }
    return s;
  }

  directives() {
    const { rng } = this;
    if (!rng.chance(0.08)) return '';
    if (this.c(0.3)) {
      return ` ${rng.pick(['@nope', '@include', '@include(if: "yes")', '@skip(if: true) @skip(if: false)', '@deprecated', '@specifiedBy(url: "x")', '@include(if: null)'])}`;
    }
    const d = rng.pick(['include', 'skip']);
    const v = rng.chance(0.3)
      ? this.asVariable(new GraphQLNonNull(GraphQLBoolean), 'if')
      : String(rng.chance(d === 'include' ? 0.8 : 0.2));
    return ` @${d}(if: ${v})`;
  }

  // --- arguments and values -------------------------------------------------------------------

  args(argDefs, fieldName) {
    const { rng } = this;
    const parts = [];
    this.picked = undefined;
    for (const a of argDefs) {
      const required = isRequiredArgument(a);
      if (!required && !rng.chance(a.name === 'first' ? 0.7 : 0.45)) continue;
      if (required && this.c(0.2)) continue;
      parts.push(`${a.name}: ${this.argValue(a.type, a.name)}`);
    }
    if (this.c(0.1)) parts.push(`${rng.pick(['bogus', 'limit', 'offset', 'id', 'where'])}: ${rng.pick(['1', '"x"', 'true', 'null', '{a: 1}'])}`);
    if (this.c(0.05) && parts.length) parts.push(parts[0]);
    if (!parts.length) return this.c(0.02) ? '()' : '';
    return `(${parts.join(', ')})`;
  }

  argValue(type, hint) {
    if (this.rng.chance(this.varRate)) return this.asVariable(type, hint);
    return lit(this.value(type, hint, true), this.rng);
  }

  /** Declares a variable for a value of `type` and (usually) provides it. */
  asVariable(type, hint) {
    const { rng } = this;
    const name = `v${this.nVar++}`;
    let decl = String(type);
    if (this.c(0.3)) {
      decl = rng.pick([
        decl.replace(/!$/, ''), 'String', 'Int', 'Boolean', 'ID!', `[${decl}]`, 'NoSuchType', 'CaseFilter', 'Float!', 'JSON',
      ]);
    }
    let def = `$${name}: ${decl}`;
    const val = this.value(type, hint, false);
    const r = rng.next();
    if (this.chaos > 0 && r < this.chaos * 0.3) {
      // missing, or a wrong JSON value
      if (rng.chance(0.4)) this.vars.push([name, this.junkJson()]);
    } else if (!isNonNullType(type) && rng.chance(0.1)) {
      def += ` = ${lit(val, rng)}`;
    } else {
      this.vars.push([name, jsonText(val)]);
    }
    if (this.c(0.02)) def += ` = ${lit(val, rng)}`; // a default on a non-null variable
    this.varDefs.push(def);
    return `$${name}`;
  }

  junkJson() {
    const { rng } = this;
    return rng.pick([
      '"x"', '1', '-1', '1.5', '1e400', '99999999999999999999999', 'true', 'null', '[]', '{}', '[[[]]]',
      '{"a":{"b":{"c":{}}}}', JSON.stringify('x'.repeat(rng.pick([100, 10000]))), '"\\u0000"', '"\\ud800"',
      JSON.stringify(rng.pick(EDGE_STRINGS)), '[1,"a",null,{}]', '-0', '0.0000001',
    ]);
  }

  value(type, hint, allowVar, nonNull = false) {
    const { rng } = this;
    if (isNonNullType(type)) {
      if (this.c(0.15)) return V.null();
      return this.value(type.ofType, hint, allowVar, true);
    }
    if (this.c(0.2)) return this.junk(type, hint);
    if (!nonNull && rng.chance(0.03)) return V.null();
    if (isListType(type)) {
      const h = (hint || '').toLowerCase();
      let n = rng.int(nonNull ? 1 : 0, h === 'ids' ? 8 : 3);
      if (rng.chance(this.edge * 0.3)) n = rng.pick([0, 1, 100, 101]);
      if (this.c(0.1)) n = rng.pick([101, 500, 2000]);
      if (n === 1 && rng.chance(0.1)) return this.value(type.ofType, hint, allowVar); // input coercion of one item
      const items = [];
      for (let i = 0; i < n; i++) items.push(this.value(type.ofType, hint, allowVar));
      return V.list(items);
    }
    if (isInputObjectType(type)) {
      const fields = [];
      for (const f of Object.values(type.getFields())) {
        const required = isRequiredInputField(f);
        if (!required && !rng.chance(0.5)) continue;
        if (required && this.c(0.2)) continue;
        const v = allowVar && rng.chance(this.varRate * 0.3)
          ? V.vref(this.asVariable(f.type, f.name).slice(1))
          : this.value(f.type, f.name, allowVar);
        fields.push([f.name, v]);
      }
      if (this.c(0.1)) fields.push([rng.pick(['bogus', 'id', 'where', 'and', 'or']), V.int(1)]);
      if (this.c(0.05) && fields.length) fields.push(fields[0]);
      return V.obj(fields);
    }
    if (isEnumType(type)) {
      const vals = type.getValues();
      if (!vals.length) return V.enum('NONE');
      return V.enum(rng.pick(vals).name);
    }
    return this.scalar(type.name, hint);
  }

  junk(type, hint) {
    const { rng } = this;
    const named = getNamedType(type);
    const opts = [
      () => V.str(this.edgeString()),
      () => V.num(rng.pick(BIG_INTS)),
      () => V.num(rng.pick(BAD_FLOATS)),
      () => V.bool(rng.chance(0.5)),
      () => V.null(),
      () => V.enum(rng.pick(['NOT_AN_ENUM', 'VALUE', 'police', 'Case'])),
      () => V.list([isLeafType(named) ? this.scalar(named.name, hint) : V.obj([])]),
      () => V.obj([['x', V.int(1)]]),
      () => V.obj([]),
      () => V.list([V.list([])]),
      () => V.int(rng.pick([0, -1, 1, 2147483647, -2147483648])),
    ];
    if (isEnumType(named)) {
      const v = rng.pick(named.getValues()).name;
      opts.push(() => V.str(v), () => V.enum(v.toLowerCase()), () => V.enum(`${v}_X`));
    }
    if (named.name === 'NaiveDate' || named.name === 'DateTime') opts.push(() => V.str(rng.pick(BAD_DATES)), () => V.str(rng.pick(BAD_DATES)));
    if (named.name === 'ID') opts.push(() => V.int(rng.int(0, 500)), () => V.str(this.mutatedId()));
    if (isInputObjectType(named)) opts.push(() => V.str('{}'), () => V.list([V.obj([])]));
    return rng.pick(opts)();
  }

  edgeString() {
    const { rng } = this;
    if (rng.chance(0.15)) {
      const n = rng.pick([64, 256, 1001, 8001, 20000, 100000]);
      return rng.pick(['a', 'Đ', '🙂', '%', ' ', '\u0301']).repeat(n);
    }
    return rng.pick(EDGE_STRINGS);
  }

  mutatedId() {
    const { rng } = this;
    const e = this.pools.anyObj(rng, this.role);
    if (!e) return rng.pick(EDGE_IDS);
    const id = e.id;
    switch (rng.int(0, 5)) {
      case 0: {
        const i = rng.int(0, id.length - 1);
        const c = id[i] === 'A' ? 'B' : 'A';
        return id.slice(0, i) + c + id.slice(i + 1);
      }
      case 1:
        return id.slice(0, rng.int(0, id.length - 1));
      case 2:
        return id + rng.pick(['A', '=', '==', '.', 'x'.repeat(30)]);
      case 3:
        return id.toUpperCase();
      case 4:
        return ` ${id} `;
      default:
        return id.split('').reverse().join('');
    }
  }

  scalar(name, hint) {
    const { rng } = this;
    const h = (hint || '').toLowerCase();
    const edge = rng.chance(this.edge);
    switch (name) {
      case 'Int':
        return V.int(this.intFor(h, edge));
      case 'Float':
        return V.num(edge ? rng.pick(['0', '-1', '0.0', '1e-9', '1e15', '-1e15', '1.7976931348623157e308']) : (rng.int(1, 100000) / 10).toString());
      case 'Boolean':
        return V.bool(rng.chance(0.5));
      case 'ID':
        return V.str(this.idFor(h, edge));
      case 'NaiveDate':
        return V.str(edge ? rng.pick(EDGE_DATES) : this.date());
      case 'DateTime':
        return V.str(edge ? rng.pick(EDGE_DATETIMES) : `${this.date()}T${String(rng.int(0, 23)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')}:00${rng.pick(['Z', '+07:00', '.123Z'])}`);
      case 'Vnd':
        return V.num(edge ? rng.pick(['0', '1', '10000000000000', '9999999999999', '10000000000001', '-1']) : String(rng.int(0, 2000) * 100000));
      case 'String':
      default:
        return V.str(this.stringFor(h, edge));
    }
  }

  date() {
    const { rng } = this;
    return `${rng.int(2024, 2027)}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;
  }

  intFor(h, edge) {
    const { rng } = this;
    const E32 = [0, -1, 1, 2147483647, -2147483648];
    if (h === 'first' || h === 'last') return edge ? rng.pick([0, -1, 100, 101, 1000, 2147483647, -2147483648]) : rng.weighted([[1, 3], [2, 2], [5, 3], [10, 3], [20, 2], [50, 1], [100, 1]]);
    if (h === 'year') return edge ? rng.pick([0, 1, -1, 1900, 9999, 10000, 99999, 262142, 262143, 262144, 2147483647, -2147483648]) : rng.int(2023, 2027);
    if (h === 'month') return edge ? rng.pick([0, 13, -1, 12, 1, 2147483647, -2147483648]) : rng.int(1, 12);
    if (h === 'quarter') return edge ? rng.pick([0, 5, -1, 4, 2147483647]) : rng.int(1, 4);
    if (h === 'version') {
      if (this.picked && this.picked.version !== undefined && rng.chance(edge ? 0.2 : 0.85)) return this.picked.version;
      return edge ? rng.pick([0, -1, 2147483647, -2147483648, 1000000]) : rng.int(1, 4);
    }
    if (h === 'recurrenceday') return edge ? rng.pick([0, 29, 31, -1, 2147483647]) : rng.int(1, 28);
    if (h.includes('percent')) return edge ? rng.pick([-1, 101, 2147483647, -2147483648]) : rng.int(0, 100);
    if (h === 'defendants') return edge ? rng.pick(E32) : rng.int(0, 8);
    return edge ? rng.pick(E32) : rng.int(0, 100);
  }

  phrase(min = 2, max = 12) {
    const { rng } = this;
    const n = rng.int(min, max);
    const w = [];
    for (let i = 0; i < n; i++) w.push(rng.pick(WORDS));
    return w.join(' ');
  }

  stringFor(h, edge) {
    const { rng, pools } = this;
    if (edge && rng.chance(0.6)) return this.edgeString();
    if (h === 'after' || h === 'before' || h.includes('cursor')) {
      if (pools.cursors.length && rng.chance(edge ? 0.3 : 0.85)) return rng.pick(pools.cursors);
      return rng.pick(['', 'abc', 'YXJyYXljb25uZWN0aW9uOjA=', '0', this.mutatedId(), 'A'.repeat(24)]);
    }
    if (h === 'trackingcode') {
      if (pools.tracking.length && rng.chance(0.8)) return rng.pick(pools.tracking);
      return rng.pick(['', 'ABCD-EFGH-JKLM-NPQR', rng.upper(16), rng.digits(20)]);
    }
    if (h.includes('idempotency')) {
      if (pools.keys.length && rng.chance(0.15)) return rng.pick(pools.keys);
      const k = `fz-${this.tag}-${rng.int(0, 1e9)}`;
      pools.push(pools.keys, k, 300);
      return k;
    }
    if (h === 'code') {
      // A new code (createAgency/Commune/Campaign) or an existing one (CONFLICT).
      if (rng.chance(0.2)) return pools.code(rng, rng.pick(['Agency', 'Commune', 'Campaign']));
      return `FZ_${rng.upper(6)}`;
    }
    if (h.includes('agenc') || h === 'parent') return pools.code(rng, 'Agency');
    if (h.includes('commune')) return pools.code(rng, 'Commune');
    if (h.includes('bordergate')) return pools.code(rng, 'BorderGate');
    if (h.includes('campaign')) return pools.code(rng, 'Campaign');
    if (h === 'symbol') {
      const y = rng.int(2015, 2027);
      return rng.weighted([
        [`${rng.int(1, 9999)}/${rng.pick(DIRECTIVE_TYPES)}`, 5],
        [`${rng.int(1, 999)}/${y}/QĐ-TTg`, 2],
        [`${rng.int(1, 99)}-CT/TU`, 1],
        [`${rng.int(1, 99999)}/VPCP-V.I`, 1],
        [rng.pick(['/', '1/', '/CT', '0/CT-TTg', '99999999999999999999/CT-TTg', 'a/b/c/d/e', '1//CT', '-1/CT-TTg', '1/2/3/4', '١/CT-TTg']), 1],
      ]);
    }
    if (h === 'publicfacts') return rng.chance(0.95) ? rng.pick(PUBLIC_FACTS) : rng.pick(['id_number', 'subjects', 'reporter_name', '', 'VIOLATION_TYPE']);
    if (h.includes('hscode')) return rng.digits(rng.pick([4, 6, 8, 10]));
    if (h.includes('taxcode')) return rng.chance(0.8) ? rng.digits(10) : `${rng.digits(10)}-${rng.digits(3)}`;
    if (h === 'idnumber' || h === 'subjectidnumber') return rng.digits(12);
    if (h.includes('contact')) return `09${rng.digits(8)}`;
    if (h === 'declarationnumber') return rng.digits(12);
    if (h === 'subject') return `${rng.pick(ROLES_STR)}@${pools.code(rng, 'Agency')}`;
    if (h === 'role') return rng.pick(ROLES_STR);
    if (h === 'entity') return rng.pick(ENTITIES);
    if (h === 'operation') return rng.pick(['read', 'createCase', 'registerDirective', 'submitTip', 'changeCaseStatus']);
    if (h.includes('name') || h === 'subjectname') return `${rng.pick(SURNAMES)} ${rng.pick(GIVEN)}`;
    if (h === 'search') return rng.pick(SEARCH);
    if (h === 'unit') return rng.pick(['kg', 'lít', 'bao', 'chiếc', 'hộp', 'tấn']);
    if (h === 'regime') return rng.pick(['A11', 'A12', 'B11', 'E31', 'G12']);
    return this.phrase(1, h === 'content' || h === 'body' ? 40 : 12);
  }

  idFor(h, edge) {
    const { rng, pools } = this;
    if (edge) {
      if (rng.chance(0.5)) return this.mutatedId();
      return rng.pick(EDGE_IDS);
    }
    if (rng.chance(0.08)) return String(rng.int(1, 300)); // a plain row number
    let type = ID_HINTS[h];
    if (!type && (h === 'id' || h === 'ids')) type = this.idType;
    let e;
    if (type && type !== 'Node' && rng.chance(0.9)) e = pools.pickObj(rng, this.role, type);
    if (!e) e = pools.anyObj(rng, this.role);
    if (!e) return String(rng.int(1, 100));
    this.picked = e;
    return e.id;
  }

  // --- documents ------------------------------------------------------------------------------

  /** Assembles one operation from its root selections. */
  operation(kind, rootParts) {
    const { rng } = this;
    const name = rng.chance(0.4) ? `Op${rng.int(0, 999)}` : '';
    const vars = this.varDefs.length ? `(${this.varDefs.join(', ')})` : '';
    const body = `{ ${rootParts.join(' ')} }`;
    const header = kind === 'query' && !name && !vars && rng.chance(0.5) ? '' : `${kind}${name ? ` ${name}` : ''}${vars} `;
    const docs = [`${header}${body}`, ...this.fragments];
    let operationName = name && rng.chance(0.5) ? name : undefined;
    if (this.c(0.1)) docs.push(rng.pick(['query Other { __typename }', `fragment Unused on ${this.schema.getQueryType().name} { __typename }`, '{ __typename }']));
    if (this.c(0.05)) operationName = rng.pick(['Nope', '', 'Op']);
    let text = docs.join('\n');
    if (this.c(0.1)) text = damage(rng, text);
    return { query: text, variablesText: this.varsText(), operationName };
  }

  varsText() {
    const { rng } = this;
    const entries = this.vars.slice();
    if (this.c(0.1)) entries.push([`extra${rng.int(0, 9)}`, this.junkJson()]);
    if (!entries.length && !rng.chance(0.3)) return undefined;
    if (this.c(0.05)) return rng.pick(['"{}"', '[]', '1', 'null', '"x"', '{"v0": }']);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
  }
}

function damage(rng, text) {
  const i = rng.int(0, text.length);
  switch (rng.int(0, 6)) {
    case 0:
      return text.slice(0, i);
    case 1:
      return text.slice(0, i) + rng.pick(['{', '}', '(', ')', '"', '$', '@', '!', ':', '...', '#', '\\', '\u0000', '\ufeff', '|', '&']) + text.slice(i);
    case 2:
      return text.slice(0, i) + text.slice(i + rng.int(1, 5));
    case 3:
      return text + '}'.repeat(rng.int(1, 3));
    case 4:
      return text.replace(/[{}]/, '');
    case 5:
      return text.replace(/\w+/, (m) => m.toUpperCase());
    default:
      return `${'#'.repeat(rng.int(0, 3))} ${text} ${rng.pick(['', '{', 'query', '"""unterminated'])}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Operation kinds. Each returns a request spec:
//   { kind, role, method, path, headers, body, query?, variablesText?, opType, locallyValid? }

const KINDS = [
  ['query', 40],
  ['mutation', 28],
  ['node', 6],
  ['hidden', 5],
  ['introspect', 2],
  ['batch', 6],
  ['malformed', 4],
  ['get', 3],
  ['badauth', 2],
  ['export', 2],
  ['limits', 2],
  ['persisted', 3],
];

function chaosLevel(rng, kind) {
  const levels = kind === 'mutation'
    ? [[{ chaos: 0, edge: 0.08 }, 72], [{ chaos: 0.03, edge: 0.25 }, 20], [{ chaos: 0.2, edge: 0.4 }, 8]]
    : [[{ chaos: 0, edge: 0.1 }, 55], [{ chaos: 0.05, edge: 0.2 }, 30], [{ chaos: 0.25, edge: 0.4 }, 15]];
  return rng.weighted(levels);
}

function genQuery(ctx, rng, role, { schema = ctx.schemas[role], kind = 'query' } = {}) {
  const lvl = chaosLevel(rng, 'query');
  const g = new Gen({ rng, schema, role, pools: ctx.pools, maxDepth: rng.int(1, 6), tag: ctx.tag, ...lvl });
  const q = schema.getQueryType();
  const fields = Object.values(q.getFields());
  const n = rng.weighted([[1, 6], [2, 3], [3, 1]]);
  const parts = [];
  for (const f of rng.sample(fields, n)) parts.push(g.field(f, 1, false));
  if (rng.chance(0.05)) parts.push(`${g.alias('me')}: me { role __typename }`);
  return { kind, role, opType: 'query', ...g.operation('query', parts), chaotic: lvl.chaos > 0, schema };
}

function genMutation(ctx, rng, role) {
  const schema = ctx.schemas[role];
  const m = schema.getMutationType();
  if (!m) return genQuery(ctx, rng, role);
  const lvl = chaosLevel(rng, 'mutation');
  const g = new Gen({ rng, schema, role, pools: ctx.pools, maxDepth: rng.int(1, 3), tag: ctx.tag, ...lvl });
  const fields = Object.values(m.getFields());
  const parts = [];
  const n = rng.weighted([[1, 9], [2, 1]]);
  for (const f of rng.sample(fields, n)) {
    const named = getNamedType(f.type);
    let s = `${n > 1 ? `${g.alias(f.name)}: ` : ''}${f.name}`;
    g.idType = named.name === 'Int' ? undefined : named.name;
    s += g.args(f.args, f.name);
    if (!isLeafType(named)) {
      s += ` ${g.selectionSet(f.type, 2)}`;
    }
    parts.push(s);
  }
  return { kind: 'mutation', role, opType: 'mutation', ...g.operation('mutation', parts), chaotic: lvl.chaos > 0, schema };
}

function genNode(ctx, rng, role) {
  const schema = ctx.schemas[role];
  const q = schema.getQueryType().getFields();
  const lvl = chaosLevel(rng, 'query');
  const g = new Gen({ rng, schema, role, pools: ctx.pools, maxDepth: rng.int(1, 3), tag: ctx.tag, ...lvl });
  const ids = () => {
    const r = rng.next();
    if (r < 0.55) return g.idFor('id', false);
    if (r < 0.75) return String(rng.int(0, 400));
    return g.idFor('id', true);
  };
  const nodeType = schema.getType('Node');
  const sel = nodeType ? g.selectionSet(nodeType, 2) : '{ __typename }';
  const parts = [];
  if (q.node && (rng.chance(0.6) || !q.nodes)) {
    const v = ids();
    if (rng.chance(0.3)) {
      g.varDefs.push('$id: ID!');
      g.vars.push(['id', JSON.stringify(v)]);
      parts.push(`node(id: $id) ${sel}`);
    } else parts.push(`node(id: ${JSON.stringify(v)}) ${sel}`);
  } else if (q.nodes) {
    const n = rng.weighted([[1, 2], [5, 3], [20, 1], [100, 1], [101, 1], [1000, 1]]);
    const list = [];
    for (let i = 0; i < n; i++) list.push(ids());
    g.varDefs.push('$ids: [ID!]!');
    g.vars.push(['ids', JSON.stringify(list)]);
    parts.push(`nodes(ids: $ids) ${sel}`);
  } else {
    parts.push('__typename');
  }
  return { kind: 'node', role, opType: 'query', ...g.operation('query', parts), chaotic: lvl.chaos > 0, schema };
}

function genIntrospect(ctx, rng, role) {
  const schema = ctx.schemas[role];
  const typeNames = Object.keys(schema.getTypeMap());
  const hidden = Object.keys(ctx.fullSchema.getTypeMap());
  const name = rng.weighted([[rng.pick(typeNames), 5], [rng.pick(hidden), 3], [rng.pick(['', 'Nope', '__Schema', 'String!', '[Case]', 'x'.repeat(500)]), 1]]);
  const q = rng.pick([
    `{ __type(name: ${JSON.stringify(name)}) { name kind fields(includeDeprecated: true) { name args { name type { name kind ofType { name } } } } possibleTypes { name } enumValues { name } inputFields { name } } }`,
    `{ __schema { queryType { name } mutationType { name } types { name kind } } }`,
    `{ __schema { directives { name locations args { name } } } }`,
    `query { __typename a: __typename ${rng.pick(['__type(name: "Case") { name }', '__schema { description }', ''])} }`,
    getIntrospectionQuery({ descriptions: rng.chance(0.5), specifiedByUrl: rng.chance(0.5), directiveIsRepeatable: rng.chance(0.5), schemaDescription: rng.chance(0.5), inputValueDeprecation: rng.chance(0.5) }),
  ]);
  return { kind: 'introspect', role, opType: 'query', query: q, schema };
}

/** Deliberately over the limits: depth > 12, more than 50 aliases, fragment bombs, wide lists. */
function genLimits(ctx, rng, role) {
  const schema = ctx.schemas[role];
  const q = schema.getQueryType();
  let query;
  switch (rng.int(0, 5)) {
    case 0: {
      // deep: walk object fields as far as they go
      const g = new Gen({ rng, schema, role, pools: ctx.pools, maxDepth: rng.int(10, 16), tag: ctx.tag });
      const objs = Object.values(q.getFields()).filter((f) => !isLeafType(getNamedType(f.type)));
      let path = [];
      let t = getNamedType(rng.pick(objs).type);
      path.push(objs.find((f) => getNamedType(f.type) === t));
      for (let i = 0; i < 20; i++) {
        if (!isObjectType(t) && !isInterfaceType(t)) break;
        const next = Object.values(t.getFields()).filter((f) => !isLeafType(getNamedType(f.type)));
        if (!next.length) break;
        const f = rng.pick(next);
        path.push(f);
        t = getNamedType(f.type);
      }
      let s = '__typename';
      for (let i = path.length - 1; i >= 0; i--) {
        const f = path[i];
        s = `${f.name}${g.args(f.args.filter((a) => isRequiredArgument(a) || a.name === 'first'), f.name)} { ${isAbstractType(getNamedType(f.type)) ? '__typename' : s} }`;
      }
      return { kind: 'limits', role, opType: 'query', ...g.operation('query', [s]), schema };
    }
    case 1: {
      const n = rng.pick([49, 50, 51, 60, 200]);
      const parts = [];
      for (let i = 0; i < n; i++) parts.push(`a${i}: ${rng.chance(0.5) ? '__typename' : 'me { role }'}`);
      query = `{ ${parts.join(' ')} }`;
      break;
    }
    case 2: {
      const n = rng.int(5, 30);
      const frags = [`fragment F0 on ${q.name} { __typename }`];
      for (let i = 1; i <= n; i++) frags.push(`fragment F${i} on ${q.name} { ...F${i - 1} ...F${i - 1} }`);
      query = `{ ...F${n} }\n${frags.join('\n')}`;
      break;
    }
    case 3: {
      query = `{ ${'me { role } '.repeat(rng.pick([100, 1000, 5000]))}}`;
      break;
    }
    case 4: {
      // cycles and self-spreads
      query = rng.pick([
        `{ ...A }\nfragment A on ${q.name} { ...B }\nfragment B on ${q.name} { ...A }`,
        `{ ...A }\nfragment A on ${q.name} { ...A }`,
        `{ ${'{'.repeat(rng.pick([20, 200, 5000]))} }`,
        `{ ${'__typename @include(if: true) '.repeat(rng.pick([10, 1000]))}}`,
        `query(${Array.from({ length: 300 }, (_, i) => `$v${i}: Int`).join(', ')}) { __typename }`,
        `{ cases(first: 100) { nodes { seizures { __typename } coordinatingAgencies { code } campaigns { code } } } a: cases(first: 100) { totalCount } }`,
      ]);
      break;
    }
    default: {
      const g = new Gen({ rng, schema, role, pools: ctx.pools, maxDepth: 6, tag: ctx.tag, edge: 0 });
      const conns = Object.values(q.getFields()).filter((f) => f.args.some((a) => a.name === 'first'));
      if (!conns.length) {
        query = '{ __typename }';
        break;
      }
      const f = rng.pick(conns);
      g.intFor = () => 100;
      return { kind: 'limits', role, opType: 'query', ...g.operation('query', [g.field(f, 1, false)]), schema };
    }
  }
  return { kind: 'limits', role, opType: 'query', query, schema };
}

/** Registered (trusted) documents: sent by hash, with or without their text, with variables
 * generated from their variable definitions; and hashes that are wrong in every way. */
function genPersisted(ctx, rng, role) {
  const schema = ctx.schemas[role];
  const lvl = chaosLevel(rng, 'mutation');
  const g = new Gen({ rng, schema, role, pools: ctx.pools, tag: ctx.tag, ...lvl });
  const known = ctx.documents.length ? rng.pick(ctx.documents) : undefined;
  let query = known ? known.text : '{ __typename }';
  let hash = known ? known.sha256 : createHash('sha256').update(query).digest('hex');
  if (known) {
    try {
      const op = parse(known.text).definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
      for (const vd of op?.variableDefinitions || []) {
        const t = typeFromAST(schema, vd.type) || typeFromAST(ctx.fullSchema, vd.type);
        if (!t) continue;
        if (!isNonNullType(t) && rng.chance(0.3)) continue;
        g.vars.push([vd.variable.name.value, jsonText(g.value(t, vd.variable.name.value, false))]);
      }
    } catch {
      /* an unparsable registered document: send it without variables */
    }
  }
  const r = rng.next();
  let sendText = rng.chance(0.5);
  if (r < 0.15) hash = rng.pick(['', 'abc', '0'.repeat(63), 'g'.repeat(64), '0'.repeat(65), hash.toUpperCase(), `sha256:${'f'.repeat(64)}`, `sha1:${hash}`, `${hash} `, '\u0000'.repeat(64)]);
  else if (r < 0.25) hash = createHash('sha256').update(String(rng.next())).digest('hex'); // not registered
  else if (r < 0.3) { query = `${query} `; sendText = true; } // text and hash disagree
  const ext = rng.weighted([
    [{ persistedQuery: { version: 1, sha256Hash: hash } }, 5],
    [{ documentId: rng.chance(0.5) ? `sha256:${hash}` : hash }, 4],
    [{ persistedQuery: { version: rng.pick([0, 2, '1', null]), sha256Hash: hash } }, 1],
    [{ persistedQuery: { sha256Hash: rng.pick([1, null, [], {}, true]) } }, 1],
    [{ documentId: rng.pick([1, null, [], {}, true]) }, 1],
    [{ persistedQuery: 'x' }, 1],
  ]);
  let body = { kind: 'persisted', documentName: known?.name, role, opType: /^\s*(#.*\n\s*)*mutation/.test(query) ? 'mutation' : 'query', query: sendText ? query : '', variablesText: g.varsText(), schema, extensions: ext };
  if (!sendText && rng.chance(0.5)) body.omitQuery = true;
  return body;
}

function bodyOf(spec) {
  let s = spec.omitQuery ? '{"_":0' : `{"query":${JSON.stringify(spec.query)}`;
  if (spec.variablesText !== undefined) s += `,"variables":${spec.variablesText}`;
  if (spec.operationName !== undefined) s += `,"operationName":${JSON.stringify(spec.operationName)}`;
  if (spec.extensions !== undefined) s += `,"extensions":${JSON.stringify(spec.extensions)}`;
  return `${s}}`;
}

function acceptHeader(rng) {
  return rng.weighted([
    ['application/graphql-response+json', 45],
    ['application/json', 35],
    [undefined, 10],
    ['*/*', 4],
    ['application/graphql-response+json, application/json;q=0.9', 4],
    ['text/plain', 2],
  ]);
}

function baseHeaders(ctx, rng, role, i) {
  const h = { 'content-type': 'application/json', 'x-request-id': `fz${ctx.tag}-${i}` };
  const acc = acceptHeader(rng);
  if (acc) h.accept = acc;
  const enc = rng.weighted([[undefined, 6], ['gzip', 2], ['br', 1], ['gzip, br', 1]]);
  if (enc) h['accept-encoding'] = enc;
  if (ctx.tokens[role]) h.authorization = `Bearer ${ctx.tokens[role]}`;
  return h;
}

function genOne(ctx, rng, role, i, allowed = null) {
  const kind = rng.weighted(allowed ? KINDS.filter(([k]) => allowed.includes(k)) : KINDS);
  switch (kind) {
    case 'query':
      return genQuery(ctx, rng, role);
    case 'mutation':
      return genMutation(ctx, rng, role);
    case 'node':
      return genNode(ctx, rng, role);
    case 'hidden':
      // The full schema: fields the role may not see (FORBIDDEN or a validation error).
      return genQuery(ctx, rng, role, { schema: ctx.fullSchema, kind: 'hidden' });
    case 'introspect':
      return genIntrospect(ctx, rng, role);
    case 'limits':
      return genLimits(ctx, rng, role);
    case 'persisted':
      return genPersisted(ctx, rng, role);
    default:
      return { kind, role };
  }
}

/** The HTTP request for operation `i`. */
function genRequest(ctx, i) {
  const rng = new Rng(mix(ctx.seed, i));
  const role = ctx.roles[i % ctx.roles.length];
  const headers = baseHeaders(ctx, rng, role, i);
  const op = genOne(ctx, rng, role, i);
  const req = { i, role, kind: op.kind, method: 'POST', path: '/graphql', headers, expect: 'graphql' };

  switch (op.kind) {
    case 'batch': {
      const n = rng.weighted([[rng.int(2, 10), 20], [1, 2], [0, 1], [11, 1], [rng.int(12, 100), 1]]);
      const items = [];
      for (let k = 0; k < n; k++) {
        const sub = genOne(ctx, rng, role, i, ['query', 'mutation', 'node', 'introspect', 'persisted']);
        items.push(sub);
      }
      req.items = items;
      req.body = `[${items.map(bodyOf).join(',')}]`;
      return req;
    }
    case 'malformed':
      return malformed(ctx, rng, req);
    case 'get': {
      const sub = rng.chance(0.8) ? genQuery(ctx, rng, role) : genMutation(ctx, rng, role);
      Object.assign(req, { method: 'GET', items: [sub], opType: sub.opType });
      delete req.headers['content-type'];
      if (req.headers.accept === 'text/plain' || !req.headers.accept) req.headers.accept = 'application/json';
      const params = new URLSearchParams();
      if (rng.chance(0.95)) params.set('query', sub.query);
      if (sub.variablesText !== undefined) params.set('variables', sub.variablesText);
      if (sub.operationName !== undefined) params.set('operationName', sub.operationName);
      let qs = params.toString();
      if (rng.chance(0.05)) qs = rng.pick(['query=%zz', 'query=%7B&query=%7D', 'variables=%7B', '&&&', 'query', 'query=%00', `query=${'a'.repeat(20000)}`]);
      req.path = `/graphql?${qs}`;
      return req;
    }
    case 'badauth': {
      const sub = genQuery(ctx, rng, role);
      req.items = [sub];
      const any = Object.values(ctx.tokens).filter(Boolean);
      const tok = any.length ? rng.pick(any) : 'a.b.c';
      const [h, p, s] = tok.split('.');
      req.headers.authorization = rng.pick([
        'Bearer', 'Bearer ', 'bearer', `Bearer ${tok}x`, `Bearer ${h}.${p}.`, `Bearer ${h}.${p}`, `Basic ${tok}`,
        `Bearer ${h}.${Buffer.from('{"sub":"x","role":"admin","exp":99999999999}').toString('base64url')}.${s}`,
        'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwicm9sZSI6ImFkbWluIn0.', `Bearer ${'a'.repeat(9000)}`,
        `Bearer ${tok} ${tok}`, `bearer ${tok}`, `Token ${tok}`, '\u00ff', `Bearer  ${tok}`,
      ]);
      req.body = bodyOf(sub);
      req.opType = sub.opType;
      return req;
    }
    case 'export': {
      req.expect = 'export';
      delete req.headers['content-type'];
      const g = new Gen({ rng, schema: ctx.schemas[role], role, pools: ctx.pools, tag: ctx.tag, edge: 0.3 });
      const p = new URLSearchParams();
      p.set('kind', rng.pick(['MONTH', 'QUARTER', 'SIX_MONTHS', 'NINE_MONTHS', 'YEAR', 'CAMPAIGN', 'RANGE', 'year', 'DAY', '']));
      if (rng.chance(0.8)) p.set('year', String(g.intFor('year', rng.chance(0.3))));
      if (rng.chance(0.4)) p.set('month', String(g.intFor('month', rng.chance(0.3))));
      if (rng.chance(0.3)) p.set('quarter', String(g.intFor('quarter', rng.chance(0.3))));
      if (rng.chance(0.2)) p.set('campaign', g.stringFor('campaign', false));
      if (rng.chance(0.3)) p.set('from', rng.chance(0.7) ? g.date() : rng.pick([...EDGE_DATES, ...BAD_DATES]));
      if (rng.chance(0.3)) p.set('to', rng.chance(0.7) ? g.date() : rng.pick([...EDGE_DATES, ...BAD_DATES]));
      if (rng.chance(0.3)) p.set('leadAgency', g.stringFor('leadagency', rng.chance(0.2)));
      if (rng.chance(0.05)) p.set('year', rng.pick(BIG_INTS));
      req.method = 'GET';
      req.path = `/export/${rng.weighted([['statistics.csv', 5], ['statistics.xlsx', 4], ['statistics.pdf', 1], ['..%2Fetc', 1]])}?${p}`;
      return req;
    }
    default: {
      req.items = [op];
      req.opType = op.opType;
      req.body = bodyOf(op);
      return req;
    }
  }
}

function malformed(ctx, rng, req) {
  const ok = '{"query":"{ me { role } }"}';
  const choice = rng.int(0, 24);
  req.kind = 'malformed';
  switch (choice) {
    case 0: req.body = ''; break;
    case 1: req.body = rng.pick(['null', '1', '"x"', 'true', '[]', '{}', '[[]]', '[null]', '[1]']); break;
    case 2: req.body = rng.pick(['{"query":null}', '{"query":1}', '{"query":[]}', '{"query":{}}', '{"query":""}', '{"query":" "}']); break;
    case 3: req.body = rng.pick(['{"query":"{ me { role } }","variables":"x"}', '{"query":"{ me { role } }","variables":[]}', '{"query":"{ me { role } }","variables":1}', '{"query":"{ me { role } }","variables":"{}"}']); break;
    case 4: req.body = rng.pick(['{"query":"{ me { role } }","operationName":5}', '{"query":"{ me { role } }","operationName":{}}', '{"query":"{ me { role } }","extensions":"x"}', '{"query":"{ me { role } }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"abc"}}}']); break;
    case 5: req.body = ok.slice(0, rng.int(1, ok.length - 1)); break;
    case 6: req.body = `\ufeff${ok}`; break;
    case 7: req.body = `${'['.repeat(rng.pick([100, 200, 10000]))}${']'.repeat(rng.pick([0, 100]))}`; break;
    case 8: req.body = `${'{"a":'.repeat(rng.pick([100, 200, 5000]))}1${'}'.repeat(10)}`; break;
    case 9: req.body = `{"query":"{ __typename }","variables":{"x":"${'a'.repeat(rng.pick([200000, 300000]))}"}}`; break;
    case 10: req.body = `${ok} trailing`; break;
    case 11: req.body = Buffer.concat([Buffer.from('{"query":"{ me { role } '), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('}"}')]); break;
    case 12: req.body = '{"query":"{ me { role } }","query":"{ __typename }"}'; break;
    case 13: req.body = ok; req.headers['content-type'] = rng.pick(['text/plain', 'application/graphql', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'APPLICATION/JSON', 'application/jsonx', '', 'application/json, text/plain']); break;
    case 14: req.body = ok; delete req.headers['content-type']; break;
    case 15: req.body = `{"query":"{ __typename }","variables":{${Array.from({ length: rng.pick([1000, 10000]) }, (_, k) => `"v${k}":${k}`).join(',')}}}`; break;
    case 16: req.body = `[${Array.from({ length: rng.pick([10, 11, 1000]) }, () => ok).join(',')}]`; break;
    case 17: req.body = `{"query":"${'\\u0000'.repeat(100)}"}`; break;
    case 18: req.body = '{"query":"{ me { role } }","variables":{"a":1e999}}'; break;
    case 19: req.body = `{"query":"query($a: Int) { __typename }","variables":{"a":${rng.pick(['1e999', '-1e999', '1.0', '99999999999999999999', '"1"', '[1]'])}}}`; break;
    case 20: req.body = `{"query":"query($a: String) { __typename }","variables":{"a":"\\ud800"}}`; break;
    case 21: req.body = ok; req.method = rng.pick(['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']); req.expect = 'any'; break;
    case 22: req.body = ok; req.headers['content-length'] = undefined; req.chunked = true; break;
    case 23: req.body = `{"query":${JSON.stringify(`{ ${'me { role } '.repeat(20000)}}`)}}`; break; // > 256 KiB
    default: req.body = rng.pick(['{"query":"subscription { __typename }"}', '{"query":"mutation { __typename }"}', '{"query":"query A { __typename } query A { __typename }","operationName":"A"}', '{"query":"query A { __typename } query B { __typename }"}']); break;
  }
  return req;
}

// ---------------------------------------------------------------------------------------------
// HTTP

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY + 2 });
// What was sent last on each keep-alive connection: a broken answer may be the previous
// request's doing (a body the server did not read, a response it framed wrongly).
const lastOnSocket = new WeakMap();

function send(req, { fresh = false } = {}) {
  return new Promise((ok) => {
    const url = new URL(BASE + req.path);
    const headers = {};
    for (const [k, v] of Object.entries(req.headers || {})) if (v !== undefined) headers[k] = v;
    // Frame every body explicitly: Node sends a DELETE or OPTIONS body with neither
    // Content-Length nor chunked encoding, and the server would rightly read the body as the
    // next request on the connection.
    const hasBody = req.body !== undefined && req.method !== 'GET' && req.method !== 'HEAD';
    if (hasBody && req.chunked) headers['transfer-encoding'] = 'chunked';
    else if (hasBody) headers['content-length'] = String(Buffer.byteLength(req.body));
    const started = performance.now();
    let settled = false;
    const done = (r) => {
      if (!settled) {
        settled = true;
        ok({ ...r, ms: performance.now() - started });
      }
    };
    let hreq;
    let prev;
    const mine = { op: req.i, kind: req.kind, method: req.method, path: String(req.path).slice(0, 120), bodyBytes: req.body === undefined ? 0 : Buffer.byteLength(req.body), chunked: !!req.chunked };
    try {
      hreq = http.request(url, { method: req.method, headers, agent: fresh ? false : agent }, (res) => {
        mine.status = res.statusCode;
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', (e) => done({ netError: e.code || e.message, reused: hreq.reusedSocket }));
        res.on('end', () => {
          let buf = Buffer.concat(chunks);
          try {
            // An empty body (or a HEAD's) has nothing to decode whatever the header says.
            if (buf.length && req.method !== 'HEAD') buf = decodeBody(buf, res.headers['content-encoding']);
          } catch (e) {
            return done({ status: res.statusCode, headers: res.headers, text: '', decodeError: e.message });
          }
          const text = buf.toString('utf8');
          done({ status: res.statusCode, headers: res.headers, text, json: parseJson(text), prev });
        });
      });
    } catch (e) {
      // Node refused to send it (e.g. an invalid header value): not the server's doing.
      return done({ clientError: e.code || e.message });
    }
    hreq.on('socket', (sock) => {
      prev = lastOnSocket.get(sock);
      lastOnSocket.set(sock, mine);
    });
    hreq.setTimeout(TIMEOUT_MS, () => hreq.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    hreq.on('error', (e) => done({ netError: e.code || e.message, reused: hreq.reusedSocket }));
    if (req.body !== undefined && req.method !== 'GET' && req.method !== 'HEAD') {
      if (req.chunked) {
        const b = Buffer.from(req.body);
        hreq.write(b.subarray(0, 5));
        hreq.write(b.subarray(5));
      } else hreq.write(req.body);
    }
    hreq.end();
  });
}

/** A keep-alive connection the server closed just as we reused it is not a crash: resend once
 * on a fresh connection. A reset on a fresh connection is a failure. */
async function sendChecked(req) {
  let res = await send(req);
  if (res.netError && res.netError !== 'TIMEOUT' && res.reused) {
    const again = await send(req, { fresh: true });
    again.retried = res.netError;
    res = again;
  }
  return res;
}

async function gql(token, query, variables, { accept = 'application/json' } = {}) {
  const headers = { 'content-type': 'application/json', accept };
  if (token) headers.authorization = `Bearer ${token}`;
  return send({ method: 'POST', path: '/graphql', headers, body: JSON.stringify({ query, variables }) });
}

// ---------------------------------------------------------------------------------------------
// Classification

const ALIAS_RE = /^a\d+_/;

function errorsOf(json) {
  const out = [];
  const list = Array.isArray(json) ? json : [json];
  list.forEach((r, k) => {
    if (r && typeof r === 'object' && Array.isArray(r.errors)) for (const e of r.errors) out.push({ e, k });
  });
  return out;
}

function rootFieldsOf(query) {
  try {
    const doc = parse(query, { noLocation: true });
    const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
    return op ? op.selectionSet.selections.filter((s) => s.kind === Kind.FIELD).map((s) => s.name.value).join(',') : '';
  } catch {
    return '(unparsable)';
  }
}

/** → { status, codes[], failures: [{kind, sig}], anomalies: [{kind, sig}] } */
function classify(req, res) {
  const out = { status: res.status ?? (res.netError ? 'NET' : 'CLIENT'), codes: [], failures: [], anomalies: [] };
  const opType = req.items?.length === 1 ? req.items[0].opType : req.items ? 'batch' : req.kind;
  if (res.clientError) {
    out.anomalies.push({ kind: 'CLIENT_REFUSED', sig: `CLIENT_REFUSED ${res.clientError}` });
    return out;
  }
  if (res.netError) {
    if (res.netError === 'TIMEOUT') out.anomalies.push({ kind: 'TIMEOUT', sig: `TIMEOUT ${req.kind} ${opType}` });
    else out.failures.push({ kind: 'NETWORK', sig: `NETWORK ${res.netError}${res.retried ? ` (after ${res.retried})` : ''} ${req.kind}` });
    return out;
  }
  if (res.retried) out.anomalies.push({ kind: 'RESET_REUSED_SOCKET', sig: `RESET_REUSED_SOCKET ${res.retried}` });
  if (res.decodeError) out.failures.push({ kind: 'NON_JSON', sig: `BAD_ENCODING ${res.headers['content-encoding']}` });
  const retryAfter = res.headers['retry-after'];
  if (res.status >= 500 && !(res.status === 503 && retryAfter)) {
    out.failures.push({ kind: 'HTTP_5XX', sig: `HTTP_${res.status} ${req.kind} ${req.path.split('?')[0]}` });
  }
  const ctype = (res.headers['content-type'] || '').split(';')[0].trim();
  if (req.expect === 'graphql' && req.method !== 'HEAD') {
    if (res.json === undefined && (res.status === 414 || res.status === 431) && !res.text) {
      // Refused by the HTTP layer (hyper) before any route ran: a URL or header block too large.
      out.anomalies.push({ kind: 'HTTP_LAYER_NON_JSON', sig: `HTTP_LAYER_NON_JSON ${res.status} ${req.method} (URL ${req.path.length} characters)` });
      return out;
    }
    if (res.json === undefined) {
      out.failures.push({ kind: 'NON_JSON', sig: `NON_JSON ${res.status} ${ctype || '(no content-type)'} ${req.kind}` });
      return out;
    }
    if (!/json/.test(ctype)) out.anomalies.push({ kind: 'CONTENT_TYPE', sig: `CONTENT_TYPE ${ctype} ${res.status}` });
  } else if (req.expect === 'any' && res.json === undefined && req.method !== 'HEAD') {
    out.anomalies.push({ kind: 'NON_JSON_OTHER_METHOD', sig: `NON_JSON_OTHER_METHOD ${req.method} ${res.status} ${ctype || '(no content-type)'}` });
  } else if (req.expect === 'export') {
    if (res.status !== 200 && res.json === undefined) out.anomalies.push({ kind: 'EXPORT_NON_JSON_ERROR', sig: `EXPORT_NON_JSON_ERROR ${res.status} ${ctype}` });
  }
  if (res.json === undefined) return out;
  // Shape: a batch is answered by an array of the same length.
  if (req.expect === 'graphql' && req.items && req.method === 'POST' && req.kind === 'batch' && res.status === 200) {
    if (!Array.isArray(res.json) || res.json.length !== req.items.length) {
      if (req.items.length >= 1 && req.items.length <= 10) out.anomalies.push({ kind: 'BATCH_SHAPE', sig: `BATCH_SHAPE sent ${req.items.length}` });
    }
  }
  for (const { e, k } of errorsOf(res.json)) {
    const code = e && e.extensions && typeof e.extensions.code === 'string' ? e.extensions.code : undefined;
    out.codes.push(code ?? '(none)');
    const item = req.items?.[k] || req.items?.[0];
    const ot = item?.opType || opType;
    const path = Array.isArray(e?.path) ? e.path.filter((p) => typeof p === 'string').map((p) => p.replace(ALIAS_RE, '')).join('.') : '';
    if (typeof e?.message === 'string' && /took longer than/.test(e.message)) out.anomalies.push({ kind: 'SERVER_TIMEOUT', sig: `SERVER_TIMEOUT ${item?.query ? rootFieldsOf(item.query) : req.kind}` });
    if (code === undefined) out.failures.push({ kind: 'NO_CODE', sig: `NO_CODE ${String(e?.message).slice(0, 80)}`, k });
    else if (code === 'INTERNAL') {
      out.failures.push({ kind: 'INTERNAL', sig: `INTERNAL ${ot} ${path || `(no path) ${item?.query ? rootFieldsOf(item.query) : req.kind}`}`, k });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Statistics

class Stats {
  constructor() {
    this.total = 0;
    this.byRole = {};
    this.byKind = {};
    this.byKindOk = {};
    this.status = {};
    this.codes = {};
    this.rateLimited = 0;
    this.failures = {}; // kind -> [examples]
    this.failureCounts = {};
    this.sigs = new Map(); // sig -> { kind, count, first }
    this.anomalies = new Map();
    this.latencies = [];
    this.slowest = [];
    this.locallyValid = 0;
    this.locallyValidRefused = 0;
  }
  role(r) {
    return (this.byRole[r] ||= { ops: 0, status: {}, codes: {}, failures: 0 });
  }
}

function inc(o, k, n = 1) {
  o[k] = (o[k] || 0) + n;
}

function truncate(s, n = 20000) {
  if (typeof s !== 'string') return s;
  return s.length > n ? `${s.slice(0, n)}…[${s.length - n} more characters]` : s;
}

function exampleOf(req, res, cls) {
  const headers = { ...req.headers };
  if (req.kind === 'badauth') headers.authorization = `(a malformed token: ${truncate(headers.authorization, 60)})`;
  else if (headers.authorization) headers.authorization = `Bearer <${req.role} token>`;
  return {
    op: req.i,
    role: req.role,
    kind: req.kind,
    requestId: req.headers?.['x-request-id'],
    request: {
      method: req.method,
      path: truncate(req.path, 4000),
      headers,
      body: req.body === undefined ? undefined : truncate(Buffer.isBuffer(req.body) ? req.body.toString('latin1') : req.body),
    },
    operations: req.items?.map((it) => ({ query: truncate(it.query), variables: truncate(it.variablesText), operationName: it.operationName, extensions: it.extensions, registeredDocument: it.documentName })),
    response: res.netError
      ? { networkError: res.netError, retriedAfter: res.retried }
      : { status: res.status, headers: pickHeaders(res.headers), body: truncate(res.text), previousRequestOnConnection: res.json === undefined ? res.prev : undefined },
    failures: cls.failures.map((f) => f.sig),
  };
}

function pickHeaders(h = {}) {
  const out = {};
  for (const k of ['content-type', 'retry-after', 'content-encoding', 'x-request-id', 'allow']) if (h[k] !== undefined) out[k] = h[k];
  return out;
}

function record(stats, req, res, cls) {
  stats.total++;
  const r = stats.role(req.role);
  r.ops++;
  inc(stats.byKind, req.kind);
  if (cls.status === 200 && cls.codes.length === 0) inc(stats.byKindOk, req.kind);
  inc(stats.status, cls.status);
  inc(r.status, cls.status);
  for (const c of cls.codes) {
    inc(stats.codes, c);
    inc(r.codes, c);
    if (c === 'RATE_LIMITED') stats.rateLimited++;
  }
  if (cls.status === 429) stats.rateLimited++;
  if (res.ms !== undefined) {
    stats.latencies.push(res.ms);
    if (stats.slowest.length < 8 || res.ms > stats.slowest[stats.slowest.length - 1].ms) {
      stats.slowest.push({ ms: Math.round(res.ms), op: req.i, role: req.role, kind: req.kind, status: cls.status, query: truncate(req.items?.[0]?.query ?? req.body?.toString?.() ?? req.path, 300) });
      stats.slowest.sort((a, b) => b.ms - a.ms);
      stats.slowest.length = Math.min(stats.slowest.length, 8);
    }
  }
  const seen = new Set();
  for (const f of cls.failures) {
    inc(stats.failureCounts, f.kind);
    r.failures++;
    let s = stats.sigs.get(f.sig);
    if (!s) stats.sigs.set(f.sig, (s = { kind: f.kind, sig: f.sig, count: 0, first: exampleOf(req, res, cls), req, k: f.k, role: req.role }));
    s.count++;
    if (!seen.has(f.kind)) {
      seen.add(f.kind);
      const list = (stats.failures[f.kind] ||= []);
      if (list.length < 20) list.push(exampleOf(req, res, cls));
    }
  }
  for (const a of cls.anomalies) {
    let s = stats.anomalies.get(a.sig);
    if (!s) stats.anomalies.set(a.sig, (s = { kind: a.kind, sig: a.sig, count: 0, first: exampleOf(req, res, cls) }));
    s.count++;
  }
}

// ---------------------------------------------------------------------------------------------
// Minimisation: shrink a failing GraphQL operation while it fails the same way.

function unusedCleanup(doc) {
  // Drop fragments no longer spread, variable definitions no longer used.
  for (let pass = 0; pass < 10; pass++) {
    const spreads = new Set();
    const vars = new Set();
    const walk = (n) => {
      if (!n || typeof n !== 'object') return;
      if (Array.isArray(n)) return n.forEach(walk);
      if (n.kind === Kind.FRAGMENT_SPREAD) spreads.add(n.name.value);
      if (n.kind === Kind.VARIABLE) vars.add(n.name.value);
      for (const [k, v] of Object.entries(n)) if (k !== 'variableDefinitions' && k !== 'loc') walk(v);
    };
    walk(doc.definitions);
    const before = doc.definitions.length;
    doc.definitions = doc.definitions.filter((d) => d.kind !== Kind.FRAGMENT_DEFINITION || spreads.has(d.name.value));
    for (const d of doc.definitions) {
      if (d.kind === Kind.OPERATION_DEFINITION && d.variableDefinitions) {
        d.variableDefinitions = d.variableDefinitions.filter((v) => vars.has(v.variable.name.value));
      }
    }
    if (doc.definitions.length === before) break;
  }
  return doc;
}

function* editSites(node, path = []) {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) yield* editSites(node[i], [...path, i]);
    return;
  }
  const arrays = [];
  if (node.kind === Kind.SELECTION_SET && node.selections.length > 1) arrays.push('selections');
  if ((node.kind === Kind.FIELD || node.kind === Kind.DIRECTIVE) && node.arguments?.length) arrays.push('arguments');
  if (node.directives?.length) arrays.push('directives');
  if (node.kind === Kind.OBJECT && node.fields.length) arrays.push('fields');
  if (node.kind === Kind.LIST && node.values.length > 1) arrays.push('values');
  if (node.kind === Kind.DOCUMENT && node.definitions.length > 1) arrays.push('definitions');
  for (const a of arrays) {
    const n = node[a].length;
    // Halves first, so a long list or selection shrinks in a few steps.
    if (n >= 4) {
      const h = Math.floor(n / 2);
      yield { path: [...path, a], index: 0, count: h };
      yield { path: [...path, a], index: h, count: n - h };
    }
    for (let i = 0; i < n; i++) yield { path: [...path, a], index: i, count: 1 };
  }
  for (const [k, v] of Object.entries(node)) if (v && typeof v === 'object' && k !== 'loc') yield* editSites(v, [...path, k]);
}

function at(obj, path) {
  return path.reduce((o, k) => o[k], obj);
}

function clone(x) {
  return JSON.parse(JSON.stringify(x));
}

/** Candidate simplifications of { query, variables, operationName }, biggest steps first. */
function* candidates(cur, schema) {
  let doc;
  try {
    doc = parse(cur.query, { noLocation: true });
  } catch {
    return;
  }
  doc = clone(doc);
  // 1. Inline every fragment spread, and drop aliases.
  {
    const d = clone(doc);
    const frags = Object.fromEntries(d.definitions.filter((x) => x.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
    let changed = false;
    const walk = (n, depth) => {
      if (!n || typeof n !== 'object' || depth > 50) return;
      if (Array.isArray(n)) return n.forEach((x) => walk(x, depth));
      if (n.kind === Kind.SELECTION_SET) {
        n.selections = n.selections.map((s) => {
          if (s.kind === Kind.FRAGMENT_SPREAD && frags[s.name.value]) {
            changed = true;
            const f = frags[s.name.value];
            return { kind: Kind.INLINE_FRAGMENT, typeCondition: f.typeCondition, directives: s.directives, selectionSet: clone(f.selectionSet) };
          }
          return s;
        });
      }
      if (n.kind === Kind.FIELD && n.alias && ALIAS_RE.test(n.alias.value)) {
        n.alias = undefined;
        changed = true;
      }
      for (const [k, v] of Object.entries(n)) if (k !== 'loc') walk(v, depth + 1);
    };
    walk(d.definitions.filter((x) => x.kind === Kind.OPERATION_DEFINITION), 0);
    if (changed) yield finish(d, cur);
  }
  // 2. Variables written in place.
  if (schema && cur.variables && typeof cur.variables === 'object') {
    const d = clone(doc);
    const op = d.definitions.find((x) => x.kind === Kind.OPERATION_DEFINITION);
    const lits = {};
    for (const vd of op?.variableDefinitions || []) {
      const name = vd.variable.name.value;
      if (!(name in cur.variables)) continue;
      try {
        const t = typeFromAST(schema, vd.type);
        const ast = t && astFromValue(cur.variables[name], t);
        if (ast) lits[name] = ast;
      } catch {
        /* leave it a variable */
      }
    }
    if (Object.keys(lits).length) {
      const walk = (n) => {
        if (!n || typeof n !== 'object') return n;
        if (Array.isArray(n)) return n.map(walk);
        if (n.kind === Kind.VARIABLE && lits[n.name.value]) return lits[n.name.value];
        for (const k of Object.keys(n)) if (k !== 'variableDefinitions' && k !== 'loc') n[k] = walk(n[k]);
        return n;
      };
      walk(d.definitions);
      yield finish(d, cur);
    }
  }
  // 3. Unwrap one inline fragment (its selections take its place).
  {
    const sites = [];
    const walk = (n, path) => {
      if (!n || typeof n !== 'object') return;
      if (Array.isArray(n)) return n.forEach((x, i) => walk(x, [...path, i]));
      if (n.kind === Kind.SELECTION_SET) {
        n.selections.forEach((s, i) => {
          if (s.kind === Kind.INLINE_FRAGMENT) sites.push({ path: [...path, 'selections'], index: i });
        });
      }
      for (const [k, v] of Object.entries(n)) if (v && typeof v === 'object' && k !== 'loc') walk(v, [...path, k]);
    };
    walk(doc, []);
    for (const site of sites) {
      const d = clone(doc);
      const arr = at(d, site.path);
      arr.splice(site.index, 1, ...arr[site.index].selectionSet.selections);
      yield finish(d, cur);
    }
  }
  // 4. Remove the operation's name.
  {
    const d = clone(doc);
    const ops = d.definitions.filter((x) => x.kind === Kind.OPERATION_DEFINITION);
    if (ops.length === 1 && ops[0].name) {
      ops[0].name = undefined;
      yield finish(d, { ...cur, operationName: undefined });
    }
  }
  // 5. Remove half, then one, of the selections, arguments, directives, input fields, list
  //    items or definitions.
  const sites = [...editSites(doc)];
  for (const site of [...sites.filter((x) => x.count > 1), ...sites.filter((x) => x.count === 1)]) {
    const d = clone(doc);
    const arr = at(d, site.path);
    if (!Array.isArray(arr) || !arr[site.index]) continue;
    arr.splice(site.index, site.count);
    yield finish(d, cur);
  }
}

function finish(doc, cur) {
  unusedCleanup(doc);
  const query = print(doc);
  const used = new Set([...query.matchAll(/\$([_A-Za-z][_0-9A-Za-z]*)/g)].map((m) => m[1]));
  let variables = cur.variables;
  if (variables && typeof variables === 'object' && !Array.isArray(variables)) {
    variables = Object.fromEntries(Object.entries(variables).filter(([k]) => used.has(k)));
    if (!Object.keys(variables).length) variables = undefined;
  }
  const ops = doc.definitions.filter((x) => x.kind === Kind.OPERATION_DEFINITION);
  const operationName = ops.length > 1 || (ops[0]?.name && cur.operationName === ops[0].name.value) ? cur.operationName : undefined;
  return { query, variables, operationName };
}

async function minimizeOne(ctx, s) {
  const item = s.req.items?.[s.k ?? 0] || s.req.items?.[0];
  if (!item?.query || item.extensions || s.kind !== 'INTERNAL') return undefined;
  let variables;
  try {
    variables = item.variablesText === undefined ? undefined : JSON.parse(item.variablesText);
  } catch {
    variables = undefined;
  }
  const token = ctx.tokens[s.role];
  let budget = 200;
  let tries = 0;
  const fails = async (c) => {
    if (budget-- <= 0) return false;
    tries++;
    const body = { query: c.query };
    if (c.variables !== undefined) body.variables = c.variables;
    if (c.operationName !== undefined) body.operationName = c.operationName;
    const headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const req = { i: -1, role: s.role, kind: 'query', method: 'POST', path: '/graphql', headers, body: JSON.stringify(body), expect: 'graphql', items: [{ ...item, query: c.query, opType: item.opType }] };
    const res = await sendChecked(req);
    const cls = classify(req, res);
    if (cls.failures.some((f) => f.sig === s.sig)) return { res };
    return false;
  };
  let cur = { query: item.query, variables, operationName: item.operationName };
  let last = await fails(cur);
  if (!last) return { reproduced: false, tries };
  const schema = item.schema;
  let progress = true;
  while (progress && budget > 0) {
    progress = false;
    for (const c of candidates(cur, schema)) {
      if (c.query === cur.query && JSON.stringify(c.variables) === JSON.stringify(cur.variables)) continue;
      const r = await fails(c);
      if (r) {
        cur = c;
        last = r;
        progress = true;
        break;
      }
      if (budget <= 0) break;
    }
  }
  return {
    reproduced: true,
    tries,
    role: s.role,
    query: cur.query,
    variables: cur.variables,
    operationName: cur.operationName,
    response: truncate(last.res.text, 4000),
  };
}

// ---------------------------------------------------------------------------------------------
// Set-up: tokens, introspection per role, the pools' first harvest.

/** The registered documents of api/documents/ (registered by the server at start-up). */
function loadDocuments() {
  const dir = join(ROOT, 'api', 'documents');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .map((f) => {
      const text = readFileSync(join(dir, f), 'utf8');
      return { name: f, text, sha256: createHash('sha256').update(text).digest('hex') };
    });
}

function loadTokens() {
  const tokens = {};
  if (opt.tokens) {
    const raw = JSON.parse(readFileSync(opt.tokens, 'utf8'));
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string' && v.trim()) tokens[k] = v.trim();
  }
  tokens.anonymous = undefined;
  let roles = Object.keys(tokens);
  if (opt.roles) {
    const want = opt.roles.split(',').map((s) => s.trim()).filter(Boolean);
    for (const w of want) if (!roles.includes(w)) throw new Error(`--roles names ${w}, which has no token`);
    roles = want;
  }
  return { tokens, roles };
}

async function introspect(role, token) {
  const q = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true });
  const res = await gql(token, q, undefined);
  if (res.netError) throw new Error(`introspection as ${role}: ${res.netError}`);
  if (!res.json?.data?.__schema) throw new Error(`introspection as ${role}: HTTP ${res.status}: ${truncate(res.text, 500)}`);
  return buildClientSchema(res.json.data);
}

/** One query per root field (first: 30, required arguments filled), to fill the pools. */
function harvestQueries(ctx, role, schema) {
  const rng = new Rng(mix(ctx.seed ^ 0x5eed, role.length * 7919 + role.charCodeAt(0)));
  const g = new Gen({ rng, schema, role, pools: ctx.pools, tag: ctx.tag, edge: 0 });
  const sel = (type, depth) => {
    const named = getNamedType(type);
    if (isUnionType(named) || isInterfaceType(named)) {
      return `{ __typename ${schema.getPossibleTypes(named).map((t) => `... on ${t.name} ${sel(t, depth)}`).join(' ')} }`;
    }
    const parts = ['__typename'];
    for (const f of Object.values(named.getFields())) {
      if (f.args.some(isRequiredArgument)) continue;
      const fn = getNamedType(f.type);
      if (isLeafType(fn)) {
        if (['id', 'version', 'code', 'endCursor', 'cursor', 'trackingCode', 'status'].includes(f.name)) parts.push(f.name);
      } else if (depth < 3) parts.push(`${f.name} ${sel(f.type, depth + 1)}`);
    }
    return `{ ${parts.join(' ')} }`;
  };
  const out = [];
  for (const f of Object.values(schema.getQueryType().getFields())) {
    if (['node', 'nodes'].includes(f.name)) continue;
    g.idType = getNamedType(f.type).name;
    const args = f.args
      .filter((a) => isRequiredArgument(a) || a.name === 'first' || a.name === 'includeArchived')
      .map((a) => `${a.name}: ${a.name === 'first' ? 30 : a.name === 'includeArchived' ? 'true' : lit(g.value(a.type, a.name, false))}`);
    const s = isLeafType(getNamedType(f.type)) ? '' : ` ${sel(f.type, 1)}`;
    out.push(`{ ${f.name}${args.length ? `(${args.join(', ')})` : ''}${s} }`);
  }
  return out;
}

async function setup(ctx, stats) {
  for (const role of ctx.roles) {
    try {
      ctx.schemas[role] = await introspect(role, ctx.tokens[role]);
      ctx.schemaSource[role] = 'introspection';
    } catch (e) {
      if (/ECONN|socket|TIMEOUT/.test(e.message)) throw e;
      // Refused (e.g. a role that may only run registered documents): fuzz it with the full
      // schema, which then mostly measures the refusals.
      console.log(`  ${role}: ${truncate(e.message, 300)}; using the full schema for this role`);
      ctx.schemas[role] = null; // the full schema, once known
      ctx.schemaSource[role] = `full schema (introspection refused: ${truncate(e.message, 200)})`;
    }
  }
  const introspected = Object.values(ctx.schemas).filter(Boolean);
  if (!introspected.length && !ctx.fullSchema) throw new Error('no role may introspect and there is no --schema');
  ctx.fullSchema ||= introspected.reduce((a, b) => (Object.keys(b.getTypeMap()).length > Object.keys(a.getTypeMap()).length ? b : a));
  for (const role of ctx.roles) ctx.schemas[role] ||= ctx.fullSchema;
  // Twice: the second pass can use what the first found (ids for required arguments). These
  // requests count as ops of kind `harvest`.
  let n = 0;
  for (let pass = 0; pass < 2; pass++) {
    for (const role of ctx.roles) {
      for (const q of harvestQueries(ctx, role, ctx.schemas[role])) {
        const headers = { 'content-type': 'application/json', accept: 'application/json', 'x-request-id': `fz${ctx.tag}-h${n}` };
        if (ctx.tokens[role]) headers.authorization = `Bearer ${ctx.tokens[role]}`;
        const req = {
          i: `h${n++}`, role, kind: 'harvest', method: 'POST', path: '/graphql', headers, expect: 'graphql',
          body: JSON.stringify({ query: q }), items: [{ query: q, opType: 'query', schema: ctx.schemas[role] }],
        };
        const res = await sendChecked(req);
        if (res.json) ctx.pools.harvest(role, res.json.data);
        record(stats, req, res, classify(req, res));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Dry run: no server. Generate against schema.graphql for every role and validate locally.

function dryRun(ctx) {
  const byKind = {};
  let samples = 0;
  for (let i = 0; i < OPS; i++) {
    const req = genRequest(ctx, i);
    const b = (byKind[req.kind] ||= { n: 0, valid: 0, cleanInvalid: 0, examples: [] });
    b.n++;
    for (const it of req.items || []) {
      if (!it.query) continue;
      let ok = false;
      let why = '';
      try {
        const errs = validate(ctx.fullSchema, parse(it.query));
        ok = errs.length === 0;
        why = errs.map((e) => e.message).slice(0, 2).join(' | ');
      } catch (e) {
        why = e.message;
      }
      if (ok) b.valid++;
      else if (!it.chaotic && !['hidden', 'limits', 'introspect'].includes(it.kind)) {
        b.cleanInvalid++;
        if (b.examples.length < 3) b.examples.push({ why, query: it.query.slice(0, 600) });
      }
    }
    if (opt.verbose && samples < 5 && req.kind === 'mutation') {
      samples++;
      console.log(req.body.slice(0, 1500), '\n');
    }
  }
  console.log(JSON.stringify(byKind, null, 2));
}

// ---------------------------------------------------------------------------------------------
// Main

function pct(a, p) {
  if (!a.length) return 0;
  const s = a.slice().sort((x, y) => x - y);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]);
}

function table(rows, header) {
  const w = header.map((h, i) => Math.max(String(h).length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c ?? '').padEnd(w[i]) : String(c ?? '').padStart(w[i]))).join('  ');
  return [line(header), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}

function serverLogFor(logText, requestId) {
  if (!logText || !requestId) return undefined;
  const lines = logText.split('\n').filter((l) => l.includes(`request_id=${requestId}`) && /(ERROR|WARN|panick)/.test(l));
  return lines.length ? lines.slice(0, 10).map((l) => truncate(l, 2000)) : undefined;
}

async function main() {
  const started = Date.now();
  let fullSchema;
  try {
    fullSchema = buildSchema(readFileSync(opt.schema, 'utf8'));
  } catch (e) {
    // Unreadable or mid-rewrite: the largest introspected schema stands in (after set-up).
    console.log(`  ${opt.schema}: ${e.message.split('\n')[0]}; the largest introspected schema stands in for the full one`);
  }
  const { tokens, roles } = opt['dry-run'] ? { tokens: {}, roles: ['police', 'press', 'anonymous'] } : loadTokens();
  const ctx = { seed: SEED, tag: SEED.toString(36), tokens, roles, schemas: {}, schemaSource: {}, fullSchema, pools: new Pools(), documents: loadDocuments() };
  console.log(`fuzz: seed ${SEED}, ${OPS} ops, concurrency ${CONCURRENCY}, roles ${roles.join(', ')}, ${opt['dry-run'] ? 'dry run' : BASE}`);

  if (opt['dry-run']) {
    if (!fullSchema) {
      console.error('fuzz: a dry run needs a readable --schema');
      return 2;
    }
    for (const r of roles) ctx.schemas[r] = fullSchema;
    dryRun(ctx);
    return 0;
  }

  const health = await send({ method: 'GET', path: '/healthz', headers: {} });
  if (health.status !== 200) {
    console.error(`fuzz: the server at ${BASE} is not alive (${health.status ?? health.netError})`);
    return 2;
  }
  const stats = new Stats();
  try {
    await setup(ctx, stats);
  } catch (e) {
    console.error(`fuzz: set-up failed: ${e.message}`);
    return 2;
  }
  for (const r of roles) {
    const s = ctx.schemas[r];
    const n = Object.keys(s.getQueryType().getFields()).length;
    const m = s.getMutationType() ? Object.keys(s.getMutationType().getFields()).length : 0;
    console.log(`  ${r.padEnd(16)} schema: ${Object.keys(s.getTypeMap()).length} types, ${n} queries, ${m} mutations (${ctx.schemaSource[r].split(' ')[0]})`);
  }
  const poolSizes = [...(ctx.pools.objs.get('*') || new Map()).entries()].map(([t, b]) => `${t} ${b.list.length}`).join(', ');
  console.log(`  harvested: ${poolSizes || 'nothing'}; cursors ${ctx.pools.cursors.length}`);

  let next = 0;
  let dead = false;
  let lastReport = Date.now();
  const worker = async () => {
    while (!dead) {
      const i = next++;
      if (i >= OPS) return;
      let req;
      try {
        req = genRequest(ctx, i);
      } catch (e) {
        console.error(`fuzz: generating op ${i} failed (a fuzzer bug): ${e.stack}`);
        continue;
      }
      const res = await sendChecked(req);
      const cls = classify(req, res);
      if (res.json !== undefined) {
        const list = Array.isArray(res.json) ? res.json : [res.json];
        for (const r of list) if (r && typeof r === 'object') ctx.pools.harvest(req.role, r.data);
      }
      // locally valid ops refused before execution: worth a look, not a failure
      record(stats, req, res, cls);
      if (cls.failures.some((f) => f.kind === 'NETWORK')) {
        const h = await send({ method: 'GET', path: '/healthz', headers: {} }, { fresh: true });
        if (h.status !== 200) {
          console.error(`fuzz: the server stopped answering after op ${i} (${h.netError || h.status}); stopping`);
          dead = true;
        }
      }
      if (Date.now() - lastReport > 15000) {
        lastReport = Date.now();
        const f = Object.entries(stats.failureCounts).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
        console.log(`  … ${Math.min(next, OPS)}/${OPS} ops, ${((Date.now() - started) / 1000).toFixed(0)} s, failures: ${f}`);
      }
    }
  };
  const runStarted = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const runMs = Date.now() - runStarted;

  // Still alive?
  const end = await send({ method: 'GET', path: '/healthz', headers: {} }, { fresh: true });
  const alive = end.status === 200;
  if (!alive) {
    stats.failureCounts.DEAD = 1;
    stats.sigs.set('DEAD', { kind: 'DEAD', sig: `DEAD /healthz answered ${end.status ?? end.netError}`, count: 1 });
  }

  // Shrink the reproducers.
  const minimized = {};
  if (MINIMIZE > 0 && alive) {
    const todo = [...stats.sigs.values()].filter((s) => s.kind === 'INTERNAL').slice(0, MINIMIZE);
    if (todo.length) console.log(`fuzz: minimising ${todo.length} distinct INTERNAL failure(s)…`);
    for (const s of todo) {
      try {
        minimized[s.sig] = await minimizeOne(ctx, s);
      } catch (e) {
        minimized[s.sig] = { error: e.message };
      }
    }
  }

  // Server log lines of the failing requests.
  let logText;
  if (opt['server-log'] && existsSync(opt['server-log'])) {
    logText = readFileSync(opt['server-log'], 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
  }
  const panics = logText ? [...new Set(logText.split('\n').filter((l) => /panicked|ERROR/.test(l)).map((l) => l.replace(/^\S+\s+/, '').replace(/request_id=\S+/g, 'request_id=…').slice(0, 400)))].slice(0, 60) : undefined;
  for (const list of Object.values(stats.failures)) for (const ex of list) ex.serverLog = serverLogFor(logText, ex.requestId);

  const distinct = [...stats.sigs.values()].map((s) => ({
    signature: s.sig,
    kind: s.kind,
    count: s.count,
    role: s.role,
    operationIndex: s.k,
    serverLog: s.first ? serverLogFor(logText, s.first.requestId) : undefined,
    minimized: minimized[s.sig],
    first: s.first,
  }));
  const anomalies = [...stats.anomalies.values()].map((a) => ({ signature: a.sig, kind: a.kind, count: a.count, first: a.first }));
  const totalMs = Date.now() - started;
  const summary = {
    seed: SEED,
    url: BASE,
    ops: stats.total,
    runSeconds: +(runMs / 1000).toFixed(1),
    totalSeconds: +(totalMs / 1000).toFixed(1),
    fuzzOps: Math.min(next, OPS),
    opsPerSecond: +(Math.min(next, OPS) / (runMs / 1000)).toFixed(1),
    latencyMs: { p50: pct(stats.latencies, 50), p95: pct(stats.latencies, 95), p99: pct(stats.latencies, 99), max: pct(stats.latencies, 100) },
    byRole: stats.byRole,
    byKind: stats.byKind,
    byKindWithoutErrors: stats.byKindOk,
    status: stats.status,
    codes: stats.codes,
    rateLimited: stats.rateLimited,
    failureCounts: stats.failureCounts,
    alive,
    schemaSource: ctx.schemaSource,
    documents: ctx.documents.map((d) => d.name),
    slowest: stats.slowest,
  };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'fuzz-failures.json'), JSON.stringify({ summary, distinct, examples: stats.failures, anomalies, serverLogErrors: panics }, null, 2));
  writeFileSync(join(OUT, 'fuzz-summary.json'), JSON.stringify(summary, null, 2));

  // The report.
  const statuses = Object.keys(stats.status).sort();
  const codes = Object.keys(stats.codes).sort();
  console.log('\nops per role');
  console.log(table(Object.entries(stats.byRole).map(([r, v]) => [r, v.ops, ...statuses.map((s) => v.status[s] || 0), v.failures]), ['role', 'ops', ...statuses.map((s) => `HTTP ${s}`), 'failures']));
  console.log('\nerror codes per role');
  console.log(table(Object.entries(stats.byRole).map(([r, v]) => [r, ...codes.map((c) => v.codes[c] || 0)]), ['role', ...codes]));
  console.log('\nops per kind');
  console.log(table(Object.entries(stats.byKind).map(([k, v]) => [k, v, stats.byKindOk[k] || 0]), ['kind', 'ops', 'no errors']));
  console.log(`\n${stats.total} ops (${summary.fuzzOps} fuzz + ${stats.total - summary.fuzzOps} harvest) in ${(runMs / 1000).toFixed(1)} s + ${((totalMs - runMs) / 1000).toFixed(1)} s set-up and minimising (${summary.opsPerSecond}/s; latency p50 ${summary.latencyMs.p50} ms, p95 ${summary.latencyMs.p95} ms, max ${summary.latencyMs.max} ms); rate-limited ${stats.rateLimited}; server alive at the end: ${alive ? 'yes' : 'NO'}`);
  if (stats.slowest.length) console.log(`slowest: ${stats.slowest.slice(0, 3).map((s) => `${s.ms} ms (op ${s.op}, ${s.role}, ${s.kind})`).join('; ')}`);
  if (anomalies.length) {
    console.log('\nanomalies (not failures)');
    for (const a of anomalies) console.log(`  ${String(a.count).padStart(6)}  ${a.signature}`);
  }
  const nFail = Object.values(stats.failureCounts).reduce((a, b) => a + b, 0);
  if (!distinct.length) {
    console.log('\nno failures');
  } else {
    console.log(`\nFAILURES: ${nFail} (${distinct.length} distinct)`);
    for (const d of distinct) {
      console.log(`\n  [${d.count}×] ${d.signature}  (role ${d.role})`);
      const m = d.minimized;
      if (m?.reproduced) {
        console.log(`    minimal (${m.tries} tries): ${m.query.replace(/\s+/g, ' ')}${m.variables ? `  variables: ${JSON.stringify(m.variables)}` : ''}`);
      } else if (d.first?.operations?.[d.operationIndex ?? 0]) {
        const o = d.first.operations[d.operationIndex ?? 0];
        const doc = o.registeredDocument ? `[registered ${o.registeredDocument}${o.query ? '' : ', sent by hash'}] ` : '';
        console.log(`    op${d.first.operations.length > 1 ? ` ${d.operationIndex ?? 0} of a batch of ${d.first.operations.length}` : ''}: ${doc}${truncate(o.query.replace(/\s+/g, ' '), 600)}${o.variables ? `  variables: ${truncate(o.variables, 300)}` : ''}${o.extensions ? `  extensions: ${truncate(JSON.stringify(o.extensions), 200)}` : ''}${m && !m.reproduced ? '  (did not reproduce on replay)' : ''}`);
      } else if (d.first) {
        console.log(`    request: ${d.first.request.method} ${truncate(d.first.request.path, 200)} ${truncate(d.first.request.body || '', 300)}`);
      }
      if (d.serverLog) console.log(`    server log: ${truncate(d.serverLog[0], 600)}`);
    }
  }
  console.log(`\nwritten: ${join(OUT, 'fuzz-failures.json')}, ${join(OUT, 'fuzz-summary.json')}`);
  return nFail > 0 || !alive ? 1 : 0;
}

main().then(
  (code) => {
    agent.destroy();
    process.exitCode = code;
  },
  (e) => {
    console.error(`fuzz: ${e.stack || e}`);
    agent.destroy();
    process.exitCode = 2;
  },
);
