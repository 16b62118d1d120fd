/**
 * Runs a bench script's main and exits: 0 when it resolves, 1 (after printing the error) when it
 * fails. The exit is explicit because TensorFlow's and worker threads' handles can keep Node alive.
 */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
