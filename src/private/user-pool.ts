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

/** True when a pool the app defines signs in with the email as user name (UsernameAttributes email). */
export function signsInWithEmail(userPool: cognito.IUserPool): boolean {
  const cfn = userPool.node.defaultChild as cognito.CfnUserPool | undefined;
  return Array.isArray(cfn?.usernameAttributes) && cfn!.usernameAttributes.includes('email');
}

/**
 * Refuses `emailAsUsername` for a pool of the app that signs in with user names (`userPool`
 * undefined: the pool the library creates, which does). Whether a pool the app does not define
 * signs in with the email is known at deploy only; the handler reads it there.
 */
export function checkEmailAsUsername(scope: IConstruct, userPool: cognito.IUserPool | undefined, emailAsUsername: boolean | undefined): void {
  if (!emailAsUsername) {
    return;
  }
  if (userPool === undefined) {
    throw new Error('`emailAsUsername: true` needs a user pool that signs in with the email as user name (UsernameAttributes email); ' +
      'the pool the library creates signs in with user names (with the email as an alias): leave emailAsUsername off, or pass your own `userPool`.');
  }
  if (isPoolOfApp(userPool, scope) && !signsInWithEmail(userPool)) {
    throw new Error('`emailAsUsername: true` needs a user pool that signs in with the email as user name (UsernameAttributes email); ' +
      `${userPool.node.path} signs in with user names (as the library's pools do, with the email as an alias): leave emailAsUsername off.`);
  }
}
