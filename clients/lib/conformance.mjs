// Checks a GraphQL response against the operation that produced it and a (client) schema,
// as the GraphQL spec (October 2021, "Response" and "Handling Field Errors") says it must be:
//
// - every response key the operation selects (after @skip/@include and fragments whose type
//   condition applies) is present, none other, in selection order;
// - every value fits its field's type: no null in a non-null position, lists are arrays,
//   leaves are JSON of their scalar or a value of their enum, objects are objects;
// - a null that stands in for an error is where null propagation puts it: every error with a
//   `path` finds `null` at its path or at an ancestor of it (never a missing key, never a value);
// - errors are well-formed: `message`, positive `locations`, `path`; and (Hub389's contract)
//   each carries `extensions.code`.
//
// checkResponse() returns a list of problems (strings); an empty list means conforming.

import {
  GraphQLSkipDirective,
  GraphQLIncludeDirective,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  getDirectiveValues,
  getNamedType,
  isAbstractType,
  isEnumType,
  isListType,
  isNonNullType,
  isScalarType,
  parse,
  typeFromAST,
} from 'graphql';

const fmtPath = (path) => (path.length ? path.join('.') : '(root)');

/**
 * @param schema    a GraphQLSchema (e.g. buildClientSchema of the viewer's introspection)
 * @param request   { query, variables?, operationName? } as sent
 * @param body      the parsed JSON response (one object; for a batch call once per element)
 * @param opts      { requireErrorCode = true }
 */
export function checkResponse(schema, request, body, opts = {}) {
  const { requireErrorCode = true } = opts;
  const problems = [];
  const problem = (msg) => problems.push(msg);

  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return [`the response is not a JSON object: ${JSON.stringify(body)?.slice(0, 200)}`];
  }
  for (const k of Object.keys(body)) {
    if (!['data', 'errors', 'extensions'].includes(k)) problem(`unexpected top-level key "${k}"`);
  }

  // Errors.
  const errors = body.errors;
  if (errors !== undefined) {
    if (!Array.isArray(errors) || errors.length === 0) {
      problem(`"errors" must be a non-empty list, got ${JSON.stringify(errors)}`);
    } else {
      errors.forEach((e, i) => {
        const where = `errors[${i}]`;
        if (!e || typeof e !== 'object') return problem(`${where} is not an object`);
        if (typeof e.message !== 'string' || !e.message) problem(`${where} has no message`);
        if (e.locations !== undefined) {
          if (
            !Array.isArray(e.locations) ||
            !e.locations.every(
              (l) => l && Number.isInteger(l.line) && l.line >= 1 && Number.isInteger(l.column) && l.column >= 1,
            )
          ) {
            problem(`${where} ("${e.message}") has invalid locations ${JSON.stringify(e.locations)} (line and column start at 1; omit locations that do not exist)`);
          }
        }
        if (e.path !== undefined) {
          if (!Array.isArray(e.path) || !e.path.every((p) => typeof p === 'string' || Number.isInteger(p))) {
            problem(`${where} has an invalid path ${JSON.stringify(e.path)}`);
          }
        }
        if (requireErrorCode && typeof e.extensions?.code !== 'string') {
          problem(`${where} ("${e.message}") has no extensions.code`);
        }
      });
    }
  }

  if (!('data' in body)) {
    if (errors === undefined) problem('neither "data" nor "errors" in the response');
    return problems; // a request error: nothing executed
  }
  if (body.data === null) {
    if (errors === undefined) problem('"data" is null without errors');
    return problems;
  }

  // The operation.
  let document;
  try {
    document = typeof request.query === 'string' ? parse(request.query) : request.query;
  } catch (e) {
    problem(`the query does not parse, yet the response has data: ${e.message}`);
    return problems;
  }
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const operation = request.operationName
    ? operations.find((o) => o.name?.value === request.operationName)
    : operations.length === 1
      ? operations[0]
      : undefined;
  if (!operation) {
    problem(`cannot tell which operation ran (operationName ${JSON.stringify(request.operationName)})`);
    return problems;
  }
  const fragments = Object.fromEntries(
    document.definitions
      .filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const variables = request.variables || {};
  const rootType =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  if (!rootType) {
    problem(`the schema has no ${operation.operation} type`);
    return problems;
  }

  const ctx = { schema, fragments, variables, problem };
  checkObject(ctx, rootType, [{ selectionSet: operation.selectionSet }], body.data, []);

  // Every error with a path must find null at its path or at an ancestor of it.
  if (Array.isArray(errors)) {
    for (const e of errors) {
      if (!Array.isArray(e?.path)) continue;
      let v = body.data;
      for (let i = 0; i < e.path.length; i++) {
        if (v === null) break; // nulled at an ancestor: fine
        const seg = e.path[i];
        const here = e.path.slice(0, i + 1);
        if (typeof v !== 'object' || !(seg in v)) {
          problem(`error "${e.message}" is at ${fmtPath(e.path)}, but ${fmtPath(here)} is not in the data (a refused field must be present and null)`);
          v = undefined;
          break;
        }
        v = v[seg];
      }
      if (v !== null && v !== undefined) {
        problem(`error "${e.message}" is at ${fmtPath(e.path)}, but the data there is not null: ${JSON.stringify(v).slice(0, 120)}`);
      }
    }
  }
  return problems;
}

