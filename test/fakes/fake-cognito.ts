import * as sdk from '@aws-sdk/client-cognito-identity-provider';
import { HttpRequest, HttpResponse } from '@smithy/protocol-http';
import { ApiModel, ModelViolation } from './api-model';
import { fakeClientConfig } from './client-config';
import type { Authorizer } from './iam';
import { providerSchema } from './registry';
import type { Clock } from '../../src/handlers/clock';

/*
 * A Cognito user pools service for tests, spoken to by the real SDK v3 client through its HTTP
 * handler slot. It enforces the documented behaviour the library's handlers must cope with:
 * - every request is checked against the AWS API models (botocore, and the pinned SDK's schema);
 * - UpdateUserPool and UpdateUserPoolClient reset every field they are not sent to its default
 *   (UserPoolTier excepted) (cognito dg cognito-user-pool-updating, API_UpdateUserPool);
 * - AdminCreateUser fails with UsernameExistsException for an existing user, and is throttled
 *   beyond 50 requests per second (the UserCreation quota), like the other quota categories;
 * - throttling can also be injected at a configurable rate.
 */

type Json = Record<string, any>;

/** Quota categories (cognito dg quotas): requests per second. */
const QUOTAS: Record<string, { category: string; rps: number }> = {
  AdminCreateUser: { category: 'UserCreation', rps: 50 },
  AdminDisableUser: { category: 'UserUpdate', rps: 25 },
  AdminEnableUser: { category: 'UserUpdate', rps: 25 },
  AdminDeleteUser: { category: 'UserUpdate', rps: 25 },
  AdminAddUserToGroup: { category: 'UserUpdate', rps: 25 },
  AdminRemoveUserFromGroup: { category: 'UserUpdate', rps: 25 },
  ListUsers: { category: 'UserList', rps: 30 },
  ListUsersInGroup: { category: 'UserList', rps: 30 },
};

/** What UpdateUserPool sets a field to when the request omits it. */
const POOL_DEFAULTS: Json = {
  Policies: {
    PasswordPolicy: {
      MinimumLength: 8,
      RequireUppercase: true,
      RequireLowercase: true,
      RequireNumbers: true,
      RequireSymbols: true,
      TemporaryPasswordValidityDays: 7,
    },
    SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD'] },
  },
  DeletionProtection: 'INACTIVE',
  LambdaConfig: {},
  VerificationMessageTemplate: { DefaultEmailOption: 'CONFIRM_WITH_CODE' },
  MfaConfiguration: 'OFF',
  EmailConfiguration: { EmailSendingAccount: 'COGNITO_DEFAULT' },
  UserPoolTags: {},
  AdminCreateUserConfig: { AllowAdminCreateUserOnly: false, UnusedAccountValidityDays: 7 },
};
/** Fields UpdateUserPool writes (PoolName is the request's name for Name). */
const POOL_UPDATE_FIELDS = sdk.UpdateUserPoolRequest$[4].filter((m: string) => m !== 'UserPoolId');

/** What UpdateUserPoolClient sets a field to when the request omits it. */
const CLIENT_DEFAULTS: Json = {
  RefreshTokenValidity: 30,
  AccessTokenValidity: 60,
  IdTokenValidity: 60,
  TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
  ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH'],
  AllowedOAuthFlowsUserPoolClient: false,
  PreventUserExistenceErrors: 'LEGACY',
  EnableTokenRevocation: true,
  EnablePropagateAdditionalUserContextData: false,
  AuthSessionValidity: 3,
};
const CLIENT_UPDATE_FIELDS = sdk.UpdateUserPoolClientRequest$[4].filter((m: string) => m !== 'UserPoolId' && m !== 'ClientId');

/** The KMS actions of the registry's update handler of AWS::Cognito::UserPool. */
export function userPoolKeyActions(): string[] {
  return (providerSchema('AWS::Cognito::UserPool').handlers.update.permissions as string[]).filter((p) => p.startsWith('kms:'));
}

/** An error Cognito returns. */
class ServiceError extends Error {
  constructor(public readonly type: string, message: string, public readonly status = 400) {
    super(message);
  }
}

interface UserState {
  Username: string;
  Attributes: Array<{ Name: string; Value: string }>;
  Enabled: boolean;
  UserStatus: string;
  /** Epoch milliseconds (the fake's clock). */
  UserCreateDate: number;
  UserLastModifiedDate: number;
}

interface PoolState {
  pool: Json;
  clients: Map<string, Json>;
  users: Map<string, UserState>;
  /** User keys by lower-case email, for the alias check. */
  emails: Map<string, string>;
  groups: Map<string, Set<string>>;
}

