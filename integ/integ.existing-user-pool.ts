// An existing user pool (with its own domain) and an existing WAF web ACL.
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { assertWiring, integApp } from './integ-helpers';
import { PrivateWorkforce, Workers } from '../src';

export const app = integApp();
export const stack = new Stack(app, 'ExistingUserPool', { stackName: 'cdk-private-workforce-integ-existing-pool' });

// What a team already has.
const pool = new cognito.UserPool(stack, 'TeamPool', {
  selfSignUpEnabled: false,
  signInAliases: { username: true, email: true },
  mfa: cognito.Mfa.REQUIRED,
  mfaSecondFactor: { otp: true, sms: false },
  passwordPolicy: { minLength: 10, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
  featurePlan: cognito.FeaturePlan.PLUS,
  standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
  removalPolicy: RemovalPolicy.DESTROY,
});
pool.addDomain('TeamDomain', { cognitoDomain: { domainPrefix: `team-labeling-${stack.node.addr.slice(0, 10)}` } });
const acl = new wafv2.CfnWebACL(stack, 'TeamWebAcl', {
  scope: 'REGIONAL',
  defaultAction: { allow: {} },
  visibilityConfig: { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: 'team-web-acl' },
  rules: [{
    name: 'RateLimit',
    priority: 0,
    action: { block: {} },
    statement: { rateBasedStatement: { limit: 500, aggregateKeyType: 'IP' } },
    visibilityConfig: { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: 'team-rate-limit' },
  }],
});

export const workforce = new PrivateWorkforce(stack, 'Workforce', {
  workforceName: 'cdk-private-workforce-integ-existing',
  userPool: pool,
  webAclArn: acl.attrArn,
  workers: Workers.fromList([{ email: 'integ-existing@example.com', username: 'integ-existing' }]),
});

const integ = new IntegTest(app, 'PrivateWorkforceExistingUserPool', { testCases: [stack], stackUpdateWorkflow: false });
assertWiring(integ, workforce, { worker: 'integ-existing' });

app.synth();
