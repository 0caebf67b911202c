import { harness } from './harness';
import { CognitoBackbone } from '../../src';
import type { ResourceEvent } from '../../src/handlers/dispatch';
import {
  CALLBACK_RECONCILER_RESOURCE_TYPE,
  CallbackReconcilerProperties,
  EXISTING_WORKFORCE_RESOURCE_TYPE,
  INVITATION_SENDER_RESOURCE_TYPE,
  InvitationSenderProperties,
} from '../../src/handlers/types';
import { STACK_ID } from '../fakes/cloudformation-sim';

let requests = 0;

const PLACEHOLDERS = [CognitoBackbone.PLACEHOLDER_CALLBACK_URL, CognitoBackbone.PLACEHOLDER_LOGOUT_URL];
const SUB = 'abc123.labeling.us-east-1.sagemaker.aws';

/** An existing pool with many settings a careless update would lose. */
function richPool(h: ReturnType<typeof harness>) {
  const poolId = h.cognito.createUserPool({
    UserPoolName: 'corp-pool',
    AliasAttributes: ['email'],
    MfaConfiguration: 'OPTIONAL',
    UserPoolTier: 'PLUS',
    UserPoolAddOns: { AdvancedSecurityMode: 'AUDIT' },
    DeletionProtection: 'ACTIVE',
    Policies: {
      PasswordPolicy: {
        MinimumLength: 16,
        RequireUppercase: true,
        RequireLowercase: true,
        RequireNumbers: true,
        RequireSymbols: false,
        TemporaryPasswordValidityDays: 2,
      },
    },
    LambdaConfig: { PreSignUp: 'arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up' },
    UserPoolTags: { team: 'labeling' },
    AutoVerifiedAttributes: ['email'],
    AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
    DeviceConfiguration: { ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true },
    EmailConfiguration: { EmailSendingAccount: 'DEVELOPER', SourceArn: 'arn:aws:ses:us-east-1:123456789012:identity/example.com', From: 'labeling@example.com' },
    AdminCreateUserConfig: { AllowAdminCreateUserOnly: true, InviteMessageTemplate: { EmailSubject: 'old', EmailMessage: 'old {username} {####}', SMSMessage: 'sms {username} {####}' } },
  });
  const clientId = h.cognito.createUserPoolClient(poolId, {
    ClientName: 'portal',
    GenerateSecret: true,
    AllowedOAuthFlowsUserPoolClient: true,
    AllowedOAuthFlows: ['code'],
    AllowedOAuthScopes: ['openid', 'email'],
    SupportedIdentityProviders: ['COGNITO'],
    CallbackURLs: [PLACEHOLDERS[0], 'https://tools.example.com/cb'],
    LogoutURLs: [PLACEHOLDERS[1]],
    DefaultRedirectURI: PLACEHOLDERS[0],
    RefreshTokenValidity: 12,
    TokenValidityUnits: { RefreshToken: 'hours' },
    ReadAttributes: ['email'],
    AuthSessionValidity: 10,
  });
  return { poolId, clientId };
}

function reconcilerEvent(props: Partial<CallbackReconcilerProperties> & { UserPoolId: string; ClientId: string }, requestType: 'Create' | 'Update' | 'Delete' = 'Create', old?: Partial<CallbackReconcilerProperties>) {
  const properties: CallbackReconcilerProperties = {
    PortalSubDomain: SUB,
    PlaceholderUrls: PLACEHOLDERS,
    InvitationSubject: 'Welcome',
    InvitationBody: 'Hi {username}, your password is {####}; sign in at {portalUrl}',
    Fingerprint: 'f1',
    ...props,
  };
  return {
    RequestType: requestType,
    ResourceType: CALLBACK_RECONCILER_RESOURCE_TYPE,
    LogicalResourceId: 'Reconciler',
    RequestId: `request-${++requests}`, // each event is a new one (the fence drops a request delivered twice)
    StackId: STACK_ID,
    ResourceProperties: properties,
    ...(requestType !== 'Create' ? { PhysicalResourceId: `${props.UserPoolId}/${props.ClientId}/callback` } : {}),
    ...(requestType === 'Update' ? { OldResourceProperties: { ...properties, ...old } } : {}),
  } as ResourceEvent<CallbackReconcilerProperties>;
}

