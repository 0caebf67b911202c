import { spawnSync } from 'child_process';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { AssemblyError, AssemblySender, readSenders, readStacks } from './assembly';
import { PLAN_ACTIONS, PlanClients, planLive, SenderPlan } from './live-plan';
import { planOffline } from './offline-plan';
import { asJson, CHANGE_KINDS, ChangeKind, countOf, parseKinds, summaryLine, table } from './report';

/** What the command needs from its surroundings (tests give fakes). */
export interface CommandEnvironment {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Whether stderr is a terminal (a live progress line) or not (a line every 10,000 users). */
  readonly interactive?: boolean;
  readonly cwd?: string;
  readonly clockNow?: () => number;
  /** AWS clients for a Region (the caller's credentials). */
  clientsFor(region: string | undefined): PlanClients;
}

export const USAGE = `Usage: cdk-private-workforce plan [options]

Shows who the next deploy lets into each labeling portal, and who it locks out, before you deploy:
for every InvitationSender of a cloud assembly, the invitations, re-sent invitations, email changes,
team changes, disables, re-enables and deletes the deploy would make, computed by the handler's own
plan function from the user pool as it is now (read-only AWS calls with your credentials).

Options:
  -o, --output DIR     the cloud assembly to read (default: cdk.out)
  -a, --app CMD        synthesize the app first (as cdk does: CDK_OUTDIR is set for it)
  --stack NAME         only this stack (repeatable)
  --base DIR           compare with an older cloud assembly instead, offline (no credentials):
                       what the list change means under each sender's removal policy
  --show-names         list the people of each change (personal data: off by default)
  --json               print the plan as JSON
  --fail-on KINDS      exit 2 only for these changes: ${CHANGE_KINDS.join(', ')}, remove (disable,delete),
                       team (join,leave), any (default: any change)
  -h, --help           this text

Exit codes: 0 no change (of the --fail-on kinds), 2 changes, 1 an error.
Needs: ${PLAN_ACTIONS.join(', ')} (grantPlan() grants them).`;

interface Options {
  output: string;
  app?: string;
  stacks: string[];
  base?: string;
  showNames: boolean;
  json: boolean;
  failOn: ChangeKind[];
}

/** A failure the command explains in one line (exit 1). */
class CommandError extends Error {}

function parse(argv: readonly string[]): Options | 'help' {
  const options: Options = { output: 'cdk.out', stacks: [], showNames: false, json: false, failOn: [...CHANGE_KINDS] };
  const args = [...argv];
  if (args[0] === 'plan') {
    args.shift();
  } else if (args[0] !== undefined && !args[0].startsWith('-')) {
    throw new CommandError(`Unknown command ${JSON.stringify(args[0])}: the command is \`cdk-private-workforce plan\` (see --help).`);
  }
  const value = (flag: string) => {
    const v = args.shift();
    if (v === undefined || v.startsWith('--')) {
      throw new CommandError(`${flag} needs a value (see --help).`);
    }
    return v;
  };
  while (args.length > 0) {
    const arg = args.shift()!;
    switch (arg) {
      case '-o': case '--output': options.output = value(arg); break;
      case '-a': case '--app': options.app = value(arg); break;
      case '--stack': options.stacks.push(value(arg)); break;
      case '--base': options.base = value(arg); break;
      case '--show-names': options.showNames = true; break;
      case '--json': options.json = true; break;
      case '--fail-on':
        try {
          options.failOn = parseKinds(value(arg));
        } catch (error) {
          throw new CommandError((error as Error).message);
        }
        break;
      case '-h': case '--help': return 'help';
      default: throw new CommandError(`Unknown option ${JSON.stringify(arg)} (see --help).`);
    }
  }
  return options;
}

