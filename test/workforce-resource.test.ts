import { RemovalPolicy, Tags } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { OIDC } from './fixtures';
import { newStack, onlyResource, templateOf } from './util';
import { IpAddressType, WorkforceResource } from '../src';


function cognitoConfig(stack: ReturnType<typeof newStack>) {
  const userPool = cognito.UserPool.fromUserPoolId(stack, 'Pool', 'us-east-1_AbCdEf123');
  const userPoolClient = cognito.UserPoolClient.fromUserPoolClientId(stack, 'Client', '1example23456789');
  return { userPool, userPoolClient };
}

describe('WorkforceResource', () => {
  test('declares AWS::SageMaker::Workforce with the Cognito config and a name derived from the path', () => {
    const stack = newStack();
    const workforce = new WorkforceResource(stack, 'Workforce', { cognitoConfig: cognitoConfig(stack) });
    const { id, props, resource } = onlyResource(templateOf(stack), 'AWS::SageMaker::Workforce');
    expect(props).toEqual({
      WorkforceName: expect.stringMatching(/^TestStack-Workforce-[0-9A-F]{8}$/),
      CognitoConfig: { UserPool: 'us-east-1_AbCdEf123', ClientId: '1example23456789' },
    });
    expect(resource.DeletionPolicy).toBe('Delete');
    // The name itself, known at synth: Ref of AWS::SageMaker::Workforce is its ARN.
    expect(workforce.workforceName).toBe(props.WorkforceName);
    expect(stack.resolve(workforce.workforceArn)).toEqual({ 'Fn::GetAtt': [id, 'WorkforceArn'] });
    expect(stack.resolve(workforce.subDomain)).toEqual({ 'Fn::GetAtt': [id, 'SubDomain'] });
    expect(stack.resolve(workforce.portalUrl)).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [id, 'SubDomain'] }]] });
  });

  test('workforceName, source CIDRs, dualstack and tags are passed through', () => {
    const stack = newStack();
    const workforce = new WorkforceResource(stack, 'Workforce', {
      workforceName: 'acme-labeling',
      cognitoConfig: cognitoConfig(stack),
      sourceIpCidrs: ['203.0.113.0/24', '2001:db8::/32'],
      ipAddressType: IpAddressType.DUALSTACK,
      tags: { team: 'labeling' },
    });
    Tags.of(workforce).add('cost-center', '42');
    templateOf(stack).hasResourceProperties('AWS::SageMaker::Workforce', {
      WorkforceName: 'acme-labeling',
      SourceIpConfig: { Cidrs: ['203.0.113.0/24', '2001:db8::/32'] },
      IpAddressType: 'dualstack',
      Tags: [{ Key: 'cost-center', Value: '42' }, { Key: 'team', Value: 'labeling' }],
    });
  });

  test('vpcConfig uses the private subnets and creates an HTTPS-only security group by default', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ],
    });
    const workforce = new WorkforceResource(stack, 'Workforce', { cognitoConfig: cognitoConfig(stack), vpcConfig: { vpc } });
    const template = templateOf(stack);
    const { props } = onlyResource(template, 'AWS::SageMaker::Workforce');
    const isolated = vpc.isolatedSubnets.map((s) => stack.resolve(s.subnetId));
    expect(props.WorkforceVpcConfig.VpcId).toEqual(stack.resolve(vpc.vpcId));
    expect(props.WorkforceVpcConfig.Subnets).toEqual(isolated);
    expect(props.WorkforceVpcConfig.SecurityGroupIds).toEqual([stack.resolve(workforce.securityGroups[0].securityGroupId)]);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: stack.resolve(vpc.vpcCidrBlock), Description: 'HTTPS to the labeling portal from the VPC' }],
      SecurityGroupEgress: [{ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic', FromPort: 252, IpProtocol: 'icmp', ToPort: 86 }],
    });
  });

  test('vpcConfig with given subnets and security groups uses them', () => {
    const stack = newStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'],
    });
    const sg = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0123456789abcdef0');
    new WorkforceResource(stack, 'Workforce', {
      cognitoConfig: cognitoConfig(stack),
      vpcConfig: { vpc, subnets: { subnets: [vpc.privateSubnets[0]] }, securityGroups: [sg] },
    });
    templateOf(stack).hasResourceProperties('AWS::SageMaker::Workforce', {
      WorkforceVpcConfig: { VpcId: 'vpc-0123456789abcdef0', Subnets: ['subnet-0aaaaaaaaaaaaaaaa'], SecurityGroupIds: ['sg-0123456789abcdef0'] },
    });
    templateOf(stack).resourceCountIs('AWS::EC2::SecurityGroup', 0);
  });

  test('oidcConfig renders the endpoints and a dynamic reference for the secret', () => {
    const stack = newStack();
    new WorkforceResource(stack, 'Workforce', { workforceName: 'oidc-workforce', oidcConfig: { ...OIDC, scope: 'openid profile' } });
    const { props } = onlyResource(templateOf(stack), 'AWS::SageMaker::Workforce');
    expect(props.CognitoConfig).toBeUndefined();
    expect(props.OidcConfig).toEqual({
      ClientId: 'workforce_client',
      ClientSecret: '{{resolve:secretsmanager:labeling/oidc-client-secret:SecretString:::}}',
      Issuer: 'https://idp.example.com',
      AuthorizationEndpoint: 'https://idp.example.com/authorize',
      TokenEndpoint: 'https://idp.example.com/token',
      UserInfoEndpoint: 'https://idp.example.com/userinfo',
      LogoutEndpoint: 'https://idp.example.com/logout',
      JwksUri: 'https://idp.example.com/.well-known/jwks.json',
      Scope: 'openid profile',
    });
  });

  test('removalPolicy applies to the workforce', () => {
    const stack = newStack();
    new WorkforceResource(stack, 'Workforce', { cognitoConfig: cognitoConfig(stack), removalPolicy: RemovalPolicy.RETAIN });
    templateOf(stack).hasResource('AWS::SageMaker::Workforce', { DeletionPolicy: 'Retain' });
  });

  test('fromWorkforceName builds the ARN', () => {
    const stack = newStack();
    const imported = WorkforceResource.fromWorkforceName(stack, 'Imported', 'acme');
    expect(stack.resolve(imported.workforceArn)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:123456789012:workforce/acme']] });
    expect(imported.workforceName).toBe('acme');
  });
});
