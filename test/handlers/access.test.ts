import { AdminCreateUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { CfnResource, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { harness, synth } from './harness';
import { CallbackReconciler, CognitoBackbone, InvitationSender, InvitationSenderProps, PrivateWorkforce, PrivateWorkforceProps, WorkerRemovalPolicy, Workers, WorkforceResource } from '../../src';
import { cloudFormationResponder } from '../../src/handlers/cfn-response';
import * as restore from '../../src/handlers/restore';
import { INVITATION_SENDER_RESOURCE_TYPE } from '../../src/handlers/types';
import { STACK_ID } from '../fakes/cloudformation-sim';

// Access follows the worker list, and nothing else: every CloudFormation event the invitation
// lifecycle meets, through the simulator and the real handler.

const POOL = 'AWS::Cognito::UserPool';
const list = (...names: string[]) => Workers.fromList(names.map((n) => ({ email: `${n}@example.com`, username: n })));
const enabled = (h: ReturnType<typeof harness>, poolId: string) => h.cognito.users(poolId).map((u) => `${u.Username}${u.Enabled ? '' : ' (disabled)'}`).sort();

/** A stack with a pool of its own and one InvitationSender with construct id `id`. */
const senderStack = (id: string, props: Partial<InvitationSenderProps> = {}) => (stack: Stack) => {
  const backbone = new CognitoBackbone(stack, 'Cognito');
  new InvitationSender(stack, id, { userPool: backbone.userPool, workers: list('ana', 'bo'), ...props });
};

describe('a Delete is not a departure', () => {
  test.each([WorkerRemovalPolicy.DISABLE, WorkerRemovalPolicy.DELETE])('renaming or moving a sender with %s keeps every worker', async (removedWorkers) => {
    const h = harness();
    await h.cfn.deploy(synth(senderStack('Invitations', { removedWorkers, removeWorkersOnStackDelete: true })));
    const poolId = h.cfn.physicalIdOf(POOL);
    const invocations = await h.cfn.deploy(synth(senderStack('Invites', { removedWorkers, removeWorkersOnStackDelete: true })));
    expect(invocations.map((i) => `${i.requestType} ${i.stackStatus}`)).toEqual(['Create UPDATE_IN_PROGRESS', 'Delete UPDATE_COMPLETE_CLEANUP_IN_PROGRESS']);
    expect(enabled(h, poolId)).toEqual(['ana', 'bo']);
    expect(h.cfn.failures).toEqual([]);
  });

  test('pointing a sender at another pool leaves the old pool\'s workers as they are', async () => {
    const h = harness();
    const on = (pool: 'A' | 'B') => (stack: Stack) => {
      const a = new CognitoBackbone(stack, 'A');
      const b = new CognitoBackbone(stack, 'B');
      new InvitationSender(stack, 'Invitations', {
        userPool: (pool === 'A' ? a : b).userPool, workers: list('ana', 'bo'), removedWorkers: WorkerRemovalPolicy.DISABLE, removeWorkersOnStackDelete: true,
      });
    };
    await h.cfn.deploy(synth(on('A')));
    const poolA = h.cognito.requests.find((r) => r.operation === 'AdminCreateUser')!.input.UserPoolId;
    const invocations = await h.cfn.deploy(synth(on('B')));
    expect(invocations.map((i) => `${i.requestType} ${i.stackStatus}`)).toEqual(['Update UPDATE_IN_PROGRESS', 'Delete UPDATE_COMPLETE_CLEANUP_IN_PROGRESS']);
    expect(enabled(h, poolA)).toEqual(['ana', 'bo']);
  });

  test.each([
    [WorkerRemovalPolicy.RETAIN, false, ['ana', 'bo']],
    [WorkerRemovalPolicy.DISABLE, false, ['ana', 'bo']],
    [WorkerRemovalPolicy.DISABLE, true, ['ana (disabled)', 'bo (disabled)']],
    [WorkerRemovalPolicy.DELETE, false, ['ana', 'bo']],
    [WorkerRemovalPolicy.DELETE, true, []],
  ])('stack delete with %s, removeWorkersOnStackDelete %s', async (removedWorkers, removeWorkersOnStackDelete, after) => {
    const h = harness();
    await h.cfn.deploy(synth(senderStack('Invitations', { removedWorkers, removeWorkersOnStackDelete })));
    const poolId = h.cfn.physicalIdOf(POOL);
    await h.cfn.deleteStack();
    expect(enabled(h, poolId)).toEqual(after);
  });

  test('an update rollback and a create rollback remove nobody', async () => {
    const h = harness();
    const broken = (stack: Stack) => {
      senderStack('Invitations', { removedWorkers: WorkerRemovalPolicy.DISABLE, removeWorkersOnStackDelete: true })(stack);
      new CfnResource(stack, 'Broken', { type: 'AWS::SSM::Parameter', properties: { Name: '/broken' } }).node.addDependency(stack.node.findChild('Invitations'));
    };
    await h.cfn.deploy(synth(senderStack('Invitations', { removedWorkers: WorkerRemovalPolicy.DISABLE, removeWorkersOnStackDelete: true })));
    const poolId = h.cfn.physicalIdOf(POOL);
    await expect(h.cfn.deploy(synth(broken))).rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE/);
    expect(enabled(h, poolId)).toEqual(['ana', 'bo']);
  });
});

describe('permissions outlive the cleanup', () => {
  const withSender = (sender: boolean) => (stack: Stack) => {
    const backbone = new CognitoBackbone(stack, 'Cognito');
    if (sender) {
      new InvitationSender(stack, 'Invitations', { userPool: backbone.userPool, workers: list('ana', 'bo'), removedWorkers: WorkerRemovalPolicy.DISABLE, removeWorkersOnStackDelete: true });
    } else {
      // Another custom resource keeps the handler in the stack; nothing else grants DescribeStacks.
      new CallbackReconciler(stack, 'Wiring', { userPool: backbone.userPool, userPoolClient: backbone.userPoolClient, subDomain: 'abc.labeling.us-east-1.sagemaker.aws' });
    }
  };

  test('a removed sender\'s cleanup Delete still has its permissions (its own policy goes after it), and keeps everyone', async () => {
    const h = harness();
    await h.cfn.deploy(synth(withSender(true)));
    const poolId = h.cfn.physicalIdOf(POOL);
    const from = h.cfn.cloudFormation.requests.length;
    await h.cfn.deploy(synth(withSender(false)));
    expect(h.cfn.failures).toEqual([]);
    expect(h.cfn.cloudFormation.requests.slice(from).map((r) => r.operation)).toEqual(['DescribeStacks']);
    expect(enabled(h, poolId)).toEqual(['ana', 'bo']);
  });

  test('negative control: with its statements in the role\'s shared policy (as before), the cleanup Delete is denied', async () => {
    const h = harness();
    const v1 = synth(withSender(true));
    const resources = v1.template.Resources;
    const own = Object.keys(resources).find((id) => id.startsWith('InvitationsHandlerPolicy'))!;
    const shared = Object.keys(resources).find((id) => id.startsWith('CdkPrivateWorkforceHandlerHandlerRoleDefaultPolicy'))!;
    // (Without the self-invocation statement: on the shared policy it would make a cycle with the function.)
    resources[shared].Properties.PolicyDocument.Statement.push(...resources[own].Properties.PolicyDocument.Statement
      .filter((st: any) => st.Action !== 'lambda:InvokeFunction'));
    delete resources[own];
    const sender = Object.keys(resources).find((id) => resources[id].Type === INVITATION_SENDER_RESOURCE_TYPE)!;
    resources[sender].DependsOn = [resources[sender].DependsOn].flat().filter((d: string) => d !== own);
    await h.cfn.deploy(v1);
    // ...and nothing else of the new template granting the stack's status (the reconciler's own does).
    const v2 = synth(withSender(false));
    for (const [, resource] of Object.entries<any>(v2.template.Resources).filter(([logicalId]) => logicalId.startsWith('WiringHandlerPolicy'))) {
      resource.Properties.PolicyDocument.Statement = resource.Properties.PolicyDocument.Statement
        .filter((st: any) => ![st.Action].flat().some((a: string) => a.startsWith('cloudformation:')));
    }
    await h.cfn.deploy(v2);
    expect(h.cfn.failures.map((f) => f.reason).join('\n')).toMatch(/not authorized to perform: cloudformation:DescribeStacks/);
  });

  test('a removing Delete whose worker list cannot be read fails loudly', async () => {
    const h = harness();
    const workers = Workers.fromList(Array.from({ length: 120 }, (_, i) => ({ email: `w${i}@example.com` })));
    await h.cfn.deploy(synth((stack) => {
      const backbone = new CognitoBackbone(stack, 'Cognito');
      new InvitationSender(stack, 'Invitations', { userPool: backbone.userPool, workers, removedWorkers: WorkerRemovalPolicy.DELETE, removeWorkersOnStackDelete: true });
    }));
    (h.s3 as any).objects.clear();
    await expect(h.cfn.deleteStack()).rejects.toThrow(/DELETE_FAILED: .*The worker list s3:\/\/\S+ cannot be read \(NoSuchKey: /);
    expect(h.cognito.users(h.cognito.requests[0].input.UserPoolId)).toHaveLength(120);
  });
});

describe('emails', () => {
  test('a listed worker whose email changed gets the new email, verified (a pool of the app)', async () => {
    const h = harness();
    await h.cfn.deploy(synth(senderStack('Invitations')));
    const poolId = h.cfn.physicalIdOf(POOL);
    const invocations = await h.cfn.deploy(synth(senderStack('Invitations', { workers: Workers.fromList([{ email: 'ana@example.com', username: 'ana' }, { email: 'bo.new@example.com', username: 'bo' }]) })));
    expect(invocations[0].data).toMatchObject({ EmailsChanged: 1, Invited: 0 });
    const bo = h.cognito.users(poolId).find((u) => u.Username === 'bo')!;
    expect(bo.Attributes).toEqual(expect.arrayContaining([{ Name: 'email', Value: 'bo.new@example.com' }, { Name: 'email_verified', Value: 'true' }]));
  });

  test('on an existing pool, a user of the listed name with another email is not taken over unless asked', async () => {
    const h = harness();
    const poolId = h.cognito.createUserPool({ UserPoolName: 'corp' });
    await h.clock.run(h.cognito.client().send(new AdminCreateUserCommand({
      UserPoolId: poolId, Username: 'bo', UserAttributes: [{ Name: 'email', Value: 'someone.else@example.com' }], MessageAction: 'SUPPRESS',
    })));
    const on = (adoptExistingUsers: boolean) => (stack: Stack) => {
      new InvitationSender(stack, 'Invitations', { userPool: cognito.UserPool.fromUserPoolId(stack, 'Pool', poolId), workers: list('ana', 'bo'), adoptExistingUsers });
    };
    await expect(h.cfn.deploy(synth(on(false)))).rejects.toThrow(
      'Worker #2 of the list already exists in the user pool with another email. The pool is not created by this app, so its users are not taken over: ' +
      'give the worker another user name, or set `adoptExistingUsers: true` to make the listed email theirs.');
    expect(h.cognito.users(poolId).find((u) => u.Username === 'bo')!.Attributes).toEqual(expect.arrayContaining([{ Name: 'email', Value: 'someone.else@example.com' }]));
    await h.cfn.deploy(synth(on(true)));
    expect(h.cognito.users(poolId).find((u) => u.Username === 'bo')!.Attributes).toEqual(expect.arrayContaining([{ Name: 'email', Value: 'bo@example.com' }]));
  });
});

describe('user names: a case-sensitive pool tells Alice from alice', () => {
  // A pool created without UsernameConfiguration is case-sensitive (the API's default); `alice` is
  // someone else's account there, say an administrator's, and must not be taken for `Alice`.
  const deployWithAliceListed = async (aliceEmail: string, usernameConfiguration?: { CaseSensitive: boolean }) => {
    const h = harness();
    const poolId = h.cognito.createUserPool({ UserPoolName: 'corp', UsernameConfiguration: usernameConfiguration });
    h.cognito.createGroup(poolId, 'reviewers');
    await h.clock.run(h.cognito.client().send(new AdminCreateUserCommand({
      UserPoolId: poolId, Username: 'alice', UserAttributes: [{ Name: 'email', Value: aliceEmail }], MessageAction: 'SUPPRESS',
    })));
    const invocations = await h.cfn.deploy(synth((stack) => {
      const sender = new InvitationSender(stack, 'Invitations', { userPool: cognito.UserPool.fromUserPoolId(stack, 'Pool', poolId), workers: list('bo') });
      sender.addGroupMembers('reviewers', list('Alice'));
    }));
    return { h, poolId, data: invocations[0].data };
  };

  test('case-sensitive (the default): Alice is invited and joins the group; alice is left as she was', async () => {
    const { h, poolId, data } = await deployWithAliceListed('alice.admin@example.com');
    expect(data).toMatchObject({ Invited: 2, AlreadyPresent: 0 });
    expect(h.cognito.users(poolId).map((u) => u.Username).sort()).toEqual(['Alice', 'alice', 'bo']);
    expect(h.cognito.groupMembers(poolId, 'reviewers')).toEqual(['Alice']);
    expect(h.cognito.sentEmails.map((e) => e.username).sort()).toEqual(['Alice', 'bo']);
  });

  test('case-insensitive: Alice is alice, already present, and she joins the group', async () => {
    const { h, poolId, data } = await deployWithAliceListed('alice@example.com', { CaseSensitive: false });
    expect(data).toMatchObject({ Invited: 1, AlreadyPresent: 1 });
    expect(h.cognito.users(poolId).map((u) => u.Username).sort()).toEqual(['alice', 'bo']);
    expect(h.cognito.groupMembers(poolId, 'reviewers')).toEqual(['alice']);
  });

  test('the fake follows the API model: without UsernameConfiguration, Alice and alice are two users', async () => {
    const h = harness();
    const create = (poolId: string, username: string) => h.clock.run(h.cognito.client().send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: username, MessageAction: 'SUPPRESS' })));
    const sensitive = h.cognito.createUserPool({ UserPoolName: 'default' });
    await create(sensitive, 'alice');
    await create(sensitive, 'Alice');
    expect(h.cognito.users(sensitive)).toHaveLength(2);
    const insensitive = h.cognito.createUserPool({ UserPoolName: 'insensitive', UsernameConfiguration: { CaseSensitive: false } });
    await create(insensitive, 'alice');
    await expect(create(insensitive, 'Alice')).rejects.toThrow(/already exists/);
  });
});

