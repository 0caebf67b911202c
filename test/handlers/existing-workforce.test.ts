import { deflateRawSync, inflateRawSync } from 'zlib';
import { ListWorkforcesCommand, UpdateWorkforceCommand } from '@aws-sdk/client-sagemaker';
import { CfnResource, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { harness, synth } from './harness';
import { CallbackReconciler, ExistingWorkforce, ExistingWorkforceProps, IPrivateWorkforce, PrivateWorkforce, WorkerRemovalPolicy, Workers } from '../../src';
import * as lists from '../../src/handlers/lists';
import * as restore from '../../src/handlers/restore';
import { WORKFORCE_VPC_ACTIONS } from '../../src/private/workforce-vpc';
import { STACK_ID } from '../fakes/cloudformation-sim';
import { providerSchema } from '../fakes/registry';

// An account's existing workforce, adopted: the real handler through the CloudFormation simulator,
// against the SageMaker and Cognito fakes (every request checked against the API models, every
// call authorized by the template's own IAM policies).

type Harness = ReturnType<typeof harness>;
const LOOKUP = 'Custom::PrivateWorkforceExistingWorkforce';
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

  test('by default, the private workforce among vendor ones ListWorkforces also lists, on a later page', async () => {
    const h = harness();
    for (let i = 0; i < 10; i++) {
      h.sagemaker.seed({ WorkforceName: `vendor-${i}`, WorkforceArn: `arn:aws:sagemaker:us-east-1:123456789012:workforce/vendor-${i}`, Status: 'Active' });
    }
    const { clientId } = consoleWorkforce(h);
    const invocations = await h.cfn.deploy(synth(adopting()));
    expect(h.cfn.failures).toEqual([]);
    expect(invocations.find((i) => i.resourceType === 'Custom::PrivateWorkforceExistingWorkforce')!.data).toMatchObject({ WorkforceName: 'default', ClientId: clientId });
    expect(h.sagemaker.requests.filter((r) => r.operation === 'ListWorkforces')).toHaveLength(2);
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

  test('a portal URL the client\'s owner removed since is nothing to remove: the stack delete takes the other and says so', async () => {
    const h = harness();
    const { poolId, clientId, portal } = consoleWorkforce(h);
    await h.cfn.deploy(synth(adopting()));
    const client = h.cognito.describeClient(poolId, clientId);
    // The owner drops the portal's callback URL, and adds one of theirs.
    h.cognito.cloudFormationUpdateUserPoolClient(poolId, clientId, { ...client, CallbackURLs: [OTHER_CALLBACK, 'https://tools.example.com/other'] });
    await h.cfn.deleteStack();
    expect(h.cfn.failures).toEqual([]);
    expect(h.cognito.describeClient(poolId, clientId).CallbackURLs).toEqual([OTHER_CALLBACK, 'https://tools.example.com/other']);
    expect(h.cognito.describeClient(poolId, clientId).LogoutURLs).toEqual(['https://tools.example.com/logout']);
    expect(h.log).toContain(`app client ${clientId}: 1 of the 2 portal URL(s) the reconciler added was removed since (${portal}/oauth2/idpresponse); nothing to remove there`);
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

  test('an update rollback keeps the URLs: the renamed lookup and reconciler it created are deleted, the old ones stay', async () => {
    const h = harness();
    const { poolId, clientId, portal } = consoleWorkforce(h);
    await h.cfn.deploy(synth(adopting()));
    const broken = (stack: Stack) => {
      const w = new ExistingWorkforce(stack, 'Labeling', { workers: list('ana') });
      new CfnResource(stack, 'Broken', { type: 'AWS::SSM::Parameter', properties: { Name: '/broken' } }).node.addDependency(w.invitations!);
    };
    await expect(h.cfn.deploy(synth(broken))).rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE/);
    // The events that could have taken the URLs away did run.
    const rolledBack = h.cfn.invocations.filter((i) => i.stackStatus === 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS').map((i) => `${i.requestType} ${i.resourceType}`);
    expect(rolledBack).toEqual(expect.arrayContaining(['Delete Custom::PrivateWorkforceCallbackReconciler', 'Delete Custom::PrivateWorkforceExistingWorkforce']));
    expect(h.cognito.describeClient(poolId, clientId).CallbackURLs).toEqual([`${portal}/oauth2/idpresponse`, OTHER_CALLBACK]);
    // And the stack still knows they are its own: its delete removes them.
    await h.cfn.deleteStack();
    expect(h.cognito.describeClient(poolId, clientId).CallbackURLs).toEqual([OTHER_CALLBACK]);
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

  const cidrsOf = (h: Harness) => h.sagemaker.workforce('default')!.SourceIpConfig.Cidrs;
  const broken = (build: (stack: Stack) => ExistingWorkforce) => (stack: Stack) => {
    const w = build(stack);
    new CfnResource(stack, 'Broken', { type: 'AWS::SSM::Parameter', properties: { Name: '/broken' } }).node.addDependency(w);
  };

  test('a rename that also changes the CIDRs, rolled back, gives the old lookup its CIDRs back', async () => {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24'] });
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })));
    await expect(h.cfn.deploy(synth(broken((stack) => new ExistingWorkforce(stack, 'Labeling', { sourceIpCidrs: ['192.0.2.0/24'] })))))
      .rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE/);
    expect(cidrsOf(h)).toEqual(['203.0.113.0/24']);
    // The old lookup still keeps the first ones to restore.
    await h.cfn.deleteStack();
    expect(cidrsOf(h)).toEqual(['198.51.100.0/24']);
  });

  test('a rename that succeeds does not put back what the old lookup had set', async () => {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24'] });
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })));
    await h.cfn.deploy(synth((stack) => new ExistingWorkforce(stack, 'Labeling', { sourceIpCidrs: ['192.0.2.0/24'] })));
    expect(cidrsOf(h)).toEqual(['192.0.2.0/24']);
    // Its next update drops what it took over: a later rollback of that update has nothing stale to apply.
    await expect(h.cfn.deploy(synth(broken((stack) => new ExistingWorkforce(stack, 'Labeling', { sourceIpCidrs: ['192.0.2.0/25'] })))))
      .rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE/);
    expect(cidrsOf(h)).toEqual(['192.0.2.0/24']);
    await h.cfn.deleteStack();
    expect(cidrsOf(h)).toEqual(['198.51.100.0/24']);
  });

  test('a renamed lookup whose own update then fails rolls back to its own settings, not to the ones it took over', async () => {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24'] });
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })));
    await h.cfn.deploy(synth((stack) => new ExistingWorkforce(stack, 'Labeling', { sourceIpCidrs: ['192.0.2.0/24'] })));
    h.sagemaker.failNextUpdate('The subnet was not found.');
    await expect(h.cfn.deploy(synth((stack) => new ExistingWorkforce(stack, 'Labeling', { sourceIpCidrs: ['192.0.2.0/25'] }))))
      .rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE/);
    expect(cidrsOf(h)).toEqual(['192.0.2.0/24']);
    await h.cfn.deleteStack();
    expect(cidrsOf(h)).toEqual(['198.51.100.0/24']);
  });

  test('an update-rollback cleanup Delete of a lookup\'s own earlier physical id gives back nothing it took over', async () => {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24'] });
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })));
    await h.cfn.deploy(synth((stack) => new ExistingWorkforce(stack, 'Labeling', { sourceIpCidrs: ['192.0.2.0/24'] })));
    const live = h.cfn.physicalIdOf(LOOKUP);
    const kept = JSON.parse(inflateRawSync(Buffer.from(live.split('/previous-network/')[1], 'base64url')).toString('utf-8'));
    expect(kept.Before).toEqual({ SourceIpCidrs: ['203.0.113.0/24'] }); // what the old lookup had set
    // The same logical id under another physical id (CloudFormation deletes the one an update
    // rolled back from): the live lookup of that id keeps the settings, and it is this lookup itself.
    // The same settings written in another order: another physical id, the same content.
    const earlier = `workforce/default/previous-network/${deflateRawSync(JSON.stringify({ Before: kept.Before, SourceIpCidrs: kept.SourceIpCidrs })).toString('base64url')}`;
    expect(earlier).not.toBe(live);
    const logicalId = h.cfn.invocations.filter((i) => i.resourceType === LOOKUP && i.requestType === 'Create').at(-1)!.logicalId;
    await h.cfn.send({
      RequestType: 'Delete',
      ResourceType: LOOKUP,
      LogicalResourceId: logicalId,
      RequestId: 'cleanup',
      StackId: STACK_ID,
      PhysicalResourceId: earlier,
      ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/cleanup',
      ServiceToken: 'unused',
      ResourceProperties: { ServiceToken: 'unused', SourceIpCidrs: ['192.0.2.0/24'] },
    } as any, 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    expect(cidrsOf(h)).toEqual(['192.0.2.0/24']);
  });

  test('a rename whose Create fails leaves the old lookup\'s settings, not the ones from before the stack', async () => {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24'] });
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })));
    h.sagemaker.failNextUpdate('The subnet was not found.');
    await expect(h.cfn.deploy(synth((stack) => new ExistingWorkforce(stack, 'Labeling', { sourceIpCidrs: ['192.0.2.0/24'] }))))
      .rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE/);
    expect(cidrsOf(h)).toEqual(['203.0.113.0/24']);
  });

  test('a restore SageMaker refuses fails the stack delete, saying what the settings were; a workforce that is gone is nothing to restore', async () => {
    const h = harness();
    // A dualstack workforce with an IPv6 block; the stack sets an IPv4 one.
    consoleWorkforce(h);
    h.sagemaker.updateWorkforce({ WorkforceName: 'default', IpAddressType: 'dualstack', SourceIpConfig: { Cidrs: ['2001:db8::/32'] } });
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })));
    // Someone makes the workforce IPv4-only meanwhile (the CIDRs are still the stack's): the IPv6 block is refused now.
    h.sagemaker.updateWorkforce({ WorkforceName: 'default', IpAddressType: 'ipv4' });
    await expect(h.cfn.deleteStack()).rejects.toThrow(/DELETE_FAILED/);
    expect(h.cfn.failures.at(-1)!.reason).toContain('The workforce default could not be given back its network settings from before the stack');
    expect(h.cfn.failures.at(-1)!.reason).toContain('They were: source-IP CIDRs 2001:db8::/32.');

    const gone = harness();
    consoleWorkforce(gone, { cidrs: ['198.51.100.0/24'] });
    await gone.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })));
    gone.sagemaker.deleteWorkforce('default');
    await gone.cfn.deleteStack();
    expect(gone.cfn.failures).toEqual([]);
  });

  test('an UpdateWorkforce whose response was lost is sent again once the workforce is Active, and the deploy succeeds', async () => {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24'] });
    h.sagemaker.loseResponse('UpdateWorkforce');
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })));
    expect(h.cfn.failures).toEqual([]);
    expect(cidrsOf(h)).toEqual(['203.0.113.0/24']);
    const updates = h.sagemaker.requests.filter((r) => r.operation === 'UpdateWorkforce');
    expect(updates.length).toBeGreaterThanOrEqual(2); // the lost one, a ConflictException while Updating, then the one that answered
    await h.cfn.deleteStack();
    expect(cidrsOf(h)).toEqual(['198.51.100.0/24']);
  });

  test('a workforce that is Updating when the deploy starts is waited for', async () => {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24'] });
    // Someone's console change, just before the deploy.
    await h.clock.run(h.sagemaker.client().send(new UpdateWorkforceCommand({ WorkforceName: 'default', SourceIpConfig: { Cidrs: ['198.51.100.0/25'] } })));
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })));
    expect(h.cfn.failures).toEqual([]);
    expect(cidrsOf(h)).toEqual(['203.0.113.0/24']);
    // The console's update and the lookup's, which waited: no ConflictException and second try.
    expect(h.sagemaker.requests.filter((r) => r.operation === 'UpdateWorkforce')).toHaveLength(2);
    await h.cfn.deleteStack();
    expect(cidrsOf(h)).toEqual(['198.51.100.0/25']);
  });

  test('an update still running near the deadline fails the Create saying so, with the settings to put back', async () => {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24'] });
    h.sagemaker.updatingPolls = 10_000;
    await expect(h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })))).rejects.toThrow(/ROLLBACK_COMPLETE/);
    const reason = h.cfn.failures[0].reason;
    expect(reason).toMatch(/The workforce default is still Updating after \d+ s of waiting; deploy again once `aws sagemaker describe-workforce` shows it Active\./);
    expect(reason).toContain('they were: source-IP CIDRs 198.51.100.0/24. Set them with `aws sagemaker update-workforce` once the workforce is Active.');
    // Answered before Lambda's limit: CloudFormation did not wait out the service timeout.
    expect(reason).not.toMatch(/did not receive a response/);
  });

  test('a late duplicate of an old event leaves the workforce as the stack has it now', async () => {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24'] });
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })));
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['192.0.2.0/24'] })));
    const lookup = h.cfn.invocations.find((i) => i.resourceType === LOOKUP)!;
    await h.cfn.send({
      RequestType: 'Create',
      ResourceType: LOOKUP,
      LogicalResourceId: lookup.logicalId,
      RequestId: 'late',
      StackId: STACK_ID,
      ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/late',
      ServiceToken: 'unused',
      ResourceProperties: { ServiceToken: 'unused', SourceIpCidrs: ['203.0.113.0/24'] },
    } as any, 'UPDATE_COMPLETE');
    expect(cidrsOf(h)).toEqual(['192.0.2.0/24']);
  });

  test('a Create whose update leaves the workforce Failed fails with SageMaker\'s reason, and puts the previous settings back', async () => {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24'] });
    h.sagemaker.failNextUpdate('The subnet subnet-0bbb was not found.');
    await expect(h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })))).rejects.toThrow(/ROLLBACK_COMPLETE/);
    expect(h.cfn.failures[0].reason).toContain('The workforce default is Failed after an update: The subnet subnet-0bbb was not found.');
    expect(cidrsOf(h)).toEqual(['198.51.100.0/24']);
    expect(h.sagemaker.workforce('default')!.Status).toBe('Active');
  });

  test('source-IP CIDRs for a workforce in a VPC, and IPv6 blocks for an IPv4 one, are refused with what to do', async () => {
    const inVpc = harness();
    consoleWorkforce(inVpc, { vpc: true });
    await expect(inVpc.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })))).rejects.toThrow(/ROLLBACK_COMPLETE/);
    expect(inVpc.cfn.failures[0].reason).toContain('The workforce default is reached through VPC vpc-0aaa, and SageMaker does not restrict source IPs ' +
      'of a portal in a VPC: leave `sourceIpCidrs` out, and restrict access with the security groups of its VPC endpoint.');

    const ipv4 = harness();
    consoleWorkforce(ipv4);
    await expect(ipv4.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24', '2001:db8::/32'] })))).rejects.toThrow(/ROLLBACK_COMPLETE/);
    expect(ipv4.cfn.failures[0].reason).toContain('`sourceIpCidrs` has the IPv6 block 2001:db8::/32, but the workforce default takes IPv4 only (IpAddressType ipv4)');
    expect(ipv4.sagemaker.requests.filter((r) => r.operation === 'UpdateWorkforce')).toEqual([]);

    const dualstack = harness();
    consoleWorkforce(dualstack);
    dualstack.sagemaker.updateWorkforce({ WorkforceName: 'default', IpAddressType: 'dualstack' });
    await dualstack.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24', '2001:db8::/32'] })));
    expect(dualstack.sagemaker.workforce('default')!.SourceIpConfig.Cidrs).toEqual(['203.0.113.0/24', '2001:db8::/32']);
  });

  test('negative control: the SageMaker fake refuses IPv6 CIDRs for an IPv4 workforce, as the handler\'s own check does first', async () => {
    const h = harness();
    consoleWorkforce(h);
    await expect(h.clock.run(h.sagemaker.client().send(new UpdateWorkforceCommand({ WorkforceName: 'default', SourceIpConfig: { Cidrs: ['2001:db8::/32'] } }))))
      .rejects.toThrow(/IPv6 CIDRs need a workforce with IpAddressType dualstack/);
  });

  test('negative control: the SageMaker fake refuses a request its API model does not allow', async () => {
    const h = harness();
    consoleWorkforce(h);
    await expect(h.clock.run(h.sagemaker.client().send(new ListWorkforcesCommand({ MaxResults: 500 })))).rejects.toThrow(/MaxResults/);
    expect(h.sagemaker.violations).toHaveLength(1);
  });

  const vpcStack = (vpcId?: string) => (stack: Stack) => {
    const vpcConfig = vpcId ? {
      vpc: ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId, availabilityZones: ['us-east-1a'], isolatedSubnetIds: [vpcId.replace('vpc', 'subnet')] }),
      subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', vpcId.replace('vpc', 'sg'))],
    } : undefined;
    new ExistingWorkforce(stack, 'Workforce', { vpcConfig });
  };
  const vpcOf = (h: Harness) => h.sagemaker.workforce('default')!.WorkforceVpcConfig;
  const CONSOLE_VPC = { VpcId: 'vpc-0aaa', SecurityGroupIds: ['sg-0aaa'], Subnets: ['subnet-0aaa'], VpcEndpointId: 'vpce-0fake' };

  test('the VPC of a VPC workforce is changed and restored, with the EC2 actions of the registry\'s update handler', async () => {
    const h = harness();
    consoleWorkforce(h, { vpc: true });
    await h.cfn.deploy(synth(vpcStack('vpc-0bbb')));
    expect(h.cfn.failures).toEqual([]);
    expect(vpcOf(h)).toEqual({ VpcId: 'vpc-0bbb', SecurityGroupIds: ['sg-0bbb'], Subnets: ['subnet-0bbb'], VpcEndpointId: 'vpce-0fake' });
    await h.cfn.deleteStack();
    expect(vpcOf(h)).toEqual(CONSOLE_VPC);
    const registry = (providerSchema('AWS::SageMaker::Workforce').handlers.update.permissions as string[]).filter((p) => p.startsWith('ec2:'));
    expect([...WORKFORCE_VPC_ACTIONS].sort()).toEqual(registry.sort());
  });

  test('removing vpcConfig puts the VPC back: the EC2 policy is a removed resource, in force until the cleanup', async () => {
    const h = harness();
    consoleWorkforce(h, { vpc: true });
    await h.cfn.deploy(synth(vpcStack('vpc-0bbb')));
    const invocations = await h.cfn.deploy(synth(vpcStack()));
    expect(h.cfn.failures).toEqual([]);
    expect(invocations.filter((i) => i.resourceType === 'Custom::PrivateWorkforceExistingWorkforce').map((i) => `${i.requestType} ${i.stackStatus}`))
      .toEqual(['Update UPDATE_IN_PROGRESS', 'Delete UPDATE_COMPLETE_CLEANUP_IN_PROGRESS']);
    expect(vpcOf(h)).toEqual(CONSOLE_VPC);
  });

  test('a failed deploy that added vpcConfig rolls back to the VPC before it', async () => {
    const h = harness();
    consoleWorkforce(h, { vpc: true });
    await h.cfn.deploy(synth(vpcStack()));
    await expect(h.cfn.deploy(synth((stack) => {
      vpcStack('vpc-0bbb')(stack);
      new CfnResource(stack, 'Broken', { type: 'AWS::SSM::Parameter', properties: { Name: '/broken' } }).node.addDependency(stack.node.findChild('Workforce'));
    }))).rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE/);
    expect(vpcOf(h)).toEqual(CONSOLE_VPC);
  });

  test('negative control: without the EC2 actions, SageMaker refuses the VPC change', async () => {
    const h = harness();
    consoleWorkforce(h, { vpc: true });
    const stack = synth(vpcStack('vpc-0bbb'));
    for (const resource of Object.values(stack.template.Resources as Record<string, any>)) {
      if (resource.Type === 'AWS::IAM::Policy') {
        for (const statement of resource.Properties.PolicyDocument.Statement) {
          statement.Action = [statement.Action].flat().filter((a: string) => !a.startsWith('ec2:'));
        }
      }
    }
    await expect(h.cfn.deploy(stack)).rejects.toThrow(/ROLLBACK/);
    expect(h.cfn.failures[0].reason).toMatch(/not authorized to perform: ec2:/);
    expect(vpcOf(h)).toEqual(CONSOLE_VPC);
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

describe('a restore puts back only what is still the stack\'s', () => {
  // The lookup puts back the settings it found when it leaves (stack delete, a rename's cleanup,
  // rollbacks) or stops setting them, but only where the workforce still has what the stack set:
  // a change made out of band since (a security team narrowing the CIDRs, say) is kept, and logged.
  const cidrsOf = (h: Harness) => h.sagemaker.workforce('default')!.SourceIpConfig.Cidrs;
  const vpcOf = (h: Harness) => h.sagemaker.workforce('default')!.WorkforceVpcConfig;
  const updates = (h: Harness, from = 0) => h.sagemaker.requests.slice(from).filter((r) => r.operation === 'UpdateWorkforce').length;
  /** What a security team does in the console: narrows the portal to a /28. */
  const narrow = (h: Harness) => h.sagemaker.updateWorkforce({ WorkforceName: 'default', SourceIpConfig: { Cidrs: ['203.0.113.0/28'] } });
  /** Runs `act` (someone's change outside the stack) once, the moment the stack enters `status`. */
  const onStatus = (h: Harness, status: string, act: () => void) => {
    const push = h.cfn.statuses.push.bind(h.cfn.statuses);
    let done = false;
    h.cfn.statuses.push = (...items: string[]) => {
      const length = push(...items);
      if (!done && items.includes(status)) {
        done = true;
        act();
      }
      return length;
    };
  };
  const failing = (build: (stack: Stack) => ExistingWorkforce) => (stack: Stack) => {
    const w = build(stack);
    new CfnResource(stack, 'Broken', { type: 'AWS::SSM::Parameter', properties: { Name: '/broken' } }).node.addDependency(w);
  };
  const kept = (set: string, before: string) => 'workforce default: its source-IP CIDRs were changed since the stack set them ' +
    `(to 203.0.113.0/28; the stack had set ${set}), so they are left as they are, not put back to the ones ${before}; ` +
    'put those back with `aws sagemaker update-workforce` if they should be.';

  /** The scenario of the issue: set by the stack, narrowed out of band, then the stack is deleted. */
  async function narrowedThenDeleted() {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24'] });
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })));
    narrow(h);
    const from = h.sagemaker.requests.length;
    await h.cfn.deleteStack();
    return { h, from };
  }

  test('a stack delete keeps CIDRs narrowed since the deploy, and logs what it left and what to do', async () => {
    const { h, from } = await narrowedThenDeleted();
    expect(h.cfn.failures).toEqual([]);
    expect(cidrsOf(h)).toEqual(['203.0.113.0/28']);
    expect(updates(h, from)).toBe(0);
    expect(h.log).toContain(kept('203.0.113.0/24', 'from before the stack (198.51.100.0/24)'));
  });

  test('negative control: restoring regardless (the old behaviour) undoes the narrowing, so the test above catches it', async () => {
    const planted = jest.spyOn(restore, 'restoreVerdict').mockImplementation((current, _ours, target, same) =>
      (current !== undefined && same(target, current) ? 'already' : 'restore'));
    try {
      const { h } = await narrowedThenDeleted();
      expect(cidrsOf(h)).toEqual(['198.51.100.0/24']); // the security team's /28 is gone
    } finally {
      planted.mockRestore();
    }
  });

  test('what still is the stack\'s is put back, and what is already back needs no update', async () => {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24'] });
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })));
    // Someone sets the very CIDRs from before the stack: nothing left to do.
    h.sagemaker.updateWorkforce({ WorkforceName: 'default', SourceIpConfig: { Cidrs: ['198.51.100.0/24'] } });
    const from = h.sagemaker.requests.length;
    await h.cfn.deleteStack();
    expect(h.cfn.failures).toEqual([]);
    expect(updates(h, from)).toBe(0);
    expect(h.log.join('\n')).not.toMatch(/left as they are/);
  });

  test('a portal moved into a VPC since keeps its VPC and no CIDRs: the stack delete succeeds', async () => {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24'] });
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })));
    h.sagemaker.updateWorkforce({ WorkforceName: 'default', SourceIpConfig: { Cidrs: [] }, WorkforceVpcConfig: { VpcId: 'vpc-0ccc', SecurityGroupIds: ['sg-0ccc'], Subnets: ['subnet-0ccc'] } });
    await h.cfn.deleteStack();
    expect(h.cfn.failures).toEqual([]);
    expect(cidrsOf(h)).toEqual([]);
    expect(vpcOf(h)).toMatchObject({ VpcId: 'vpc-0ccc' });
    expect(h.log.join('\n')).toContain('its source-IP CIDRs were changed since the stack set them (to none (every address); the stack had set 203.0.113.0/24)');
  });

  test('dropping sourceIpCidrs keeps CIDRs changed since, in the Update and in the cleanup after it', async () => {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24'] });
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })));
    narrow(h);
    await h.cfn.deploy(synth(adopting()));
    expect(h.cfn.failures).toEqual([]);
    expect(cidrsOf(h)).toEqual(['203.0.113.0/28']);
    expect(h.log).toContain(kept('203.0.113.0/24', 'from before the stack (198.51.100.0/24)'));
  });

  test('a rename that stops setting the CIDRs keeps CIDRs changed since in its cleanup', async () => {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24'] });
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })));
    narrow(h);
    const invocations = await h.cfn.deploy(synth((stack) => new ExistingWorkforce(stack, 'Labeling')));
    expect(invocations.filter((i) => i.resourceType === LOOKUP).map((i) => `${i.requestType} ${i.stackStatus}`))
      .toEqual(['Create UPDATE_IN_PROGRESS', 'Delete UPDATE_COMPLETE_CLEANUP_IN_PROGRESS']);
    expect(cidrsOf(h)).toEqual(['203.0.113.0/28']);
  });

  test('a VPC changed since (another security group) is kept on stack delete', async () => {
    const h = harness();
    consoleWorkforce(h, { vpc: true });
    await h.cfn.deploy(synth((stack) => {
      const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0bbb', availabilityZones: ['us-east-1a'], isolatedSubnetIds: ['subnet-0bbb'] });
      new ExistingWorkforce(stack, 'Workforce', {
        vpcConfig: { vpc, subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0bbb')] },
      });
    }));
    const changed = { VpcId: 'vpc-0bbb', SecurityGroupIds: ['sg-0bbb', 'sg-0ddd'], Subnets: ['subnet-0bbb'] };
    h.sagemaker.updateWorkforce({ WorkforceName: 'default', WorkforceVpcConfig: changed });
    await h.cfn.deleteStack();
    expect(h.cfn.failures).toEqual([]);
    expect(vpcOf(h)).toEqual({ ...changed, VpcEndpointId: 'vpce-0fake' });
    expect(h.log).toContain('workforce default: its VPC settings were changed since the stack set them (to VPC vpc-0bbb (subnets subnet-0bbb; security groups ' +
      'sg-0bbb, sg-0ddd); the stack had set VPC vpc-0bbb (subnets subnet-0bbb; security groups sg-0bbb)), so they are left as they are, not put back ' +
      'to the ones from before the stack (VPC vpc-0aaa (subnets subnet-0aaa; security groups sg-0aaa)); put those back with `aws sagemaker update-workforce` ' +
      'if they should be.');
  });

  test('a first deploy that rolls back keeps CIDRs changed while it ran', async () => {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24'] });
    onStatus(h, 'ROLLBACK_IN_PROGRESS', () => narrow(h));
    await expect(h.cfn.deploy(synth(failing((stack) => new ExistingWorkforce(stack, 'Workforce', { sourceIpCidrs: ['203.0.113.0/24'] })))))
      .rejects.toThrow(/ROLLBACK_COMPLETE/);
    expect(h.cfn.invocations.filter((i) => i.resourceType === LOOKUP).map((i) => `${i.requestType} ${i.stackStatus}`))
      .toEqual(['Create CREATE_IN_PROGRESS', 'Delete ROLLBACK_IN_PROGRESS']);
    expect(cidrsOf(h)).toEqual(['203.0.113.0/28']);
  });

  test('an update rollback keeps CIDRs changed while the update ran, and so does the stack delete after it', async () => {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24'] });
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })));
    onStatus(h, 'UPDATE_ROLLBACK_IN_PROGRESS', () => narrow(h));
    await expect(h.cfn.deploy(synth(failing((stack) => new ExistingWorkforce(stack, 'Workforce', { sourceIpCidrs: ['192.0.2.0/24'] })))))
      .rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE/);
    expect(cidrsOf(h)).toEqual(['203.0.113.0/28']);
    expect(h.log).toContain(kept('192.0.2.0/24', 'of the template the stack rolls back to (203.0.113.0/24)'));
    await h.cfn.deleteStack();
    expect(cidrsOf(h)).toEqual(['203.0.113.0/28']);
  });

  test('a rename rolled back keeps CIDRs changed meanwhile, instead of giving the old lookup its own back', async () => {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24'] });
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })));
    onStatus(h, 'UPDATE_ROLLBACK_IN_PROGRESS', () => narrow(h));
    await expect(h.cfn.deploy(synth(failing((stack) => new ExistingWorkforce(stack, 'Labeling', { sourceIpCidrs: ['192.0.2.0/24'] })))))
      .rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE/);
    expect(cidrsOf(h)).toEqual(['203.0.113.0/28']);
    expect(h.log).toContain(kept('192.0.2.0/24', 'from before this deploy (203.0.113.0/24)'));
  });

  test('a failed Create\'s reason says what it left as it is', async () => {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24'] });
    h.sagemaker.failNextUpdate('The subnet subnet-0bbb was not found.');
    // Someone changes the CIDRs right after the lookup's update failed (the first DescribeWorkforce that sees it Failed).
    const authorize = h.sagemaker.authorizer!;
    let changed = false;
    h.sagemaker.authorizer = (action, resource) => {
      const workforce = h.sagemaker.workforce('default');
      if (!changed && action === 'sagemaker:DescribeWorkforce' && workforce?.Status === 'Failed') {
        changed = true;
        h.sagemaker.seed({ ...workforce, SourceIpConfig: { Cidrs: ['203.0.113.0/28'] } });
      }
      return authorize(action, resource);
    };
    await expect(h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['203.0.113.0/24'] })))).rejects.toThrow(/ROLLBACK_COMPLETE/);
    expect(changed).toBe(true);
    expect(cidrsOf(h)).toEqual(['203.0.113.0/28']);
    expect(h.cfn.failures[0].reason).toContain('The workforce default is Failed after an update: The subnet subnet-0bbb was not found.');
    expect(h.cfn.failures[0].reason).toContain('Workforce default: its source-IP CIDRs were changed since the stack set them (to 203.0.113.0/28; ' +
      'the stack had set 203.0.113.0/24), so they are left as they are, not put back to the ones from before this deploy (198.51.100.0/24)');
  });
});

