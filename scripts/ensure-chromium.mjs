#!/usr/bin/env node
// Run by `npm test` before the tests: the browser tests drive a real Chromium at /usr/bin/chromium
// (test/browser-login.e2e-spec.ts). When it is missing, install Debian's package as root (what
// .ci/run used to do by hand); otherwise stop with the command to run. Never skips the browser tests.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const CHROMIUM = '/usr/bin/chromium';
const INSTALL = 'apt-get update && apt-get install -y chromium';

function version() {
  const result = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : CHROMIUM;
}

if (existsSync(CHROMIUM)) {
  console.log(`ensure-chromium: found ${version()}`);
  process.exit(0);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  console.error(`ensure-chromium: ${CHROMIUM} is missing and the browser tests need it.`);
  console.error(`Install it once as root, then run the tests again:\n\n  sudo sh -c '${INSTALL}'\n`);
  process.exit(1);
}

console.log(`ensure-chromium: ${CHROMIUM} is missing; installing Debian's chromium (${INSTALL}, about 30 s)`);
const install = spawnSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq chromium >/dev/null'], {
  stdio: 'inherit',
  env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
});
if (install.status !== 0 || !existsSync(CHROMIUM)) {
  console.error(`ensure-chromium: installing chromium failed (exit ${install.status}); run '${INSTALL}' by hand`);
  process.exit(1);
}
console.log(`ensure-chromium: installed ${version()}`);