describe('administrators keep the last word', () => {
  test('an account disabled outside the stack stays disabled at the next unrelated deploy; one the sender disabled comes back when re-listed', async () => {
    const h = harness();
    const props = { removedWorkers: WorkerRemovalPolicy.DISABLE };
    await h.cfn.deploy(synth(senderStack('Invitations', { ...props, workers: list('ana', 'bo', 'cy') })));
    const poolId = h.cfn.physicalIdOf(POOL);
    h.cognito.adminDisable(poolId, 'bo');
    await h.cfn.deploy(synth(senderStack('Invitations', { ...props, workers: list('ana', 'bo', 'cy', 'di') })));
    expect(enabled(h, poolId)).toEqual(['ana', 'bo (disabled)', 'cy', 'di']);
    await h.cfn.deploy(synth(senderStack('Invitations', { ...props, workers: list('ana', 'bo', 'di') })));
    expect(enabled(h, poolId)).toEqual(['ana', 'bo (disabled)', 'cy (disabled)', 'di']);
    await h.cfn.deploy(synth(senderStack('Invitations', { ...props, workers: list('ana', 'bo', 'cy', 'di') })));
    expect(enabled(h, poolId)).toEqual(['ana', 'bo (disabled)', 'cy', 'di']);
  });
});

describe('no accidental wipe', () => {
  test('a deploy that would remove more than half of the pool\'s users fails, unless allowLargeRemovals', async () => {
    const h = harness();
    const props = { removedWorkers: WorkerRemovalPolicy.DISABLE };
    await h.cfn.deploy(synth(senderStack('Invitations', { ...props, workers: list('a', 'b', 'c', 'd', 'e') })));
    const poolId = h.cfn.physicalIdOf(POOL);
    await expect(h.cfn.deploy(synth(senderStack('Invitations', { ...props, workers: list('a', 'b') })))).rejects.toThrow(
      'This deploy would disable 3 of the 5 users who can sign in to the pool, more than half. Refused: check the worker list, or set `allowLargeRemovals: true` for this deploy.');
    expect(enabled(h, poolId)).toEqual(['a', 'b', 'c', 'd', 'e']);
    await h.cfn.deploy(synth(senderStack('Invitations', { ...props, workers: list('a', 'b'), allowLargeRemovals: true })));
    expect(enabled(h, poolId)).toEqual(['a', 'b', 'c (disabled)', 'd (disabled)', 'e (disabled)']);
  });
});

