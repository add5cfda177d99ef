#!/usr/bin/env node
// alpha.mjs -- helpers for run-alpha.sh and tests/bats/0521-conformance-alpha.bats
// (Node >= 20, no dependencies): the conformance suite 0.2.0-alpha run once
// per target and requirement set, scored per scenario, and a through-the-
// platform run compared with the same fixture called directly.
//
//   alpha.mjs collect OUT LIST URL REQ
//       LIST is the output of `conformance list --server --requirements REQ`;
//       OUT the CLI's -o directory (server-<scenario>-<time>/checks.json).
//       Writes OUT/results.json: { requirements, url, scenarios: { NAME:
//       { kind, status, ok, bad, warn, problems } } }, kind being "scored"
//       (required by REQ) or the CLI's reason for not scoring it
//       ("extension", "pending", "added-after-release"); status PASS, FAIL,
//       WARN (a WARNING counts as a failure, as in run.sh) or NORESULT (the
//       scenario left no checks.json: it hung or crashed). Prints one TAP-like
//       line per scenario.
//
//   alpha.mjs compare DIRECT.json THROUGH.json BASELINE SECTION
//       TAP, one line per scenario of THROUGH: "not ok" for a scenario that
//       passes directly and fails through the platform (LOST) unless the
//       SECTION list of BASELINE names it with its reason ("ok ... # SKIP"),
//       and "not ok" for a listed scenario that passes (stale entry). Exit 1
//       when any line is not ok.
//
//   alpha.mjs report RESULTS_DIR BASELINE
//       The Markdown tables of docs/conformance.md's generated section from
//       RESULTS_DIR/<run>.json (run names as 0521 writes them): the scores
//       per requirement set and pairing, then every scenario lost through
//       the platform with its baseline reason (or, when the baseline does
//       not list it, its first failing check).

import fs from 'node:fs';
import path from 'node:path';
import { classify, findChecks, parseBaseline } from './score.mjs';

function die(msg) {
  process.stderr.write(`alpha.mjs: ${msg}\n`);
  process.exit(2);
}

// The server scenarios of a `list --server --requirements REQ` output, with
// their kind.
function parseList(text) {
  const kinds = new Map();
  let mode = null;
  let kind = null;
  for (const line of text.split(/\r?\n/)) {
    if (/^Server scenarios/.test(line)) { mode = 'scored'; continue; }
    if (/^Client scenarios/.test(line)) { mode = null; continue; }
    if (/^Run and reported, but never scored/.test(line)) { mode = 'unscored'; continue; }
    if (mode === 'scored') {
      const m = /^\s+-\s+([A-Za-z0-9_./-]+)\s*$/.exec(line);
      if (m) kinds.set(m[1], 'scored');
    } else if (mode === 'unscored') {
      const k = /^\s+([a-z-]+)\s+\(\d+\):\s*$/.exec(line);
      if (k) { kind = k[1]; continue; }
      const m = /^\s+-\s+([A-Za-z0-9_./-]+)\s+\[server\]\s*$/.exec(line);
      if (m && kind) kinds.set(m[1], kind);
    }
  }
  return kinds;
}

function collect(out, listFile, url, req) {
  const kinds = parseList(fs.readFileSync(listFile, 'utf8'));
  if (!kinds.size) die(`${listFile}: no server scenarios listed`);
  // The CLI names each scenario's directory server-<scenario>-<ISO time>.
  const dirs = new Map();
  for (const e of fs.existsSync(out) ? fs.readdirSync(out, { withFileTypes: true }) : []) {
    const m = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(e.name);
    if (e.isDirectory() && m) dirs.set(m[1], path.join(out, e.name));
  }
  const scenarios = {};
  for (const [name, kind] of kinds) {
    const f = dirs.has(name) ? findChecks(dirs.get(name)) : null;
    const r = f ? classify(f) : { status: 'NORESULT', ok: 0, bad: 0, warn: 0, problems: ['no checks.json (the scenario hung, timed out or crashed)'], passed: [] };
    scenarios[name] = { kind, ...r };
    const tag = kind === 'scored' ? '' : ` (${kind}, not scored)`;
    process.stdout.write(`${r.status === 'PASS' ? 'ok' : 'not ok'} - ${name}${tag}\n`);
    for (const p of r.problems) process.stdout.write(`#   ${p}\n`);
  }
  fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify({ requirements: req, url, scenarios }, null, 1) + '\n');
  const all = Object.values(scenarios);
  const scored = all.filter((s) => s.kind === 'scored');
  process.stdout.write(`# ${req}: ${scored.filter((s) => s.status === 'PASS').length}/${scored.length} scored scenarios pass, ` +
    `${all.filter((s) => s.status === 'PASS').length}/${all.length} of all run\n`);
}

