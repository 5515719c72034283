#!/usr/bin/env node
// Builds the dashboard's static files: `node web/build.mjs OUT_DIR`.
//
// No bundler: web/src is copied as it is, and Chart.js's UMD build from web/node_modules goes to
// OUT_DIR/vendor/. OUT_DIR is emptied first, because `talky serve` embeds every file in it.
// Needs no network: run `npm ci` in web/ once beforehand.

import {cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync} from 'node:fs';
import {dirname, join, relative, resolve, sep} from 'node:path';
import {fileURLToPath} from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, 'src');
const modules = join(here, 'node_modules');

// The files taken from packages: [from under node_modules, to under OUT_DIR]. The UMD build
// carries its licence in its first comment; its 1 MB source map is left out of the binary.
const VENDOR = [
  ['chart.js/dist/chart.umd.js', 'vendor/chart.umd.js'],
];

function fail(message) {
  console.error(`build.mjs: ${message}`);
  process.exit(1);
}

const outArg = process.argv[2];
if (!outArg || process.argv.length > 3) fail('usage: node web/build.mjs OUT_DIR');
const out = resolve(outArg);

// Emptying OUT_DIR must never reach the sources or anything above them.
const isInside = (child, parent) => child === parent || child.startsWith(parent + sep);
if (isInside(here, out) || isInside(out, src) || out === resolve('/')) {
  fail(`refusing to use ${out} as OUT_DIR: it holds or is inside the sources`);
}
for (const [from] of VENDOR) {
  if (!existsSync(join(modules, from))) {
    fail(`${join(modules, from)} is missing: run \`npm ci\` in ${here} first`);
  }
}

rmSync(out, {recursive: true, force: true});
mkdirSync(out, {recursive: true});
cpSync(src, out, {recursive: true});
for (const [from, to] of VENDOR) {
  mkdirSync(dirname(join(out, to)), {recursive: true});
  cpSync(join(modules, from), join(out, to));
}

// Print what was built, so a build log shows it.
function list(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? list(path) : [path];
  });
}
const files = list(out);
const bytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
console.log(`build.mjs: ${files.length} files (${Math.round(bytes / 1024)} KiB) in ${relative(process.cwd(), out) || '.'}`);
