import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { PrivateWorkforce, WorkerRemovalPolicy, Workers } from '../../src';

// The README's access-plan example, run: its `npx cdk synth` lines synthesize an app like the
// README's (the deployed version, then the change), its `npx cdk-private-workforce` line runs the
// command as the package ships it (the bundle, `assets/cli/index.js`), and what it prints must be
// what the README shows.

const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf-8');

function example(): { commands: string[]; output: string } {
  const at = README.indexOf('<!-- access-plan-example');
  expect(at).toBeGreaterThan(0);
  const [, sh, text] = /```sh\n([\s\S]*?)```\s*```text\n([\s\S]*?)```/.exec(README.slice(at))!;
  return { commands: sh.split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean), output: text.trim() };
}

/** An app like the README's: a workforce that disables who leaves the list. */
function synthesize(outdir: string, workers: string[]): void {
  const app = new App({ outdir });
  const stack = new Stack(app, 'LabelingStack', { env: { account: '123456789012', region: 'us-east-1' } });
  new PrivateWorkforce(stack, 'Workforce', {
    workforceName: 'labeling',
    removedWorkers: WorkerRemovalPolicy.DISABLE,
    workers: Workers.fromList(workers.map((n) => ({ email: `${n}@example.com` }))),
  });
  app.synth();
}

test('the README\'s access-plan example runs, and prints what the README shows', () => {
  const { commands, output } = example();
  const dir = mkdtempSync(join(tmpdir(), 'readme-plan-'));
  const versions = [['ana', 'bo', 'cy'], ['ana', 'bo', 'dee']]; // deployed, then the change: cy leaves, dee joins
  let result: ReturnType<typeof spawnSync> | undefined;
  for (const command of commands) {
    const synth = /^npx cdk synth(?: -o (\S+))?$/.exec(command);
    if (synth) {
      synthesize(join(dir, synth[1] ?? 'cdk.out'), versions.shift()!);
      continue;
    }
    const plan = /^npx cdk-private-workforce (.*)$/.exec(command);
    expect(plan).not.toBeNull();
    result = spawnSync(process.execPath, [join(ROOT, 'assets', 'cli', 'index.js'), ...plan![1].split(/\s+/)], {
      cwd: dir, encoding: 'utf-8', env: { PATH: process.env.PATH, HOME: dir }, // offline: no credentials at all
    });
  }
  expect(result).toBeDefined();
  expect([result!.status, result!.stderr]).toEqual([2, '']); // --fail-on remove, and cy is disabled
  expect(String(result!.stdout).trim()).toBe(output);
});
