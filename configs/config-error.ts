/** One problem in a config file, located by key path and line. */
export interface ConfigProblem {
  readonly path: string;
  readonly line?: number;
  readonly message: string;
}

const MAX_LISTED = 20;

/** A config file was rejected; the message lists every problem as `file:line: key.path: message`. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    // A file with thousands of mistakes gets the first few and a count, not thousands of lines.
    const shown = problems.slice(0, MAX_LISTED).map((p) => `${file}${p.line ? `:${p.line}` : ''}: ${p.path || '(top level)'}: ${p.message}`);
    if (problems.length > MAX_LISTED) shown.push(`${file}: … and ${problems.length - MAX_LISTED} more problems`);
    super(shown.join('\n'));
    this.name = 'ConfigError';
  }
}
