import { spawnSync } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { gunzipSync } from 'zlib';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import * as idp from '@aws-sdk/client-cognito-identity-provider';
import * as ddb from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { Stack } from 'aws-cdk-lib';
import * as cdkCognito from 'aws-cdk-lib/aws-cognito';
import { CognitoBackbone, InvitationSender, Workers } from '../../src';
import { runPlanCommand } from '../../src/cli/plan-command';
import { systemClock } from '../../src/handlers/clock';
import { createHandler, ResourceEvent } from '../../src/handlers/dispatch';
import { CALLBACK_RECONCILER_RESOURCE_TYPE, INVITATION_SENDER_RESOURCE_TYPE } from '../../src/handlers/types';
import { MOTO_ACCOUNT, motoClientConfig, useMotoServer } from '../moto-server';
import { synth } from './harness';

// moto 5.2.5 in server mode (requirements-dev.txt; test/moto-server.ts starts it on 127.0.0.1 for
// this file): a second AWS fake, written by others, beside cognito-local and the project's own fakes.
//
// 1. Fidelity probes record what moto does for the facts the library relies on, next to the text of
//    AWS's own API documentation (the pinned botocore models: each probe checks that the quoted text
//    is there). Where moto differs from that text, the test's name says "moto differs" and the test
//    asserts what moto does, so that a change of moto is noticed; it does not judge which is right.
// 2. Handler scenarios drive the real handler (createHandler) with real SDK v3 clients pointed at moto.

const moto = useMotoServer();

// ---------------------------------------------------------------------------------------------
// AWS's documentation, from the botocore models of .venv (botocore==1.44.8, requirements-dev.txt).

const BOTOCORE_DATA = (() => {
  const lib = join(__dirname, '..', '..', '.venv', 'lib');
  const python = readdirSync(lib).find((d) => d.startsWith('python'))!;
  return join(lib, python, 'site-packages', 'botocore', 'data');
})();
const models = new Map<string, any>();

function model(service: 'cognito-idp' | 'dynamodb' | 'cloudformation'): any {
  if (!models.has(service)) {
    const versions = readdirSync(join(BOTOCORE_DATA, service)).sort();
    const file = join(BOTOCORE_DATA, service, versions[versions.length - 1], 'service-2.json.gz');
    models.set(service, JSON.parse(gunzipSync(readFileSync(file)).toString('utf-8')));
  }
  return models.get(service);
}

/** The documentation of a shape, a member of it, or an operation, as plain text. */
function awsDoc(service: 'cognito-idp' | 'dynamodb' | 'cloudformation', shapeOrOperation: string, member?: string): string {
  const m = model(service);
  const html: string | undefined = member !== undefined
    ? m.shapes[shapeOrOperation]?.members?.[member]?.documentation
    : m.shapes[shapeOrOperation]?.documentation ?? m.operations[shapeOrOperation]?.documentation;
  if (html === undefined) {
    throw new Error(`botocore's ${service} model documents no ${shapeOrOperation}${member ? `.${member}` : ''}`);
  }
  return html.replace(/<[^>]+>/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/\s+/g, ' ').trim();
}

/** The errors an operation may return, per its model. */
function awsErrors(service: 'cognito-idp' | 'dynamodb', operation: string): string[] {
  return (model(service).operations[operation].errors ?? []).map((e: { shape: string }) => e.shape);
}

// ---------------------------------------------------------------------------------------------
// Clients pointed at moto, recording what they send.

interface Sent { readonly operation: string; readonly input: any }

function recorded<C extends { middlewareStack: any }>(client: C, sent: Sent[]): C {
  client.middlewareStack.add((next: any, context: any) => async (args: any) => {
    sent.push({ operation: String(context.commandName).replace(/Command$/, ''), input: args.input });
    return next(args);
  }, { step: 'initialize', name: 'recordSent' });
  return client;
}

let cognitoSent: Sent[] = [];
const cognito = () => recorded(new idp.CognitoIdentityProviderClient(moto.clientConfig()), cognitoSent);
const dynamodb = () => new ddb.DynamoDBClient(moto.clientConfig());