function shouldInclude(ctx, node) {
  const skip = getDirectiveValues(GraphQLSkipDirective, node, ctx.variables);
  if (skip?.if === true) return false;
  const include = getDirectiveValues(GraphQLIncludeDirective, node, ctx.variables);
  if (include?.if === false) return false;
  return true;
}

function fragmentApplies(ctx, node, runtimeType) {
  if (!node.typeCondition) return true;
  const cond = typeFromAST(ctx.schema, node.typeCondition);
  if (!cond) return false;
  if (cond === runtimeType) return true;
  return isAbstractType(cond) && ctx.schema.isSubType(cond, runtimeType);
}

/** CollectFields of the spec: response key → field nodes, in selection order. */
function collectFields(ctx, runtimeType, selectionSet, fields, visited) {
  for (const sel of selectionSet.selections) {
    if (!shouldInclude(ctx, sel)) continue;
    if (sel.kind === Kind.FIELD) {
      const key = sel.alias ? sel.alias.value : sel.name.value;
      if (!fields.has(key)) fields.set(key, []);
      fields.get(key).push(sel);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      if (fragmentApplies(ctx, sel, runtimeType)) collectFields(ctx, runtimeType, sel.selectionSet, fields, visited);
    } else if (sel.kind === Kind.FRAGMENT_SPREAD) {
      const name = sel.name.value;
      if (visited.has(name)) continue;
      visited.add(name);
      const frag = ctx.fragments[name];
      if (frag && fragmentApplies(ctx, frag, runtimeType)) collectFields(ctx, runtimeType, frag.selectionSet, fields, visited);
    }
  }
  return fields;
}

function subfields(ctx, runtimeType, fieldNodes) {
  const fields = new Map();
  const visited = new Set();
  for (const node of fieldNodes) {
    if (node.selectionSet) collectFields(ctx, runtimeType, node.selectionSet, fields, visited);
  }
  return fields;
}

function fieldDef(ctx, parentType, name) {
  if (name === '__typename') return TypeNameMetaFieldDef;
  if (parentType === ctx.schema.getQueryType()) {
    if (name === '__schema') return SchemaMetaFieldDef;
    if (name === '__type') return TypeMetaFieldDef;
  }
  return parentType.getFields()[name];
}

function runtimeTypeOf(ctx, abstractType, fieldNodes, value, path) {
  const possible = ctx.schema.getPossibleTypes(abstractType);
  if (typeof value.__typename === 'string') {
    const t = ctx.schema.getType(value.__typename);
    if (!t || !possible.includes(t)) {
      ctx.problem(`${fmtPath(path)}: __typename "${value.__typename}" is not a possible type of ${abstractType.name}`);
      return undefined;
    }
    return t;
  }
  // Without __typename: the possible type whose selected keys are exactly the keys present.
  const keys = Object.keys(value).sort().join(',');
  const match = possible.find((t) => [...subfields(ctx, t, fieldNodes).keys()].sort().join(',') === keys);
  if (!match) ctx.problem(`${fmtPath(path)}: cannot tell which ${abstractType.name} this is (select __typename)`);
  return match;
}