// Checks that pass directly and fail through the platform, inside a
// scenario that fails both ways (the scenario verdict hides them).
function lostChecks(d, t) {
  if (!d?.passed) return [];
  const ok = new Set(d.passed);
  return t.problems.map((p) => /^(?:FAILURE|WARNING) (\S+):/.exec(p)?.[1]).filter((id) => id && ok.has(id));
}

const load = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));

function compare(directFile, throughFile, baselineFile, section) {
  const direct = load(directFile).scenarios;
  const through = load(throughFile).scenarios;
  const base = new Map(baselineFile === 'none' ? [] : parseBaseline(baselineFile, section));
  const names = Object.keys(through);
  let bad = 0;
  let n = 0;
  process.stdout.write(`1..${names.length}\n`);
  for (const s of names) {
    n += 1;
    const t = through[s];
    const d = direct[s];
    const dPass = d?.status === 'PASS';
    if (t.status === 'PASS') {
      if (base.has(s)) {
        process.stdout.write(`not ok ${n} - ${s} # stale baseline entry: it passes now, remove it from ${section}\n`);
        bad += 1;
      } else {
        process.stdout.write(`ok ${n} - ${s}${dPass ? '' : ' # gained: fails directly'}\n`);
      }
      continue;
    }
    if (!dPass) {
      const lc = lostChecks(d, t);
      process.stdout.write(`ok ${n} - ${s} # SKIP fails directly too (${d ? d.status : 'not run'})` +
        `${lc.length ? `; checks lost through the platform: ${lc.join(', ')}` : ''}\n`);
    } else if (base.has(s)) {
      process.stdout.write(`ok ${n} - ${s} # SKIP LOST, known platform gap (baseline): ${base.get(s)}\n`);
    } else {
      process.stdout.write(`not ok ${n} - ${s} # LOST: passes directly, ${t.status} through the platform\n`);
      bad += 1;
    }
    for (const p of t.problems) process.stdout.write(`#   ${p}\n`);
  }
  for (const s of base.keys()) {
    if (!(s in through)) {
      process.stdout.write(`# baseline ${section} names '${s}', which this run does not have\n`);
      bad += 1;
    }
  }
  process.exit(bad ? 1 : 0);
}