beforeEach(async () => {
  await moto.reset();
  cognitoSent = [];
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error & { $metadata?: unknown; Item?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, and it succeeded');
}

const attribute = (user: { Attributes?: idp.AttributeType[]; UserAttributes?: idp.AttributeType[] }, name: string) =>
  (user.Attributes ?? user.UserAttributes)?.find((a) => a.Name === name)?.Value;

async function poolWith(input: Omit<idp.CreateUserPoolCommandInput, 'PoolName'>): Promise<string> {
  const created = await cognito().send(new idp.CreateUserPoolCommand({ PoolName: 'probe', ...input }));
  return created.UserPool!.Id!;
}

describe('moto fidelity probes: Cognito user names', () => {
  const GENERATES = 'If your user pool only supports phone numbers or email addresses as sign-in attributes, Amazon Cognito automatically generates a username value.';
  const ANY_ALIAS = 'The value of this parameter is typically your user\'s username, but it can be any of their alias attributes. ' +
    'If username isn\'t an alias attribute in your user pool, this value must be the sub of a local user or the username of a user from a third-party IdP.';

  test('email user names: moto generates the Username, a UUID equal to sub, and lists it; AWS documents a generated name, not its form', async () => {
    expect(awsDoc('cognito-idp', 'AdminCreateUserRequest', 'Username')).toContain(GENERATES);
    expect(awsDoc('cognito-idp', 'UserType', 'Username')).toBe('The user\'s username.'); // nothing about its form
    const c = cognito();
    const poolId = await poolWith({ UsernameAttributes: ['email'] });
    const created = (await c.send(new idp.AdminCreateUserCommand({
      UserPoolId: poolId, Username: 'ana@example.com', UserAttributes: [{ Name: 'email', Value: 'ana@example.com' }], MessageAction: 'SUPPRESS',
    }))).User!;
    expect(created.Username).not.toBe('ana@example.com');
    expect(created.Username).toMatch(UUID);
    expect(attribute(created, 'sub')).toBe(created.Username);
    const listed = (await c.send(new idp.ListUsersCommand({ UserPoolId: poolId, AttributesToGet: ['email'] }))).Users!;
    expect(listed.map((u) => [u.Username, attribute(u, 'email')])).toEqual([[created.Username, 'ana@example.com']]);
    // moto refuses a name that is no email in such a pool (AWS: "You can only provide a value if
    // usernames are a valid sign-in attribute for your user pool").
    expect((await failure(c.send(new idp.AdminCreateUserCommand({ UserPoolId: poolId, Username: 'ana', MessageAction: 'SUPPRESS' })))).name)
      .toBe('InvalidParameterException');
  });

  test('email user names: AdminGetUser, AdminDisableUser and AdminAddUserToGroup accept both the generated name and the email in moto', async () => {
    for (const operation of ['AdminGetUserRequest', 'AdminDisableUserRequest', 'AdminAddUserToGroupRequest']) {
      expect(awsDoc('cognito-idp', operation, 'Username')).toContain(ANY_ALIAS);
    }
    const c = cognito();
    const poolId = await poolWith({ UsernameAttributes: ['email'] });
    await c.send(new idp.CreateGroupCommand({ UserPoolId: poolId, GroupName: 'team-a' }));
    await c.send(new idp.CreateGroupCommand({ UserPoolId: poolId, GroupName: 'team-b' }));
    const generated = (await c.send(new idp.AdminCreateUserCommand({
      UserPoolId: poolId, Username: 'ana@example.com', UserAttributes: [{ Name: 'email', Value: 'ana@example.com' }], MessageAction: 'SUPPRESS',
    }))).User!.Username!;
    for (const name of [generated, 'ana@example.com']) {
      expect((await c.send(new idp.AdminGetUserCommand({ UserPoolId: poolId, Username: name }))).Username).toBe(generated);
    }
    await c.send(new idp.AdminAddUserToGroupCommand({ UserPoolId: poolId, GroupName: 'team-a', Username: 'ana@example.com' }));
    await c.send(new idp.AdminAddUserToGroupCommand({ UserPoolId: poolId, GroupName: 'team-b', Username: generated }));
    await c.send(new idp.AdminDisableUserCommand({ UserPoolId: poolId, Username: 'ana@example.com' }));
    expect((await c.send(new idp.AdminGetUserCommand({ UserPoolId: poolId, Username: generated }))).Enabled).toBe(false);
    await c.send(new idp.AdminEnableUserCommand({ UserPoolId: poolId, Username: generated }));
    expect((await c.send(new idp.AdminGetUserCommand({ UserPoolId: poolId, Username: generated }))).Enabled).toBe(true);
    // ListUsersInGroup answers with the generated name, whichever name the member was added with.
    for (const group of ['team-a', 'team-b']) {
      const members = (await c.send(new idp.ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: group }))).Users!;
      expect(members.map((u) => u.Username)).toEqual([generated]);
    }
    // The email in another case is another name to moto (its pool is case-sensitive by default).
    expect((await failure(c.send(new idp.AdminGetUserCommand({ UserPoolId: poolId, Username: 'Ana@Example.com' })))).name).toBe('UserNotFoundException');
  });

  test('email user names: a second AdminCreateUser with the same email is UsernameExistsException in moto, as AWS documents', async () => {
    expect(awsDoc('cognito-idp', 'AdminCreateUserRequest', 'Username')).toContain('The username can\'t be a duplicate of another username in the same user pool.');
    expect(awsErrors('cognito-idp', 'AdminCreateUser')).toContain('UsernameExistsException');
    const c = cognito();
    const poolId = await poolWith({ UsernameAttributes: ['email'] });
    const create = (email: string) => c.send(new idp.AdminCreateUserCommand({
      UserPoolId: poolId, Username: email, UserAttributes: [{ Name: 'email', Value: email }], MessageAction: 'SUPPRESS',
    }));
    await create('ana@example.com');
    expect((await failure(create('ana@example.com'))).name).toBe('UsernameExistsException');
    expect((await c.send(new idp.ListUsersCommand({ UserPoolId: poolId }))).Users).toHaveLength(1);
  });

  test('moto differs: it keeps UsernameConfiguration.CaseSensitive false but ignores it (AWS: users can sign in as username, USERNAME or UserName)', async () => {
    expect(awsDoc('cognito-idp', 'UsernameConfigurationType', 'CaseSensitive'))
      .toContain('Enables case insensitivity for all username input. For example, when this option is set to false , users can sign in using username , USERNAME , or UserName .');
    const c = cognito();
    const poolId = await poolWith({ UsernameConfiguration: { CaseSensitive: false } });
    expect((await c.send(new idp.DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool!.UsernameConfiguration).toEqual({ CaseSensitive: false });
    await c.send(new idp.AdminCreateUserCommand({ UserPoolId: poolId, Username: 'Alice', MessageAction: 'SUPPRESS' }));
    // moto does: another case is another user, for reads and for creation.
    expect((await failure(c.send(new idp.AdminGetUserCommand({ UserPoolId: poolId, Username: 'alice' })))).name).toBe('UserNotFoundException');
    await c.send(new idp.AdminCreateUserCommand({ UserPoolId: poolId, Username: 'alice', MessageAction: 'SUPPRESS' }));
    const names = (await c.send(new idp.ListUsersCommand({ UserPoolId: poolId }))).Users!.map((u) => u.Username).sort();
    expect(names).toEqual(['Alice', 'alice']);
  });

  test('moto differs: in an email-alias pool AdminGetUser by the alias email is UserNotFoundException (AWS: "it can be any of their alias attributes")', async () => {
    expect(awsDoc('cognito-idp', 'AdminGetUserRequest', 'Username')).toContain(ANY_ALIAS);
    const c = cognito();
    const poolId = await poolWith({ AliasAttributes: ['email'] });
    const created = (await c.send(new idp.AdminCreateUserCommand({
      UserPoolId: poolId,
      Username: 'ana',
      UserAttributes: [{ Name: 'email', Value: 'ana@example.com' }, { Name: 'email_verified', Value: 'true' }],
      MessageAction: 'SUPPRESS',
    }))).User!;
    // The user name the caller chose is kept (aliases do not generate one), as in AWS.
    expect(created.Username).toBe('ana');
    expect((await failure(c.send(new idp.AdminGetUserCommand({ UserPoolId: poolId, Username: 'ana@example.com' })))).name).toBe('UserNotFoundException');
    // moto does: nor is the sub taken for the name.
    expect((await failure(c.send(new idp.AdminGetUserCommand({ UserPoolId: poolId, Username: attribute(created, 'sub')! })))).name).toBe('UserNotFoundException');
  });

  test('moto differs: a second user with the same verified alias email is created (AWS: ForceAliasCreation false "throws an AliasExistsException error if the alias already exists")', async () => {
    expect(awsDoc('cognito-idp', 'AdminCreateUserRequest', 'ForceAliasCreation'))
      .toContain('If this parameter is set to False , the API throws an AliasExistsException error if the alias already exists. The default value is False .');
    const c = cognito();
    const poolId = await poolWith({ AliasAttributes: ['email'] });
    for (const name of ['ana', 'ana2']) {
      await c.send(new idp.AdminCreateUserCommand({
        UserPoolId: poolId,
        Username: name,
        UserAttributes: [{ Name: 'email', Value: 'ana@example.com' }, { Name: 'email_verified', Value: 'true' }],
        MessageAction: 'SUPPRESS',
      }));
    }
    const users = (await c.send(new idp.ListUsersCommand({ UserPoolId: poolId }))).Users!;
    expect(users.map((u) => [u.Username, attribute(u, 'email')]).sort()).toEqual([['ana', 'ana@example.com'], ['ana2', 'ana@example.com']]);
  });
});

describe('moto fidelity probes: creation dates and MessageAction RESEND', () => {
  const RESEND = 'Set to RESEND to resend the invitation message to a user that already exists, and to reset the temporary-password duration with a new temporary password.';

  async function invited(c: idp.CognitoIdentityProviderClient, poolId: string) {
    await c.send(new idp.CreateGroupCommand({ UserPoolId: poolId, GroupName: 'team-a' }));
    const user = (await c.send(new idp.AdminCreateUserCommand({
      UserPoolId: poolId, Username: 'bo', UserAttributes: [{ Name: 'email', Value: 'bo@example.com' }], DesiredDeliveryMediums: ['EMAIL'],
    }))).User!;
    await c.send(new idp.AdminAddUserToGroupCommand({ UserPoolId: poolId, GroupName: 'team-a', Username: 'bo' }));
    return user;
  }

  test('ListUsers gives UserCreateDate and UserLastModifiedDate as dates, equal right after AdminCreateUser', async () => {
    expect(awsDoc('cognito-idp', 'UserType', 'UserCreateDate')).toContain('The date and time when the item was created.');
    expect(awsDoc('cognito-idp', 'UserType', 'UserLastModifiedDate')).toContain('The date and time when the item was modified.');
    const c = cognito();
    const poolId = await poolWith({});
    const before = Date.now();
    await invited(c, poolId);
    const [user] = (await c.send(new idp.ListUsersCommand({ UserPoolId: poolId }))).Users!;
    expect(user.UserCreateDate).toBeInstanceOf(Date);
    expect(user.UserLastModifiedDate).toBeInstanceOf(Date);
    expect(user.UserCreateDate!.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    expect(user.UserCreateDate!.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
    expect(user.UserLastModifiedDate!.getTime()).toBe(user.UserCreateDate!.getTime());
    expect(user.UserStatus).toBe('FORCE_CHANGE_PASSWORD');
  });

  test('moto differs: RESEND re-creates the user (new sub, new UserCreateDate, attributes and groups it was not sent are gone; AWS: resends to "a user that already exists")', async () => {
    expect(awsDoc('cognito-idp', 'AdminCreateUserRequest', 'MessageAction')).toContain(RESEND);
    const c = cognito();
    const poolId = await poolWith({});
    const first = await invited(c, poolId);
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // moto's dates have milliseconds; make a change visible
    const resent = (await c.send(new idp.AdminCreateUserCommand({ UserPoolId: poolId, Username: 'bo', MessageAction: 'RESEND' }))).User!;
    const [listed] = (await c.send(new idp.ListUsersCommand({ UserPoolId: poolId }))).Users!;
    expect(listed.Username).toBe('bo');
    expect(listed.UserStatus).toBe('FORCE_CHANGE_PASSWORD');
    // moto does: a new user in the old one's place.
    expect(attribute(resent, 'sub')).not.toBe(attribute(first, 'sub'));
    expect(listed.UserCreateDate!.getTime()).toBeGreaterThan(first.UserCreateDate!.getTime());
    expect(listed.UserLastModifiedDate!.getTime()).toBe(listed.UserCreateDate!.getTime());
    expect(attribute(listed, 'email')).toBeUndefined();
    expect((await c.send(new idp.ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: 'team-a' }))).Users).toEqual([]);
  });

  test('RESEND to a user that does not exist is UserNotFoundException in moto (an error the operation documents)', async () => {
    expect(awsDoc('cognito-idp', 'AdminCreateUserRequest', 'MessageAction')).toContain(RESEND);
    expect(awsErrors('cognito-idp', 'AdminCreateUser')).toContain('UserNotFoundException');
    const c = cognito();
    const poolId = await poolWith({});
    expect((await failure(c.send(new idp.AdminCreateUserCommand({ UserPoolId: poolId, Username: 'nobody', MessageAction: 'RESEND' })))).name)
      .toBe('UserNotFoundException');
    expect((await c.send(new idp.ListUsersCommand({ UserPoolId: poolId }))).Users).toEqual([]);
  });

  test('moto differs: RESEND to a CONFIRMED user succeeds and puts her back in FORCE_CHANGE_PASSWORD (AWS documents UnsupportedUserStateException for AdminCreateUser; the docs do not tie it to RESEND)', async () => {
    expect(awsErrors('cognito-idp', 'AdminCreateUser')).toContain('UnsupportedUserStateException');
    expect(awsDoc('cognito-idp', 'UnsupportedUserStateException')).toBe('The request failed because the user is in an unsupported state.');
    const c = cognito();
    const poolId = await poolWith({});
    await invited(c, poolId);
    await c.send(new idp.AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'bo', Password: 'Correct-Horse-9-Battery', Permanent: true }));
    expect((await c.send(new idp.AdminGetUserCommand({ UserPoolId: poolId, Username: 'bo' }))).UserStatus).toBe('CONFIRMED');
    await c.send(new idp.AdminCreateUserCommand({ UserPoolId: poolId, Username: 'bo', MessageAction: 'RESEND' }));
    expect((await c.send(new idp.AdminGetUserCommand({ UserPoolId: poolId, Username: 'bo' }))).UserStatus).toBe('FORCE_CHANGE_PASSWORD');
  });
});

