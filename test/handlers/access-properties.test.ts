import { CfnResource, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as fc from 'fast-check';
import { harness, synth, writes } from './harness';
import { plantNoFence, plantUsernameKeying } from './plants';
import { CognitoBackbone, InvitationSender, WorkerRemovalPolicy, Workers } from '../../src';
import * as poolSnapshot from '../../src/handlers/pool-snapshot';
import { INVITATION_SENDER_RESOURCE_TYPE } from '../../src/handlers/types';
import * as workerSources from '../../src/handlers/worker-sources';
import type { SynthesizedStack } from '../fakes/cloudformation-sim';

/*
 * People's access under generated sequences of CloudFormation events (fast-check): deploys that
 * change the list, the team and the removal policy, deploys that fail and roll back (update and
 * create rollbacks), administrators disabling and enabling accounts, workers signing in, time
 * passing beyond the temporary password's validity, late duplicates of earlier events, events that
 * go on in continuations, and the
 * stack's deletion, in pools with each identity configuration. After every step:
 * - access equals the list in force: every listed worker has an account, enabled unless an
 *   administrator disabled it; under DISABLE every other account is disabled, under DELETE gone
 *   (RETAIN: nobody unlisted is required to change);
 * - nothing an administrator did is undone: an account they disabled stays disabled;
 * - the team's members are exactly the workers listed for it;
 * - a late duplicate of an earlier event writes nothing;
 * - after a deploy the sender ran in, every listed worker who has not signed in holds a valid
 *   temporary password (so everyone can sign in eventually);
 * - no email and no user name of the list in the handler's logs or in any failure reason.
 * A failure prints fast-check's seed and the shrunk sequence; keep it as a scenario test.
 */

const NAMES = ['anna', 'boris', 'carla', 'dmitri', 'elena'];
const RUNS = Number(process.env.ACCESS_PROPERTY_RUNS ?? 300);
const DAY = 86_400_000;
const TEMPORARY_PASSWORD_DAYS = 7;

type Identity = 'library' | 'email' | 'caseSensitive';
type Policy = 'RETAIN' | 'DISABLE' | 'DELETE';
interface Config {
  readonly list: string[];
  readonly team: string[];
  readonly policy: Policy;
  readonly allowLargeRemovals: boolean;
  /** One invitation a second through a 33-second Lambda: the event goes on in continuations. */
  readonly slow: boolean;
}
type Step =
  | { kind: 'deploy'; config: Config; broken: boolean }
  | { kind: 'adminDisable' | 'adminEnable' | 'signIn'; who: string }
  | { kind: 'wait' }
  | { kind: 'duplicate'; pick: number };
interface Sequence {
  readonly identity: Identity;
  readonly steps: Step[];
  readonly deleteAtEnd: boolean;
}

const config: fc.Arbitrary<Config> = fc.record({
  list: fc.subarray(NAMES, { minLength: 1 }),
  team: fc.subarray(NAMES),
  policy: fc.constantFrom<Policy>('RETAIN', 'DISABLE', 'DELETE'),
  allowLargeRemovals: fc.boolean(),
  slow: fc.boolean(),
}).map((c) => ({ ...c, team: c.team.filter((n) => c.list.includes(n)) }));
const who = fc.constantFrom(...NAMES);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('deploy' as const), config, broken: fc.integer({ min: 0, max: 3 }).map((n) => n === 0) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('adminDisable' as const), who }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('adminEnable' as const), who }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('signIn' as const), who }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wait' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), pick: fc.nat() }) },
);
const sequence: fc.Arbitrary<Sequence> = fc.record({
  identity: fc.constantFrom<Identity>('library', 'email', 'caseSensitive'),
  first: config,
  // Sometimes the first deploy fails too: a create rollback deletes the stack and its pool.
  firstBroken: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
  steps: fc.array(step, { minLength: 1, maxLength: 7 }),
  deleteAtEnd: fc.boolean(),
}).map(({ first, firstBroken, steps, ...rest }) => ({ ...rest, steps: [{ kind: 'deploy' as const, config: first, broken: firstBroken }, ...steps] }));

