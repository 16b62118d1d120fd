import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ConnectionOptions } from './connection-options';

/** Flags shared by every command that talks to Temporal. */
export const CONNECTION_FLAGS = {
  address: { type: 'string' },
  namespace: { type: 'string', default: 'default' },
  'task-queue': { type: 'string' },
  'state-dir': { type: 'string', default: '.deeprecon' },
  'runs-dir': { type: 'string', default: 'runs' },
  tls: { type: 'boolean', default: false },
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-server-name': { type: 'string' },
  quiet: { type: 'boolean', default: false },
} as const satisfies ParseArgsConfig['options'];

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

interface ConnectionValues {
  address?: string;
  namespace?: string;
  'state-dir'?: string;
  tls?: boolean;
  'tls-ca'?: string;
  'tls-cert'?: string;
  'tls-key'?: string;
  'tls-server-name'?: string;
}

export function connectionFrom(values: ConnectionValues): ConnectionOptions {
  const wantsTls = values.tls || values['tls-ca'] || values['tls-cert'] || values['tls-key'];
  if (wantsTls && !values.address) throw new UsageError('TLS options need --address (remote mode)');
  return {
    namespace: values.namespace ?? 'default',
    stateDir: values['state-dir'] ?? '.deeprecon',
    ...(values.address ? { address: values.address } : {}),
    ...(wantsTls
      ? {
          tls: {
            ...(values['tls-ca'] ? { caFile: values['tls-ca'] } : {}),
            ...(values['tls-cert'] ? { certFile: values['tls-cert'] } : {}),
            ...(values['tls-key'] ? { keyFile: values['tls-key'] } : {}),
            ...(values['tls-server-name'] ? { serverName: values['tls-server-name'] } : {}),
          },
        }
      : {}),
  };
}
