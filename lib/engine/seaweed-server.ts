import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort } from './free-port';
import { awaitReady, retryOnEarlyExit, spawnServer, stopProcess } from './managed-process';
import { resolveTool } from './tools';
import { waitFor } from './wait-for';

export interface SeaweedS3Options {
  /** Data directory (volumes, filer metadata, credentials file); reuse it to keep objects across restarts. */
  dir: string;
  /** S3 port; a free one is picked when omitted. */
  port?: number;
  logFile?: string;
  /** Random when omitted. */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Serve S3 on every interface (a lab store other machines reach); its internal services stay on 127.0.0.1. */
  bindAll?: boolean;
}

export interface SeaweedS3 {
  /** http://127.0.0.1:PORT, for an S3Client with forcePathStyle: true. */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
/**
 * After SIGTERM, weed 4.48 blocks ~15 s in the filer's graceful gRPC stop (the embedded S3
 * gateway keeps a metadata subscription open). Acknowledged writes are already in the volume
 * files and the filer's leveldb journal, so killing after a short grace loses nothing.
 */
const STOP_GRACE_MS = 3_000;

/**
 * Starts a single-process SeaweedFS (master + volume + filer + S3 gateway) on 127.0.0.1
 * and resolves once the S3 gateway answers and a volume server has joined (so writes can land).
 */
export function startSeaweedS3(o: SeaweedS3Options): Promise<SeaweedS3> {
  // Seven of its listeners always get picked ports, so a retry can help even when the S3 port is fixed.
  return retryOnEarlyExit(START_ATTEMPTS, () => startOnce(o));
}

const START_ATTEMPTS = 3;

async function startOnce(o: SeaweedS3Options): Promise<SeaweedS3> {
  const binary = resolveTool('weed');
  const dir = path.resolve(o.dir);
  fs.mkdirSync(dir, { recursive: true });
  const accessKeyId = o.accessKeyId ?? `deeprecon${crypto.randomBytes(6).toString('hex')}`;
  const secretAccessKey = o.secretAccessKey ?? crypto.randomBytes(24).toString('base64url');
  const configFile = writeS3Config(dir, accessKeyId, secretAccessKey);

  // Every listener gets an explicit port: seaweed's default gRPC port is http port + 10000, which may be taken.
  const ports = await distinctFreePorts(8, o.port);
  const next = (): number => {
    const port = ports.pop();
    if (port === undefined) throw new Error('ran out of picked ports');
    return port;
  };
  const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3Grpc] = [next(), next(), next(), next(), next(), next(), next()];
  const s3 = o.port ?? next();
  const args = [
    'server',
    `-dir=${dir}`,
    '-ip=127.0.0.1',
    `-ip.bind=${o.bindAll ? '0.0.0.0' : '127.0.0.1'}`,
    `-master.port=${master}`,
    `-master.port.grpc=${masterGrpc}`,
    // Small volumes keep the footprint of a dev store low; max=0 sizes the volume count from free disk.
    '-master.volumeSizeLimitMB=64',
    '-master.telemetry=false',
    // A lone master otherwise waits the 10 s default election timeout before leading again on restart.
    '-master.electionTimeout=1s',
    `-volume.port=${volume}`,
    `-volume.port.grpc=${volumeGrpc}`,
    '-volume.max=0',
    // The default 10 s drain is for clusters; a local store can stop at once.
    '-volume.preStopSeconds=0',
    '-filer',
    `-filer.port=${filer}`,
    `-filer.port.grpc=${filerGrpc}`,
    '-s3',
    `-s3.port=${s3}`,
    `-s3.port.grpc=${s3Grpc}`,
    `-s3.config=${configFile}`,
    // Extra catalog listeners we do not use, and whose fixed default ports could collide.
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
  ];
  const server = spawnServer(binary, args, o.logFile);
  const endpoint = `http://127.0.0.1:${s3}`;
  await awaitReady(server, () => waitUntilWritable(endpoint, master, accessKeyId, secretAccessKey, () => server.exitReason(), o.logFile), STOP_GRACE_MS);
  return { endpoint, accessKeyId, secretAccessKey, process: server.child, stop: () => stopProcess(server.child, STOP_GRACE_MS) };
}

/** One identity with full rights; anonymous access stays disabled because an identity exists. */
function writeS3Config(dir: string, accessKey: string, secretKey: string): string {
  const file = path.join(dir, 's3-identities.json');
  const config = {
    identities: [{ name: 'deeprecon', credentials: [{ accessKey, secretKey }], actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'] }],
  };
  fs.writeFileSync(file, JSON.stringify(config, null, 2), { mode: 0o600 });
  return file;
}

async function distinctFreePorts(n: number, exclude: number | undefined): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) {
    const port = await freePort();
    if (port !== exclude) ports.add(port);
  }
  return [...ports];
}

/**
 * Listing buckets proves gateway + filer; the master's topology must also hold a data node,
 * or the first write fails with "Not enough data nodes found". Checking that is cheaper than
 * writing a probe object, which would create (and leave traces of) a collection of volumes.
 */
async function waitUntilWritable(
  endpoint: string,
  masterPort: number,
  accessKeyId: string,
  secretAccessKey: string,
  exitReason: () => string | undefined,
  logFile: string | undefined,
): Promise<void> {
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 1,
  });
  try {
    await waitFor(
      async () => {
        const status = await fetch(`http://127.0.0.1:${masterPort}/dir/status`);
        if (!status.ok || !hasDataNode(await status.json())) throw new Error('no volume server has joined the master yet');
        await client.send(new ListBucketsCommand({}));
        return true;
      },
      { what: `SeaweedFS S3 at ${endpoint}`, timeoutMs: READY_TIMEOUT_MS, intervalMs: 200, logFile, abort: exitReason },
    );
  } finally {
    client.destroy();
  }
}

/** Topology.DataCenters[].Racks[].DataNodes[] of the master's /dir/status answer. */
function hasDataNode(status: unknown): boolean {
  const list = (v: unknown, key: string): unknown[] => {
    if (typeof v !== 'object' || v === null) return [];
    const x = (v as Record<string, unknown>)[key];
    return Array.isArray(x) ? x : [];
  };
  const topology = typeof status === 'object' && status !== null ? (status as Record<string, unknown>)['Topology'] : undefined;
  return list(topology, 'DataCenters').some((dc) => list(dc, 'Racks').some((rack) => list(rack, 'DataNodes').length > 0));
}
