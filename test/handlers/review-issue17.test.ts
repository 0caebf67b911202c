import { AdminCreateUserCommand, AdminDisableUserCommand, AdminEnableUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { CfnResource, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { harness, synth } from './harness';
import { CognitoBackbone, InvitationSender, InvitationSenderProps, WorkerRemovalPolicy, Workers } from '../../src';
import { INVITATION_SENDER_RESOURCE_TYPE } from '../../src/handlers/types';

// Adversarial review of issue 17 ("Access is computed from the pool's own identity rules, planned,
// and applied under a fence"). Each test marked `(review: ...)` failed on the change as it first
// landed and showed a way people's access ended up wrong when CloudFormation, Lambda's
// asynchronous queue, DynamoDB and Cognito drive the handler; the others pin behaviour that held.
// Everything runs through the CloudFormation simulator (IAM of the handler's role enforced), or, for
// interleavings CloudFormation can produce but the simulator does not schedule on its own, through
// the real handler with events copied from the simulator's own.

const POOL = 'AWS::Cognito::UserPool';
const DAY = 86_400_000;
const names = (...n: string[]) => n.map((name) => ({ email: `${name}@example.com`, username: name }));
const emails = (...n: string[]) => n.map((name) => ({ email: `${name}@example.com` }));
const many = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
type H = ReturnType<typeof harness>;

/** Who can sign in: each native user by email, with "(disabled)" when they cannot. */
const access = (h: H, poolId: string) => h.cognito.users(poolId)
  .filter((u) => u.UserStatus !== 'EXTERNAL_PROVIDER')
  .map((u) => `${u.Attributes.find((a) => a.Name === 'email')!.Value.split('@')[0]}${u.Enabled ? '' : ' (disabled)'}`).sort();

/** A pool of the library (user names, email alias) and one sender, under construct id `id`. */
const senderStack = (workers: string[], props: Partial<InvitationSenderProps> = {}, id = 'Invitations', extra?: (stack: Stack, sender: InvitationSender) => void) =>
  (stack: Stack) => {
    const backbone = new CognitoBackbone(stack, 'Cognito');
    new cognito.CfnUserPoolGroup(stack, 'Team', { userPoolId: backbone.userPool.userPoolId, groupName: 'team' });
    const sender = new InvitationSender(stack, id, { userPool: backbone.userPool, workers: Workers.fromList(names(...workers)), ...props });
    extra?.(stack, sender);
  };

/** A resource that fails (an SSM parameter without its required properties), created after the sender. */
const brokenAfter = (stack: Stack, sender: InvitationSender) => {
  new CfnResource(stack, 'Broken', { type: 'AWS::SSM::Parameter', properties: { Name: '/broken' } }).node.addDependency(sender);
};

/** Calls the fake Cognito as an administrator would (the simulator checks them against the handler's role, which holds these). */
const admin = (h: H) => ({
  create: (poolId: string, username: string) => h.clock.run(h.cognito.client().send(new AdminCreateUserCommand({
    UserPoolId: poolId, Username: username, UserAttributes: [{ Name: 'email', Value: `${username}@example.com` }], MessageAction: 'SUPPRESS',
  }))),
  disable: (poolId: string, username: string) =>
    h.clock.run(h.cognito.client().send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: username }))),
  enable: (poolId: string, username: string) =>
    h.clock.run(h.cognito.client().send(new AdminEnableUserCommand({ UserPoolId: poolId, Username: username }))),
});

const senderInvocation = (h: H) => h.cfn.invocations.find((i) => i.resourceType === INVITATION_SENDER_RESOURCE_TYPE)!;
const bodyOf = (request: any): any => JSON.parse(typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body));

