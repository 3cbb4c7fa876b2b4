import { spawn, execFileSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { eventually, StopWaiting } from './eventually';
import { freePort } from './ports';

/**
 * The built service (npm run build) as `npm run start:prod` runs it, read from package.json: the
 * bundle through its launcher, with the environment that script sets.
 */
export const SHIPPED_START = shippedStart();

function shippedStart(): { env: Record<string, string>; script: string } {
  const command = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts['start:prod'];
  const parsed = /^((?:\w+=\S+ )*)node (\S+)$/.exec(command);
  if (!parsed) throw new Error(`start:prod is not "[NAME=value ...] node <script>": ${command}`);
  const env = Object.fromEntries(
    parsed[1]
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((pair) => pair.split('=') as [string, string]),
  );
  return { env, script: resolve(parsed[2]) };
}

export interface RunningService {
  child: ChildProcess;
  port: number;
  url: string;
  stdout: () => string;
  output: () => string;
  exited: Promise<number | null>;
}

const started: ChildProcess[] = [];

/** SIGKILLs every service a test started and left running (a failed assertion must not leave one behind). */
export function killLeftoverServices(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/**
 * Runs the built service with `env` (and PATH), its output collected. `command` wraps it (e.g. a
 * supervisor); `spawnOptions` may put it in a process group of its own.
 */
export async function startService(
  env: Record<string, string>,
  options: { command?: string[]; spawnOptions?: SpawnOptions; script?: string } = {},
): Promise<RunningService> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const [program, ...args] = [...(options.command ?? []), process.execPath, options.script ?? SHIPPED_START.script];
  const child = spawn(program, args, {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', PORT: String(port), ...SHIPPED_START.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options.spawnOptions,
  });
  started.push(child);
  let stdout = '';
  let output = '';
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
    output += chunk;
  });
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, port, url: `http://127.0.0.1:${port}`, stdout: () => stdout, output: () => output, exited };
}

export async function waitForHealth(service: RunningService, timeoutMs = 30000): Promise<void> {
  await eventually(
    async () => {
      if (service.child.exitCode !== null) throw new StopWaiting(`service exited early:\n${service.output()}`);
      const status = await fetch(`${service.url}/health`).then(
        (response) => response.status,
        () => 'not listening yet',
      );
      if (status !== 200) throw new Error(`no healthy service within ${timeoutMs} ms (last: ${status}):\n${service.output()}`);
    },
    { timeoutMs, intervalMs: 100 },
  );
}

/** The postgres server processes that run a cluster under `dataDir`. */
export function postgresProcessesFor(dataDir: string): string[] {
  const listing = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return listing.split('\n').filter((line) => line.includes('bin/postgres') && line.includes(dataDir));
}
