import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { startEmbeddedPostgres } from './embedded-postgres';

/**
 * Runs the TypeORM CLI with the given arguments against DATABASE_URL, or, when it is unset,
 * against the embedded PostgreSQL of the data folder, started for the command and stopped after.
 */
async function run(): Promise<number> {
  const args = process.argv.slice(2);
  const embedded = process.env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({ dataDir: resolve(process.env.DATA_DIR || '.data') });
  const env = { ...process.env, DATABASE_URL: process.env.DATABASE_URL || embedded!.url };
  const cli = require.resolve('typeorm/cli.js');
  const code = await new Promise<number>((done) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: 'inherit', env });
    child.on('exit', (status) => done(status ?? 1));
  });
  await embedded?.stop();
  return code;
}

void run().then((code) => process.exit(code));
