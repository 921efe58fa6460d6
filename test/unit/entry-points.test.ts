// functions/http/<name>.ts is a Lambda entry point and nothing else: it wires shared/http/routes/<name>.ts (the
// routes and makeHandler(deps)) for production, building DynamoDB clients and reading the configuration as it is
// imported. So tests build their handlers from shared/http/routes with fakes, and never import an HTTP entry point.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { functions } from '../../shared/app-model.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ENTRIES = 'functions/http';
const ROUTES = 'shared/http/routes';

const tsFiles = (dir: string): string[] =>
  readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = `${dir}/${name}`;
    if (statSync(path.join(ROOT, rel)).isDirectory()) return tsFiles(rel);
    return rel.endsWith('.ts') ? [rel] : [];
  });

const read = (rel: string) => readFileSync(path.join(ROOT, rel), 'utf8');

/** the names a module exports (declarations and export lists; no `export *` or default in these files) */
function exportedNames(source: string): string[] {
  const declared = [...source.matchAll(/^export\s+(?:declare\s+)?(?:async\s+)?(?:const|let|var|function\*?|class|interface|type|enum)\s+(\w+)/gm)].map(
    (m) => m[1]!,
  );
  const listed = [...source.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}/gm)].flatMap((m) =>
    m[1]!
      .split(',')
      .map((part) => part.trim().split(/\s+as\s+/).pop()!)
      .filter(Boolean),
  );
  const other = /^export\s+(?:\*|default)/m.test(source) ? ['<export * or default>'] : [];
  return [...declared, ...listed, ...other];
}

/** the relative module specifiers a source imports, statically or dynamically, resolved from the repository root */
function importsOf(rel: string): string[] {
  return [...read(rel).matchAll(/(?:from\s+|import\s*\(\s*)['"`](\.{1,2}\/[^'"`]+)['"`]/g)].map((m) =>
    path.relative(ROOT, path.resolve(ROOT, path.dirname(rel), m[1]!)).split(path.sep).join('/'),
  );
}

const entries = tsFiles(ENTRIES);
const name = (rel: string) => path.basename(rel, '.ts');

describe('HTTP entry points (functions/http)', () => {
  it('are the ones the app model names, each with its routes module', () => {
    expect(entries.length).toBeGreaterThan(0);
    const named = functions.map((f) => f.entry).filter((entry) => entry.startsWith(`${ENTRIES}/`));
    expect(entries.toSorted()).toEqual(named.toSorted());
    expect(tsFiles(ROUTES).map(name).toSorted()).toEqual(entries.map(name).toSorted());
  });

  it.each(entries)('%s exports only its handler', (entry) => {
    expect(exportedNames(read(entry))).toEqual(['handler']);
  });

  it.each(entries)('%s only wires: its routes module and the composition roots, nothing else of the app', (entry) => {
    const routes = `${ROUTES}/${name(entry)}.ts`;
    // the authorizer's metrics sink is the Powertools one, which is no composition of its own
    const allowed = (imported: string) =>
      imported === routes || imported.startsWith('shared/composition/') || imported === 'shared/observability/metrics-sink.ts';
    expect(importsOf(entry)).toContain(routes);
    expect(importsOf(entry).filter((imported) => !allowed(imported))).toEqual([]);
  });

  it.each(tsFiles(ROUTES))('%s exports makeHandler and builds no production wiring', (routes) => {
    expect(exportedNames(read(routes))).toContain('makeHandler');
    expect(importsOf(routes).filter((imported) => imported.startsWith('shared/composition/') || imported.startsWith(`${ENTRIES}/`))).toEqual([]);
  });
});

describe('tests', () => {
  it('never import an HTTP entry point (they build handlers from shared/http/routes)', () => {
    const importers = tsFiles('test').flatMap((file) =>
      importsOf(file)
        .filter((imported) => imported.startsWith(`${ENTRIES}/`))
        .map((imported) => `${file} → ${imported}`),
    );
    expect(importers).toEqual([]);
  });
});