describe('moto fidelity probes: update APIs', () => {
  const RESETS = 'If you don\'t provide a value for an attribute, Amazon Cognito sets it to its default value.';

  test('moto differs: UpdateUserPoolClient keeps what it is not sent (AWS: "If you don\'t provide a value for an attribute, Amazon Cognito sets it to its default value")', async () => {
    expect(awsDoc('cognito-idp', 'UpdateUserPoolClient')).toContain(RESETS);
    const c = cognito();
    const poolId = await poolWith({});
    const client = (await c.send(new idp.CreateUserPoolClientCommand({
      UserPoolId: poolId,
      ClientName: 'portal',
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email'],
      SupportedIdentityProviders: ['COGNITO'],
      CallbackURLs: ['https://one.example.com/cb'],
      LogoutURLs: ['https://one.example.com/logout'],
    }))).UserPoolClient!;
    await c.send(new idp.UpdateUserPoolClientCommand({ UserPoolId: poolId, ClientId: client.ClientId, CallbackURLs: ['https://two.example.com/cb'] }));
    const after = (await c.send(new idp.DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: client.ClientId }))).UserPoolClient!;
    expect(after.CallbackURLs).toEqual(['https://two.example.com/cb']);
    // moto does: everything it was not sent stays as it was.
    expect(after).toMatchObject({
      ClientName: 'portal',
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email'],
      SupportedIdentityProviders: ['COGNITO'],
      LogoutURLs: ['https://one.example.com/logout'],
    });
  });

  test('UpdateUserPool sets what it is not sent to defaults in moto, as AWS documents (so pool checks against moto can fail)', async () => {
    // (botocore 1.44.8's text; the web page API_UpdateUserPool adds "With the exception of UserPoolTier".)
    expect(awsDoc('cognito-idp', 'UpdateUserPool')).toContain(RESETS);
    const c = cognito();
    const poolId = await poolWith({
      Policies: { PasswordPolicy: { MinimumLength: 16 } },
      AutoVerifiedAttributes: ['email'],
      DeletionProtection: 'ACTIVE',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UserPoolTags: { team: 'labeling' },
    });
    await c.send(new idp.UpdateUserPoolCommand({ UserPoolId: poolId, AdminCreateUserConfig: { InviteMessageTemplate: { EmailSubject: 's', EmailMessage: 'm {username} {####}' } } }));
    const pool = (await c.send(new idp.DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool!;
    expect(pool.Policies?.PasswordPolicy?.MinimumLength).toBe(8);
    expect(pool.AutoVerifiedAttributes).toBeUndefined();
    expect(pool.DeletionProtection).toBeUndefined();
    expect(pool.AdminCreateUserConfig?.AllowAdminCreateUserOnly).toBeUndefined();
    expect(pool.UserPoolTags).toBeUndefined();
  });

  test('moto differs: UpdateUserPool also drops settings fixed at creation (UsernameAttributes, AliasAttributes, UsernameConfiguration), and keeps an omitted MfaConfiguration', async () => {
    expect(awsDoc('cognito-idp', 'CreateUserPoolRequest', 'UsernameConfiguration')).toContain('This configuration is immutable after you set it.');
    const updatable = Object.keys(model('cognito-idp').shapes.UpdateUserPoolRequest.members);
    expect(updatable.filter((m) => ['UsernameAttributes', 'AliasAttributes', 'UsernameConfiguration'].includes(m))).toEqual([]);
    expect(updatable).toContain('MfaConfiguration');
    const c = cognito();
    const emailPool = await poolWith({ UsernameAttributes: ['email'], UsernameConfiguration: { CaseSensitive: false } });
    const aliasPool = await poolWith({ AliasAttributes: ['email'], AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] } });
    await c.send(new idp.SetUserPoolMfaConfigCommand({ UserPoolId: aliasPool, MfaConfiguration: 'ON', SoftwareTokenMfaConfiguration: { Enabled: true } }));
    for (const poolId of [emailPool, aliasPool]) {
      await c.send(new idp.UpdateUserPoolCommand({ UserPoolId: poolId, AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } }));
    }
    const email = (await c.send(new idp.DescribeUserPoolCommand({ UserPoolId: emailPool }))).UserPool!;
    const alias = (await c.send(new idp.DescribeUserPoolCommand({ UserPoolId: aliasPool }))).UserPool!;
    // moto does: the pool forgets how it signs in ...
    expect(email.UsernameAttributes).toBeUndefined();
    expect(email.UsernameConfiguration).toBeUndefined();
    expect(alias.AliasAttributes).toBeUndefined();
    expect(alias.AccountRecoverySetting).toBeUndefined();
    // ... and then takes a user name that is no email, which it refused before the update.
    expect((await c.send(new idp.AdminCreateUserCommand({ UserPoolId: emailPool, Username: 'ana', MessageAction: 'SUPPRESS' }))).User!.Username).toBe('ana');
    // moto does: MFA is left as it was (so a check of MFA after an update proves nothing against moto).
    expect(alias.MfaConfiguration).toBe('ON');
  });
});

describe('moto fidelity probes: CloudFormation stack status', () => {
  test('moto completes stack operations at once: DescribeStacks right after CreateStack and UpdateStack shows no _IN_PROGRESS status', async () => {
    const statuses = model('cloudformation').shapes.StackStatus.enum as string[];
    expect(statuses).toEqual(expect.arrayContaining(['CREATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS', 'DELETE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS']));
    const cfn = new CloudFormationClient(moto.clientConfig());
    const template = (n: number) => JSON.stringify({
      Resources: Object.fromEntries(Array.from({ length: n }, (_, i) => [`Handle${i}`, { Type: 'AWS::CloudFormation::WaitConditionHandle' }])),
    });
    const { StackId } = await cfn.send(new CreateStackCommand({ StackName: 'probe', TemplateBody: template(1) }));
    const status = async () => (await cfn.send(new DescribeStacksCommand({ StackName: StackId }))).Stacks![0].StackStatus;
    expect(await status()).toBe('CREATE_COMPLETE');
    await cfn.send(new UpdateStackCommand({ StackName: StackId, TemplateBody: template(2) }));
    expect(await status()).toBe('UPDATE_COMPLETE');
  });
});

