import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { createHandler, HandlerDependencies } from '../../src/handlers/dispatch';
import { FENCE_TABLE_ENV } from '../../src/handlers/types';
import { CloudFormationSim, SimulatorOptions, STACK_ID, SynthesizedStack } from '../fakes/cloudformation-sim';
import { FakeCognito, FakeCognitoOptions, seededRandom } from '../fakes/fake-cognito';
import { FakeDynamoDB, TableDefinition } from '../fakes/fake-dynamodb';
import { FakeLambda } from '../fakes/fake-lambda';
import { FakeS3 } from '../fakes/fake-s3';
import { FakeSageMaker } from '../fakes/fake-sagemaker';
import { VirtualClock } from '../fakes/virtual-clock';

/** Synthesizes a stack built by `build` into its own cloud assembly. */
export function synth(build: (stack: Stack) => void, stackName = 'Test'): SynthesizedStack {
  const assemblyDir = mkdtempSync(join(tmpdir(), 'cdk-private-workforce-test-'));
  const app = new App({ outdir: assemblyDir, context: { 'aws:cdk:disable-creation-stack-traces': true } });
  const stack = new Stack(app, stackName, { env: { account: '123456789012', region: 'us-east-1' } });
  build(stack);
  const template = app.synth().getStackByName(stackName).template;
  return { template, assemblyDir, stackName };
}

/** Options of the harness: the fake Cognito's, and how the simulator delivers events. */
export type HarnessOptions = Partial<FakeCognitoOptions> & SimulatorOptions;

/** The fakes, the real handler wired to them through real SDK clients, and a small CloudFormation. */
export function harness(options: HarnessOptions = {}) {
  const clock = new VirtualClock();
  const cognito = new FakeCognito({ clock, latencyMs: 40, ...options });
  const s3 = new FakeS3();
  const sagemaker = new FakeSageMaker();
  const lambda = new FakeLambda();
  const dynamodb = new FakeDynamoDB({ clock, bareAttributeNames: 'refuse' }); // the handler names every attribute by placeholder
  // Events a test sends itself, with no stack deployed, claim their operation in this table.
  dynamodb.createTable(TEST_FENCE_TABLE, FENCE_TABLE_DEFINITION);
  const log: string[] = [];
  // The handler talks to the simulator's CloudFormation, so it is made once the simulator is; it
  // reads its fence table's name from its function's environment, as in Lambda.
  let deps: HandlerDependencies | undefined;
  const handler: ReturnType<typeof createHandler> = (event, context) =>
    createHandler({ ...deps!, fenceTable: cfn.functionEnvironment()?.[FENCE_TABLE_ENV] ?? TEST_FENCE_TABLE })(event, context);
  const cfn = new CloudFormationSim({ cognito, s3, sagemaker, lambda, dynamodb }, handler, clock, { duplicateDelivery: options.duplicateDelivery });
  deps = {
    cognito: cognito.client(),
    dynamodb: dynamodb.client(),
    s3: s3.client(),
    sagemaker: sagemaker.client(),
    cloudFormation: cfn.cloudFormation.client(),
    lambda: lambda.client(),
    ownStackId: STACK_ID,
    clock,
    random: seededRandom(7),
    log: (message) => log.push(message),
  };
  return { clock, cognito, s3, sagemaker, lambda, dynamodb, handler, cfn, log };
}

/** The fence table of events sent without a deployed stack. */
export const TEST_FENCE_TABLE = 'test-fence';
/** The fence table as the library defines it (pk and sk, strings; TTL on expiresAt). */
export const FENCE_TABLE_DEFINITION: TableDefinition = {
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
  TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
};

/** The operations that changed Cognito state among the fake's requests since `from`. */
export function writes(cognito: FakeCognito, from = 0): string[] {
  return cognito.requests.slice(from).map((r) => r.operation).filter((op) => !/^(Describe|List|AdminGet)/.test(op));
}