// Runs as 0521 names them: direct-<fixture>-<req>, <fixture>-<transport>-<req>.
function report(dir, baselineFile) {
  const runs = {};
  for (const f of fs.readdirSync(dir)) {
    const m = /^(.+)\.json$/.exec(f);
    if (m) runs[m[1]] = load(path.join(dir, f));
  }
  const pass = (r, pred) => Object.entries(r.scenarios).filter(([, s]) => pred(s) && s.status === 'PASS').map(([k]) => k);
  const count = (r, pred) => Object.values(r.scenarios).filter(pred).length;
  const scored = (s) => s.kind === 'scored';
  const lines = [];
  const reqs = [...new Set(Object.values(runs).map((r) => r.requirements))].sort().reverse();
  lines.push('| Requirement set | Fixture | Transport | Scored: direct | Scored: through | Lost | Gained | Not scored (extension, pending): direct / through |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
  const lost = [];
  const lostCk = [];
  for (const req of reqs) {
    for (const fx of ['legacy', 'modern']) {
      const d = runs[`direct-${fx}-${req}`];
      for (const tr of ['stdio', 'http']) {
        const t = runs[`${fx}-${tr}-${req}`];
        if (!d || !t) continue;
        const dp = new Set(pass(d, () => true));
        const tp = new Set(pass(t, () => true));
        const l = [...dp].filter((s) => !tp.has(s));
        const g = [...tp].filter((s) => !dp.has(s));
        const ns = (r) => `${pass(r, (s) => !scored(s)).length}/${count(r, (s) => !scored(s))}`;
        lines.push(`| ${req} | ${fx} | ${tr} | ${pass(d, scored).length}/${count(d, scored)} | ` +
          `${pass(t, scored).length}/${count(t, scored)} | ${l.length} | ${g.length} | ${ns(d)} / ${ns(t)} |`);
        const base = new Map(parseBaseline(baselineFile, `${fx}-${tr}-${req}`));
        for (const s of l) lost.push([req, fx, tr, s, t.scenarios[s], base.get(s)]);
        for (const [s, v] of Object.entries(t.scenarios)) {
          if (dp.has(s) || v.status === 'PASS') continue;
          for (const id of lostChecks(d.scenarios[s], v)) {
            const p = v.problems.find((x) => x.includes(` ${id}:`));
            lostCk.push([req, fx, tr, s, p]);
          }
        }
      }
    }
  }
  lines.push('');
  if (lost.length) {
    lines.push('Scenarios lost through the platform (pass directly, fail through it), with the');
    lines.push('reason `tests/conformance/baseline-alpha-platform.yml` gives (**not listed**: a');
    lines.push('regression that fails `make test`; its first failing check is shown):');
    lines.push('');
    lines.push('| Requirement set | Pairing | Scenario | Why |');
    lines.push('| --- | --- | --- | --- |');
    const cell = (t) => t.replace(/\|/g, '\\|').slice(0, 240);
    for (const [req, fx, tr, s, r, why] of lost) {
      const w = why ? cell(why) : `**not listed**: ${cell(r.problems[0] ?? r.status)}`;
      lines.push(`| ${req} | ${fx} ${tr} | ${s} | ${w} |`);
    }
  } else {
    lines.push('No scenario that passes directly is lost through the platform.');
  }
  if (lostCk.length) {
    lines.push('');
    lines.push('Checks lost inside scenarios that fail both ways (the check passes directly and');
    lines.push('fails through the platform; not judged by 0521, which compares scenarios):');
    lines.push('');
    lines.push('| Requirement set | Pairing | Scenario | Check lost |');
    lines.push('| --- | --- | --- | --- |');
    for (const [req, fx, tr, s, p] of lostCk) {
      lines.push(`| ${req} | ${fx} ${tr} | ${s} | ${p.replace(/\|/g, '\\|').slice(0, 240)} |`);
    }
  }
  // Per scenario, per requirement set: pass (P) or fail (F, W for a
  // WARNING only, - no result) in each run.
  const mark = (r, s) => {
    const v = r?.scenarios[s];
    if (!v) return ' ';
    return { PASS: 'P', FAIL: 'F', WARN: 'W', NORESULT: '-' }[v.status] ?? '?';
  };
  const cols = ['direct-legacy', 'legacy-stdio', 'legacy-http', 'direct-modern', 'modern-stdio', 'modern-http'];
  for (const req of reqs) {
    const rs = cols.map((c) => runs[`${c}-${req}`]);
    const names = [...new Set(rs.flatMap((r) => (r ? Object.keys(r.scenarios) : [])))];
    lines.push('');
    lines.push(`Per scenario, ${req} (P pass, F failure, W warning only, - no result; *not scored* = run by the CLI but outside the requirement set):`);
    lines.push('');
    lines.push('| Scenario | legacy direct | legacy stdio | legacy http | modern direct | modern stdio | modern http |');
    lines.push('| --- | --- | --- | --- | --- | --- | --- |');
    for (const n of names) {
      const kind = rs.find((r) => r?.scenarios[n])?.scenarios[n].kind;
      const label = kind === 'scored' ? n : `${n} *(not scored: ${kind})*`;
      lines.push(`| ${label} | ${rs.map((r) => mark(r, n)).join(' | ')} |`);
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'collect' && args.length === 4) collect(...args);
else if (cmd === 'compare' && args.length === 4) compare(...args);
else if (cmd === 'report' && args.length === 2) report(...args);
else die('usage: alpha.mjs collect OUT LIST URL REQ | compare DIRECT.json THROUGH.json BASELINE SECTION | report DIR BASELINE');