describe('moto fidelity probes: DynamoDB conditional writes (the fence the handler will use)', () => {
  const TABLE = 'fence';
  async function table(d: ddb.DynamoDBClient) {
    await d.send(new ddb.CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
  }
  const item = (seq: number, request: string) => ({ pk: { S: 'stack/resource' }, seq: { N: String(seq) }, request: { S: request } });

  test('PutItem with attribute_not_exists(pk) writes once, then is ConditionalCheckFailedException, as AWS documents', async () => {
    expect(awsDoc('dynamodb', 'PutItemInput', 'ConditionExpression')).toContain('A condition that must be satisfied in order for a conditional PutItem operation to succeed.');
    expect(awsDoc('dynamodb', 'PutItemInput', 'ConditionExpression')).toContain('attribute_exists | attribute_not_exists');
    expect(awsErrors('dynamodb', 'PutItem')).toContain('ConditionalCheckFailedException');
    const d = dynamodb();
    await table(d);
    await d.send(new ddb.PutItemCommand({ TableName: TABLE, Item: item(1, 'a'), ConditionExpression: 'attribute_not_exists(pk)' }));
    const error = await failure(d.send(new ddb.PutItemCommand({ TableName: TABLE, Item: item(2, 'b'), ConditionExpression: 'attribute_not_exists(pk)' })));
    expect(error.name).toBe('ConditionalCheckFailedException');
    expect(error).toBeInstanceOf(ddb.ConditionalCheckFailedException);
    // Without ReturnValuesOnConditionCheckFailure, no item comes with the error.
    expect(error.Item).toBeUndefined();
    const stored = (await d.send(new ddb.GetItemCommand({ TableName: TABLE, Key: { pk: item(0, '').pk }, ConsistentRead: true }))).Item;
    expect(stored).toEqual(item(1, 'a'));
  });

  test('ReturnValuesOnConditionCheckFailure ALL_OLD: the failed PutItem and UpdateItem carry the current item, as AWS documents', async () => {
    expect(awsDoc('dynamodb', 'PutItemInput', 'ReturnValuesOnConditionCheckFailure'))
      .toBe('An optional parameter that returns the item attributes for a PutItem operation that failed a condition check. ' +
        'There is no additional cost associated with requesting a return value aside from the small network and processing overhead of receiving a larger response. ' +
        'No read capacity units are consumed.');
    expect(awsDoc('dynamodb', 'UpdateItemInput', 'ReturnValuesOnConditionCheckFailure'))
      .toContain('returns the item attributes for an UpdateItem operation that failed a condition check.');
    expect(awsDoc('dynamodb', 'ConditionalCheckFailedException', 'Item')).toBe('Item which caused the ConditionalCheckFailedException .');
    const d = dynamodb();
    await table(d);
    await d.send(new ddb.PutItemCommand({ TableName: TABLE, Item: item(5, 'a') }));
    const put = await failure(d.send(new ddb.PutItemCommand({
      TableName: TABLE, Item: item(6, 'b'), ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    })));
    expect(put.name).toBe('ConditionalCheckFailedException');
    expect(put.Item).toEqual(item(5, 'a'));
    const update = await failure(d.send(new ddb.UpdateItemCommand({
      TableName: TABLE,
      Key: { pk: item(0, '').pk },
      UpdateExpression: 'SET #seq = :seq, #request = :request',
      ConditionExpression: '#seq < :seq',
      ExpressionAttributeNames: { '#seq': 'seq', '#request': 'request' },
      ExpressionAttributeValues: { ':seq': { N: '4' }, ':request': { S: 'late' } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    })));
    expect(update.name).toBe('ConditionalCheckFailedException');
    expect(update.Item).toEqual(item(5, 'a'));
  });

  test('UpdateItem with a ConditionExpression comparing attributes: passes and returns ALL_OLD, or fails and writes nothing, as AWS documents', async () => {
    expect(awsDoc('dynamodb', 'UpdateItemInput', 'ConditionExpression')).toContain('A condition that must be satisfied in order for a conditional update to succeed.');
    expect(awsDoc('dynamodb', 'UpdateItemInput', 'ConditionExpression')).toContain('Comparison operators: = | <> | < | > | <= | >= | BETWEEN | IN');
    expect(awsDoc('dynamodb', 'UpdateItemInput', 'ReturnValues')).toContain('ALL_OLD - Returns all of the attributes of the item, as they appeared before the UpdateItem operation.');
    const d = dynamodb();
    await table(d);
    await d.send(new ddb.PutItemCommand({ TableName: TABLE, Item: { ...item(3, 'a'), done: { N: '3' } } }));
    const advance = (seq: number, request: string) => d.send(new ddb.UpdateItemCommand({
      TableName: TABLE,
      Key: { pk: item(0, '').pk },
      UpdateExpression: 'SET #seq = :seq, #request = :request',
      // A newer sequence number than the stored one, for a request other than the stored one, and
      // the stored one finished (one attribute compared with another).
      ConditionExpression: '#seq < :seq AND #request <> :request AND #done = #seq',
      ExpressionAttributeNames: { '#seq': 'seq', '#request': 'request', '#done': 'done' },
      ExpressionAttributeValues: { ':seq': { N: String(seq) }, ':request': { S: request } },
      ReturnValues: 'ALL_OLD',
    }));
    const passed = await advance(4, 'b');
    expect(passed.Attributes).toEqual({ ...item(3, 'a'), done: { N: '3' } });
    // Now seq 4 but done 3: the attribute comparison fails, whatever the values.
    expect((await failure(advance(9, 'c'))).name).toBe('ConditionalCheckFailedException');
    const stored = (await d.send(new ddb.GetItemCommand({ TableName: TABLE, Key: { pk: item(0, '').pk }, ConsistentRead: true }))).Item;
    expect(stored).toEqual({ ...item(4, 'b'), done: { N: '3' } });
  });

  test('PutItem ReturnValues ALL_OLD returns the overwritten item, and no Attributes for a new one, as AWS documents', async () => {
    expect(awsDoc('dynamodb', 'PutItemInput', 'ReturnValues')).toContain('ALL_OLD - If PutItem overwrote an attribute name-value pair, then the content of the old item is returned.');
    const d = dynamodb();
    await table(d);
    expect((await d.send(new ddb.PutItemCommand({ TableName: TABLE, Item: item(1, 'a'), ReturnValues: 'ALL_OLD' }))).Attributes).toBeUndefined();
    expect((await d.send(new ddb.PutItemCommand({ TableName: TABLE, Item: item(2, 'b'), ReturnValues: 'ALL_OLD' }))).Attributes).toEqual(item(1, 'a'));
  });
});

// ---------------------------------------------------------------------------------------------
// The real handler against moto.
//
// The handler's one CloudFormation call here, DescribeStacks of its own stack, is answered by a
// tiny stand-in, not by a stack in moto's CloudFormation: moto completes every stack operation at
// once (probe above), so its DescribeStacks never answers UPDATE_IN_PROGRESS, DELETE_IN_PROGRESS
// or a rollback status, and those are what the sender's removals depend on. The stand-in answers
// the status of the operation the scenario's event belongs to, and refuses every other call.

const STACK_ID = `arn:aws:cloudformation:us-east-1:${MOTO_ACCOUNT}:stack/moto-scenarios/6f1c2a80-0000-4000-8000-000000000017`;
const SUB = 'moto17.labeling.us-east-1.sagemaker.aws';
const PLACEHOLDERS = [CognitoBackbone.PLACEHOLDER_CALLBACK_URL, CognitoBackbone.PLACEHOLDER_LOGOUT_URL];

class StackStatus {
  status = 'CREATE_IN_PROGRESS';
  readonly asked: string[] = [];

  client(): CloudFormationClient {
    const client = new CloudFormationClient(motoClientConfig('http://127.0.0.1:9')); // never reached
    client.middlewareStack.add((_next: any, context: any) => async (args: any) => {
      if (context.commandName !== 'DescribeStacksCommand' || args.input.StackName !== STACK_ID) {
        throw new Error(`this test's CloudFormation answers DescribeStacks of ${STACK_ID} only, got ${context.commandName} ${JSON.stringify(args.input)}`);
      }
      this.asked.push(this.status);
      return {
        output: { $metadata: {}, Stacks: [{ StackId: STACK_ID, StackName: 'moto-scenarios', StackStatus: this.status, CreationTime: new Date() }] },
        response: {},
      };
    }, { step: 'initialize', name: 'stackStatusStandIn' });
    return client;
  }
}

let stack: StackStatus;
let logs: string[];
/** The fence table, in moto's DynamoDB: the handler's conditional writes checked by a DynamoDB nobody here wrote. */
const FENCE = 'moto-fence';
beforeEach(async () => {
  stack = new StackStatus();
  logs = [];
  await new ddb.DynamoDBClient(moto.clientConfig()).send(new ddb.CreateTableCommand({
    TableName: FENCE,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
  }));
});

/** The `sub`s the sender recorded as disabled by itself in a pool (the fence table's records). */
async function disabledRecords(poolId: string): Promise<string[]> {
  const page = await new ddb.DynamoDBClient(moto.clientConfig()).send(new ddb.QueryCommand({
    TableName: FENCE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `disabled#${poolId}` } },
  }));
  return (page.Items ?? []).map((i) => i.sk.S!).sort();
}