describe('lists are compared with their repeats', () => {
  const cidrsOf = (h: Harness) => h.sagemaker.workforce('default')!.SourceIpConfig.Cidrs;

  /** A workforce that lists a block twice (if SageMaker keeps such a list), opened to every address by the stack. */
  async function repeatedThenDeleted() {
    const h = harness();
    consoleWorkforce(h, { cidrs: ['198.51.100.0/24', '198.51.100.0/24'] });
    await h.cfn.deploy(synth(adopting({ sourceIpCidrs: ['198.51.100.0/24', '0.0.0.0/0'] })));
    expect(cidrsOf(h)).toEqual(['198.51.100.0/24', '0.0.0.0/0']);
    await h.cfn.deleteStack();
    return h;
  }

  test('["A", "A"] is not ["A", "0.0.0.0/0"]: the stack delete closes the portal again', async () => {
    const h = await repeatedThenDeleted();
    expect(h.cfn.failures).toEqual([]);
    expect(cidrsOf(h)).toEqual(['198.51.100.0/24', '198.51.100.0/24']);
  });

  test('negative control: comparing without repeats (the old comparison) leaves the portal open to every address', async () => {
    // The old comparison: as long, and every item of the first list somewhere in the second.
    const planted = jest.spyOn(lists, 'sameItems').mockImplementation((a, b, key = (item) => item) =>
      b !== undefined && a.length === b.length && a.every((item) => b.map(key).includes(key(item))));
    try {
      const h = await repeatedThenDeleted();
      expect(cidrsOf(h)).toEqual(['198.51.100.0/24', '0.0.0.0/0']);
    } finally {
      planted.mockRestore();
    }
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['a CIDR block twice', { SourceIpCidrs: ['203.0.113.0/24', '203.0.113.0/24'] },
      '`sourceIpCidrs` has 203.0.113.0/24 twice as the stack resolved it at deploy (203.0.113.0/24, 203.0.113.0/24): give each once, then deploy again.'],
    ['one network in two spellings', { SourceIpCidrs: ['203.0.113.0/24', '203.0.113.9/24'] },
      '`sourceIpCidrs` has 203.0.113.0/24 and 203.0.113.9/24, the same network, as the stack resolved it at deploy (203.0.113.0/24, 203.0.113.9/24): ' +
      'give each once, then deploy again.'],
    ['a security group twice', { VpcConfig: { VpcId: 'vpc-0aaa', Subnets: ['subnet-0aaa'], SecurityGroupIds: ['sg-0aaa', 'sg-0aaa'] } },
      '`vpcConfig.securityGroups` has sg-0aaa twice as the stack resolved it at deploy (sg-0aaa, sg-0aaa): give each once, then deploy again.'],
  ])('repeats resolved at deploy (tokens the constructs could not compare) are refused before any change: %s', async (_, properties, message) => {
    const h = harness();
    consoleWorkforce(h, { vpc: properties.VpcConfig !== undefined });
    await expect(h.cfn.send({
      RequestType: 'Create',
      ResourceType: LOOKUP,
      LogicalResourceId: 'Workforce',
      RequestId: 'repeats',
      StackId: STACK_ID,
      ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/repeats',
      ServiceToken: 'unused',
      ResourceProperties: { ServiceToken: 'unused', ...properties },
    } as any)).rejects.toThrow(new Error(message));
    expect(h.sagemaker.requests.filter((r) => r.operation === 'UpdateWorkforce')).toHaveLength(0);
  });

  test('negative control: the SageMaker fake refuses a prefix length with a leading zero, by the API model\'s Cidr pattern', async () => {
    const h = harness();
    consoleWorkforce(h);
    await expect(h.clock.run(h.sagemaker.client().send(new UpdateWorkforceCommand({ WorkforceName: 'default', SourceIpConfig: { Cidrs: ['10.0.0.0/024'] } }))))
      .rejects.toThrow(/does not match/);
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
