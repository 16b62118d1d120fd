import { Connection } from '@temporalio/client';
import { unreachableServer } from '../lib/engine/unreachable-server';
import type { TlsFiles } from './connection-options';

/** How long to try a Temporal frontend before saying it is unreachable. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * A client connection to the Temporal frontend at `address`; when none answers, an error that
 * names the address and what to check instead of the transport's own words.
 */
export async function connectTemporal(address: string, tls: TlsFiles | undefined): Promise<Connection> {
  try {
    return await Connection.connect({ address, connectTimeout: CONNECT_TIMEOUT_MS, ...(tls ? { tls } : {}) });
  } catch (error) {
    throw unreachableServer(address, error, tls !== undefined);
  }
}
