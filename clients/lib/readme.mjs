// The example operations of the repository's README.md, read from the README itself so the
// test follows it as it changes:
//
// - the table under "## What each role sees": column 1 is the token (`police --agency CA`,
//   `leader`, `no token`), column 2 the query in backticks (`same` = the row above's);
// - the walk-through's bash block: `X=$(token --role … )` lines name the viewers, and every
//   `gql "$X" '…' ["variables"] [| field a b)]` call is one operation.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO_ROOT } from './server.mjs';

export function readReadme() {
  return readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
}

function section(md, heading) {
  const start = md.indexOf(`\n## ${heading}`);
  if (start < 0) throw new Error(`README.md has no "## ${heading}" section`);
  const end = md.indexOf('\n## ', start + 4);
  return md.slice(start, end < 0 ? undefined : end);
}

/** `police --agency CA` → { role: 'police', agency: 'CA' }; `no token` → { role: null }. */
export function parseTokenArgs(text) {
  const t = text.trim();
  if (/^no token$/i.test(t)) return { role: null };
  const words = t.split(/\s+/);
  const out = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === '--role') out.role = words[++i];
    else if (w === '--agency') out.agency = words[++i];
    else if (w === '--commune') out.commune = words[++i];
    else if (w === '--ttl') i++;
    else if (!w.startsWith('--') && out.role === undefined) out.role = w;
    else throw new Error(`cannot read token arguments "${text}" (at "${w}")`);
  }
  return out;
}

/** Rows of "What each role sees": [{ viewer, query, line }] */
export function tableExamples(md = readReadme()) {
  const sec = section(md, 'What each role sees');
  const rows = [];
  let previous;
  for (const line of sec.split('\n')) {
    if (!line.startsWith('|') || /^\|\s*-/.test(line) || /^\|\s*role\b/.test(line)) continue;
    const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
    if (cells.length < 3) continue;
    const viewerCell = cells[0].replace(/`/g, '');
    const q = cells[1];
    let query;
    if (/^same\b/i.test(q)) query = previous;
    else {
      const m = q.match(/^`([^`]+)`$/);
      if (!m) throw new Error(`README table: cannot read the query cell "${q}"`);
      query = m[1];
    }
    if (!query) throw new Error(`README table: "same" with no row above (${line})`);
    previous = query;
    rows.push({ viewer: parseTokenArgs(viewerCell), viewerText: viewerCell, query, line });
  }
  if (rows.length === 0) throw new Error('README table "What each role sees" has no rows');
  return rows;
}

/**
 * The walk-through block: { viewers: { QLTT: {role, agency}, … }, steps: [{ viewerVar, query,
 * variablesTemplate, assign, field }] } — `variablesTemplate` is the bash double-quoted
 * string with `\"` unescaped and `$NAME` left for the caller to fill in.
 */
export function walkthrough(md = readReadme()) {
  const sec = section(md, 'Walk-through');
  const m = sec.match(/```bash\n([\s\S]*?)```/);
  if (!m) throw new Error('README walk-through has no ```bash block');
  const block = m[1];
  const viewers = {};
  for (const t of block.matchAll(/^(\w+)=\$\(token ([^)]*)\)/gm)) viewers[t[1]] = parseTokenArgs(t[2]);
  const steps = [];
  const call = /(?:(\w+)=\$\()?gql "\$(\w+)" '([^']*)'(?:[ \t]*(?:\\\n[ \t]*)?"((?:[^"\\]|\\.)*)")?(?:[ \t]*\|[ \t]*field ([\w ]+)\))?/g;
  for (const c of block.matchAll(call)) {
    if (c[2] === '1') continue; // the definition of gql itself
    steps.push({
      assign: c[1] || null,
      viewerVar: c[2],
      query: c[3],
      variablesTemplate: c[4] !== undefined ? c[4].replace(/\\"/g, '"') : null,
      field: c[5] ? c[5].trim().split(/\s+/) : null,
    });
  }
  if (steps.length === 0) throw new Error('README walk-through: no gql calls found');
  for (const s of steps) {
    if (!viewers[s.viewerVar]) throw new Error(`README walk-through: no token line for $${s.viewerVar}`);
  }
  return { viewers, steps };
}