function senderEvent(props: Partial<InvitationSenderProperties> & { UserPoolId: string }, requestType: 'Create' | 'Update' | 'Delete' = 'Create') {
  const properties: InvitationSenderProperties = {
    WorkerSources: [{ Inline: [{ username: 'ana', email: 'ana@example.com' }] }],
    RemovedWorkers: 'RETAIN',
    MaxRequestsPerSecond: '48',
    MaxConcurrency: '16',
    ...props,
  };
  return {
    RequestType: requestType,
    ResourceType: INVITATION_SENDER_RESOURCE_TYPE,
    LogicalResourceId: 'Sender',
    RequestId: `request-${++requests}`, // each event is a new one (the fence drops a request delivered twice)
    StackId: STACK_ID,
    ResourceProperties: properties,
    ...(requestType !== 'Create' ? { PhysicalResourceId: `${props.UserPoolId}/invitations` } : {}),
    ...(requestType === 'Update' ? { OldResourceProperties: properties } : {}),
  } as ResourceEvent<InvitationSenderProperties>;
}

describe('CallbackReconciler handler', () => {
  test('on an existing pool, changes only the URLs and the invitation; every other setting is kept', async () => {
    const h = harness();
    const { poolId, clientId } = richPool(h);
    const poolBefore = h.cognito.describePool(poolId);
    const clientBefore = h.cognito.describeClient(poolId, clientId);

    const response = await h.cfn.send(reconcilerEvent({ UserPoolId: poolId, ClientId: clientId }));
    expect(response).toEqual({
      PhysicalResourceId: `${poolId}/${clientId}/callback`,
      Data: { PortalUrl: `https://${SUB}`, CallbackUrl: `https://${SUB}/oauth2/idpresponse`, LogoutUrl: `https://${SUB}/logout` },
    });

    const client = h.cognito.describeClient(poolId, clientId);
    expect(client).toEqual({
      ...clientBefore,
      CallbackURLs: [`https://${SUB}/oauth2/idpresponse`, 'https://tools.example.com/cb'],
      LogoutURLs: [`https://${SUB}/logout`],
      DefaultRedirectURI: `https://${SUB}/oauth2/idpresponse`,
      LastModifiedDate: client.LastModifiedDate,
    });
    const pool = h.cognito.describePool(poolId);
    expect(pool).toEqual({
      ...poolBefore,
      AdminCreateUserConfig: {
        ...poolBefore.AdminCreateUserConfig,
        InviteMessageTemplate: { EmailSubject: 'Welcome', EmailMessage: `Hi {username}, your password is {####}; sign in at https://${SUB}`, SMSMessage: 'sms {username} {####}' },
      },
      LastModifiedDate: pool.LastModifiedDate,
    });
    expect(h.cognito.violations).toEqual([]);
  });

  test('without an invitation to manage, the pool is not even read', async () => {
    const h = harness();
    const { poolId, clientId } = richPool(h);
    await h.cfn.send(reconcilerEvent({ UserPoolId: poolId, ClientId: clientId, InvitationBody: undefined, InvitationSubject: undefined }));
    expect(h.cognito.requests.map((r) => r.operation)).toEqual(['DescribeUserPoolClient', 'UpdateUserPoolClient']);
  });

  test('Delete changes nothing', async () => {
    const h = harness();
    const { poolId, clientId } = richPool(h);
    await h.cfn.send(reconcilerEvent({ UserPoolId: poolId, ClientId: clientId }, 'Delete'));
    expect(h.cognito.requests).toEqual([]);
  });

  test('Delete after a failed Create (the pool never existed) succeeds', async () => {
    const h = harness();
    const response = await h.cfn.send(reconcilerEvent({ UserPoolId: 'us-east-1_Gone', ClientId: 'gone' }, 'Delete'));
    expect(response.PhysicalResourceId).toBe('us-east-1_Gone/gone/callback');
  });

  test('throttled reads and writes are retried with backoff', async () => {
    const h = harness({ throttleRate: 0.6, throttledOperations: ['DescribeUserPoolClient', 'UpdateUserPoolClient', 'DescribeUserPool', 'UpdateUserPool'] });
    const { poolId, clientId } = richPool(h);
    await h.cfn.send(reconcilerEvent({ UserPoolId: poolId, ClientId: clientId }));
    expect(h.cognito.throttled).toBeGreaterThan(0);
    expect(h.cognito.describeClient(poolId, clientId).CallbackURLs[0]).toBe(`https://${SUB}/oauth2/idpresponse`);
    // Exactly one update of each got through.
    expect(h.cognito.count('UpdateUserPoolClient') - (h.cognito.throttledBy.get('UpdateUserPoolClient') ?? 0)).toBe(1);
    expect(h.cognito.count('UpdateUserPool') - (h.cognito.throttledBy.get('UpdateUserPool') ?? 0)).toBe(1);
  });

  test('a missing app client fails with what to do', async () => {
    const h = harness();
    const { poolId } = richPool(h);
    await expect(h.cfn.send(reconcilerEvent({ UserPoolId: poolId, ClientId: 'missing' })))
      .rejects.toThrow(`User pool ${poolId} or its app client missing does not exist (User pool client missing does not exist.). ` +
        'If it was deleted outside CloudFormation, restore it or let the stack create a new one (change the construct id), then deploy again.');
  });

  test('an Update with a new SubDomain removes the old portal\'s URLs', async () => {
    const h = harness();
    const { poolId, clientId } = richPool(h);
    await h.cfn.send(reconcilerEvent({ UserPoolId: poolId, ClientId: clientId, PortalSubDomain: 'old.labeling.us-east-1.sagemaker.aws' }));
    await h.cfn.send(reconcilerEvent({ UserPoolId: poolId, ClientId: clientId }, 'Update', { PortalSubDomain: 'old.labeling.us-east-1.sagemaker.aws' }));
    const client = h.cognito.describeClient(poolId, clientId);
    expect(client.CallbackURLs).toEqual([`https://${SUB}/oauth2/idpresponse`, 'https://tools.example.com/cb']);
    expect(client.LogoutURLs).toEqual([`https://${SUB}/logout`]);
  });

  test('an unknown resource type is refused', async () => {
    const h = harness();
    await expect(h.cfn.send({ ...reconcilerEvent({ UserPoolId: 'p', ClientId: 'c' }), ResourceType: 'Custom::Other' }))
      .rejects.toThrow(`Unknown resource type Custom::Other: this handler serves ${CALLBACK_RECONCILER_RESOURCE_TYPE}, ${INVITATION_SENDER_RESOURCE_TYPE} and ${EXISTING_WORKFORCE_RESOURCE_TYPE}.`);
  });
});

