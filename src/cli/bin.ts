// The `cdk-private-workforce` command of the npm package (bundled with its SDK clients into
// assets/cli/index.js): Python and Java users run it the same way, with npx.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runPlanCommand } from './plan-command';
import { systemClock } from '../handlers/clock';

// The SDK's notice that its versions after January 2027 need Node 22 is about the SDK, not this
// command (whose SDK is bundled and pinned): on Node 20 it would read as a failure of the plan.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: any[]) => {
  if (!String(warning).startsWith('NodeVersionSupportWarning')) {
    emitWarning(warning as string, ...rest);
  }
}) as typeof process.emitWarning;

// Retries are the handler's own (backoff with jitter), so each SDK call makes one attempt.
const clients = new Map<string, ReturnType<typeof make>>();
function make(region: string | undefined) {
  const config = { maxAttempts: 1, ...(region ? { region } : {}) };
  return {
    cloudFormation: new CloudFormationClient(config),
    cognito: new CognitoIdentityProviderClient(config),
    dynamodb: new DynamoDBClient(config),
    clock: systemClock,
  };
}

void runPlanCommand(process.argv.slice(2), {
  clientsFor: (region) => {
    const key = region ?? '';
    if (!clients.has(key)) {
      clients.set(key, make(region));
    }
    return clients.get(key)!;
  },
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(text.startsWith('\r') ? text : `${text}\n`),
  interactive: process.stderr.isTTY === true,
}).then((code) => {
  if (process.stderr.isTTY) {
    process.stderr.write('\n');
  }
  process.exitCode = code;
});
