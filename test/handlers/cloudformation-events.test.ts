import { CfnResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { IConstruct } from 'constructs';
import { harness, synth } from './harness';
import { CognitoBackbone, InvitationSender, PrivateWorkforce, PrivateWorkforceProps, Workers } from '../../src';

// Every kind of event CloudFormation sends a custom resource, through the simulator and the real
// handler: one test per kind (cleanup after a logical-id change and after a new physical id,
// update rollback, create rollback with retained resources, duplicate delivery, stack delete).

const SENDER = 'Custom::PrivateWorkforceInvitationSender';
const POOL = 'AWS::Cognito::UserPool';

const ana = { email: 'ana@example.com' };
const bo = { email: 'bo@example.com', username: 'bo' };

/** A resource CloudFormation refuses (an SSM parameter without Type and Value), created after `after`. */
function brokenAfter(stack: Stack, after: IConstruct): void {
  const broken = new CfnResource(stack, 'Broken', { type: 'AWS::SSM::Parameter', properties: { Name: '/broken' } });
  broken.node.addDependency(after);
}

const build = (props: Partial<PrivateWorkforceProps> & { broken?: boolean } = {}) => (stack: Stack) => {
  const { broken, ...rest } = props;
  const workforce = new PrivateWorkforce(stack, 'Workforce', { workforceName: 'labeling', workers: Workers.fromList([ana]), ...rest });
  if (broken) {
    brokenAfter(stack, workforce.invitations!.resource);
  }
};

/** "<RequestType> <kind> (<stack status>)" for each event. */
const events = (invocations: ReadonlyArray<{ requestType: string; resourceType: string; stackStatus: string }>) =>
  invocations.map((i) => `${i.requestType} ${i.resourceType.replace('Custom::PrivateWorkforce', '')} (${i.stackStatus})`);

describe('CloudFormation events through the simulator and the real handler', () => {
  test('cleanup after a logical-id change: Create of the new resource, then Delete of the old one', async () => {
    const h = harness();
    const senderAs = (id: string) => (stack: Stack) => {
      const backbone = new CognitoBackbone(stack, 'Cognito');
      new InvitationSender(stack, id, { userPool: backbone.userPool, workers: Workers.fromList([ana, bo]) });
    };
    await h.cfn.deploy(synth(senderAs('Invitations')));
    const invocations = await h.cfn.deploy(synth(senderAs('Invites')));
    expect(events(invocations)).toEqual([
      'Create InvitationSender (UPDATE_IN_PROGRESS)',
      'Delete InvitationSender (UPDATE_COMPLETE_CLEANUP_IN_PROGRESS)',
    ]);
    expect(invocations[1].logicalId).toMatch(/^Invitations/);
    expect(h.cognito.users(h.cfn.physicalIdOf(POOL)).map((u) => [u.Username, u.Enabled])).toEqual([['ana_at_example.com', true], ['bo', true]]);
  });

  test('cleanup after a new physical id: pointing a sender at another pool deletes the old physical id', async () => {
    const h = harness();
    const poolA = h.cognito.createUserPool({ UserPoolName: 'a' });
    const poolB = h.cognito.createUserPool({ UserPoolName: 'b' });
    const senderOn = (poolId: string) => (stack: Stack) => {
      new InvitationSender(stack, 'Invitations', { userPool: cognito.UserPool.fromUserPoolId(stack, 'Pool', poolId), workers: Workers.fromList([ana]) });
    };
    await h.cfn.deploy(synth(senderOn(poolA)));
    const invocations = await h.cfn.deploy(synth(senderOn(poolB)));
    expect(events(invocations)).toEqual([
      'Update InvitationSender (UPDATE_IN_PROGRESS)',
      'Delete InvitationSender (UPDATE_COMPLETE_CLEANUP_IN_PROGRESS)',
    ]);
    expect(invocations[1].physicalResourceId).toBe(`${poolA}/invitations`);
    expect(h.cognito.users(poolB).map((u) => u.Username)).toEqual(['ana_at_example.com']);
  });

  test('update rollback: a later failure sends the updated sender an Update with old and new properties swapped', async () => {
    const h = harness();
    await h.cfn.deploy(synth(build()));
    const failure = await h.cfn.deploy(synth(build({ workers: Workers.fromList([ana, bo]), broken: true }))).catch((e) => e);
    expect(failure.message).toMatch(/^UPDATE_ROLLBACK_COMPLETE: Properties validation failed for resource Broken with message: #: required key \[Type, Value\] not found/);
    const senderEvents = h.cfn.invocations.filter((i) => i.resourceType === SENDER).slice(1);
    expect(events(senderEvents)).toEqual([
      'Update InvitationSender (UPDATE_IN_PROGRESS)',
      'Update InvitationSender (UPDATE_ROLLBACK_IN_PROGRESS)',
    ]);
    expect(senderEvents[0].data).toMatchObject({ Workers: 2, Invited: 1 });
    expect(senderEvents[1].data).toMatchObject({ Workers: 1, Invited: 0 });
    expect(h.cfn.statuses.slice(-4)).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE']);
  });

  test('create rollback: everything created is deleted in reverse order, the user pool (RetainExceptOnCreate) too', async () => {
    const h = harness();
    const failure = await h.cfn.deploy(synth(build({ broken: true }))).catch((e) => e);
    expect(failure.message).toMatch(/^ROLLBACK_COMPLETE: /);
    expect(events(h.cfn.invocations)).toEqual([
      'Create CallbackReconciler (CREATE_IN_PROGRESS)',
      'Create InvitationSender (CREATE_IN_PROGRESS)',
      'Delete InvitationSender (ROLLBACK_IN_PROGRESS)',
      'Delete CallbackReconciler (ROLLBACK_IN_PROGRESS)',
    ]);
    expect(h.cfn.resources()).toEqual([]);
    expect(h.sagemaker.workforce('labeling')).toBeUndefined();
    // The pool's DeletionPolicy is RetainExceptOnCreate: the failed first deploy leaves no pool
    // behind. The reconciler had turned its deletion protection on, and off again for this.
    const poolId = h.cognito.requests.find((r) => r.operation === 'AdminCreateUser')!.input.UserPoolId;
    expect(h.cognito.hasPool(poolId)).toBe(false);
    expect(h.cognito.requests.filter((r) => r.operation === 'UpdateUserPool').map((r) => r.input.DeletionProtection)).toEqual(['ACTIVE', 'INACTIVE']);
    expect(h.cfn.stackStatus).toBe('ROLLBACK_COMPLETE');
  });

  test('create rollback keeps resources whose DeletionPolicy is Retain', async () => {
    const h = harness();
    await expect(h.cfn.deploy(synth(build({ broken: true, removalPolicy: RemovalPolicy.RETAIN })))).rejects.toThrow(/^ROLLBACK_FAILED|^ROLLBACK_COMPLETE/);
    const poolId = h.cognito.requests.find((r) => r.operation === 'AdminCreateUser')!.input.UserPoolId;
    expect(h.cognito.hasPool(poolId)).toBe(true);
    expect(h.cfn.stackStatus).toBe('ROLLBACK_COMPLETE');
  });

  test('duplicate delivery: every event runs twice, concurrently; nobody gets a second invitation', async () => {
    const h = harness({ duplicateDelivery: true });
    await h.cfn.deploy(synth(build({ workers: Workers.fromList([ana, bo]) })));
    expect(h.cfn.invocations.map((i) => i.runs)).toEqual([2, 2]);
    expect(h.cfn.invocations.every((i) => !i.error)).toBe(true);
    expect(h.cognito.sentEmails.map((e) => e.to).sort()).toEqual(['ana@example.com', 'bo@example.com']);
    await h.cfn.deploy(synth(build({ workers: Workers.fromList([ana]) })));
    expect(h.cfn.invocations.slice(2).map((i) => `${i.requestType} ${i.runs}`)).toEqual(['Update 2']);
  });

  test('stack delete: Delete events in DELETE_IN_PROGRESS, dependents first; the retained pool stays', async () => {
    const h = harness();
    await h.cfn.deploy(synth(build()));
    const poolId = h.cfn.physicalIdOf(POOL);
    const invocations = await h.cfn.deleteStack();
    expect(events(invocations)).toEqual([
      'Delete InvitationSender (DELETE_IN_PROGRESS)',
      'Delete CallbackReconciler (DELETE_IN_PROGRESS)',
    ]);
    expect(h.cfn.stackStatus).toBe('DELETE_COMPLETE');
    expect(h.sagemaker.workforce('labeling')).toBeUndefined();
    expect(h.cognito.hasPool(poolId)).toBe(true);
  });
});
