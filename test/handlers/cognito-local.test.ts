import { ChildProcess, spawn } from 'child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { createServer, Socket } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import * as sdk from '@aws-sdk/client-cognito-identity-provider';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { Stack } from 'aws-cdk-lib';
import * as cdkCognito from 'aws-cdk-lib/aws-cognito';
import { FENCE_TABLE_DEFINITION, synth } from './harness';
import { CognitoBackbone, InvitationSender, Workers } from '../../src';
import { runPlanCommand } from '../../src/cli/plan-command';
import { systemClock } from '../../src/handlers/clock';
import { createHandler, ResourceEvent } from '../../src/handlers/dispatch';
import { CALLBACK_RECONCILER_RESOURCE_TYPE, INVITATION_SENDER_RESOURCE_TYPE } from '../../src/handlers/types';
import { FakeCloudFormation } from '../fakes/fake-cloudformation';
import { FakeDynamoDB } from '../fakes/fake-dynamodb';

// The same flows against cognito-local, a second and independent Cognito implementation, started
// on 127.0.0.1 by the test. It is faithful for app client URLs, AdminCreateUser, ListUsers and
// groups; its UpdateUserPool drops omitted fields and its UpdateUserPoolClient merges, so the
// read-modify-write checks live in the fake's tests.

