import { readFileSync } from 'fs';
import { join } from 'path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { newStack, templateOf } from './util';
import { ExistingWorkforce, PrivateWorkforce, WorkforceResource } from '../src';
import { FakeSageMaker } from './fakes/fake-sagemaker';
import { providerSchema } from './fakes/registry';

/* eslint-disable @typescript-eslint/no-explicit-any */
const js = (value: unknown) => value as any;
const LOOKUP = 'Custom::PrivateWorkforceExistingWorkforce';

/** The statements of the lookup's own policy. */
function lookupStatements(stack: Stack): any[] {
  const resources = templateOf(stack).toJSON().Resources as Record<string, any>;
  const lookup = Object.values(resources).find((r) => r.Type === LOOKUP)!;
  const policy = lookup.DependsOn.map((id: string) => resources[id]).find((r: any) => r.Type === 'AWS::IAM::Policy' && !JSON.stringify(r).includes('DefaultPolicy'));
  return policy.Properties.PolicyDocument.Statement;
}

describe('ExistingWorkforce at synth', () => {
  test('its attributes are the lookup\'s, and the reconciler treats the client as someone else\'s', () => {
    const stack = newStack();
    const workforce = new ExistingWorkforce(stack, 'Workforce');
    const template = templateOf(stack);
    template.resourceCountIs(LOOKUP, 1);
    const lookupId = Object.keys(template.findResources(LOOKUP))[0];
    expect(stack.resolve(workforce.workforceName)).toEqual({ 'Fn::GetAtt': [lookupId, 'WorkforceName'] });
    expect(stack.resolve(workforce.portalUrl)).toEqual({ 'Fn::GetAtt': [lookupId, 'PortalUrl'] });
    expect(stack.resolve(workforce.userPool.userPoolId)).toEqual({ 'Fn::GetAtt': [lookupId, 'UserPoolId'] });
    template.hasResourceProperties('Custom::PrivateWorkforceCallbackReconciler', {
      ClientId: { 'Fn::GetAtt': [lookupId, 'ClientId'] },
      PortalSubDomain: { 'Fn::GetAtt': [lookupId, 'SubDomain'] },
      PlaceholderUrls: [],
      RemoveAddedUrls: 'true',
      InvitationBody: Match.absent(),
    });
  });

  test('a work team is ordered after the lookup by its GetAtt alone (no redundant DependsOn, cfn-lint W3005)', () => {
    const stack = newStack();
    const workforce = new ExistingWorkforce(stack, 'Workforce', { workforceName: 'labeling' });
    workforce.addWorkteam('Reviewers', { description: 'Reviews labels', workteamName: 'reviewers' });
    const resources = templateOf(stack).toJSON().Resources as Record<string, any>;
    const lookupId = Object.keys(resources).find((id) => resources[id].Type === LOOKUP)!;
    const team = Object.values(resources).find((r) => r.Type === 'AWS::SageMaker::Workteam');
    expect(team.Properties.WorkforceName).toEqual({ 'Fn::GetAtt': [lookupId, 'WorkforceName'] });
    expect(team.DependsOn ?? []).not.toContain(lookupId);

    // Negative control: a created workforce's name is a plain string, so the team must depend on it.
    const other = newStack();
    new PrivateWorkforce(other, 'Workforce', { workforceName: 'labeling' }).addWorkteam('Reviewers', { description: 'Reviews labels', workteamName: 'reviewers' });
    const otherResources = templateOf(other).toJSON().Resources as Record<string, any>;
    const workforceId = Object.keys(otherResources).find((id) => otherResources[id].Type === 'AWS::SageMaker::Workforce')!;
    expect(Object.values(otherResources).find((r) => r.Type === 'AWS::SageMaker::Workteam').DependsOn).toContain(workforceId);
  });

  test('by name: SageMaker permissions on that workforce only', () => {
    const stack = newStack();
    new ExistingWorkforce(stack, 'Workforce', { workforceName: 'labelers' });
    const sagemaker = lookupStatements(stack).filter((s) => [s.Action].flat().some((a: string) => a.startsWith('sagemaker:')));
    expect(sagemaker).toEqual([{
      Action: ['sagemaker:DescribeWorkforce', 'sagemaker:UpdateWorkforce'],
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:123456789012:workforce/labelers']] },
    }]);
  });

  test('without a name: ListWorkforces on "*" (it has no resource type), acknowledged for cdk-nag on the lookup\'s policies only', () => {
    const stack = newStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0bbb', availabilityZones: ['us-east-1a'], isolatedSubnetIds: ['subnet-0bbb'] });
    new ExistingWorkforce(stack, 'Workforce', { vpcConfig: { vpc, securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0bbb')] } });
    expect(lookupStatements(stack)).toEqual(expect.arrayContaining([
      { Action: 'sagemaker:ListWorkforces', Effect: 'Allow', Resource: '*' },
    ]));
    const report = new AwsSolutionsChecks(stack).validateScope(stack);
    expect(report.violations).toEqual([]);
    // The lookup's own policy and its VPC-endpoint one, nothing else.
    const resources = templateOf(stack).toJSON().Resources as Record<string, any>;
    const acknowledged = Object.keys(resources).filter((id) => resources[id].Metadata?.cdk_nag);
    const lookup = Object.values(resources).find((r) => r.Type === LOOKUP)!;
    expect(acknowledged).toHaveLength(2);
    expect(lookup.DependsOn).toEqual(expect.arrayContaining(acknowledged));
    expect(acknowledged.map((id) => resources[id].Type)).toEqual(['AWS::IAM::Policy', 'AWS::IAM::Policy']);
  });

  test.each<[string, unknown, string]>([
    ['a workforce name that SageMaker refuses', { workforceName: 'my_workforce' },
      '`workforceName` must be letters, digits and hyphens, starting with a letter or digit (pattern ^[a-zA-Z0-9]([a-zA-Z0-9-]){0,62}$), got: "my_workforce".'],
    ['sourceIpCidrs a string', { sourceIpCidrs: '203.0.113.0/24' }, '`sourceIpCidrs` must be a list of strings, got: "203.0.113.0/24" (a string).'],
    ['manageInvitation "yes"', { manageInvitation: 'yes' }, '`manageInvitation` must be true or false, got: "yes" (a string).'],
    ['a VPC without its security groups', { vpcConfig: { vpc: ec2.Vpc.fromVpcAttributes(new Stack(), 'Vpc', { vpcId: 'vpc-0bbb', availabilityZones: ['us-east-1a'], isolatedSubnetIds: ['subnet-0bbb'] }) } },
      '`vpcConfig.securityGroups` is required for an ExistingWorkforce: give the security groups of its VPC endpoint (the library creates none for a workforce it does not own).'],
  ])('%s is refused', (_, props, message) => {
    let thrown: Error | undefined;
    try {
      new ExistingWorkforce(newStack(), 'Workforce', js(props));
    } catch (error) {
      thrown = error as Error;
    }
    expect(thrown?.constructor).toBe(Error);
    expect(thrown?.message).toBe(message);
  });

  test('an ExistingWorkforce and a PrivateWorkforce in one account and Region are refused, naming both', () => {
    const app = new App();
    new ExistingWorkforce(new Stack(app, 'Adopted', { env: { account: '123456789012', region: 'us-east-1' } }), 'Workforce');
    expect(() => new PrivateWorkforce(new Stack(app, 'Created', { env: { account: '123456789012', region: 'us-east-1' } }), 'Workforce')).toThrow(
      'An account and Region can have one private workforce, and Adopted/Workforce and Created/Workforce/Workforce are both in 123456789012 us-east-1');
  });
});

/** JSON with sorted keys: CloudFormation compares values, not key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v));
}

/**
 * What `cdk import` needs of a template for one resource, by the registry data of its type
 * (CloudFormation user guide, resource import): a DeletionPolicy; every required property; the
 * create-only properties equal to the existing resource's (or the next deploy replaces it); and the
 * identifier CloudFormation asks for, the type's primary identifier.
 */
function importProblems(resource: any, existing: Record<string, unknown>): string[] {
  const schema = providerSchema(resource.Type);
  const problems: string[] = [];
  if (!resource.DeletionPolicy) {
    problems.push('no DeletionPolicy');
  }
  for (const name of schema.required as string[]) {
    if (resource.Properties?.[name] === undefined) {
      problems.push(`required ${name} missing`);
    }
  }
  for (const pointer of schema.createOnlyProperties as string[]) {
    const name = pointer.replace('/properties/', '');
    if (canonical(resource.Properties?.[name]) !== canonical(existing[name])) {
      problems.push(`create-only ${name} is ${canonical(resource.Properties?.[name])}, the workforce has ${canonical(existing[name])}`);
    }
  }
  return problems;
}

describe('cdk import of an existing workforce (README, "Bring an existing workforce under a WorkforceResource")', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf-8');
  const section = readme.slice(readme.indexOf('### Bring an existing workforce under a WorkforceResource'));

  /** The workforce the steps start from, as DescribeWorkforce returns it. */
  function existingWorkforce() {
    const sagemaker = new FakeSageMaker();
    sagemaker.createWorkforce({ WorkforceName: 'default', CognitoConfig: { UserPool: 'us-east-1_AbCdEf123', ClientId: 'abcdefghijklmnopqrstuvwxyz' } });
    return sagemaker.workforce('default')!;
  }

  /** The stack of the README's steps 2 and 3. */
  function importStack(change?: (props: any) => any) {
    const stack = newStack('Labeling');
    const userPool = cognito.UserPool.fromUserPoolId(stack, 'Pool', 'us-east-1_AbCdEf123');
    const props = {
      workforceName: 'default',
      cognitoConfig: { userPool, userPoolClient: cognito.UserPoolClient.fromUserPoolClientId(stack, 'Client', 'abcdefghijklmnopqrstuvwxyz') },
      removalPolicy: RemovalPolicy.RETAIN,
    };
    new WorkforceResource(stack, 'Workforce', change ? change(props) : props);
    return Template.fromStack(stack).toJSON().Resources as Record<string, any>;
  }

  test('the template the steps produce is what CloudFormation imports for AWS::SageMaker::Workforce', () => {
    const resources = importStack();
    const imported = Object.values(resources).filter((r) => r.Type !== 'AWS::CDK::Metadata');
    // An import changes nothing else: the resource to import is the only one.
    expect(imported.map((r) => r.Type)).toEqual(['AWS::SageMaker::Workforce']);
    expect(importProblems(imported[0], existingWorkforce())).toEqual([]);
  });

  test('the identifier the README asks for is the type\'s primary identifier', () => {
    const primary = (providerSchema('AWS::SageMaker::Workforce').primaryIdentifier as string[]).map((p) => p.replace('/properties/', ''));
    expect(primary).toEqual(['WorkforceArn']);
    expect(section).toContain('`WorkforceArn`');
    expect(section).toContain('arn:aws:sagemaker:<region>:<account>:workforce/default');
  });

  test('the workforce is retained: removing it from the stack later leaves the account\'s workforce in place', () => {
    const workforce = Object.values(importStack()).find((r) => r.Type === 'AWS::SageMaker::Workforce');
    expect([workforce.DeletionPolicy, workforce.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
  });

  test.each<[string, (props: any) => any, (resource: any) => void, string]>([
    ['a template without DeletionPolicy', (p) => p, (r) => delete r.DeletionPolicy, 'no DeletionPolicy'],
    ['another name', (p) => ({ ...p, workforceName: 'labeling' }), () => undefined, 'create-only WorkforceName is "labeling", the workforce has "default"'],
    ['another app client', (p) => ({ ...p, cognitoConfig: { ...p.cognitoConfig, userPoolClient: { userPoolClientId: 'other' } } }), () => undefined,
      'create-only CognitoConfig is {"ClientId":"other","UserPool":"us-east-1_AbCdEf123"}, the workforce has {"ClientId":"abcdefghijklmnopqrstuvwxyz","UserPool":"us-east-1_AbCdEf123"}'],
  ])('negative control: %s is caught', (_, change, mutate, problem) => {
    const workforce = Object.values(importStack(change)).find((r) => r.Type === 'AWS::SageMaker::Workforce');
    mutate(workforce);
    expect(importProblems(workforce, existingWorkforce())).toEqual([problem]);
  });
});