describe('a failed first deploy leaves nothing behind', () => {
  const build = (props: Partial<PrivateWorkforceProps> = {}) => (stack: Stack) => {
    new PrivateWorkforce(stack, 'Workforce', { workforceName: 'labeling', workers: list('ana', 'bo'), ...props });
  };

  test('the daily email limit on the first deploy: the pool is deleted by the rollback, and the message says so', async () => {
    const h = harness();
    h.cognito.failAfter('AdminCreateUser', 1, 'LimitExceededException');
    await expect(h.cfn.deploy(synth(build()))).rejects.toThrow(/^ROLLBACK_COMPLETE: .*this is the stack's first deploy, so it rolls back, and the user pool it created is deleted with the workers invited so far\./);
    const poolId = h.cognito.requests.find((r) => r.operation === 'AdminCreateUser')!.input.UserPoolId;
    expect(h.cognito.hasPool(poolId)).toBe(false);
    // The next deploy starts clean: a new pool, everyone invited once into it.
    h.cognito.clearFaults();
    await h.cfn.deploy(synth(build()));
    expect(h.cognito.users(h.cfn.physicalIdOf(POOL)).map((u) => u.Username)).toEqual(['ana', 'bo']);
  });

  test('the daily email limit on a later deploy: the workers already invited are kept', async () => {
    const h = harness();
    await h.cfn.deploy(synth(build()));
    h.cognito.failAfter('AdminCreateUser', 0, 'LimitExceededException');
    await expect(h.cfn.deploy(synth(build({ workers: list('ana', 'bo', 'cy') })))).rejects.toThrow(/workers already invited are kept and not invited again\./);
    expect(h.cognito.hasPool(h.cfn.physicalIdOf(POOL))).toBe(true);
  });

  test('after the first deploy the pool is protected from deletion, also after a deploy that rewrites it', async () => {
    const h = harness();
    await h.cfn.deploy(synth(build()));
    const poolId = h.cfn.physicalIdOf(POOL);
    expect(h.cognito.describePool(poolId).DeletionProtection).toBe('ACTIVE');
    await h.cfn.deploy(synth(build({ passwordPolicy: { minLength: 14 } })));
    expect(h.cognito.describePool(poolId).DeletionProtection).toBe('ACTIVE');
    await h.cfn.deleteStack();
    expect(h.cognito.hasPool(poolId)).toBe(true); // retained, and protected
  });
});

describe('an existing pool\'s invitation is its owner\'s', () => {
  const existing = (h: ReturnType<typeof harness>) => {
    const poolId = h.cognito.createUserPool({ UserPoolName: 'corp', AdminCreateUserConfig: { AllowAdminCreateUserOnly: true, InviteMessageTemplate: { EmailSubject: 'Corp', EmailMessage: 'Corp {username} {####}' } } });
    return poolId;
  };
  const invitation = (h: ReturnType<typeof harness>, poolId: string) => h.cognito.describePool(poolId).AdminCreateUserConfig.InviteMessageTemplate;

  test('by default the reconciler does not change it', async () => {
    const h = harness();
    const poolId = existing(h);
    await h.cfn.deploy(synth((stack) => new PrivateWorkforce(stack, 'Workforce', { workforceName: 'labeling', userPool: cognito.UserPool.fromUserPoolId(stack, 'Corp', poolId), domainPrefix: 'corp' })));
    expect(invitation(h, poolId)).toEqual({ EmailSubject: 'Corp', EmailMessage: 'Corp {username} {####}' });
    expect(h.cognito.count('UpdateUserPool')).toBe(0);
  });

  test('with manageInvitation it does, and restores the previous one when the stack is deleted', async () => {
    const h = harness();
    const poolId = existing(h);
    await h.cfn.deploy(synth((stack) => new PrivateWorkforce(stack, 'Workforce', {
      workforceName: 'labeling', userPool: cognito.UserPool.fromUserPoolId(stack, 'Corp', poolId), domainPrefix: 'corp', manageInvitation: true,
    })));
    expect(invitation(h, poolId).EmailMessage).toContain('labeling.us-east-1.sagemaker.aws');
    await h.cfn.deleteStack();
    expect(invitation(h, poolId)).toEqual({ EmailSubject: 'Corp', EmailMessage: 'Corp {username} {####}' });
  });

  /** The pool's owner rewrites the invitation after the deploy; then the stack is deleted. */
  async function rewrittenThenDeleted() {
    const h = harness();
    const poolId = existing(h);
    await h.cfn.deploy(synth((stack) => new PrivateWorkforce(stack, 'Workforce', {
      workforceName: 'labeling', userPool: cognito.UserPool.fromUserPoolId(stack, 'Corp', poolId), domainPrefix: 'corp', manageInvitation: true,
    })));
    expect(invitation(h, poolId).EmailMessage).toContain('labeling.us-east-1.sagemaker.aws');
    h.cognito.cloudFormationUpdateUserPool(poolId, {
      ...h.cognito.describePool(poolId),
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true, InviteMessageTemplate: { EmailSubject: 'Corp 2', EmailMessage: 'Corp 2 {username} {####}' } },
    });
    await h.cfn.deleteStack();
    return { h, poolId };
  }

  test('an invitation the owner rewrote since the deploy is kept on stack delete, and the log says so', async () => {
    const { h, poolId } = await rewrittenThenDeleted();
    expect(h.cfn.failures).toEqual([]);
    expect(invitation(h, poolId)).toEqual({ EmailSubject: 'Corp 2', EmailMessage: 'Corp 2 {username} {####}' });
    expect(h.log).toContain(`user pool ${poolId}: its invitation email was changed since the reconciler set it, so it is left as it is, not put back ` +
      'to the one from before the stack; set that one again (UpdateUserPool AdminCreateUserConfig.InviteMessageTemplate) if it should be back.');
    // The invitation's text is not logged.
    expect(h.log.join('\n')).not.toMatch(/Corp/);
  });

  test('negative control: restoring regardless (the old behaviour) overwrites the owner\'s rewrite, so the test above catches it', async () => {
    const planted = jest.spyOn(restore, 'restoreVerdict').mockImplementation((current, _ours, target, same) =>
      (current !== undefined && same(target, current) ? 'already' : 'restore'));
    try {
      const { h, poolId } = await rewrittenThenDeleted();
      expect(invitation(h, poolId)).toEqual({ EmailSubject: 'Corp', EmailMessage: 'Corp {username} {####}' });
    } finally {
      planted.mockRestore();
    }
  });

  test('a renamed reconciler keeps the portal\'s invitation; one removed from the stack restores the previous', async () => {
    const h = harness();
    const poolId = existing(h);
    const app = (reconcilerId: string | undefined) => (stack: Stack) => {
      const userPool = cognito.UserPool.fromUserPoolId(stack, 'Corp', poolId);
      const backbone = new CognitoBackbone(stack, 'Cognito', { userPool, domainPrefix: 'corp' });
      const workforce = new WorkforceResource(stack, 'Workforce', { workforceName: 'labeling', cognitoConfig: { userPool, userPoolClient: backbone.userPoolClient } });
      if (reconcilerId) {
        new CallbackReconciler(stack, reconcilerId, { userPool, userPoolClient: backbone.userPoolClient, subDomain: workforce.subDomain });
      }
    };
    await h.cfn.deploy(synth(app('Wiring')));
    const ours = invitation(h, poolId);
    expect(ours.EmailMessage).toContain('sagemaker.aws');
    await h.cfn.deploy(synth(app('PortalWiring')));
    expect(invitation(h, poolId)).toEqual(ours);
    await h.cfn.deploy(synth(app(undefined)));
    expect(invitation(h, poolId)).toEqual({ EmailSubject: 'Corp', EmailMessage: 'Corp {username} {####}' });
  });
});

