import { resolve } from 'node:path';

/**
 * The folder for the service's own files (the embedded PostgreSQL, the generated secrets key,
 * the outbox, the code cache): DATA_DIR, or `.data` in the working directory. On its own, without
 * dependencies, because the bundle's launcher (start-bundled.ts) needs it before any config loads.
 */
export function dataDirOf(env: NodeJS.ProcessEnv | Record<string, string | undefined>): string {
  return resolve(env.DATA_DIR || '.data');
}
