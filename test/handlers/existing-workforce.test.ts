import { CfnResource, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { harness, synth } from './harness';
import { CallbackReconciler, ExistingWorkforce, ExistingWorkforceProps, IPrivateWorkforce, PrivateWorkforce, WorkerRemovalPolicy, Workers } from '../../src';
import { WORKFORCE_VPC_ACTIONS } from '../../src/private/workforce-vpc';
import { providerSchema } from '../fakes/registry';

// An account's existing workforce, adopted: the real handler through the CloudFormation simulator,
// against the SageMaker and Cognito fakes (every request checked against the API models, every
// call authorized by the template's own IAM policies).

type Harness = ReturnType<typeof harness>;
const list = (...names: string[]) => Workers.fromList(names.map((n) => ({ email: `${n}@example.com`, username: n })));
const OTHER_CALLBACK = 'https://tools.example.com/oauth2/idpresponse';

/** A workforce made in the console: a pool, an app client with a URL of its own, the workforce. */
function consoleWorkforce(h: Harness, options: { name?: string; cidrs?: string[]; vpc?: boolean } = {}) {
  const poolId = h.cognito.createUserPool({ UserPoolName: 'console-pool', AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } });
  const clientId = h.cognito.createUserPoolClient(poolId, {
    ClientName: 'console-client',
    GenerateSecret: true,
    CallbackURLs: [OTHER_CALLBACK],
    LogoutURLs: ['https://tools.example.com/logout'],
    AllowedOAuthFlows: ['code'],
    AllowedOAuthScopes: ['openid'],
    AllowedOAuthFlowsUserPoolClient: true,
    SupportedIdentityProviders: ['COGNITO'],
  });
  h.sagemaker.createWorkforce({
    WorkforceName: options.name ?? 'default',
    CognitoConfig: { UserPool: poolId, ClientId: clientId },
    ...(options.cidrs ? { SourceIpConfig: { Cidrs: options.cidrs } } : {}),
    ...(options.vpc ? { WorkforceVpcConfig: { VpcId: 'vpc-0aaa', SecurityGroupIds: ['sg-0aaa'], Subnets: ['subnet-0aaa'] } } : {}),
  });
  const workforce = h.sagemaker.workforce(options.name ?? 'default')!;
  return { poolId, clientId, portal: `https://${workforce.SubDomain}` };
}

const adopting = (props: ExistingWorkforceProps = {}, more?: (w: ExistingWorkforce, stack: Stack) => void) => (stack: Stack) => {
  const workforce = new ExistingWorkforce(stack, 'Workforce', props);
  more?.(workforce, stack);
};