/** An invitation email Cognito sent. */
export interface SentEmail {
  readonly userPoolId: string;
  readonly username: string;
  readonly to: string;
  readonly subject: string;
  readonly body: string;
}

/** Options of the fake. */
export interface FakeCognitoOptions {
  readonly clock: Clock;
  /** Simulated latency of every call. */
  readonly latencyMs?: number;
  /** Share of calls of `throttledOperations` answered with TooManyRequestsException. */
  readonly throttleRate?: number;
  /** The operations injected throttling applies to (default: all). */
  readonly throttledOperations?: string[];
  /** Seed of the pseudo-random throttling. */
  readonly seed?: number;
  /**
   * Negative control only: keep the user name AdminCreateUser is sent in pools that sign in with
   * the email (the fake's old, wrong behaviour), to show what the tests catch with the model's rule.
   */
  readonly keepGivenUsernames?: boolean;
}

const cognitoModel = ApiModel.load('cognito-idp', '2016-04-18', sdk as unknown as Record<string, unknown>);

/**
 * Members UpdateUserPool keeps when omitted: those whose API reference says so ("If you omit this
 * parameter, Amazon Cognito keeps the existing ..."), read from the model's documentation, and
 * UserPoolTier and PoolName (the feature plan and the name are not reset; cognito dg
 * cognito-user-pool-updating).
 */
/**
 * Whether AdminCreateUser generates the user name in a pool that signs in with these
 * `UsernameAttributes`: read from the model's documentation of `AdminCreateUserRequest.Username`
 * ("If your user pool only supports phone numbers or email addresses as sign-in attributes, Amazon
 * Cognito automatically generates a username value"), so that the fake follows the model, not us.
 */
export const GENERATES_USERNAMES = /only supports phone numbers or email addresses as sign-in attributes, Amazon Cognito automatically generates a username/
  .test(cognitoModel.documentation('AdminCreateUserRequest', 'Username'));

export const POOL_KEPT_WHEN_OMITTED: string[] = [
  ...POOL_UPDATE_FIELDS.filter((m: string) => /If you omit this parameter, Amazon Cognito keeps the existing/.test(cognitoModel.documentation('UpdateUserPoolRequest', m))),
  'UserPoolTier',
  'PoolName',
];

/**
 * The fake service. Pass `fake` as `requestHandler` to a real CognitoIdentityProviderClient.
 */
export class FakeCognito {
  /** Every request received, in order, with its input. */
  public readonly requests: Array<{ operation: string; input: Json; at: number }> = [];
  /** Requests the API model rejected. */
  public readonly violations: ModelViolation[] = [];
  /** Invitation emails sent. */
  public readonly sentEmails: SentEmail[] = [];
  /** Calls answered with a throttling error (injected or over quota). */
  public throttled = 0;
  /** The same, by operation. */
  public readonly throttledBy = new Map<string, number>();
  /** The API model requests are checked against. */
  public readonly model = cognitoModel;
  /** Checks each API request against the caller's IAM policies; set by the simulator. */
  public authorizer?: Authorizer;

  private readonly pools = new Map<string, PoolState>();
  private readonly faults = new Map<string, { after: number; errorType: string }>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private random: () => number;
  private nextId = 1;

  constructor(private readonly options: FakeCognitoOptions) {
    this.random = seededRandom(options.seed ?? 42);
  }

  /** A client of this fake: the real SDK client with the fake as its HTTP handler. */
  public client(): sdk.CognitoIdentityProviderClient {
    return new sdk.CognitoIdentityProviderClient(fakeClientConfig((request) => this.handle(request)));
  }

  /** Makes calls of `operation` fail with `errorType` once `after` of them have succeeded. */
  public failAfter(operation: string, after: number, errorType = 'InternalErrorException'): void {
    this.faults.set(operation, { after, errorType });
  }

  /** Stops injected failures. */
  public clearFaults(): void {
    this.faults.clear();
  }

  /** Changes the share of throttled calls from now on. */
  public setThrottleRate(rate: number, operations?: string[]): void {
    (this.options as { throttleRate?: number }).throttleRate = rate;
    (this.options as { throttledOperations?: string[] }).throttledOperations = operations;
  }

  /** Number of requests of an operation so far. */
  public count(operation: string): number {
    return this.requests.filter((r) => r.operation === operation).length;
  }

  // --- what CloudFormation does to the pool and client (not through the API model) -----------

