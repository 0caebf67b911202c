import { awscdk, javascript, JsonFile } from 'projen';

// aws-cdk-lib 2.257 is the newest whose cloud assembly integ-runner can read (see README, Contributing).
const CDK_VERSION = '2.257.0';
// @aws-cdk/integ-tests-alpha stopped at 2.245; it is compatible with aws-cdk-lib ^2.245.
const INTEG_TESTS_ALPHA_VERSION = '2.245.0-alpha.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-private-workforce',
  description:
    'AWS CDK constructs for an Amazon SageMaker Ground Truth / Augmented AI private workforce: ' +
    'a hardened Cognito user pool, the workforce, portal wiring that survives redeploys, and worker invitations.',
  keywords: ['cdk', 'awscdk', 'sagemaker', 'ground-truth', 'cognito', 'workforce', 'labeling', 'a2i'],
  author: 'cdk-private-workforce maintainers',
  authorAddress: 'maintainers@users.noreply.r-seed-a5177285.example',
  repositoryUrl: 'https://github.com/cdk-private-workforce/cdk-private-workforce.git',
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  minNodeVersion: '20.0.0',
  // The access plan command (src/cli/bin.ts, bundled with its SDK clients by `bundle:cli`).
  bin: { 'cdk-private-workforce': 'assets/cli/index.js' },

  cdkVersion: CDK_VERSION,
  jsiiVersion: '~6.0.0',
  constructsVersion: '10.5.1',

  publishToPypi: {
    distName: 'cdk-private-workforce',
    module: 'cdk_private_workforce',
  },
  publishToMaven: {
    javaPackage: 'io.github.cdkprivateworkforce',
    mavenGroupId: 'io.github.cdkprivateworkforce',
    mavenArtifactId: 'cdk-private-workforce',
  },

  // One handler Lambda (src/handlers/provider.lambda.ts). The SDK clients it uses are bundled
  // (pinned, minified): the runtime's own SDK lags and silently drops request members it does not
  // know (SDK 3.1140 drops AcrConfiguration from UpdateUserPool, which then resets it).
  lambdaOptions: {
    runtime: awscdk.LambdaRuntime.NODEJS_24_X,
    bundlingOptions: { externals: [], sourcemap: false },
    awsSdkConnectionReuse: false, // an SDK v2 setting; v3 reuses connections by default
  },

  devDeps: [
    '@aws-sdk/client-cloudformation',
    '@aws-sdk/client-cognito-identity-provider',
    '@aws-sdk/client-dynamodb',
    '@aws-sdk/client-lambda',
    '@aws-sdk/client-s3',
    '@aws-sdk/client-sagemaker',
    '@aws-cdk/aws-service-spec@^0.1.216',
    'ajv@^8',
    '@smithy/protocol-http',
    '@smithy/types',
    '@types/aws-lambda',
    '@aws/cloudformation-validate',
    `@aws-cdk/integ-tests-alpha@${INTEG_TESTS_ALPHA_VERSION}`,
    '@aws-cdk/integ-runner',
    'aws-cdk@^2',
    'cdk-nag@^3',
    'cognito-local',
    'fast-check',
  ],

  jestOptions: {
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testTimeout: 120_000,
    },
  },
  eslintOptions: { dirs: ['src', 'test'], devdirs: ['test', 'integ', 'example', 'scripts'] },
  tsconfigDev: { include: ['../integ/**/*.ts', '../example/**/*.ts', '../scripts/**/*.ts'] },

  gitignore: ['/cdk.out/', '/example.out/', '/integ/**/cdk-integ.out.*', '/integ/*.snapshot/asset.*', '/.cognito/', '/bench-results/', '/.jsii.tabl.json', '/rosetta-out/', '/.venv/', '/.node24/'],
});
for (const p of ['/integ/', '/example/', '/example.out/', '/scripts/', '/rosetta/', '/.ci/', '/.venv/', '/.node24/', '/requirements-dev.txt']) project.addPackageIgnore(p);

// --- Python and Java packaging: jsii-pacmak's own targets ----------------------------------------
// projen's package:python (wheel + sdist; pacmak pip-installs build and twine into a venv of its own
// and runs `twine check`) and package:java (the jar, sources and javadoc through Maven) as they come.
// The consumers below install exactly these artifacts into a Python and a Java CDK app.

// Type-checked, linted folders outside src/ and test/ (eslint finds the nearest tsconfig.json).
for (const dir of ['integ', 'example', 'scripts']) {
  new JsonFile(project, `${dir}/tsconfig.json`, {
    obj: { extends: '../test/tsconfig.json', compilerOptions: { rootDir: '..' }, include: ['**/*.ts'] },
  });
}

