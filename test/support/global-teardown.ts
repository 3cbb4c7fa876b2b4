import { rmSync } from 'node:fs';

/** Stops the run's embedded PostgreSQL and removes its folder (about 50 MB under /tmp). */
export default async function globalTeardown(): Promise<void> {
  await globalThis.__TEST_POSTGRES__?.stop();
  if (globalThis.__TEST_POSTGRES_DIR__) rmSync(globalThis.__TEST_POSTGRES_DIR__, { recursive: true, force: true });
}
