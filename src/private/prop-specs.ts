import { RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as logs from 'aws-cdk-lib/aws-logs';
import { enumOf, like, PropType, PropTypes, required } from './prop-types';
import { IpAddressType } from '../ip-address-type';
import { WorkerRemovalPolicy } from '../worker-removal-policy';

// What each public construct's props must be, for the type checks every constructor and add*
// method runs first (see prop-types.ts). A construct checks the props it is given.

const STRING_LIST: PropType = { list: 'string' };
const TAGS: PropType = { record: 'string' };
const OBJECT: PropType = { shape: {} };

export const USER_POOL = like('a cognito.IUserPool (for example cognito.UserPool.fromUserPoolId(this, "Pool", "us-east-1_AbC123"))', 'userPoolId');
export const USER_POOL_CLIENT = like('a cognito.IUserPoolClient', 'userPoolClientId');
export const WORKERS = like('Workers (Workers.fromList([...]) or Workers.fromFile(path))', '_load');
const VPC = like('an ec2.IVpc', 'vpcId');
const SECURITY_GROUP = like('an ec2.ISecurityGroup', 'securityGroupId');
const ROLE = like('an iam.IRole (for example iam.Role.fromRoleArn(...))', 'roleArn');
const KEY = like('a kms.IKey (for example kms.Key.fromKeyArn(...))', 'keyArn');
const TOPIC = like('an sns.ITopic', 'topicArn');
const CERTIFICATE = like('an acm.ICertificate', 'certificateArn');
const HOSTED_ZONE = like('a route53.IHostedZone', 'hostedZoneId');
const SECRET = like('a SecretValue (SecretValue.secretsManager(...) or SecretValue.ssmSecure(...))', 'unsafeUnwrap');
const RECONCILER = like('a CallbackReconciler', 'portalUrl');
const SENDER = like('an InvitationSender', 'addGroupMembers');
const WORKFORCE = like('an IWorkforce (a WorkforceResource, PrivateWorkforce.workforce or an ExistingWorkforce)', 'workforceName');
const METRIC = like('a cloudwatch.IMetric', 'toMetricConfig');
export const IDENTITY_PROVIDER = like('a cognito.IUserPoolIdentityProvider (for example a cognito.UserPoolIdentityProviderSaml)', 'providerName');
const USER_POOL_EMAIL = like('a cognito.UserPoolEmail (for example cognito.UserPoolEmail.withSES(...))', '_bind');
const REMOVAL_POLICY = enumOf(RemovalPolicy as unknown as Record<string, string>, 'RemovalPolicy');
const RETENTION = enumOf(logs.RetentionDays as unknown as Record<string, number>, 'logs.RetentionDays');

const INVITATION: PropType = { shape: { emailSubject: 'string', emailBody: 'string' } };

export const WORKFORCE_WEB_ACL_TYPES: PropTypes = {
  rateLimit: 'number',
  allowedCountryCodes: STRING_LIST,
  extraRules: { list: OBJECT },
  logging: 'boolean',
  logRetention: RETENTION,
};

export const VPC_CONFIG_TYPES: PropTypes = {
  vpc: required(VPC),
  subnets: OBJECT,
  securityGroups: { list: SECURITY_GROUP },
};

/** The workforce settings of `WorkforceResource` and `PrivateWorkforce`. */
export const WORKFORCE_SETTINGS_TYPES: PropTypes = {
  workforceName: 'string',
  sourceIpCidrs: STRING_LIST,
  vpcConfig: { shape: VPC_CONFIG_TYPES },
  ipAddressType: enumOf(IpAddressType, 'IpAddressType'),
  tags: TAGS,
};

export const OIDC_CONFIG_TYPES: PropTypes = {
  clientId: required('string'),
  clientSecret: required(SECRET),
  issuer: required('string'),
  authorizationEndpoint: required('string'),
  tokenEndpoint: required('string'),
  userInfoEndpoint: required('string'),
  logoutEndpoint: required('string'),
  jwksUri: required('string'),
  scope: 'string',
  authenticationRequestExtraParams: TAGS,
};

export const WORKFORCE_RESOURCE_TYPES: PropTypes = {
  ...WORKFORCE_SETTINGS_TYPES,
  cognitoConfig: { shape: { userPool: required(USER_POOL), userPoolClient: required(USER_POOL_CLIENT) } },
  oidcConfig: { shape: OIDC_CONFIG_TYPES },
  removalPolicy: REMOVAL_POLICY,
};

export const COGNITO_BACKBONE_OPTION_TYPES: PropTypes = {
  userPool: USER_POOL,
  domainPrefix: 'string',
  customDomain: { shape: { domainName: required('string'), certificate: required(CERTIFICATE), hostedZone: HOSTED_ZONE } },
  webAclArn: 'string',
  createWebAcl: 'boolean',
  webAcl: { shape: WORKFORCE_WEB_ACL_TYPES },
  userActivityLogs: 'boolean',
  featurePlan: enumOf(cognito.FeaturePlan, 'cognito.FeaturePlan'),
  email: USER_POOL_EMAIL,
  passwordPolicy: {
    shape: {
      minLength: 'number',
      requireLowercase: 'boolean',
      requireUppercase: 'boolean',
      requireDigits: 'boolean',
      requireSymbols: 'boolean',
      tempPasswordValidity: 'duration',
      passwordHistorySize: 'number',
    },
  },
  accessTokenValidity: 'duration',
  idTokenValidity: 'duration',
  refreshTokenValidity: 'duration',
  additionalCallbackUrls: STRING_LIST,
  additionalLogoutUrls: STRING_LIST,
  logRetention: RETENTION,
  removalPolicy: REMOVAL_POLICY,
  parameterPath: 'string',
};

export const COGNITO_BACKBONE_TYPES: PropTypes = {
  ...COGNITO_BACKBONE_OPTION_TYPES,
  invitation: INVITATION,
  deletionProtection: 'boolean',
};

/** The InvitationSender settings that PrivateWorkforce passes on. */
const SENDER_SETTINGS_TYPES: PropTypes = {
  removedWorkers: enumOf(WorkerRemovalPolicy, 'WorkerRemovalPolicy'),
  removeWorkersOnStackDelete: 'boolean',
  allowLargeRemovals: 'boolean',
  adoptExistingUsers: 'boolean',
  emailAsUsername: 'boolean',
  sendInvitationEmails: 'boolean',
};

export const PRIVATE_WORKFORCE_TYPES: PropTypes = {
  ...COGNITO_BACKBONE_OPTION_TYPES,
  ...WORKFORCE_SETTINGS_TYPES,
  ...SENDER_SETTINGS_TYPES,
  invitation: INVITATION,
  workers: WORKERS,
  manageInvitation: 'boolean',
  smsRole: ROLE,
  userPoolKey: KEY,
};

export const EXISTING_WORKFORCE_TYPES: PropTypes = {
  ...SENDER_SETTINGS_TYPES,
  workforceName: 'string',
  sourceIpCidrs: STRING_LIST,
  vpcConfig: { shape: VPC_CONFIG_TYPES },
  invitation: INVITATION,
  workers: WORKERS,
  manageInvitation: 'boolean',
  smsRole: ROLE,
  userPoolKey: KEY,
};

export const CALLBACK_RECONCILER_TYPES: PropTypes = {
  userPool: required(USER_POOL),
  userPoolClient: required(USER_POOL_CLIENT),
  subDomain: required('string'),
  placeholderUrls: STRING_LIST,
  manageInvitation: 'boolean',
  protectUserPool: 'boolean',
  invitation: INVITATION,
  smsRole: ROLE,
  userPoolKey: KEY,
};

export const INVITATION_SENDER_TYPES: PropTypes = {
  ...SENDER_SETTINGS_TYPES,
  userPool: required(USER_POOL),
  workers: WORKERS,
  maxInvitationsPerSecond: 'number',
  reconciler: RECONCILER,
};

export const WORKTEAM_OPTION_TYPES: PropTypes = {
  description: required('string'),
  workteamName: 'string',
  workers: WORKERS,
  notificationTopic: TOPIC,
  createNotificationTopic: 'boolean',
};

export const WORKTEAM_TYPES: PropTypes = {
  ...WORKTEAM_OPTION_TYPES,
  userPool: required(USER_POOL),
  userPoolClient: required(USER_POOL_CLIENT),
  workforce: required(WORKFORCE),
  invitationSender: SENDER,
};

export const WORKFORCE_ALARMS_OPTION_TYPES: PropTypes = {
  topic: TOPIC,
  signInThrottleThreshold: 'number',
  wafBlockedRequestsThreshold: 'number',
};

export const WORKFORCE_ALARMS_TYPES: PropTypes = {
  ...WORKFORCE_ALARMS_OPTION_TYPES,
  signInThrottles: required(METRIC),
  wafBlockedRequests: METRIC,
  handlerErrors: required(METRIC),
};

/** A worker given in code. */
export const WORKER_TYPES: PropTypes = {
  email: required('string'),
  username: 'string',
};