let server: ChildProcess;
let dir: string;
let cognito: sdk.CognitoIdentityProviderClient;
const SUB = 'local123.labeling.us-east-1.sagemaker.aws';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    if (open) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`cognito-local did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cognito-local-'));
  // cognito-local's pools default to email user names; the library's pools use email as an alias.
  mkdirSync(join(dir, '.cognito'));
  writeFileSync(join(dir, '.cognito', 'config.json'), JSON.stringify({ UserPoolDefaults: { UsernameAttributes: [] } }));
  const port = await freePort();
  server = spawn(process.execPath, [require.resolve('cognito-local/lib/bin/start.js')], {
    cwd: dir,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: 'ignore',
  });
  await waitForPort(port, 30_000);
  cognito = new sdk.CognitoIdentityProviderClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}, 60_000);

afterAll(() => {
  server?.kill();
  rmSync(dir, { recursive: true, force: true });
});

// The stack the events come from is in an operation (in-process fake); the fence table is the fake's.
const stackStatus = { value: 'CREATE_IN_PROGRESS' };
const fences = new FakeDynamoDB({ clock: systemClock });
fences.createTable('fence', FENCE_TABLE_DEFINITION);
const STACK = 'arn:aws:cloudformation:us-east-1:123456789012:stack/Local/1';

function handler() {
  // Cognito is cognito-local's: S3, SageMaker and Lambda point at nothing (these events never use them).
  const nowhere = { region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const cloudFormation = new FakeCloudFormation({ stackId: STACK, stackName: 'Local', status: () => stackStatus.value, resources: () => [], template: () => ({}) });
  return createHandler({
    cognito,
    dynamodb: fences.client(),
    fenceTable: 'fence',
    s3: new S3Client(nowhere),
    sagemaker: new SageMakerClient(nowhere),
    cloudFormation: cloudFormation.client(),
    lambda: new LambdaClient(nowhere),
    clock: systemClock,
    log: () => undefined,
  });
}

let requests = 0;
function event(resourceType: string, properties: any, requestType: 'Create' | 'Update' = 'Create'): ResourceEvent<any> {
  stackStatus.value = `${requestType.toUpperCase()}_IN_PROGRESS`;
  return {
    RequestType: requestType,
    ResourceType: resourceType,
    LogicalResourceId: 'Local',
    RequestId: `local-${++requests}`,
    StackId: STACK,
    ResourceProperties: properties,
    ...(requestType === 'Update' ? { PhysicalResourceId: 'local', OldResourceProperties: properties } : {}),
  } as ResourceEvent<any>;
}

async function newPool() {
  const pool = await cognito.send(new sdk.CreateUserPoolCommand({
    PoolName: 'workers',
    AliasAttributes: ['email'],
    AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
  }));
  const client = await cognito.send(new sdk.CreateUserPoolClientCommand({
    UserPoolId: pool.UserPool!.Id!,
    ClientName: 'portal',
    GenerateSecret: true,
    AllowedOAuthFlowsUserPoolClient: true,
    AllowedOAuthFlows: ['code'],
    AllowedOAuthScopes: ['openid', 'email', 'profile'],
    SupportedIdentityProviders: ['COGNITO'],
    CallbackURLs: [CognitoBackbone.PLACEHOLDER_CALLBACK_URL, 'https://tools.example.com/cb'],
    LogoutURLs: [CognitoBackbone.PLACEHOLDER_LOGOUT_URL],
  }));
  return { poolId: pool.UserPool!.Id!, clientId: client.UserPoolClient!.ClientId! };
}

describe('handlers against cognito-local', () => {
  test('the reconciler puts the portal URLs in the app client and keeps the rest', async () => {
    const { poolId, clientId } = await newPool();
    await handler()(event(CALLBACK_RECONCILER_RESOURCE_TYPE, {
      UserPoolId: poolId,
      ClientId: clientId,
      PortalSubDomain: SUB,
      PlaceholderUrls: [CognitoBackbone.PLACEHOLDER_CALLBACK_URL, CognitoBackbone.PLACEHOLDER_LOGOUT_URL],
      Fingerprint: 'x',
    }));
    const client = (await cognito.send(new sdk.DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId }))).UserPoolClient!;
    expect(client.CallbackURLs).toEqual([`https://${SUB}/oauth2/idpresponse`, 'https://tools.example.com/cb']);
    expect(client.LogoutURLs).toEqual([`https://${SUB}/logout`]);
    expect(client.AllowedOAuthFlows).toEqual(['code']);
    expect(client.AllowedOAuthScopes).toEqual(['openid', 'email', 'profile']);
    expect(client.ClientSecret).toBeDefined();
  });

  test('the sender invites each worker once, puts team members in their group, and a repeat does nothing', async () => {
    const { poolId } = await newPool();
    await cognito.send(new sdk.CreateGroupCommand({ UserPoolId: poolId, GroupName: 'team-a' }));
    const properties = {
      UserPoolId: poolId,
      WorkerSources: [{
        Inline: [
          { username: 'ana', email: 'ana@example.com', groups: ['team-a'] },
          { username: 'bo', email: 'bo@example.com' },
          { username: 'cy', email: 'cy@example.com', groups: ['team-a'] },
        ],
      }],
      ManagedGroups: ['team-a'],
      RemovedWorkers: 'RETAIN',
      MaxRequestsPerSecond: '20',
      MaxConcurrency: '4',
    };
    const first = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, properties));
    expect(first.Data).toMatchObject({ Workers: 3, Invited: 3, AlreadyPresent: 0, MembershipChanges: 2 });

    const users = (await cognito.send(new sdk.ListUsersCommand({ UserPoolId: poolId }))).Users!;
    expect(users.map((u) => u.Username).sort()).toEqual(['ana', 'bo', 'cy']);
    expect(users.every((u) => u.UserStatus === 'FORCE_CHANGE_PASSWORD')).toBe(true);
    const members = (await cognito.send(new sdk.ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: 'team-a' }))).Users!;
    expect(members.map((u) => u.Username).sort()).toEqual(['ana', 'cy']);

    const again = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, properties, 'Update'));
    expect(again.Data).toMatchObject({ Workers: 3, Invited: 0, AlreadyPresent: 3, MembershipChanges: 0 });
  });

  test('AdminCreateUser of an existing user is success, not a second invitation', async () => {
    const { poolId } = await newPool();
    await cognito.send(new sdk.AdminCreateUserCommand({ UserPoolId: poolId, Username: 'ana', UserAttributes: [{ Name: 'email', Value: 'ana@example.com' }], DesiredDeliveryMediums: ['EMAIL'] }));
    const response = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, {
      UserPoolId: poolId,
      WorkerSources: [{ Inline: [{ username: 'ana', email: 'ana@example.com' }] }],
      RemovedWorkers: 'RETAIN',
      MaxRequestsPerSecond: '20',
      MaxConcurrency: '4',
    }));
    expect(response.Data).toMatchObject({ Invited: 0, AlreadyPresent: 1 });
  });
});

