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

// --- Python and Java packaging that works offline --------------------------------------------
// jsii-pacmak's python target pip-installs its build tools, which fails without PyPI; Java needs
// Maven Central. Generate the sources with pacmak, then build the wheel with Debian's python3-build.
const packagePython = project.tasks.tryFind('package:python');
if (packagePython) {
  packagePython.reset('rm -rf dist/pacmak dist/python');
  packagePython.exec('jsii-pacmak -v --target python --code-only --outdir dist/pacmak');
  packagePython.exec('/usr/bin/python3 -m build --no-isolation --skip-dependency-check --outdir dist/python dist/pacmak/python');
  packagePython.exec('/usr/bin/python3 -m twine check dist/python/*');
  packagePython.exec('ts-node --transpile-only -P scripts/tsconfig.json scripts/check-python.ts');
}
const packageJava = project.tasks.tryFind('package:java');
if (packageJava) {
  packageJava.reset('jsii-pacmak -v --target java --code-only --outdir dist');
}

// Type-checked, linted folders outside src/ and test/ (eslint finds the nearest tsconfig.json).
for (const dir of ['integ', 'example', 'scripts']) {
  new JsonFile(project, `${dir}/tsconfig.json`, {
    obj: { extends: '../test/tsconfig.json', compilerOptions: { rootDir: '..' }, include: ['**/*.ts'] },
  });
}

// Handlers are bundled by esbuild: their imports are dev dependencies (the SDK ships with Lambda).
project.eslint?.addOverride({
  files: ['src/handlers/**/*.ts'],
  rules: { 'import/no-extraneous-dependencies': ['error', { devDependencies: true, optionalDependencies: false, peerDependencies: true }] },
});

// The handler bundle is minified: it inlines the SDK clients (about 0.8 MB instead of 3 MB).
const bundleHandler = project.tasks.tryFind('bundle:handlers/provider.lambda')!;
bundleHandler.reset('esbuild --bundle src/handlers/provider.lambda.ts --target=node24 --platform=node ' +
  '--outfile=assets/handlers/provider.lambda/index.js --tsconfig=test/tsconfig.json --minify --legal-comments=none');

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
  description: 'Measure this library and the baseline (../shared/baselines/seed-architecture) side by side; writes bench-results/',
});
bench.exec('ts-node --transpile-only -P scripts/tsconfig.json scripts/bench.ts');
project.setScript('bench', 'npx projen bench');

project.synth();
