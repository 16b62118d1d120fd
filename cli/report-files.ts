import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { findChromium, screenshot, svgSize } from '../lib/report/chromium';
import { type ArtifactRef, getArtifact } from '../lib/store/artifact-ref';
import { openStore } from '../lib/store/open-store';
import type { StoreSettings } from '../workflows/contracts';

/**
 * Copies the report stage's outputs from the store into `runs/<name>/` (report.html, figures/…)
 * and, where a headless Chromium is installed, adds a PNG next to every SVG chart.
 * Returns the path of report.html.
 */
export async function copyReport(store: StoreSettings, report: Record<string, ArtifactRef>, dir: string): Promise<string | undefined> {
  const source = openStore(store);
  let html: string | undefined;
  const svgs: string[] = [];
  for (const ref of Object.values(report)) {
    // Keys are stages/report/<key>/<attempt>/<relative path>.
    const relative = ref.key.split('/').slice(4).join('/');
    const target = path.join(dir, relative);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, await getArtifact(source, ref));
    if (relative === 'report.html') html = target;
    if (relative.endsWith('.svg')) svgs.push(target);
  }
  const chromium = findChromium();
  if (chromium) {
    for (const svg of svgs) {
      const size = svgSize(await fs.readFile(svg, 'utf8'));
      if (size) await screenshot(chromium, svg, svg.replace(/\.svg$/, '.png'), size.width, size.height).catch(() => undefined);
    }
  }
  return html;
}
