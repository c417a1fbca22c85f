import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { LAYERED_ROOTS, LAYERS, folderOf, layerOf } from './layers.ts';

/**
 * The runtime's import graph (every .ts file under src/, events/ and workers/, type-only imports
 * included): no circle between files, and each folder imports only folders of lower layers
 * (the table in ./layers.ts).
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const rel = (abs: string) => relative(root, abs).split(sep).join('/');

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : tsFiles(path);
    return entry.isFile() && entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier a file names: imports and re-exports (type-only too), import(), import types. */
function specifiers(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      found.push(node.moduleReference.expression.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) {
      found.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The file a relative specifier names (the sources import with .ts extensions), or null. */
function resolveImport(from: string, specifier: string): string | null {
  const base = resolve(dirname(from), specifier);
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((path) => existsSync(path) && statSync(path).isFile()) ?? null;
}

interface Edge {
  from: string;
  to: string;
  specifier: string;
}

const files = LAYERED_ROOTS.flatMap((dir) => tsFiles(join(root, dir))).map(rel).sort();
const unresolved: string[] = [];
const edges: Edge[] = files.flatMap((from) =>
  specifiers(join(root, from))
    .filter((specifier) => specifier.startsWith('.'))
    .flatMap((specifier) => {
      const to = resolveImport(join(root, from), specifier);
      if (to === null) {
        unresolved.push(`${from} imports '${specifier}', which names no file`);
        return [];
      }
      return [{ from, to: rel(to), specifier }];
    }),
);

/** Strongly connected components with more than one file (or a file importing itself): Tarjan. */
function circles(nodes: readonly string[], next: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string) => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (next.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of nodes) if (!index.has(v)) connect(v);
  return found;
}

/** One concrete circle inside a component, as `a → b → … → a` (breadth-first: a shortest one back to its first file). */
function oneCircle(component: readonly string[], next: ReadonlyMap<string, readonly string[]>): string {
  const inside = new Set(component);
  const start = component[0]!;
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of next.get(v) ?? []) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0]!)!);
        return [...path, start].join(' → ');
      }
      if (!cameFrom.has(w)) {
        cameFrom.set(w, v);
        queue.push(w);
      }
    }
  }
  return component.join(', ');
}

describe('the layering of src/, events/ and workers/', () => {
  it('reads the tree', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(edges.length).toBeGreaterThan(100);
  });

  it('resolves every relative import to a file', () => {
    expect(unresolved).toEqual([]);
  });

  it('places every folder in a layer of tests/unit/layout/layers.ts', () => {
    const folders = [...new Set(files.map(folderOf))].sort();
    const unplaced = folders
      .filter((folder) => layerOf(folder) === undefined)
      .map((folder) => `${folder} is in no layer: place it in LAYERS (tests/unit/layout/layers.ts) and docs/DESIGN.md (Layout)`);
    expect(unplaced).toEqual([]);
  });

  it('has no import circle between files', () => {
    const next = new Map<string, string[]>();
    for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
    const found = circles(files, next).map((component) => `${component.length} files in a circle: ${oneCircle(component, next)} (all: ${component.join(', ')})`);
    expect(found).toEqual([]);
  });

  it('imports only folders of lower layers', () => {
    const climbs = edges.flatMap(({ from, to, specifier }) => {
      const fromFolder = folderOf(from);
      const toFolder = folderOf(to);
      if (fromFolder === toFolder) return [];
      if (!LAYERED_ROOTS.some((dir) => to.startsWith(`${dir}/`))) return [`${from} imports '${specifier}': ${to} lies outside src/, events/ and workers/ (the runtime imports none of scripts/, tests/, bench/)`];
      const fromLayer = layerOf(fromFolder);
      const toLayer = layerOf(toFolder);
      if (fromLayer === undefined || toLayer === undefined) return []; // reported by the placing spec
      if (toLayer < fromLayer) return [];
      const why = toLayer === fromLayer ? 'the same layer as' : 'a layer above';
      return [`${from} imports '${specifier}': ${toFolder} (layer ${toLayer}) is in ${why} ${fromFolder} (layer ${fromLayer})`];
    });
    expect(climbs).toEqual([]);
  });

  it('keeps the table well-formed: each folder in one layer', () => {
    const all = LAYERS.flat();
    expect(all.filter((folder, i) => all.indexOf(folder) !== i)).toEqual([]);
  });
});
