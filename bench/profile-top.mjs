// Top entries of a V8 .cpuprofile (node --cpu-prof): self time by function and by package.
// Used by `npm run bench -- --profile`; also runnable alone: node bench/profile-top.mjs <file> [n] [skipMs]
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';

/**
 * The service runs as one bundle (dist/service.js): a frame in it is named after the source its
 * source map points to (the package, or the service's own file) instead of the bundle's line.
 */
const sourceMaps = new Map();
function originalFrame({ functionName, url, lineNumber, columnNumber }) {
  if (!url.endsWith('.js')) return { functionName, url, lineNumber };
  if (!sourceMaps.has(url)) {
    const mapFile = `${fileURLToPath(url.startsWith('file:') ? url : `file://${url}`)}.map`;
    sourceMaps.set(url, existsSync(mapFile) ? new TraceMap(readFileSync(mapFile, 'utf8')) : null);
  }
  const map = sourceMaps.get(url);
  const position = map && originalPositionFor(map, { line: lineNumber + 1, column: columnNumber });
  if (!position?.source) return { functionName, url, lineNumber };
  const source = position.source.replace(/^(\.\.\/)+/, '');
  return {
    functionName: position.name ?? functionName,
    url: source.includes('node_modules/') ? source : `dist/${source.replace(/\.ts$/, '.js')}`,
    lineNumber: position.line - 1,
  };
}

function packageOf(url) {
  if (!url) return '(native/V8)';
  if (url.startsWith('node:')) return 'node core';
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1];
  const inDist = /dist\/(src\/[^/]+|bench|test)/.exec(url);
  return inDist ? inDist[1] : url.replace(/^file:\/\//, '');
}

/** `skipMs`: leave out the first milliseconds of the profile (the process starting up). */
export function summariseProfile(profile, top = 20, skipMs = 0) {
  const nodes = profile.nodes;
  if (skipMs > 0 && profile.samples) {
    const hits = new Map();
    let t = profile.startTime;
    const from = profile.startTime + skipMs * 1000;
    profile.samples.forEach((id, i) => {
      t += profile.timeDeltas[i];
      if (t >= from) hits.set(id, (hits.get(id) ?? 0) + 1);
    });
    for (const node of nodes) node.hitCount = hits.get(node.id) ?? 0;
    profile = { ...profile, startTime: Math.min(from, profile.endTime) };
  }
  const totalSamples = nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0) || 1;
  const durationMs = (profile.endTime - profile.startTime) / 1000;
  const idleNames = new Set(['(idle)', '(program)', '(garbage collector)']);
  const byFunction = new Map();
  const byPackage = new Map();
  let idle = 0;
  for (const node of nodes) {
    const hits = node.hitCount ?? 0;
    if (!hits) continue;
    const { functionName, url, lineNumber } = originalFrame(node.callFrame);
    if (functionName === '(idle)') idle += hits;
    const name = idleNames.has(functionName)
      ? functionName
      : `${functionName || '(anonymous)'} ${
          url
            ? `${url
                .replace(/^.*node_modules\//, '')
                .replace(/^file:\/\/.*\/dist\//, 'dist/')
                .replace(/^node:/, 'node:')}:${lineNumber + 1}`
            : ''
        }`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
    const pkg = idleNames.has(functionName) ? functionName : packageOf(url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + hits);
  }
  const busy = totalSamples - idle || 1;
  const list = (map) =>
    [...map.entries()]
      .filter(([name]) => name !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, hits]) => ({ name, percentOfBusy: (100 * hits) / busy, ms: (hits / totalSamples) * durationMs }));
  const functions = list(byFunction);
  const packages = list(byPackage);
  const lines = [
    `busy ${((100 * busy) / totalSamples).toFixed(0)}% of ${(durationMs / 1000).toFixed(1)} s; self time, % of busy time`,
    '',
    'by package:',
    ...packages.map((e) => `  ${e.percentOfBusy.toFixed(1).padStart(5)}%  ${e.name}`),
    '',
    'by function:',
    ...functions.map((e) => `  ${e.percentOfBusy.toFixed(1).padStart(5)}%  ${e.name}`),
  ];
  return { busyPercent: (100 * busy) / totalSamples, packages, functions, text: lines.join('\n') };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const profile = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  console.log(summariseProfile(profile, Number(process.argv[3] ?? 25), Number(process.argv[4] ?? 0)).text);
}