function handler() {
  return createHandler({
    cognito: cognito(),
    dynamodb: new ddb.DynamoDBClient(moto.clientConfig()),
    fenceTable: FENCE,
    s3: new S3Client({ ...moto.clientConfig(), forcePathStyle: true }),
    sagemaker: new SageMakerClient(moto.clientConfig()),
    cloudFormation: stack.client(),
    lambda: new LambdaClient(moto.clientConfig()),
    ownStackId: STACK_ID,
    clock: systemClock,
    log: (message) => logs.push(message),
  });
}

let requestCount = 0;
function event(resourceType: string, properties: any, requestType: 'Create' | 'Update' | 'Delete' = 'Create', old: any = properties): ResourceEvent<any> {
  const physical = resourceType === INVITATION_SENDER_RESOURCE_TYPE ? `${properties.UserPoolId}/invitations` : `${properties.UserPoolId}/${properties.ClientId}/callback`;
  return {
    RequestType: requestType,
    ResourceType: resourceType,
    LogicalResourceId: resourceType === INVITATION_SENDER_RESOURCE_TYPE ? 'Invitations' : 'Callback',
    RequestId: `moto-${++requestCount}`,
    StackId: STACK_ID,
    ResourceProperties: properties,
    ...(requestType === 'Create' ? {} : { PhysicalResourceId: physical }),
    ...(requestType === 'Update' ? { OldResourceProperties: old } : {}),
  } as ResourceEvent<any>;
}

/** The operations sent to moto's Cognito since `from` that change something. */
const writesSince = (from: number) => cognitoSent.slice(from).map((s) => s.operation).filter((op) => !/^(Describe|List|AdminGet)/.test(op));

