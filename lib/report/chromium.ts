import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A headless Chromium: $DEEPRECON_CHROMIUM, else Debian's /usr/bin/chromium, else none. */
export function findChromium(): string | undefined {
  const candidates = [process.env.DEEPRECON_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((c): c is string => !!c && existsSync(c));
}

/**
 * Flags for a closed network: without the background-networking switches Chromium keeps trying
 * to reach Google's hosts; a fresh profile keeps runs independent.
 */
function flags(profile: string): string[] {
  return ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`];
}

async function withProfile<T>(body: (profile: string) => Promise<T>): Promise<T> {
  const profile = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-chromium-'));
  try {
    return await body(profile);
  } finally {
    await fs.rm(profile, { recursive: true, force: true });
  }
}

/** The DOM of a local file after Chromium has rendered it. */
export function dumpDom(chromium: string, file: string): Promise<string> {
  return withProfile(async (profile) => (await run(chromium, [...flags(profile), '--dump-dom', `file://${path.resolve(file)}`], { maxBuffer: 64 * 1024 * 1024 })).stdout);
}

/** A PNG screenshot of a local file (an SVG chart, or a whole page) at the given window size. */
export function screenshot(chromium: string, file: string, out: string, width: number, height: number): Promise<void> {
  return withProfile(async (profile) => {
    await run(chromium, [...flags(profile), '--hide-scrollbars', `--window-size=${width},${height}`, `--screenshot=${path.resolve(out)}`, `file://${path.resolve(file)}`]);
  });
}

/** Width and height declared on an SVG's root element. */
export function svgSize(svg: string): { width: number; height: number } | undefined {
  const m = /<svg[^>]*\bwidth="(\d+)"[^>]*\bheight="(\d+)"/.exec(svg);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : undefined;
}