  /** Creates a pool as CloudFormation's AWS::Cognito::UserPool handler does. */
  public createUserPool(properties: Json): string {
    const id = `us-east-1_Fake${String(this.nextId++).padStart(5, '0')}`;
    const pool: Json = { Id: id, Name: properties.UserPoolName ?? id, Arn: `arn:aws:cognito-idp:us-east-1:123456789012:userpool/${id}` };
    for (const field of ['AliasAttributes', 'UsernameAttributes', 'UsernameConfiguration', 'SchemaAttributes']) {
      if (properties[field] !== undefined) {
        pool[field] = properties[field];
      }
    }
    this.pools.set(id, { pool, clients: new Map(), users: new Map(), emails: new Map(), groups: new Map() });
    this.applyPoolUpdate(pool, cfnPoolToApi(properties));
    return id;
  }

  /** Updates a pool as CloudFormation does: every template property, so omitted ones reset. */
  public cloudFormationUpdateUserPool(id: string, properties: Json): void {
    this.applyPoolUpdate(this.poolState(id).pool, cfnPoolToApi(properties));
  }

  /** Creates an app client as CloudFormation's AWS::Cognito::UserPoolClient handler does. */
  public createUserPoolClient(userPoolId: string, properties: Json): string {
    const state = this.poolState(userPoolId);
    const id = `fakeclient${String(this.nextId++).padStart(16, '0')}`;
    const client: Json = { UserPoolId: userPoolId, ClientId: id, ClientName: properties.ClientName ?? 'client' };
    if (properties.GenerateSecret) {
      client.ClientSecret = 'secret-that-must-survive-updates';
    }
    state.clients.set(id, client);
    this.applyClientUpdate(client, withoutKeys(properties, ['UserPoolId', 'GenerateSecret']));
    return id;
  }

  /** Updates an app client as CloudFormation does. */
  public cloudFormationUpdateUserPoolClient(userPoolId: string, clientId: string, properties: Json): void {
    this.applyClientUpdate(this.clientState(userPoolId, clientId), withoutKeys(properties, ['UserPoolId', 'GenerateSecret']));
  }

  /** Creates a group (as AWS::Cognito::UserPoolGroup does). */
  public createGroup(userPoolId: string, groupName: string): void {
    this.poolState(userPoolId).groups.set(groupName, new Set());
  }

  /**
   * Deletes a pool with everything in it, as DeleteUserPool does: a pool with deletion protection
   * cannot be deleted (InvalidParameterException; API_DeleteUserPool, UpdateUserPool
   * DeletionProtection), and CloudFormation's delete handler only holds DeleteUserPool.
   */
  public deleteUserPool(userPoolId: string): void {
    if (this.poolState(userPoolId).pool.DeletionProtection === 'ACTIVE') {
      throw new ServiceError('InvalidParameterException', `The user pool ${userPoolId} cannot be deleted because deletion protection is activated.`);
    }
    this.pools.delete(userPoolId);
  }

  /** Deletes an app client (a pool already gone is fine, as for CloudFormation's handler). */
  public deleteUserPoolClient(userPoolId: string, clientId: string): void {
    this.pools.get(userPoolId)?.clients.delete(clientId);
  }

  /** Deletes a group. */
  public deleteGroup(userPoolId: string, groupName: string): void {
    this.pools.get(userPoolId)?.groups.delete(groupName);
  }

  /** True when the pool exists. */
  public hasPool(userPoolId: string): boolean {
    return this.pools.has(userPoolId);
  }

  /** Disables a user (by user name, sub or email), as an administrator does in the console. */
  public adminDisable(userPoolId: string, username: string): void {
    this.user(userPoolId, username).Enabled = false;
  }

  /** Enables a user, as an administrator does in the console. */
  public adminEnable(userPoolId: string, username: string): void {
    this.user(userPoolId, username).Enabled = true;
  }

  /** Confirms a user as their first sign-in does (a new password set). */
  public confirm(userPoolId: string, username: string): void {
    this.user(userPoolId, username).UserStatus = 'CONFIRMED';
  }

  /** The user a name (user name, sub or, where the pool allows it, email) refers to, or undefined. */
  public findUser(userPoolId: string, name: string): UserState | undefined {
    const state = this.poolState(userPoolId);
    const key = this.resolveKey(state, name);
    return key === undefined ? undefined : clone(state.users.get(key));
  }

  /** A deep copy of a pool as DescribeUserPool returns it. */
  public describePool(id: string): Json {
    return clone(this.poolState(id).pool);
  }

  /** A deep copy of a client as DescribeUserPoolClient returns it. */
  public describeClient(userPoolId: string, clientId: string): Json {
    return clone(this.clientState(userPoolId, clientId));
  }

  /** The users of a pool. */
  public users(userPoolId: string): UserState[] {
    return [...this.poolState(userPoolId).users.values()].map(clone);
  }

