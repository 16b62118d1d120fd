import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '../..');
const readJson = (file: string): unknown => JSON.parse(readFileSync(path.join(root, file), 'utf8'));

interface PackageJson { scripts: Record<string, string> }
interface TsConfig { extends?: string; include: string[]; exclude?: string[]; compilerOptions: { noEmit?: boolean } }

// vitest strips types without checking them, so a test that no longer matches the code it calls
// would still run; the type-check before vitest is what catches it.
describe('tests are type-checked', () => {
  it('npm test type-checks test/ before vitest runs', () => {
    const scripts = (readJson('package.json') as PackageJson).scripts;
    const test = scripts['test'] ?? '';
    expect(test).toMatch(/tsc -p tsconfig\.test\.json && vitest run/);
    expect(scripts['typecheck']).toMatch(/tsc -p tsconfig\.test\.json/);
  });

  it('the test tsconfig covers test/ with the strict settings of the build and emits nothing', () => {
    const config = readJson('tsconfig.test.json') as TsConfig;
    expect(config.extends).toBe('./tsconfig.json');
    expect(config.compilerOptions.noEmit).toBe(true);
    expect(config.include).toContain('test/**/*.ts');
    expect(config.exclude ?? []).not.toContain('test');
  });
});