/** Intercepts the fake DynamoDB's requests (the handler's client calls `handle` on each request). */
function onDynamoRequest(h: H, intercept: (body: any, operation: string, pass: () => Promise<any>) => Promise<any>) {
  const original = h.dynamodb.handle.bind(h.dynamodb);
  h.dynamodb.handle = (request: any) => {
    const target = Object.entries(request.headers).find(([k]) => k.toLowerCase() === 'x-amz-target')?.[1] as string;
    return intercept(bodyOf(request), target.split('.')[1], () => original(request));
  };
}

describe('rollbacks of a Create (a renamed sender) take back only what that Create did', () => {
  // CloudFormation: deploy 1 creates sender "Invitations" (removedWorkers DELETE) with ana and bo.
  // Eight days pass: ana never signed in, so her temporary password expired; bo signed in.
  // Deploy 2 renames the sender to "Workers" (same list) and adds a resource that fails after it:
  //   UPDATE_IN_PROGRESS: Create of "Workers" -> its plan resends ana's invitation (RESEND resets
  //   UserLastModifiedDate); then "Broken" fails;
  //   UPDATE_ROLLBACK_IN_PROGRESS: nothing to revert for "Invitations" (never touched);
  //   UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: Delete of "Workers" -> previous operation is its
  //   Create -> undoCreate with an empty list: every user modified since the Create began counts as
  //   "added by the rolled-back deploy" -> ana is deleted.
  // After the rollback the list in force ("Invitations": ana, bo) has ana, and she has no user.
  test('a rename rolled back keeps a worker of the list in force whose invitation the failed Create re-sent (review: undoCreate-removes-listed-worker-it-only-resent)', async () => {
    const h = harness();
    const props = { removedWorkers: WorkerRemovalPolicy.DELETE };
    await h.cfn.deploy(synth(senderStack(['ana', 'bo'], props)));
    const poolId = h.cfn.physicalIdOf(POOL);
    h.cognito.confirm(poolId, 'bo');
    await h.clock.run(h.clock.sleep(8 * DAY));
    await expect(h.cfn.deploy(synth(senderStack(['ana', 'bo'], props, 'Workers', brokenAfter)))).rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE/);
    expect(h.cfn.resources().some((id) => id.startsWith('Invitations'))).toBe(true);
    expect(access(h, poolId)).toEqual(['ana', 'bo']);
  });

  // Same sequence with removedWorkers DISABLE, where the renamed sender's list drops cy:
  //   Create of "Workers" disables cy (recorded); "Broken" fails;
  //   cleanup Delete of "Workers" (undoCreate): cy is disabled and "modified since", and under
  //   DISABLE a disabled user is left as is -> cy stays disabled.
  // The list in force after the rollback ("Invitations": ana, bo, cy) has cy; the same failed deploy
  // without the rename (an Update, rolled back by an Update) enables her again (see the holds test).
  test('a rename rolled back enables again a worker of the list in force whom the failed Create disabled (review: undoCreate-keeps-disables-of-rolled-back-create)', async () => {
    const h = harness();
    const props = { removedWorkers: WorkerRemovalPolicy.DISABLE };
    await h.cfn.deploy(synth(senderStack(['ana', 'bo', 'cy'], props)));
    const poolId = h.cfn.physicalIdOf(POOL);
    await h.clock.run(h.clock.sleep(60_000));
    await expect(h.cfn.deploy(synth(senderStack(['ana', 'bo'], props, 'Workers', brokenAfter)))).rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE/);
    expect(access(h, poolId)).toEqual(['ana', 'bo', 'cy']);
  });

  // holds: the same failed deploy as an Update of the one sender: the rollback's Update (old list,
  // ana, bo, cy) enables cy, whom the rolled-back Update disabled.
  test('an Update rolled back enables again the worker the rolled-back Update disabled', async () => {
    const h = harness();
    const props = { removedWorkers: WorkerRemovalPolicy.DISABLE };
    await h.cfn.deploy(synth(senderStack(['ana', 'bo', 'cy'], props)));
    const poolId = h.cfn.physicalIdOf(POOL);
    await h.clock.run(h.clock.sleep(60_000));
    await expect(h.cfn.deploy(synth(senderStack(['ana', 'bo'], props, 'Invitations', brokenAfter)))).rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE/);
    expect(access(h, poolId)).toEqual(['ana', 'bo', 'cy']);
  });

  // holds: a rename rolled back takes back the workers the renamed sender's Create invited, and
  // leaves the workers of the old logical id (not modified during the deploy) as they were.
  test('a rename rolled back removes the workers its Create invited, and nobody the old logical id invited', async () => {
    const h = harness();
    const props = { removedWorkers: WorkerRemovalPolicy.DISABLE };
    await h.cfn.deploy(synth(senderStack(['ana', 'bo'], props)));
    const poolId = h.cfn.physicalIdOf(POOL);
    await h.clock.run(h.clock.sleep(60_000));
    await expect(h.cfn.deploy(synth(senderStack(['ana', 'bo', 'cy'], props, 'Workers', brokenAfter)))).rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE/);
    expect(access(h, poolId)).toEqual(['ana', 'bo', 'cy (disabled)']);
  });

  // CloudFormation: deploy 1 creates "Invitations" (DISABLE) with ana and bo. Deploy 2 renames it to
  // "Workers" and adds cy, di and eve. The Create of "Workers" invites cy and di, then Cognito
  // refuses eve's AdminCreateUser (any non-retryable error) -> the Create answers FAILED with the
  // physical id `cdk-private-workforce:create-failed`.
  //   UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: Delete of "Workers" with that physical id -> the
  //   responder answers SUCCESS without running the handler -> nothing the failed Create did is
  //   taken back.
  // cy and di, on no list in force, keep access after the rollback (an Update that fails the same way
  // is rolled back by an Update that removes them).
  test('the workers a Create invited before it failed lose access with the rollback (review: failed-create-never-undone)', async () => {
    const h = harness();
    const props = { removedWorkers: WorkerRemovalPolicy.DISABLE };
    await h.cfn.deploy(synth(senderStack(['ana', 'bo'], props)));
    const poolId = h.cfn.physicalIdOf(POOL);
    h.cognito.failAfter('AdminCreateUser', 2, 'InvalidParameterException');
    try {
      await expect(h.cfn.deploy(synth(senderStack(['ana', 'bo', 'cy', 'di', 'eve'], props, 'Workers')))).rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE/);
    } finally {
      h.cognito.clearFaults();
    }
    expect(access(h, poolId)).toEqual(['ana', 'bo', 'cy (disabled)', 'di (disabled)']);
  });
});

