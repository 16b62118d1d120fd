/**
 * The error for a Temporal frontend that does not answer: the address and what to check, with
 * the transport's reason in a few words (not a Rust error's debug form or a gRPC status dump).
 */
export function unreachableServer(address: string, error: unknown, tls: boolean): Error {
  const text = error instanceof Error ? error.message : String(error);
  const reason = text.match(/message: "([^"]+)"/)?.[1] ?? text.split('\n')[0];
  return new Error(`cannot reach the Temporal server at ${address} (${reason}); check --address${tls ? ', the TLS options' : ''} and that the server is running`);
}