// Handlers and the plan command are bundled by esbuild: their imports are dev dependencies.
project.eslint?.addOverride({
  files: ['src/handlers/**/*.ts', 'src/cli/**/*.ts'],
  rules: { 'import/no-extraneous-dependencies': ['error', { devDependencies: true, optionalDependencies: false, peerDependencies: true }] },
});

// The handler bundle is minified and built from the SDK's ES modules (`module` before `main`), so
// esbuild drops every operation's schema the handler never sends: SageMaker's alone are ~430 KB.
const bundleHandler = project.tasks.tryFind('bundle:handlers/provider.lambda')!;
const BUNDLE_COMMAND = 'esbuild --bundle src/handlers/provider.lambda.ts --target=node24 --platform=node ' +
  '--main-fields=module,main --outfile=assets/handlers/provider.lambda/index.js --tsconfig=test/tsconfig.json ' +
  '--minify --legal-comments=none';
bundleHandler.reset(BUNDLE_COMMAND);
// The watch task builds the same bundle.
project.tasks.tryFind('bundle:handlers/provider.lambda:watch')!.reset(`${BUNDLE_COMMAND} --watch`);

// The access plan command, one file with its SDK clients (the package has no runtime dependencies).
const bundleCli = project.addTask('bundle:cli', {
  description: 'Bundle the `cdk-private-workforce plan` command',
  exec: 'esbuild --bundle src/cli/bin.ts --target=node20 --platform=node --main-fields=module,main --outfile=assets/cli/index.js ' +
    '--tsconfig=test/tsconfig.json --minify --legal-comments=none "--banner:js=#!/usr/bin/env node"',
});
project.tasks.tryFind('bundle')!.spawn(bundleCli);

// Tests synthesize stacks with the handler Lambda, whose code is the bundle.
project.testTask.prependSpawn(project.tasks.tryFind('bundle')!);

// --- integ-runner over the top-level integ/ folder ------------------------------------------------
const integArgs = '--directory integ --language typescript --app "ts-node --transpile-only -P integ/tsconfig.json {filePath}"';
const integ = project.addTask('integ', {
  description: 'Verify the integ snapshots offline (fails when a synthesized scenario differs from its snapshot)',
});
integ.spawn(project.tasks.tryFind('bundle')!);
integ.exec(`integ-runner ${integArgs}`);
const integSnapshot = project.addTask('integ:snapshot', { description: 'Rewrite the integ snapshots offline, without deploying' });
integSnapshot.spawn(project.tasks.tryFind('bundle')!);
integSnapshot.exec(`integ-runner ${integArgs} --dry-run --update-on-failed --force`);
const integUpdate = project.addTask('integ:update', {
  description: 'Deploy every integ scenario for real, one at a time in one Region (needs AWS credentials), and update the snapshots',
});
integUpdate.spawn(project.tasks.tryFind('bundle')!);
integUpdate.exec(`integ-runner ${integArgs} --update-on-failed --force --max-workers 1 --parallel-regions \${PRIVATE_WORKFORCE_INTEG_REGION:-us-east-1}`);
// Python tools of the tests (current botocore API models, cfn-lint and its registry schemas) in .venv.
const pythonEnv = project.addTask('python:env', {
  description: 'Create .venv with the pinned Python test tools (requirements-dev.txt); a no-op when up to date',
  exec: 'scripts/python-env.sh',
});
// The test task verifies the snapshots after the unit tests (lint stays last).
project.testTask.reset();
project.testTask.spawn(pythonEnv);
project.testTask.spawn(project.tasks.tryFind('bundle')!);
project.testTask.exec('jest --passWithNoTests --ci', { receiveArgs: true });
project.testTask.exec(`integ-runner ${integArgs}`);
project.testTask.spawn(project.addTask('test:interop', { description: 'Python and Java consumers, cfn-lint, the newest aws-cdk-lib (steps below)' }));
project.testTask.spawn(project.tasks.tryFind('eslint')!);

// --- README examples compile (jsii-rosetta, strict) --------------------------------------------
project.postCompileTask.exec('jsii-rosetta extract --strict');
// ...and their Python translations go into the README next to them.
project.postCompileTask.exec('ts-node --transpile-only -P scripts/tsconfig.json scripts/readme-python.ts');
// The architecture diagram in the README comes from the example app's construct tree.
project.postCompileTask.exec('ts-node --transpile-only -P scripts/tsconfig.json scripts/diagram.ts');

// --- The main job: synthesize the example app offline and print what it made ---------------------
const demo = project.addTask('demo', {
  description: 'Synthesize the example app offline (default account/Region) and print what it made',
});
demo.spawn(project.tasks.tryFind('bundle')!);
demo.exec('ts-node --transpile-only -P test/tsconfig.json example/demo.ts');
project.setScript('demo', 'npx projen demo');

