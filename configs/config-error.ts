/** One problem in a config file, located by key path and line. */
export interface ConfigProblem {
  readonly path: string;
  readonly line?: number;
  readonly message: string;
}

/** A config file was rejected; the message lists every problem as `file:line: key.path: message`. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(problems.map((p) => `${file}${p.line ? `:${p.line}` : ''}: ${p.path || '(top level)'}: ${p.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}
