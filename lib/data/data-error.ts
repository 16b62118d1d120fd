/** Input data that cannot be used as it is (wrong shape, NaNs, mismatched ids); names its source. */
export class DataError extends Error {
  constructor(
    readonly source: string,
    problem: string,
  ) {
    super(`${source}: ${problem}`);
    this.name = 'DataError';
  }
}
