import * as sdk from '@aws-sdk/client-cognito-identity-provider';
import { Duration, Stack } from 'aws-cdk-lib';
import { harness, synth } from './harness';
import { PrivateWorkforce, Workers } from '../../src';
import * as cognitoUpdate from '../../src/handlers/cognito-update';
import { USER_POOL_CLIENT_OMITTED, USER_POOL_CLIENT_UPDATE_FIELDS, USER_POOL_OMITTED, USER_POOL_RENAMED_FIELDS, USER_POOL_UPDATE_FIELDS } from '../../src/handlers/cognito-update';
import { ApiModel, ModelViolation } from '../fakes/api-model';

const model = ApiModel.load('cognito-idp', '2016-04-18', sdk as unknown as Record<string, unknown>);
const schema = (structure: string) => model.sdk.members(structure);
const botocore = model;

describe('read-modify-write field lists match the AWS API models', () => {
  // Two models: the pinned SDK's schema (what the bundled client serializes), and botocore
  // (requirements-dev.txt), which may be newer than the SDK: members only botocore knows are ones
  // the pinned SDK cannot send, listed here with why they are not copied.
  const NEWER_THAN_SDK: Record<string, string> = {
    PublishSecretsInAWSSecretsManager: 'not returned by DescribeUserPoolClient; omitted, Cognito keeps how it manages the secret',
  };

  test('UpdateUserPool: every member of the request is classified, and copied unless omitting it keeps it', () => {
    const classified = Object.keys(USER_POOL_OMITTED).sort();
    expect(classified).toEqual(schema('UpdateUserPoolRequest').filter((m) => m !== 'UserPoolId').sort());
    const botocoreMembers = botocore.members('UpdateUserPoolRequest').filter((m) => m !== 'UserPoolId');
    expect(botocoreMembers.filter((m) => !classified.includes(m) && !NEWER_THAN_SDK[m])).toEqual([]);
    const copied = [...USER_POOL_UPDATE_FIELDS, ...Object.values(USER_POOL_RENAMED_FIELDS)].sort();
    expect(copied).toEqual(classified.filter((m) => USER_POOL_OMITTED[m as keyof typeof USER_POOL_OMITTED] === 'resets'));
  });

  test('UpdateUserPool: what omitting a member does is what the API reference says', () => {
    // The model's documentation of each member, and the developer guide's exception for the tier.
    const documentedKeeps = botocore.members('UpdateUserPoolRequest')
      .filter((m) => /If you omit this parameter, Amazon Cognito keeps the existing/.test(botocore.documentation('UpdateUserPoolRequest', m)));
    expect(documentedKeeps).toEqual(['DcrConfiguration']);
    expect(Object.entries(USER_POOL_OMITTED).filter(([, v]) => v === 'keeps').map(([k]) => k).sort()).toEqual([...documentedKeeps, 'UserPoolTier'].sort());
    // Why DcrConfiguration is left out rather than copied back: a copy without its status enables it.
    expect(botocore.documentation('UpdateUserPoolRequest', 'DcrConfiguration')).toContain('an omitted EnableStatus turns dynamic client registration on');
  });

  test('UpdateUserPool: every copied field is something DescribeUserPool returns', () => {
    const described = schema('UserPoolType');
    for (const field of [...USER_POOL_UPDATE_FIELDS, ...Object.keys(USER_POOL_RENAMED_FIELDS)]) {
      expect(described).toContain(field);
    }
  });

  test('UpdateUserPoolClient: every member of the request is classified and copied from DescribeUserPoolClient', () => {
    const classified = Object.keys(USER_POOL_CLIENT_OMITTED).sort();
    expect(classified).toEqual(schema('UpdateUserPoolClientRequest').filter((m) => m !== 'UserPoolId' && m !== 'ClientId').sort());
    const botocoreMembers = botocore.members('UpdateUserPoolClientRequest').filter((m) => m !== 'UserPoolId' && m !== 'ClientId');
    expect(botocoreMembers.filter((m) => !classified.includes(m) && !NEWER_THAN_SDK[m])).toEqual([]);
    // No member of the client's update is documented as kept when omitted: all are copied.
    expect(botocoreMembers.filter((m) => !NEWER_THAN_SDK[m] && /If you omit this parameter, Amazon Cognito (keeps|doesn't change)/.test(botocore.documentation('UpdateUserPoolClientRequest', m)))).toEqual([]);
    const copied: string[] = [...USER_POOL_CLIENT_UPDATE_FIELDS].sort();
    expect(copied).toEqual(classified);
    const described = schema('UserPoolClientType');
    for (const field of copied) {
      expect(described).toContain(field);
    }
  });

  test('the deprecated UnusedAccountValidityDays is dropped next to TemporaryPasswordValidityDays', () => {
    const request = cognitoUpdate.userPoolUpdate({
      Id: 'us-east-1_abc',
      Policies: { PasswordPolicy: { TemporaryPasswordValidityDays: 3 } },
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true, UnusedAccountValidityDays: 3 },
    });
    expect(request.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: true });
    expect(() => botocore.check('UpdateUserPool', request)).not.toThrow();
  });
});

describe('the fakes catch what real AWS would punish', () => {
  const build = (refreshDays = 30) => (stack: Stack) => {
    new PrivateWorkforce(stack, 'Workforce', { workforceName: 'labeling', refreshTokenValidity: Duration.days(refreshDays), workers: Workers.fromList([{ email: 'a@example.com' }]) });
  };

  afterEach(() => jest.restoreAllMocks());

  test('an UpdateUserPoolClient that omits fields resets them in the fake (so a handler doing it fails the lifecycle tests)', async () => {
    const h = harness();
    await h.cfn.deploy(synth(build()));
    // Sabotage the reconciler: send only the URLs, as the baseline architecture does.
    const spy = jest.spyOn(cognitoUpdate, 'userPoolClientUpdate').mockImplementation((client, changes) =>
      ({ UserPoolId: client.UserPoolId, ClientId: client.ClientId, ...changes }));
    await h.cfn.deploy(synth(build(7)));
    expect(spy).toHaveBeenCalled();
    const client = h.cognito.describeClient(h.cfn.physicalIdOf('AWS::Cognito::UserPool'), h.cfn.physicalIdOf('AWS::Cognito::UserPoolClient'));
    expect(client.CallbackURLs[0]).toMatch(/oauth2\/idpresponse$/);
    // ...but the rest of the client went back to Cognito's defaults: sign-in through the portal broke.
    expect(client.AllowedOAuthFlowsUserPoolClient).toBe(false);
    expect(client.AllowedOAuthFlows).toBeUndefined();
    expect(client.RefreshTokenValidity).toBe(30);
    expect(client.PreventUserExistenceErrors).toBe('LEGACY');
  });

  test('an UpdateUserPool that sends the deprecated UnusedAccountValidityDays is refused, as by Cognito', async () => {
    const h = harness();
    await h.cfn.deploy(synth(build()));
    const poolId = h.cfn.physicalIdOf('AWS::Cognito::UserPool');
    const described = h.cognito.describePool(poolId);
    expect(described.AdminCreateUserConfig.UnusedAccountValidityDays).toBe(7);
    const naive = { ...described, UserPoolId: poolId };
    const request = Object.fromEntries(Object.entries(naive).filter(([k]) => h.cognito.model.members('UpdateUserPoolRequest').includes(k)));
    await expect(h.clock.run(h.cognito.client().send(new sdk.UpdateUserPoolCommand(request as any))))
      .rejects.toThrow(/Please use TemporaryPasswordValidityDays/);
  });

  test('an UpdateUserPool that omits fields turns MFA off in the fake', async () => {
    const h = harness();
    await h.cfn.deploy(synth(build()));
    const poolId = h.cfn.physicalIdOf('AWS::Cognito::UserPool');
    expect(h.cognito.describePool(poolId).MfaConfiguration).toBe('ON');
    await h.clock.run(h.cognito.client().send(new sdk.UpdateUserPoolCommand({
      UserPoolId: poolId,
      AdminCreateUserConfig: { InviteMessageTemplate: { EmailMessage: 'Hi {username}, {####}', EmailSubject: 'Hi' } },
    })));
    const pool = h.cognito.describePool(poolId);
    expect(pool.MfaConfiguration).toBe('OFF');
    expect(pool.AdminCreateUserConfig.AllowAdminCreateUserOnly).toBe(false);
    expect(pool.Policies.PasswordPolicy.MinimumLength).toBe(8);
  });

  test('a request the API model rejects fails, and is recorded', async () => {
    const h = harness();
    await h.cfn.deploy(synth(build()));
    const poolId = h.cfn.physicalIdOf('AWS::Cognito::UserPool');
    const clientId = h.cfn.physicalIdOf('AWS::Cognito::UserPoolClient');
    const send = h.cognito.client().send(new sdk.UpdateUserPoolClientCommand({
      UserPoolId: poolId,
      ClientId: clientId,
      CallbackURLs: [`https://portal.example.com/${'x'.repeat(1100)}`],
    }));
    await expect(h.clock.run(send)).rejects.toThrow(/violates the AWS API model/);
    expect(h.cognito.violations).toHaveLength(1);
    expect(h.cognito.violations[0].problems).toEqual([
      expect.stringMatching(/^UpdateUserPoolClient\.CallbackURLs\[0\]: 1127 characters, more than 1024$/),
    ]);
  });

  test('the model rejects unknown members, bad patterns, enums and missing required members', () => {
    const check = (input: unknown) => {
      try {
        botocore.check('AdminCreateUser', input);
        return [];
      } catch (error) {
        return (error as ModelViolation).problems;
      }
    };
    expect(check({ UserPoolId: 'us-east-1_abc', Username: 'ana' })).toEqual([]);
    expect(check({ UserPoolId: 'not a pool id', Username: 'ana', Bogus: 1, DesiredDeliveryMediums: ['PIGEON'] })).toEqual([
      'AdminCreateUser.UserPoolId: "not a pool id" does not match [\\w-]+_[0-9a-zA-Z]+',
      expect.stringMatching(/^AdminCreateUser\.Bogus: not a member of AdminCreateUserRequest \(botocore \d+\.\d+\.\d+\)$/),
      'AdminCreateUser.DesiredDeliveryMediums[0]: "PIGEON" is not one of SMS, EMAIL',
      'AdminCreateUser.Bogus: not a member of AdminCreateUserRequest in the pinned SDK (it would drop it)',
    ]);
    expect(check({ Username: 'ana' })).toEqual([
      'AdminCreateUser.UserPoolId: required by AdminCreateUserRequest, missing',
      'AdminCreateUser.UserPoolId: required by AdminCreateUserRequest (SDK schema), missing',
    ]);
  });

  test('the SDK schema is checked too: a member newer than the pinned SDK, and wrong types, are violations', () => {
    const problems = (operation: string, input: unknown) => {
      try {
        botocore.check(operation, input);
        return [];
      } catch (error) {
        return (error as ModelViolation).problems;
      }
    };
    // botocore knows it, the pinned SDK does not: the bundled client would drop it silently.
    expect(problems('UpdateUserPoolClient', { UserPoolId: 'us-east-1_abc', ClientId: 'abc', PublishSecretsInAWSSecretsManager: true }))
      .toEqual(['UpdateUserPoolClient.PublishSecretsInAWSSecretsManager: not a member of UpdateUserPoolClientRequest in the pinned SDK (it would drop it)']);
    expect(problems('UpdateUserPool', { UserPoolId: 'us-east-1_abc', Policies: { PasswordPolicy: { MinimumLength: '8' } } })).toEqual([
      'UpdateUserPool.Policies.PasswordPolicy.MinimumLength: expected an integer, got "8"',
      'UpdateUserPool.Policies.PasswordPolicy.MinimumLength: expected a number (SDK schema), got "8"',
    ]);
    expect(problems('UpdateUserPool', { UserPoolId: 'us-east-1_abc', UserPoolTags: { team: 7 }, AutoVerifiedAttributes: 'email' })).toEqual([
      'UpdateUserPool.UserPoolTags.team: expected a string, got 7',
      'UpdateUserPool.AutoVerifiedAttributes: expected a list, got "email"',
      'UpdateUserPool.UserPoolTags.team: expected a string (SDK schema), got 7',
      'UpdateUserPool.AutoVerifiedAttributes: expected a list (SDK schema), got "email"',
    ]);
  });
});

describe('copy-back, field by field: what omitting a field does, and why it is copied or not', () => {
  const poolWith = (h: ReturnType<typeof harness>, extra: Record<string, unknown>) => h.cognito.createUserPool({
    UserPoolName: 'corp', UserPoolTier: 'ESSENTIALS', AdminCreateUserConfig: { AllowAdminCreateUserOnly: true }, ...extra,
  });
  const reconcile = async (h: ReturnType<typeof harness>, poolId: string) => {
    await h.clock.run(h.cognito.client().send(new sdk.UpdateUserPoolCommand(cognitoUpdate.userPoolUpdate(h.cognito.describePool(poolId)))));
  };

  test('DcrConfiguration: left out (omission keeps it); a pool with registration off keeps it off', async () => {
    const h = harness();
    const poolId = poolWith(h, { DcrConfiguration: { EnableStatus: 'Disabled' } });
    expect(cognitoUpdate.userPoolUpdate(h.cognito.describePool(poolId))).not.toHaveProperty('DcrConfiguration');
    await reconcile(h, poolId);
    expect(h.cognito.describePool(poolId).DcrConfiguration).toEqual({ EnableStatus: 'Disabled' });
  });

  test('negative control: copying a DcrConfiguration that Describe returns without EnableStatus turns registration on', async () => {
    const h = harness();
    const poolId = poolWith(h, { DcrConfiguration: { OpenDcrEnabled: false } });
    const described = h.cognito.describePool(poolId);
    const naive = { ...cognitoUpdate.userPoolUpdate(described), DcrConfiguration: described.DcrConfiguration };
    await h.clock.run(h.cognito.client().send(new sdk.UpdateUserPoolCommand(naive)));
    expect(h.cognito.describePool(poolId).DcrConfiguration.EnableStatus).toBe('Enabled');
  });

  test('UserPoolTier: left out (omission keeps the feature plan)', async () => {
    const h = harness();
    const poolId = poolWith(h, {});
    expect(cognitoUpdate.userPoolUpdate(h.cognito.describePool(poolId))).not.toHaveProperty('UserPoolTier');
    await reconcile(h, poolId);
    expect(h.cognito.describePool(poolId).UserPoolTier).toBe('ESSENTIALS');
  });

  test.each(USER_POOL_UPDATE_FIELDS.map((field) => [field]))('%s: copied, because omitting it resets it', (field) => {
    const h = harness();
    const poolId = poolWith(h, {});
    const pool = { ...h.cognito.describePool(poolId), [field]: { marker: field } };
    expect(cognitoUpdate.userPoolUpdate(pool as sdk.UserPoolType)[field]).toEqual({ marker: field });
    expect(USER_POOL_OMITTED[field]).toBe('resets');
  });
});