  /** The members of a group, by user name. */
  public groupMembers(userPoolId: string, group: string): string[] {
    return [...(this.poolState(userPoolId).groups.get(group) ?? [])].map((key) => this.poolState(userPoolId).users.get(key)!.Username).sort();
  }

  // --- the HTTP side ---------------------------------------------------------------------------

  /** Answers one HTTP request of the real SDK client (also served over HTTP by tests of the bundled handler). */
  public async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    const target = header(request, 'x-amz-target') ?? '';
    const operation = target.split('.')[1] ?? '';
    const body = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array);
    const input = JSON.parse(body || '{}');
    this.requests.push({ operation, input, at: this.options.clock.now() });
    try {
      try {
        this.model.check(operation, input);
      } catch (error) {
        if (error instanceof ModelViolation) {
          this.violations.push(error);
          throw new ServiceError('InvalidParameterException', error.message);
        }
        throw error;
      }
      if (this.authorizer) {
        try {
          this.authorizer(`cognito-idp:${operation}`, `arn:aws:cognito-idp:us-east-1:123456789012:userpool/${input.UserPoolId}`);
          if (operation === 'UpdateUserPool') {
            this.authorizePassedResources(input);
          }
        } catch (error) {
          throw new ServiceError('AccessDeniedException', (error as Error).message);
        }
      }
      this.maybeThrottle(operation);
      const fault = this.faults.get(operation);
      if (fault && fault.after-- <= 0) {
        throw new ServiceError(fault.errorType, `Injected ${fault.errorType}`, fault.errorType === 'InternalErrorException' ? 500 : 400);
      }
      if (this.options.latencyMs) {
        await this.options.clock.sleep(this.options.latencyMs);
      }
      return respond(200, this.dispatch(operation, input));
    } catch (error) {
      if (error instanceof ServiceError) {
        return respond(error.status, { __type: error.type, message: error.message }, error.type);
      }
      throw error;
    }
  }

  /**
   * UpdateUserPool passes the SMS role and uses the customer-managed key it is sent: the caller needs
   * iam:PassRole on the role, and the KMS permissions the registry's update handler of
   * AWS::Cognito::UserPool holds, on the key.
   */
  private authorizePassedResources(input: Json): void {
    if (input.SmsConfiguration?.SnsCallerArn) {
      this.authorizer!('iam:PassRole', input.SmsConfiguration.SnsCallerArn);
    }
    if (input.KeyConfiguration?.KeyType === 'CUSTOMER_MANAGED_KEY' && input.KeyConfiguration.KmsKeyArn) {
      for (const action of userPoolKeyActions()) {
        this.authorizer!(action, input.KeyConfiguration.KmsKeyArn);
      }
    }
  }

  private maybeThrottle(operation: string): void {
    const rate = this.options.throttleRate ?? 0;
    const applies = !this.options.throttledOperations || this.options.throttledOperations.includes(operation);
    if (rate > 0 && applies && this.random() < rate) {
      this.countThrottle(operation);
      throw new ServiceError('TooManyRequestsException', 'Rate exceeded (injected)');
    }
    const quota = QUOTAS[operation];
    if (quota) {
      const now = this.options.clock.now();
      const bucket = this.buckets.get(quota.category) ?? { tokens: quota.rps, at: now };
      bucket.tokens = Math.min(quota.rps, bucket.tokens + ((now - bucket.at) * quota.rps) / 1000);
      bucket.at = now;
      this.buckets.set(quota.category, bucket);
      if (bucket.tokens < 1) {
        this.countThrottle(operation);
        throw new ServiceError('TooManyRequestsException', `Rate exceeded for ${quota.category} (${quota.rps} per second)`);
      }
      bucket.tokens -= 1;
    }
  }

  private countThrottle(operation: string): void {
    this.throttled++;
    this.throttledBy.set(operation, (this.throttledBy.get(operation) ?? 0) + 1);
  }

  private dispatch(operation: string, input: Json): Json {
    switch (operation) {
      case 'DescribeUserPool':
        return { UserPool: this.describePool(input.UserPoolId) };
      case 'UpdateUserPool': {
        const state = this.poolState(input.UserPoolId);
        this.applyPoolUpdate(state.pool, withoutKeys(input, ['UserPoolId']));
        return {};
      }
      case 'DescribeUserPoolClient':
        return { UserPoolClient: this.describeClient(input.UserPoolId, input.ClientId) };
      case 'UpdateUserPoolClient': {
        const client = this.clientState(input.UserPoolId, input.ClientId);
        this.applyClientUpdate(client, withoutKeys(input, ['UserPoolId', 'ClientId']));
        return { UserPoolClient: clone(client) };
      }
      case 'AdminCreateUser':
        return { User: this.adminCreateUser(input) };
      case 'AdminGetUser': {
        const user = this.user(input.UserPoolId, input.Username);
        return { Username: user.Username, UserAttributes: user.Attributes, Enabled: user.Enabled, UserStatus: user.UserStatus };
      }
      case 'ListUsers':
        return this.page(filtered([...this.poolState(input.UserPoolId).users.values()], input.Filter), input.Limit, input.PaginationToken, 'PaginationToken', input.AttributesToGet);
      case 'ListUsersInGroup': {
        const state = this.poolState(input.UserPoolId);
        const members = this.group(state, input.GroupName);
        return this.page([...members].map((key) => state.users.get(key)!), input.Limit, input.NextToken, 'NextToken');
      }
      case 'AdminAddUserToGroup': {
        const state = this.poolState(input.UserPoolId);
        this.group(state, input.GroupName).add(this.userKey(state, input.Username));
        return {};
      }
      case 'AdminRemoveUserFromGroup': {
        const state = this.poolState(input.UserPoolId);
        this.group(state, input.GroupName).delete(this.userKey(state, input.Username));
        return {};
      }
      case 'AdminUpdateUserAttributes': {
        const state = this.poolState(input.UserPoolId);
        const key = this.userKey(state, input.Username);
        const user = state.users.get(key)!;
        for (const { Name, Value } of input.UserAttributes as Array<{ Name: string; Value: string }>) {
          if (Name === 'email') {
            const owner = state.emails.get(Value.toLowerCase());
            if (owner !== undefined && owner !== key) {
              throw new ServiceError('AliasExistsException', 'An account with the given email already exists.');
            }
            const old = user.Attributes.find((a) => a.Name === 'email')?.Value;
            if (old) {
              state.emails.delete(old.toLowerCase());
            }
            state.emails.set(Value.toLowerCase(), key);
          }
          user.Attributes = [...user.Attributes.filter((a) => a.Name !== Name), { Name, Value }];
        }
        this.modify(user);
        return {};
      }
      case 'AdminDisableUser':
        this.modify(this.user(input.UserPoolId, input.Username)).Enabled = false;
        return {};
      case 'AdminEnableUser':
        this.modify(this.user(input.UserPoolId, input.Username)).Enabled = true;
        return {};
      case 'AdminDeleteUser': {
        const state = this.poolState(input.UserPoolId);
        const key = this.userKey(state, input.Username);
        const email = state.users.get(key)!.Attributes.find((a) => a.Name === 'email')?.Value;
        state.users.delete(key);
        if (email) {
          state.emails.delete(email.toLowerCase());
        }
        state.groups.forEach((members) => members.delete(key));
        return {};
      }
      default:
        throw new ServiceError('UnsupportedOperationException', `The fake does not implement ${operation}.`);
    }
  }

  private applyPoolUpdate(pool: Json, request: Json): void {
    const updated: Json = {};
    for (const field of POOL_UPDATE_FIELDS) {
      const name = field === 'PoolName' ? 'Name' : field;
      if (request[field] !== undefined) {
        updated[name] = clone(request[field]);
      } else if (POOL_KEPT_WHEN_OMITTED.includes(field)) {
        updated[name] = pool[name];
      } else if (POOL_DEFAULTS[field] !== undefined) {
        updated[name] = clone(POOL_DEFAULTS[field]);
      }
    }
    // Omitted members of AdminCreateUserConfig take their defaults too; Describe mirrors the
    // deprecated UnusedAccountValidityDays from TemporaryPasswordValidityDays, as Cognito does.
    const adminConfig = {
      AllowAdminCreateUserOnly: false,
      ...updated.AdminCreateUserConfig,
      UnusedAccountValidityDays: updated.Policies?.PasswordPolicy?.TemporaryPasswordValidityDays ?? 7,
    };
    updated.AdminCreateUserConfig = adminConfig;
    const temporaryPasswordDays = request.Policies?.PasswordPolicy?.TemporaryPasswordValidityDays;
    if (request.AdminCreateUserConfig?.UnusedAccountValidityDays !== undefined && temporaryPasswordDays !== undefined) {
      throw new ServiceError('InvalidParameterException', 'Please use TemporaryPasswordValidityDays in PasswordPolicy instead of UnusedAccountValidityDays');
    }
    // "An omitted EnableStatus turns dynamic client registration on" (UpdateUserPool DcrConfiguration).
    if (request.DcrConfiguration && request.DcrConfiguration.EnableStatus === undefined) {
      updated.DcrConfiguration = { ...updated.DcrConfiguration, EnableStatus: 'Enabled' };
    }
    const invite = adminConfig.InviteMessageTemplate?.EmailMessage;
    if (invite !== undefined && !(invite.includes('{username}') && invite.includes('{####}'))) {
      throw new ServiceError('InvalidParameterException', 'Invite message must contain {username} and {####}');
    }
    if (updated.UserPoolAddOns && updated.UserPoolTier !== 'PLUS' && updated.UserPoolAddOns.AdvancedSecurityMode !== 'OFF') {
      throw new ServiceError('FeatureUnavailableInTierException', 'Threat protection needs the Plus feature plan');
    }
    const kept = withoutKeys(pool, POOL_UPDATE_FIELDS.map((f: string) => (f === 'PoolName' ? 'Name' : f)));
    for (const key of Object.keys(pool)) {
      delete pool[key];
    }
    Object.assign(pool, kept, stripUndefined(updated));
    pool.LastModifiedDate = this.options.clock.now() / 1000;
  }

  private applyClientUpdate(client: Json, request: Json): void {
    const updated: Json = {};
    for (const field of CLIENT_UPDATE_FIELDS) {
      if (request[field] !== undefined) {
        updated[field] = clone(request[field]);
      } else if (field === 'ClientName') {
        updated[field] = client[field];
      } else if (CLIENT_DEFAULTS[field] !== undefined) {
        updated[field] = clone(CLIENT_DEFAULTS[field]);
      }
    }
    const urls = [...(updated.CallbackURLs ?? []), ...(updated.LogoutURLs ?? [])];
    for (const url of urls) {
      if (!/^https:\/\//.test(url) && !/^http:\/\/localhost(:\d+)?(\/|$)/.test(url)) {
        throw new ServiceError('InvalidParameterException', `${url} must use https (or http://localhost)`);
      }
    }
    if (updated.DefaultRedirectURI !== undefined && !(updated.CallbackURLs ?? []).includes(updated.DefaultRedirectURI)) {
      throw new ServiceError('InvalidParameterException', 'DefaultRedirectURI must be one of the CallbackURLs');
    }
    const oauthComplete = updated.AllowedOAuthFlows?.length && updated.AllowedOAuthScopes?.length && updated.CallbackURLs?.length;
    if (updated.AllowedOAuthFlowsUserPoolClient && !oauthComplete) {
      throw new ServiceError('InvalidOAuthFlowException', 'OAuth clients need flows, scopes and callback URLs');
    }
    const kept = withoutKeys(client, CLIENT_UPDATE_FIELDS);
    for (const key of Object.keys(client)) {
      delete client[key];
    }
    Object.assign(client, kept, stripUndefined(updated));
    client.LastModifiedDate = this.options.clock.now() / 1000;
  }

  private adminCreateUser(input: Json): Json {
    const state = this.poolState(input.UserPoolId);
    if (input.MessageAction === 'RESEND') {
      return this.resend(state, input);
    }
    const attributes: Array<{ Name: string; Value: string }> = clone(input.UserAttributes ?? []);
    const signInAttributes: string[] = state.pool.UsernameAttributes ?? [];
    if (signInAttributes.includes('email')) {
      if (!/^[^@\s]+@[^@\s]+$/.test(input.Username)) {
        throw new ServiceError('InvalidParameterException', 'Username should be an email.');
      }
      if (!attributes.some((a) => a.Name === 'email')) {
        attributes.push({ Name: 'email', Value: input.Username });
      }
      if (attributes.find((a) => a.Name === 'email')!.Value.toLowerCase() !== input.Username.toLowerCase()) {
        throw new ServiceError('InvalidParameterException', 'Username and the email attribute must be the same.');
      }
    }
    const email = attributes.find((a) => a.Name === 'email')?.Value;
    if ((state.pool.AliasAttributes ?? []).includes('email') && /@/.test(input.Username)) {
      throw new ServiceError('InvalidParameterException', 'Username cannot be of email format, since user pool is configured for email alias.');
    }
    const sub = this.nextSub();
    // The model's rule: a pool that signs in with emails or phone numbers only names its users itself.
    const generated = GENERATES_USERNAMES && signInAttributes.length > 0 && !this.options.keepGivenUsernames;
    const username = generated ? sub : input.Username;
    const key = this.caseInsensitive(state) ? username.toLowerCase() : username;
    if (state.users.has(key) || (signInAttributes.includes('email') && email && state.emails.has(email.toLowerCase()))) {
      throw new ServiceError('UsernameExistsException', signInAttributes.includes('email') ? 'An account with the given email already exists.' : 'User account already exists');
    }
    if (email && state.emails.has(email.toLowerCase()) && (state.pool.AliasAttributes ?? []).includes('email')) {
      throw new ServiceError('AliasExistsException', 'An account with the given email already exists.');
    }
    const now = this.options.clock.now();
    const user: UserState = {
      Username: username,
      Attributes: [{ Name: 'sub', Value: sub }, ...attributes.filter((a) => a.Name !== 'sub')],
      Enabled: true,
      UserStatus: 'FORCE_CHANGE_PASSWORD',
      UserCreateDate: now,
      UserLastModifiedDate: now,
    };
    state.users.set(key, user);
    if (email) {
      state.emails.set(email.toLowerCase(), key);
    }
    if (input.MessageAction !== 'SUPPRESS') {
      this.sendInvitation(input.UserPoolId, state, user, input.Username, input.DesiredDeliveryMediums);
    }
    return this.userType(user);
  }

  /**
   * MessageAction RESEND: "resend the invitation message to a user that already exists, and to reset
   * the temporary-password duration with a new temporary password" (AdminCreateUserRequest). A missing
   * user is UserNotFoundException and one past FORCE_CHANGE_PASSWORD UnsupportedUserStateException
   * (both among the operation's errors in the model; which applies when is moto's and emulators' reading).
   */
  private resend(state: PoolState, input: Json): Json {
    const key = this.resolveKey(state, input.Username);
    if (key === undefined) {
      throw new ServiceError('UserNotFoundException', 'User does not exist.');
    }
    const user = state.users.get(key)!;
    if (user.UserStatus !== 'FORCE_CHANGE_PASSWORD') {
      throw new ServiceError('UnsupportedUserStateException', 'Resend not possible. The user is not in the FORCE_CHANGE_PASSWORD state.');
    }
    this.modify(user);
    this.sendInvitation(input.UserPoolId, state, user, input.Username, input.DesiredDeliveryMediums);
    return this.userType(user);
  }

  private sendInvitation(userPoolId: string, state: PoolState, user: UserState, signInName: string, mediums: string[] | undefined): void {
    const to = user.Attributes.find((a) => a.Name === 'email')?.Value;
    if (!to || !(mediums ?? ['SMS']).includes('EMAIL')) {
      return;
    }
    const template = state.pool.AdminCreateUserConfig?.InviteMessageTemplate ?? {};
    this.sentEmails.push({
      userPoolId,
      username: user.Username,
      to,
      subject: template.EmailSubject ?? 'Your temporary password',
      body: (template.EmailMessage ?? 'Your username is {username} and temporary password is {####}.')
        .split('{username}').join(signInName).split('{####}').join('Temp-Passw0rd!'),
    });
  }

  private modify(user: UserState): UserState {
    user.UserLastModifiedDate = this.options.clock.now();
    return user;
  }

  private userType(user: UserState, attributesToGet?: string[]): Json {
    return {
      Username: user.Username,
      Attributes: attributesToGet ? user.Attributes.filter((a) => attributesToGet.includes(a.Name)) : user.Attributes,
      Enabled: user.Enabled,
      UserStatus: user.UserStatus,
      UserCreateDate: user.UserCreateDate / 1000,
      UserLastModifiedDate: user.UserLastModifiedDate / 1000,
    };
  }

  /** A sub as Cognito makes them: a UUID (deterministic here). */
  private nextSub(): string {
    const n = String(this.nextId++).padStart(12, '0');
    return `5ub00000-0000-4000-8000-${n}`.replace('5ub', 'a1b');
  }

  private page(users: UserState[], limit: number | undefined, token: string | undefined, tokenName: string, attributesToGet?: string[]): Json {
    const start = token ? Number(Buffer.from(token, 'base64').toString()) : 0;
    const size = limit ?? 60;
    const slice = users.slice(start, start + size).map((u) => this.userType(u, attributesToGet));
    const next = start + size < users.length ? Buffer.from(String(start + size)).toString('base64') : undefined;
    return { Users: slice, ...(next ? { [tokenName]: next } : {}) };
  }

  private poolState(id: string): PoolState {
    const state = this.pools.get(id);
    if (!state) {
      throw new ServiceError('ResourceNotFoundException', `User pool ${id} does not exist.`);
    }
    return state;
  }

  private clientState(userPoolId: string, clientId: string): Json {
    const client = this.poolState(userPoolId).clients.get(clientId);
    if (!client) {
      throw new ServiceError('ResourceNotFoundException', `User pool client ${clientId} does not exist.`);
    }
    return client;
  }

  private group(state: PoolState, name: string): Set<string> {
    const group = state.groups.get(name);
    if (!group) {
      throw new ServiceError('ResourceNotFoundException', `Group ${name} not found.`);
    }
    return group;
  }

  /** The API model: `CaseSensitive` true "is the default value" (UsernameConfigurationType). */
  private caseInsensitive(state: PoolState): boolean {
    return state.pool.UsernameConfiguration?.CaseSensitive === false;
  }

  /**
   * The user an Admin* call names: "typically your user's username, but it can be any of their alias
   * attributes. If username isn't an alias attribute in your user pool, this value must be the sub of
   * a local user" (the model's UsernameType documentation). A pool that signs in with the email takes
   * the email too.
   */
  private resolveKey(state: PoolState, name: string): string | undefined {
    const key = this.caseInsensitive(state) ? name.toLowerCase() : name;
    if (state.users.has(key)) {
      return key;
    }
    const emailNames = [...(state.pool.AliasAttributes ?? []), ...(state.pool.UsernameAttributes ?? [])].includes('email');
    if (emailNames && state.emails.has(name.toLowerCase())) {
      return state.emails.get(name.toLowerCase());
    }
    for (const [k, user] of state.users) {
      if (user.Attributes.some((a) => a.Name === 'sub' && a.Value === name)) {
        return k;
      }
    }
    return undefined;
  }

  private userKey(state: PoolState, username: string): string {
    const key = this.resolveKey(state, username);
    if (key === undefined) {
      throw new ServiceError('UserNotFoundException', 'User does not exist.');
    }
    return key;
  }

  private user(userPoolId: string, username: string): UserState {
    const state = this.poolState(userPoolId);
    return state.users.get(this.userKey(state, username))!;
  }
}