describe('no worker lists in logs or stack events', () => {
  test('a failure logs the event with its lists as counts, and its reason names the worker by place in the list only', async () => {
    const h = harness();
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((line: string) => { lines.push(line); });
    try {
      h.cognito.failAfter('AdminCreateUser', 0, 'InvalidParameterException');
      await expect(h.cfn.deploy(synth(senderStack('Invitations')))).rejects.toThrow(/Inviting worker #1 of the list failed: InvalidParameterException/);
    } finally {
      spy.mockRestore();
    }
    expect(lines.join('\n')).toContain('"Inline":"2 workers"');
    expect(lines.join('\n')).not.toMatch(/@example\.com/);
    expect(h.cfn.failures.map((f) => f.reason).join('\n')).not.toMatch(/@example\.com/);
    expect(h.log.join('\n')).not.toMatch(/@example\.com/);
    expect([...lines, ...h.log, ...h.cfn.failures.map((f) => f.reason)].join('\n')).not.toMatch(/\bana\b|\bbo\b/); // nor user names
  });
});

describe('the handler trusts only its own stack', () => {
  const event = (stackId: string, responseUrl: string) => ({
    RequestType: 'Create' as const,
    ResourceType: INVITATION_SENDER_RESOURCE_TYPE,
    LogicalResourceId: 'Invitations',
    RequestId: 'r',
    StackId: stackId,
    ResponseURL: responseUrl,
    ResourceProperties: { UserPoolId: 'us-east-1_Abc', WorkerSources: [{ Inline: [{ username: 'ana', email: 'ana@example.com' }] }], RemovedWorkers: 'RETAIN', MaxRequestsPerSecond: '48', MaxConcurrency: '16' },
  });
  const context = { getRemainingTimeInMillis: () => 60_000 };

  test('an event of another stack is refused, and answered as failed', async () => {
    const h = harness();
    const answers: string[] = [];
    const responder = cloudFormationResponder(h.handler, async (_url, body) => { answers.push(body); });
    await h.clock.run(responder(event('arn:aws:cloudformation:us-east-1:123456789012:stack/Other/1', 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x'), context));
    expect(JSON.parse(answers[0])).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining(`This handler serves the stack ${STACK_ID} only`) });
    expect(h.cognito.requests).toEqual([]);
  });

  test('an event whose ResponseURL is not CloudFormation\'s is not acted on, and not answered', async () => {
    const h = harness();
    const answers: string[] = [];
    const responder = cloudFormationResponder(h.handler, async (_url, body) => { answers.push(body); });
    for (const url of ['https://attacker.example.com/collect', 'http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x', 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com.evil.example/x']) {
      await h.clock.run(responder(event(STACK_ID, url), context));
    }
    expect(answers).toEqual([]);
    expect(h.cognito.requests).toEqual([]);
  });
});
