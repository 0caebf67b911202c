import { Match } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { newStack, onlyResource, templateOf } from './util';
import { IpAddressType, PrivateWorkforce } from '../src';

describe('PrivateWorkforce defaults', () => {
  const stack = newStack();
  const workforce = new PrivateWorkforce(stack, 'Workforce');
  const template = templateOf(stack);
  const name = onlyResource(template, 'AWS::SageMaker::Workforce').props.WorkforceName;

  test('creates the Cognito backbone and the workforce bound to its pool and client', () => {
    const pool = onlyResource(template, 'AWS::Cognito::UserPool').id;
    const client = onlyResource(template, 'AWS::Cognito::UserPoolClient').id;
    const wf = onlyResource(template, 'AWS::SageMaker::Workforce');
    expect(wf.props.CognitoConfig).toEqual({ UserPool: { Ref: pool }, ClientId: { Ref: client } });
    expect(wf.props.WorkforceName).toMatch(/^TestStack-Workforce-[0-9A-F]{8}$/);
    expect(wf.props.SourceIpConfig).toBeUndefined();
    expect(wf.props.IpAddressType).toBeUndefined();
  });

  test('the workforce waits for the sign-in domain', () => {
    const domain = onlyResource(template, 'AWS::Cognito::UserPoolDomain').id;
    expect(onlyResource(template, 'AWS::SageMaker::Workforce').resource.DependsOn).toContain(domain);
  });

  test('records the portal URL and identifiers under the workforce name', () => {
    const wf = onlyResource(template, 'AWS::SageMaker::Workforce').id;
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: `/cdk-private-workforce/${name}/portal-url`,
      Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [wf, 'SubDomain'] }]] },
    });
    for (const parameter of ['user-pool-id', 'user-pool-client-id', 'domain-prefix']) {
      template.hasResourceProperties('AWS::SSM::Parameter', { Name: `/cdk-private-workforce/${name}/${parameter}` });
    }
  });

  test('exposes the attributes of its parts', () => {
    expect(workforce.userPool).toBe(workforce.backbone.userPool);
    expect(workforce.userPoolClient).toBe(workforce.backbone.userPoolClient);
    expect(workforce.userPoolDomain).toBe(workforce.backbone.userPoolDomain);
    expect(workforce.webAclArn).toBe(workforce.backbone.webAclArn);
    expect(workforce.logGroup).toBe(workforce.backbone.logGroup);
    expect(workforce.portalUrl).toBe(workforce.workforce.portalUrl);
    expect(workforce.subDomain).toBe(workforce.workforce.subDomain);
    expect(workforce.workforceArn).toBe(workforce.workforce.workforceArn);
    expect(workforce.workforceName).toBe(onlyResource(template, 'AWS::SageMaker::Workforce').props.WorkforceName);
  });

  test('creates exactly the expected resources', () => {
    const types = Object.values(template.toJSON().Resources).map((r: any) => r.Type).sort();
    expect(types).toEqual([
      'AWS::Cognito::LogDeliveryConfiguration',
      'AWS::Cognito::UserPool',
      'AWS::Cognito::UserPoolClient',
      'AWS::Cognito::UserPoolDomain',
      'AWS::DynamoDB::Table',
      'AWS::IAM::Policy', // the handler role's own (its logs)
      'AWS::IAM::Policy', // the reconciler's, which it depends on
      'AWS::IAM::Role',
      'AWS::Lambda::EventInvokeConfig', // no Lambda retries of the handler's events
      'AWS::Lambda::Function', // the handler
      'AWS::Logs::LogGroup', // Cognito's logs
      'AWS::Logs::LogGroup', // the handler's logs
      'AWS::Logs::LogGroup', // WAF's request logs
      'AWS::Logs::MetricFilter', // the handler's failures
      'AWS::SSM::Parameter',
      'AWS::SSM::Parameter',
      'AWS::SSM::Parameter',
      'AWS::SSM::Parameter',
      'AWS::SageMaker::Workforce',
      'AWS::WAFv2::LoggingConfiguration',
      'AWS::WAFv2::WebACL',
      'AWS::WAFv2::WebACLAssociation',
      'Custom::PrivateWorkforceCallbackReconciler',
    ]);
  });
});

describe('PrivateWorkforce overrides', () => {
  test('workforce settings reach the workforce', () => {
    const stack = newStack();
    new PrivateWorkforce(stack, 'Workforce', {
      workforceName: 'acme-labeling',
      sourceIpCidrs: ['198.51.100.0/24', '2001:db8:1234::/48'],
      ipAddressType: IpAddressType.DUALSTACK,
      tags: { project: 'cats' },
    });
    templateOf(stack).hasResourceProperties('AWS::SageMaker::Workforce', {
      WorkforceName: 'acme-labeling',
      SourceIpConfig: { Cidrs: ['198.51.100.0/24', '2001:db8:1234::/48'] },
      IpAddressType: 'dualstack',
      Tags: [{ Key: 'project', Value: 'cats' }],
    });
  });

  test('Cognito settings reach the backbone', () => {
    const stack = newStack();
    new PrivateWorkforce(stack, 'Workforce', { domainPrefix: 'acme-labeling', featurePlan: cognito.FeaturePlan.ESSENTIALS, parameterPath: '/labeling' });
    const template = templateOf(stack);
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'acme-labeling' });
    template.hasResourceProperties('AWS::Cognito::UserPool', { UserPoolTier: 'ESSENTIALS' });
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/labeling/portal-url' });
  });

  test('the workforce waits for a domain defined on an existing pool in the app', () => {
    const stack = newStack();
    const pool = new cognito.UserPool(stack, 'Existing');
    const domain = pool.addDomain('Domain', { cognitoDomain: { domainPrefix: 'corp-labeling' } });
    new PrivateWorkforce(stack, 'Workforce', { userPool: pool });
    expect(onlyResource(templateOf(stack), 'AWS::SageMaker::Workforce').resource.DependsOn)
      .toContain(stack.resolve((domain.node.defaultChild as cognito.CfnUserPoolDomain).logicalId));
  });

  test('an existing user pool is used without a new pool, domain or web ACL', () => {
    const stack = newStack();
    const pool = cognito.UserPool.fromUserPoolId(stack, 'Existing', 'us-east-1_AbCdEf123');
    const workforce = new PrivateWorkforce(stack, 'Workforce', { userPool: pool });
    const template = templateOf(stack);
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    template.resourceCountIs('AWS::Cognito::UserPoolDomain', 0);
    template.hasResourceProperties('AWS::SageMaker::Workforce', {
      CognitoConfig: { UserPool: 'us-east-1_AbCdEf123', ClientId: { Ref: Match.anyValue() } },
    });
    expect(workforce.userPoolDomain).toBeUndefined();
    expect(workforce.webAclArn).toBeUndefined();
  });
});
