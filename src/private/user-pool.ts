import * as cognito from 'aws-cdk-lib/aws-cognito';
import { IConstruct } from 'constructs';

/**
 * The KMS actions on a user pool's customer-managed key that updating the pool can need: those of
 * the CloudFormation registry's update handler of AWS::Cognito::UserPool (tested against it).
 */
export const USER_POOL_KEY_ACTIONS = [
  'kms:CreateGrant', 'kms:DescribeKey', 'kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo',
];

/** True when the pool is a user pool created in the same app (not one imported by id or ARN). */
export function isPoolOfApp(userPool: cognito.IUserPool, scope: IConstruct): boolean {
  return userPool instanceof cognito.UserPool && userPool.node.root === scope.node.root;
}
