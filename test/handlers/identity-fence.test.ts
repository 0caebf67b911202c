import { AdminCreateUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { CfnResource, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { harness, synth, writes } from './harness';
import { plantNoFence, plantUsernameKeying } from './plants';
import { CognitoBackbone, InvitationSender, InvitationSenderProps, WorkerRemovalPolicy, Workers } from '../../src';
import { FENCE_TABLE_ENV, INVITATION_SENDER_RESOURCE_TYPE } from '../../src/handlers/types';

// The defects the issue "Access is computed from the pool's own identity rules, planned, and
// applied under a fence" found, each a scenario through the CloudFormation simulator and the real
// handler, with the defect planted back as a negative control.

const POOL = 'AWS::Cognito::UserPool';
const DAY = 86_400_000;
const names = (...n: string[]) => n.map((name) => ({ email: `${name}@example.com`, username: name }));
const emails = (...n: string[]) => n.map((name) => ({ email: `${name}@example.com` }));

/** Who can sign in: each user by email, with "(disabled)" when they cannot. */
const access = (h: ReturnType<typeof harness>, poolId: string) => h.cognito.users(poolId)
  .map((u) => `${u.Attributes.find((a) => a.Name === 'email')!.Value.split('@')[0]}${u.Enabled ? '' : ' (disabled)'}`).sort();
const teamOf = (h: ReturnType<typeof harness>, poolId: string, group: string) =>
  h.cognito.groupMembers(poolId, group).map((name) => h.cognito.findUser(poolId, name)!.Attributes.find((a) => a.Name === 'email')!.Value.split('@')[0]).sort();

/** A pool of the app that signs in with the email (Cognito generates the user names), its sender, and a team. */
const emailPoolStack = (workers: string[], team: string[], props: Partial<InvitationSenderProps> = {}) => (stack: Stack) => {
  const pool = new cognito.UserPool(stack, 'Pool', { signInAliases: { email: true } });
  new cognito.CfnUserPoolGroup(stack, 'Team', { userPoolId: pool.userPoolId, groupName: 'team' });
  const sender = new InvitationSender(stack, 'Invitations', { userPool: pool, emailAsUsername: true, workers: Workers.fromList(emails(...workers)), ...props });
  sender.addGroupMembers('team', Workers.fromList(emails(...team)));
};

describe('a pool that signs in with the email: users are found by their email', () => {
  test('the fake names users as the model says: a UUID-like name, equal to sub, not the email it was sent', async () => {
    const h = harness();
    const poolId = h.cognito.createUserPool({ UserPoolName: 'emails', UsernameAttributes: ['email'] });
    const created = await h.clock.run(h.cognito.client().send(new AdminCreateUserCommand({
      UserPoolId: poolId, Username: 'ana@example.com', UserAttributes: [{ Name: 'email', Value: 'ana@example.com' }], MessageAction: 'SUPPRESS',
    })));
    expect(created.User!.Username).not.toBe('ana@example.com');
    expect(created.User!.Attributes).toEqual(expect.arrayContaining([{ Name: 'sub', Value: created.User!.Username }]));
    // In a pool that signs in with user names, the name is the one sent.
    const named = h.cognito.createUserPool({ UserPoolName: 'names' });
    const bo = await h.clock.run(h.cognito.client().send(new AdminCreateUserCommand({ UserPoolId: named, Username: 'bo', MessageAction: 'SUPPRESS' })));
    expect(bo.User!.Username).toBe('bo');
  });

  test.each([WorkerRemovalPolicy.DISABLE, WorkerRemovalPolicy.DELETE])('%s: redeploys invite nobody twice, keep the team, and remove only who left', async (removedWorkers) => {
    const h = harness();
    const v1 = emailPoolStack(['ana', 'bo', 'cy', 'di', 'ed', 'flo', 'gus'], ['ana', 'bo', 'cy', 'di', 'ed', 'flo'], { removedWorkers });
    await h.cfn.deploy(synth(v1));
    const poolId = h.cfn.physicalIdOf(POOL);
    expect(teamOf(h, poolId, 'team')).toEqual(['ana', 'bo', 'cy', 'di', 'ed', 'flo']);
    // The same list again, as an Update (a changed team makes the sender run).
    const from = h.cognito.requests.length;
    await h.cfn.deploy(synth(emailPoolStack(['ana', 'bo', 'cy', 'di', 'ed', 'flo', 'gus'], ['ana', 'bo', 'cy', 'di', 'ed', 'flo', 'gus'], { removedWorkers })));
    expect(writes(h.cognito, from)).toEqual(['AdminAddUserToGroup']);
    expect(teamOf(h, poolId, 'team')).toEqual(['ana', 'bo', 'cy', 'di', 'ed', 'flo', 'gus']);
    expect(h.cognito.sentEmails).toHaveLength(7);
    // gus leaves: only he is removed.
    await h.cfn.deploy(synth(emailPoolStack(['ana', 'bo', 'cy', 'di', 'ed', 'flo'], ['ana', 'bo', 'cy', 'di', 'ed', 'flo'], { removedWorkers })));
    expect(access(h, poolId)).toEqual(removedWorkers === WorkerRemovalPolicy.DISABLE
      ? ['ana', 'bo', 'cy', 'di', 'ed', 'flo', 'gus (disabled)'] : ['ana', 'bo', 'cy', 'di', 'ed', 'flo']);
    expect(h.cognito.sentEmails).toHaveLength(7);
  });

  test('the stack\'s deletion removes the listed workers (removeWorkersOnStackDelete)', async () => {
    const h = harness();
    await h.cfn.deploy(synth(emailPoolStack(['ana', 'bo'], [], { removedWorkers: WorkerRemovalPolicy.DISABLE, removeWorkersOnStackDelete: true })));
    const poolId = h.cfn.physicalIdOf(POOL);
    await h.cfn.deleteStack();
    expect(access(h, poolId)).toEqual(['ana (disabled)', 'bo (disabled)']);
  });

  test('negative control: keyed by the user names the list gives (the old handler), the second deploy is refused as a mass removal', async () => {
    const h = harness();
    const spy = plantUsernameKeying();
    try {
      await h.cfn.deploy(synth(emailPoolStack(['ana', 'bo', 'cy'], ['ana'], { removedWorkers: WorkerRemovalPolicy.DISABLE })));
      await expect(h.cfn.deploy(synth(emailPoolStack(['ana', 'bo', 'cy'], ['ana', 'bo'], { removedWorkers: WorkerRemovalPolicy.DISABLE }))))
        .rejects.toThrow(/would disable 3 of the 3 users who can sign in to the pool/);
    } finally {
      spy.mockRestore();
    }
  });

  test('negative control: with the fake keeping the name it was sent (the old fake), the old keying passes, so only the model\'s rule catches it', async () => {
    const h = harness({ keepGivenUsernames: true });
    const spy = plantUsernameKeying();
    try {
      await h.cfn.deploy(synth(emailPoolStack(['ana', 'bo', 'cy'], ['ana'], { removedWorkers: WorkerRemovalPolicy.DISABLE })));
      await h.cfn.deploy(synth(emailPoolStack(['ana', 'bo', 'cy'], ['ana', 'bo'], { removedWorkers: WorkerRemovalPolicy.DISABLE })));
      expect(access(h, h.cfn.physicalIdOf(POOL))).toEqual(['ana', 'bo', 'cy']);
    } finally {
      spy.mockRestore();
    }
  });
});

/** A pool of the library with user names, one sender. */
const senderStack = (workers: string[], props: Partial<InvitationSenderProps> = {}, team: string[] = []) => (stack: Stack) => {
  const backbone = new CognitoBackbone(stack, 'Cognito');
  new cognito.CfnUserPoolGroup(stack, 'Team', { userPoolId: backbone.userPool.userPoolId, groupName: 'team' });
  const sender = new InvitationSender(stack, 'Invitations', { userPool: backbone.userPool, workers: Workers.fromList(names(...workers)), ...props });
  if (team.length > 0) {
    sender.addGroupMembers('team', Workers.fromList(names(...team)));
  }
};
const many = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('the fence: every write belongs to one operation', () => {
  test('a continuation whose deploy timed out and rolled back writes nothing, even while a later deploy is under way', async () => {
    const run = async (planted: boolean) => {
      const h = harness();
      const v1 = synth(senderStack(many('w', 10), {}, many('w', 10)));
      await h.cfn.deploy(v1);
      const poolId = h.cfn.physicalIdOf(POOL);
      // 45 workers (inline, so that the rolled-back policy still reads them) at 2 a second through a
      // 40-second Lambda: the first run hands the rest to a continuation, which waits in Lambda's
      // queue; CloudFormation gets no answer and rolls back.
      const v2 = synth(senderStack(many('w', 45), { maxInvitationsPerSecond: 2 }, many('w', 45)));
      for (const fn of Object.values<any>(v2.template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')) {
        fn.Properties.Timeout = 40;
      }
      h.cfn.holdContinuations = true;
      const spy = planted ? plantNoFence() : undefined;
      try {
        await expect(h.cfn.deploy(v2)).rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE/);
        const afterRollback = { users: h.cognito.users(poolId).length, team: h.cognito.groupMembers(poolId, 'team').length };
        h.cfn.holdContinuations = false;
        // Delivered late, while the next deploy runs: the stack's status alone cannot tell it is stale.
        expect(await h.cfn.releaseContinuations('UPDATE_IN_PROGRESS')).toBeGreaterThan(0);
        return { afterRollback, users: h.cognito.users(poolId).length, team: h.cognito.groupMembers(poolId, 'team').length, log: h.log };
      } finally {
        spy?.mockRestore();
      }
    };
    const fenced = await run(false);
    expect(fenced.team).toBe(10);
    expect(fenced.users).toBe(fenced.afterRollback.users);
    expect(fenced.log.join('\n')).toMatch(/came after its operation was over or taken over: it writes nothing/);
    // Negative control: without the fence, the late continuation sets the team to the rolled-back list.
    const unfenced = await run(true);
    expect(unfenced.team).toBeGreaterThan(10);
  });

  test('a late duplicate of an old event, during a later deploy and after it, writes nothing', async () => {
    const run = async (planted: boolean) => {
      const h = harness();
      const props = { removedWorkers: WorkerRemovalPolicy.DELETE };
      await h.cfn.deploy(synth(senderStack(['ana', 'bo', 'cy'], props)));
      const first = h.cfn.invocations.find((i) => i.resourceType === INVITATION_SENDER_RESOURCE_TYPE)!;
      const poolId = h.cfn.physicalIdOf(POOL);
      // Deploy 2: bo leaves (deleted), ana's email changes.
      await h.cfn.deploy(synth((stack) => {
        const backbone = new CognitoBackbone(stack, 'Cognito');
        new cognito.CfnUserPoolGroup(stack, 'Team', { userPoolId: backbone.userPool.userPoolId, groupName: 'team' });
        new InvitationSender(stack, 'Invitations', {
          userPool: backbone.userPool, ...props, workers: Workers.fromList([{ username: 'ana', email: 'ana.new@example.com' }, ...names('cy')]),
        });
      }));
      const spy = planted ? plantNoFence() : undefined;
      try {
        const from = h.cognito.requests.length;
        for (const status of ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']) {
          const answer = await h.cfn.send(first.event, status);
          if (!planted) {
            expect(answer).toMatchObject({ Unanswered: 'duplicate' });
          }
        }
        return { writes: writes(h.cognito, from), users: h.cognito.users(poolId) };
      } finally {
        spy?.mockRestore();
      }
    };
    const fenced = await run(false);
    expect(fenced.writes).toEqual([]);
    expect(fenced.users.map((u) => u.Username).sort()).toEqual(['ana', 'cy']);
    expect(fenced.users.find((u) => u.Username === 'ana')!.Attributes).toEqual(expect.arrayContaining([{ Name: 'email', Value: 'ana.new@example.com' }]));
    // Negative control: without the fence, the duplicate during deploy 3 brings bo back and ana's old mailbox.
    const unfenced = await run(true);
    expect(unfenced.writes).toEqual(expect.arrayContaining(['AdminUpdateUserAttributes', 'AdminCreateUser']));
  });

  test('every event arriving twice at once: one delivery acts and answers, the other writes nothing', async () => {
    const h = harness({ duplicateDelivery: true });
    await h.cfn.deploy(synth(senderStack(['ana', 'bo'], {}, ['ana'])));
    expect(h.cognito.count('AdminCreateUser')).toBe(2);
    expect(h.cognito.count('AdminAddUserToGroup')).toBe(1);
    expect(h.log.filter((l) => /was delivered before/.test(l)).length).toBeGreaterThan(0);
  });
});

describe('rollbacks take back what the rolled-back deploy did, and nothing else', () => {
  const broken = (workers: string[], props: Partial<InvitationSenderProps>) => (stack: Stack) => {
    senderStack(workers, props)(stack);
    new CfnResource(stack, 'Broken', { type: 'AWS::SSM::Parameter', properties: { Name: '/broken' } }).node.addDependency(stack.node.findChild('Invitations'));
  };

  test.each([
    [WorkerRemovalPolicy.DISABLE, ['ana', 'bo', 'cy (disabled)', 'di (disabled)']],
    [WorkerRemovalPolicy.DELETE, ['ana', 'bo']],
    [WorkerRemovalPolicy.RETAIN, ['ana', 'bo', 'cy', 'di']],
  ])('%s: the workers a failed deploy invited leave with the rollback (RETAIN: nobody is removed)', async (removedWorkers, after) => {
    const h = harness();
    await h.cfn.deploy(synth(senderStack(['ana', 'bo'], { removedWorkers })));
    const poolId = h.cfn.physicalIdOf(POOL);
    await expect(h.cfn.deploy(synth(broken(['ana', 'bo', 'cy', 'di'], { removedWorkers })))).rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE/);
    expect(access(h, poolId)).toEqual(after);
  });

  test('a user created before the rolled-back deploy is left for the next deploy to judge', async () => {
    const h = harness();
    const props = { removedWorkers: WorkerRemovalPolicy.DISABLE, allowLargeRemovals: true };
    await h.cfn.deploy(synth(senderStack(['ana', 'bo'], props)));
    const poolId = h.cfn.physicalIdOf(POOL);
    // The failed deploy's list has someone an administrator created before it.
    await h.clock.run(h.cognito.client().send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'eve', UserAttributes: [{ Name: 'email', Value: 'eve@example.com' }], MessageAction: 'SUPPRESS' })));
    await h.clock.run(h.clock.sleep(1000));
    await expect(h.cfn.deploy(synth(broken(['ana', 'bo', 'eve', 'cy'], props)))).rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE/);
    expect(access(h, poolId)).toEqual(['ana', 'bo', 'cy (disabled)', 'eve']);
  });
});

