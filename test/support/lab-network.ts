import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { promises as fs, readFileSync, readlinkSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

/**
 * A lab of "machines" for a deployment test. With network namespaces, each host is its own network
 * namespace (own interfaces, own loopback, own hostname) plugged into one bridge, the lab's LAN,
 * over a veth pair: a process on one host reaches another only through the address the other
 * host has on that LAN, exactly as on separate machines. Everything lives inside one user
 * namespace created by this process (`unshare --user --map-root-user --net`), so no privilege
 * and no change to the machine's own network is needed, and nothing of it outlives its processes.
 *
 * Without namespaces, the loopback fallback runs each "host" as plain processes on 127.0.0.1:
 * the same deployment steps, without the network isolation.
 */

export type NamespaceSupport = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Everything the namespace lab does, in one throwaway namespace: a bridge, a veth pair, a nested namespace with its own hostname. */
const PROBE_SCRIPT = 'ip link add probe0 type bridge && ip link add probe1 type veth peer name probe2 && unshare --net --uts hostname probe-host';

/**
 * Whether this user may build the namespace lab here, and if not the exact command and error:
 * the reason a skipped test shows. Synchronous, since the test's title depends on it.
 */
export function probeNetworkNamespaces(): NamespaceSupport {
  for (const [tool, version] of [['unshare', '--version'], ['nsenter', '--version'], ['ip', '-V']] as const) {
    const found = spawnSync(tool, [version], { encoding: 'utf8', timeout: 10_000 });
    if (found.error) return { ok: false, reason: `\`${tool}\` is not available (${found.error.message})` };
  }
  const args = ['--user', '--map-root-user', '--net', '--uts', 'sh', '-c', PROBE_SCRIPT];
  const probe = spawnSync('unshare', args, { encoding: 'utf8', timeout: 10_000 });
  if (probe.error || probe.status !== 0) {
    const why = probe.error?.message ?? (probe.stderr.trim() || `exit code ${String(probe.status)}`);
    return { ok: false, reason: `\`unshare ${args.slice(0, -1).join(' ')} '${PROBE_SCRIPT}'\` failed: ${why}` };
  }
  return { ok: true };
}

/** A process started on a lab host; its output is kept for assertions and failure messages. */
export interface HostProcess {
  readonly child: ChildProcess;
  /** stdout and stderr as received so far. */
  output(): string;
  /** The exit code, or the signal's name. */
  readonly exited: Promise<number | string>;
  /** Resolves with the output once it matches; rejects when the process ends first or time runs out. */
  until(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
}

export interface SpawnOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Where the output also goes, for a person reading a failed run. */
  readonly logFile: string;
}

export interface LabHost {
  /** The hostname its processes see (the part after @ in a worker's identity). */
  readonly name: string;
  /** The address the other hosts reach it at. */
  readonly address: string;
  spawn(command: string, args: readonly string[], options: SpawnOptions): HostProcess;
}

export interface LabNetwork {
  readonly kind: 'network namespaces' | 'loopback';
  addHost(name: string): Promise<LabHost>;
  /**
   * host:port on the test's own machine that reaches `port` on `host`'s loopback: the test's
   * window into the lab (an administrator's port forward), never used by the deployment itself.
   */
  forward(host: LabHost, port: number): Promise<string>;
  /** Kills every process started in the lab (with its children) and dissolves the namespaces. */
  close(): Promise<void>;
}

/**
 * Holders of namespaces end by themselves after this long, so even a test runner killed outright
 * leaves no namespace behind for long; the test takes a few minutes.
 */
const HOLDER_SECONDS = 1200;
const LAN_PREFIX = '10.77.0';
const BRIDGE = 'lab0';

/** A command run through nsenter in the namespaces of `pid`; --preserve-credentials, as setgroups is denied in a --map-root-user namespace. */
function enter(pid: number, uts: boolean): string[] {
  return ['--target', String(pid), '--user', '--net', ...(uts ? ['--uts'] : []), '--preserve-credentials', '--'];
}

function netNamespace(pid: number | 'self'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return undefined;
  }
}

/** Waits until `child` has left the namespace `from` and runs `sleep` (unshare has exec'd), i.e. the namespace is ready to configure. */
async function untilUnshared(child: ChildProcess, from: string | undefined): Promise<number> {
  const pid = child.pid;
  if (pid === undefined) throw new Error('a namespace holder did not start');
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`a namespace holder exited (${String(child.exitCode ?? child.signalCode)})`);
    let comm = '';
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      // Not readable yet.
    }
    const ns = netNamespace(pid);
    if (comm === 'sleep' && ns !== undefined && ns !== from) return pid;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`namespace holder ${pid} never entered its namespace`);
}

