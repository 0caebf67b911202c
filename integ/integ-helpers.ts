// Shared pieces of the integ-runner apps (not an integ app itself: not named integ.*).
import { ExpectedResult, IApiCall, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { PrivateWorkforce } from '../src';

/** An app whose snapshots carry no absolute paths. */
export function integApp(): App {
  return new App({ context: { 'aws:cdk:disable-creation-stack-traces': true } });
}

/** Polling for eventually consistent results (a workforce takes minutes to become Active). */
export const EVENTUALLY = { totalTimeout: Duration.minutes(20), interval: Duration.seconds(30) };

/** What a scenario expects of its workforce on a real deploy. */
export interface WiringExpectations {
  /** The source CIDRs DescribeWorkforce must show. */
  readonly sourceIpCidrs?: string[];
  /** A worker AdminGetUser must find. */
  readonly worker?: string;
  /** The password length DescribeUserPool must show. */
  readonly minimumPasswordLength?: number;
  /** The refresh token validity DescribeUserPoolClient must show (in the client's units). */
  readonly refreshTokenValidity?: number;
}

/**
 * Asserts, on a real deploy, what users care about: the workforce is Active with the pool, client
 * and CIDRs; the app client has the portal's callback and logout URLs and no placeholder; MFA is
 * still required and the invitation carries the portal URL; an invited worker exists.
 * Returns the last call of the chain.
 */
export function assertWiring(integ: IntegTest, workforce: PrivateWorkforce, expect: WiringExpectations, after?: IApiCall): IApiCall {
  const calls: IApiCall[] = [];

  calls.push(integ.assertions.awsApiCall('SageMaker', 'describeWorkforce', { WorkforceName: workforce.workforceName })
    .expect(ExpectedResult.objectLike({
      Workforce: {
        Status: 'Active',
        CognitoConfig: { UserPool: workforce.userPool.userPoolId, ClientId: workforce.userPoolClient.userPoolClientId },
        ...(expect.sourceIpCidrs ? { SourceIpConfig: { Cidrs: expect.sourceIpCidrs } } : {}),
      },
    }))
    .waitForAssertions(EVENTUALLY));

  calls.push(integ.assertions.awsApiCall('CognitoIdentityServiceProvider', 'describeUserPoolClient', {
    UserPoolId: workforce.userPool.userPoolId,
    ClientId: workforce.userPoolClient.userPoolClientId,
  }).expect(ExpectedResult.objectLike({
    UserPoolClient: {
      // Exactly the portal's URLs: the placeholders are gone.
      CallbackURLs: [workforce.reconciler.callbackUrl],
      LogoutURLs: [workforce.reconciler.logoutUrl],
      AllowedOAuthFlows: ['code'],
      ...(expect.refreshTokenValidity ? { RefreshTokenValidity: expect.refreshTokenValidity } : {}),
    },
  })));

  calls.push(integ.assertions.awsApiCall('CognitoIdentityServiceProvider', 'describeUserPool', { UserPoolId: workforce.userPool.userPoolId })
    .expect(ExpectedResult.objectLike({
      UserPool: {
        MfaConfiguration: 'ON',
        AdminCreateUserConfig: {
          AllowAdminCreateUserOnly: true,
          InviteMessageTemplate: { EmailMessage: Match.stringLikeRegexp(workforce.reconciler.portalUrl) },
        },
        ...(expect.minimumPasswordLength ? { Policies: { PasswordPolicy: { MinimumLength: expect.minimumPasswordLength } } } : {}),
      },
    })));

  if (expect.worker) {
    calls.push(integ.assertions.awsApiCall('CognitoIdentityServiceProvider', 'adminGetUser', {
      UserPoolId: workforce.userPool.userPoolId,
      Username: expect.worker,
    }).expect(ExpectedResult.objectLike({ Username: expect.worker, Enabled: true })));
  }

  let last = after;
  for (const call of calls) {
    last = last ? last.next(call) : call;
  }
  return last!;
}

/** The template of a stack of another app, minified, to deploy as an update of a test stack. */
export function templateBody(stack: Stack): string {
  const assembly = (stack.node.root as App).synth();
  return JSON.stringify(assembly.getStackByName(stack.stackName).template);
}
