import { CfnResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { harness, synth } from './harness';
import { CallbackReconciler, CognitoBackbone, InvitationSender, InvitationSenderProps, PrivateWorkforce, WorkerRemovalPolicy, Workers, WorkforceResource } from '../../src';
import { SynthesizedStack } from '../fakes/cloudformation-sim';

// Scenarios an adversarial review of the lifecycle drove through the simulator: each failed once,
// and each is a test now.

const POOL = 'AWS::Cognito::UserPool';
const named = (count: number, prefix = 'w') => Workers.fromList(Array.from({ length: count }, (_, i) => ({ email: `${prefix}${i}@example.com`, username: `${prefix}${i}` })));
const enabled = (h: ReturnType<typeof harness>, poolId: string) => h.cognito.users(poolId).filter((u) => u.Enabled).map((u) => u.Username).sort();

/** A copy of a stack whose handler Lambda has a shorter timeout, so that a few thousand workers take several invocations. */
function withTimeout(stack: SynthesizedStack, seconds: number): SynthesizedStack {
  const template = JSON.parse(JSON.stringify(stack.template));
  for (const resource of Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')) {
    resource.Properties.Timeout = seconds;
  }
  return { ...stack, template };
}

const senderStack = (props: Partial<InvitationSenderProps>, extra?: (stack: Stack) => void) => (stack: Stack) => {
  const backbone = new CognitoBackbone(stack, 'Cognito');
  new InvitationSender(stack, 'Invitations', { userPool: backbone.userPool, ...props });
  extra?.(stack);
};

describe('continuations', () => {
  test('throttling near an invocation\'s time limit continues the event instead of failing it', async () => {
    const h = harness({ throttleRate: 0.3, throttledOperations: ['AdminCreateUser'] });
    const invocations = await h.cfn.deploy(withTimeout(synth(senderStack({ workers: named(3_000), sendInvitationEmails: false })), 60));
    expect(invocations[0].data).toMatchObject({ Workers: 3_000, Invited: 3_000 });
    expect(h.cognito.users(h.cfn.physicalIdOf(POOL))).toHaveLength(3_000);
  });

  test('a stack delete that removes 3,000 workers makes progress across invocations', async () => {
    const h = harness();
    const props = {
      workers: named(3_000), sendInvitationEmails: false, removedWorkers: WorkerRemovalPolicy.DELETE, removeWorkersOnStackDelete: true,
    };
    const stack = withTimeout(synth(senderStack(props)), 60);
    await h.cfn.deploy(stack);
    const poolId = h.cfn.physicalIdOf(POOL);
    await h.cfn.deleteStack();
    expect(h.cognito.users(poolId)).toHaveLength(0);
    expect(h.cfn.stackStatus).toBe('DELETE_COMPLETE');
  });
});

describe('re-enabling follows who disabled, not the previous list', () => {
  test('a worker of a list of 120 (an S3 asset) disabled by the sender is enabled again when re-listed, and after a rolled-back removal', async () => {
    const h = harness();
    const props = { removedWorkers: WorkerRemovalPolicy.DISABLE, sendInvitationEmails: false };
    const all = named(120);
    const without = Workers.fromList(Array.from({ length: 119 }, (_, i) => ({ email: `w${i + 1}@example.com`, username: `w${i + 1}` })));
    await h.cfn.deploy(synth(senderStack({ ...props, workers: all })));
    const poolId = h.cfn.physicalIdOf(POOL);
    await h.cfn.deploy(synth(senderStack({ ...props, workers: without })));
    expect(enabled(h, poolId)).not.toContain('w0');
    await h.cfn.deploy(synth(senderStack({ ...props, workers: all })));
    expect(enabled(h, poolId)).toContain('w0');
    // A removal that rolls back puts the worker back.
    const broken = (stack: Stack) => new CfnResource(stack, 'Broken', { type: 'AWS::SSM::Parameter', properties: { Name: '/broken' } }).node.addDependency(stack.node.findChild('Invitations'));
    await expect(h.cfn.deploy(synth(senderStack({ ...props, workers: without }, broken)))).rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE/);
    expect(enabled(h, poolId)).toContain('w0');
  });

  test('a renamed sender (a Create) does not enable an account an administrator disabled', async () => {
    const h = harness();
    const as = (id: string) => (stack: Stack) => {
      const backbone = new CognitoBackbone(stack, 'Cognito');
      new InvitationSender(stack, id, { userPool: backbone.userPool, workers: named(3), removedWorkers: WorkerRemovalPolicy.DISABLE });
    };
    await h.cfn.deploy(synth(as('Invitations')));
    const poolId = h.cfn.physicalIdOf(POOL);
    h.cognito.adminDisable(poolId, 'w1');
    await h.cfn.deploy(synth(as('Invites')));
    expect(enabled(h, poolId)).toEqual(['w0', 'w2']);
  });
});

