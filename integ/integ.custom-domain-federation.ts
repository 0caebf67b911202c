// A custom domain for the sign-in pages and a SAML identity provider in the user pool.
// A real deploy needs a domain you own: set PRIVATE_WORKFORCE_DOMAIN_NAME, PRIVATE_WORKFORCE_CERTIFICATE_ARN (in
// us-east-1), PRIVATE_WORKFORCE_HOSTED_ZONE_ID and PRIVATE_WORKFORCE_HOSTED_ZONE_NAME for `integ:update` only (the
// committed snapshot uses the example values).
import { readFileSync } from 'fs';
import { join } from 'path';
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { assertWiring, EVENTUALLY, integApp } from './integ-helpers';
import { PrivateWorkforce } from '../src';

const DOMAIN_NAME = process.env.PRIVATE_WORKFORCE_DOMAIN_NAME ?? 'login.labeling.example.com';
const CERTIFICATE_ARN = process.env.PRIVATE_WORKFORCE_CERTIFICATE_ARN ?? 'arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000';
const ZONE_ID = process.env.PRIVATE_WORKFORCE_HOSTED_ZONE_ID ?? 'Z0000000EXAMPLE';
const ZONE_NAME = process.env.PRIVATE_WORKFORCE_HOSTED_ZONE_NAME ?? 'labeling.example.com';

export const app = integApp();
export const stack = new Stack(app, 'CustomDomainFederation', { stackName: 'cdk-private-workforce-integ-domain' });

export const workforce = new PrivateWorkforce(stack, 'Workforce', {
  workforceName: 'cdk-private-workforce-integ-domain',
  removalPolicy: RemovalPolicy.DESTROY,
  customDomain: {
    domainName: DOMAIN_NAME,
    certificate: acm.Certificate.fromCertificateArn(stack, 'Certificate', CERTIFICATE_ARN),
    hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: ZONE_ID, zoneName: ZONE_NAME }),
  },
});

const saml = new cognito.UserPoolIdentityProviderSaml(stack, 'CorpSaml', {
  userPool: workforce.userPool,
  name: 'CorpSaml',
  metadata: cognito.UserPoolIdentityProviderSamlMetadata.file(readFileSync(join(__dirname, 'fixtures', 'saml-metadata.xml'), 'utf-8')),
  attributeMapping: { email: cognito.ProviderAttribute.other('http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress') },
});
workforce.addIdentityProvider(saml);

const integ = new IntegTest(app, 'PrivateWorkforceCustomDomainFederation', { testCases: [stack], stackUpdateWorkflow: false });

const domainActive = integ.assertions.awsApiCall('CognitoIdentityServiceProvider', 'describeUserPoolDomain', { Domain: DOMAIN_NAME })
  .expect(ExpectedResult.objectLike({
    DomainDescription: { UserPoolId: workforce.userPool.userPoolId, Status: 'ACTIVE', CustomDomainConfig: { CertificateArn: CERTIFICATE_ARN } },
  }))
  .waitForAssertions(EVENTUALLY);
const clientFederated = integ.assertions.awsApiCall('CognitoIdentityServiceProvider', 'describeUserPoolClient', {
  UserPoolId: workforce.userPool.userPoolId,
  ClientId: workforce.userPoolClient.userPoolClientId,
}).expect(ExpectedResult.objectLike({
  UserPoolClient: { SupportedIdentityProviders: ['COGNITO', 'CorpSaml'], CallbackURLs: [workforce.reconciler.callbackUrl] },
}));
const provider = integ.assertions.awsApiCall('CognitoIdentityServiceProvider', 'describeIdentityProvider', {
  UserPoolId: workforce.userPool.userPoolId,
  ProviderName: 'CorpSaml',
}).expect(ExpectedResult.objectLike({ IdentityProvider: { ProviderName: 'CorpSaml', ProviderType: 'SAML' } }));

assertWiring(integ, workforce, {}, domainActive.next(clientFederated).next(provider));

app.synth();