/** ListUsers' server-side filter: one attribute, `=` or `^=` (ListUsersRequest.Filter). */
function filtered(users: UserState[], filter: string | undefined): UserState[] {
  if (!filter) {
    return users;
  }
  const match = /^\s*([\w:]+)\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(filter);
  if (!match) {
    throw new ServiceError('InvalidParameterException', `Invalid filter: ${filter}`);
  }
  const [, attribute, operator, quoted] = match;
  const wanted = quoted.replace(/\\(.)/g, '$1');
  const valueOf = (u: UserState) => (attribute === 'username' ? u.Username : attribute === 'cognito:user_status' ? u.UserStatus
    : attribute === 'status' ? (u.Enabled ? 'Enabled' : 'Disabled') : u.Attributes.find((a) => a.Name === attribute)?.Value);
  if (!['username', 'email', 'phone_number', 'name', 'given_name', 'family_name', 'preferred_username', 'cognito:user_status', 'status', 'sub'].includes(attribute)) {
    throw new ServiceError('InvalidParameterException', `The attribute ${attribute} cannot be searched.`);
  }
  return users.filter((u) => {
    const value = valueOf(u);
    return value !== undefined && (operator === '=' ? value === wanted : value.startsWith(wanted));
  });
}

/** AWS::Cognito::UserPool properties as the API names them (CloudFormation sends them all). */
function cfnPoolToApi(properties: Json): Json {
  const api: Json = withoutKeys(properties, ['UserPoolName', 'AliasAttributes', 'UsernameAttributes', 'UsernameConfiguration', 'Schema', 'EnabledMfas']);
  if (properties.UserPoolName !== undefined) {
    api.PoolName = properties.UserPoolName;
  }
  if (properties.DeletionProtection === undefined) {
    delete api.DeletionProtection;
  }
  return api;
}

function respond(statusCode: number, body: Json, errorType?: string): { response: HttpResponse } {
  return {
    response: new HttpResponse({
      statusCode,
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': 'fake-request',
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      },
      body: new TextEncoder().encode(JSON.stringify(body)),
    }),
  };
}

function header(request: HttpRequest, name: string): string | undefined {
  const key = Object.keys(request.headers).find((h) => h.toLowerCase() === name);
  return key ? request.headers[key] : undefined;
}

function withoutKeys(value: Json, keys: string[]): Json {
  const copy: Json = {};
  for (const [k, v] of Object.entries(value)) {
    if (!keys.includes(k)) {
      copy[k] = v;
    }
  }
  return copy;
}

function stripUndefined(value: Json): Json {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

function clone<T>(value: T): T {
  return value === undefined ? value : JSON.parse(JSON.stringify(value));
}

/** A small seeded PRNG (mulberry32), so throttling is random but repeatable. */
export function seededRandom(seed: number): () => number {
  /* eslint-disable no-bitwise */
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  /* eslint-enable no-bitwise */
}
