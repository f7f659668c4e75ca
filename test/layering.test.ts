import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const sourceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** Which layers each layer may import (DESIGN §1): cli → gateway → sdk → core ← stores, providers. */
const allowed: Record<string, readonly string[]> = {
  core: ['core'],
  stores: ['core', 'stores'],
  providers: ['core', 'providers'],
  sdk: ['core', 'providers', 'sandbox', 'sdk'],
  // The gateway serves the control panel (dashboard), which itself imports only core.
  gateway: ['core', 'providers', 'sdk', 'reports', 'dashboard', 'gateway'],
  dashboard: ['core', 'dashboard'],
  sandbox: ['core', 'sandbox'],
  // The expected-cost planner: pure like core (no node:*, no I/O), used only by the cli.
  planner: ['core', 'planner'],
  // What-if replay of the ledger under a candidate policy: pure like core, used only by the cli.
  replay: ['core', 'replay'],
  // Cost reports over a ledger scan: pure like core, used by the gateway's admin API and the cli.
  reports: ['core', 'reports'],
  cli: ['core', 'providers', 'sdk', 'gateway', 'stores', 'dashboard', 'sandbox', 'planner', 'replay', 'reports', 'cli'],
};
const coreAllowedPackages = new Set(['zod', '@pydantic/genai-prices']);

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

function importsOf(text: string): string[] {
  const pattern = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;
  return [...text.matchAll(pattern)].map((match) => match[1] ?? match[2] ?? match[3] ?? '');
}

function layerOf(path: string): string {
  return relative(sourceRoot, path).split(/[\\/]/)[0] ?? '';
}

/** Every import that points the wrong way, as "file → import (reason)". */
export function wrongArrows(files: ReadonlyArray<{ path: string; text: string }>): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const from = layerOf(file.path);
    for (const specifier of importsOf(file.text)) {
      const shown = `${relative(sourceRoot, file.path)} → ${specifier}`;
      if (specifier.startsWith('.')) {
        const to = layerOf(resolve(dirname(file.path), specifier));
        if (!(allowed[from] ?? []).includes(to)) problems.push(`${shown} (${from} may not import ${to})`);
        if (from === 'stores' && to === 'stores') {
          const fromStore = relative(sourceRoot, file.path).split(/[\\/]/)[1];
          const toStore = relative(sourceRoot, resolve(dirname(file.path), specifier)).split(/[\\/]/)[1];
          const shared = (name: string | undefined) => name === undefined || name.endsWith('.ts') || name.endsWith('.js');
          if (!shared(fromStore) && !shared(toStore) && fromStore !== toStore) problems.push(`${shown} (one store may not import another)`);
        }
      } else if (from === 'core' || from === 'planner' || from === 'replay' || from === 'reports') {
        const packageName = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? '');
        if (!coreAllowedPackages.has(packageName)) problems.push(`${shown} (${from} is pure: no node:* or I/O packages)`);
      }
    }
  }
  return problems;
}

describe('layering', () => {
  it('has no import pointing the wrong way between layers', () => {
    const files = sourceFiles(sourceRoot).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
    expect(files.length).toBeGreaterThan(10);
    expect(wrongArrows(files)).toEqual([]);
  });

  it('catches a wrong arrow', () => {
    const files = [
      { path: join(sourceRoot, 'core/example.ts'), text: "import { createWarden } from '../sdk/create-warden.js';\nimport { readFileSync } from 'node:fs';" },
      { path: join(sourceRoot, 'stores/memory/x.ts'), text: "import { y } from '../sqlite/y.js';" },
      { path: join(sourceRoot, 'sdk/x.ts'), text: "import { createSqliteStore } from '../stores/sqlite/sqlite-store.js';" },
      { path: join(sourceRoot, 'planner/x.ts'), text: "import { readFile } from 'node:fs/promises';\nimport { createWarden } from '../sdk/create-warden.js';" },
    ];
    expect(wrongArrows(files)).toEqual([
      'core/example.ts → ../sdk/create-warden.js (core may not import sdk)',
      'core/example.ts → node:fs (core is pure: no node:* or I/O packages)',
      'stores/memory/x.ts → ../sqlite/y.js (one store may not import another)',
      'sdk/x.ts → ../stores/sqlite/sqlite-store.js (sdk may not import stores)',
      'planner/x.ts → node:fs/promises (planner is pure: no node:* or I/O packages)',
      'planner/x.ts → ../sdk/create-warden.js (planner may not import sdk)',
    ]);
  });
});