// Synthesizing is the slow part: one template per configuration, reused (deploys do not change it).
const templates = new Map<string, SynthesizedStack>();
function stackFor(identity: Identity, c: Config, broken: boolean): SynthesizedStack {
  const key = JSON.stringify([identity, c, broken]);
  if (!templates.has(key)) {
    const synthesized = synth((stack: Stack) => build(stack, identity, c, broken));
    if (c.slow) {
      for (const fn of Object.values<any>(synthesized.template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')) {
        fn.Properties.Timeout = 33;
      }
    }
    templates.set(key, synthesized);
  }
  const stack = templates.get(key)!;
  return { ...stack, template: JSON.parse(JSON.stringify(stack.template)) };
}

function build(stack: Stack, identity: Identity, c: Config, broken: boolean): void {
  // As PrivateWorkforce makes it: protection comes from the reconciler once the first deploy worked.
  const userPool = identity === 'library' ? new CognitoBackbone(stack, 'Cognito', { deletionProtection: false }).userPool
    : identity === 'email' ? new cognito.UserPool(stack, 'Pool', { signInAliases: { email: true } })
      : new cognito.UserPool(stack, 'Pool', { signInAliases: { username: true }, signInCaseSensitive: true });
  new cognito.CfnUserPoolGroup(stack, 'Team', { userPoolId: userPool.userPoolId, groupName: 'team' });
  const workers = (names: string[]) => Workers.fromList(names.map((n) => ({ email: `${n}@example.com`, ...(identity === 'email' ? {} : { username: n }) })));
  const sender = new InvitationSender(stack, 'Invitations', {
    userPool,
    workers: workers(c.list),
    removedWorkers: c.policy as WorkerRemovalPolicy,
    allowLargeRemovals: c.allowLargeRemovals,
    removeWorkersOnStackDelete: c.policy !== 'RETAIN',
    emailAsUsername: identity === 'email',
    maxInvitationsPerSecond: c.slow ? 1 : undefined,
  });
  if (c.team.length > 0) {
    sender.addGroupMembers('team', workers(c.team));
  }
  if (broken) {
    // A resource that fails after the sender ran: the deploy rolls back.
    new CfnResource(stack, 'Broken', { type: 'AWS::SSM::Parameter', properties: { Name: '/broken' } }).node.addDependency(sender);
  }
}

/** What the generated sequences exercised: a property that never met a case proves nothing about it. */
const met = { continued: 0, updateRollbacks: 0, createRollbacks: 0, duplicates: 0, resent: 0, emailPools: 0, stackDeletes: 0 };

/** What the test knows of the world, to judge it. */
interface Model {
  /** The configuration of the last deploy that completed (undefined: no stack). */
  inForce?: Config;
  /** Accounts an administrator disabled (by sub), until they enable them again. */
  adminDisabled: Set<string>;
  /** Accounts an administrator changed since the sender last ran (their state is theirs until it does). */
  adminTouched: Set<string>;
}

const emailOf = (user: { Attributes: Array<{ Name: string; Value: string }> }) => user.Attributes.find((a) => a.Name === 'email')?.Value ?? '';
const subOf = (user: { Attributes: Array<{ Name: string; Value: string }> }) => user.Attributes.find((a) => a.Name === 'sub')!.Value;
const nameOf = (user: { Attributes: Array<{ Name: string; Value: string }> }) => emailOf(user).split('@')[0];

/** Runs one sequence; throws (with what failed) when an invariant does not hold. */
async function runSequence(seq: Sequence): Promise<void> {
  const h = harness({ latencyMs: 5 });
  const model: Model = { adminDisabled: new Set(), adminTouched: new Set() };
  const errors: string[] = [];
  const consoleErrors = jest.spyOn(console, 'error').mockImplementation((line: string) => { errors.push(String(line)); });
  try {
    for (const [index, s] of seq.steps.entries()) {
      const at = `step ${index + 1} (${JSON.stringify(s)})`;
      await apply(h, seq.identity, s, model, at);
      check(h, model, at);
    }
    met.emailPools += seq.identity === 'email' ? 1 : 0;
    if (seq.deleteAtEnd && model.inForce) {
      met.stackDeletes++;
      const poolId = h.cfn.physicalIdOf('AWS::Cognito::UserPool');
      const listed = model.inForce;
      await h.cfn.deleteStack();
      if (h.cognito.hasPool(poolId) && listed.policy !== 'RETAIN') {
        // The pool is kept (RETAIN removal policy); the listed workers go with the stack.
        for (const user of h.cognito.users(poolId).filter((u) => listed.list.includes(nameOf(u)))) {
          expect(listed.policy === 'DELETE' || !user.Enabled).toBe(true);
        }
      }
    }
    const text = [...h.log, ...errors, ...h.cfn.failures.map((f) => f.reason), ...h.cfn.invocations.map((i) => i.error ?? '')].join('\n');
    if (/@example\.com/.test(text) || new RegExp(`\\b(${NAMES.join('|')})\\b`).test(text)) {
      throw new Error(`a worker's email or user name reached the logs or a failure reason:\n${text.split('\n').filter((l) => /@example\.com|\b(anna|boris|carla|dmitri|elena)\b/.test(l)).slice(0, 3).join('\n')}`);
    }
  } finally {
    consoleErrors.mockRestore();
  }
}

async function apply(h: ReturnType<typeof harness>, identity: Identity, s: Step, model: Model, at: string): Promise<void> {
  const poolId = model.inForce ? h.cfn.physicalIdOf('AWS::Cognito::UserPool') : undefined;
  const userOf = (name: string) => (poolId ? h.cognito.users(poolId).find((u) => nameOf(u) === name) : undefined);
  switch (s.kind) {
    case 'deploy': {
      const from = h.cfn.invocations.length;
      let completed = false;
      try {
        await h.cfn.deploy(stackFor(identity, s.config, s.broken));
        model.inForce = s.config;
        completed = true;
      } catch (error) {
        if (!/ROLLBACK_COMPLETE|ROLLBACK_FAILED|_FAILED/.test(String(error))) {
          throw error;
        }
        if (/ROLLBACK_FAILED/.test(String(error))) {
          throw new Error(`${at}: the rollback failed: ${String(error)}`);
        }
        if (h.cfn.stackStatus === 'ROLLBACK_COMPLETE') {
          model.inForce = undefined; // a failed first deploy: the stack, and its pool, are gone
          model.adminDisabled.clear();
        }
      }
      const sender = h.cfn.invocations.slice(from).filter((i) => i.resourceType === INVITATION_SENDER_RESOURCE_TYPE && !i.error);
      met.continued += sender.filter((i) => Number(i.data?.Runs ?? 1) > 1).length;
      met.resent += sender.reduce((n, i) => n + Number(i.data?.Resent ?? 0), 0);
      met.updateRollbacks += h.cfn.statuses.slice(-3).includes('UPDATE_ROLLBACK_COMPLETE') && !completed ? 1 : 0;
      met.createRollbacks += h.cfn.stackStatus === 'ROLLBACK_COMPLETE' ? 1 : 0;
      if (completed && sender.length > 0) {
        model.adminTouched.clear(); // the list in force judged every account again (a rollback judges only what it undoes)
      }
      if (model.inForce && sender.some((i) => i.stackStatus === 'UPDATE_IN_PROGRESS' || i.stackStatus === 'CREATE_IN_PROGRESS')) {
        checkInvitationsValid(h, model, at);
      }
      return;
    }
    case 'adminDisable': {
      const user = userOf(s.who);
      if (user?.Enabled) {
        h.cognito.adminDisable(poolId!, user.Username);
        model.adminDisabled.add(subOf(user));
        model.adminTouched.add(subOf(user));
      }
      return;
    }
    case 'adminEnable': {
      const user = userOf(s.who);
      if (user && !user.Enabled) {
        h.cognito.adminEnable(poolId!, user.Username);
        model.adminDisabled.delete(subOf(user));
        model.adminTouched.add(subOf(user));
      }
      return;
    }
    case 'signIn': {
      const user = userOf(s.who);
      if (user?.Enabled && user.UserStatus === 'FORCE_CHANGE_PASSWORD' && h.clock.now() - user.UserLastModifiedDate <= TEMPORARY_PASSWORD_DAYS * DAY) {
        h.cognito.confirm(poolId!, user.Username);
      }
      return;
    }
    case 'wait':
      await h.clock.run(h.clock.sleep((TEMPORARY_PASSWORD_DAYS + 1) * DAY));
      return;
    case 'duplicate': {
      const earlier = h.cfn.invocations.filter((i) => i.resourceType === INVITATION_SENDER_RESOURCE_TYPE);
      if (earlier.length === 0 || !model.inForce) {
        return;
      }
      const event = earlier[s.pick % earlier.length].event;
      const from = h.cognito.requests.length;
      // Delivered late: during a later operation, or when the stack is in none.
      await h.cfn.send(event, s.pick % 2 === 0 ? 'UPDATE_IN_PROGRESS' : 'UPDATE_COMPLETE').catch(() => undefined);
      const wrote = writes(h.cognito, from);
      met.duplicates++;
      if (wrote.length > 0) {
        throw new Error(`${at}: a late duplicate of ${event.RequestId} wrote ${wrote.join(', ')}`);
      }
      return;
    }
  }
}

function check(h: ReturnType<typeof harness>, model: Model, at: string): void {
  const c = model.inForce;
  if (!c) {
    return;
  }
  const poolId = h.cfn.physicalIdOf('AWS::Cognito::UserPool');
  const users = h.cognito.users(poolId);
  const problems: string[] = [];
  // Administrators' disables stand (an account deleted since is another's).
  for (const user of users.filter((u) => model.adminDisabled.has(subOf(u)))) {
    if (user.Enabled) {
      problems.push(`${nameOf(user)}, disabled by an administrator, was enabled`);
    }
  }
  for (const name of c.list) {
    const user = users.find((u) => nameOf(u) === name);
    if (!user) {
      problems.push(`${name} is listed but has no account`);
    } else if (!user.Enabled && !model.adminDisabled.has(subOf(user))) {
      problems.push(`${name} is listed but disabled, and no administrator disabled them`);
    }
  }
  for (const user of users.filter((u) => !c.list.includes(nameOf(u)) && !model.adminTouched.has(subOf(u)))) {
    if (c.policy === 'DISABLE' && user.Enabled) {
      problems.push(`${nameOf(user)} is not listed, yet enabled under DISABLE`);
    }
    if (c.policy === 'DELETE') {
      problems.push(`${nameOf(user)} is not listed, yet has an account under DELETE`);
    }
  }
  if (c.team.length > 0) {
    const members = h.cognito.groupMembers(poolId, 'team').map((name) => nameOf(h.cognito.findUser(poolId, name)!)).sort();
    if (JSON.stringify(members) !== JSON.stringify([...c.team].sort())) {
      problems.push(`the team is ${JSON.stringify(members)}, the list says ${JSON.stringify([...c.team].sort())}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`${at}, with ${JSON.stringify(c)} in force:\n- ${problems.join('\n- ')}`);
  }
}

/** After a deploy the sender ran in: every listed worker who has not signed in can (a valid temporary password). */
function checkInvitationsValid(h: ReturnType<typeof harness>, model: Model, at: string): void {
  const poolId = h.cfn.physicalIdOf('AWS::Cognito::UserPool');
  for (const user of h.cognito.users(poolId).filter((u) => model.inForce!.list.includes(nameOf(u)) && u.Enabled && u.UserStatus === 'FORCE_CHANGE_PASSWORD')) {
    if (h.clock.now() - user.UserLastModifiedDate > TEMPORARY_PASSWORD_DAYS * DAY) {
      throw new Error(`${at}: ${nameOf(user)} is listed, has not signed in, and her temporary password expired: she can never sign in`);
    }
  }
}

const property = fc.asyncProperty(sequence, async (seq) => {
  await runSequence(seq);
});

describe('people\'s access under generated CloudFormation event sequences', () => {
  test(`${RUNS} generated sequences keep every invariant`, async () => {
    await fc.assert(property, { numRuns: RUNS, seed: process.env.ACCESS_PROPERTY_SEED ? Number(process.env.ACCESS_PROPERTY_SEED) : undefined });
    // The sequences met every kind of event the invariants are about.
    for (const [what, count] of Object.entries(met)) {
      expect([what, count > 0]).toEqual([what, true]);
    }
  }, 600_000);

  // Each defect the issue found, planted back: the properties must find a counterexample.
  const plants: Array<[string, () => jest.SpyInstance[]]> = [
    ['users keyed by the list\'s user names in pools that generate them', () => [plantUsernameKeying()]],
    ['no fence: every delivery writes', () => [plantNoFence()]],
    ['no record of who the sender disabled (re-listed workers stay disabled)', () => {
      const original = poolSnapshot.readSnapshot;
      return [jest.spyOn(poolSnapshot, 'readSnapshot').mockImplementation(async (request, ctx) => {
        const read = await original(request, ctx);
        return { ...read, snapshot: { ...read.snapshot, disabledBySender: new Map() } };
      })];
    }],
    ['an expired temporary password taken for a valid one', () => {
      const original = poolSnapshot.readSnapshot;
      return [jest.spyOn(poolSnapshot, 'readSnapshot').mockImplementation(async (request, ctx) => {
        const read = await original(request, ctx);
        const users = read.snapshot.users.map((u) => ({ ...u, modifiedAt: read.snapshot.now }));
        return { ...read, snapshot: { ...read.snapshot, users } };
      })];
    }],
    ['the worker list in the log', () => {
      const original = workerSources.loadWorkers;
      return [jest.spyOn(workerSources, 'loadWorkers').mockImplementation(async (sources, ctx) => {
        const workers = await original(sources, ctx);
        ctx.log(`loaded ${workers.map((w) => w.email).join(', ')}`);
        return workers;
      })];
    }],
  ];
  test.each(plants)('negative control: %s is found', async (_name, plant) => {
    const spies = plant();
    try {
      const result = await fc.check(property, { numRuns: RUNS, seed: 17 });
      expect(result.failed).toBe(true);
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }
  }, 600_000);
});
