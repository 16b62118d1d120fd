import crypto from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BucketAlreadyOwnedByYou, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startSeaweedS3, type SeaweedS3 } from '../lib/engine/seaweed-server';
import { startTemporalDevServer } from '../lib/engine/temporal-dev-server';
import { DEFAULT_TASK_QUEUE } from '../worker';
import { SEARCH_ATTRIBUTE_TYPES } from '../workflows/search-attributes';
import { parse, UsageError } from './options';

const REGION = 'us-east-1';

function port(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${flag} must be a port number`);
  return n;
}

/** The address other machines use: the first non-loopback IPv4 address, unless told. */
function lanAddress(): string {
  for (const infos of Object.values(os.networkInterfaces())) {
    for (const info of infos ?? []) if (info.family === 'IPv4' && !info.internal) return info.address;
  }
  return '127.0.0.1';
}

/** The store's keys survive restarts, so workers configured once keep working. */
async function storeCredentials(dir: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const file = path.join(dir, 's3-credentials.json');
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as { accessKeyId: string; secretAccessKey: string };
  } catch {
    const made = { accessKeyId: `deeprecon${crypto.randomBytes(6).toString('hex')}`, secretAccessKey: crypto.randomBytes(24).toString('base64url') };
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(file, JSON.stringify(made), { mode: 0o600 });
    return made;
  }
}

async function createBucket(s3: SeaweedS3, bucket: string): Promise<void> {
  const client = new S3Client({ endpoint: s3.endpoint, region: REGION, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (!(error instanceof BucketAlreadyOwnedByYou) && (error as { name?: string }).name !== 'BucketAlreadyExists') throw error;
  } finally {
    client.destroy();
  }
}

/**
 * `deeprecon server`: what a small lab needs on one machine. The Temporal dev server on every
 * interface (its state in a SQLite file) with its web UI, the namespace and the search
 * attributes; optionally a SeaweedFS S3 store with the bucket made. Prints the lines to use on
 * the other machines, then serves until Ctrl-C.
 */
export async function serverCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    port: { type: 'string', default: '7233' },
    'ui-port': { type: 'string', default: '8233' },
    advertise: { type: 'string' },
    namespace: { type: 'string', default: 'default' },
    'state-dir': { type: 'string', default: '.deeprecon' },
    s3: { type: 'boolean', default: false },
    's3-port': { type: 'string', default: '8333' },
    bucket: { type: 'string', default: 'deeprecon' },
  });
  const host = values.advertise ?? lanAddress();
  const dir = path.resolve(values['state-dir'], 'server');
  const namespace = values.namespace;
  const temporalPort = port(values.port, '--port');
  const uiPort = port(values['ui-port'], '--ui-port');
  const temporal = await startTemporalDevServer({
    dbFile: path.join(dir, 'temporal.sqlite'),
    port: temporalPort,
    uiPort,
    namespace,
    logFile: path.join(dir, 'temporal.log'),
    searchAttributes: { ...SEARCH_ATTRIBUTE_TYPES },
    bindAll: true,
  });
  let s3: SeaweedS3 | undefined;
  try {
    if (values.s3) {
      s3 = await startSeaweedS3({ dir: path.join(dir, 's3'), port: port(values['s3-port'], '--s3-port'), logFile: path.join(dir, 's3.log'), ...(await storeCredentials(dir)), bindAll: true });
      await createBucket(s3, values.bucket);
    }
  } catch (error) {
    await temporal.stop();
    throw error;
  }
  const address = `${host}:${temporalPort}`;
  const ns = namespace === 'default' ? '' : ` --namespace ${namespace}`;
  const endpoint = s3 ? `http://${host}:${values['s3-port']}` : undefined;
  const lines = [
    `deeprecon server: Temporal at ${address}, namespace ${namespace}, search attributes ${Object.keys(SEARCH_ATTRIBUTE_TYPES).join(', ')} registered`,
    `  web UI: http://${host}:${uiPort}   state: ${dir}`,
    ...(s3 && endpoint ? [`  S3 store: ${endpoint}, bucket ${values.bucket}`] : []),
    '',
    'on each worker machine (one process per task queue it serves; two or more per queue for failover):',
    ...(s3 ? [`  export AWS_ACCESS_KEY_ID=${s3.accessKeyId} AWS_SECRET_ACCESS_KEY=${s3.secretAccessKey} AWS_REGION=${REGION}`] : []),
    `  npx deeprecon worker --address ${address}${ns} --task-queue ${DEFAULT_TASK_QUEUE} --concurrency 1`,
    '',
    'in the experiment file:',
    s3 ? `  store: {type: s3, bucket: ${values.bucket}, prefix: runs, endpoint: "${endpoint}", region: ${REGION}, forcePathStyle: true}` : '  store: {type: s3, bucket: …, endpoint: …} (an S3 store every machine reaches; `deeprecon server --s3` runs one)',
    '',
    'from any machine:',
    `  npx deeprecon run <config.yaml> --address ${address}${ns} --search-attributes`,
    `  npx deeprecon status <run> --address ${address}${ns}`,
    '',
    'Ctrl-C stops the server; runs stay in its state folder and continue when it starts again.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  process.stdout.write('stopping the server\n');
  await Promise.all([temporal.stop(), s3?.stop()]);
}
