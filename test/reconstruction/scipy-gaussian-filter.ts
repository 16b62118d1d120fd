/** scipy.ndimage.gaussian_filter on one channel, written out: taps to int(4σ + 0.5), mode 'reflect'. */
export function scipyGaussianFilter(image: number[][], sigma: number): number[][] {
  const radius = Math.floor(4 * sigma + 0.5);
  const raw = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const total = raw.reduce((a, b) => a + b, 0);
  const w = raw.map((v) => v / total);
  // 'reflect' about the edge: index −1 reads 0, index n reads n − 1 (d c b a | a b c d | d c b a).
  const reflect = (i: number, n: number): number => {
    let k = i;
    while (k < 0 || k >= n) k = k < 0 ? -k - 1 : 2 * n - k - 1;
    return k;
  };
  const h = image.length;
  const wd = image[0]!.length;
  const rows = image.map((row) => row.map((_, x) => w.reduce((s, wt, t) => s + wt * row[reflect(x + t - radius, wd)]!, 0)));
  return rows.map((row, y) => row.map((_, x) => w.reduce((s, wt, t) => s + wt * rows[reflect(y + t - radius, h)]![x]!, 0)));
}
