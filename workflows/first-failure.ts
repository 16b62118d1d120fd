/**
 * Stages started early (features beside the subjects' first stages, the generator prior beside
 * decoding) are awaited only later. In the workflow sandbox a promise that rejects before anything
 * awaits it is an unhandled rejection: the workflow task fails and the run stays RUNNING for ever.
 * `watch` observes such a promise the moment it is created; `race` ends the work that runs beside
 * it with the first watched failure, so the run fails at once with that stage's error.
 */
export class FirstFailure {
  private reject: (error: unknown) => void = () => undefined;
  private readonly failed: Promise<never>;

  constructor() {
    this.failed = new Promise<never>((_, reject) => (this.reject = reject));
    // Observed here; the error itself reaches the workflow through `race`.
    this.failed.catch(() => undefined);
  }

  /** Returns `promise`, now observed: its rejection is recorded instead of going unhandled. */
  watch<T>(promise: Promise<T>): Promise<T> {
    promise.catch((error: unknown) => this.reject(error));
    return promise;
  }

  /** `promise`, or the first watched failure if that comes first. */
  race<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.failed]);
  }
}
