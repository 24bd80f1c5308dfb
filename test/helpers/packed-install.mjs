// What a user gets from the published package: `npm pack` this repository, then `npm install --omit=dev`
// the tarball into an empty project, offline. Used by test/e2e/package.test.ts and `npm run bench`.
// Plain JavaScript so the bench (plain node) can use it too; types in packed-install.d.mts.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];

/** Packs the current build (run `npm run build` first: packing skips the prepare script). */
export function packRepository(destination = mkdtempSync(join(tmpdir(), 'gag-pack-'))) {
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', destination], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [info] = JSON.parse(out);
  return { tarball: join(destination, info.filename), packedBytes: info.size, unpackedBytes: info.unpackedSize, files: info.files.map((f) => f.path) };
}

/** Installs the tarball into a new empty project, offline, and measures what landed in node_modules. */
export function installTarball(tarball) {
  const project = mkdtempSync(join(tmpdir(), 'gag-user-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'a-user-project', private: true }));
  const started = performance.now();
  const output = execFileSync('npm', ['install', '--omit=dev', '--offline', '--no-audit', '--no-fund', tarball], {
    cwd: project,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_loglevel: 'notice' },
  });
  const seconds = (performance.now() - started) / 1000;
  const modules = join(project, 'node_modules');
  const lock = JSON.parse(readFileSync(join(modules, '.package-lock.json'), 'utf8'));
  const packages = Object.keys(lock.packages).filter((p) => p !== '');
  const withInstallScripts = packages.filter((p) => {
    const manifest = JSON.parse(readFileSync(join(project, p, 'package.json'), 'utf8'));
    return lock.packages[p].hasInstallScript || INSTALL_SCRIPTS.some((s) => manifest.scripts?.[s]) || existsSync(join(project, p, 'binding.gyp'));
  });
  return { project, output, seconds, packages, bytes: treeBytes(modules), withInstallScripts, bin: join(modules, '.bin', 'get-ai-gateway') };
}

function treeBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += treeBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}