describe('InvitationSender handler', () => {
  test('Delete with RETAIN makes no call; with DELETE on a pool that is gone, succeeds', async () => {
    const h = harness();
    await h.cfn.send(senderEvent({ UserPoolId: 'us-east-1_Gone' }, 'Delete'));
    expect(h.cognito.requests).toEqual([]);
    const response = await h.cfn.send(senderEvent({ UserPoolId: 'us-east-1_Gone', RemovedWorkers: 'DELETE' }, 'Delete'));
    expect(response.PhysicalResourceId).toBe('us-east-1_Gone/invitations');
  });

  test('Delete whose worker list is gone from S3 succeeds and removes nobody', async () => {
    const h = harness();
    const { poolId } = richPool(h);
    const response = await h.cfn.send(senderEvent({ UserPoolId: poolId, RemovedWorkers: 'DISABLE', WorkerSources: [{ Bucket: 'assets', Key: 'gone.json' }] }, 'Delete'));
    expect(response.Data).toMatchObject({ Removed: 0 });
  });

  test('an email another user already has fails with what to fix', async () => {
    const h = harness();
    const { poolId } = richPool(h);
    await h.cfn.send(senderEvent({ UserPoolId: poolId }));
    await expect(h.cfn.send(senderEvent({ UserPoolId: poolId, WorkerSources: [{ Inline: [{ username: 'ana2', email: 'ana@example.com' }] }] })))
      .rejects.toThrow(`Inviting worker #1 of the list: another user of ${poolId} already has this worker\'s email. Remove the duplicate or the other user.`);
  });

  test('federated users are never removed by an authoritative list', async () => {
    const h = harness();
    const { poolId } = richPool(h);
    const list = (...names: string[]) => [{ Inline: names.map((username) => ({ username, email: `${username}@example.com` })) }];
    await h.cfn.send(senderEvent({ UserPoolId: poolId, WorkerSources: list('ana', 'bo', 'cy') }));
    (h.cognito as any).pools.get(poolId).users.get('bo').UserStatus = 'EXTERNAL_PROVIDER';
    const response = await h.cfn.send(senderEvent({ UserPoolId: poolId, RemovedWorkers: 'DELETE', PoolOwned: 'true', WorkerSources: list('cy') }, 'Update'));
    expect(response.Data).toMatchObject({ Removed: 1 });
    expect(h.cognito.users(poolId).map((u) => u.Username)).toEqual(['bo', 'cy']);
  });

  test('group membership follows the list: members added and removed', async () => {
    const h = harness();
    const { poolId } = richPool(h);
    h.cognito.createGroup(poolId, 'team-a');
    await h.cfn.send(senderEvent({
      UserPoolId: poolId,
      ManagedGroups: ['team-a'],
      WorkerSources: [{ Inline: [{ username: 'ana', email: 'ana@example.com', groups: ['team-a'] }, { username: 'bo', email: 'bo@example.com', groups: ['team-a'] }] }],
    }));
    expect(h.cognito.groupMembers(poolId, 'team-a')).toEqual(['ana', 'bo']);
    const response = await h.cfn.send(senderEvent({
      UserPoolId: poolId,
      ManagedGroups: ['team-a'],
      WorkerSources: [{ Inline: [{ username: 'ana', email: 'ana@example.com' }, { username: 'bo', email: 'bo@example.com', groups: ['team-a'] }] }],
    }, 'Update'));
    expect(response.Data).toMatchObject({ MembershipChanges: 1, Invited: 0 });
    expect(h.cognito.groupMembers(poolId, 'team-a')).toEqual(['bo']);
  });

  test('a worker listed twice with different emails is refused', async () => {
    const h = harness();
    const { poolId } = richPool(h);
    await expect(h.cfn.send(senderEvent({
      UserPoolId: poolId,
      WorkerSources: [{ Inline: [{ username: 'ana', email: 'ana@example.com' }] }, { Inline: [{ username: 'ANA', email: 'other@example.com' }] }],
    }))).rejects.toThrow('A worker is listed with two different emails; give each worker one user name and email.');
  });

  test('SuppressEmails creates the workers without an email', async () => {
    const h = harness();
    const { poolId } = richPool(h);
    const response = await h.cfn.send(senderEvent({ UserPoolId: poolId, SuppressEmails: 'true' }));
    expect(response.Data).toMatchObject({ Invited: 1 });
    expect(h.cognito.users(poolId).map((u) => u.Username)).toEqual(['ana']);
    expect(h.cognito.sentEmails).toEqual([]);
    expect(h.cognito.requests.find((r) => r.operation === 'AdminCreateUser')!.input.MessageAction).toBe('SUPPRESS');
  });

  test('the daily email limit fails with what to do', async () => {
    const h = harness();
    const { poolId } = richPool(h);
    h.cognito.failAfter('AdminCreateUser', 0, 'LimitExceededException');
    // A Create during a stack update (a sender added to a deployed stack): the pool stays.
    await expect(h.cfn.send(senderEvent({ UserPoolId: poolId }), 'UPDATE_IN_PROGRESS')).rejects.toThrow(
      'Inviting worker #1 of the list hit a Cognito limit (Injected LimitExceededException). If it is the daily email limit of Cognito\'s default sender, ' +
      'configure SES on the user pool (`email: UserPoolEmail.withSES(...)`) and deploy again: workers already invited are kept and not invited again.');
  });

  test('a rate that is not a positive number is refused', async () => {
    const h = harness();
    const { poolId } = richPool(h);
    await expect(h.cfn.send(senderEvent({ UserPoolId: poolId, MaxRequestsPerSecond: 'fast' })))
      .rejects.toThrow('MaxRequestsPerSecond must be a positive number, got "fast".');
  });
});
