import { Duration, Token } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { newStack } from './util';
import {
  CallbackReconciler, CognitoBackbone, ExistingWorkforce, InvitationSender, PrivateWorkforce, Workers, WorkforceResource, WorkforceWebAcl,
} from '../src';

// Untyped callers (JavaScript, and Python and Java through jsii) can pass any value: each case is
// such a call, and each must fail with an Error that names the prop, the value and what is
// allowed, never a TypeError from inside and never a template.

/* eslint-disable @typescript-eslint/no-explicit-any */
const js = (value: unknown) => value as any;
const pool = (stack = newStack()) => cognito.UserPool.fromUserPoolId(stack, 'Pool', 'us-east-1_AbCdEf123');
const workforce = (props: unknown) => () => new PrivateWorkforce(newStack(), 'Workforce', js(props));
const sender = (props: (s: ReturnType<typeof newStack>) => unknown) => () => {
  const stack = newStack();
  return new InvitationSender(stack, 'Invitations', js(props(stack)));
};
const USER_POOL = 'a cognito.IUserPool (for example cognito.UserPool.fromUserPoolId(this, "Pool", "us-east-1_AbC123"))';
const WORKERS = 'Workers (Workers.fromList([...]) or Workers.fromFile(path))';
const retention = Object.keys(logs.RetentionDays).filter((k) => !/^\d+$/.test(k)).map((k) => `logs.RetentionDays.${k}`).join(', ');

