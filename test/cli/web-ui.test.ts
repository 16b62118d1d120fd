import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTemporalDevServer } from '../../lib/engine/temporal-dev-server';
import { writeTinyConfig } from '../support/tiny-config';

const exec = promisify(execFile);
const CLIENT = path.resolve(__dirname, '../../dist/client.js');
let dir: string;
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-ui-'));
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await fs.rm(dir, { recursive: true, force: true });
});

/** The CLI as a background process, with its output so far and its exit. */
function start(args: string[]): { child: ChildProcessWithoutNullStreams; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLIENT, ...args, '--state-dir', path.join(dir, 'state')], { cwd: dir });
  children.push(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve(probe()).catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The URL a command printed, and the UI's origin. */
async function printedUrl(output: () => string): Promise<{ url: string; origin: string }> {
  const url = await until('the web UI URL', () => /Temporal web UI: (http:\/\/\S+)/.exec(output())?.[1]);
  return { url, origin: new URL(url).origin };
}

interface Listed {
  executions?: { execution: { workflowId: string }; status: string }[];
}

/** The workflows the UI lists, through the same HTTP API its pages call. */
async function listed(origin: string): Promise<Map<string, string>> {
  const response = await fetch(`${origin}/api/v1/namespaces/default/workflows`);
  const body = (await response.json()) as Listed;
  return new Map((body.executions ?? []).map((e) => [e.execution.workflowId, e.status]));
}

const tiny = { reconstruct: { methods: ['icnn-gd'], iterations: 4 } };

describe("Temporal's web UI for local runs", () => {
  it('run --ui prints a loopback URL whose UI lists the run while it goes; deeprecon ui shows it finished; status --json agrees', async () => {
    const file = await writeTinyConfig(dir, 'ui-tiny', tiny);
    const run = start(['run', file, '--ui', '--workers', '1', '--quiet']);
    const live = await printedUrl(run.output);
    expect(live.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows$/);
    // The page a browser opens answers, and the UI lists the run while it is going.
    const page = await fetch(live.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await until('the run in the UI', async () => (await listed(live.origin)).get('deeprecon-ui-tiny'))).toBe('WORKFLOW_EXECUTION_STATUS_RUNNING');
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('`deeprecon ui` shows finished runs');
    // The engine went with the command: nothing answers at that URL any more.
    await expect(fetch(live.url, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();

    const status = await exec(process.execPath, [CLIENT, 'status', 'ui-tiny', '--json', '--state-dir', path.join(dir, 'state')], { cwd: dir });
    const report = JSON.parse(status.stdout) as { workflowId: string; kind: string; status: string; stages: { stage: string; state: string }[]; points: unknown[] };
    expect(report).toMatchObject({ workflowId: 'deeprecon-ui-tiny', kind: 'experiment', status: 'COMPLETED', points: [] });
    expect(report.stages).toContainEqual(expect.objectContaining({ stage: 'reconstruct', state: 'ran' }));

    const ui = start(['ui']);
    const later = await printedUrl(ui.output);
    expect(later.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows$/);
    expect((await fetch(later.url)).status).toBe(200);
    expect((await listed(later.origin)).get('deeprecon-ui-tiny')).toBe('WORKFLOW_EXECUTION_STATUS_COMPLETED');
    ui.child.kill('SIGINT');
    expect(await ui.exited).toBe(0);
    await expect(fetch(later.url, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
    await expect(fs.access(path.join(dir, 'state', 'temporal', 'server.json'))).rejects.toThrow();
  }, 300_000);

  it('deeprecon ui beside a run in progress: its URL when it serves the UI, else why there is none', async () => {
    for (const ui of [true, false]) {
      // What a `run` in another terminal leaves: its engine, recorded in the state folder.
      const server = await startTemporalDevServer(ui ? { uiPort: 0 } : {});
      const stateDir = path.join(dir, `other-${String(ui)}`);
      await fs.mkdir(path.join(stateDir, 'temporal'), { recursive: true });
      await fs.writeFile(path.join(stateDir, 'temporal', 'server.json'), JSON.stringify({ pid: server.process.pid, address: server.address, ...(server.uiUrl ? { uiUrl: server.uiUrl } : {}) }));
      try {
        const r = await exec(process.execPath, [CLIENT, 'ui', '--state-dir', stateDir]).then(
          ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
          (e: { code: number; stdout: string; stderr: string }) => e,
        );
        if (ui) {
          expect(r).toMatchObject({ code: 0, stderr: '' });
          expect(r.stdout).toBe(`Temporal web UI: ${server.uiUrl}/namespaces/default/workflows (served by the run in progress, pid ${server.process.pid})\n`);
        } else {
          expect(r.code).toBe(1);
          expect(r.stderr).toBe(`error: the local engine (pid ${server.process.pid}) was started without its web UI by a run still going; start runs with --ui to watch them there, or run \`deeprecon ui\` once it has ended\n`);
        }
        // Left running: it belongs to the other run.
        expect(server.process.exitCode).toBeNull();
      } finally {
        await server.stop();
      }
    }
  });

  it('--ui with --address is a usage error: a cluster serves its own UI', async () => {
    const r = await exec(process.execPath, [CLIENT, 'run', 'x.yaml', '--ui', '--address', '127.0.0.1:1']).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).toBe(64);
    expect((r as { stderr: string }).stderr).toMatch(/^--ui is for the local engine/);
  });
});