describe('handlers against cognito-local: a pool that signs in with the email', () => {
  // cognito-local, a third implementation, generates the user names here as the API model says AWS
  // does (and moto does): a handler that matched by the name it sent would find nobody.
  async function emailPool(): Promise<string> {
    const pool = await cognito.send(new sdk.CreateUserPoolCommand({ PoolName: 'emails', UsernameAttributes: ['email'], AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } }));
    await cognito.send(new sdk.CreateGroupCommand({ UserPoolId: pool.UserPool!.Id!, GroupName: 'team-a' }));
    return pool.UserPool!.Id!;
  }
  const props = (poolId: string, emails: string[], extra: object = {}) => ({
    UserPoolId: poolId,
    WorkerSources: [{ Inline: emails.map((e) => ({ username: e, email: e, groups: ['team-a'] })) }],
    ManagedGroups: ['team-a'],
    RemovedWorkers: 'DISABLE',
    PoolOwned: 'true',
    MaxRequestsPerSecond: '20',
    MaxConcurrency: '4',
    ...extra,
  });

  test('the sender finds its workers by email: a repeat deploy invites nobody and disables nobody; a leaver alone is disabled', async () => {
    const poolId = await emailPool();
    const three = ['ana@example.com', 'bo@example.com', 'cy@example.com'];
    const first = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, props(poolId, three)));
    expect(first.Data).toMatchObject({ Workers: 3, Invited: 3, MembershipChanges: 3 });
    const generated = (await cognito.send(new sdk.ListUsersCommand({ UserPoolId: poolId }))).Users!.some((u) => u.Username !== u.Attributes?.find((a) => a.Name === 'email')?.Value);
    // cognito-local 5 generates the user name too, as AWS (the model) and moto do.
    expect(generated).toBe(true);
    const again = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, props(poolId, three), 'Update'));
    expect(again.Data).toMatchObject({ Invited: 0, AlreadyPresent: 3, Removed: 0, MembershipChanges: 0 });
    const leaver = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, props(poolId, three.slice(0, 2)), 'Update'));
    expect(leaver.Data).toMatchObject({ Invited: 0, Disabled: 1 });
    const users = (await cognito.send(new sdk.ListUsersCommand({ UserPoolId: poolId }))).Users!;
    expect(users.map((u) => `${u.Attributes?.find((a) => a.Name === 'email')?.Value}${u.Enabled ? '' : ' (disabled)'}`).sort())
      .toEqual(['ana@example.com', 'bo@example.com', 'cy@example.com (disabled)']);
  });

  test('the access plan command, reading cognito-local, plans what the sender then does', async () => {
    const poolId = await emailPool();
    await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, props(poolId, ['ana@example.com', 'bo@example.com'], { RemovedWorkers: 'RETAIN' })));
    const next = synth((stack: Stack) => {
      const sender = new InvitationSender(stack, 'Invitations', {
        userPool: cdkCognito.UserPool.fromUserPoolId(stack, 'Pool', poolId), emailAsUsername: true, workers: Workers.fromList([{ email: 'ana@example.com' }, { email: 'cy@example.com' }]),
      });
      sender.addGroupMembers('team-a', Workers.fromList([{ email: 'ana@example.com' }, { email: 'cy@example.com' }]));
    });
    const out: string[] = [];
    const cloudFormation = new FakeCloudFormation({ stackId: STACK, stackName: 'Local', status: () => stackStatus.value, resources: () => [], template: () => ({}) });
    const clients = { cloudFormation: cloudFormation.client(), cognito, dynamodb: fences.client(), clock: systemClock };
    expect(await runPlanCommand(['plan', '-o', next.assemblyDir, '--json'], { clientsFor: () => clients, out: (t) => out.push(t), err: (t) => out.push(t) })).toBe(2);
    const counts = JSON.parse(out.join('\n')).senders[0].counts;
    expect(counts).toMatchObject({ invite: 1, join: 1, leave: 1, unchanged: 1 });
    const resource = Object.values<any>(next.template.Resources).find((r) => r.Type === INVITATION_SENDER_RESOURCE_TYPE);
    const { ServiceToken: _token, ...properties } = resource.Properties;
    const done = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, properties, 'Update'));
    expect(done.Data).toMatchObject({ Invited: counts.invite, MembershipChanges: counts.join + counts.leave });
  });
});