// --- The benchmark against the architecture we replace (a script, not a test) ---------------------
const bench = project.addTask('bench', {
  description: 'Measure this library and the baseline (bench/seed-architecture) side by side; writes bench-results/',
});
bench.exec('ts-node --transpile-only -P scripts/tsconfig.json scripts/bench.ts');
project.setScript('bench', 'npx projen bench');

// --- Handler tests on Node 24 (the Lambda runtime) ---
// The handler is deployed on nodejs24.x, so its tests (and the bundle, which they run in a child
// process) run on Node 24 too. scripts/node24.sh installs the pinned Node into .node24/.
const testNode24 = project.addTask('test:node24', {
  description: 'Run the handler tests (test/handlers) on Node 24, the Lambda runtime (installs it into .node24/ when missing)',
  exec: 'scripts/node24.sh',
  receiveArgs: true,
});
// Right after the main jest run, wherever that step is in the test task.
const jestStep = project.testTask.steps.findIndex((step) => step.exec?.startsWith('jest '));
if (jestStep < 0) {
  throw new Error('The test task has no jest step for the Node 24 handler tests to follow.');
}
project.testTask.insertStep(jestStep + 1, { spawn: testNode24.name });

// --- Consumers in Python and Java, cfn-lint, newest aws-cdk-lib ---------------------------------
// `npm test` packages for Python and Java as a release does, uses the wheel from a real Python CDK
// app and the jar from a real Java one, and requires the three apps' templates to be equal; then
// cfn-lint over every template the tests made, and the unit tests on the newest aws-cdk-lib.
project.gitignore.exclude('/consumers/out/', '/consumers/python/.venv/', '/consumers/java/target/');
// Local outputs stay out of the npm package, which the wheel and the jar carry (check-packages.ts).
for (const p of ['/consumers/', '/bench/', '/bench-results/', '/cdk.out/', '/.cognito/', '/rosetta-out/']) project.addPackageIgnore(p);
const script = (file: string, args = '') => `ts-node --transpile-only -P scripts/tsconfig.json scripts/${file}${args ? ` ${args}` : ''}`;
const consumers = project.addTask('test:consumers', {
  description: 'Build the wheel and the jar, synthesize the example app in TypeScript, Python and Java, compare the templates, run the README\'s Python',
  // The demo's environment; the CDK CLI needs no credentials for it.
  env: { CDK_DEFAULT_ACCOUNT: '123456789012', CDK_DEFAULT_REGION: 'us-east-1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
});
consumers.spawn(project.compileTask); // `npm test` does not compile: pacmak packages lib/ and .jsii
consumers.exec('jsii-rosetta extract --strict');
consumers.exec(script('readme-python.ts', '--check'));
consumers.exec(script('check-python.ts'));
// projen's `package` runs only package:js when CI is set; these are the release's own tasks.
consumers.spawn(project.tasks.tryFind('package:python')!);
consumers.spawn(project.tasks.tryFind('package:java')!);
consumers.exec(script('check-packages.ts'));
consumers.exec('rm -rf consumers/out');
consumers.exec('cdk synth --quiet --no-notices --output consumers/out/typescript --app "ts-node --transpile-only -P example/tsconfig.json example/app.ts" > /dev/null');
consumers.exec('consumers/python/synth.sh consumers/out/python');
consumers.exec('consumers/python/.venv/bin/python consumers/python/readme_snippets.py README.md consumers/out/readme');
consumers.exec('consumers/python/.venv/bin/python consumers/python/readme_snippets.py --must-fail consumers/python/negative/README.md');
consumers.exec('consumers/java/synth.sh consumers/out/java');
consumers.exec(script('compare-templates.ts', 'consumers/out'));

const cfnLint = project.addTask('cfn-lint', {
  description: 'cfn-lint over the templates the tests synthesized and the integ snapshots: no errors, warnings only as scripts/cfn-lint-allowlist.json allows',
});
cfnLint.spawn(pythonEnv);
cfnLint.exec(script('cfn-lint.ts'));

const latestCdk = project.addTask('test:latest-cdk', {
  description: 'The unit tests against the newest aws-cdk-lib on the npm registry, in a throwaway copy (LATEST_CDK_VERSION to pick one)',
});
latestCdk.exec('scripts/latest-cdk.sh', { receiveArgs: true });

const interop = project.tasks.tryFind('test:interop')!;
interop.spawn(consumers);
interop.spawn(cfnLint); // after the consumers: it lints their templates too
interop.spawn(latestCdk);

project.synth();
