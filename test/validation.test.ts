import { Duration, SecretValue } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { OIDC } from './fixtures';
import { newStack } from './util';
import { ExistingWorkforce, IpAddressType, PrivateWorkforce, PrivateWorkforceProps, WorkforceResource, WorkforceResourceProps } from '../src';
import * as lists from '../src/handlers/lists';

const pool = (scope: Construct) => cognito.UserPool.fromUserPoolId(scope, 'Pool', 'us-east-1_AbCdEf123');
const vpc = (scope: Construct, subnetCount = 2) => ec2.Vpc.fromVpcAttributes(scope, 'Vpc', {
  vpcId: 'vpc-0123456789abcdef0',
  availabilityZones: Array.from({ length: subnetCount }, (_, i) => `us-east-1${String.fromCharCode(97 + (i % 6))}`),
  privateSubnetIds: Array.from({ length: subnetCount }, (_, i) => `subnet-${String(i).padStart(17, '0')}`),
});
const sgs = (scope: Construct, count: number) =>
  Array.from({ length: count }, (_, i) => ec2.SecurityGroup.fromSecurityGroupId(scope, `Sg${i}`, `sg-${String(i).padStart(17, '0')}`));
const cert = (scope: Construct, region = 'us-east-1') => acm.Certificate.fromCertificateArn(scope, 'Cert', `arn:aws:acm:${region}:123456789012:certificate/abc`);
const rule = (name: string, priority: number) => ({
  name,
  priority,
  action: { block: {} },
  statement: { geoMatchStatement: { countryCodes: ['KP'] } },
  visibilityConfig: { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: name },
});
const cidrs = (count: number) => Array.from({ length: count }, (_, i) => `10.${i}.0.0/16`);
const longName = 'a'.repeat(64);

type PropsOf = (scope: Construct) => PrivateWorkforceProps;

