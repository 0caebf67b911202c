import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { CfnOutput } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { SCENARIOS } from './scenarios';
import { newStack, onlyResource, templateOf } from './util';
import { PrivateWorkforce } from '../src';

/** Where a template exposes a client secret: a GetAtt of one, or a literal secret value. */
function secretLeaks(template: string): string[] {
  const leaks = [...template.matchAll(/"[\w.]*ClientSecret"\s*\]/g)].map((m) => m[0]);
  for (const match of template.matchAll(/"ClientSecret":("[^"]*"|\{)/g)) {
    if (!/^"\{\{resolve:(secretsmanager|ssm-secure):/.test(match[1])) {
      leaks.push(match[0]);
    }
  }
  return leaks;
}

const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

describe('custom domain for the sign-in pages', () => {
  test('with a hosted zone: the domain, its certificate, and A/AAAA alias records to CloudFront', () => {
    const stack = newStack();
    const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z123EXAMPLE', zoneName: 'example.com' });
    const workforce = new PrivateWorkforce(stack, 'Workforce', {
      workforceName: 'labeling',
      customDomain: { domainName: 'login.labeling.example.com', certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERT), hostedZone: zone },
    });
    const template = templateOf(stack);
    const domain = onlyResource(template, 'AWS::Cognito::UserPoolDomain');
    expect(domain.props).toEqual({
      Domain: 'login.labeling.example.com',
      UserPoolId: { Ref: onlyResource(template, 'AWS::Cognito::UserPool').id },
      CustomDomainConfig: { CertificateArn: CERT },
    });
    for (const type of ['A', 'AAAA']) {
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'login.labeling.example.com.',
        Type: type,
        HostedZoneId: 'Z123EXAMPLE',
        AliasTarget: { DNSName: { 'Fn::GetAtt': [domain.id, 'CloudFrontDistribution'] }, HostedZoneId: 'Z2FDTNDATAQYW2' },
      });
    }
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/cdk-private-workforce/labeling/custom-domain', Value: 'login.labeling.example.com' });
    expect(JSON.stringify(template.toJSON())).not.toContain('domain-prefix');
    expect(template.toJSON().Outputs ?? {}).toEqual({});
    // The workforce still waits for the (custom) domain, and the wiring is unchanged.
    expect(onlyResource(template, 'AWS::SageMaker::Workforce').resource.DependsOn).toContain(domain.id);
    template.resourceCountIs('Custom::PrivateWorkforceCallbackReconciler', 1);
    expect(workforce.backbone.cognitoDomainTarget).toBeDefined();
  });

  test('without a hosted zone: the CloudFront target is an attribute and an output', () => {
    const stack = newStack();
    const workforce = new PrivateWorkforce(stack, 'Workforce', {
      customDomain: { domainName: 'login.example.com', certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERT) },
    });
    const template = templateOf(stack);
    const domain = onlyResource(template, 'AWS::Cognito::UserPoolDomain').id;
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    template.hasOutput('*', { Value: { 'Fn::GetAtt': [domain, 'CloudFrontDistribution'] }, Description: Match.stringLikeRegexp('^Point login.example.com') });
    expect(stack.resolve(workforce.backbone.cognitoDomainTarget)).toEqual({ 'Fn::GetAtt': [domain, 'CloudFrontDistribution'] });
  });

  test('a certificate whose Region is a token gets a warning, not an error', () => {
    const stack = newStack();
    const cert = new acm.Certificate(stack, 'Cert', { domainName: 'login.example.com' });
    new PrivateWorkforce(stack, 'Workforce', { customDomain: { domainName: 'login.example.com', certificate: cert } });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('make sure it is in us-east-1'));
  });
});

describe('federated sign-in through the user pool', () => {
  test('an identity provider joins the app client\'s supported providers, and the client waits for it', () => {
    const stack = newStack();
    new PrivateWorkforce(stack, 'Workforce');
    const before = onlyResource(templateOf(stack), 'Custom::PrivateWorkforceCallbackReconciler').props.Fingerprint;

    const stack2 = newStack();
    const workforce2 = new PrivateWorkforce(stack2, 'Workforce');
    const saml = new cognito.UserPoolIdentityProviderSaml(stack2, 'CorpSaml', {
      userPool: workforce2.userPool,
      name: 'CorpSaml',
      metadata: cognito.UserPoolIdentityProviderSamlMetadata.url('https://idp.example.com/saml/metadata'),
      attributeMapping: { email: cognito.ProviderAttribute.other('http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress') },
    });
    workforce2.addIdentityProvider(saml);
    const template = templateOf(stack2);
    const client = onlyResource(template, 'AWS::Cognito::UserPoolClient');
    expect(client.props.SupportedIdentityProviders).toEqual(['COGNITO', { Ref: onlyResource(template, 'AWS::Cognito::UserPoolIdentityProvider').id }]);
    expect(client.resource.DependsOn).toContain(onlyResource(template, 'AWS::Cognito::UserPoolIdentityProvider').id);
    // The client changed, so the reconciler's fingerprint did too.
    expect(onlyResource(template, 'Custom::PrivateWorkforceCallbackReconciler').props.Fingerprint).not.toBe(before);
  });
});

describe('secrets stay out of templates', () => {
  test.each(Object.keys(SCENARIOS))('%s: no client secret value, no reference to one', (name) => {
    expect(secretLeaks(JSON.stringify(templateOf(SCENARIOS[name]()).toJSON()))).toEqual([]);
  });

  test('the check finds a secret that does leak (it can fail)', () => {
    const stack = newStack();
    const workforce = new PrivateWorkforce(stack, 'Workforce');
    new CfnOutput(stack, 'Leak', { value: workforce.userPoolClient.userPoolClientSecret.unsafeUnwrap() });
    expect(secretLeaks(JSON.stringify(templateOf(stack).toJSON()))).toEqual(['"UserPoolClient.ClientSecret"]']);
  });

  test('the integ snapshots carry no secret either', () => {
    const dir = join(__dirname, '..', 'integ');
    const files = readdirSync(dir).filter((d) => d.endsWith('.snapshot'))
      .flatMap((d) => readdirSync(join(dir, d)).filter((f) => f.endsWith('.template.json')).map((f) => join(dir, d, f)));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      expect(secretLeaks(readFileSync(file, 'utf-8'))).toEqual([]);
    }
  });
});
