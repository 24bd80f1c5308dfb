// The published build: src/ bundled with its libraries into dist/, so the package has no runtime dependencies.
// Type-checking is `tsc --noEmit` (npm run build runs both).
//
// Start-up cost is what shapes it (issue 11). dist/ is CommonJS: an ES module entry makes Node start its ES
// module loader, which alone costs more than our code. dist/cli.js holds what every command needs; libraries
// only some commands use are separate files (dist/vendor-*.js), read when first imported. bin/ runs these
// files through V8's code cache (bin/get-ai-gateway.js).
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist');

// Parts of dependencies left out of the bundle, each replaced by a stand-in:
// - 'unused': loads, and throws if ever called. dockerode's BuildKit session (@grpc/grpc-js, @grpc/proto-loader)
//   and BuildKit progress decoding (protobufjs) serve only `buildImage` with a session and `followProgress`;
//   we never build images and read pull progress ourselves (src/docker/pull.ts).
// - 'absent': fails to load, as when an optional package is not installed. Their users load them in a
//   try/catch and fall back: ssh2's native crypto binding and cpu-features (ssh2 then uses Node's crypto, so
//   DOCKER_HOST=ssh://… still works, in pure JavaScript), and debug's optional supports-color.
// - 'lazy': a Node built-in loaded on first use. commander requires child_process at load time for
//   executable subcommands, which we have none of (loading it pulls in net, dgram and streams).
// - 'node-fs': Node's own fs. proper-lockfile takes graceful-fs, which copies and patches fs as it loads
//   (5 ms on every edit) to queue opens past the file descriptor limit; the lock opens none.
// - 'assert-equal': signal-exit 3 (proper-lockfile's) uses Node's assert for one check, assert.equal of its
//   callback's type; loading assert costs an edit 3 ms (it sets up coloured diffs, opening stderr). The
//   stand-in makes the same check.
const LEFT_OUT = [
  { importer: /[\\/]dockerode[\\/]lib[\\/]docker\.js$/, path: /^\.\/(session|buildkit)$/, kind: 'unused' },
  { importer: /[\\/]ssh2[\\/]/, path: /^cpu-features$|sshcrypto\.node$/, kind: 'absent' },
  { importer: /[\\/]debug[\\/]/, path: /^supports-color$/, kind: 'absent' },
  { importer: /[\\/]commander[\\/]lib[\\/]command\.js$/, path: /^node:child_process$/, kind: 'lazy' },
  { importer: /[\\/]proper-lockfile[\\/]/, path: /^graceful-fs$/, kind: 'node-fs' },
  { importer: /[\\/]signal-exit[\\/]/, path: /^assert$/, kind: 'assert-equal' },
];

// Built-ins our own code imports but needs only for some commands: each function they export becomes a
// function that loads the module on its first call (crypto alone costs about 5% of a bare Node start; https
// brings tls, needed only for a remote engine; http, 3-5 ms, only once an engine's socket is there). Importing anything but a function from them fails the
// build; a class would need `new` and must not be imported from these.
const LAZY_BUILTINS = [
  { id: 'node:crypto', importer: /[\\/]src[\\/]/ },
  { id: 'node:fs/promises', importer: /[\\/]src[\\/]/ },
  { id: 'node:http', importer: /[\\/]src[\\/]docker[\\/](light-engine|wait)\.ts$/ },
  { id: 'node:https', importer: /[\\/]src[\\/]docker[\\/]light-engine\.ts$/ },
];
const builtinFunctions = Object.fromEntries(
  await Promise.all(LAZY_BUILTINS.map(async ({ id }) => [id, Object.entries(await import(id)).filter(([name, v]) => name !== 'default' && typeof v === 'function').map(([name]) => name)])),
);

const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) =>
      LAZY_BUILTINS.some((l) => l.id === args.path && l.importer.test(args.importer)) ? { path: args.path, namespace: 'lazy-builtin' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      contents: [
        `let real; const load = () => (real ??= require(${JSON.stringify(args.path)}));`,
        ...builtinFunctions[args.path].map((name) => `export function ${name}(...args) { return load().${name}(...args); }`),
      ].join('\n'),
      loader: 'js',
    }));
  },
};

const leaveOut = {
  name: 'leave-out',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      const rule = LEFT_OUT.find((r) => r.path.test(args.path) && r.importer.test(args.importer));
      return rule ? { path: args.path, namespace: `left-out-${rule.kind}` } : undefined;
    });
    const error = (path) => `new Error(${JSON.stringify(`${path} is not part of the get-ai-gateway bundle`)})`;
    b.onLoad({ filter: /.*/, namespace: 'left-out-absent' }, (args) => ({ contents: `throw ${error(args.path)};`, loader: 'js' }));
    b.onLoad({ filter: /.*/, namespace: 'left-out-unused' }, (args) => ({
      contents: `const fail = () => { throw ${error(args.path)}; }; module.exports = new Proxy(fail, { get: () => fail });`,
      loader: 'js',
    }));
    b.onLoad({ filter: /.*/, namespace: 'left-out-assert-equal' }, () => ({
      contents: 'module.exports = { equal(actual, expected, message) { if (actual != expected) throw new Error(message); } };',
      loader: 'js',
    }));
    b.onLoad({ filter: /.*/, namespace: 'left-out-node-fs' }, () => ({ contents: "module.exports = require('node:fs');", loader: 'js' }));
    b.onLoad({ filter: /.*/, namespace: 'left-out-lazy' }, (args) => ({
      contents: `let real; module.exports = new Proxy({}, { get: (_, key) => (real ??= require(${JSON.stringify(args.path)}))[key] });`,
      loader: 'js',
    }));
  },
};

