import type {
  UpdateUserPoolClientCommandInput,
  UpdateUserPoolCommandInput,
  UserPoolClientType,
  UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';

// UpdateUserPool and UpdateUserPoolClient reset every field they are not sent to its default.
// So every update is read-modify-write: describe, copy every field the Update API accepts, change
// only what we mean to, send. The lists are checked against the AWS API models in the tests.

/** Fields of UserPoolType that UpdateUserPool accepts under the same name. */
export const USER_POOL_UPDATE_FIELDS = [
  'Policies',
  'DeletionProtection',
  'LambdaConfig',
  'AutoVerifiedAttributes',
  'SmsVerificationMessage',
  'EmailVerificationMessage',
  'EmailVerificationSubject',
  'VerificationMessageTemplate',
  'SmsAuthenticationMessage',
  'UserAttributeUpdateSettings',
  'MfaConfiguration',
  'DeviceConfiguration',
  'EmailConfiguration',
  'SmsConfiguration',
  'UserPoolTags',
  'AdminCreateUserConfig',
  'UserPoolAddOns',
  'DcrConfiguration',
  'AccountRecoverySetting',
  'UserPoolTier',
  'KeyConfiguration',
  'IssuerConfiguration',
  'AcrConfiguration',
] as const;

/** Fields of UserPoolType that UpdateUserPool accepts under another name. */
export const USER_POOL_RENAMED_FIELDS: Record<string, string> = { Name: 'PoolName' };

/** Fields of UserPoolClientType that UpdateUserPoolClient accepts. */
export const USER_POOL_CLIENT_UPDATE_FIELDS = [
  'ClientName',
  'RefreshTokenValidity',
  'AccessTokenValidity',
  'IdTokenValidity',
  'TokenValidityUnits',
  'ReadAttributes',
  'WriteAttributes',
  'ExplicitAuthFlows',
  'SupportedIdentityProviders',
  'CallbackURLs',
  'LogoutURLs',
  'DefaultRedirectURI',
  'AllowedOAuthFlows',
  'AllowedOAuthScopes',
  'AllowedOAuthFlowsUserPoolClient',
  'AnalyticsConfiguration',
  'PreventUserExistenceErrors',
  'EnableTokenRevocation',
  'EnablePropagateAdditionalUserContextData',
  'AuthSessionValidity',
  'RefreshTokenRotation',
] as const;

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
