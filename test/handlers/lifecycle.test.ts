import { writeFileSync, mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import { harness, synth, writes } from './harness';
import { CognitoBackbone, PrivateWorkforce, PrivateWorkforceProps, WorkerRemovalPolicy, Workers } from '../../src';
import { STACK_ID } from '../fakes/cloudformation-sim';

const POOL = 'AWS::Cognito::UserPool';
const CLIENT = 'AWS::Cognito::UserPoolClient';
const PLACEHOLDERS = [CognitoBackbone.PLACEHOLDER_CALLBACK_URL, CognitoBackbone.PLACEHOLDER_LOGOUT_URL];

const twoWorkers = Workers.fromList([{ email: 'ana@example.com' }, { email: 'bo@example.com', username: 'bo' }]);
const build = (props: PrivateWorkforceProps = {}) => (stack: Stack) => {
  new PrivateWorkforce(stack, 'Workforce', { workforceName: 'labeling', workers: twoWorkers, ...props });
};

/** The portal the simulator's workforce has now. */
function portal(h: ReturnType<typeof harness>): string {
  return `https://${h.cfn.attributesOf('AWS::SageMaker::Workforce').SubDomain}`;
}

describe('lifecycle of a PrivateWorkforce against the fakes', () => {
  test('first create: portal URLs replace the placeholders, invitations carry the portal URL', async () => {
    const h = harness();
    const invocations = await h.cfn.deploy(synth(build()));

    expect(invocations.map((i) => `${i.requestType} ${i.resourceType}`)).toEqual([
      'Create Custom::PrivateWorkforceCallbackReconciler',
      'Create Custom::PrivateWorkforceInvitationSender',
    ]);
    const client = h.cognito.describeClient(h.cfn.physicalIdOf(POOL), h.cfn.physicalIdOf(CLIENT));
    expect(client.CallbackURLs).toEqual([`${portal(h)}/oauth2/idpresponse`]);
    expect(client.LogoutURLs).toEqual([`${portal(h)}/logout`]);
    expect(client.AllowedOAuthFlows).toEqual(['code']);
    expect(client.ClientSecret).toBe('secret-that-must-survive-updates');

    const pool = h.cognito.describePool(h.cfn.physicalIdOf(POOL));
    expect(pool.MfaConfiguration).toBe('ON');
    expect(pool.AdminCreateUserConfig.InviteMessageTemplate.EmailMessage).toContain(portal(h));

    expect(h.cognito.sentEmails.map((e) => [e.to, e.username])).toEqual(expect.arrayContaining([
      ['ana@example.com', 'ana_at_example.com'],
      ['bo@example.com', 'bo'],
    ]));
    expect(h.cognito.sentEmails).toHaveLength(2);
    for (const email of h.cognito.sentEmails) {
      expect(email.body).toContain(portal(h));
    }
    expect(h.cognito.violations).toEqual([]);
  });

  test('redeploy with nothing changed: no custom resource runs, nothing is written', async () => {
    const h = harness();
    const stack = synth(build());
    await h.cfn.deploy(stack);
    const before = h.cognito.requests.length;
    expect(await h.cfn.deploy(synth(build()))).toEqual([]);
    expect(h.cognito.requests.length).toBe(before);
  });

  test('an Update event when everything is already right reads but writes nothing', async () => {
    const h = harness();
    await h.cfn.deploy(synth(build()));
    const before = h.cognito.requests.length;
    for (const { logicalId, resourceType } of h.cfn.invocations) {
      const properties = h.cfn.propertiesOf(logicalId);
      await h.cfn.send({
        RequestType: 'Update',
        ResourceType: resourceType,
        LogicalResourceId: logicalId,
        RequestId: 'again',
        StackId: STACK_ID,
        PhysicalResourceId: 'same',
        ResourceProperties: properties,
        OldResourceProperties: properties,
      });
    }
    expect(writes(h.cognito, before)).toEqual([]);
    expect(h.cognito.sentEmails).toHaveLength(2);
  });

  test('redeploy after a pool change: the reconciler runs again and every other setting is intact', async () => {
    const h = harness();
    await h.cfn.deploy(synth(build()));
    const poolId = h.cfn.physicalIdOf(POOL);
    const before = h.cognito.describePool(poolId);

    const invocations = await h.cfn.deploy(synth(build({ passwordPolicy: { minLength: 14 } })));
    expect(invocations.map((i) => `${i.requestType} ${i.resourceType}`)).toEqual(['Update Custom::PrivateWorkforceCallbackReconciler']);

    const after = h.cognito.describePool(poolId);
    expect(after.Policies.PasswordPolicy.MinimumLength).toBe(14);
    expect(after.AdminCreateUserConfig.InviteMessageTemplate.EmailMessage).toContain(portal(h));
    expect(after.MfaConfiguration).toBe('ON');
    const unchanged = (pool: any) => ({ ...pool, Policies: undefined, LastModifiedDate: undefined });
    expect(unchanged(after)).toEqual(unchanged(before));
    expect(h.cognito.violations).toEqual([]);
  });

  test('without the reconciler re-running, the pool change would have broken the invitation (the fake resets it)', async () => {
    const h = harness();
    await h.cfn.deploy(synth(build()));
    const poolId = h.cfn.physicalIdOf(POOL);
    const v2 = synth(build({ passwordPolicy: { minLength: 14 } }));
    const poolProps = Object.values<any>(v2.template.Resources).find((r) => r.Type === POOL).Properties;
    h.cognito.cloudFormationUpdateUserPool(poolId, JSON.parse(JSON.stringify(poolProps)));
    expect(h.cognito.describePool(poolId).AdminCreateUserConfig.InviteMessageTemplate.EmailMessage).not.toContain(portal(h));
  });

  test('redeploy after a client change: the placeholder CloudFormation wrote back is replaced again', async () => {
    const h = harness();
    await h.cfn.deploy(synth(build()));
    const poolId = h.cfn.physicalIdOf(POOL);
    const clientId = h.cfn.physicalIdOf(CLIENT);

    const invocations = await h.cfn.deploy(synth(build({ refreshTokenValidity: Duration.days(7) })));
    expect(invocations.map((i) => `${i.requestType} ${i.resourceType}`)).toEqual(['Update Custom::PrivateWorkforceCallbackReconciler']);

    const client = h.cognito.describeClient(poolId, clientId);
    expect(client.RefreshTokenValidity).toBe(10080);
    expect(client.CallbackURLs).toEqual([`${portal(h)}/oauth2/idpresponse`]);
    expect(client.LogoutURLs).toEqual([`${portal(h)}/logout`]);
    expect(client.CallbackURLs).not.toContain(PLACEHOLDERS[0]);
    expect(client.AllowedOAuthFlows).toEqual(['code']);
    expect(client.AllowedOAuthScopes).toEqual(['email', 'openid', 'profile']);
    expect(client.ExplicitAuthFlows).toEqual(['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
    expect(client.PreventUserExistenceErrors).toBe('ENABLED');
    expect(h.cognito.describePool(poolId).MfaConfiguration).toBe('ON');
    expect(h.cognito.violations).toEqual([]);
  });

  test('extra callback URLs the user configured are kept next to the portal\'s', async () => {
    const h = harness();
    await h.cfn.deploy(synth(build({ additionalCallbackUrls: ['https://tools.example.com/cb'] })));
    const client = h.cognito.describeClient(h.cfn.physicalIdOf(POOL), h.cfn.physicalIdOf(CLIENT));
    expect(client.CallbackURLs).toEqual([`${portal(h)}/oauth2/idpresponse`, 'https://tools.example.com/cb']);
  });

  test('workforce replaced: the new SubDomain is wired and the old URLs are gone', async () => {
    const h = harness();
    await h.cfn.deploy(synth(build()));
    const oldPortal = portal(h);

    const invocations = await h.cfn.deploy(synth(build({ workforceName: 'labeling-v2' })));
    expect(invocations.map((i) => `${i.requestType} ${i.resourceType}`)).toEqual([
      'Update Custom::PrivateWorkforceCallbackReconciler',
      'Update Custom::PrivateWorkforceInvitationSender',
    ]);
    expect(portal(h)).not.toBe(oldPortal);
    const client = h.cognito.describeClient(h.cfn.physicalIdOf(POOL), h.cfn.physicalIdOf(CLIENT));
    expect(client.CallbackURLs).toEqual([`${portal(h)}/oauth2/idpresponse`]);
    expect(client.LogoutURLs).toEqual([`${portal(h)}/logout`]);
    expect(h.cognito.describePool(h.cfn.physicalIdOf(POOL)).AdminCreateUserConfig.InviteMessageTemplate.EmailMessage).toContain(portal(h));
    expect(h.cognito.sentEmails).toHaveLength(2); // nobody is invited twice
  });

  test('CloudFormation retrying a Create: no duplicate invitation, no error', async () => {
    const h = harness();
    await h.cfn.deploy(synth(build()));
    const sender = h.cfn.invocations.find((i) => i.resourceType === 'Custom::PrivateWorkforceInvitationSender')!;
    const response = await h.cfn.send({
      RequestType: 'Create',
      ResourceType: sender.resourceType,
      LogicalResourceId: sender.logicalId,
      RequestId: 'retry',
      StackId: STACK_ID,
      ResourceProperties: h.cfn.propertiesOf(sender.logicalId),
    }, 'CREATE_IN_PROGRESS');
    expect(response.Data).toMatchObject({ Workers: 2, Invited: 0, AlreadyPresent: 2 });
    expect(h.cognito.sentEmails).toHaveLength(2);
    expect(h.cognito.count('AdminCreateUser')).toBe(2);
  });

  test('an update whose invitations failed half way rolls back, and the next deploy invites only the rest', async () => {
    const h = harness();
    await h.cfn.deploy(synth(build()));
    const workers = Workers.fromList(Array.from({ length: 30 }, (_, i) => ({ email: `w${i}@example.com` })));
    // Invitations fail for good after 15 (an error that is not retried): the update rolls back.
    h.cognito.failAfter('AdminCreateUser', 15, 'InvalidParameterException');
    await expect(h.cfn.deploy(synth(build({ workers })))).rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE: .*Inviting worker .* failed: InvalidParameterException/);
    expect(h.cfn.stackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(h.cognito.sentEmails).toHaveLength(2 + 15);

    h.cognito.clearFaults();
    const invocations = await h.cfn.deploy(synth(build({ workers })));
    expect(invocations.map((i) => i.data)).toEqual([expect.objectContaining({ Workers: 30, Invited: 15, AlreadyPresent: 15 })]);
    expect(h.cognito.sentEmails).toHaveLength(2 + 30);
    expect(new Set(h.cognito.sentEmails.map((e) => e.to)).size).toBe(2 + 30);
  });

  test('workers added and removed: only the added are invited; removed ones are kept by default', async () => {
    const h = harness();
    await h.cfn.deploy(synth(build()));
    const invocations = await h.cfn.deploy(synth(build({
      workers: Workers.fromList([{ email: 'ana@example.com' }, { email: 'cy@example.com' }]),
    })));
    expect(invocations.map((i) => i.requestType)).toEqual(['Update']);
    expect(invocations[0].data).toMatchObject({ Workers: 2, Invited: 1, AlreadyPresent: 1, Removed: 0 });
    expect(h.cognito.sentEmails.map((e) => e.to).sort()).toEqual(['ana@example.com', 'bo@example.com', 'cy@example.com']);
    expect(h.cognito.users(h.cfn.physicalIdOf(POOL)).map((u) => [u.Username, u.Enabled]).sort()).toEqual([
      ['ana_at_example.com', true], ['bo', true], ['cy_at_example.com', true],
    ]);
  });

  test('removedWorkers DISABLE disables removed workers and enables them again when re-listed', async () => {
    const h = harness();
    await h.cfn.deploy(synth(build({ removedWorkers: WorkerRemovalPolicy.DISABLE })));
    const poolId = h.cfn.physicalIdOf(POOL);
    await h.cfn.deploy(synth(build({ removedWorkers: WorkerRemovalPolicy.DISABLE, workers: Workers.fromList([{ email: 'ana@example.com' }]) })));
    expect(h.cognito.users(poolId).map((u) => [u.Username, u.Enabled]).sort()).toEqual([['ana_at_example.com', true], ['bo', false]]);

    const again = await h.cfn.deploy(synth(build({ removedWorkers: WorkerRemovalPolicy.DISABLE })));
    expect(again[0].data).toMatchObject({ Invited: 0, Reenabled: 1 });
    expect(h.cognito.users(poolId).map((u) => [u.Username, u.Enabled]).sort()).toEqual([['ana_at_example.com', true], ['bo', true]]);
    expect(h.cognito.sentEmails).toHaveLength(2);
  });

  test('removedWorkers DELETE deletes removed workers; deleting the stack removes the rest only when asked', async () => {
    for (const removeWorkersOnStackDelete of [false, true]) {
      const h = harness();
      await h.cfn.deploy(synth(build({ removedWorkers: WorkerRemovalPolicy.DELETE, removeWorkersOnStackDelete })));
      const poolId = h.cfn.physicalIdOf(POOL);
      await h.cfn.deploy(synth(build({ removedWorkers: WorkerRemovalPolicy.DELETE, removeWorkersOnStackDelete, workers: Workers.fromList([{ email: 'ana@example.com' }]) })));
      expect(h.cognito.users(poolId).map((u) => u.Username)).toEqual(['ana_at_example.com']);
      await h.cfn.deleteStack();
      expect(h.cognito.users(poolId).map((u) => u.Username)).toEqual(removeWorkersOnStackDelete ? [] : ['ana_at_example.com']);
    }
  });

  test('a work team\'s group follows its worker list across deploys', async () => {
    const h = harness();
    const withTeam = (emails: string[]) => (stack: Stack) => {
      const workforce = new PrivateWorkforce(stack, 'Workforce', { workforceName: 'labeling' });
      workforce.addWorkteam('Cats', { description: 'Cats', workteamName: 'cats', workers: Workers.fromList(emails.map((email) => ({ email }))) });
    };
    await h.cfn.deploy(synth(withTeam(['ana@example.com', 'bo@example.com'])));
    const poolId = h.cfn.physicalIdOf(POOL);
    expect(h.cognito.groupMembers(poolId, 'workteam-cats')).toEqual(['ana_at_example.com', 'bo_at_example.com']);
    const invocations = await h.cfn.deploy(synth(withTeam(['bo@example.com', 'cy@example.com'])));
    expect(invocations.map((i) => i.data)).toEqual([expect.objectContaining({ Invited: 1, MembershipChanges: 2 })]);
    expect(h.cognito.groupMembers(poolId, 'workteam-cats')).toEqual(['bo_at_example.com', 'cy_at_example.com']);
    expect(h.cognito.users(poolId).map((u) => u.Username).sort()).toEqual(['ana_at_example.com', 'bo_at_example.com', 'cy_at_example.com']);
  });

  test('workers from a CSV file travel as an S3 asset and are invited from it', async () => {
    const h = harness();
    const dir = mkdtempSync(join(tmpdir(), 'workers-'));
    const file = join(dir, 'workers.csv');
    writeFileSync(file, 'email,username\nana@example.com,\n"bo@example.com",bo\n');
    await h.cfn.deploy(synth(build({ workers: Workers.fromFile(file) })));
    expect(h.s3.gets).toHaveLength(1);
    expect(h.cognito.sentEmails.map((e) => e.username).sort()).toEqual(['ana_at_example.com', 'bo']);
    expect(h.s3.violations).toEqual([]);
  });
});