describe('the CallbackReconciler against moto', () => {
  /** A pool and client as CognitoBackbone makes them: placeholders in the client, MFA on, email alias. */
  async function backbonePool() {
    const c = cognito();
    const poolId = await poolWith({
      AliasAttributes: ['email'],
      UsernameConfiguration: { CaseSensitive: false },
      AutoVerifiedAttributes: ['email'],
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
          TemporaryPasswordValidityDays: 7,
        },
      },
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true, InviteMessageTemplate: { EmailSubject: 'Invitation', EmailMessage: 'Hello {username}, {####} at PLACEHOLDER' } },
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
      UserPoolTags: { team: 'labeling' },
    });
    await c.send(new idp.SetUserPoolMfaConfigCommand({ UserPoolId: poolId, MfaConfiguration: 'ON', SoftwareTokenMfaConfiguration: { Enabled: true } }));
    const clientId = (await c.send(new idp.CreateUserPoolClientCommand({
      UserPoolId: poolId,
      ClientName: 'portal',
      GenerateSecret: true,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      SupportedIdentityProviders: ['COGNITO'],
      CallbackURLs: [PLACEHOLDERS[0], 'https://tools.example.com/cb'],
      LogoutURLs: [PLACEHOLDERS[1]],
      RefreshTokenValidity: 12,
      TokenValidityUnits: { RefreshToken: 'hours' },
    }))).UserPoolClient!.ClientId!;
    return { poolId, clientId };
  }
  const properties = (poolId: string, clientId: string, extra: object = {}) => ({
    UserPoolId: poolId, ClientId: clientId, PortalSubDomain: SUB, PlaceholderUrls: PLACEHOLDERS, Fingerprint: 'f1', ...extra,
  });
  const describeClient = async (poolId: string, clientId: string) =>
    (await cognito().send(new idp.DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId }))).UserPoolClient!;

  test('puts the portal URLs in the client in place of the placeholders, sending every setting back', async () => {
    const { poolId, clientId } = await backbonePool();
    const from = cognitoSent.length;
    const response = await handler()(event(CALLBACK_RECONCILER_RESOURCE_TYPE, properties(poolId, clientId)));
    expect(response.Data).toEqual({ PortalUrl: `https://${SUB}`, CallbackUrl: `https://${SUB}/oauth2/idpresponse`, LogoutUrl: `https://${SUB}/logout` });
    const client = await describeClient(poolId, clientId);
    expect(client.CallbackURLs).toEqual([`https://${SUB}/oauth2/idpresponse`, 'https://tools.example.com/cb']);
    expect(client.LogoutURLs).toEqual([`https://${SUB}/logout`]);
    // Against moto, "the client keeps its other settings" proves nothing: moto keeps what an
    // UpdateUserPoolClient omits (probe above), where AWS resets it. What is checked instead is the
    // request: it carries every setting of the client, which is what keeps them in AWS.
    expect(client).toMatchObject({ AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid', 'email', 'profile'], RefreshTokenValidity: 12 });
    const updates = cognitoSent.slice(from).filter((s) => s.operation === 'UpdateUserPoolClient');
    expect(updates).toHaveLength(1);
    expect(updates[0].input).toMatchObject({
      ClientName: 'portal',
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      SupportedIdentityProviders: ['COGNITO'],
      RefreshTokenValidity: 12,
      TokenValidityUnits: { RefreshToken: 'hours' },
    });
  });

  test('a second run with the same properties sends no update, and a new SubDomain replaces the old portal URLs', async () => {
    const { poolId, clientId } = await backbonePool();
    const props = properties(poolId, clientId);
    await handler()(event(CALLBACK_RECONCILER_RESOURCE_TYPE, props));
    const from = cognitoSent.length;
    await handler()(event(CALLBACK_RECONCILER_RESOURCE_TYPE, props, 'Update'));
    expect(writesSince(from)).toEqual([]);
    expect(logs).toContain(`app client ${clientId} already has the portal URLs`);

    const moved = { ...props, PortalSubDomain: 'moto18.labeling.us-east-1.sagemaker.aws' };
    await handler()(event(CALLBACK_RECONCILER_RESOURCE_TYPE, moved, 'Update', props));
    const client = await describeClient(poolId, clientId);
    expect(client.CallbackURLs).toEqual(['https://moto18.labeling.us-east-1.sagemaker.aws/oauth2/idpresponse', 'https://tools.example.com/cb']);
    expect(client.LogoutURLs).toEqual(['https://moto18.labeling.us-east-1.sagemaker.aws/logout']);
  });

  // moto resets what UpdateUserPool omits (probe above), so the pool's settings after the run are a
  // real check of the read-modify-write here, except MFA (moto keeps it anyway: not checked) and the
  // sign-in settings fixed at creation, which moto drops whatever the request (not checked).
  test('puts the portal URL in the invitation and keeps deletion protection on; the pool keeps every other setting', async () => {
    const { poolId, clientId } = await backbonePool();
    const props = properties(poolId, clientId, {
      InvitationSubject: 'Your labeling account',
      InvitationBody: 'Hello {username}, your temporary password is {####}. Sign in at {portalUrl}',
      DeletionProtection: 'ACTIVE',
    });
    await handler()(event(CALLBACK_RECONCILER_RESOURCE_TYPE, props));
    const pool = (await cognito().send(new idp.DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool!;
    expect(pool.AdminCreateUserConfig).toMatchObject({
      AllowAdminCreateUserOnly: true,
      InviteMessageTemplate: { EmailSubject: 'Your labeling account', EmailMessage: `Hello {username}, your temporary password is {####}. Sign in at https://${SUB}` },
    });
    expect(pool.DeletionProtection).toBe('ACTIVE');
    expect(pool.Policies?.PasswordPolicy).toMatchObject({ MinimumLength: 12, RequireSymbols: true, TemporaryPasswordValidityDays: 7 });
    expect(pool.AutoVerifiedAttributes).toEqual(['email']);
    expect(pool.UserPoolTags).toEqual({ team: 'labeling' });
    expect(pool.AccountRecoverySetting).toEqual({ RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] });

    const from = cognitoSent.length;
    await handler()(event(CALLBACK_RECONCILER_RESOURCE_TYPE, props, 'Update'));
    expect(writesSince(from)).toEqual([]);
  });
});

describe('the InvitationSender against moto: a pool with user names (as the library makes it)', () => {
  const worker = (name: string, ...groups: string[]) => ({ username: name, email: `${name}@example.com`, ...(groups.length ? { groups } : {}) });

  async function libraryPool(): Promise<string> {
    const c = cognito();
    const poolId = await poolWith({
      AliasAttributes: ['email'],
      UsernameConfiguration: { CaseSensitive: false },
      AutoVerifiedAttributes: ['email'],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
    for (const group of ['team-a', 'team-b']) {
      await c.send(new idp.CreateGroupCommand({ UserPoolId: poolId, GroupName: group }));
    }
    return poolId;
  }
  const sender = (poolId: string, workers: object[], extra: object = {}) => ({
    UserPoolId: poolId,
    WorkerSources: [{ Inline: workers }],
    ManagedGroups: ['team-a', 'team-b'],
    RemovedWorkers: 'RETAIN',
    PoolOwned: 'true',
    MaxRequestsPerSecond: '20',
    MaxConcurrency: '4',
    ...extra,
  });
  async function users(poolId: string): Promise<string[]> {
    const listed = (await cognito().send(new idp.ListUsersCommand({ UserPoolId: poolId }))).Users!;
    return listed.map((u) => `${u.Username} ${attribute(u, 'email')} ${u.UserStatus}${u.Enabled ? '' : ' disabled'}`).sort();
  }
  const members = async (poolId: string, group: string) =>
    (await cognito().send(new idp.ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: group }))).Users!.map((u) => u.Username).sort();
  const sentSince = (from: number, operation: string) =>
    cognitoSent.slice(from).filter((s) => s.operation === operation).map((s) => s.input.Username).sort();

  test('Create invites every worker once, with a verified email, and puts team members in their groups; no email reaches the log', async () => {
    const poolId = await libraryPool();
    const response = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, sender(poolId, [worker('ana', 'team-a'), worker('bo'), worker('cy', 'team-a', 'team-b')])));
    expect(response).toEqual({
      PhysicalResourceId: `${poolId}/invitations`,
      Data: {
        Workers: 3,
        Invited: 3,
        AlreadyPresent: 0,
        Removed: 0,
        Disabled: 0,
        Deleted: 0,
        Resent: 0,
        ResendsDeferred: 0,
        Reenabled: 0,
        EmailsChanged: 0,
        MembershipChanges: 3,
        Runs: 1,
      },
    });
    expect(await users(poolId)).toEqual(['ana ana@example.com FORCE_CHANGE_PASSWORD', 'bo bo@example.com FORCE_CHANGE_PASSWORD', 'cy cy@example.com FORCE_CHANGE_PASSWORD']);
    const created = (await cognito().send(new idp.AdminGetUserCommand({ UserPoolId: poolId, Username: 'ana' })));
    expect(attribute(created, 'email_verified')).toBe('true');
    expect(await members(poolId, 'team-a')).toEqual(['ana', 'cy']);
    expect(await members(poolId, 'team-b')).toEqual(['cy']);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('\n')).not.toContain('@example.com');
  });

  test('an Update invites only the added worker, and a repeat writes nothing', async () => {
    const poolId = await libraryPool();
    const before = sender(poolId, [worker('ana', 'team-a'), worker('bo')]);
    await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, before));
    const after = sender(poolId, [worker('ana', 'team-a'), worker('bo'), worker('dee', 'team-a')]);
    let from = cognitoSent.length;
    const added = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, after, 'Update', before));
    expect(added.Data).toMatchObject({ Workers: 3, Invited: 1, AlreadyPresent: 2, MembershipChanges: 1 });
    expect(sentSince(from, 'AdminCreateUser')).toEqual(['dee']);
    expect(await members(poolId, 'team-a')).toEqual(['ana', 'dee']);

    from = cognitoSent.length;
    const again = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, after, 'Update', after));
    expect(again.Data).toMatchObject({ Workers: 3, Invited: 0, AlreadyPresent: 3, MembershipChanges: 0 });
    expect(writesSince(from)).toEqual([]);
  });

  test('a worker moved to another team leaves the old group and joins the new one', async () => {
    const poolId = await libraryPool();
    const before = sender(poolId, [worker('ana', 'team-a'), worker('bo', 'team-a')]);
    await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, before));
    const after = sender(poolId, [worker('ana', 'team-a'), worker('bo', 'team-b')]);
    const response = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, after, 'Update', before));
    expect(response.Data).toMatchObject({ MembershipChanges: 2 });
    expect(await members(poolId, 'team-a')).toEqual(['ana']);
    expect(await members(poolId, 'team-b')).toEqual(['bo']);
  });

  test('a worker the pool already has gets no second invitation', async () => {
    const poolId = await libraryPool();
    await cognito().send(new idp.AdminCreateUserCommand({ UserPoolId: poolId, Username: 'ana', UserAttributes: [{ Name: 'email', Value: 'ana@example.com' }], MessageAction: 'SUPPRESS' }));
    const response = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, sender(poolId, [worker('ana')])));
    expect(response.Data).toMatchObject({ Invited: 0, AlreadyPresent: 1 });
    expect(sentSince(0, 'AdminCreateUser')).toEqual(['ana']); // the test's own call: the handler sent none
  });

  test('in a pool the app owns, a changed email is applied and marked verified', async () => {
    const poolId = await libraryPool();
    const before = sender(poolId, [worker('ana')]);
    await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, before));
    const after = sender(poolId, [{ username: 'ana', email: 'ana.new@example.com' }]);
    const response = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, after, 'Update', before));
    expect(response.Data).toMatchObject({ EmailsChanged: 1, Invited: 0 });
    const ana = await cognito().send(new idp.AdminGetUserCommand({ UserPoolId: poolId, Username: 'ana' }));
    expect([attribute(ana, 'email'), attribute(ana, 'email_verified')]).toEqual(['ana.new@example.com', 'true']);
    expect(logs.join('\n')).not.toContain('@example.com');
  });

  test('DISABLE: a worker who leaves the list is disabled and recorded in the fence table; listed again, she is enabled again', async () => {
    const poolId = await libraryPool();
    const all = sender(poolId, [worker('ana'), worker('bo'), worker('cy', 'team-a')], { RemovedWorkers: 'DISABLE' });
    await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, all));
    stack.status = 'UPDATE_IN_PROGRESS';
    const without = { ...all, WorkerSources: [{ Inline: [worker('ana'), worker('bo')] }] };
    const removed = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, without, 'Update', all));
    expect(removed.Data).toMatchObject({ Removed: 1, Workers: 2 });
    expect(await users(poolId)).toEqual(['ana ana@example.com FORCE_CHANGE_PASSWORD', 'bo bo@example.com FORCE_CHANGE_PASSWORD', 'cy cy@example.com FORCE_CHANGE_PASSWORD disabled']);
    const cy = await cognito().send(new idp.AdminGetUserCommand({ UserPoolId: poolId, Username: 'cy' }));
    expect(await disabledRecords(poolId)).toEqual([attribute(cy, 'sub')]);
    expect(await members(poolId, 'team-a')).toEqual([]); // no listed worker is in team-a now
    expect(stack.asked).toContain('UPDATE_IN_PROGRESS');

    const back = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, all, 'Update', without));
    expect(back.Data).toMatchObject({ Reenabled: 1, Invited: 0 });
    expect(await users(poolId)).toEqual(['ana ana@example.com FORCE_CHANGE_PASSWORD', 'bo bo@example.com FORCE_CHANGE_PASSWORD', 'cy cy@example.com FORCE_CHANGE_PASSWORD']);
    expect(await disabledRecords(poolId)).toEqual([]);
    expect(await members(poolId, 'team-a')).toEqual(['cy']);
  });

  test('DISABLE leaves an account an administrator disabled as it is when she is listed again', async () => {
    const poolId = await libraryPool();
    const props = sender(poolId, [worker('ana'), worker('bo')], { RemovedWorkers: 'DISABLE' });
    await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, props));
    await cognito().send(new idp.AdminDisableUserCommand({ UserPoolId: poolId, Username: 'bo' })); // an administrator
    stack.status = 'UPDATE_IN_PROGRESS';
    const response = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, props, 'Update'));
    expect(response.Data).toMatchObject({ Reenabled: 0, Removed: 0 });
    expect(await users(poolId)).toEqual(['ana ana@example.com FORCE_CHANGE_PASSWORD', 'bo bo@example.com FORCE_CHANGE_PASSWORD disabled']);
  });

  test('DELETE: a worker who leaves the list is deleted; the others are untouched', async () => {
    const poolId = await libraryPool();
    const all = sender(poolId, [worker('ana'), worker('bo'), worker('cy')], { RemovedWorkers: 'DELETE' });
    await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, all));
    stack.status = 'UPDATE_IN_PROGRESS';
    const without = { ...all, WorkerSources: [{ Inline: [worker('ana'), worker('bo')] }] };
    const response = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, without, 'Update', all));
    expect(response.Data).toMatchObject({ Removed: 1 });
    expect(await users(poolId)).toEqual(['ana ana@example.com FORCE_CHANGE_PASSWORD', 'bo bo@example.com FORCE_CHANGE_PASSWORD']);
  });

  test('an event that arrives after its operation (the stack is UPDATE_COMPLETE) removes nobody', async () => {
    const poolId = await libraryPool();
    const all = sender(poolId, [worker('ana'), worker('bo'), worker('cy')], { RemovedWorkers: 'DELETE' });
    await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, all));
    stack.status = 'UPDATE_COMPLETE';
    const without = { ...all, WorkerSources: [{ Inline: [worker('ana'), worker('bo')] }] };
    const response = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, without, 'Update', all));
    expect(response.Data).toMatchObject({ Removed: 0 });
    expect(await users(poolId)).toHaveLength(3);
  });

  test('removing more than half of the pool is refused, unless allowLargeRemovals', async () => {
    const poolId = await libraryPool();
    const all = sender(poolId, [worker('ana'), worker('bo'), worker('cy')], { RemovedWorkers: 'DELETE' });
    await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, all));
    stack.status = 'UPDATE_IN_PROGRESS';
    const one = { ...all, WorkerSources: [{ Inline: [worker('ana')] }] };
    await expect(handler()(event(INVITATION_SENDER_RESOURCE_TYPE, one, 'Update', all))).rejects.toThrow(/would delete 2 of the 3 users .*more than half/);
    expect(await users(poolId)).toHaveLength(3);
    await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, { ...one, AllowLargeRemovals: 'true' }, 'Update', all));
    expect(await users(poolId)).toEqual(['ana ana@example.com FORCE_CHANGE_PASSWORD']);
  });

  test('removeWorkersOnStackDelete: the stack\'s deletion removes the listed workers; a cleanup Delete after an update removes nobody', async () => {
    const poolId = await libraryPool();
    const props = sender(poolId, [worker('ana'), worker('bo')], { RemovedWorkers: 'DELETE', RemoveOnStackDelete: 'true' });
    await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, props));
    await cognito().send(new idp.AdminCreateUserCommand({ UserPoolId: poolId, Username: 'admin', MessageAction: 'SUPPRESS' })); // not listed

    stack.status = 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS';
    await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, props, 'Delete'));
    expect(await users(poolId)).toHaveLength(3);

    stack.status = 'DELETE_IN_PROGRESS';
    const response = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, props, 'Delete'));
    expect(response.Data).toMatchObject({ Removed: 2 });
    expect(await users(poolId)).toEqual(['admin undefined FORCE_CHANGE_PASSWORD']);
  });

  test('workers listed in a JSON file in S3 (moto\'s S3) are invited like inline ones', async () => {
    const poolId = await libraryPool();
    const s3 = new S3Client({ ...moto.clientConfig(), forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'assets' }));
    await s3.send(new PutObjectCommand({ Bucket: 'assets', Key: 'workers.json', Body: JSON.stringify([worker('ana', 'team-b'), worker('bo')]) }));
    const response = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, { ...sender(poolId, []), WorkerSources: [{ Bucket: 'assets', Key: 'workers.json' }] }));
    expect(response.Data).toMatchObject({ Workers: 2, Invited: 2, MembershipChanges: 1 });
    expect(await members(poolId, 'team-b')).toEqual(['ana']);
  });
});

