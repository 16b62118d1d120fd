import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Relative imports that run code: `import … from`, `export … from`, side-effect `import '…'`, `import()` and `require()`; not `import type`. */
const IMPORT = /(?:^|[\s;])(?:import(?!\s+type\s)[^'";]*?\sfrom\s*|export(?!\s+type\s)[^'";]*?\sfrom\s*|import\s*\(?\s*|require\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** The source file an import names: `x.ts`, or `x/index.ts` (sources are TypeScript). */
function resolveSource(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier.replace(/\.js$/, ''));
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Every project source file the entries reach through relative imports, entries included, sorted. */
export function moduleClosure(entries: readonly string[]): string[] {
  const seen = new Set<string>();
  const stack = [...entries];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const next = resolveSource(file, match[1]!);
      if (next && !seen.has(next)) stack.push(next);
    }
  }
  return [...seen].sort();
}

/** The installed version of a package, or "absent" (an optional backend that is not installed). */
function installedVersion(root: string, name: string): string {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'absent';
  }
}

/**
 * A hash of the code a stage runs: the project-relative path and content of every source file in
 * its entries' module closure, and the versions of the packages its numbers depend on. Sources,
 * not compiled files, so the ts sources under test and the compiled worker agree; the compiler's
 * version is one of the packages. Same code on any machine, same fingerprint.
 */
export function codeFingerprint(root: string, entries: readonly string[], packages: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of moduleClosure(entries.map((e) => path.resolve(root, e)))) {
    hash.update(path.relative(root, file).split(path.sep).join('/'));
    hash.update('\0');
    hash.update(fs.readFileSync(file));
    hash.update('\0');
  }
  for (const name of [...packages].sort()) hash.update(`${name}@${installedVersion(root, name)}\0`);
  return hash.digest('hex').slice(0, 16);
}