const cases: Array<[string, () => unknown, string]> = [
  ['workforceName a number', workforce({ workforceName: 123 }), '`workforceName` must be a string, got: 123 (a number).'],
  ['sourceIpCidrs a string', workforce({ sourceIpCidrs: '203.0.113.0/24' }), '`sourceIpCidrs` must be a list of strings, got: "203.0.113.0/24" (a string).'],
  ['sourceIpCidrs with a number', workforce({ sourceIpCidrs: ['10.0.0.0/8', 5] }), '`sourceIpCidrs[1]` must be a string, got: 5 (a number).'],
  ['sourceIpCidrs with a block twice', workforce({ sourceIpCidrs: ['10.0.0.0/8', '10.0.0.0/8'] }),
    '`sourceIpCidrs` must list each network once, got "10.0.0.0/8" twice in ["10.0.0.0/8","10.0.0.0/8"].'],
  ['vpcConfig with a security group twice', () => {
    const stack = newStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0aaa', availabilityZones: ['us-east-1a'], privateSubnetIds: ['subnet-0aaa'] });
    const sg = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0aaa');
    return new ExistingWorkforce(stack, 'Workforce', js({ vpcConfig: { vpc, securityGroups: [sg, sg] } }));
  }, '`vpcConfig.securityGroups` must list each security group once, got "sg-0aaa" twice in ["sg-0aaa","sg-0aaa"].'],
  ['removedWorkers lower case', workforce({ removedWorkers: 'retain' }),
    '`removedWorkers` must be one of WorkerRemovalPolicy.RETAIN, WorkerRemovalPolicy.DISABLE, WorkerRemovalPolicy.DELETE, got: "retain" (a string).'],
  ['ipAddressType the member name', workforce({ ipAddressType: 'IPV4' }),
    '`ipAddressType` must be one of IpAddressType.IPV4, IpAddressType.DUALSTACK, got: "IPV4" (a string).'],
  ['domainPrefix a number', workforce({ domainPrefix: 42 }), '`domainPrefix` must be a string, got: 42 (a number).'],
  ['tags a list', workforce({ tags: ['team'] }), '`tags` must be an object of strings by key, got: ["team"] (a list).'],
  ['a tag value a number', workforce({ tags: { team: 1 } }), '`tags.team` must be a string, got: 1 (a number).'],
  ['userPool a pool id', workforce({ userPool: 'us-east-1_AbCdEf123' }), `\`userPool\` must be ${USER_POOL}, got: "us-east-1_AbCdEf123" (a string).`],
  ['workers a plain list', workforce({ workers: [{ email: 'ana@example.com' }] }), `\`workers\` must be ${WORKERS}, got: [{"email":"ana@example.com"}] (a list).`],
  ['removeWorkersOnStackDelete "yes"', workforce({ removeWorkersOnStackDelete: 'yes' }), '`removeWorkersOnStackDelete` must be true or false, got: "yes" (a string).'],
  ['sendInvitationEmails 0', workforce({ sendInvitationEmails: 0 }), '`sendInvitationEmails` must be true or false, got: 0 (a number).'],
  ['manageInvitation "false"', workforce({ manageInvitation: 'false' }), '`manageInvitation` must be true or false, got: "false" (a string).'],
  ['refreshTokenValidity in days as a number', workforce({ refreshTokenValidity: 30 }), '`refreshTokenValidity` must be a Duration (for example Duration.days(7)), got: 30 (a number).'],
  ['logRetention not a retention', workforce({ logRetention: 8 }), `\`logRetention\` must be one of ${retention}, got: 8 (a number).`],
  ['featurePlan the console\'s name', workforce({ featurePlan: 'Plus' }),
    '`featurePlan` must be one of cognito.FeaturePlan.LITE, cognito.FeaturePlan.ESSENTIALS, cognito.FeaturePlan.PLUS, got: "Plus" (a string).'],
  ['removalPolicy CloudFormation\'s name', workforce({ removalPolicy: 'Delete' }),
    '`removalPolicy` must be one of RemovalPolicy.DESTROY, RemovalPolicy.RETAIN, RemovalPolicy.SNAPSHOT, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE, got: "Delete" (a string).'],
  ['invitation a string', workforce({ invitation: 'Welcome' }), '`invitation` must be an object of props, got: "Welcome" (a string).'],
  ['invitation body a number', workforce({ invitation: { emailBody: 7 } }), '`invitation.emailBody` must be a string, got: 7 (a number).'],
  ['web ACL rate limit a string', workforce({ webAcl: { rateLimit: '100' } }), '`webAcl.rateLimit` must be a number, got: "100" (a string).'],
  ['web ACL countries a string', workforce({ webAcl: { allowedCountryCodes: 'DE' } }), '`webAcl.allowedCountryCodes` must be a list of strings, got: "DE" (a string).'],
  ['web ACL extra rules an object', workforce({ webAcl: { extraRules: {} } }), '`webAcl.extraRules` must be a list of objects, got: {} (an object).'],
  ['vpcConfig without its vpc', workforce({ vpcConfig: {} }), '`vpcConfig.vpc` is required: an ec2.IVpc.'],
  ['vpcConfig.vpc a VPC id', workforce({ vpcConfig: { vpc: 'vpc-0123' } }), '`vpcConfig.vpc` must be an ec2.IVpc, got: "vpc-0123" (a string).'],
  ['additionalCallbackUrls a string', workforce({ additionalCallbackUrls: 'https://tools.example.com/cb' }),
    '`additionalCallbackUrls` must be a list of strings, got: "https://tools.example.com/cb" (a string).'],
  ['the props a string', workforce('labeling'), '`props` must be an object of props, got: "labeling" (a string).'],
  ['passwordPolicy length a string', workforce({ passwordPolicy: { minLength: '12' } }), '`passwordPolicy.minLength` must be a number, got: "12" (a string).'],
  ['smsRole an ARN', workforce({ smsRole: 'arn:aws:iam::123456789012:role/sms' }),
    '`smsRole` must be an iam.IRole (for example iam.Role.fromRoleArn(...)), got: "arn:aws:iam::123456789012:role/sms" (a string).'],
  ['customDomain without certificate', workforce({ customDomain: { domainName: 'login.example.com' } }), '`customDomain.certificate` is required: an acm.ICertificate.'],
  ['email the SES options themselves', workforce({ email: { fromEmail: 'a@example.com' } }),
    '`email` must be a cognito.UserPoolEmail (for example cognito.UserPoolEmail.withSES(...)), got: {"fromEmail":"a@example.com"} (an object).'],
  ['InvitationSender without a pool', sender(() => ({})), `\`userPool\` is required: ${USER_POOL}.`],
  ['InvitationSender rate a string', sender((s) => ({ userPool: pool(s), maxInvitationsPerSecond: '10' })), '`maxInvitationsPerSecond` must be a number, got: "10" (a string).'],
  ['InvitationSender rate NaN', sender((s) => ({ userPool: pool(s), maxInvitationsPerSecond: NaN })), '`maxInvitationsPerSecond` must be a finite number, got: null (a number).'],
  ['InvitationSender reconciler a URL', sender((s) => ({ userPool: pool(s), reconciler: 'https://portal' })), '`reconciler` must be a CallbackReconciler, got: "https://portal" (a string).'],
  ['CallbackReconciler without subDomain', () => {
    const stack = newStack();
    const backbone = new CognitoBackbone(stack, 'Cognito');
    return new CallbackReconciler(stack, 'Wiring', js({ userPool: backbone.userPool, userPoolClient: backbone.userPoolClient }));
  }, '`subDomain` is required: a string.'],
  ['CallbackReconciler client an id', () => {
    const stack = newStack();
    return new CallbackReconciler(stack, 'Wiring', js({ userPool: pool(stack), userPoolClient: '1abc', subDomain: 'x.labeling.us-east-1.sagemaker.aws' }));
  }, '`userPoolClient` must be a cognito.IUserPoolClient, got: "1abc" (a string).'],
  ['WorkforceResource Cognito config without client', () => {
    const stack = newStack();
    return new WorkforceResource(stack, 'Workforce', js({ cognitoConfig: { userPool: pool(stack) } }));
  }, '`cognitoConfig.userPoolClient` is required: a cognito.IUserPoolClient.'],
  ['WorkforceResource OIDC secret in plain text', () => new WorkforceResource(newStack(), 'Workforce', js({
    oidcConfig: { clientId: 'a', clientSecret: 'secret', issuer: 'https://i', authorizationEndpoint: 'https://a', tokenEndpoint: 'https://t', userInfoEndpoint: 'https://u', logoutEndpoint: 'https://l', jwksUri: 'https://j' },
  })), '`oidcConfig.clientSecret` must be a SecretValue (SecretValue.secretsManager(...) or SecretValue.ssmSecure(...)), got: "secret" (a string).'],
  ['WorkforceWebAcl logging "on"', () => new WorkforceWebAcl(newStack(), 'WebAcl', js({ logging: 'on' })), '`logging` must be true or false, got: "on" (a string).'],
  ['addWorkteam without a description', () => new PrivateWorkforce(newStack(), 'Workforce').addWorkteam('Cats', js({ workteamName: 'cats' })),
    '`options.description` is required: a string.'],
  ['addWorkteam options a string', () => new PrivateWorkforce(newStack(), 'Workforce').addWorkteam('Cats', js('Cats')), '`options` must be an object of props, got: "Cats" (a string).'],
  ['addWorkteam id a number', () => new PrivateWorkforce(newStack(), 'Workforce').addWorkteam(js(7), { description: 'Cats' }), '`id` must be a string, got: 7 (a number).'],
  ['addWorkers a list of emails', () => new PrivateWorkforce(newStack(), 'Workforce').addWorkers(js(['ana@example.com'])),
    `\`workers\` must be ${WORKERS}, got: ["ana@example.com"] (a list).`],
  ['addAlarms topic an ARN', () => new PrivateWorkforce(newStack(), 'Workforce').addAlarms(js({ topic: 'arn:aws:sns:us-east-1:123456789012:alarms' })),
    '`topic` must be an sns.ITopic, got: "arn:aws:sns:us-east-1:123456789012:alarms" (a string).'],
  ['addAlarms threshold a string', () => new PrivateWorkforce(newStack(), 'Workforce').addAlarms(js({ signInThrottleThreshold: '5' })),
    '`signInThrottleThreshold` must be a number, got: "5" (a string).'],
  ['addIdentityProvider a provider name', () => new PrivateWorkforce(newStack(), 'Workforce').addIdentityProvider(js('Google')),
    '`provider` must be a cognito.IUserPoolIdentityProvider (for example a cognito.UserPoolIdentityProviderSaml), got: "Google" (a string).'],
  ['Workers.fromList an email', () => Workers.fromList(js('ana@example.com')), '`workers` must be a list of objects, got: "ana@example.com" (a string).'],
  ['Workers.fromList email a number', () => Workers.fromList(js([{ email: 5 }])), '`workers[0].email` must be a string, got: 5 (a number).'],
  ['Workers.fromList without email', () => Workers.fromList(js([{ username: 'ana' }])), '`workers[0].email` is required: a string.'],
  ['Workers.fromFile a number', () => Workers.fromFile(js(42)), '`filePath` must be a string, got: 42 (a number).'],
];

describe('untyped callers get a clear error, naming the prop, the value and what is allowed', () => {
  test('the table has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  test.each(cases)('%s', (_, call, message) => {
    let thrown: unknown;
    try {
      call();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).constructor).toBe(Error); // never a TypeError from inside
    expect((thrown as Error).message).toBe(message);
  });

  test('tokens stay allowed where a token makes sense', () => {
    const stack = newStack();
    expect(() => new PrivateWorkforce(stack, 'Workforce', {
      workforceName: Token.asString({ Ref: 'Name' }),
      sourceIpCidrs: Token.asList({ Ref: 'Cidrs' }),
      refreshTokenValidity: Duration.days(7),
    })).not.toThrow();
  });
});
