// The one handler Lambda of the library: CloudFormation calls it directly for every custom
// resource in the stack, and it reports back to CloudFormation itself.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { cloudFormationResponder } from './cfn-response';
import { systemClock } from './clock';
import { createHandler } from './dispatch';
import { FENCE_TABLE_ENV, LOCAL_RESPONSES_ENV, OWN_STACK_ID_ENV } from './types';

// Retries are ours (backoff with jitter, bounded by the Lambda deadline), so the SDK makes one attempt.
export const handler = cloudFormationResponder(createHandler({
  cognito: new CognitoIdentityProviderClient({ maxAttempts: 1 }),
  dynamodb: new DynamoDBClient({ maxAttempts: 1 }),
  fenceTable: process.env[FENCE_TABLE_ENV],
  s3: new S3Client({ maxAttempts: 1 }),
  sagemaker: new SageMakerClient({ maxAttempts: 1 }),
  cloudFormation: new CloudFormationClient({ maxAttempts: 1 }),
  lambda: new LambdaClient({ maxAttempts: 1 }),
  ownStackId: process.env[OWN_STACK_ID_ENV],
  clock: systemClock,
}), undefined, {
  // Only the tests of the bundle set this (they play CloudFormation on loopback); the function's
  // environment never has it.
  allowLoopback: process.env[LOCAL_RESPONSES_ENV] === 'true',
});
