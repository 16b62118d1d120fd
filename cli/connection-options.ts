import { promises as fs } from 'node:fs';

/** How to reach Temporal: a local embedded dev server (default) or an existing cluster. */
export interface ConnectionOptions {
  /** host:port of an existing cluster; absent means local mode. */
  readonly address?: string;
  readonly namespace: string;
  readonly tls?: { readonly serverName?: string; readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
  /** Folder for local-mode state (Temporal's SQLite file, logs). */
  readonly stateDir: string;
}

export interface TlsFiles {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
}

/** Reads the TLS files named on the command line into the shape the Temporal SDK expects. */
export async function loadTls(tls: ConnectionOptions['tls']): Promise<TlsFiles | undefined> {
  if (!tls) return undefined;
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    throw new Error('--tls-cert and --tls-key must be given together');
  }
  return {
    ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    ...(tls.caFile ? { serverRootCACertificate: await fs.readFile(tls.caFile) } : {}),
    ...(tls.certFile && tls.keyFile
      ? { clientCertPair: { crt: await fs.readFile(tls.certFile), key: await fs.readFile(tls.keyFile) } }
      : {}),
  };
}
