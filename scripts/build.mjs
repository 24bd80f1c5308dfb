// The published build: src/ bundled with its libraries into dist/ (one ESM entry plus lazily loaded chunks),
// so the package has no runtime dependencies. Type-checking is `tsc --noEmit` (npm run build runs both).
import { rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
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
const LEFT_OUT = [
  { importer: /[\\/]dockerode[\\/]lib[\\/]docker\.js$/, path: /^\.\/(session|buildkit)$/, kind: 'unused' },
  { importer: /[\\/]ssh2[\\/]/, path: /^cpu-features$|sshcrypto\.node$/, kind: 'absent' },
  { importer: /[\\/]debug[\\/]/, path: /^supports-color$/, kind: 'absent' },
];

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
  },
};

// `yaml` is CommonJS for Node; a dynamically imported CommonJS chunk exposes only `default` in esbuild's
// split output, so bundle the same library's ES module build (its `browser/dist`, the same code).
const yamlAsEsm = {
  name: 'yaml-as-esm',
  setup(b) {
    b.onResolve({ filter: /^yaml$/ }, () => ({ path: join(root, 'node_modules/yaml/browser/dist/index.js') }));
  },
};

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { cli: 'src/cli.ts' },
  outdir,
  // Every chunk sits directly in dist/, one level below the package root like src/ (src/package-files.ts).
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
  plugins: [leaveOut, yamlAsEsm],
  // CommonJS dependencies call require() for Node's built-ins, and a few read __dirname: ESM has neither.
  inject: ['scripts/cjs-shims.mjs'],
  banner: { js: "import { createRequire as __gagCreateRequire } from 'node:module'; const require = __gagCreateRequire(import.meta.url);" },
});

const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.js'));
const deep = outputs.filter(([file]) => relative(outdir, join(root, file)).includes('/'));
if (deep.length) throw new Error(`bundle files must sit directly in dist/: ${deep.map(([f]) => f).join(', ')}`);
if (process.env.BUILD_REPORT) {
  for (const [file, out] of outputs) console.log(`${file.padEnd(40)} ${(out.bytes / 1024).toFixed(0).padStart(6)} KiB`);
}
