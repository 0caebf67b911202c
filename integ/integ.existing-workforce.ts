// The workforce an account already has, adopted (run it in an account and Region that has one,
// with a Cognito user pool: the console makes one with the first private work team).
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { Stack } from 'aws-cdk-lib';
import { EVENTUALLY, integApp } from './integ-helpers';
import { ExistingWorkforce, Workers } from '../src';

export const app = integApp();
export const stack = new Stack(app, 'ExistingWorkforce', { stackName: 'cdk-private-workforce-integ-existing-workforce' });

export const workforce = new ExistingWorkforce(stack, 'Workforce', {
  sourceIpCidrs: ['203.0.113.0/24'],
  workers: Workers.fromList([{ email: 'integ-adopted@example.com', username: 'integ-adopted' }]),
});
const team = workforce.addWorkteam('Reviewers', {
  description: 'cdk-private-workforce integ: a work team on an adopted workforce',
  workteamName: 'cdk-private-workforce-integ-adopted',
  workers: Workers.fromList([{ email: 'integ-reviewer@example.com', username: 'integ-reviewer' }]),
});

const integ = new IntegTest(app, 'PrivateWorkforceExistingWorkforce', { testCases: [stack], stackUpdateWorkflow: false });
integ.assertions.awsApiCall('SageMaker', 'describeWorkforce', { WorkforceName: workforce.workforceName })
  .expect(ExpectedResult.objectLike({
    Workforce: {
      Status: 'Active',
      CognitoConfig: { UserPool: workforce.userPool.userPoolId, ClientId: workforce.userPoolClient.userPoolClientId },
      SourceIpConfig: { Cidrs: ['203.0.113.0/24'] },
    },
  }))
  .waitForAssertions(EVENTUALLY)
  .next(integ.assertions.awsApiCall('CognitoIdentityServiceProvider', 'describeUserPoolClient', {
    UserPoolId: workforce.userPool.userPoolId,
    ClientId: workforce.userPoolClient.userPoolClientId,
  }).expect(ExpectedResult.objectLike({
    // The portal's URLs are there, beside whatever the client had.
    UserPoolClient: {
      CallbackURLs: Match.arrayWith([workforce.reconciler.callbackUrl]),
      LogoutURLs: Match.arrayWith([workforce.reconciler.logoutUrl]),
    },
  })))
  .next(integ.assertions.awsApiCall('CognitoIdentityServiceProvider', 'adminGetUser', {
    UserPoolId: workforce.userPool.userPoolId,
    Username: 'integ-adopted',
  }).expect(ExpectedResult.objectLike({ Username: 'integ-adopted', Enabled: true })))
  .next(integ.assertions.awsApiCall('SageMaker', 'describeWorkteam', { WorkteamName: team.workteamName })
    .expect(ExpectedResult.objectLike({ Workteam: { WorkforceArn: workforce.workforceArn } })));

app.synth();