describe('ExistingWorkforce finds the workforce the account has', () => {
  test('by default (ListWorkforces): attributes, the portal wired into the client, workers invited, a work team', async () => {
    const h = harness();
    const { poolId, clientId, portal } = consoleWorkforce(h);
    await h.cfn.deploy(synth(adopting({ workers: list('ana', 'bo') }, (w) => {
      w.addWorkteam('Reviewers', { description: 'Reviews labels', workteamName: 'reviewers', workers: list('cy') });
    })));
    expect(h.cfn.failures).toEqual([]);
    expect(h.sagemaker.requests.filter((r) => r.operation !== 'CreateWorkforce').map((r) => r.operation))
      .toEqual(expect.arrayContaining(['ListWorkforces', 'DescribeWorkforce', 'CreateWorkteam']));
    const client = h.cognito.describeClient(poolId, clientId);
    expect(client.CallbackURLs).toEqual([`${portal}/oauth2/idpresponse`, OTHER_CALLBACK]);
    expect(client.LogoutURLs).toEqual([`${portal}/logout`, 'https://tools.example.com/logout']);
    expect(h.cognito.users(poolId).map((u) => u.Username).sort()).toEqual(['ana', 'bo', 'cy']);
    expect(h.cognito.groupMembers(poolId, 'workteam-reviewers')).toEqual(['cy']);
    const team = h.sagemaker.requests.find((r) => r.operation === 'CreateWorkteam')!.input;
    expect(team.WorkforceName).toBe('default');
    expect(team.MemberDefinitions[0].CognitoMemberDefinition).toMatchObject({ UserPool: poolId, ClientId: clientId });
    expect(h.sagemaker.violations).toEqual([]);
  });

  test('by name (DescribeWorkforce only, IAM scoped to that workforce)', async () => {
    const h = harness();
    const { poolId } = consoleWorkforce(h, { name: 'labelers' });
    await h.cfn.deploy(synth(adopting({ workforceName: 'labelers', workers: list('ana') })));
    expect(h.cfn.failures).toEqual([]);
    expect(h.sagemaker.requests.map((r) => r.operation)).toEqual(['CreateWorkforce', 'DescribeWorkforce']);
    expect(h.cognito.users(poolId).map((u) => u.Username)).toEqual(['ana']);
  });

  test('a name the account does not have fails, naming the one it has', async () => {
    const h = harness();
    consoleWorkforce(h);
    await expect(h.cfn.deploy(synth(adopting({ workforceName: 'labelers' })))).rejects.toThrow(/ROLLBACK/);
    expect(h.cfn.failures[0].reason).toContain('Message returned: This account and Region have no private workforce named labelers: ' +
      '`aws sagemaker list-workforces` shows the one they have (a workforce made in the console is named "default"); set `workforceName` to it, ' +
      'or leave `workforceName` out to use it. (log stream');
  });

  test('an account without a workforce fails with what to do', async () => {
    const h = harness();
    await expect(h.cfn.deploy(synth(adopting()))).rejects.toThrow(/ROLLBACK/);
    expect(h.cfn.failures[0].reason).toContain(
      'Message returned: This account and Region have no private workforce to use: create one with PrivateWorkforce instead of ExistingWorkforce. (log stream');
  });

  test('an OIDC workforce is refused with what applies to it', async () => {
    const h = harness();
    h.sagemaker.createWorkforce({
      WorkforceName: 'default',
      OidcConfig: {
        ClientId: 'corp',
        ClientSecret: 'secret',
        Issuer: 'https://idp.example.com',
        AuthorizationEndpoint: 'https://idp.example.com/a',
        TokenEndpoint: 'https://idp.example.com/t',
        UserInfoEndpoint: 'https://idp.example.com/u',
        LogoutEndpoint: 'https://idp.example.com/l',
        JwksUri: 'https://idp.example.com/j',
      },
    });
    await expect(h.cfn.deploy(synth(adopting({ workers: list('ana') })))).rejects.toThrow(/ROLLBACK/);
    expect(h.cfn.failures[0].reason).toContain(
      'Message returned: The workforce default signs workers in through an OIDC identity provider (https://idp.example.com), not a Cognito user pool: there is no app ' +
      'client to wire and no user pool to invite workers into. Manage its workers in the identity provider, and give work teams members through its ' +
      'groups (an AWS::SageMaker::Workteam with OidcMemberDefinition); ExistingWorkforce applies to Cognito workforces only. (log stream');
  });
});

