import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import { buildExampleApp } from '../../example/app';
import { CognitoBackbone, InvitationSender, InvitationSenderProps, WorkerRemovalPolicy, Workers } from '../../src';
import type { PlanClients } from '../../src/cli/live-plan';
import { CommandEnvironment, runPlanCommand } from '../../src/cli/plan-command';
import { INVITATION_SENDER_RESOURCE_TYPE } from '../../src/handlers/types';
import { ACCOUNT } from '../fakes/cloudformation-sim';
import { harness, synth } from '../handlers/harness';

// The access plan command against the simulator's fakes: what it says the next deploy does is what
// that deploy then does (same counts, same people), read with a reviewer's role that grantPlan made.

const POOL = 'AWS::Cognito::UserPool';
const DAY = 86_400_000;
const names = (...n: string[]) => n.map((name) => ({ email: `${name}@example.com`, username: name }));

/** A pool of the library, one sender, a team, and a reviewer role with grantPlan (and `withoutQuery`: a role missing one action). */
const app = (workers: string[], props: Partial<InvitationSenderProps> = {}, team: string[] = [], reviewer: 'full' | 'withoutQuery' = 'full') => (stack: Stack) => {
  const backbone = new CognitoBackbone(stack, 'Cognito');
  new cognito.CfnUserPoolGroup(stack, 'Team', { userPoolId: backbone.userPool.userPoolId, groupName: 'team' });
  const sender = new InvitationSender(stack, 'Invitations', { userPool: backbone.userPool, workers: Workers.fromList(names(...workers)), ...props });
  if (team.length > 0) {
    sender.addGroupMembers('team', Workers.fromList(names(...team)));
  }
  const role = new iam.Role(stack, 'Reviewer', { assumedBy: new iam.AccountRootPrincipal() });
  if (reviewer === 'full') {
    sender.grantPlan(role);
  } else {
    role.addToPolicy(new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks', 'cloudformation:ListStackResources'], resources: ['*'] }));
    const reads = ['cognito-idp:DescribeUserPool', 'cognito-idp:ListUsers', 'cognito-idp:ListUsersInGroup'];
    role.addToPolicy(new iam.PolicyStatement({ actions: reads, resources: ['*'] }));
  }
};

/** Runs the command as the stack's Reviewer role; returns its exit code and what it printed. */
async function plan(h: ReturnType<typeof harness>, args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const clients: PlanClients = {
    cloudFormation: h.cfn.cloudFormation.client(), cognito: h.cognito.client(), dynamodb: h.dynamodb.client(), clock: h.clock,
  };
  const env: CommandEnvironment = { clientsFor: () => clients, out: (t) => out.push(t), err: (t) => err.push(t), cwd: '/', clockNow: () => h.clock.now() };
  // Every call is checked against the reviewer role's policies, as the stack has them.
  const fakes = [h.cognito, h.dynamodb, h.cfn.cloudFormation] as Array<{ authorizer?: (action: string, resource: string) => void }>;
  const saved = fakes.map((f) => f.authorizer);
  const reviewer = h.cfn.resources().some((id) => id.startsWith('Reviewer')) ? h.cfn.iam.authorizerFor(() => roleName(h), ACCOUNT) : undefined;
  if (reviewer) {
    fakes.forEach((f) => { f.authorizer = reviewer; });
  }
  try {
    const code = await h.clock.run(runPlanCommand(args, env));
    return { code, out: out.join('\n'), err: err.join('\n'), json: args.includes('--json') && code !== 1 ? JSON.parse(out.join('\n')) : undefined };
  } finally {
    fakes.forEach((f, i) => { f.authorizer = saved[i]; });
  }
}
const roleName = (h: ReturnType<typeof harness>) => String(h.cfn.valuesOf(reviewerId(h)).Arn).split('/').pop();
const reviewerId = (h: ReturnType<typeof harness>) => h.cfn.resources().find((id) => id.startsWith('Reviewer') && !id.includes('DefaultPolicy'))!;

/** What the sender's next deploy did, as its data says. */
const applied = (h: ReturnType<typeof harness>, from: number) =>
  h.cfn.invocations.slice(from).find((i) => i.resourceType === INVITATION_SENDER_RESOURCE_TYPE && !i.error)?.data;
/** The plan's counts in the sender data's terms. */
const asData = (counts: Record<string, number>) => ({
  Invited: counts.invite,
  Resent: counts.resend,
  EmailsChanged: counts.email,
  Reenabled: counts.enable,
  Disabled: counts.disable,
  Deleted: counts.delete,
  MembershipChanges: counts.join + counts.leave,
});

describe('the plan equals what the following deploy does', () => {
  test.each([
    ['workers added and removed, RETAIN', WorkerRemovalPolicy.RETAIN],
    ['workers added and removed, DISABLE', WorkerRemovalPolicy.DISABLE],
    ['workers added and removed, DELETE', WorkerRemovalPolicy.DELETE],
  ])('%s', async (_name, removedWorkers) => {
    const h = harness();
    await h.cfn.deploy(synth(app(['ana', 'bo', 'cy', 'di'], { removedWorkers }, ['ana', 'bo'])));
    const poolId = h.cfn.physicalIdOf(POOL);
    h.cognito.adminDisable(poolId, 'di'); // an administrator's
    const next = synth(app(['ana', 'cy', 'di', 'eve', 'flo'], { removedWorkers, allowLargeRemovals: true }, ['ana', 'cy']));
    const result = await plan(h, ['plan', '-o', next.assemblyDir, '--json', '--show-names']);
    expect(result.code).toBe(2);
    const [sender] = result.json.senders;
    const from = h.cfn.invocations.length;
    await h.cfn.deploy(next);
    expect(applied(h, from)).toMatchObject(asData(sender.counts));
    // ...the same people.
    expect(sender.names.invite).toEqual(['eve@example.com', 'flo@example.com']);
    expect(sender.names.join).toEqual(['cy@example.com (team)']);
    expect(sender.names.leave).toEqual(removedWorkers === WorkerRemovalPolicy.DELETE ? [] : ['bo@example.com (team)']); // a deleted user leaves with their account
    expect(sender.names.disable).toEqual(removedWorkers === WorkerRemovalPolicy.DISABLE ? ['bo@example.com'] : []);
    expect(sender.names.delete).toEqual(removedWorkers === WorkerRemovalPolicy.DELETE ? ['bo@example.com'] : []);
    expect(sender.counts.adminDisabled).toBe(1);
    // And after the deploy, the plan is empty.
    const again = await plan(h, ['plan', '-o', next.assemblyDir, '--json']);
    expect([again.code, again.json.changes]).toEqual([0, 0]);
  });

  test('emails, re-enables and expired invitations: planned and done alike', async () => {
    const h = harness();
    await h.cfn.deploy(synth(app(['ana', 'bo', 'cy'], { removedWorkers: WorkerRemovalPolicy.DISABLE })));
    await h.cfn.deploy(synth(app(['ana', 'bo'], { removedWorkers: WorkerRemovalPolicy.DISABLE })));
    const poolId = h.cfn.physicalIdOf(POOL);
    h.cognito.confirm(poolId, 'bo');
    await h.clock.run(h.clock.sleep(8 * DAY)); // ana's invitation expired
    const next = synth((stack) => {
      app([], { removedWorkers: WorkerRemovalPolicy.DISABLE })(stack);
      const sender = stack.node.findChild('Invitations') as InvitationSender;
      sender.addWorkers(Workers.fromList([{ username: 'ana', email: 'ana.new@example.com' }, ...names('bo', 'cy')]));
    });
    const result = await plan(h, ['plan', '-o', next.assemblyDir, '--json', '--show-names']);
    const [sender] = result.json.senders;
    // cy, enabled again, has not signed in either: her invitation is sent again too.
    expect(sender.counts).toMatchObject({ email: 1, enable: 1, resend: 2, invite: 0 });
    expect(sender.names).toMatchObject({ email: ['ana@example.com -> ana.new@example.com'], enable: ['cy@example.com'], resend: ['ana.new@example.com', 'cy@example.com'] });
    const from = h.cfn.invocations.length;
    await h.cfn.deploy(next);
    expect(applied(h, from)).toMatchObject(asData(sender.counts));
  });

  test('a stack not deployed yet: everyone is invited', async () => {
    const h = harness();
    const first = synth(app(['ana', 'bo'], {}, ['ana']));
    const result = await plan(h, ['plan', '-o', first.assemblyDir, '--json']);
    expect(result.json.senders[0]).toMatchObject({ deployed: false, poolId: null, counts: { invite: 2, join: 1 } });
    const from = h.cfn.invocations.length;
    await h.cfn.deploy(first);
    expect(applied(h, from)).toMatchObject(asData(result.json.senders[0].counts));
  });

  test('a refused deploy is said so, before it happens', async () => {
    const h = harness();
    await h.cfn.deploy(synth(app(['ana', 'bo', 'cy', 'di'], { removedWorkers: WorkerRemovalPolicy.DISABLE })));
    const result = await plan(h, ['plan', '-o', synth(app(['ana'], { removedWorkers: WorkerRemovalPolicy.DISABLE })).assemblyDir]);
    expect(result.code).toBe(2);
    expect(result.out).toMatch(/The deploy would be refused: This deploy would disable 3 of the 4 users who can sign in to the pool/);
  });
});

describe('output people read', () => {
  test('a summary line and a table of counts; names only with --show-names', async () => {
    const h = harness();
    await h.cfn.deploy(synth(app(['ana', 'bo'], { removedWorkers: WorkerRemovalPolicy.DISABLE })));
    const next = synth(app(['ana', 'cy'], { removedWorkers: WorkerRemovalPolicy.DISABLE, allowLargeRemovals: true }));
    const plain = await plan(h, ['plan', '-o', next.assemblyDir]);
    expect(plain.out).toMatch(/^Test Test\/Invitations \(pool us-east-1_Fake\d+, DISABLE\): 1 invited, 1 disabled; 1 unchanged\./);
    expect(plain.out).toContain('| invited | 1 |');
    expect(plain.out).toContain('| disabled | 1 |');
    expect(plain.out).not.toMatch(/@example\.com|\bbo\b|\bcy\b/);
    const named = await plan(h, ['plan', '-o', next.assemblyDir, '--show-names']);
    expect(named.out).toContain('invited:\n- cy@example.com');
    expect(named.out).toContain('disabled:\n- bo@example.com');
  });

  test.each([
    [['--fail-on', 'remove'], 2],
    [['--fail-on', 'delete'], 0],
    [['--fail-on', 'invite,join'], 2],
  ])('--fail-on %j: exit %d', async (flags, code) => {
    const h = harness();
    await h.cfn.deploy(synth(app(['ana', 'bo'], { removedWorkers: WorkerRemovalPolicy.DISABLE })));
    const next = synth(app(['ana', 'cy'], { removedWorkers: WorkerRemovalPolicy.DISABLE, allowLargeRemovals: true }));
    expect((await plan(h, ['plan', '-o', next.assemblyDir, ...flags])).code).toBe(code);
  });

  test('--base compares two assemblies offline: no AWS call at all', async () => {
    const h = harness();
    const base = synth(app(['ana', 'bo', 'cy'], { removedWorkers: WorkerRemovalPolicy.DELETE }, ['ana']));
    const next = synth(app(['ana', 'cy', 'di'], { removedWorkers: WorkerRemovalPolicy.DELETE }, ['cy']));
    const out: string[] = [];
    const env: CommandEnvironment = {
      clientsFor: () => { throw new Error('no AWS client may be made offline'); },
      out: (t) => out.push(t),
      err: (t) => out.push(t),
      cwd: '/',
    };
    const code = await runPlanCommand(['plan', '-o', next.assemblyDir, '--base', base.assemblyDir, '--json', '--show-names'], env);
    expect(code).toBe(2);
    const [sender] = JSON.parse(out.join('\n')).senders;
    expect(sender.names).toMatchObject({ invite: ['di@example.com'], delete: ['bo@example.com'], join: ['cy@example.com (team)'], leave: ['ana@example.com (team)'] });
    expect(h.cognito.requests).toEqual([]);
  });

  test('100,000 users are planned within a minute, with progress', async () => {
    const h = harness({ latencyMs: 0 });
    await h.cfn.deploy(synth(app(['ana'], {})));
    const poolId = h.cfn.physicalIdOf(POOL);
    const state = (h.cognito as any).pools.get(poolId);
    for (let i = 0; i < 100_000; i++) {
      const username = `u${i}`;
      state.users.set(username, {
        Username: username,
        Enabled: true,
        UserStatus: 'CONFIRMED',
        UserCreateDate: 0,
        UserLastModifiedDate: 0,
        Attributes: [{ Name: 'sub', Value: `s${i}` }, { Name: 'email', Value: `u${i}@example.com` }],
      });
    }
    const started = Date.now();
    const result = await plan(h, ['plan', '-o', synth(app(['ana', 'bo'], {})).assemblyDir, '--json']);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(result.json.senders[0].counts).toMatchObject({ invite: 1, notOurs: 100_000 });
    expect(result.err).toMatch(/listing the users of Test\/Invitations: 90,\d{3} so far/);
  }, 120_000);
});

describe('one-line answers', () => {
  test('a missing permission names the action and what the plan needs', async () => {
    const h = harness();
    await h.cfn.deploy(synth(app(['ana'], {}, [], 'withoutQuery')));
    const result = await plan(h, ['plan', '-o', synth(app(['ana', 'bo'], {}, [], 'withoutQuery')).assemblyDir]);
    expect(result.code).toBe(1);
    expect(result.err.split('\n')).toHaveLength(1);
    expect(result.err).toMatch(/^cdk-private-workforce plan: AWS denied dynamodb:Query on arn:aws:dynamodb:us-east-1:123456789012:table\/\S+: the plan needs .*grantPlan\(\) grants exactly these\)\.$/);
  });

  test('an unknown stack, and an assembly without a sender', async () => {
    const h = harness();
    const dir = synth(app(['ana'])).assemblyDir;
    const unknown = await plan(h, ['plan', '-o', dir, '--stack', 'Nope']);
    expect([unknown.code, unknown.err]).toEqual([1, `cdk-private-workforce plan: No stack Nope in ${dir} (its stacks: Test).`]);
    const none = synth((stack) => new CognitoBackbone(stack, 'Cognito')).assemblyDir;
    const empty = await plan(h, ['plan', '-o', none]);
    expect([empty.code, empty.out]).toEqual([0, `No InvitationSender in ${none}: no deploy of it changes who can sign in.`]);
    const missing = await plan(h, ['plan', '-o', '/nowhere']);
    expect([missing.code, missing.err]).toEqual([1, 'cdk-private-workforce plan: /nowhere is not a cloud assembly (no manifest.json): synthesize first (cdk synth), or pass --app.']);
  });

  test('a pool that someone emptied out of band still plans (everyone invited again)', async () => {
    const h = harness();
    await h.cfn.deploy(synth(app(['ana', 'bo'])));
    const poolId = h.cfn.physicalIdOf(POOL);
    (h.cognito as any).pools.get(poolId).users.clear();
    const result = await plan(h, ['plan', '-o', synth(app(['ana', 'bo'])).assemblyDir, '--json']);
    expect(result.json.senders[0].counts).toMatchObject({ invite: 2 });
  });
});

describe('--app', () => {
  test('synthesizes the app first, as the CDK CLI runs it (CDK_OUTDIR), and plans it', async () => {
    const root = join(__dirname, '..', '..');
    const base = mkdtempSync(join(tmpdir(), 'plan-app-base-'));
    buildExampleApp(base).synth();
    const out: string[] = [];
    const env: CommandEnvironment = { clientsFor: () => { throw new Error('offline'); }, out: (t) => out.push(t), err: (t) => out.push(t), cwd: root };
    const code = await runPlanCommand(['plan', '--app', 'npx ts-node --transpile-only -P example/tsconfig.json example/app.ts', '--base', base], env);
    expect([code, out.join('\n')]).toEqual([0, 'LabelingStack LabelingStack/Workforce/InvitationSender (pool of the stack, RETAIN, offline): no change; 2 unchanged.']);
    const failing = await runPlanCommand(['plan', '--app', 'node -e "process.exit(3)"'], env);
    expect(failing).toBe(1);
    expect(out.pop()).toMatch(/^cdk-private-workforce plan: The app \(node -e "process.exit\(3\)"\) failed to synthesize \(exit 3\)/);
  }, 60_000);
});
