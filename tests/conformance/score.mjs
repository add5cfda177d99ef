#!/usr/bin/env node
// score.mjs -- helpers for run.sh (Node >= 20, no dependencies).
//
//   score.mjs baseline FILE
//       Reads an expected-failures file in the conformance CLI's format
//       (`server:` is a list of scenario names; `client:` is ignored) and
//       prints one "scenario<TAB>reason" line per server entry. The reason is
//       the entry's trailing "# comment", else the comment line(s) right above
//       it. An entry without a reason is an error (exit 2): every baseline
//       entry must say why.
//
//   score.mjs checks DIR
//       Finds the checks.json the CLI wrote under DIR (-o DIR) and prints
//       "STATUS SUCCESS_COUNT FAILURE_COUNT WARNING_COUNT" on the first line,
//       STATUS being PASS, FAIL (a FAILURE check) or WARN (a WARNING check,
//       which the CLI's baseline logic also counts as a failure), or NORESULT
//       when no checks.json exists. Then one "#   STATUS id: message" line per
//       FAILURE/WARNING check.
//
//   score.mjs baseline FILE SECTION
//       The same for another top-level list of FILE (alpha.mjs keeps one
//       list per run in one file).
//
// alpha.mjs imports parseBaseline, findChecks and classify.

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

function die(msg) {
  process.stderr.write(`score.mjs: ${msg}\n`);
  process.exit(2);
}

// parseBaseline(file, section) -> [[scenario, reason], ...] of that list.
export function parseBaseline(file, want = 'server') {
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  let section = null;
  let pending = [];
  const out = [];
  for (const line of lines) {
    if (/^\s*$/.test(line)) {
      pending = [];
      continue;
    }
    const top = /^([A-Za-z_][\w-]*)\s*:\s*(\[\s*\])?\s*(#.*)?$/.exec(line);
    if (top) {
      section = top[1];
      pending = [];
      continue;
    }
    const comment = /^\s*#\s?(.*)$/.exec(line);
    if (comment) {
      pending.push(comment[1].trim());
      continue;
    }
    const item = /^\s+-\s+["']?([A-Za-z0-9_./-]+)["']?\s*(?:#\s?(.*))?$/.exec(line);
    if (!item) die(`${file}: cannot parse line: ${line}`);
    if (section === want) {
      const reason = (item[2] ?? '').trim() || pending.join(' ').trim();
      if (!reason) die(`${file}: baseline entry '${item[1]}' has no reason (add a # comment)`);
      out.push([item[1], reason.replace(/\s+/g, ' ')]);
    }
    pending = [];
  }
  return out;
}

function baseline(file, section) {
  const out = parseBaseline(file, section);
  if (out.length) process.stdout.write(out.map((e) => e.join('\t')).join('\n') + '\n');
}

export function findChecks(dir) {
  if (!fs.existsSync(dir)) return null;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isFile() && e.name === 'checks.json') return p;
    if (e.isDirectory()) {
      const r = findChecks(p);
      if (r) return r;
    }
  }
  return null;
}

// classify(file) -> { status: PASS|FAIL|WARN|NORESULT, ok, bad, warn,
// problems: ['STATUS id: message', ...], passed: [check id, ...] } for one
// checks.json.
export function classify(f) {
  let list;
  try {
    list = JSON.parse(fs.readFileSync(f, 'utf8'));
  } catch (e) {
    return { status: 'NORESULT', ok: 0, bad: 0, warn: 0, problems: [`unreadable ${f}: ${e.message}`], passed: [] };
  }
  const n = (s) => list.filter((c) => c.status === s).length;
  const [ok, bad, warn] = [n('SUCCESS'), n('FAILURE'), n('WARNING')];
  const status = bad ? 'FAIL' : warn ? 'WARN' : 'PASS';
  const problems = [];
  const passed = list.filter((c) => c.status === 'SUCCESS').map((c) => c.id);
  for (const c of list) {
    if (c.status !== 'FAILURE' && c.status !== 'WARNING') continue;
    const msg = String(c.errorMessage ?? c.description ?? '').replace(/\s+/g, ' ').slice(0, 400);
    problems.push(`${c.status} ${c.id}: ${msg}`);
  }
  return { status, ok, bad, warn, problems, passed };
}

function checks(dir) {
  const f = findChecks(dir);
  if (!f) {
    process.stdout.write('NORESULT 0 0 0\n');
    return;
  }
  const r = classify(f);
  const lines = [`${r.status} ${r.ok} ${r.bad} ${r.warn}`, ...r.problems.map((p) => `#   ${p}`)];
  process.stdout.write(lines.join('\n') + '\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [cmd, arg, arg2] = process.argv.slice(2);
  if (cmd === 'baseline' && arg) baseline(arg, arg2 ?? 'server');
  else if (cmd === 'checks' && arg) checks(arg);
  else die('usage: score.mjs baseline FILE [SECTION] | checks DIR');
}