describe('an app client the library did not create', () => {
  test('stack delete removes only the URLs the reconciler added; the client\'s own stay', async () => {
    const h = harness();
    const { poolId, clientId } = consoleWorkforce(h);
    await h.cfn.deploy(synth(adopting()));
    await h.cfn.deleteStack();
    const client = h.cognito.describeClient(poolId, clientId);
    expect(client.CallbackURLs).toEqual([OTHER_CALLBACK]);
    expect(client.LogoutURLs).toEqual(['https://tools.example.com/logout']);
  });

  test('portal URLs the client already had are not the reconciler\'s: a stack delete leaves them', async () => {
    const h = harness();
    const { poolId, clientId, portal } = consoleWorkforce(h);
    const before = h.cognito.describeClient(poolId, clientId);
    h.cognito.cloudFormationUpdateUserPoolClient(poolId, clientId, {
      ...before, CallbackURLs: [`${portal}/oauth2/idpresponse`, OTHER_CALLBACK], LogoutURLs: [`${portal}/logout`],
    });
    await h.cfn.deploy(synth(adopting()));
    await h.cfn.deleteStack();
    expect(h.cognito.describeClient(poolId, clientId).CallbackURLs).toEqual([`${portal}/oauth2/idpresponse`, OTHER_CALLBACK]);
    expect(h.cognito.describeClient(poolId, clientId).LogoutURLs).toEqual([`${portal}/logout`]);
  });

  test('renaming the construct (new logical ids, cleanup Deletes) keeps the URLs, and the stack delete still removes them', async () => {
    const h = harness();
    const { poolId, clientId, portal } = consoleWorkforce(h);
    await h.cfn.deploy(synth(adopting()));
    await h.cfn.deploy(synth((stack) => new ExistingWorkforce(stack, 'Labeling')));
    expect(h.cfn.failures).toEqual([]);
    expect(h.cognito.describeClient(poolId, clientId).CallbackURLs).toEqual([`${portal}/oauth2/idpresponse`, OTHER_CALLBACK]);
    await h.cfn.deleteStack();
    expect(h.cognito.describeClient(poolId, clientId).CallbackURLs).toEqual([OTHER_CALLBACK]);
  });

  test('an update rollback keeps the URLs', async () => {
    const h = harness();
    const { poolId, clientId, portal } = consoleWorkforce(h);
    await h.cfn.deploy(synth(adopting()));
    const broken = (stack: Stack) => {
      const w = new ExistingWorkforce(stack, 'Workforce', { workers: list('ana') });
      new CfnResource(stack, 'Broken', { type: 'AWS::SSM::Parameter', properties: { Name: '/broken' } }).node.addDependency(w.invitations!);
    };
    await expect(h.cfn.deploy(synth(broken))).rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE/);
    expect(h.cognito.describeClient(poolId, clientId).CallbackURLs).toEqual([`${portal}/oauth2/idpresponse`, OTHER_CALLBACK]);
  });

  test('invitations on the existing pool stay its owner\'s unless asked for, and the owner\'s is restored on leaving', async () => {
    const h = harness();
    const { poolId } = consoleWorkforce(h);
    const owners = h.cognito.describePool(poolId).AdminCreateUserConfig.InviteMessageTemplate;
    await h.cfn.deploy(synth(adopting()));
    expect(h.cognito.describePool(poolId).AdminCreateUserConfig.InviteMessageTemplate).toEqual(owners);
    await h.cfn.deploy(synth(adopting({ manageInvitation: true })));
    expect(h.cognito.describePool(poolId).AdminCreateUserConfig.InviteMessageTemplate.EmailMessage).toContain('https://');
    await h.cfn.deleteStack();
    // The owner had Cognito's default invitation: no subject or message of the library's is left.
    const after = h.cognito.describePool(poolId).AdminCreateUserConfig.InviteMessageTemplate ?? {};
    expect([after.EmailSubject, after.EmailMessage]).toEqual([owners?.EmailSubject, owners?.EmailMessage]);
  });
});