describe('rollbacks', () => {
  test('the rollback of a deploy that grew the list is not stopped by the mass-removal guard', async () => {
    const h = harness();
    const props = { removedWorkers: WorkerRemovalPolicy.DISABLE };
    await h.cfn.deploy(synth(senderStack({ ...props, workers: named(2) })));
    const broken = (stack: Stack) => new CfnResource(stack, 'Broken', { type: 'AWS::SSM::Parameter', properties: { Name: '/broken' } }).node.addDependency(stack.node.findChild('Invitations'));
    await expect(h.cfn.deploy(synth(senderStack({ ...props, workers: named(6) }, broken)))).rejects.toThrow(/^UPDATE_ROLLBACK_COMPLETE/);
    expect(h.cfn.stackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
  });

  test('a workforce added by a failed update leaves no pool behind (its protection is lifted in the rollback\'s cleanup)', async () => {
    const h = harness();
    await h.cfn.deploy(synth((stack) => new ssm.StringParameter(stack, 'Existing', { stringValue: 'x' })));
    const failing = synth((stack) => {
      new ssm.StringParameter(stack, 'Existing', { stringValue: 'x' });
      const workforce = new PrivateWorkforce(stack, 'Workforce', { workforceName: 'labeling', workers: named(2) });
      new CfnResource(stack, 'Broken', { type: 'AWS::SSM::Parameter', properties: { Name: '/broken' } }).node.addDependency(workforce.invitations!.resource);
    });
    await expect(h.cfn.deploy(failing)).rejects.toThrow(/^UPDATE_ROLLBACK_COMPLETE/);
    const poolId = h.cognito.requests.find((r) => r.operation === 'AdminCreateUser')!.input.UserPoolId;
    expect(h.cognito.hasPool(poolId)).toBe(false);
    expect(h.cfn.failures.filter((f) => f.operation === 'DELETE')).toEqual([]);
  });
});

describe('an existing pool\'s invitation', () => {
  const corp = (h: ReturnType<typeof harness>, message = 'Corp {username} {####}') =>
    h.cognito.createUserPool({ UserPoolName: 'corp', AdminCreateUserConfig: { AllowAdminCreateUserOnly: true, InviteMessageTemplate: { EmailSubject: 'Corp', EmailMessage: message } } });
  const invitation = (h: ReturnType<typeof harness>, poolId: string) => h.cognito.describePool(poolId).AdminCreateUserConfig.InviteMessageTemplate;
  const on = (poolId: string, manageInvitation: boolean) => (stack: Stack) => new PrivateWorkforce(stack, 'Workforce', {
    workforceName: 'labeling', userPool: cognito.UserPool.fromUserPoolId(stack, 'Corp', poolId), domainPrefix: 'corp', manageInvitation,
  });

  test('one too long to keep is refused before anything is written', async () => {
    const h = harness();
    const long = `Corp {username} {####} ${Array.from({ length: 400 }, (_, i) => `line ${i * 7919 % 1000}`).join(' ')}`;
    const poolId = corp(h, long);
    await expect(h.cfn.deploy(synth(on(poolId, true)))).rejects.toThrow(/current invitation is too long to keep for restoring later/);
    expect(invitation(h, poolId).EmailMessage).toBe(long);
  });

  test('turning manageInvitation off puts the owner\'s back', async () => {
    const h = harness();
    const poolId = corp(h);
    await h.cfn.deploy(synth(on(poolId, true)));
    expect(invitation(h, poolId).EmailMessage).toContain('sagemaker.aws');
    await h.cfn.deploy(synth(on(poolId, false)));
    expect(invitation(h, poolId)).toEqual({ EmailSubject: 'Corp', EmailMessage: 'Corp {username} {####}' });
    expect(h.cfn.failures).toEqual([]);
  });

  test('turning manageInvitation on later still keeps the owner\'s, and puts it back on stack delete', async () => {
    const h = harness();
    const poolId = corp(h);
    await h.cfn.deploy(synth(on(poolId, false)));
    await h.cfn.deploy(synth(on(poolId, true)));
    expect(invitation(h, poolId).EmailMessage).toContain('sagemaker.aws');
    await h.cfn.deleteStack();
    expect(invitation(h, poolId)).toEqual({ EmailSubject: 'Corp', EmailMessage: 'Corp {username} {####}' });
  });

  test('a reconciler moved to another pool puts the first pool\'s invitation back', async () => {
    const h = harness();
    const a = corp(h);
    const b = corp(h, 'Other {username} {####}');
    const wiring = (poolId: string) => (stack: Stack) => {
      const userPool = cognito.UserPool.fromUserPoolId(stack, 'Corp', poolId);
      const client = userPool.addClient('Portal', { generateSecret: true, oAuth: { callbackUrls: [CognitoBackbone.PLACEHOLDER_CALLBACK_URL] } });
      new CallbackReconciler(stack, 'Wiring', { userPool, userPoolClient: client, subDomain: 'abc.labeling.us-east-1.sagemaker.aws' });
    };
    await h.cfn.deploy(synth(wiring(a)));
    expect(invitation(h, a).EmailMessage).toContain('sagemaker.aws');
    await h.cfn.deploy(synth(wiring(b)));
    expect(invitation(h, a)).toEqual({ EmailSubject: 'Corp', EmailMessage: 'Corp {username} {####}' });
    expect(invitation(h, b).EmailMessage).toContain('sagemaker.aws');
    expect(h.cfn.failures).toEqual([]);
  });

  test('in a stack of more than 100 resources, a renamed reconciler still finds the one it was renamed from', async () => {
    const h = harness();
    const poolId = corp(h);
    const app = (reconcilerId: string) => (stack: Stack) => {
      for (let i = 0; i < 110; i++) {
        new ssm.StringParameter(stack, `P${i}`, { stringValue: String(i) });
      }
      const userPool = cognito.UserPool.fromUserPoolId(stack, 'Corp', poolId);
      const backbone = new CognitoBackbone(stack, 'Cognito', { userPool, domainPrefix: 'corp' });
      const workforce = new WorkforceResource(stack, 'Workforce', { workforceName: 'labeling', cognitoConfig: { userPool, userPoolClient: backbone.userPoolClient } });
      new CallbackReconciler(stack, reconcilerId, { userPool, userPoolClient: backbone.userPoolClient, subDomain: workforce.subDomain });
    };
    await h.cfn.deploy(synth(app('Wiring')));
    const ours = invitation(h, poolId);
    await h.cfn.deploy(synth(app('PortalWiring')));
    expect(invitation(h, poolId)).toEqual(ours);
    expect(h.cfn.cloudFormation.requests.filter((r) => r.operation === 'ListStackResources').some((r) => r.input.NextToken)).toBe(true);
  });
});

describe('deletion protection', () => {
  test('switching removalPolicy to DESTROY after a deploy lets the stack be deleted', async () => {
    const h = harness();
    const build = (removalPolicy?: RemovalPolicy) => (stack: Stack) => new PrivateWorkforce(stack, 'Workforce', { workforceName: 'labeling', removalPolicy });
    await h.cfn.deploy(synth(build()));
    const poolId = h.cfn.physicalIdOf(POOL);
    expect(h.cognito.describePool(poolId).DeletionProtection).toBe('ACTIVE');
    await h.cfn.deploy(synth(build(RemovalPolicy.DESTROY)));
    expect(h.cognito.describePool(poolId).DeletionProtection).toBe('INACTIVE');
    await h.cfn.deleteStack();
    expect(h.cognito.hasPool(poolId)).toBe(false);
  });
});
