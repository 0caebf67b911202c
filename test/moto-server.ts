import { spawn } from 'child_process';
import { existsSync } from 'fs';
import { createServer } from 'net';
import { join } from 'path';

// moto (PyPI `moto[server]`, pinned in requirements-dev.txt, installed into .venv by
// scripts/python-env.sh) in server mode: an AWS fake nobody on this project wrote. A test file calls
// `useMotoServer()` once at its top: the server starts on 127.0.0.1 on a free port before the
// file's tests (beforeAll) and is stopped after them (afterAll), or when the process exits.
// Real SDK v3 clients reach it with `clientConfig()`: its endpoint, dummy static credentials
// (there are no AWS credentials on these machines, and none may be looked for) and us-east-1.

const REPO = join(__dirname, '..');
/** The moto_server script of the project's venv. */
export const MOTO_SERVER = join(REPO, '.venv', 'bin', 'moto_server');
const PYTHON = join(REPO, '.venv', 'bin', 'python');
/** Runs the script in argv[1] with the arguments after it, and exits when stdin reaches its end. */
const WATCHDOG = [
  'import os, runpy, sys, threading',
  'threading.Thread(target=lambda: (sys.stdin.buffer.read(), os._exit(0)), daemon=True).start()',
  'sys.argv = sys.argv[1:]',
  'runpy.run_path(sys.argv[0], run_name="__main__")',
].join('\n');
const HOST = '127.0.0.1';
const REGION = 'us-east-1';
/** moto's account id when none is configured (moto's default, used in the ARNs it returns). */
export const MOTO_ACCOUNT = '123456789012';

/** A running moto server. */
export interface MotoServer {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** Forgets every resource of every service (`POST /moto-api/reset`). */
  reset(): Promise<void>;
  /** Stops the server (and waits until it is gone). */
  stop(): Promise<void>;
}

/** The SDK v3 client configuration that points a client at a moto server. */
export function motoClientConfig(endpoint: string) {
  return {
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'moto-test', secretAccessKey: 'moto-test' },
    // One attempt: a failure is moto's answer, not something to wait out (the handler retries itself).
    maxAttempts: 1,
  };
}

/** Starts moto_server on 127.0.0.1 and waits until it answers. */
export async function startMotoServer(options: { timeoutMs?: number } = {}): Promise<MotoServer> {
  if (!existsSync(MOTO_SERVER) || !existsSync(PYTHON)) {
    throw new Error(`moto is not installed in .venv (${MOTO_SERVER} is missing): run scripts/python-env.sh, ` +
      'which installs requirements-dev.txt (`npm test` runs it).');
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  // A port found free can be taken before moto binds it: then moto exits at once, and another is tried.
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await launch(port, timeoutMs);
    } catch (error) {
      lastError = error as Error;
      if (!(error instanceof ExitedEarly)) {
        throw error;
      }
    }
  }
  throw lastError!;
}

/**
 * Registers beforeAll/afterAll hooks that run one moto server for the calling test file; the
 * returned object works from the file's first test on.
 */
export function useMotoServer(): MotoServer & { clientConfig(): ReturnType<typeof motoClientConfig> } {
  let server: MotoServer | undefined;
  beforeAll(async () => {
    server = await startMotoServer();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });
  const running = () => {
    if (!server) {
      throw new Error('The moto server is not running: useMotoServer() starts it in beforeAll, so use it in tests and hooks only.');
    }
    return server;
  };
  return {
    get endpoint() { return running().endpoint; },
    reset: () => running().reset(),
    stop: () => running().stop(),
    clientConfig: () => motoClientConfig(running().endpoint),
  };
}

class ExitedEarly extends Error {}

async function launch(port: number, timeoutMs: number): Promise<MotoServer> {
  const endpoint = `http://${HOST}:${port}`;
  // moto_server, run by the venv's python with a watchdog: the server ends when its stdin closes,
  // that is when this process ends in any way (a SIGKILLed Jest worker runs no exit handler).
  const child = spawn(PYTHON, ['-c', WATCHDOG, MOTO_SERVER, '-H', HOST, '-p', String(port)], {
    cwd: REPO,
    // moto needs no credentials; none of the caller's AWS settings reach it.
    env: withoutAwsSettings(process.env),
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString('utf-8')).slice(-4_000); // the last lines, for a failure message
  });
  let exited: string | undefined;
  const gone = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? `code ${code}`}`;
    resolve();
  }));
  child.once('error', (error) => { exited = `could not start: ${error.message}`; });
  // Jest ends a worker process with the file's last test; a server left behind would hold its port.
  const killOnExit = () => { child.kill('SIGKILL'); };
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (exited === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    }
  };
  const reset = async () => {
    const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    if (!response.ok) {
      throw new Error(`moto's reset answered ${response.status}: ${await response.text()}`);
    }
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined) {
      await stop();
      throw new ExitedEarly(`moto_server on ${endpoint} ${exited} before it answered:\n${output}`);
    }
    try {
      await reset(); // answers once the server is up, and proves it is moto's
      return { endpoint, reset, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A port on 127.0.0.1 that was free a moment ago. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** The environment without AWS_* settings (credentials, profiles, endpoints). */
function withoutAwsSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('AWS_')));
}