describe('a reconciler moved to another app client of the same pool', () => {
  test('keeps the invitation it manages, takes its URLs off the old client only, and restores both on stack delete', async () => {
    const h = harness();
    const { poolId, clientId: first } = consoleWorkforce(h);
    const second = h.cognito.createUserPoolClient(poolId, {
      ClientName: 'second',
      GenerateSecret: true,
      CallbackURLs: [OTHER_CALLBACK],
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid'],
      AllowedOAuthFlowsUserPoolClient: true,
      SupportedIdentityProviders: ['COGNITO'],
    });
    h.cognito.cloudFormationUpdateUserPool(poolId, {
      ...h.cognito.describePool(poolId),
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true, InviteMessageTemplate: { EmailSubject: 'Corp', EmailMessage: 'Corp {username} {####}' } },
    });
    const wiring = (clientId: string) => (stack: Stack) => new CallbackReconciler(stack, 'Wiring', {
      userPool: cognito.UserPool.fromUserPoolId(stack, 'Pool', poolId),
      userPoolClient: cognito.UserPoolClient.fromUserPoolClientId(stack, 'Client', clientId),
      subDomain: 'abc.labeling.us-east-1.sagemaker.aws',
    });
    const portal = 'https://abc.labeling.us-east-1.sagemaker.aws/oauth2/idpresponse';
    await h.cfn.deploy(synth(wiring(first)));
    await h.cfn.deploy(synth(wiring(second)));
    expect(h.cfn.failures).toEqual([]);
    expect(h.cognito.describePool(poolId).AdminCreateUserConfig.InviteMessageTemplate.EmailMessage).toContain('https://abc.labeling');
    expect(h.cognito.describeClient(poolId, first).CallbackURLs).toEqual([OTHER_CALLBACK]);
    expect(h.cognito.describeClient(poolId, second).CallbackURLs).toEqual([portal, OTHER_CALLBACK]);
    await h.cfn.deleteStack();
    expect(h.cognito.describePool(poolId).AdminCreateUserConfig.InviteMessageTemplate).toEqual({ EmailSubject: 'Corp', EmailMessage: 'Corp {username} {####}' });
    expect(h.cognito.describeClient(poolId, second).CallbackURLs).toEqual([OTHER_CALLBACK]);
  });
});

