import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { SecretValue, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { OIDC } from './fixtures';
import { newStack } from './util';
import { ExistingWorkforce, IpAddressType, PrivateWorkforce, WorkerRemovalPolicy, WorkforceResource, Workers } from '../src';

/** The stacks every template-level check (AWS's validator, cdk-nag) runs over. */
export const SCENARIOS: Record<string, () => Stack> = {
  'default props': () => {
    const stack = newStack('Defaults');
    new PrivateWorkforce(stack, 'Workforce');
    return stack;
  },
  'existing user pool and web ACL': () => {
    const stack = newStack('ExistingPool');
    new PrivateWorkforce(stack, 'Workforce', {
      userPool: cognito.UserPool.fromUserPoolId(stack, 'Pool', 'us-east-1_AbCdEf123'),
      domainPrefix: 'acme-labeling',
      webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/corp/0123abcd',
    });
    return stack;
  },
  'VPC and dualstack': () => {
    const stack = newStack('VpcDualstack');
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      ipProtocol: ec2.IpProtocol.DUAL_STACK,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ],
    });
    vpc.addFlowLog('FlowLog');
    new PrivateWorkforce(stack, 'Workforce', { vpcConfig: { vpc }, ipAddressType: IpAddressType.DUALSTACK });
    return stack;
  },
  'source CIDRs with IPv6': () => {
    const stack = newStack('SourceCidrs');
    new PrivateWorkforce(stack, 'Workforce', {
      sourceIpCidrs: ['203.0.113.0/24', '2001:db8::/32'],
      ipAddressType: IpAddressType.DUALSTACK,
    });
    return stack;
  },
  'workers inline and from a file': () => {
    const stack = newStack('Workers');
    const file = join(mkdtempSync(join(tmpdir(), 'workers-')), 'workers.csv');
    writeFileSync(file, ['email', ...Array.from({ length: 2000 }, (_, i) => `worker${i}@example.com`)].join('\n'));
    const workforce = new PrivateWorkforce(stack, 'Workforce', {
      workers: Workers.fromList([{ email: 'lead@example.com', username: 'lead' }]),
      removedWorkers: WorkerRemovalPolicy.DISABLE,
    });
    workforce.addWorkers(Workers.fromFile(file));
    return stack;
  },
  'work teams, notifications and alarms': () => {
    const stack = newStack('Teams');
    const workforce = new PrivateWorkforce(stack, 'Workforce', { workforceName: 'teams' });
    workforce.addWorkteam('Cats', { description: 'Labels cats', workers: Workers.fromList([{ email: 'ana@example.com' }]), createNotificationTopic: true });
    workforce.addWorkteam('Dogs', { description: 'Labels dogs', workteamName: 'dogs' });
    workforce.addAlarms();
    return stack;
  },
  'custom domain, federation and a tuned WAF': () => {
    const stack = newStack('Domain');
    const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z123EXAMPLE', zoneName: 'example.com' });
    const workforce = new PrivateWorkforce(stack, 'Workforce', {
      customDomain: {
        domainName: 'login.example.com',
        certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:123456789012:certificate/abc'),
        hostedZone: zone,
      },
      webAcl: { rateLimit: 300, allowedCountryCodes: ['DE', 'FR'], logRetention: logs.RetentionDays.ONE_MONTH },
    });
    workforce.addIdentityProvider(new cognito.UserPoolIdentityProviderOidc(stack, 'CorpOidc', {
      userPool: workforce.userPool,
      name: 'CorpOidc',
      clientId: 'labeling',
      clientSecret: SecretValue.secretsManager('labeling/oidc').unsafeUnwrap(),
      issuerUrl: 'https://idp.example.com',
      scopes: ['openid', 'email'],
      attributeMapping: { email: cognito.ProviderAttribute.other('email') },
    }));
    return stack;
  },
  'OIDC WorkforceResource alone': () => {
    const stack = newStack('Oidc');
    new WorkforceResource(stack, 'Workforce', { workforceName: 'oidc-workforce', oidcConfig: OIDC });
    return stack;
  },
  'ExistingWorkforce by name with CIDRs, workers and a work team': () => {
    const stack = newStack('Adopted');
    const workforce = new ExistingWorkforce(stack, 'Workforce', {
      workforceName: 'default',
      sourceIpCidrs: ['203.0.113.0/24'],
      workers: Workers.fromList([{ email: 'ana@example.com' }]),
      manageInvitation: true,
    });
    workforce.addWorkteam('Reviewers', { description: 'Reviews labels', workers: Workers.fromList([{ email: 'bo@example.com' }]), createNotificationTopic: true });
    workforce.addAlarms();
    return stack;
  },
};
