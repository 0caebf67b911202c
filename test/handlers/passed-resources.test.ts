import { Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { harness, synth } from './harness';
import { CognitoBackbone, PrivateWorkforce } from '../../src';
import { CALLBACK_RECONCILER_RESOURCE_TYPE, CallbackReconcilerProperties } from '../../src/handlers/types';
import { USER_POOL_KEY_ACTIONS } from '../../src/private/user-pool';
import { STACK_ID } from '../fakes/cloudformation-sim';
import { userPoolKeyActions } from '../fakes/fake-cognito';

let requests = 0;

// An existing pool with an SMS role or a customer-managed KMS key: UpdateUserPool sends both again
// (read-modify-write), so the handler needs iam:PassRole on the role and KMS permissions on the key.

const SMS_ROLE = 'arn:aws:iam::123456789012:role/corp-cognito-sms';
const KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function existingPool(h: ReturnType<typeof harness>, extra: Record<string, unknown>) {
  const poolId = h.cognito.createUserPool({ UserPoolName: 'corp', AdminCreateUserConfig: { AllowAdminCreateUserOnly: true }, ...extra });
  const clientId = h.cognito.createUserPoolClient(poolId, {
    ClientName: 'portal',
    GenerateSecret: true,
    AllowedOAuthFlowsUserPoolClient: true,
    AllowedOAuthFlows: ['code'],
    AllowedOAuthScopes: ['openid'],
    CallbackURLs: [CognitoBackbone.PLACEHOLDER_CALLBACK_URL],
    SupportedIdentityProviders: ['COGNITO'],
  });
  return { poolId, clientId };
}

function event(props: Partial<CallbackReconcilerProperties> & { UserPoolId: string; ClientId: string }) {
  return {
    RequestType: 'Create' as const,
    ResourceType: CALLBACK_RECONCILER_RESOURCE_TYPE,
    LogicalResourceId: 'Reconciler',
    RequestId: `request-${++requests}`, // each event is a new one (the fence drops a request delivered twice)
    StackId: STACK_ID,
    ResourceProperties: {
      PortalSubDomain: 'abc.labeling.us-east-1.sagemaker.aws',
      PlaceholderUrls: [CognitoBackbone.PLACEHOLDER_CALLBACK_URL, CognitoBackbone.PLACEHOLDER_LOGOUT_URL],
      InvitationSubject: 'Welcome',
      InvitationBody: 'Hi {username}, your password is {####}; sign in at {portalUrl}',
      Fingerprint: 'f',
      ...props,
    },
  };
}

describe('an existing pool with an SMS role or a customer-managed key', () => {
  test('SMS role not given: the handler says which role to give, before any update', async () => {
    const h = harness();
    const { poolId, clientId } = existingPool(h, { SmsConfiguration: { SnsCallerArn: SMS_ROLE, ExternalId: 'x' } });
    await expect(h.cfn.send(event({ UserPoolId: poolId, ClientId: clientId }))).rejects.toThrow(
      `User pool ${poolId} sends SMS with the role ${SMS_ROLE}. Updating its invitation sends that role again, which needs iam:PassRole on it: ` +
      `give it as \`smsRole\` (iam.Role.fromRoleArn(this, 'SmsRole', '${SMS_ROLE}')) to the PrivateWorkforce or CallbackReconciler, or set \`manageInvitation: false\`.`);
    expect(h.cognito.count('UpdateUserPool')).toBe(0);
  });

  test('SMS role given: the invitation is updated and the SMS configuration is intact', async () => {
    const h = harness();
    const { poolId, clientId } = existingPool(h, { SmsConfiguration: { SnsCallerArn: SMS_ROLE, ExternalId: 'x' } });
    await h.cfn.send(event({ UserPoolId: poolId, ClientId: clientId, SmsRoleArn: SMS_ROLE }));
    const pool = h.cognito.describePool(poolId);
    expect(pool.SmsConfiguration).toEqual({ SnsCallerArn: SMS_ROLE, ExternalId: 'x' });
    expect(pool.AdminCreateUserConfig.InviteMessageTemplate.EmailSubject).toBe('Welcome');
  });

  test('customer-managed key not given: the handler says which key to give', async () => {
    const h = harness();
    const { poolId, clientId } = existingPool(h, { KeyConfiguration: { KeyType: 'CUSTOMER_MANAGED_KEY', KmsKeyArn: KEY } });
    await expect(h.cfn.send(event({ UserPoolId: poolId, ClientId: clientId }))).rejects.toThrow(
      `User pool ${poolId} is encrypted with the KMS key ${KEY}. Updating its invitation needs that key: give it as \`userPoolKey\``);
    await h.cfn.send(event({ UserPoolId: poolId, ClientId: clientId, KmsKeyArn: KEY }));
    expect(h.cognito.describePool(poolId).KeyConfiguration).toEqual({ KeyType: 'CUSTOMER_MANAGED_KEY', KmsKeyArn: KEY });
  });

  test('the KMS actions granted are those of the registry\'s user pool update handler', () => {
    expect([...USER_POOL_KEY_ACTIONS].sort()).toEqual(userPoolKeyActions().sort());
  });

  const onExistingPool = (poolId: string, clientId: string, extra: { smsRole?: boolean; key?: boolean }) => (stack: Stack) => {
    const userPool = cognito.UserPool.fromUserPoolId(stack, 'Corp', poolId);
    void clientId;
    new PrivateWorkforce(stack, 'Workforce', {
      workforceName: 'labeling',
      userPool,
      domainPrefix: 'corp-labeling',
      manageInvitation: true,
      smsRole: extra.smsRole ? iam.Role.fromRoleArn(stack, 'SmsRole', SMS_ROLE) : undefined,
      userPoolKey: extra.key ? kms.Key.fromKeyArn(stack, 'PoolKey', KEY) : undefined,
    });
  };

  test('through CloudFormation: with `smsRole` and `userPoolKey` the deploy works, each call checked against the handler\'s policy', async () => {
    const h = harness();
    const { poolId, clientId } = existingPool(h, {
      SmsConfiguration: { SnsCallerArn: SMS_ROLE }, KeyConfiguration: { KeyType: 'CUSTOMER_MANAGED_KEY', KmsKeyArn: KEY },
    });
    await h.cfn.deploy(synth(onExistingPool(poolId, clientId, { smsRole: true, key: true })));
    expect(h.cognito.describePool(poolId).SmsConfiguration).toEqual({ SnsCallerArn: SMS_ROLE });
    expect(h.cognito.count('UpdateUserPool')).toBe(1);
  });

  test('negative control: without the PassRole statement in the handler\'s policy, Cognito refuses the update', async () => {
    const h = harness();
    const { poolId, clientId } = existingPool(h, { SmsConfiguration: { SnsCallerArn: SMS_ROLE } });
    const stack = synth(onExistingPool(poolId, clientId, { smsRole: true }));
    for (const resource of Object.values<any>(stack.template.Resources).filter((r) => r.Type === 'AWS::IAM::Policy')) {
      resource.Properties.PolicyDocument.Statement = resource.Properties.PolicyDocument.Statement.filter((s: any) => s.Action !== 'iam:PassRole');
    }
    await expect(h.cfn.deploy(stack)).rejects.toThrow(/not authorized to perform: iam:PassRole on resource: arn:aws:iam::123456789012:role\/corp-cognito-sms/);
  });
});