/** Runs a short configuration command to its end; its stderr is the error. */
function run(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed (${String(code)}): ${stderr.trim()}`))));
  });
}

/**
 * Spawns in a process group of its own (added to `started`), so killGroups() takes the process's
 * children (a server's Temporal and SeaweedFS, a local run's engine) with it.
 */
export function startProcess(command: string, args: readonly string[], options: SpawnOptions, started: ChildProcess[]): HostProcess {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  started.push(child);
  let output = '';
  const waiters = new Set<() => void>();
  const log = fs.open(options.logFile, 'a');
  const onData = (d: Buffer) => {
    output += d.toString();
    void log.then((h) => h.write(d)).catch(() => undefined);
    for (const w of waiters) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | string>((resolve) => {
    child.once('error', (e) => {
      output += `\n${e.message}`;
      resolve(e.message);
    });
    child.once('close', (code, signal) => {
      void log.then((h) => h.close()).catch(() => undefined);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  const until = (pattern: RegExp, timeoutMs: number) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output);
        if (!match) return;
        done();
        resolve(match);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${String(pattern)} within ${timeoutMs / 1000} s from ${command} ${args.join(' ')}; its output:\n${output}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      void exited.then((how) => {
        if (!waiters.has(check)) return;
        check();
        if (!waiters.has(check)) return;
        done();
        reject(new Error(`${command} ${args.join(' ')} ended (${how}) before ${String(pattern)}; its output:\n${output}`));
      });
      check();
    });
  return { child, output: () => output, exited, until };
}

/** SIGKILL to the process group of each; a group already gone is skipped. */
export function killGroups(started: readonly ChildProcess[]): void {
  for (const child of started) {
    if (child.pid === undefined) continue;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is gone already.
    }
  }
}

/** The namespace lab: a "switch" namespace holding the bridge, and one namespace per host plugged into it. */
export async function startNamespaceLab(dir: string): Promise<LabNetwork> {
  const started: ChildProcess[] = [];
  const holders: ChildProcess[] = [];
  const servers: net.Server[] = [];
  const keeper = spawn('unshare', ['--user', '--map-root-user', '--net', 'sleep', String(HOLDER_SECONDS)], { stdio: 'ignore', detached: true });
  holders.push(keeper);
  const close = async () => {
    for (const server of servers) server.close();
    killGroups(started);
    killGroups(holders);
    await Promise.all([...started, ...holders].map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
  };
  try {
    const switchPid = await untilUnshared(keeper, netNamespace('self'));
    const switchNs = netNamespace(switchPid);
    await run('nsenter', [...enter(switchPid, false), 'sh', '-c', `ip link set lo up && ip link add ${BRIDGE} type bridge && ip link set ${BRIDGE} up`]);
    let hosts = 0;
    return {
      kind: 'network namespaces',
      async addHost(name) {
        const index = ++hosts;
        const address = `${LAN_PREFIX}.${index}`;
        const holder = spawn('nsenter', [...enter(switchPid, false), 'unshare', '--net', '--uts', 'sleep', String(HOLDER_SECONDS)], { stdio: 'ignore', detached: true });
        holders.push(holder);
        const pid = await untilUnshared(holder, switchNs);
        // The host's end is its eth0; the switch's end joins the bridge.
        await run('nsenter', [...enter(switchPid, false), 'sh', '-c', `ip link add port${index} type veth peer name eth0 netns ${pid} && ip link set port${index} master ${BRIDGE} && ip link set port${index} up`]);
        await run('nsenter', [...enter(pid, true), 'sh', '-c', `ip link set lo up && ip addr add ${address}/24 dev eth0 && ip link set eth0 up && hostname ${name}`]);
        return {
          name,
          address,
          spawn: (command, args, options) => startProcess('nsenter', [...enter(pid, true), command, ...args], options, started),
        };
      },
      async forward(host, port) {
        // Two hops, since no TCP socket crosses namespaces: a relay on the host from a Unix socket
        // (a file, reachable from every network namespace) to its loopback port, and a listener
        // here from a loopback port to that Unix socket.
        const socket = path.join(dir, `forward-${host.name}-${port}.sock`);
        const relay = host.spawn(process.execPath, ['-e', RELAY_SCRIPT, socket, String(port)], { cwd: dir, logFile: path.join(dir, `forward-${host.name}-${port}.log`) });
        await relay.until(/relay listening/, 30_000);
        const server = net.createServer((client) => {
          const upstream = net.connect(socket);
          client.pipe(upstream).pipe(client);
          client.on('error', () => upstream.destroy());
          upstream.on('error', () => client.destroy());
        });
        servers.push(server);
        await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
        const local = server.address();
        if (local === null || typeof local === 'string') throw new Error('the forward has no TCP address');
        return `127.0.0.1:${local.port}`;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The host side of forward(): plain JavaScript, since it runs under node inside the namespace. */
const RELAY_SCRIPT = `
const net = require('node:net');
const [socket, port] = process.argv.slice(1);
net.createServer((c) => {
  const s = net.connect(Number(port), '127.0.0.1');
  c.pipe(s).pipe(c);
  c.on('error', () => s.destroy());
  s.on('error', () => c.destroy());
}).listen(socket, () => console.log('relay listening'));
`;

/** The fallback: every host is this machine, at 127.0.0.1; only the processes are separate. */
export function startLoopbackLab(): LabNetwork {
  const started: ChildProcess[] = [];
  return {
    kind: 'loopback',
    async addHost(name) {
      return { name, address: '127.0.0.1', spawn: (command, args, options) => startProcess(command, args, options, started) };
    },
    async forward(_host, port) {
      return `127.0.0.1:${port}`;
    },
    async close() {
      killGroups(started);
      await Promise.all(started.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
    },
  };
}