// Pools that sign in with the email as user name (UsernameAttributes: email), as pools brought to
// ExistingWorkforce or `userPool` often do. Cognito generates each user's name (botocore 1.44.8,
// AdminCreateUserRequest.Username; moto too, probe above) and lists that name, so a handler that
// matches listed names against the emails it was given finds none of its workers.
describe('the InvitationSender against moto: a pool with email user names', () => {
  // The worker list as the construct sends it with `emailAsUsername: true`: user name = email.
  const worker = (name: string, ...groups: string[]) => ({ username: `${name}@example.com`, email: `${name}@example.com`, ...(groups.length ? { groups } : {}) });

  async function emailPool(): Promise<string> {
    const c = cognito();
    const poolId = await poolWith({ UsernameAttributes: ['email'], AutoVerifiedAttributes: ['email'], AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } });
    await c.send(new idp.CreateGroupCommand({ UserPoolId: poolId, GroupName: 'team-a' }));
    return poolId;
  }
  const sender = (poolId: string, workers: object[], extra: object = {}) => ({
    UserPoolId: poolId, WorkerSources: [{ Inline: workers }], ManagedGroups: ['team-a'], RemovedWorkers: 'RETAIN', MaxRequestsPerSecond: '20', MaxConcurrency: '4', ...extra,
  });
  /** The pool's users by email: "email" or "email disabled". */
  async function users(poolId: string): Promise<string[]> {
    const listed = (await cognito().send(new idp.ListUsersCommand({ UserPoolId: poolId }))).Users!;
    return listed.map((u) => `${attribute(u, 'email')}${u.Enabled ? '' : ' disabled'}`).sort();
  }
  /** The members of a group, by email (ListUsersInGroup answers with the generated names). */
  async function members(poolId: string, group: string): Promise<string[]> {
    const listed = (await cognito().send(new idp.ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: group }))).Users!;
    return listed.map((u) => attribute(u, 'email')!).sort();
  }
  /** The generated user names, by email. */
  async function generatedNames(poolId: string): Promise<Record<string, string>> {
    const listed = (await cognito().send(new idp.ListUsersCommand({ UserPoolId: poolId }))).Users!;
    return Object.fromEntries(listed.map((u) => [attribute(u, 'email')!, u.Username!]));
  }
  const three = [worker('ana', 'team-a'), worker('bo'), worker('cy', 'team-a')];

  test('Create invites every worker once and puts team members in the group (today\'s handler does this right: the pool is empty)', async () => {
    const poolId = await emailPool();
    const response = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, sender(poolId, three)));
    expect(response.Data).toMatchObject({ Workers: 3, Invited: 3, AlreadyPresent: 0, MembershipChanges: 2 });
    expect(await users(poolId)).toEqual(['ana@example.com', 'bo@example.com', 'cy@example.com']);
    expect(await members(poolId, 'team-a')).toEqual(['ana@example.com', 'cy@example.com']);
    expect(logs.join('\n')).not.toContain('@example.com');
  });

  // failed on the handler before the identity change (issue 17): one AdminCreateUser per worker (UsernameExistsException, counted as present), and the team's members are removed and added again
  test('a repeat deploy sends no AdminCreateUser and keeps the team as it is', async () => {
    const poolId = await emailPool();
    const props = sender(poolId, three);
    await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, props));
    const from = cognitoSent.length;
    const again = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, props, 'Update'));
    expect(cognitoSent.slice(from).filter((s) => s.operation === 'AdminCreateUser')).toEqual([]);
    expect(writesSince(from)).toEqual([]);
    expect(again.Data).toMatchObject({ Invited: 0, AlreadyPresent: 3, MembershipChanges: 0 });
    expect(await members(poolId, 'team-a')).toEqual(['ana@example.com', 'cy@example.com']);
  });

  // failed on the handler before the identity change (issue 17): refused, "would disable 3 of the 3 users"
  test('DISABLE: a repeat deploy with the same list disables nobody (and is not refused)', async () => {
    const poolId = await emailPool();
    const props = sender(poolId, three, { RemovedWorkers: 'DISABLE' });
    await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, props));
    stack.status = 'UPDATE_IN_PROGRESS';
    const again = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, props, 'Update'));
    expect(again.Data).toMatchObject({ Removed: 0 });
    expect(await users(poolId)).toEqual(['ana@example.com', 'bo@example.com', 'cy@example.com']);
  });

  // failed on the handler before the identity change (issue 17): refused, "would disable 3 of the 3 users"
  test('DISABLE: the worker who leaves the list is disabled, and only she', async () => {
    const poolId = await emailPool();
    const before = sender(poolId, three, { RemovedWorkers: 'DISABLE' });
    await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, before));
    stack.status = 'UPDATE_IN_PROGRESS';
    const after = sender(poolId, [worker('ana', 'team-a'), worker('cy', 'team-a')], { RemovedWorkers: 'DISABLE' });
    const response = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, after, 'Update', before));
    expect(response.Data).toMatchObject({ Removed: 1 });
    expect(await users(poolId)).toEqual(['ana@example.com', 'bo@example.com disabled', 'cy@example.com']);
  });

  // failed on the handler before the identity change (issue 17): 3 AdminDeleteUser, then 3 AdminCreateUser (new users, new invitations)
  test('DELETE with allowLargeRemovals: a repeat deploy with the same list deletes nobody', async () => {
    const poolId = await emailPool();
    const props = sender(poolId, three, { RemovedWorkers: 'DELETE', AllowLargeRemovals: 'true' });
    await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, props));
    const before = await generatedNames(poolId);
    stack.status = 'UPDATE_IN_PROGRESS';
    const from = cognitoSent.length;
    await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, props, 'Update'));
    // The same three users, not three new ones: today's handler deletes every worker and, not
    // finding them by name, invites them again (new users, new invitations), so the emails alone
    // would look right.
    expect(writesSince(from)).toEqual([]);
    expect(await generatedNames(poolId)).toEqual(before);
  });

  // failed on the handler before the identity change (issue 17): all three are disabled
  test('an update rollback (which skips the mass-removal guard) under DISABLE disables nobody who is listed', async () => {
    const poolId = await emailPool();
    const props = sender(poolId, three, { RemovedWorkers: 'DISABLE' });
    await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, props));
    stack.status = 'UPDATE_ROLLBACK_IN_PROGRESS';
    await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, props, 'Update'));
    expect(await users(poolId)).toEqual(['ana@example.com', 'bo@example.com', 'cy@example.com']);
  });

  // failed on the handler before the identity change (issue 17): nobody is removed (Removed 0)
  test('removeWorkersOnStackDelete: deleting the stack deletes the listed workers', async () => {
    const poolId = await emailPool();
    const props = sender(poolId, three, { RemovedWorkers: 'DELETE', RemoveOnStackDelete: 'true' });
    await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, props));
    stack.status = 'DELETE_IN_PROGRESS';
    const response = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, props, 'Delete'));
    expect(response.Data).toMatchObject({ Removed: 3 });
    expect(await users(poolId)).toEqual([]);
  });
});

