#!/usr/bin/env node
// The published entry: runs the bundle in dist/ (npm run build) through V8's code cache, so that a command
// does not parse and compile the same code again on every run (Node 20 has no module.enableCompileCache).
// The cache holds the functions a run compiled, so the main bundle gets one per command (`config list` and
// `route add` use different code). Files are in ~/.cache/get-ai-gateway (0700), named after the bundle's
// size, mtime and inode and Node's version: a rebuilt bundle gets new ones and the old ones are removed, and so
// are those of an install whose folder is gone (each install records its dist/ folder in `install@<id>`).
// V8 checks the rest and rejects a cache from other flags; a rejected or missing cache is written again
// when the command ends.
// GET_AI_GATEWAY_CODE_CACHE=0 turns it off.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const dist = path.join(__dirname, '..', 'dist');
const cacheDir = process.env.GET_AI_GATEWAY_CODE_CACHE === '0' ? undefined : codeCacheDir();
const loaded = new Map();

function codeCacheDir() {
  const base = process.env.XDG_CACHE_HOME || (process.env.HOME && path.join(process.env.HOME, '.cache'));
  return base ? path.join(base, 'get-ai-gateway') : undefined;
}

/** Only a folder of this user's, closed to others, is used: a cache is code. Undefined: not there yet. */
function cacheDirUsable() {
  try {
    const stat = fs.statSync(cacheDir);
    return stat.isDirectory() && (!process.getuid || (stat.uid === process.getuid() && (stat.mode & 0o077) === 0));
  } catch {
    return undefined;
  }
}

function readCache(file) {
  try {
    return cacheDirUsable() ? fs.readFileSync(file) : undefined;
  } catch {
    return undefined;
  }
}

/** `config-list` for `get-ai-gateway config list --json`: the command words, as far as they look like words. */
function commandWords() {
  const words = [];
  for (const arg of process.argv.slice(2)) {
    if (arg.startsWith('-') || !/^[a-z]{1,20}$/.test(arg) || words.length === 2) break;
    words.push(arg);
  }
  return words.join('-') || 'none';
}

/** FNV-1a of the install's dist/ path: installs side by side (a global one, a clone) keep their own caches. */
function installId() {
  let hash = 0x811c9dc5;
  for (let i = 0; i < dist.length; i++) hash = Math.imul(hash ^ dist.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16);
}

const MONTH_MS = 30 * 24 * 3600 * 1000;

/** `install@<id>` names the dist/ folder of an install, so that its caches can go when the folder does. */
const INSTALL_PREFIX = 'install@';

function writeCache(file, script) {
  try {
    if (cacheDirUsable() === false) return;
    fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const [bundle, , install, build] = path.basename(file).split('@');
    const record = `${INSTALL_PREFIX}${install}`;
    if (!fs.existsSync(path.join(cacheDir, record))) fs.writeFileSync(path.join(cacheDir, record), dist, { mode: 0o600 });
    const names = fs.readdirSync(cacheDir);
    const installOf = (name) => (name.startsWith(INSTALL_PREFIX) ? name.slice(INSTALL_PREFIX.length) : name.split('@')[2]);
    // Installs whose folder is gone (a removed version, an npx or test folder): everything of theirs goes.
    const gone = new Set(
      names.filter((name) => name.startsWith(INSTALL_PREFIX) && name !== record && !fs.existsSync(path.join(fs.readFileSync(path.join(cacheDir, name), 'utf8'), 'cli.js'))).map(installOf),
    );
    // So do caches of an older build of this install, and anything left unused for a month.
    for (const name of names) {
      const [oldBundle, , oldInstall, oldBuild] = name.split('@');
      const stale = oldBundle === bundle && oldInstall === install && oldBuild !== build;
      if (stale || gone.has(installOf(name)) || Date.now() - fs.statSync(path.join(cacheDir, name)).mtimeMs > MONTH_MS) fs.rmSync(path.join(cacheDir, name), { force: true });
    }
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
    fs.renameSync(temp, file);
  } catch {
    // A cache that cannot be written only costs time.
  }
}

/** A dist/ file, as Node would load it, compiled from the code cache when there is a usable one. */
function load(name) {
  const file = path.join(dist, name);
  if (loaded.has(file)) return loaded.get(file).exports;
  // dist/ is ASCII (esbuild's charset: ascii), so latin1 reads it as it is, without UTF-8 decoding.
  const source = fs.readFileSync(file, 'latin1');
  const stat = fs.statSync(file);
  const variant = name === 'cli.js' ? commandWords() : 'all';
  const build = `${process.version}-${process.arch}-${stat.size}-${Math.trunc(stat.mtimeMs)}-${stat.ino}`;
  const cacheFile = cacheDir && path.join(cacheDir, `${name}@${variant}@${installId()}@${build}`);
  const cachedData = cacheFile && readCache(cacheFile);
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapper, { filename: file, cachedData });
  if (cacheFile && (!cachedData || script.cachedDataRejected)) process.once('exit', () => writeCache(cacheFile, script));
  const module = { exports: {}, filename: file };
  loaded.set(file, module);
  // The bundle requires Node's built-ins and the vendor files beside it, nothing else.
  const bundleRequire = (id) => (id.startsWith('./vendor-') ? load(id.slice(2)) : require(id));
  script.runInThisContext().call(module.exports, module.exports, bundleRequire, module, file, dist);
  return module.exports;
}

load('cli.js');