// Libraries that only some commands use, each its own file. `contents` picks what the file exports (ora's
// default export is all we use; the others are used through their named exports or as CommonJS). A vendor
// with `lazy` names is not even loaded when its importer loads: each name stands for the library's export
// and loads the file on first use (re2js builds large Unicode tables as it loads; listings seldom need it).
const VENDORS = [
  { name: 'docker', packages: ['dockerode'], contents: "module.exports = require('dockerode');" },
  { name: 'prompts', packages: ['@inquirer/prompts'], contents: "module.exports = require('@inquirer/prompts');" },
  { name: 'ora', packages: ['ora'], contents: "module.exports = require('ora').default;" },
  { name: 'execa', packages: ['execa'], contents: "module.exports = require('execa');" },
  { name: 'json5', packages: ['json5'], contents: "module.exports = require('json5');" },
  // The YAML editor loads when a file is first edited as a Document (a key rotation edits text and never does).
  { name: 'yaml', packages: ['yaml'], contents: "module.exports = require('yaml');", lazy: ['Document', 'parseDocument', 'parse', 'isMap', 'isSeq', 'isScalar', 'isNode', 'visit'] },
  { name: 're2js', packages: ['re2js'], contents: "module.exports = require('re2js');", lazy: ['RE2JS'] },
  // chalk asks the terminal about colours as it loads; src/ui/colors.ts touches it only to colour something.
  { name: 'chalk', packages: ['chalk'], contents: "module.exports = require('chalk').default;", lazy: ['default'] },
];
const vendorFile = (name) => `./vendor-${name}.js`;

/** A stand-in for a library export (`default`: what the vendor file exports): a function whose properties, calls and `new` reach the real one. */
const lazyExport = (name) => {
  const real = name === 'default' ? 'load()' : `load()[${JSON.stringify(name)}]`;
  return `export ${name === 'default' ? 'default' : `const ${name} =`} new Proxy(function () {}, {
  get: (_, key) => ${real}[key],
  set: (_, key, value) => Reflect.set(${real}, key, value),
  apply: (_, self, args) => Reflect.apply(${real}, self, args),
  construct: (_, args) => Reflect.construct(${real}, args),
});`;
};

const vendorsExternal = {
  name: 'vendors-external',
  setup(b) {
    b.onResolve({ filter: /^\.\/vendor-[a-z0-9]+\.js$/, namespace: 'lazy-vendor' }, (args) => ({ path: args.path, external: true }));
    for (const vendor of VENDORS) {
      for (const pkg of vendor.packages) {
        b.onResolve({ filter: new RegExp(`^${pkg.replace(/[/.]/g, '\\$&')}$`) }, () =>
          vendor.lazy ? { path: vendor.name, namespace: 'lazy-vendor' } : { path: vendorFile(vendor.name), external: true },
        );
      }
    }
    b.onLoad({ filter: /.*/, namespace: 'lazy-vendor' }, (args) => {
      const vendor = VENDORS.find((v) => v.name === args.path);
      const file = vendorFile(vendor.name);
      return {
        contents: [`let real; const load = () => (real ??= require(${JSON.stringify(file)}));`, ...vendor.lazy.map(lazyExport)].join('\n'),
        loader: 'js',
      };
    });
  },
};

const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  // bin/ reads the files as latin1: non-ASCII characters are written as escapes.
  charset: 'ascii',
  legalComments: 'linked',
  logLevel: 'warning',
};

rmSync(outdir, { recursive: true, force: true });
const results = await Promise.all([
  build({
    ...common,
    entryPoints: { cli: 'src/cli.ts' },
    outdir,
    // Short names: a quarter less source to read and keep for every run. Stack traces (GET_AI_GATEWAY_DEBUG)
    // then name dist/cli.js positions; errors themselves are ours and say what happened. BUILD_NAMES=1 keeps
    // the names (for profiles).
    minifyIdentifiers: !process.env.BUILD_NAMES,
    metafile: true,
    plugins: [lazyBuiltins, leaveOut, vendorsExternal],
    // import() of a vendor file becomes require(), so that it goes through bin/'s loader and not Node's
    // ES module loader.
    supported: { 'dynamic-import': false },
    // src/package-files.ts finds templates/ from its own URL; in the bundle that is dist/cli.js.
    // __GAG_BUILD__: which build wrote a data folder's kept parses (src/core/parse-cache.ts); another build parses again.
    define: { 'import.meta.url': '__gagBundleUrl', __GAG_BUILD__: JSON.stringify(Date.now().toString(36)) },
    banner: { js: "const __gagBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  }),
  ...VENDORS.map((vendor) =>
    build({
      ...common,
      stdin: { contents: vendor.contents, resolveDir: root, sourcefile: `vendor-${vendor.name}.js`, loader: 'js' },
      outfile: join(outdir, `vendor-${vendor.name}.js`),
      metafile: true,
      plugins: [leaveOut],
    }),
  ),
]);
// dist/ is CommonJS inside a package whose own type is "module" (src/ and the tests are ES modules).
writeFileSync(join(outdir, 'package.json'), '{ "type": "commonjs" }\n');

if (process.env.BUILD_REPORT) {
  for (const [file, out] of results.flatMap((r) => Object.entries(r.metafile.outputs)).filter(([f]) => f.endsWith('.js'))) {
    console.log(`${file.padEnd(40)} ${(out.bytes / 1024).toFixed(0).padStart(6)} KiB`);
  }
}
