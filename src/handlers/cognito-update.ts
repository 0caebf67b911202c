import type {
  UpdateUserPoolClientCommandInput,
  UpdateUserPoolCommandInput,
  UserPoolClientType,
  UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';

// UpdateUserPool and UpdateUserPoolClient reset (nearly) every field they are not sent to its
// default. So every update is read-modify-write: describe, copy every field the Update API would
// reset, change only what we mean to, send. The tables are checked against the AWS API models and
// their documentation in the tests.

/** Whether an Update API resets a member it is not sent to its default, or keeps its value. */
export type Omitted = 'resets' | 'keeps';

/**
 * What UpdateUserPool does with a member it is not sent: `resets` it to its default (the rule,
 * API_UpdateUserPool: "If you don't provide a value for an attribute, Amazon Cognito sets it to its
 * default value"), or `keeps` it (the exceptions AWS documents). A member that resets is copied
 * from DescribeUserPool; one that keeps is left out, which is also the only safe choice where
 * copying Describe's value back would change it (a DcrConfiguration without EnableStatus turns
 * dynamic client registration on).
 */
export const USER_POOL_OMITTED: Record<Exclude<keyof UpdateUserPoolCommandInput, 'UserPoolId'>, Omitted> = {
  Policies: 'resets',
  DeletionProtection: 'resets',
  LambdaConfig: 'resets',
  AutoVerifiedAttributes: 'resets',
  SmsVerificationMessage: 'resets',
  EmailVerificationMessage: 'resets',
  EmailVerificationSubject: 'resets',
  VerificationMessageTemplate: 'resets',
  SmsAuthenticationMessage: 'resets',
  UserAttributeUpdateSettings: 'resets',
  MfaConfiguration: 'resets',
  DeviceConfiguration: 'resets',
  EmailConfiguration: 'resets',
  SmsConfiguration: 'resets',
  UserPoolTags: 'resets',
  AdminCreateUserConfig: 'resets',
  UserPoolAddOns: 'resets',
  // "If you omit this parameter, Amazon Cognito keeps the existing configuration" (API_UpdateUserPool).
  DcrConfiguration: 'keeps',
  AccountRecoverySetting: 'resets',
  PoolName: 'resets',
  // The feature plan is not reset by an update that omits it (cognito dg cognito-user-pool-updating).
  UserPoolTier: 'keeps',
  KeyConfiguration: 'resets',
  IssuerConfiguration: 'resets',
  AcrConfiguration: 'resets',
};

/** Fields of UserPoolType that UpdateUserPool accepts under the same name and resets when omitted: copied. */
export const USER_POOL_UPDATE_FIELDS = (Object.keys(USER_POOL_OMITTED) as Array<keyof typeof USER_POOL_OMITTED>)
  .filter((field): field is Exclude<keyof typeof USER_POOL_OMITTED, 'PoolName'> => USER_POOL_OMITTED[field] === 'resets' && field !== 'PoolName');

/** Fields of UserPoolType that UpdateUserPool accepts under another name. */
export const USER_POOL_RENAMED_FIELDS: Record<string, string> = { Name: 'PoolName' };

/**
 * What UpdateUserPoolClient does with a member it is not sent: every member it has resets to its
 * default (API_UpdateUserPoolClient), so every one is copied from DescribeUserPoolClient.
 */
export const USER_POOL_CLIENT_OMITTED: Record<Exclude<keyof UpdateUserPoolClientCommandInput, 'UserPoolId' | 'ClientId'>, Omitted> = {
  ClientName: 'resets',
  RefreshTokenValidity: 'resets',
  AccessTokenValidity: 'resets',
  IdTokenValidity: 'resets',
  TokenValidityUnits: 'resets',
  ReadAttributes: 'resets',
  WriteAttributes: 'resets',
  ExplicitAuthFlows: 'resets',
  SupportedIdentityProviders: 'resets',
  CallbackURLs: 'resets',
  LogoutURLs: 'resets',
  DefaultRedirectURI: 'resets',
  AllowedOAuthFlows: 'resets',
  AllowedOAuthScopes: 'resets',
  AllowedOAuthFlowsUserPoolClient: 'resets',
  AnalyticsConfiguration: 'resets',
  PreventUserExistenceErrors: 'resets',
  EnableTokenRevocation: 'resets',
  EnablePropagateAdditionalUserContextData: 'resets',
  AuthSessionValidity: 'resets',
  RefreshTokenRotation: 'resets',
};

/** Fields of UserPoolClientType that UpdateUserPoolClient accepts and resets when omitted: copied. */
export const USER_POOL_CLIENT_UPDATE_FIELDS = (Object.keys(USER_POOL_CLIENT_OMITTED) as Array<keyof typeof USER_POOL_CLIENT_OMITTED>)
  .filter((field) => USER_POOL_CLIENT_OMITTED[field] === 'resets');

/**
 * The UpdateUserPool request that keeps every setting of `pool` and applies `changes`.
 */
export function userPoolUpdate(pool: UserPoolType, changes: Partial<UpdateUserPoolCommandInput> = {}): UpdateUserPoolCommandInput {
  const request: Record<string, unknown> = { UserPoolId: pool.Id };
  for (const field of USER_POOL_UPDATE_FIELDS) {
    if (pool[field] !== undefined) {
      request[field] = pool[field];
    }
  }
  for (const [from, to] of Object.entries(USER_POOL_RENAMED_FIELDS)) {
    const value = (pool as Record<string, unknown>)[from];
    if (value !== undefined) {
      request[to] = value;
    }
  }
  // DescribeUserPool still returns the deprecated UnusedAccountValidityDays; UpdateUserPool refuses
  // it next to PasswordPolicy.TemporaryPasswordValidityDays, which supersedes it.
  const adminConfig = request.AdminCreateUserConfig as Record<string, unknown> | undefined;
  if (adminConfig?.UnusedAccountValidityDays !== undefined && pool.Policies?.PasswordPolicy?.TemporaryPasswordValidityDays !== undefined) {
    const { UnusedAccountValidityDays: _deprecated, ...rest } = adminConfig;
    request.AdminCreateUserConfig = rest;
  }
  return { ...request, ...changes } as UpdateUserPoolCommandInput;
}

/**
 * The UpdateUserPoolClient request that keeps every setting of `client` and applies `changes`.
 */
export function userPoolClientUpdate(
  client: UserPoolClientType,
  changes: Partial<UpdateUserPoolClientCommandInput> = {},
): UpdateUserPoolClientCommandInput {
  const request: Record<string, unknown> = { UserPoolId: client.UserPoolId, ClientId: client.ClientId };
  for (const field of USER_POOL_CLIENT_UPDATE_FIELDS) {
    if (client[field] !== undefined) {
      request[field] = client[field];
    }
  }
  return { ...request, ...changes } as UpdateUserPoolClientCommandInput;
}