// [what is wrong, props, the exact message]
const privateWorkforceCases: Array<[string, PropsOf, string]> = [
  ['workforceName with an underscore', () => ({ workforceName: 'my_workforce' }),
    '`workforceName` must be letters, digits and hyphens, starting with a letter or digit (pattern ^[a-zA-Z0-9]([a-zA-Z0-9-]){0,62}$), got: "my_workforce".'],
  ['workforceName starting with a hyphen', () => ({ workforceName: '-labeling' }),
    '`workforceName` must be letters, digits and hyphens, starting with a letter or digit (pattern ^[a-zA-Z0-9]([a-zA-Z0-9-]){0,62}$), got: "-labeling".'],
  ['workforceName too long', () => ({ workforceName: longName }),
    `\`workforceName\` must be 1 to 63 characters long, got 64: "${longName}".`],
  ['workforceName empty', () => ({ workforceName: '' }),
    '`workforceName` must be 1 to 63 characters long, got 0: "".'],
  ['domainPrefix with uppercase letters', () => ({ domainPrefix: 'Acme' }),
    '`domainPrefix` must be 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen (pattern ^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$), got: "Acme".'],
  ['domainPrefix ending with a hyphen', () => ({ domainPrefix: 'acme-' }),
    '`domainPrefix` must be 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen (pattern ^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$), got: "acme-".'],
  ['domainPrefix too long', () => ({ domainPrefix: longName }),
    `\`domainPrefix\` must be 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen (pattern ^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$), got: "${longName}".`],
  ['domainPrefix containing aws', () => ({ domainPrefix: 'my-aws-team' }),
    '`domainPrefix` must not contain "aws" (Cognito refuses aws, amazon, cognito), got: "my-aws-team".'],
  ['domainPrefix containing amazon', () => ({ domainPrefix: 'amazonians' }),
    '`domainPrefix` must not contain "amazon" (Cognito refuses aws, amazon, cognito), got: "amazonians".'],
  ['domainPrefix containing cognito', () => ({ domainPrefix: 'cognito-test' }),
    '`domainPrefix` must not contain "cognito" (Cognito refuses aws, amazon, cognito), got: "cognito-test".'],
  ['more than 10 CIDRs', () => ({ sourceIpCidrs: cidrs(11) }),
    `\`sourceIpCidrs\` must have 1 to 10 item(s), got 11: ${JSON.stringify(cidrs(11))}.`],
  ['an empty CIDR list', () => ({ sourceIpCidrs: [] }),
    '`sourceIpCidrs` must have 1 to 10 item(s), got 0: [].'],
  ['a CIDR without a prefix length', () => ({ sourceIpCidrs: ['10.0.0.0'] }),
    '`sourceIpCidrs` must contain CIDR blocks such as "203.0.113.0/24" or "2001:db8::/32", got: "10.0.0.0".'],
  ['a CIDR with an octet over 255', () => ({ sourceIpCidrs: ['10.0.0.256/24'] }),
    '`sourceIpCidrs` must contain CIDR blocks such as "203.0.113.0/24" or "2001:db8::/32", got: "10.0.0.256/24".'],
  ['an IPv4 prefix over 32', () => ({ sourceIpCidrs: ['10.0.0.0/33'] }),
    '`sourceIpCidrs` must contain CIDR blocks such as "203.0.113.0/24" or "2001:db8::/32", got: "10.0.0.0/33".'],
  ['an IPv6 prefix over 128', () => ({ sourceIpCidrs: ['2001:db8::/129'], ipAddressType: IpAddressType.DUALSTACK }),
    '`sourceIpCidrs` must contain CIDR blocks such as "203.0.113.0/24" or "2001:db8::/32", got: "2001:db8::/129".'],
  ['an IPv6 CIDR without dualstack', () => ({ sourceIpCidrs: ['203.0.113.0/24', '2001:db8::/32'] }),
    '`sourceIpCidrs` contains the IPv6 block "2001:db8::/32", which needs `ipAddressType: IpAddressType.DUALSTACK` (got "ipv4").'],
  ['an unknown ipAddressType', () => ({ ipAddressType: 'ipv6' as IpAddressType }),
    '`ipAddressType` must be one of IpAddressType.IPV4, IpAddressType.DUALSTACK, got: "ipv6" (a string).'],
  ['vpcConfig together with sourceIpCidrs', (s) => ({ vpcConfig: { vpc: vpc(s) }, sourceIpCidrs: ['10.0.0.0/8'] }),
    '`sourceIpCidrs` and `vpcConfig` cannot be combined: source-IP restrictions do not apply to a portal reached through a VPC endpoint. ' +
    'Restrict access with the security groups of `vpcConfig` instead (got sourceIpCidrs ["10.0.0.0/8"]).'],
  ['more than 16 subnets', (s) => ({ vpcConfig: { vpc: vpc(s, 17) } }),
    `\`vpcConfig.subnets\` must have 1 to 16 item(s), got 17: ${JSON.stringify(Array.from({ length: 17 }, (_, i) => `subnet-${String(i).padStart(17, '0')}`))}.`],
  ['no subnets', (s) => ({ vpcConfig: { vpc: vpc(s), subnets: { subnets: [] } } }),
    '`vpcConfig.subnets` must have 1 to 16 item(s), got 0: [].'],
  ['no security groups', (s) => ({ vpcConfig: { vpc: vpc(s), securityGroups: [] } }),
    '`vpcConfig.securityGroups` must have 1 to 5 item(s), got 0: [].'],
  ['more than 5 security groups', (s) => ({ vpcConfig: { vpc: vpc(s), securityGroups: sgs(s, 6) } }),
    '`vpcConfig.securityGroups` must have 1 to 5 item(s), got 6: ' +
    '["sg-00000000000000000","sg-00000000000000001","sg-00000000000000002","sg-00000000000000003","sg-00000000000000004","sg-00000000000000005"].'],
  ['a webAclArn that is not a regional web ACL ARN', () => ({ webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/corp/1' }),
    '`webAclArn` must be the ARN of a regional WAFv2 web ACL (arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>), got: "arn:aws:wafv2:us-east-1:123456789012:global/webacl/corp/1".'],
  ['webAclArn with createWebAcl: true', () => ({ webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/corp/1', createWebAcl: true }),
    '`webAclArn` and `createWebAcl: true` cannot be combined: a user pool has one web ACL (got webAclArn "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/corp/1").'],
  ['webAcl settings with webAclArn', () => ({ webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/corp/1', webAcl: { rateLimit: 100 } }),
    '`webAcl` configures the web ACL the library creates; it cannot be combined with `webAclArn` or `createWebAcl: false`.'],
  ['a rate limit below WAF\'s minimum', () => ({ webAcl: { rateLimit: 5 } }),
    '`webAcl.rateLimit` must be a whole number from 10 to 2000000000, got: 5.'],
  ['featurePlan with an existing pool', (s) => ({ userPool: pool(s), featurePlan: cognito.FeaturePlan.PLUS }),
    '`featurePlan` applies only to a user pool the library creates; configure your existing `userPool` directly (got `featurePlan` together with `userPool`).'],
  ['email and passwordPolicy with an existing pool', (s) => ({ userPool: pool(s), email: cognito.UserPoolEmail.withCognito(), passwordPolicy: { minLength: 8 } }),
    '`email` applies only to a user pool the library creates; configure your existing `userPool` directly (got `email`, `passwordPolicy` together with `userPool`).'],
  ['an access token valid for two days', () => ({ accessTokenValidity: Duration.days(2) }),
    '`accessTokenValidity` must be between 5 minutes and 1 day, got: 2 days.'],
  ['a refresh token valid for 30 minutes', () => ({ refreshTokenValidity: Duration.minutes(30) }),
    '`refreshTokenValidity` must be between 1 hour and 3650 days, got: 30 minutes.'],
  ['a plain-http callback URL', () => ({ additionalCallbackUrls: ['http://tools.example.com/callback'] }),
    '`additionalCallbackUrls` must be an https:// URL, got: "http://tools.example.com/callback".'],
  ['a parameterPath without a leading slash', () => ({ parameterPath: 'labeling' }),
    '`parameterPath` must be an SSM parameter path such as "/teams/labeling" (slash-separated letters, digits, _ . -, no trailing slash) (pattern ^(\\/[a-zA-Z0-9_.-]+)+$), got: "labeling".'],
  ['a parameterPath under /aws', () => ({ parameterPath: '/aws/labeling' }),
    '`parameterPath` must not start with "aws" or "ssm" (reserved by SSM), got: "/aws/labeling".'],
  ['an invitation without the temporary password', () => ({ invitation: { emailBody: 'Hello {username}, go to {portalUrl}' } }),
    '`invitation.emailBody` must contain {####} (Cognito refuses invitations without it), got: "Hello {username}, go to {portalUrl}".'],
  ['an invitation without the user name', () => ({ invitation: { emailBody: 'Your password is {####}' } }),
    '`invitation.emailBody` must contain {username} (Cognito refuses invitations without it), got: "Your password is {####}".'],
  ['an empty invitation subject', () => ({ invitation: { emailSubject: '' } }),
    '`invitation.emailSubject` must be 1 to 140 characters long, got 0: "".'],
  ['both a domain prefix and a custom domain', (s) => ({ domainPrefix: 'acme', customDomain: { domainName: 'login.example.com', certificate: cert(s) } }),
    '`domainPrefix` and `customDomain` cannot be combined: a user pool has one domain (got domainPrefix "acme" and customDomain "login.example.com").'],
  ['a custom domain that is not a domain name', (s) => ({ customDomain: { domainName: 'https://login.example.com', certificate: cert(s) } }),
    '`customDomain.domainName` must be a fully qualified domain name such as "login.labeling.example.com" ' +
    '(pattern ^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$), got: "https://login.example.com".'],
  ['a custom-domain certificate outside us-east-1', (s) => ({ customDomain: { domainName: 'login.example.com', certificate: cert(s, 'eu-west-1') } }),
    '`customDomain.certificate` must be an ACM certificate in us-east-1 (Cognito serves custom domains through CloudFront), got one in eu-west-1: ' +
    '"arn:aws:acm:eu-west-1:123456789012:certificate/abc".'],
  ['a country code that is not ISO alpha-2', () => ({ webAcl: { allowedCountryCodes: ['DEU'] } }),
    '`webAcl.allowedCountryCodes` must contain ISO 3166-1 alpha-2 country codes that WAF knows, such as "DE" or "GB", got: "DEU".'],
  ['an extra WAF rule on a priority the library uses', () => ({ webAcl: { extraRules: [rule('Mine', 2)] } }),
    '`webAcl.extraRules`: rule "Mine" has priority 2, which the library\'s rules use (0, 1, 2, 3, 4); use 5 or more.'],
  ['two extra WAF rules with one priority', () => ({ webAcl: { extraRules: [rule('A', 7), rule('B', 7)] } }),
    '`webAcl.extraRules`: rules "A" and "B" both have priority 7; priorities must be unique.'],
  ['more than 50 tags', () => ({ tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }),
    '`tags` can have at most 50 entries, got 51.'],
];

describe('PrivateWorkforce rejects bad input at synth time, before creating anything', () => {
  test.each(privateWorkforceCases)('%s', (_what, propsOf, message) => {
    const stack = newStack();
    const props = propsOf(stack);
    expect(() => new PrivateWorkforce(stack, 'Workforce', props)).toThrow(new Error(message));
    // The construct was attached to the tree by super(), but has no children.
    expect(stack.node.findChild('Workforce').node.children).toHaveLength(0);
  });

  test('the cases are distinct', () => {
    expect(new Set(privateWorkforceCases.map(([, , message]) => message)).size).toBe(privateWorkforceCases.length);
  });
});

type ResourcePropsOf = (scope: Construct) => WorkforceResourceProps;
const userPool = (s: Construct) => pool(s);
const client = (s: Construct) => cognito.UserPoolClient.fromUserPoolClientId(s, 'Client', 'client123');

const workforceResourceCases: Array<[string, ResourcePropsOf, string]> = [
  ['neither Cognito nor OIDC', () => ({}), 'Exactly one of `cognitoConfig` and `oidcConfig` is required, got neither.'],
  ['both Cognito and OIDC', (s) => ({ cognitoConfig: { userPool: userPool(s), userPoolClient: client(s) }, oidcConfig: OIDC }),
    'Exactly one of `cognitoConfig` and `oidcConfig` is required, got both.'],
  ['an http OIDC issuer', () => ({ oidcConfig: { ...OIDC, issuer: 'http://idp.example.com' } }),
    '`oidcConfig.issuer` must be an https:// URL, got: "http://idp.example.com".'],
  ['an OIDC token endpoint that is not a URL', () => ({ oidcConfig: { ...OIDC, tokenEndpoint: 'idp.example.com/token' } }),
    '`oidcConfig.tokenEndpoint` must be an https:// URL, got: "idp.example.com/token".'],
  ['an OIDC JWKS URI over 500 characters', () => ({ oidcConfig: { ...OIDC, jwksUri: `https://idp.example.com/${'k'.repeat(480)}` } }),
    `\`oidcConfig.jwksUri\` must be at most 500 characters long, got 504: "https://idp.example.com/${'k'.repeat(480)}".`],
  ['an OIDC client id with a hyphen, which the CloudFormation schema refuses', () => ({ oidcConfig: { ...OIDC, clientId: '0a1b-22c3' } }),
    '`oidcConfig.clientId` must be letters, digits, "_" and "+" (the AWS::SageMaker::Workforce schema refuses other characters) (pattern ^[\\w+]+$), got: "0a1b-22c3".'],
  ['a plain-text OIDC client secret', () => ({ oidcConfig: { ...OIDC, clientSecret: SecretValue.unsafePlainText('s3cr3t') } }),
    '`oidcConfig.clientSecret` must reference Secrets Manager or an SSM SecureString (SecretValue.secretsManager(...), SecretValue.ssmSecure(...)) ' +
    'so the secret never appears in the template; got a plain-text SecretValue.'],
];

describe('WorkforceResource rejects bad input at synth time', () => {
  test.each(workforceResourceCases)('%s', (_what, propsOf, message) => {
    const stack = newStack();
    expect(() => new WorkforceResource(stack, 'Workforce', propsOf(stack))).toThrow(new Error(message));
    expect(stack.node.findChild('Workforce').node.children).toHaveLength(0);
  });
});

describe('values that are tokens are not checked at synth time', () => {
  test('token workforce name, domain prefix and CIDRs pass', () => {
    const stack = newStack();
    const param = (name: string) => new cognito.CfnUserPoolDomain(stack, name, { domain: 'x', userPoolId: 'y' }).ref;
    expect(() => new PrivateWorkforce(stack, 'Workforce', {
      workforceName: param('A'),
      domainPrefix: param('B'),
      sourceIpCidrs: [param('C')],
    })).not.toThrow();
  });
});

// A list with an entry twice is never what was meant, and a comparison that ignores repeats takes
// ["A", "A"] for ["A", "0.0.0.0/0"]: every construct that takes the lists refuses repeats. One
// network in two spellings is a repeat (IPv6 case, leading zeros and "::", host bits under the
// prefix); a prefix written with leading zeros ("/024") is no CIDR block for SageMaker's API model.
describe('repeated CIDRs, subnets and security groups are refused at synth by each construct that takes them', () => {
  type Network = Pick<PrivateWorkforceProps, 'sourceIpCidrs' | 'vpcConfig' | 'ipAddressType'>;
  const subnetVpc = (s: Construct) => ec2.Vpc.fromVpcAttributes(s, 'Vpc', {
    vpcId: 'vpc-0aaa', availabilityZones: ['us-east-1a', 'us-east-1b'], privateSubnetIds: ['subnet-0aaa', 'subnet-0bbb'],
  });
  const sg = (s: Construct, id: string, sgId = 'sg-0aaa') => ec2.SecurityGroup.fromSecurityGroupId(s, id, sgId);
  const cases: Array<[string, (s: Construct) => Network, string]> = [
    ['a CIDR block twice', () => ({ sourceIpCidrs: ['203.0.113.0/24', '198.51.100.0/24', '203.0.113.0/24'] }),
      '`sourceIpCidrs` must list each network once, got "203.0.113.0/24" twice in ["203.0.113.0/24","198.51.100.0/24","203.0.113.0/24"].'],
    ['an IPv6 network in two spellings', () => ({ sourceIpCidrs: ['2001:db8::/32', '2001:DB8:0::/32'], ipAddressType: IpAddressType.DUALSTACK }),
      '`sourceIpCidrs` must list each network once, got "2001:db8::/32" and "2001:DB8:0::/32", the same network, in ["2001:db8::/32","2001:DB8:0::/32"].'],
    ['an IPv4 network with and without host bits', () => ({ sourceIpCidrs: ['10.0.0.0/24', '10.0.0.1/24'] }),
      '`sourceIpCidrs` must list each network once, got "10.0.0.0/24" and "10.0.0.1/24", the same network, in ["10.0.0.0/24","10.0.0.1/24"].'],
    ['a prefix length with a leading zero', () => ({ sourceIpCidrs: ['10.0.0.0/24', '10.0.0.0/024'] }),
      '`sourceIpCidrs` must contain CIDR blocks such as "203.0.113.0/24" or "2001:db8::/32", got: "10.0.0.0/024".'],
    ['a subnet selected twice', (s) => {
      const v = subnetVpc(s);
      return { vpcConfig: { vpc: v, subnets: { subnets: [v.privateSubnets[0], v.privateSubnets[1], v.privateSubnets[0]] }, securityGroups: [sg(s, 'Sg')] } };
    }, '`vpcConfig.subnets` must select each subnet once, got "subnet-0aaa" twice in ["subnet-0aaa","subnet-0bbb","subnet-0aaa"].'],
    ['one security group twice', (s) => {
      const group = sg(s, 'Sg');
      return { vpcConfig: { vpc: subnetVpc(s), securityGroups: [group, group] } };
    }, '`vpcConfig.securityGroups` must list each security group once, got "sg-0aaa" twice in ["sg-0aaa","sg-0aaa"].'],
    ['two imports of one security group', (s) => ({ vpcConfig: { vpc: subnetVpc(s), securityGroups: [sg(s, 'Sg'), sg(s, 'Sg2', 'sg-0bbb'), sg(s, 'Again')] } }),
      '`vpcConfig.securityGroups` must list each security group once, got "sg-0aaa" twice in ["sg-0aaa","sg-0bbb","sg-0aaa"].'],
  ];
  const constructs: Array<[string, (s: Construct, network: Network) => unknown]> = [
    ['PrivateWorkforce', (s, network) => new PrivateWorkforce(s, 'Workforce', network)],
    ['WorkforceResource', (s, network) => new WorkforceResource(s, 'Workforce', { cognitoConfig: { userPool: userPool(s), userPoolClient: client(s) }, ...network })],
    ['ExistingWorkforce', (s, network) => new ExistingWorkforce(s, 'Workforce', network)],
  ];
  const table = constructs.flatMap(([name, make]) => cases.map(([what, network, message]) => [name, what, make, network, message] as const));

  test.each(table)('%s: %s', (_name, _what, make, network, message) => {
    const stack = newStack();
    expect(() => make(stack, network(stack))).toThrow(new Error(message));
    // Refused before anything was made.
    expect(stack.node.findChild('Workforce').node.children).toHaveLength(0);
  });

  test.each(constructs)('%s: distinct lists pass, overlapping networks included (10.0.0.0/16 and 10.0.0.0/24 are two networks)', (_name, make) => {
    const cidrsStack = newStack();
    expect(() => make(cidrsStack, { sourceIpCidrs: ['10.0.0.0/16', '10.0.0.0/24', '2001:db8::/32', '2001:db8::/48'], ipAddressType: IpAddressType.DUALSTACK })).not.toThrow();
    const vpcStack = newStack();
    const v = subnetVpc(vpcStack);
    expect(() => make(vpcStack, { vpcConfig: { vpc: v, securityGroups: [sg(vpcStack, 'Sg'), sg(vpcStack, 'Sg2', 'sg-0bbb')] } })).not.toThrow();
  });

  test('negative control: without the repeat check, ["A", "A"] reaches the template', () => {
    const planted = jest.spyOn(lists, 'firstRepeat').mockReturnValue(undefined);
    try {
      const stack = newStack();
      expect(() => new WorkforceResource(stack, 'Workforce', {
        cognitoConfig: { userPool: userPool(stack), userPoolClient: client(stack) }, sourceIpCidrs: ['203.0.113.0/24', '203.0.113.0/24'],
      })).not.toThrow();
      Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::Workforce', { SourceIpConfig: { Cidrs: ['203.0.113.0/24', '203.0.113.0/24'] } });
    } finally {
      planted.mockRestore();
    }
  });

  test('a token twice is one value twice; two different tokens are not compared', () => {
    const stack = newStack();
    const param = (name: string) => new cognito.CfnUserPoolDomain(stack, name, { domain: 'x', userPoolId: 'y' }).ref;
    const same = param('A');
    expect(() => new PrivateWorkforce(stack, 'Workforce', { sourceIpCidrs: [same, same] }))
      .toThrow(new RegExp(`^\`sourceIpCidrs\` must list each network once, got "${same.replace(/[$[\].]/g, '\\$&')}" twice`));
    expect(() => new PrivateWorkforce(newStack(), 'Workforce', { sourceIpCidrs: [param('B'), param('C')] })).not.toThrow();
  });
});
