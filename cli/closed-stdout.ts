/**
 * `deeprecon status | head -1`: once the reader has gone, every further write fails with EPIPE,
 * which Node raises as an unhandled stream error (a stack trace and exit 1). Output nobody reads
 * is not a failure: drop it and let the command finish (and close its session) as usual.
 */
export function tolerateClosedStdout(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
    throw error;
  });
}