describe('workers are never stuck', () => {
  test('an expired temporary password gets a new invitation at the next deploy; a worker who signed in does not', async () => {
    const h = harness();
    await h.cfn.deploy(synth(senderStack(['ana', 'bo'])));
    const poolId = h.cfn.physicalIdOf(POOL);
    h.cognito.confirm(poolId, 'bo');
    await h.clock.run(h.clock.sleep(8 * DAY)); // past the pool's 7 days
    const invocations = await h.cfn.deploy(synth(senderStack(['ana', 'bo', 'cy'])));
    expect(invocations.find((i) => i.resourceType === INVITATION_SENDER_RESOURCE_TYPE)!.data).toMatchObject({ Invited: 1, Resent: 1 });
    expect(h.cognito.sentEmails.map((e) => e.to)).toEqual(['ana@example.com', 'bo@example.com', 'cy@example.com', 'ana@example.com']);
    // A fresh invitation is not sent again on the next deploy.
    await h.cfn.deploy(synth(senderStack(['ana', 'bo', 'cy', 'di'])));
    expect(h.cognito.sentEmails).toHaveLength(5);
  });

  test('a worker the sender disabled is enabled when listed again after a switch from DISABLE to another policy', async () => {
    const run = async (forgetRecords: boolean) => {
      const h = harness();
      await h.cfn.deploy(synth(senderStack(['ana', 'bo', 'cy'], { removedWorkers: WorkerRemovalPolicy.DISABLE })));
      const poolId = h.cfn.physicalIdOf(POOL);
      await h.cfn.deploy(synth(senderStack(['ana', 'bo'], { removedWorkers: WorkerRemovalPolicy.DISABLE })));
      await h.cfn.deploy(synth(senderStack(['ana', 'bo'], { removedWorkers: WorkerRemovalPolicy.RETAIN })));
      expect(access(h, poolId)).toEqual(['ana', 'bo', 'cy (disabled)']);
      if (forgetRecords) {
        const table = h.cfn.functionEnvironment()![FENCE_TABLE_ENV];
        for (const item of h.dynamodb.table(table).filter((i) => i.pk.S.startsWith('disabled#'))) {
          const key = { pk: { S: item.pk.S }, sk: { S: item.sk.S } };
          await h.clock.run(h.dynamodb.client().send(new DeleteItemCommand({ TableName: table, Key: key })));
        }
      }
      await h.cfn.deploy(synth(senderStack(['ana', 'bo', 'cy'], { removedWorkers: WorkerRemovalPolicy.RETAIN })));
      return access(h, poolId);
    };
    expect(await run(false)).toEqual(['ana', 'bo', 'cy']);
    // Negative control: without the record, the sender cannot tell its disable from an administrator's.
    expect(await run(true)).toEqual(['ana', 'bo', 'cy (disabled)']);
  });

  test('upgrading from the group an earlier version kept: its members are recorded, and come back when listed again', async () => {
    const h = harness();
    const legacy = synth(senderStack(['ana', 'bo', 'cy'], { removedWorkers: WorkerRemovalPolicy.DISABLE }));
    // The template as the previous version made it: the group, and the sender's DisabledGroup.
    const resources = legacy.template.Resources;
    const sender = Object.keys(resources).find((id) => resources[id].Type === INVITATION_SENDER_RESOURCE_TYPE)!;
    resources.InvitationsDisabledWorkers = {
      Type: 'AWS::Cognito::UserPoolGroup',
      Properties: { UserPoolId: resources[sender].Properties.UserPoolId, GroupName: 'cdk-private-workforce-disabled' },
    };
    resources[sender].Properties.DisabledGroup = 'cdk-private-workforce-disabled';
    await h.cfn.deploy(legacy);
    const poolId = h.cfn.physicalIdOf(POOL);
    // What the previous version did when cy left: disabled her and put her in the group.
    h.cognito.adminDisable(poolId, 'cy');
    (h.cognito as any).pools.get(poolId).groups.get('cdk-private-workforce-disabled').add('cy');
    // The upgrade: no group in the template any more (CloudFormation deletes it in the cleanup).
    await h.cfn.deploy(synth(senderStack(['ana', 'bo'], { removedWorkers: WorkerRemovalPolicy.DISABLE })));
    expect(h.cfn.resources()).not.toContain('InvitationsDisabledWorkers');
    expect(access(h, poolId)).toEqual(['ana', 'bo', 'cy (disabled)']);
    await h.cfn.deploy(synth(senderStack(['ana', 'bo', 'cy'], { removedWorkers: WorkerRemovalPolicy.DISABLE })));
    expect(access(h, poolId)).toEqual(['ana', 'bo', 'cy']);
  });
});
