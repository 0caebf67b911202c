// Defaults with two invited workers, then a second deploy that changes the pool and the client
// (password policy, refresh-token validity): the portal wiring must survive it.
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { assertWiring, EVENTUALLY, integApp, templateBody } from './integ-helpers';
import { PrivateWorkforce, PrivateWorkforceProps, Workers, Workteam } from '../src';

const STACK_NAME = 'cdk-private-workforce-integ-defaults';

interface Version {
  readonly stack: Stack;
  readonly workforce: PrivateWorkforce;
  readonly team: Workteam;
}

function workforceStack(app: ReturnType<typeof integApp>, version: Partial<PrivateWorkforceProps>): Version {
  const stack = new Stack(app, 'Defaults', { stackName: STACK_NAME });
  const workforce = new PrivateWorkforce(stack, 'Workforce', {
    workforceName: 'cdk-private-workforce-integ',
    removalPolicy: RemovalPolicy.DESTROY,
    workers: Workers.fromList([{ email: 'integ-ana@example.com' }, { email: 'integ-bo@example.com', username: 'integ-bo' }]),
    ...version,
  });
  const team = workforce.addWorkteam('Annotators', {
    description: 'Integration test work team',
    workteamName: 'cdk-private-workforce-integ',
    workers: Workers.fromList([{ email: 'integ-ana@example.com' }]),
    createNotificationTopic: true,
  });
  return { stack, workforce, team };
}

export const app = integApp();
export const { stack, workforce, team } = workforceStack(app, {});

// The second version of the same stack, deployed by the test as an update of the first.
const second = workforceStack(integApp(), {
  passwordPolicy: { minLength: 14, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
  refreshTokenValidity: Duration.days(7),
});

const integ = new IntegTest(app, 'PrivateWorkforceDefaults', { testCases: [stack], stackUpdateWorkflow: false });

const teamDescribed = integ.assertions.awsApiCall('SageMaker', 'describeWorkteam', { WorkteamName: team.workteamName })
  .expect(ExpectedResult.objectLike({
    Workteam: {
      MemberDefinitions: [{
        CognitoMemberDefinition: {
          UserPool: workforce.userPool.userPoolId,
          ClientId: workforce.userPoolClient.userPoolClientId,
          UserGroup: team.groupName,
        },
      }],
      NotificationConfiguration: { NotificationTopicArn: team.notificationTopic!.topicArn },
    },
  }));
const teamMember = integ.assertions.awsApiCall('CognitoIdentityServiceProvider', 'listUsersInGroup', {
  UserPoolId: workforce.userPool.userPoolId,
  GroupName: team.groupName,
}).expect(ExpectedResult.objectLike({ Users: Match.arrayWith([Match.objectLike({ Username: 'integ-ana_at_example.com' })]) }));

const firstDeploy = assertWiring(integ, workforce, { worker: 'integ-ana_at_example.com' }).next(teamDescribed).next(teamMember);

// Second deploy: CloudFormation rewrites the pool and the client with their template values.
const update = integ.assertions.awsApiCall('CloudFormation', 'updateStack', {
  StackName: STACK_NAME,
  TemplateBody: templateBody(second.stack),
  Parameters: [{ ParameterKey: 'BootstrapVersion', UsePreviousValue: true }],
  Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
});
// The update runs with the stack's CloudFormation execution role (the bootstrap's).
update.provider.addToRolePolicy({
  Effect: 'Allow',
  Action: ['iam:PassRole'],
  Resource: [`arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/cdk-hnb659fds-cfn-exec-role-${Aws.ACCOUNT_ID}-${Aws.REGION}`],
});
const updated = integ.assertions.awsApiCall('CloudFormation', 'describeStacks', { StackName: STACK_NAME })
  .expect(ExpectedResult.objectLike({ Stacks: Match.arrayWith([Match.objectLike({ StackStatus: 'UPDATE_COMPLETE' })]) }))
  .waitForAssertions(EVENTUALLY);

assertWiring(integ, workforce, {
  worker: 'integ-bo',
  minimumPasswordLength: 14,
  refreshTokenValidity: 7 * 24 * 60, // minutes, the unit the construct sets
}, firstDeploy.next(update).next(updated));

app.synth();
