// The one handler Lambda of the library: CloudFormation calls it directly for every custom
// resource in the stack, and it reports back to CloudFormation itself.
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { S3Client } from '@aws-sdk/client-s3';
import { cloudFormationResponder } from './cfn-response';
import { systemClock } from './clock';
import { createHandler } from './dispatch';

// Retries are ours (backoff with jitter, bounded by the Lambda deadline), so the SDK makes one attempt.
export const handler = cloudFormationResponder(createHandler({
  cognito: new CognitoIdentityProviderClient({ maxAttempts: 1 }),
  s3: new S3Client({ maxAttempts: 1 }),
  clock: systemClock,
}));
