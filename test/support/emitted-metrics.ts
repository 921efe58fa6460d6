// What the code emits, read from its source: every `.add(METRIC.X, unit, value, dims)` and
// `.add(INVENTORY_METRICS.x, …)` call, with the dimension names of its `dims` (an object literal, or a `const` object
// declared earlier in the same file). Powertools adds `service` to every line. Lets a test hold the dashboard and
// the alarms to the metrics the code really writes, names and dimension sets alike.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { INVENTORY_METRICS, PROVIDER_DIMENSION } from '../../shared/observability/inventory-metrics.ts';
import { METRIC } from '../../shared/observability/metric-names.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CATALOGUES: Record<string, Record<string, string>> = { METRIC, INVENTORY_METRICS };
const CONSTANT_KEYS: Record<string, string> = { PROVIDER_DIMENSION };

export interface EmitSite {
  name: string;
  /** sorted, `service` included */
  dimensions: string[];
  where: string;
}

export function emitSites(dirs = ['shared', 'functions', 'local']): EmitSite[] {
  const sites: EmitSite[] = [];
  for (const file of dirs.flatMap((d) => tsFiles(path.join(ROOT, d)))) {
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/\.add\(\s*(METRIC|INVENTORY_METRICS)\.(\w+)\s*,/g)) {
      const where = `${path.relative(ROOT, file)}:${source.slice(0, m.index).split('\n').length}`;
      const name = CATALOGUES[m[1]!]![m[2]!];
      if (!name) throw new Error(`${where}: ${m[1]}.${m[2]} is not in the catalogue`);
      const args = splitTopLevel(enclosed(source, m.index + m[0].indexOf('('), '(', ')'));
      sites.push({ name, dimensions: ['service', ...dimensionNames(args[3]?.trim(), source, m.index, where)].sort(), where });
    }
  }
  return sites;
}

/** metric name → the dimension sets it is emitted with, each as "a,b,c" (sorted) */
export function emittedDimensionSets(sites = emitSites()): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const s of sites) {
    const sets = out.get(s.name) ?? new Set<string>();
    sets.add(s.dimensions.join(','));
    out.set(s.name, sets);
  }
  return out;
}

function dimensionNames(arg: string | undefined, source: string, at: number, where: string): string[] {
  if (arg === undefined || arg === '') return [];
  if (arg.startsWith('{')) return objectKeys(arg, where);
  if (/^\w+$/.test(arg)) {
    const declarations = [...source.slice(0, at).matchAll(new RegExp(`const ${arg}\\s*=\\s*\\{`, 'g'))];
    const last = declarations.at(-1);
    if (last) return objectKeys(`{${enclosed(source, last.index + last[0].length - 1, '{', '}')}}`, where);
  }
  throw new Error(`${where}: cannot read the dimensions of ${arg}`);
}

function objectKeys(literal: string, where: string): string[] {
  return splitTopLevel(literal.trim().slice(1, -1))
    .map((e) => e.trim())
    .filter(Boolean)
    .map((entry) => {
      const computed = /^\[(\w+)\]\s*:/.exec(entry);
      if (computed) {
        const value = CONSTANT_KEYS[computed[1]!];
        if (!value) throw new Error(`${where}: unknown computed dimension ${computed[1]}`);
        return value;
      }
      const plain = /^['"]?(\w+)['"]?\s*(:|$)/.exec(entry);
      if (!plain) throw new Error(`${where}: cannot read dimension entry "${entry}"`);
      return plain[1]!;
    });
}

/** the text between the bracket at `open` and its match */
function enclosed(source: string, open: number, left: string, right: string): string {
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    if (source[i] === left) depth++;
    else if (source[i] === right && --depth === 0) return source.slice(open + 1, i);
  }
  throw new Error('unbalanced brackets');
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote && text[i - 1] !== '\\') quote = undefined;
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if ('({['.includes(c)) depth++;
    else if (')}]'.includes(c)) depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return tsFiles(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}