// The access plan command, in process and as the package ships it (the bundled bin), against moto:
// a pool that signs in with the email, where the plan must find users by email as the handler does.
describe('the access plan command against moto', () => {
  const list = (...names: string[]) => Workers.fromList(names.map((n) => ({ email: `${n}@example.com` })));
  const nextAssembly = (poolId: string) => synth((s: Stack) => {
    const sender = new InvitationSender(s, 'Invitations', { userPool: cdkCognito.UserPool.fromUserPoolId(s, 'Pool', poolId), emailAsUsername: true, workers: list('ana', 'cy') });
    sender.addGroupMembers('team-a', list('ana', 'cy'));
  });

  test('the plan, in process and from the bundled command, is what the sender then does', async () => {
    const poolId = await poolWith({ UsernameAttributes: ['email'], AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } });
    await cognito().send(new idp.CreateGroupCommand({ UserPoolId: poolId, GroupName: 'team-a' }));
    const v1 = { UserPoolId: poolId, WorkerSources: [{ Inline: ['ana', 'bo'].map((n) => ({ username: `${n}@example.com`, email: `${n}@example.com`, groups: ['team-a'] })) }], ManagedGroups: ['team-a'], RemovedWorkers: 'RETAIN', MaxRequestsPerSecond: '20', MaxConcurrency: '4' };
    await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, v1));
    const next = nextAssembly(poolId);

    const out: string[] = [];
    const clients = {
      cloudFormation: new CloudFormationClient(moto.clientConfig()),
      cognito: cognito(),
      dynamodb: new ddb.DynamoDBClient(moto.clientConfig()),
      clock: systemClock,
    };
    const code = await runPlanCommand(['plan', '-o', next.assemblyDir, '--json', '--show-names'], { clientsFor: () => clients, out: (t) => out.push(t), err: (t) => out.push(t) });
    expect(code).toBe(2);
    const inProcess = JSON.parse(out.join('\n'));
    // The stack is not deployed (not in moto's CloudFormation); the pool is read all the same.
    expect(inProcess.senders[0]).toMatchObject({ deployed: false, poolId, counts: { invite: 1, join: 1, leave: 1, unchanged: 1, notOurs: 1 } });
    expect(inProcess.senders[0].names).toMatchObject({ invite: ['cy@example.com'], join: ['cy@example.com (team-a)'], leave: ['bo@example.com (team-a)'] });

    // The bundled command, configured by environment variables only, says the same.
    const bin = spawnSync(process.execPath, [join(__dirname, '..', '..', 'assets', 'cli', 'index.js'), 'plan', '-o', next.assemblyDir, '--json', '--show-names'], {
      encoding: 'utf-8',
      env: { PATH: process.env.PATH, HOME: tmpdir(), AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'moto', AWS_SECRET_ACCESS_KEY: 'moto', AWS_ENDPOINT_URL: moto.endpoint },
    });
    expect([bin.status, bin.stderr]).toEqual([2, '']);
    expect(JSON.parse(bin.stdout)).toEqual(inProcess);

    // And the sender, given that list, does exactly that.
    stack.status = 'UPDATE_IN_PROGRESS';
    const resource = Object.values<any>(next.template.Resources).find((r) => r.Type === INVITATION_SENDER_RESOURCE_TYPE);
    const { ServiceToken: _token, ...v2 } = resource.Properties;
    const response = await handler()(event(INVITATION_SENDER_RESOURCE_TYPE, v2, 'Update', v1));
    expect(response.Data).toMatchObject({ Invited: 1, MembershipChanges: 2, AlreadyPresent: 1 });
  });

  test('without credentials, the bundled command says so in one line', () => {
    const next = nextAssembly('us-east-1_NoSuchPool');
    const home = mkdtempSync(join(tmpdir(), 'no-credentials-'));
    const bin = spawnSync(process.execPath, [join(__dirname, '..', '..', 'assets', 'cli', 'index.js'), 'plan', '-o', next.assemblyDir], {
      encoding: 'utf-8',
      env: { PATH: process.env.PATH, HOME: home, AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: join(home, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'none') },
    });
    expect(bin.status).toBe(1);
    expect(bin.stderr.trim()).toBe('cdk-private-workforce plan: No AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), ' +
      'or compare two cloud assemblies offline with --base OLD_CDK_OUT.');
  });
});
