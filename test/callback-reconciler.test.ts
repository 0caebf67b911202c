import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { newStack, onlyResource, templateOf } from './util';
import { CallbackReconciler, CognitoBackbone, PrivateWorkforce, PrivateWorkforceProps, WorkforceResource } from '../src';

const RECONCILER = 'Custom::PrivateWorkforceCallbackReconciler';

function reconcilerOf(template: Template) {
  return onlyResource(template, RECONCILER);
}

function synthWorkforce(props: PrivateWorkforceProps = {}, tweak?: (w: PrivateWorkforce, stack: Stack) => void) {
  const stack = newStack();
  const workforce = new PrivateWorkforce(stack, 'Workforce', { workforceName: 'labeling', ...props });
  tweak?.(workforce, stack);
  return templateOf(stack);
}

describe('CallbackReconciler', () => {
  const template = synthWorkforce();
  const reconciler = reconcilerOf(template);
  const pool = onlyResource(template, 'AWS::Cognito::UserPool').id;
  const client = onlyResource(template, 'AWS::Cognito::UserPoolClient').id;
  const workforce = onlyResource(template, 'AWS::SageMaker::Workforce').id;

  test('is told the pool, the client, the SubDomain, the placeholders and the invitation', () => {
    expect(reconciler.props).toEqual({
      ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/^CdkPrivateWorkforceHandler[0-9A-F]{8}$/), 'Arn'] },
      ServiceTimeout: '960',
      UserPoolId: { Ref: pool },
      ClientId: { Ref: client },
      PortalSubDomain: { 'Fn::GetAtt': [workforce, 'SubDomain'] },
      PlaceholderUrls: [CognitoBackbone.PLACEHOLDER_CALLBACK_URL, CognitoBackbone.PLACEHOLDER_LOGOUT_URL],
      InvitationSubject: 'You are invited to a labeling workforce',
      InvitationBody: expect.stringContaining('Sign in at {portalUrl} with the user name {username} and the temporary password {####}'),
      // The pool is the library's: the reconciler keeps its deletion protection on.
      DeletionProtection: 'ACTIVE',
      Fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
      FingerprintInputs: [{ Ref: pool }],
    });
  });

  test('runs after the handler role and its own policy exist', () => {
    expect(reconciler.resource.DependsOn).toEqual(expect.arrayContaining([
      expect.stringMatching(/^CdkPrivateWorkforceHandlerHandlerRoleDefaultPolicy/),
      expect.stringMatching(/^CdkPrivateWorkforceHandlerHandlerRole[0-9A-F]{8}$/),
      expect.stringMatching(/^WorkforceCallbackReconcilerHandlerPolicy/),
    ]));
  });

  test('the handler may describe and update only this pool and its clients, and read its own stack', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const shared = Object.values<any>(policies).find((p) => p.Properties.PolicyName.startsWith('CdkPrivateWorkforceHandlerHandlerRole'));
    expect(shared.Properties.PolicyDocument.Statement).toEqual([
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^CdkPrivateWorkforceHandlerLogGroup/), 'Arn'] } },
      // The fence table, and nothing else of DynamoDB.
      {
        Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^CdkPrivateWorkforceHandlerFence/), 'Arn'] },
      },
    ]);
    const own = Object.entries<any>(policies).find(([id]) => id.startsWith('WorkforceCallbackReconcilerHandlerPolicy'))![1];
    expect(own.Properties.Roles).toEqual([{ Ref: expect.stringMatching(/^CdkPrivateWorkforceHandlerHandlerRole[0-9A-F]{8}$/) }]);
    expect(own.Properties.PolicyDocument.Statement).toEqual([
      {
        Action: ['cognito-idp:DescribeUserPoolClient', 'cognito-idp:UpdateUserPoolClient', 'cognito-idp:DescribeUserPool', 'cognito-idp:UpdateUserPool'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [pool, 'Arn'] },
      },
      // Its own stack's status, resources and template: what tells its Delete events apart.
      { Action: ['cloudformation:DescribeStacks', 'cloudformation:ListStackResources', 'cloudformation:GetTemplate'], Effect: 'Allow', Resource: { Ref: 'AWS::StackId' } },
    ]);
  });

  test('one handler Lambda serves the whole stack, on a pinned runtime', () => {
    const stack = newStack();
    const backbone = new CognitoBackbone(stack, 'Cognito');
    const wf = new WorkforceResource(stack, 'Workforce', { cognitoConfig: { userPool: backbone.userPool, userPoolClient: backbone.userPoolClient } });
    new CallbackReconciler(stack, 'A', { userPool: backbone.userPool, userPoolClient: backbone.userPoolClient, subDomain: wf.subDomain });
    new CallbackReconciler(stack, 'B', { userPool: backbone.userPool, userPoolClient: backbone.userPoolClient, subDomain: wf.subDomain, manageInvitation: false });
    const t = templateOf(stack);
    t.resourceCountIs('AWS::Lambda::Function', 1);
    t.resourceCountIs(RECONCILER, 2);
    t.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Timeout: 900, Handler: 'index.handler', LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }) });
    expect(lambda.Runtime.NODEJS_24_X.name).toBe('nodejs24.x');
    const b = Object.values(t.findResources(RECONCILER))[1] as any;
    expect(b.Properties.InvitationBody).toBeUndefined();
  });
});

describe('the fingerprint re-runs the reconciler whenever CloudFormation rewrites the pool or the client', () => {
  const fingerprint = (template: Template) => reconcilerOf(template).props.Fingerprint;
  const base = fingerprint(synthWorkforce());

  test('is the same for the same props', () => {
    expect(fingerprint(synthWorkforce())).toBe(base);
  });

  test('changes with a pool property', () => {
    expect(fingerprint(synthWorkforce({ passwordPolicy: { minLength: 14 } }))).not.toBe(base);
  });

  test('changes with a client property', () => {
    expect(fingerprint(synthWorkforce({ refreshTokenValidity: Duration.days(7) }))).not.toBe(base);
  });

  test('changes with an escape-hatch override', () => {
    const changed = synthWorkforce({}, (w) => {
      (w.userPool.node.defaultChild as cognito.CfnUserPool).addPropertyOverride('UserPoolTags.team', 'labeling');
    });
    expect(fingerprint(changed)).not.toBe(base);
  });

  test('does not change with what CloudFormation does not write into the pool or client', () => {
    expect(fingerprint(synthWorkforce({ sourceIpCidrs: ['203.0.113.0/24'] }))).toBe(base);
  });

  test('carries the deploy-time values the pool uses, such as a trigger\'s ARN', () => {
    const template = synthWorkforce({}, (w, stack) => {
      const fn = new lambda.Function(stack, 'Trigger', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler=async()=>({})') });
      (w.userPool as cognito.UserPool).addTrigger(cognito.UserPoolOperation.PRE_AUTHENTICATION, fn);
    });
    const inputs = reconcilerOf(template).props.FingerprintInputs;
    expect(inputs).toEqual(expect.arrayContaining([{ 'Fn::GetAtt': [expect.stringMatching(/^Trigger/), 'Arn'] }]));
  });
});
