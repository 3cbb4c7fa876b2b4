import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** jest runs from the repository's root (jest.config.cjs). */
const SRC = resolve(process.cwd(), 'src');
/** Folders that only assemble the others (the app, the ORM's entity list), not contexts. */
const ASSEMBLY = new Set(['.', 'database', 'migrations']);

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** The top folder under src/ of a file ('.' for src/ itself). */
function folderOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? parts[0] : '.';
}

/** Every folder → folder import (static `import`/`export … from`, and `import()`), type-only ones included. */
function folderImports(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)) {
      const to = folderOf(resolve(dirname(file), match[1]));
      if (to === from) continue;
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)!.add(to);
    }
  }
  return edges;
}

/** Each cycle between folders once, as a path that starts and ends at the same folder. */
function cycles(edges: Map<string, Set<string>>): string[] {
  const found = new Set<string>();
  const visit = (start: string, at: string, path: string[]) => {
    for (const next of edges.get(at) ?? []) {
      if (next === start) {
        // The same cycle starting elsewhere is the same cycle: key it by its smallest rotation.
        const rotations = path.map((_, i) => [...path.slice(i), ...path.slice(0, i)].join(' → '));
        found.add(rotations.sort()[0]);
      } else if (!path.includes(next) && next > start) {
        visit(start, next, [...path, next]);
      }
    }
  };
  for (const start of edges.keys()) visit(start, start, [start]);
  return [...found].map((cycle) => `${cycle} → ${cycle.split(' → ')[0]}`).sort();
}

describe('the folders under src/', () => {
  const edges = folderImports();
  const contextEdges = new Map(
    [...edges].filter(([from]) => !ASSEMBLY.has(from)).map(([from, to]) => [from, new Set([...to].filter((t) => !ASSEMBLY.has(t)))]),
  );

  it('finds the imports it checks (the parser still sees this codebase)', () => {
    expect(edges.get('auth')?.has('connections')).toBe(true);
  });

  it('import one another in no circle', () => {
    expect(cycles(contextEdges)).toEqual([]);
  });

  it('keep provisioning free of auth: sessions are Auth’s alone', () => {
    expect([...(edges.get('provisioning') ?? [])]).not.toContain('auth');
  });

  it('keep common free of every context', () => {
    // Configuration, logging and what a PostgreSQL error means (database/) are infrastructure, not contexts.
    const infrastructure = new Set(['config', 'logging', 'database']);
    expect([...(edges.get('common') ?? [])].filter((to) => !infrastructure.has(to))).toEqual([]);
  });

  it('let nothing import the login flow (auth) but the app and the ways in built on top of it', () => {
    // Magic links and the OpenID Provider sit above the login flow: they start a login or read its
    // session. Auth never imports them back (the cycle test holds that).
    const importers = [...edges].filter(([from, to]) => from !== '.' && from !== 'database' && to.has('auth')).map(([from]) => from);
    expect(importers.sort()).toEqual(['magic-links', 'oidc-provider']);
  });
});