describe('the fence under DynamoDB\'s documented failure modes', () => {
  // CloudFormation: deploy 1 (DISABLE, ana and bo); deploy 2 adds cy and di and a resource that fails.
  // UPDATE_ROLLBACK_IN_PROGRESS: the rollback's Update claims the operation; the take (UpdateItem,
  // ReturnValues ALL_OLD) takes effect but its response is lost (an InternalServerError, which
  // DynamoDB documents as "the request may or may not have succeeded"); the handler retries it, and
  // the retry's ALL_OLD is the rollback's own record. `previous` is then the rollback itself (it also
  // waits a lease for itself), so "since when" is now, and the rollback takes back nobody: cy and di,
  // on no list in force, keep access. (On the virtual clock di's creation and the rollback's start can
  // share a millisecond, and `>=` then catches di; cy, created a moment before, keeps access.)
  test('a take retried after a lost answer still knows the operation it took over, and the rollback removes whom the failed deploy added (review: lost-take-response-forgets-previous-operation)', async () => {
    const h = harness();
    const props = { removedWorkers: WorkerRemovalPolicy.DISABLE };
    await h.cfn.deploy(synth(senderStack(['ana', 'bo'], props)));
    const poolId = h.cfn.physicalIdOf(POOL);
    let armed = false;
    onDynamoRequest(h, (body, operation, pass) => {
      if (!armed && operation === 'UpdateItem' && h.cfn.stackStatus === 'UPDATE_ROLLBACK_IN_PROGRESS' && /#requestType/.test(body.UpdateExpression ?? '')) {
        armed = true;
        h.dynamodb.loseResponse('UpdateItem');
      }
      return pass();
    });
    await expect(h.cfn.deploy(synth(senderStack(['ana', 'bo', 'cy', 'di'], props, 'Invitations', brokenAfter)))).rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE/);
    expect(armed).toBe(true);
    expect(access(h, poolId)).toEqual(['ana', 'bo', 'cy (disabled)', 'di (disabled)']);
  });

  // CloudFormation: the stack's first deploy sends the sender's Create. Its claim (PutItem
  // attribute_not_exists) takes effect but the response is lost; the handler's retry of the same
  // PutItem fails its condition -> the event takes itself for a duplicate, writes nothing and answers
  // nobody. CloudFormation waits the sender's whole ServiceTimeout (an hour), fails it, and rolls the
  // stack back: nobody is invited, after an hour.
  test('a claim retried after a lost answer finds its own token, and the event is answered (review: lost-claim-response-leaves-event-unanswered)', async () => {
    const h = harness();
    let armed = false;
    onDynamoRequest(h, (body, operation, pass) => {
      if (!armed && operation === 'PutItem' && /^request#/.test(body.Item?.sk?.S ?? '') && /\|Invitations/.test(body.Item?.pk?.S ?? '')) {
        armed = true;
        h.dynamodb.loseResponse('PutItem');
      }
      return pass();
    });
    const started = h.clock.now();
    await h.cfn.deploy(synth(senderStack(['ana', 'bo'])));
    expect(armed).toBe(true);
    expect(h.cognito.count('AdminCreateUser')).toBe(2);
    expect(h.clock.now() - started).toBeLessThan(15 * 60_000);
  });

  // Same with a continuation's claim: run 1 hands the event on; run 2's "continue" UpdateItem
  // (condition attribute_not_exists(holder)) takes effect but its response is lost; the retry fails
  // its own condition -> run 2 answers "superseded", writes nothing, and nobody answers the event.
  test('a continuation\'s claim retried after a lost answer goes on, and the deploy completes (review: lost-continue-response-strands-continuation)', async () => {
    const h = harness();
    await h.cfn.deploy(synth(senderStack(['ana'])));
    const v2 = synth(senderStack(many('w', 30), { maxInvitationsPerSecond: 2 }));
    for (const fn of Object.values<any>(v2.template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')) {
      fn.Properties.Timeout = 40;
    }
    let armed = false;
    onDynamoRequest(h, (body, operation, pass) => {
      if (!armed && operation === 'UpdateItem' && /attribute_not_exists\(#holder\)/.test(body.ConditionExpression ?? '')) {
        armed = true;
        h.dynamodb.loseResponse('UpdateItem');
      }
      return pass();
    });
    await h.cfn.deploy(v2);
    expect(armed).toBe(true);
    expect(h.cognito.users(h.cfn.physicalIdOf(POOL))).toHaveLength(31);
  });

  // CloudFormation: deploy 1 (DISABLE: ana, bo, cy). Deploy 2 drops cy; its Update (A) is under way
  // when CloudFormation rolls the stack back (the update is cancelled, or timed out) and sends the
  // rollback's Update (B, the old list with cy). A has checked its lease and is recording cy's
  // disable in the fence table, which throttles (one partition holds every record of the pool); A's
  // retries of that PutItem run for two minutes. B takes the operation over, waits A's lease and the
  // in-flight margin (40 s), finds cy enabled and listed, answers. Then A's PutItem goes through and
  // A disables cy, without checking the fence again: a write of an old operation after the new one
  // began. After the rollback cy is locked out, though the list in force has her.
  test('no disable of an old operation lands after the rollback took over, though its record write was throttled past the lease (review: write-after-takeover-through-record-retries)', async () => {
    const h = harness();
    const props = { removedWorkers: WorkerRemovalPolicy.DISABLE };
    await h.cfn.deploy(synth(senderStack(['ana', 'bo', 'cy'], props)));
    const poolId = h.cfn.physicalIdOf(POOL);
    const created = senderInvocation(h).event as any;
    const v1 = created.ResourceProperties;
    const v2 = { ...v1, WorkerSources: [{ Inline: v1.WorkerSources[0].Inline.filter((w: any) => w.username !== 'cy') }] };
    const update = (requestId: string, props2: any, old: any) => ({
      ...created, RequestType: 'Update', RequestId: requestId, PhysicalResourceId: `${poolId}/invitations`, ResourceProperties: props2, OldResourceProperties: old,
    });
    const until = h.clock.now() + 120_000;
    onDynamoRequest(h, async (body, operation, pass) => {
      if (operation === 'PutItem' && /^disabled#/.test(body.Item?.pk?.S ?? '') && h.clock.now() < until) {
        h.dynamodb.setThrottleRate(1, ['PutItem']);
        const answer = pass();
        h.dynamodb.setThrottleRate(0);
        return answer;
      }
      return pass();
    });
    const context = (start: number) => ({ getRemainingTimeInMillis: () => 15 * 60_000 - (h.clock.now() - start) });
    (h.cfn as any).status = 'UPDATE_IN_PROGRESS';
    const a = h.handler(update('deploy-2', v2, v1), context(h.clock.now()));
    const b = (async () => {
      await h.clock.sleep(5_000);
      (h.cfn as any).status = 'UPDATE_ROLLBACK_IN_PROGRESS';
      return h.handler(update('rollback-of-deploy-2', v1, v2), context(h.clock.now()));
    })();
    const [answerA, answerB] = await h.clock.run(Promise.all([a, b]));
    (h.cfn as any).status = 'UPDATE_ROLLBACK_COMPLETE';
    expect(answerB.Unanswered).toBeUndefined();
    expect(access(h, poolId)).toEqual(['ana', 'bo', 'cy']);
    expect(answerA.Unanswered).toBe('superseded');
  });

  // holds: the same race where the slow call is Cognito's AdminDisableUser itself (throttled for two
  // minutes): each attempt checks the fence first, so A's renewal finds B's holder and A stops.
  test('a throttled Cognito write of the superseded operation stops at its next attempt', async () => {
    const h = harness();
    const props = { removedWorkers: WorkerRemovalPolicy.DISABLE };
    await h.cfn.deploy(synth(senderStack(['ana', 'bo', 'cy'], props)));
    const poolId = h.cfn.physicalIdOf(POOL);
    const created = senderInvocation(h).event as any;
    const v1 = created.ResourceProperties;
    const v2 = { ...v1, WorkerSources: [{ Inline: v1.WorkerSources[0].Inline.filter((w: any) => w.username !== 'cy') }] };
    const update = (requestId: string, props2: any, old: any) => ({
      ...created, RequestType: 'Update', RequestId: requestId, PhysicalResourceId: `${poolId}/invitations`, ResourceProperties: props2, OldResourceProperties: old,
    });
    h.cognito.setThrottleRate(1, ['AdminDisableUser']);
    void h.clock.sleep(120_000).then(() => h.cognito.setThrottleRate(0));
    const context = (start: number) => ({ getRemainingTimeInMillis: () => 15 * 60_000 - (h.clock.now() - start) });
    (h.cfn as any).status = 'UPDATE_IN_PROGRESS';
    const a = h.handler(update('deploy-2', v2, v1), context(h.clock.now()));
    const b = (async () => {
      await h.clock.sleep(5_000);
      (h.cfn as any).status = 'UPDATE_ROLLBACK_IN_PROGRESS';
      return h.handler(update('rollback-of-deploy-2', v1, v2), context(h.clock.now()));
    })();
    const [answerA, answerB] = await h.clock.run(Promise.all([a, b]));
    (h.cfn as any).status = 'UPDATE_ROLLBACK_COMPLETE';
    expect(answerA.Unanswered).toBe('superseded');
    expect(answerB.Unanswered).toBeUndefined();
    expect(access(h, poolId)).toEqual(['ana', 'bo', 'cy']);
  });

  // holds: a second delivery of a continuation (Lambda's queue delivers at least once) writes nothing.
  test('a duplicate of a continuation writes nothing', async () => {
    const h = harness();
    await h.cfn.deploy(synth(senderStack(['ana'])));
    const v2 = synth(senderStack(many('w', 30), { maxInvitationsPerSecond: 2 }));
    for (const fn of Object.values<any>(v2.template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')) {
      fn.Properties.Timeout = 40;
    }
    await h.cfn.deploy(v2);
    const continuation = h.lambda.requests.find((r) => r.invocationType === 'Event')!.payload as any;
    const from = h.cognito.requests.length;
    const answer = await h.cfn.send(continuation, 'UPDATE_IN_PROGRESS');
    expect(answer.Unanswered).toBe('duplicate');
    expect(h.cognito.requests.slice(from).filter((r) => !/^(Describe|List)/.test(r.operation))).toEqual([]);
  });
});

describe('administrators keep the last word', () => {
  // CloudFormation: deploy 1 (DISABLE: ana, bo, cy); deploy 2 drops cy -> the sender disables her and
  // records it. Between deploys an administrator enables cy (to let her finish a task), then disables
  // her again (an incident). Deploy 3 lists cy again -> the record from deploy 2 is still there (no
  // deploy saw her enabled), so the sender takes the administrator's disable for its own and enables
  // her. The record is not checked against what happened to the user since (UserLastModifiedDate).
  test('an administrator\'s disable after the sender\'s stays: the sender\'s record no longer holds (review: stale-disable-record-overrides-admin)', async () => {
    const h = harness();
    const props = { removedWorkers: WorkerRemovalPolicy.DISABLE };
    await h.cfn.deploy(synth(senderStack(['ana', 'bo', 'cy'], props)));
    const poolId = h.cfn.physicalIdOf(POOL);
    await h.cfn.deploy(synth(senderStack(['ana', 'bo'], props)));
    expect(access(h, poolId)).toEqual(['ana', 'bo', 'cy (disabled)']);
    await h.clock.run(h.clock.sleep(DAY));
    await admin(h).enable(poolId, 'cy');
    await h.clock.run(h.clock.sleep(DAY));
    await admin(h).disable(poolId, 'cy');
    await h.cfn.deploy(synth(senderStack(['ana', 'bo', 'cy'], props)));
    expect(access(h, poolId)).toEqual(['ana', 'bo', 'cy (disabled)']);
  });

  // holds: a disable by an administrator of a listed worker, with no record, stays.
  test('an administrator\'s disable of a listed worker stays through redeploys and a policy switch', async () => {
    const h = harness();
    await h.cfn.deploy(synth(senderStack(['ana', 'bo'], { removedWorkers: WorkerRemovalPolicy.DISABLE })));
    const poolId = h.cfn.physicalIdOf(POOL);
    await admin(h).disable(poolId, 'bo');
    await h.cfn.deploy(synth(senderStack(['ana', 'bo', 'cy'], { removedWorkers: WorkerRemovalPolicy.DISABLE })));
    await h.cfn.deploy(synth(senderStack(['ana', 'bo', 'cy', 'di'], { removedWorkers: WorkerRemovalPolicy.RETAIN })));
    expect(access(h, poolId)).toEqual(['ana', 'bo (disabled)', 'cy', 'di']);
  });
});

describe('the mass-removal guard', () => {
  // CloudFormation: deploy 1 (DISABLE) lists 20 workers; deploy 2 lists 10 (10 disabled: exactly
  // half, allowed); deploy 3 comes with a truncated list of 1. The guard counts "the pool's users",
  // disabled ones included: 9 removals of 20 users is not more than half, so the deploy goes through
  // and 9 of the 10 people who could sign in are locked out, without `allowLargeRemovals`.
  test('the mass-removal guard counts who can sign in: a truncated list that would lock out 9 of 10 is refused (review: guard-counts-disabled-users)', async () => {
    const h = harness();
    const props = { removedWorkers: WorkerRemovalPolicy.DISABLE };
    await h.cfn.deploy(synth(senderStack(many('w', 20), props)));
    await h.cfn.deploy(synth(senderStack(many('w', 10), props)));
    const poolId = h.cfn.physicalIdOf(POOL);
    expect(h.cognito.users(poolId).filter((u) => u.Enabled)).toHaveLength(10);
    await expect(h.cfn.deploy(synth(senderStack(['w0'], props)))).rejects.toThrow(/more than half/);
    expect(h.cognito.users(poolId).filter((u) => u.Enabled)).toHaveLength(10);
  });
});

describe('resends within the default sender\'s daily emails', () => {
  // CloudFormation: deploy 1 invites 30 workers (Cognito's default sender: about 50 emails a day).
  // Eight days later their invitations expired; deploy 2 adds 45 workers. Run 1 plans 45 invitations
  // and 5 resends (50 - 45), but its time runs out during the invitations and it hands the event on;
  // the last run invites what was pending, plans again from the pool (no invitation left to count)
  // and resends all 30: 75 emails in one deploy. In AWS the default sender refuses past its daily
  // limit, the RESEND fails, and the deploy fails and rolls back.
  test('a continued deploy counts its invitations against the day\'s emails before it re-sends (review: resend-quota-reset-by-continuation)', async () => {
    const h = harness();
    await h.cfn.deploy(synth(senderStack(many('old', 30))));
    await h.clock.run(h.clock.sleep(8 * DAY));
    const from = h.cognito.sentEmails.length;
    const v2 = synth(senderStack([...many('old', 30), ...many('new', 45)], { maxInvitationsPerSecond: 2 }));
    for (const fn of Object.values<any>(v2.template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')) {
      fn.Properties.Timeout = 40;
    }
    await h.cfn.deploy(v2);
    expect(h.cfn.invocations.filter((i) => i.resourceType === INVITATION_SENDER_RESOURCE_TYPE).pop()!.runs).toBeGreaterThan(1); // continued
    expect(h.cognito.sentEmails.length - from).toBeLessThanOrEqual(50);
  });
});

describe('identity in pools that sign in with the email', () => {
  /** A pool of the app that signs in with the email, its sender. */
  const emailPoolStack = (workers: string[], props: Partial<InvitationSenderProps> = {}) => (stack: Stack) => {
    const pool = new cognito.UserPool(stack, 'Pool', { signInAliases: { email: true } });
    new InvitationSender(stack, 'Invitations', { userPool: pool, emailAsUsername: true, workers: Workers.fromList(emails(...workers)), ...props });
  };

  // CloudFormation: deploy 1 (DISABLE) invites ana, bo, cy into a pool that signs in with the email.
  // ana then signs in once through the organization's identity provider: Cognito adds a federated
  // user (EXTERNAL_PROVIDER, e.g. "Corp_ana") whose mapped email is ana's. ListUsers' order is not
  // documented; here it answers the federated user first. Deploy 2 adds di: the plan keys users by
  // email, keeps the first user it sees for ana's key (the federated one), and counts the native ana
  // as unlisted -> disables her. A listed worker loses her account (DELETE: deleted).
  test('a federated user with a worker\'s email never displaces the worker\'s own user (review: federated-twin-displaces-listed-worker)', async () => {
    const h = harness();
    const props = { removedWorkers: WorkerRemovalPolicy.DISABLE };
    await h.cfn.deploy(synth(emailPoolStack(['ana', 'bo', 'cy'], props)));
    const poolId = h.cfn.physicalIdOf(POOL);
    const state = (h.cognito as any).pools.get(poolId);
    const users: Map<string, any> = state.users;
    const federated = {
      Username: 'Corp_ana',
      Attributes: [{ Name: 'sub', Value: 'f00d0000-0000-4000-8000-000000000001' }, { Name: 'email', Value: 'ana@example.com' }],
      Enabled: true,
      UserStatus: 'EXTERNAL_PROVIDER',
      UserCreateDate: h.clock.now(),
      UserLastModifiedDate: h.clock.now(),
    };
    state.users = new Map([['Corp_ana', federated], ...users]);
    await h.cfn.deploy(synth(emailPoolStack(['ana', 'bo', 'cy', 'di'], props)));
    expect(access(h, poolId)).toEqual(['ana', 'bo', 'cy', 'di']);
  });

  // holds: in the same pool, the federated user alone (no native twin) is never removed or counted.
  test('a federated user that is on no list is left alone under DELETE', async () => {
    const h = harness();
    const props = { removedWorkers: WorkerRemovalPolicy.DELETE };
    await h.cfn.deploy(synth(emailPoolStack(['ana', 'bo'], props)));
    const poolId = h.cfn.physicalIdOf(POOL);
    const state = (h.cognito as any).pools.get(poolId);
    state.users.set('Corp_zed', {
      Username: 'Corp_zed',
      Attributes: [{ Name: 'sub', Value: 'f00d0000-0000-4000-8000-000000000002' }, { Name: 'email', Value: 'zed@example.com' }],
      Enabled: true,
      UserStatus: 'EXTERNAL_PROVIDER',
      UserCreateDate: h.clock.now(),
      UserLastModifiedDate: h.clock.now(),
    });
    await h.cfn.deploy(synth(emailPoolStack(['ana', 'bo', 'cy'], props)));
    expect(h.cognito.users(poolId).map((u) => u.Username)).toContain('Corp_zed');
    expect(access(h, poolId)).toEqual(['ana', 'bo', 'cy']);
  });
});

describe('privacy', () => {
  // holds: CloudFormation: deploy 1 (DISABLE: ana, bo); an administrator creates "evil" with eve's
  // email; deploy 2 lists eve -> AdminCreateUser answers AliasExistsException -> the Update fails
  // and rolls back. Neither the Reason CloudFormation shows nor any log line names an email.
  test('a failed invitation and its rollback put no email in the Reason or the logs', async () => {
    const h = harness();
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((line: string) => { errors.push(String(line)); });
    try {
      const props = { removedWorkers: WorkerRemovalPolicy.DISABLE };
      await h.cfn.deploy(synth(senderStack(['ana', 'bo'], props)));
      const poolId = h.cfn.physicalIdOf(POOL);
      await h.clock.run(h.clock.sleep(60_000));
      await h.clock.run(h.cognito.client().send(new AdminCreateUserCommand({
        UserPoolId: poolId, Username: 'evil', UserAttributes: [{ Name: 'email', Value: 'eve@example.com' }], MessageAction: 'SUPPRESS',
      })));
      await h.clock.run(h.clock.sleep(60_000));
      await expect(h.cfn.deploy(synth(senderStack(['ana', 'bo', 'eve'], { ...props, allowLargeRemovals: true })))).rejects.toThrow(/worker #3 of the list/);
      const reasons = h.cfn.invocations.map((i) => i.error ?? '');
      expect([...reasons, ...h.log, ...errors].filter((text) => /@example\.com|\b(ana|bo|eve|evil)\b/.test(text))).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });
});