describe('network settings of the existing workforce', () => {
  test('source-IP CIDRs set, kept across updates, and the previous ones restored on stack delete', async () => {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24'] });
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })));
    expect(h.sagemaker.workforce('default')!.SourceIpConfig).toEqual({ Cidrs: ['203.0.113.0/24'] });
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24', '192.0.2.0/24'] })));
    expect(h.sagemaker.workforce('default')!.SourceIpConfig).toEqual({ Cidrs: ['203.0.113.0/24', '192.0.2.0/24'] });
    expect(h.cfn.failures).toEqual([]);
    await h.cfn.deleteStack();
    expect(h.sagemaker.workforce('default')!.SourceIpConfig).toEqual({ Cidrs: ['198.51.100.0/24'] });
  });

  test('a workforce without restrictions gets none back; dropping the prop restores them at once', async () => {
    const h = harness();
    consoleWorkforce(h);
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })));
    await h.cfn.deploy(synth(adopting()));
    expect(h.sagemaker.workforce('default')!.SourceIpConfig).toEqual({ Cidrs: [] });
    expect(h.cfn.failures).toEqual([]);
  });

  test('renaming the construct keeps the settings, and a later stack delete restores the first ones', async () => {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24'] });
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })));
    await h.cfn.deploy(synth((stack) => new ExistingWorkforce(stack, 'Labeling', { sourceIpCidrs: ['203.0.113.0/24'] })));
    expect(h.sagemaker.workforce('default')!.SourceIpConfig).toEqual({ Cidrs: ['203.0.113.0/24'] });
    await h.cfn.deleteStack();
    expect(h.sagemaker.workforce('default')!.SourceIpConfig).toEqual({ Cidrs: ['198.51.100.0/24'] });
  });

  test('a rename that stops setting the CIDRs restores the previous ones in the cleanup', async () => {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24'] });
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })));
    await h.cfn.deploy(synth((stack) => new ExistingWorkforce(stack, 'Labeling')));
    expect(h.cfn.failures).toEqual([]);
    expect(h.sagemaker.workforce('default')!.SourceIpConfig).toEqual({ Cidrs: ['198.51.100.0/24'] });
  });

  test('an update rollback puts the previous CIDRs back and keeps them as the ones to restore', async () => {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24'] });
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })));
    const broken = (stack: Stack) => {
      const w = new ExistingWorkforce(stack, 'Workforce', { sourceIpCidrs: ['192.0.2.0/24'] });
      new CfnResource(stack, 'Broken', { type: 'AWS::SSM::Parameter', properties: { Name: '/broken' } }).node.addDependency(w.resource);
    };
    await expect(h.cfn.deploy(synth(broken))).rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE/);
    expect(h.sagemaker.workforce('default')!.SourceIpConfig).toEqual({ Cidrs: ['203.0.113.0/24'] });
    await h.cfn.deleteStack();
    expect(h.sagemaker.workforce('default')!.SourceIpConfig).toEqual({ Cidrs: ['198.51.100.0/24'] });
  });

  test('the VPC of a VPC workforce is changed and restored, with the EC2 actions of the registry\'s update handler', async () => {
    const h = harness();
    consoleWorkforce(h, { vpc: true });
    const withVpc = (stack: Stack) => {
      const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
        vpcId: 'vpc-0bbb', availabilityZones: ['us-east-1a'], isolatedSubnetIds: ['subnet-0bbb'],
      });
      new ExistingWorkforce(stack, 'Workforce', {
        vpcConfig: { vpc, subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0bbb')] },
      });
    };
    await h.cfn.deploy(synth(withVpc));
    expect(h.cfn.failures).toEqual([]);
    expect(h.sagemaker.workforce('default')!.WorkforceVpcConfig).toEqual({ VpcId: 'vpc-0bbb', SecurityGroupIds: ['sg-0bbb'], Subnets: ['subnet-0bbb'] });
    await h.cfn.deleteStack();
    expect(h.sagemaker.workforce('default')!.WorkforceVpcConfig).toEqual({ VpcId: 'vpc-0aaa', SecurityGroupIds: ['sg-0aaa'], Subnets: ['subnet-0aaa'] });
    const registry = (providerSchema('AWS::SageMaker::Workforce').handlers.update.permissions as string[]).filter((p) => p.startsWith('ec2:'));
    expect([...WORKFORCE_VPC_ACTIONS].sort()).toEqual(registry.sort());
  });

  test('a VPC for a workforce reached over the internet is refused: it could not be taken away again', async () => {
    const h = harness();
    consoleWorkforce(h);
    await expect(h.cfn.deploy(synth((stack) => {
      const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0bbb', availabilityZones: ['us-east-1a'], isolatedSubnetIds: ['subnet-0bbb'] });
      new ExistingWorkforce(stack, 'Workforce', { vpcConfig: { vpc, securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0bbb')] } });
    }))).rejects.toThrow(/ROLLBACK/);
    expect(h.cfn.failures[0].reason).toMatch(/Message returned: The workforce default is reached over the internet, not through a VPC/);
    expect(h.sagemaker.workforce('default')!.WorkforceVpcConfig).toBeUndefined();
  });
});

describe('one interface for both', () => {
  test('code written against IPrivateWorkforce takes a PrivateWorkforce and an ExistingWorkforce', async () => {
    const addReviewers = (workforce: IPrivateWorkforce) => {
      workforce.addWorkers(list('ana'));
      workforce.addWorkteam('Reviewers', { description: 'Reviews labels', workteamName: 'reviewers' });
      workforce.addAlarms();
      return workforce.metricSignInThrottles().metricName;
    };
    const created = synth((stack) => {
      expect(addReviewers(new PrivateWorkforce(stack, 'Workforce', { removedWorkers: WorkerRemovalPolicy.RETAIN }))).toBe('SignInThrottles');
    });
    const adopted = synth((stack) => {
      expect(addReviewers(new ExistingWorkforce(stack, 'Workforce'))).toBe('SignInThrottles');
    });
    const types = (t: any) => Object.values<any>(t.template.Resources).map((r) => r.Type);
    expect(types(created)).toEqual(expect.arrayContaining(['AWS::SageMaker::Workteam', 'Custom::PrivateWorkforceInvitationSender', 'AWS::CloudWatch::Alarm']));
    expect(types(adopted)).toEqual(expect.arrayContaining(['AWS::SageMaker::Workteam', 'Custom::PrivateWorkforceInvitationSender', 'AWS::CloudWatch::Alarm']));
  });
});