function checkObject(ctx, type, fieldNodes, value, path) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    ctx.problem(`${fmtPath(path)}: expected an object (${type.name}), got ${JSON.stringify(value)?.slice(0, 80)}`);
    return;
  }
  let runtimeType = type;
  if (isAbstractType(type)) {
    runtimeType = runtimeTypeOf(ctx, type, fieldNodes, value, path);
    if (!runtimeType) return;
  }
  const fields = subfields(ctx, runtimeType, fieldNodes);
  const expected = [...fields.keys()];
  const actual = Object.keys(value);
  const missing = expected.filter((k) => !(k in value));
  const extra = actual.filter((k) => !fields.has(k));
  for (const k of missing) ctx.problem(`${fmtPath([...path, k])}: selected but missing from the response`);
  for (const k of extra) ctx.problem(`${fmtPath([...path, k])}: in the response but not selected`);
  const present = actual.filter((k) => fields.has(k));
  const wanted = expected.filter((k) => k in value);
  if (present.join(',') !== wanted.join(',')) {
    ctx.problem(`${fmtPath(path)}: keys out of selection order: got [${present}], selected [${wanted}]`);
  }
  for (const [key, nodes] of fields) {
    if (!(key in value)) continue;
    const name = nodes[0].name.value;
    const def = fieldDef(ctx, runtimeType, name);
    if (!def) {
      ctx.problem(`${fmtPath([...path, key])}: ${runtimeType.name}.${name} is not in this schema, yet the server answered it`);
      continue;
    }
    checkValue(ctx, def.type, nodes, value[key], [...path, key]);
  }
}

function checkValue(ctx, type, fieldNodes, value, path) {
  if (isNonNullType(type)) {
    if (value === null) {
      ctx.problem(`${fmtPath(path)}: null in a non-null position (${type})`);
      return;
    }
    return checkValue(ctx, type.ofType, fieldNodes, value, path);
  }
  if (value === null) return;
  if (isListType(type)) {
    if (!Array.isArray(value)) {
      ctx.problem(`${fmtPath(path)}: expected a list (${type}), got ${JSON.stringify(value)?.slice(0, 80)}`);
      return;
    }
    value.forEach((item, i) => checkValue(ctx, type.ofType, fieldNodes, item, [...path, i]));
    return;
  }
  if (isScalarType(type)) return checkScalar(ctx, type, value, path);
  if (isEnumType(type)) {
    if (typeof value !== 'string' || !type.getValue(value)) {
      ctx.problem(`${fmtPath(path)}: ${JSON.stringify(value)} is not a value of enum ${type.name}`);
    }
    return;
  }
  checkObject(ctx, getNamedType(type), fieldNodes, value, path);
}

function checkScalar(ctx, type, value, path) {
  const bad = (what) => ctx.problem(`${fmtPath(path)}: ${JSON.stringify(value)?.slice(0, 80)} is not ${what} (${type.name})`);
  switch (type.name) {
    case 'Int':
      if (!Number.isInteger(value) || value > 2147483647 || value < -2147483648) bad('a 32-bit integer');
      break;
    case 'Float':
      if (typeof value !== 'number' || !Number.isFinite(value)) bad('a finite number');
      break;
    case 'String':
      if (typeof value !== 'string') bad('a string');
      break;
    case 'Boolean':
      if (typeof value !== 'boolean') bad('a boolean');
      break;
    case 'ID':
      if (typeof value !== 'string') bad('an ID serialised as a string');
      break;
    // Hub389's custom scalars, as schema.graphql describes them.
    case 'Vnd':
      if (!Number.isSafeInteger(value)) bad('a whole number of đồng');
      break;
    case 'NaiveDate':
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) bad('a YYYY-MM-DD date');
      break;
    case 'DateTime':
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) bad('an RFC 3339 date-time');
      break;
    default:
      // Another custom scalar: any JSON value is legal; this API has no object-valued scalar.
      if (typeof value === 'object') bad('a scalar value');
  }
}
