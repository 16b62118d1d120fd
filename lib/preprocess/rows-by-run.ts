/** Row indices grouped by run label, in order of first appearance. */
export function rowsByRun(runs: Int32Array): number[][] {
  const groups = new Map<number, number[]>();
  runs.forEach((run, i) => {
    const rows = groups.get(run);
    if (rows) rows.push(i);
    else groups.set(run, [i]);
  });
  return [...groups.values()];
}