/** Runs the command; resolves with its exit code. */
export async function runPlanCommand(argv: readonly string[], env: CommandEnvironment): Promise<number> {
  try {
    const options = parse(argv);
    if (options === 'help') {
      env.out(USAGE);
      return 0;
    }
    const results = await plans(options, env);
    if (results === undefined) {
      return 0;
    }
    if (options.json) {
      env.out(JSON.stringify(asJson(results, options.showNames, options.base !== undefined), undefined, 2));
    } else {
      for (const result of results) {
        env.out(summaryLine(result, options.base !== undefined));
        if (countOf(result.plan, CHANGE_KINDS) > 0 || result.plan.left.adminDisabled + result.plan.left.notOurs + result.plan.left.federated > 0) {
          env.out(`${table(result, options.showNames)}\n`);
        }
      }
    }
    const gated = results.reduce((n, r) => n + countOf(r.plan, options.failOn), 0);
    const refused = results.some((r) => r.plan.refusal);
    return gated > 0 || refused ? 2 : 0;
  } catch (error) {
    env.err(`cdk-private-workforce plan: ${explain(error)}`);
    return 1;
  }
}

async function plans(options: Options, env: CommandEnvironment): Promise<SenderPlan[] | undefined> {
  const cwd = env.cwd ?? process.cwd();
  const dir = options.app ? synthesize(options.app, cwd) : resolve(cwd, options.output);
  let senders = readSenders(dir);
  if (options.stacks.length > 0) {
    const known = readStacks(dir).map((s) => s.stackName);
    const unknown = options.stacks.filter((s) => !known.includes(s));
    if (unknown.length > 0) {
      throw new CommandError(`No stack ${unknown.join(', ')} in ${dir} (its stacks: ${known.join(', ') || 'none'}).`);
    }
    senders = senders.filter((s) => options.stacks.includes(s.stack.stackName));
  }
  if (senders.length === 0) {
    env.out(`No InvitationSender in ${dir}: no deploy of it changes who can sign in.`);
    return undefined;
  }
  const now = env.clockNow?.() ?? Date.now();
  if (options.base !== undefined) {
    const base = readSenders(resolve(cwd, options.base));
    return senders.map((s) => planOffline(s, base.find((b) => b.stack.stackName === s.stack.stackName && b.logicalId === s.logicalId), now));
  }
  const results: SenderPlan[] = [];
  for (const sender of senders) {
    results.push(await planLive(sender, env.clientsFor(sender.stack.region), progress(sender, env)));
  }
  return results;
}

/** A progress line while a large pool is listed (100,000 users take minutes). */
function progress(sender: AssemblySender, env: CommandEnvironment): (count: number) => void {
  let reported = 0;
  return (count) => {
    if (env.interactive) {
      env.err(`\rlisting the users of ${sender.path}: ${count.toLocaleString('en-US')}`);
    } else if (count - reported >= 10_000) {
      reported = count;
      env.err(`listing the users of ${sender.path}: ${count.toLocaleString('en-US')} so far`);
    }
  };
}

/** Runs the app as the CDK CLI does (CDK_OUTDIR), into a fresh folder. */
function synthesize(app: string, cwd: string): string {
  const out = mkdtempSync(join(tmpdir(), 'cdk-private-workforce-plan-'));
  const run = spawnSync(app, { shell: true, cwd, env: { ...process.env, CDK_OUTDIR: out }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf-8' });
  if (run.status !== 0) {
    throw new CommandError(`The app (${app}) failed to synthesize (exit ${run.status}): ${(run.stderr ?? '').trim().split('\n').pop()}`);
  }
  return out;
}

/** One line that says what went wrong and what to do. */
function explain(error: unknown): string {
  const e = error as Error & { $metadata?: unknown };
  if (e instanceof CommandError || e instanceof AssemblyError) {
    return e.message;
  }
  if (e.name === 'CredentialsProviderError' || /Could not load credentials/.test(e.message)) {
    return 'No AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), ' +
      'or compare two cloud assemblies offline with --base OLD_CDK_OUT.';
  }
  const denied = /not authorized to perform:? ([\w-]+:\w+)(?: on resource:? (\S+))?/.exec(e.message);
  if (/AccessDenied/.test(e.name) || denied) {
    return `AWS denied ${denied ? `${denied[1]}${denied[2] ? ` on ${denied[2]}` : ''}` : 'a call'}: ` +
      `the plan needs ${PLAN_ACTIONS.join(', ')} on the stack, its user pool and its fence table (grantPlan() grants exactly these).`;
  }
  return `${e.name}: ${e.message}`;
}
