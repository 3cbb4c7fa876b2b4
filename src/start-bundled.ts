import { createHash } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { dataDirOf } from './config/data-dir';

/**
 * How `npm start` and the container run the service: the bundle (dist/service.js, made by
 * scripts/bundle.mjs from main.ts and everything it loads), compiled from V8's code cache when
 * DATA_DIR holds one made for this very bundle and this Node. Without one, the bundle is compiled
 * from source and a cache is written after a minute or at a clean exit, whichever comes first, so
 * that it also holds the functions start-up compiled lazily. Loading ~1 700 files and compiling
 * them was most of the start-up time; the cache also spares the compiler's memory, which the C
 * heap kept.
 */
const BUNDLE = join(__dirname, '..', 'service.js');
const WRITE_CACHE_AFTER_MS = 60_000;
const CACHE_PREFIX = 'service-';

export function startBundled(bundle: string, cacheDir: string): void {
  const { script, cacheFile, ownPrefix, fromCache } = compile(bundle, cacheDir);
  if (!fromCache) writeCacheLater(script, cacheDir, cacheFile, ownPrefix);
  const bundleModule = new Module(bundle);
  bundleModule.filename = bundle;
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(bundleModule.exports, bundleModule.exports, createRequire(bundle), bundleModule, bundle, dirname(bundle));
}

/**
 * The bundle compiled, from its cache when there is a good one. The cache's bytes are read here
 * and nowhere else: once this returns they are garbage, collected young, instead of 7 MB that
 * outlive the bundle's start-up in the old generation.
 */
function compile(bundle: string, cacheDir: string) {
  const fd = openSync(bundle, 'r');
  let source: string;
  let modifiedMs: number;
  try {
    modifiedMs = fstatSync(fd).mtimeMs;
    // ASCII only (scripts/bundle.mjs escapes the rest): read as latin1, V8 keeps it at one byte a character.
    source = readFileSync(fd, 'latin1');
  } finally {
    closeSync(fd);
  }
  const ownPrefix = `${CACHE_PREFIX}${bundleIdentity(source, modifiedMs)}-`;
  // One cache per Node version and set of flags (V8 refuses another's), so that services started
  // differently from one DATA_DIR do not replace each other's.
  const runtime = `${process.version} ${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  const cacheFile = join(cacheDir, `${ownPrefix}${sha256(runtime).slice(0, 8)}.v8cache`);
  const cachedData = readIfPrivate(cacheDir, cacheFile);
  // No dynamic import(): Node 20 loses its callback for a script compiled from a cache, so the
  // bundle imports nothing at run time (scripts/bundle.mjs).
  const script = new Script(Module.wrap(source), { filename: bundle, cachedData });
  return { script, cacheFile, ownPrefix, fromCache: cachedData !== undefined && !script.cachedDataRejected };
}

const BUILD_DIGEST = /\n\/\/ build sha256 ([0-9a-f]{64})\n$/;

/**
 * V8 checks a cache's Node version and flags but only the length of its source: the file's name
 * carries the rest. That is the digest scripts/bundle.mjs wrote at the bundle's end (hashing it
 * here took a fortieth of start-up), with the file's modification time, so that a bundle edited
 * by hand is not run with the cache of the build it came from; without a digest, the source's hash.
 */
function bundleIdentity(source: string, modifiedMs: number): string {
  const digest = BUILD_DIGEST.exec(source.slice(-100))?.[1];
  return digest ? sha256(`${digest} ${modifiedMs}`).slice(0, 16) : sha256(source).slice(0, 16);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * A code cache is code: it is used only from a folder and a file that this user owns and no one
 * else may write to (the launcher makes them 0700 and 0600). Any other is ignored, and replaced.
 */
function readIfPrivate(cacheDir: string, file: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    if (!isPrivate(statSync(cacheDir))) return undefined;
    // Checked and read through one descriptor, so that what is read is what was checked.
    fd = openSync(file, 'r');
    return isPrivate(fstatSync(fd)) ? readFileSync(fd) : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function isPrivate({ uid, mode }: Stats): boolean {
  return uid === process.getuid?.() && (mode & 0o022) === 0;
}

/** Writes the script's cache to `cacheFile`, and removes the caches of other bundles (names not starting with `ownPrefix`). */
function writeCacheLater(script: Script, cacheDir: string, cacheFile: string, ownPrefix: string): void {
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    // A cache is only ever a shortcut: a folder it cannot be written to leaves start-up as it was.
    try {
      mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
      if (!isPrivate(statSync(cacheDir))) return;
      const partial = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(partial, script.createCachedData(), { mode: 0o600, flag: 'wx' });
      renameSync(partial, cacheFile);
      for (const name of readdirSync(cacheDir)) {
        if (name.endsWith('.v8cache') && !name.startsWith(ownPrefix)) rmSync(join(cacheDir, name), { force: true });
      }
    } catch {
      // see above
    }
  };
  setTimeout(write, WRITE_CACHE_AFTER_MS).unref();
  // A start that failed (a refused configuration, say) would only write a cache again and again.
  process.once('exit', (code) => {
    if (code === 0) write();
  });
}

if (require.main === module) startBundled(BUNDLE, join(dataDirOf(process.env), 'code-cache'));
