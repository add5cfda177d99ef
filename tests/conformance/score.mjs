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

import fs from 'node:fs';
import path from 'node:path';

function die(msg) {
  process.stderr.write(`score.mjs: ${msg}\n`);
  process.exit(2);
}

function baseline(file) {
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
    if (section === 'server') {
      const reason = (item[2] ?? '').trim() || pending.join(' ').trim();
      if (!reason) die(`${file}: baseline entry '${item[1]}' has no reason (add a # comment)`);
      out.push(`${item[1]}\t${reason.replace(/\s+/g, ' ')}`);
    }
    pending = [];
  }
  if (out.length) process.stdout.write(out.join('\n') + '\n');
}

function findChecks(dir) {
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

function checks(dir) {
  const f = findChecks(dir);
  if (!f) {
    process.stdout.write('NORESULT 0 0 0\n');
    return;
  }
  let list;
  try {
    list = JSON.parse(fs.readFileSync(f, 'utf8'));
  } catch (e) {
    process.stdout.write(`NORESULT 0 0 0\n#   unreadable ${f}: ${e.message}\n`);
    return;
  }
  const n = (s) => list.filter((c) => c.status === s).length;
  const [ok, bad, warn] = [n('SUCCESS'), n('FAILURE'), n('WARNING')];
  const status = bad ? 'FAIL' : warn ? 'WARN' : 'PASS';
  const lines = [`${status} ${ok} ${bad} ${warn}`];
  for (const c of list) {
    if (c.status !== 'FAILURE' && c.status !== 'WARNING') continue;
    const msg = String(c.errorMessage ?? c.description ?? '').replace(/\s+/g, ' ').slice(0, 400);
    lines.push(`#   ${c.status} ${c.id}: ${msg}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

const [cmd, arg] = process.argv.slice(2);
if (cmd === 'baseline' && arg) baseline(arg);
else if (cmd === 'checks' && arg) checks(arg);
else die('usage: score.mjs baseline FILE | checks DIR');
