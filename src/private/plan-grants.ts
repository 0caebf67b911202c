import { Stack } from 'aws-cdk-lib';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { HandlerProvider } from './handler-provider';
import { like, required, checkPropTypes } from './prop-types';

/**
 * What `npx cdk-private-workforce plan` needs, and nothing more: reading the stack, the pool's users
 * and groups, and who the sender disabled (a Query of the stack's fence table). No write.
 */
export function grantPlan(scope: IConstruct, userPool: cognito.IUserPool, grantee: iam.IGrantable): iam.Grant {
  checkPropTypes({ grantee }, { grantee: required(like('an iam.IGrantable', 'grantPrincipal')) });
  const stack = Stack.of(scope);
  const stackArn = stack.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: `${stack.stackName}/*` });
  return iam.Grant.addToPrincipal({ grantee, actions: ['cloudformation:DescribeStacks', 'cloudformation:ListStackResources'], resourceArns: [stackArn] })
    .combine(iam.Grant.addToPrincipal({
      grantee,
      actions: ['cognito-idp:DescribeUserPool', 'cognito-idp:ListUsers', 'cognito-idp:ListUsersInGroup'],
      resourceArns: [userPool.userPoolArn],
    }))
    .combine(iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query'], resourceArns: [HandlerProvider.of(scope).fenceTable.tableArn] }));
}
