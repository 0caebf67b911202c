import { fork } from 'child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { isBuiltin } from 'module';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { isDeepStrictEqual } from 'util';
import { HttpResponse } from '@smithy/protocol-http';
import { build, BuildOptions, Plugin } from 'esbuild';
import { FENCE_TABLE_DEFINITION } from './harness';
import { CognitoBackbone } from '../../src/cognito-backbone';
import type { CloudFormationEvent } from '../../src/handlers/cfn-response';
import { systemClock } from '../../src/handlers/clock';
import { USER_POOL_CLIENT_UPDATE_FIELDS, USER_POOL_RENAMED_FIELDS, USER_POOL_UPDATE_FIELDS } from '../../src/handlers/cognito-update';
import { CALLBACK_RECONCILER_RESOURCE_TYPE, EXISTING_WORKFORCE_RESOURCE_TYPE, FENCE_TABLE_ENV, INVITATION_SENDER_RESOURCE_TYPE, LOCAL_RESPONSES_ENV } from '../../src/handlers/types';
import { FakeCloudFormation } from '../fakes/fake-cloudformation';
import { FakeCognito } from '../fakes/fake-cognito';
import { FakeDynamoDB } from '../fakes/fake-dynamodb';
import { FakeS3 } from '../fakes/fake-s3';
import { FakeSageMaker } from '../fakes/fake-sagemaker';
import { HttpBridge, serveOverHttp } from '../fakes/http-bridge';

/*
 * The handler as it ships: the built bundle (the test task runs `bundle` first), with the SDK it
 * inlines, loaded the way Lambda loads it: in a fresh Node process, from a folder holding nothing
 * but index.js, configured by environment variables only. Its clients reach the fakes over HTTP
 * through the SDK's service-specific endpoint variables, and it PUTs its response to a local
 * "CloudFormation". So what is checked here is what the bundled serializer really put on the wire.
 */

const ROOT = join(__dirname, '..', '..');
const BUNDLE = join(ROOT, 'assets', 'handlers', 'provider.lambda', 'index.js');
const BUNDLE_TASK = 'bundle:handlers/provider.lambda';
const ACCESS_KEY_ID = 'AKIDBUNDLEDHANDLER';
const PLACEHOLDERS = [CognitoBackbone.PLACEHOLDER_CALLBACK_URL, CognitoBackbone.PLACEHOLDER_LOGOUT_URL];
const SUB = 'abc123.labeling.us-east-1.sagemaker.aws';
// The bar (under 1 MB), and a cap that catches a whole SDK, a second copy of one, or
// the schemas of every operation (bundled from CommonJS instead of the SDK's ES modules).
const MAX_BUNDLE_BYTES = 1_000_000;

type Json = Record<string, any>;

/*
 * The child process: it refuses, and records, every module the bundle asks Node for other than
 * Node's own. On Lambda such a require would load the runtime's SDK (or fail) instead of ours.
 */
const RUNNER = `'use strict';
const Module = require('module');
const path = require('path');
const bundle = path.join(__dirname, 'index.js');
const requested = [];
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request !== bundle && !Module.isBuiltin(request)) {
    requested.push(request);
    throw new Error('the bundle requires ' + request + ' at run time');
  }
  return resolveFilename.call(this, request, ...rest);
};
const event = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf-8'));
const context = { getRemainingTimeInMillis: () => 120000, logStreamName: 'bundled-handler-test' };
const done = (error) => process.send({ requested, error: error ? String(error.stack || error) : undefined }, () => process.exit(0));
Promise.resolve().then(() => require(bundle).handler(event, context)).then(() => done(), done);
`;

/** What one invocation of a bundle did. */
interface Invocation {
  /** The response bodies PUT to the ResponseURL. */
  readonly responses: Json[];
  /** Non-builtin modules the bundle asked for at run time (each refused). */
  readonly requested: string[];
  /** What the handler threw, if anything (it reports failures to CloudFormation instead). */
  readonly error?: string;
}

/** The fakes, served over HTTP, and the local CloudFormation response endpoint. */
interface World {
  readonly cognito: FakeCognito;
  readonly s3: FakeS3;
  readonly sagemaker: FakeSageMaker;
  readonly cognitoHttp: HttpBridge;
  readonly s3Http: HttpBridge;
  readonly cfnHttp: HttpBridge;
  /** Runs `bundle` in a fresh Node process on `event` (its ResponseURL is filled in). */
  invoke(bundle: string, event: Omit<CloudFormationEvent, 'ResponseURL'>): Promise<Invocation>;
  close(): Promise<void>;
}

async function world(): Promise<World> {
  const cognito = new FakeCognito({ clock: systemClock });
  const s3 = new FakeS3();
  const cognitoHttp = await serveOverHttp((request) => cognito.handle(request));
  const s3Http = await serveOverHttp((request) => s3.handle(request));
  const sagemaker = new FakeSageMaker();
  const sagemakerHttp = await serveOverHttp((request) => sagemaker.handle(request));
  // The fence table every event claims its operation in, through the bundled DynamoDB client.
  const dynamodb = new FakeDynamoDB({ clock: systemClock });
  dynamodb.createTable('bundled-fence', FENCE_TABLE_DEFINITION);
  const dynamodbHttp = await serveOverHttp((request) => dynamodb.handle(request));
  // The stack the events come from, in an operation (the query protocol, through the bundled client).
  const cloudFormation = new FakeCloudFormation({
    stackId: arn('cloudformation', 'stack/Test/1'), stackName: 'Test', status: () => 'CREATE_IN_PROGRESS', resources: () => [], template: () => ({}),
  });
  const cloudFormationHttp = await serveOverHttp((request) => cloudFormation.handle(request));
  // CloudFormation's pre-signed S3 URL answers a PUT with 200 and an empty body.
  const cfnHttp = await serveOverHttp(async () => ({ response: new HttpResponse({ statusCode: 200, headers: {}, body: '' }) }));
  const scratch: string[] = [];

  const invoke = async (bundle: string, event: Omit<CloudFormationEvent, 'ResponseURL'>): Promise<Invocation> => {
    // Like /var/task: the bundle alone, so nothing it needs can come from a node_modules nearby.
    const dir = mkdtempSync(join(tmpdir(), 'bundled-handler-'));
    scratch.push(dir);
    copyFileSync(bundle, join(dir, 'index.js'));
    writeFileSync(join(dir, 'runner.js'), RUNNER);
    const requestId = `request-${scratch.length}`;
    writeFileSync(join(dir, 'event.json'), JSON.stringify({ ...event, RequestId: requestId, ResponseURL: `${cfnHttp.url}/response/${requestId}?X-Amz-Signature=fake` }));
    const from = cfnHttp.received.length;
    const child = fork(join(dir, 'runner.js'), [join(dir, 'event.json')], {
      cwd: dir,
      execPath: process.execPath, // the Node running the tests (test:node24 runs them on Node 24)
      execArgv: [],
      silent: true,
      // Only what Lambda sets (and the endpoints): no profile, config file or token from this machine.
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        AWS_REGION: 'us-east-1',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: 'fake-secret',
        AWS_SESSION_TOKEN: 'fake-session-token',
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
        AWS_LAMBDA_FUNCTION_NAME: 'bundled-handler-test',
        AWS_CONFIG_FILE: join(dir, 'no-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognitoHttp.url,
        AWS_ENDPOINT_URL_S3: s3Http.url,
        AWS_ENDPOINT_URL_SAGEMAKER: sagemakerHttp.url,
        AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormationHttp.url,
        AWS_ENDPOINT_URL_DYNAMODB: dynamodbHttp.url,
        [FENCE_TABLE_ENV]: 'bundled-fence',
        // CloudFormation is played on loopback http, which the handler refuses unless told.
        [LOCAL_RESPONSES_ENV]: 'true',
      },
    });
    let output = '';
    child.stdout!.on('data', (chunk) => { output += chunk; });
    child.stderr!.on('data', (chunk) => { output += chunk; });
    const report = await new Promise<{ requested: string[]; error?: string }>((resolve, reject) => {
      let message: { requested: string[]; error?: string } | undefined;
      child.on('message', (m: any) => { message = m; });
      child.on('error', reject);
      // 'close' comes after the process exited and its output and IPC channel are drained.
      child.on('close', (code) => (message ? resolve(message) : reject(new Error(`the handler process exited (${code}) without a report:\n${output}`))));
    });
    const responses = cfnHttp.received.slice(from).map((r) => {
      expect(r.method).toBe('PUT');
      expect(r.url).toBe(`/response/${requestId}?X-Amz-Signature=fake`);
      return JSON.parse(r.body);
    });
    return { responses, requested: report.requested, error: report.error };
  };

  return {
    cognito,
    s3,
    sagemaker,
    cognitoHttp,
    s3Http,
    cfnHttp,
    invoke,
    close: async () => {
      await Promise.all([cognitoHttp, s3Http, sagemakerHttp, dynamodbHttp, cloudFormationHttp, cfnHttp].map((bridge) => bridge.close()));
      scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
    },
  };
}

const arn = (service: string, resource: string) => `arn:aws:${service}:us-east-1:123456789012:${resource}`;
const KMS_KEY = arn('kms', 'key/1234abcd-12ab-34cd-56ef-1234567890ab');

/** An existing pool and app client with every setting UpdateUserPool(Client) copies, none at its default. */
function richPool(cognito: FakeCognito) {
  const poolId = cognito.createUserPool({
    UserPoolName: 'corp-pool',
    AliasAttributes: ['email'],
    Policies: {
      PasswordPolicy: {
        MinimumLength: 16,
        RequireUppercase: true,
        RequireLowercase: true,
        RequireNumbers: true,
        RequireSymbols: false,
        PasswordHistorySize: 5,
        TemporaryPasswordValidityDays: 2,
      },
      SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP'] },
    },
    DeletionProtection: 'ACTIVE',
    LambdaConfig: {
      PreSignUp: arn('lambda', 'function:pre-sign-up'),
      PreTokenGenerationConfig: { LambdaVersion: 'V2_0', LambdaArn: arn('lambda', 'function:pre-token') },
      CustomEmailSender: { LambdaVersion: 'V1_0', LambdaArn: arn('lambda', 'function:email-sender') },
      KMSKeyID: KMS_KEY,
    },
    AutoVerifiedAttributes: ['email'],
    SmsVerificationMessage: 'Your verification code is {####}',
    EmailVerificationMessage: 'Your verification code is {####}.',
    EmailVerificationSubject: 'Your verification code',
    VerificationMessageTemplate: {
      DefaultEmailOption: 'CONFIRM_WITH_LINK',
      EmailMessage: 'Your verification code is {####}.',
      EmailSubject: 'Your verification code',
      EmailMessageByLink: 'Verify your email: {##Verify##}',
      EmailSubjectByLink: 'Verify your email',
      SmsMessage: 'Your verification code is {####}',
    },
    SmsAuthenticationMessage: 'Your sign-in code is {####}',
    UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email'] },
    MfaConfiguration: 'OPTIONAL',
    DeviceConfiguration: { ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true },
    EmailConfiguration: {
      EmailSendingAccount: 'DEVELOPER',
      SourceArn: arn('ses', 'identity/example.com'),
      From: 'labeling@example.com',
      ReplyToEmailAddress: 'help@example.com',
      ConfigurationSet: 'labeling',
    },
    SmsConfiguration: { SnsCallerArn: 'arn:aws:iam::123456789012:role/cognito-sms', ExternalId: 'labeling-sms', SnsRegion: 'us-east-1' },
    UserPoolTags: { team: 'labeling' },
    AdminCreateUserConfig: {
      AllowAdminCreateUserOnly: true,
      InviteMessageTemplate: { EmailSubject: 'old', EmailMessage: 'old {username} {####}', SMSMessage: 'sms {username} {####}' },
    },
    UserPoolAddOns: { AdvancedSecurityMode: 'AUDIT', AdvancedSecurityAdditionalFlows: { CustomAuthMode: 'AUDIT' } },
    DcrConfiguration: { EnableStatus: 'Enabled', OpenDcrEnabled: false, AuthenticatedGrantTypes: ['code'], AllowedScopes: ['openid', 'email'] },
    AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }, { Name: 'verified_phone_number', Priority: 2 }] },
    UserPoolTier: 'PLUS',
    KeyConfiguration: { KeyType: 'CUSTOMER_MANAGED_KEY', KmsKeyArn: KMS_KEY },
    IssuerConfiguration: { Type: 'UPDATED' },
    AcrConfiguration: { Level1: { AcrValue: 'urn:example:acr:password' }, Level2: { AcrValue: 'urn:example:acr:mfa' } },
  });
  const clientId = cognito.createUserPoolClient(poolId, {
    ClientName: 'portal',
    GenerateSecret: true,
    RefreshTokenValidity: 12,
    AccessTokenValidity: 30,
    IdTokenValidity: 45,
    TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'hours' },
    ReadAttributes: ['email', 'name'],
    WriteAttributes: ['name'],
    ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH'],
    SupportedIdentityProviders: ['COGNITO'],
    CallbackURLs: [PLACEHOLDERS[0], 'https://tools.example.com/cb'],
    LogoutURLs: [PLACEHOLDERS[1]],
    DefaultRedirectURI: PLACEHOLDERS[0],
    AllowedOAuthFlows: ['code'],
    AllowedOAuthScopes: ['openid', 'email'],
    AllowedOAuthFlowsUserPoolClient: true,
    AnalyticsConfiguration: { ApplicationId: '0123456789abcdef0123456789abcdef', RoleArn: 'arn:aws:iam::123456789012:role/pinpoint', ExternalId: 'labeling', UserDataShared: true },
    PreventUserExistenceErrors: 'ENABLED',
    EnableTokenRevocation: false,
    EnablePropagateAdditionalUserContextData: true,
    AuthSessionValidity: 10,
    RefreshTokenRotation: { Feature: 'ENABLED', RetryGracePeriodSeconds: 30 },
  });
  return { poolId, clientId };
}

function reconcilerEvent(poolId: string, clientId: string): Omit<CloudFormationEvent, 'ResponseURL'> {
  return {
    RequestType: 'Create',
    ServiceToken: arn('lambda', 'function:provider'),
    ResourceType: CALLBACK_RECONCILER_RESOURCE_TYPE,
    LogicalResourceId: 'Reconciler',
    RequestId: 'set-by-invoke',
    StackId: arn('cloudformation', 'stack/Test/1'),
    ResourceProperties: {
      UserPoolId: poolId,
      ClientId: clientId,
      PortalSubDomain: SUB,
      PlaceholderUrls: PLACEHOLDERS,
      InvitationSubject: 'Welcome',
      InvitationBody: 'Hi {username}, your password is {####}; sign in at {portalUrl}',
      // The pool's SMS role and key, which the reconciler was given (smsRole, userPoolKey).
      SmsRoleArn: 'arn:aws:iam::123456789012:role/cognito-sms',
      KmsKeyArn: KMS_KEY,
      Fingerprint: 'f1',
    },
  };
}

/** The input of the one `operation` request the fake received. */
function sent(cognito: FakeCognito, operation: string): Json {
  const matching = cognito.requests.filter((r) => r.operation === operation);
  expect(matching).toHaveLength(1);
  return matching[0].input;
}

/**
 * Fields the read-modify-write lists copy from `described` that the request on the wire does not
 * carry unchanged (`changed` fields, which the handler sets on purpose, need only be there).
 */
function notCopied(described: Json, request: Json, fields: readonly string[], renamed: Record<string, string>, changed: string[]): string[] {
  const problems: string[] = [];
  for (const [from, to] of [...fields.map((f) => [f, f]), ...Object.entries(renamed)]) {
    if (described[from] === undefined) {
      continue;
    }
    if (request[to] === undefined) {
      problems.push(`${to}: missing`);
    } else if (!changed.includes(to) && !isDeepStrictEqual(request[to], described[from])) {
      problems.push(`${to}: sent ${JSON.stringify(request[to])}, described ${JSON.stringify(described[from])}`);
    }
  }
  return problems;
}

/** The fields of `described` that `fields` would copy and the fixture does not set (so the check would not cover them). */
function uncovered(described: Json, fields: readonly string[]): string[] {
  return fields.filter((f) => described[f] === undefined);
}

/** The check of the UpdateUserPool request, shared by the real bundle and the negative control. */
function expectPoolFieldsCopied(poolBefore: Json, request: Json): void {
  expect(notCopied(poolBefore, request, USER_POOL_UPDATE_FIELDS, USER_POOL_RENAMED_FIELDS, ['AdminCreateUserConfig'])).toEqual([]);
}

/** esbuild options of the bundle task, read from the task itself so that a variant differs from the real bundle only where it says. */
function bundleTaskOptions(): BuildOptions {
  const tasks = JSON.parse(readFileSync(join(ROOT, '.projen', 'tasks.json'), 'utf-8')).tasks;
  const [command, ...args] = (tasks[BUNDLE_TASK].steps[0].exec as string).split(/\s+/);
  expect(command).toBe('esbuild');
  const options: Record<string, any> = { entryPoints: [], absWorkingDir: ROOT, logLevel: 'silent' };
  for (const arg of args) {
    const flag = /^--([a-z-]+)(?:([=:])(.*))?$/.exec(arg);
    if (!flag) {
      options.entryPoints.push(arg);
      continue;
    }
    const key = flag[1].replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (flag[2] === ':') {
      options[key] = [...(options[key] ?? []), flag[3]]; // --external:x
    } else if (key === 'mainFields') {
      options[key] = flag[3].split(','); // --main-fields=module,main
    } else {
      options[key] = flag[2] === '=' ? flag[3] : true;
    }
  }
  return options;
}

/** Builds the handler bundle (or a variant of it) in memory: its code, and the modules it leaves to be required at run time. */
async function buildBundle(change: (options: BuildOptions) => BuildOptions = (o) => o): Promise<{ code: Buffer; externals: string[] }> {
  const result = await build({ ...change(bundleTaskOptions()), write: false, metafile: true });
  const externals = Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
  return { code: Buffer.from(result.outputFiles[0].contents), externals: [...new Set(externals)].sort() };
}

/** Writes a variant bundle into `dir`. */
function writeVariant(dir: string, code: Buffer): string {
  const file = join(dir, 'index.js');
  writeFileSync(file, code);
  return file;
}

/**
 * Makes the bundled Cognito client's UpdateUserPool serializer not know AcrConfiguration, as SDK
 * 3.1140 does not: the serializer writes the members of its schema, so the member is dropped.
 */
function dropAcrConfiguration(state: { patched: boolean }): Plugin {
  // The bundle is built from the SDK's ES modules, where each schema is an exported array.
  const anchor = 'export var UpdateUserPoolRequest$ = ';
  return {
    name: 'drop-acr-configuration',
    setup(b) {
      b.onLoad({ filter: /client-cognito-identity-provider[\\/]dist-es[\\/]schemas[\\/]schemas_0\.js$/ }, (args) => {
        const code = readFileSync(args.path, 'utf-8');
        if (!code.includes(anchor)) {
          throw new Error(`${args.path} no longer exports UpdateUserPoolRequest$ as expected; update the negative control`);
        }
        state.patched = true;
        const drop = '{ const s = UpdateUserPoolRequest$, i = s[4].indexOf("AcrConfiguration");'
          + ' if (i < 0) throw new Error("no AcrConfiguration to drop"); s[4].splice(i, 1); s[5].splice(i, 1); }';
        return { contents: `${code}\n${drop}`, loader: 'js' };
      });
    },
  };
}

/**
 * The version of the Cognito client the other handler tests run (the one package-lock.json pins).
 * Read from its package.json: the bundle is built from its ES modules, which report that version,
 * while its CommonJS build (what jest loads) has carried the previous release's number inlined.
 */
function testedSdkVersion(): string {
  const manifest = require.resolve('@aws-sdk/client-cognito-identity-provider/package.json');
  // The client the tests import is that package, not a copy nested elsewhere.
  expect(require.resolve('@aws-sdk/client-cognito-identity-provider').startsWith(dirname(manifest))).toBe(true);
  const version = JSON.parse(readFileSync(manifest, 'utf-8')).version;
  expect(version).toMatch(/^3\.\d+\.\d+$/);
  return version;
}

describe('the handler bundle, run as Lambda runs it', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });
  afterEach(async () => {
    await w.close();
  });

  test('is the current build: what the bundle task makes from the sources and node_modules as they are now', async () => {
    // A stale bundle would test some other code or SDK: `npx projen bundle` (the test task runs it first).
    const fresh = await buildBundle();
    expect(readFileSync(BUNDLE).equals(fresh.code)).toBe(true);
    // Every module it leaves to run time is Node's own: no @aws-sdk/*, no @smithy/*, nothing else.
    expect(fresh.externals.filter((m) => !isBuiltin(m))).toEqual([]);
  });

  test('is under 1 MB and requires no module but Node\'s own, neither when loaded nor while it runs', async () => {
    expect(statSync(BUNDLE).size).toBeLessThan(MAX_BUNDLE_BYTES);
    const { poolId, clientId } = richPool(w.cognito);
    const run = await w.invoke(BUNDLE, reconcilerEvent(poolId, clientId));
    expect(run.requested).toEqual([]);
    expect(run.error).toBeUndefined();
    expect(run.responses.map((r) => r.Status)).toEqual(['SUCCESS']);
  });

  test('negative control: the same bundle from the SDK\'s CommonJS builds carries every operation\'s schema, over the cap', async () => {
    const esm = await buildBundle();
    const commonJs = await buildBundle((o) => ({ ...o, mainFields: ['main', 'module'] }));
    expect(esm.code.length).toBe(statSync(BUNDLE).size);
    expect(commonJs.code.length).toBeGreaterThan(MAX_BUNDLE_BYTES);
    // A schema of an operation the handler never calls is what the ES build leaves out.
    expect(commonJs.code.includes('CreateLabelingJob')).toBe(true);
    expect(esm.code.includes('CreateLabelingJob')).toBe(false);
  });

  test('negative control: a bundle with the SDK external fails the same module check', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-variant-'));
    try {
      // What the bundle task did before the SDK was inlined.
      const built = await buildBundle((o) => ({ ...o, external: ['@aws-sdk/*'] }));
      expect(built.externals.filter((m) => !isBuiltin(m))).toEqual([
        '@aws-sdk/client-cloudformation', '@aws-sdk/client-cognito-identity-provider', '@aws-sdk/client-dynamodb', '@aws-sdk/client-lambda', '@aws-sdk/client-s3',
        '@aws-sdk/client-sagemaker',
      ]);
      const variant = writeVariant(dir, built.code);
      const { poolId, clientId } = richPool(w.cognito);
      const run = await w.invoke(variant, reconcilerEvent(poolId, clientId));
      // The first SDK module the entry point loads is refused.
      expect(run.requested).toEqual(['@aws-sdk/client-cloudformation']);
      expect(run.error).toMatch(/the bundle requires @aws-sdk\/client-cloudformation at run time/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('CallbackReconciler on an existing pool: SUCCESS, and the Update requests on the wire carry every copied setting', async () => {
    const { poolId, clientId } = richPool(w.cognito);
    const poolBefore = w.cognito.describePool(poolId);
    const clientBefore = w.cognito.describeClient(poolId, clientId);
    // The fixture sets everything the lists copy, so the checks below cover every field.
    expect(uncovered(poolBefore, [...USER_POOL_UPDATE_FIELDS, ...Object.keys(USER_POOL_RENAMED_FIELDS)])).toEqual([]);
    expect(uncovered(clientBefore, USER_POOL_CLIENT_UPDATE_FIELDS)).toEqual([]);

    const run = await w.invoke(BUNDLE, reconcilerEvent(poolId, clientId));
    expect(run.error).toBeUndefined();
    expect(run.requested).toEqual([]);
    expect(run.responses).toEqual([{
      Status: 'SUCCESS',
      StackId: arn('cloudformation', 'stack/Test/1'),
      RequestId: 'request-1',
      LogicalResourceId: 'Reconciler',
      PhysicalResourceId: `${poolId}/${clientId}/callback`,
      Data: { PortalUrl: `https://${SUB}`, CallbackUrl: `https://${SUB}/oauth2/idpresponse`, LogoutUrl: `https://${SUB}/logout` },
    }]);
    expect(w.cognito.requests.map((r) => r.operation)).toEqual(['DescribeUserPoolClient', 'UpdateUserPoolClient', 'DescribeUserPool', 'UpdateUserPool']);
    expect(w.cognito.violations).toEqual([]);
    expect([...w.cognitoHttp.errors, ...w.s3Http.errors, ...w.cfnHttp.errors]).toEqual([]);

    // The requests came from the same SDK version as the tests' own client, signed with the credentials and Region of the environment.
    const testedVersion = testedSdkVersion();
    for (const request of w.cognitoHttp.received) {
      expect(/ api\/cognito-identity-provider#(\S+)/.exec(request.headers['user-agent'])?.[1]).toBe(testedVersion);
      expect(request.headers['user-agent']).toContain('exec-env/AWS_Lambda_nodejs24.x');
      expect(request.headers['user-agent']).toContain(`md/nodejs#${process.versions.node}`); // on test:node24, Node 24
      expect(request.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/\\d{8}/us-east-1/cognito-idp/aws4_request`));
      expect(request.headers['x-amz-security-token']).toBe('fake-session-token');
    }

    // Nothing the lists copy was dropped on the way to the wire.
    expectPoolFieldsCopied(poolBefore, sent(w.cognito, 'UpdateUserPool'));
    expect(notCopied(clientBefore, sent(w.cognito, 'UpdateUserPoolClient'), USER_POOL_CLIENT_UPDATE_FIELDS, {},
      ['CallbackURLs', 'LogoutURLs', 'DefaultRedirectURI'])).toEqual([]);

    // And so the pool and client kept every setting but the wiring.
    const pool = w.cognito.describePool(poolId);
    expect(pool).toEqual({
      ...poolBefore,
      AdminCreateUserConfig: {
        ...poolBefore.AdminCreateUserConfig,
        InviteMessageTemplate: { EmailSubject: 'Welcome', EmailMessage: `Hi {username}, your password is {####}; sign in at https://${SUB}`, SMSMessage: 'sms {username} {####}' },
      },
      LastModifiedDate: pool.LastModifiedDate,
    });
    const client = w.cognito.describeClient(poolId, clientId);
    expect(client).toEqual({
      ...clientBefore,
      CallbackURLs: [`https://${SUB}/oauth2/idpresponse`, 'https://tools.example.com/cb'],
      LogoutURLs: [`https://${SUB}/logout`],
      DefaultRedirectURI: `https://${SUB}/oauth2/idpresponse`,
      LastModifiedDate: client.LastModifiedDate,
    });
  });

  test('negative control: a bundled SDK that does not know AcrConfiguration fails the same field check', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-variant-'));
    try {
      const state = { patched: false };
      const variant = writeVariant(dir, (await buildBundle((o) => ({ ...o, plugins: [dropAcrConfiguration(state)] }))).code);
      expect(state.patched).toBe(true);
      const { poolId, clientId } = richPool(w.cognito);
      const poolBefore = w.cognito.describePool(poolId);

      const run = await w.invoke(variant, reconcilerEvent(poolId, clientId));
      // The drop is silent: the deploy succeeds...
      expect(run.error).toBeUndefined();
      expect(run.responses.map((r) => r.Status)).toEqual(['SUCCESS']);
      // ...the check catches it...
      expect(() => expectPoolFieldsCopied(poolBefore, sent(w.cognito, 'UpdateUserPool'))).toThrow(/AcrConfiguration: missing/);
      expect(notCopied(poolBefore, sent(w.cognito, 'UpdateUserPool'), USER_POOL_UPDATE_FIELDS, USER_POOL_RENAMED_FIELDS, ['AdminCreateUserConfig']))
        .toEqual(['AcrConfiguration: missing']);
      // ...and the harm is real: Cognito reset the setting.
      expect(poolBefore.AcrConfiguration).toBeDefined();
      expect(w.cognito.describePool(poolId).AcrConfiguration).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('InvitationSender reads its worker list from S3 through the bundled S3 client', async () => {
    const { poolId } = richPool(w.cognito);
    w.s3.put('cdk-assets-bucket', 'workers/abc123.json', JSON.stringify([
      { username: 'ana', email: 'ana@example.com' },
      { username: 'bo', email: 'bo@example.com' },
    ]));
    const run = await w.invoke(BUNDLE, {
      RequestType: 'Create',
      ResourceType: INVITATION_SENDER_RESOURCE_TYPE,
      LogicalResourceId: 'Sender',
      RequestId: 'set-by-invoke',
      StackId: arn('cloudformation', 'stack/Test/1'),
      ResourceProperties: {
        UserPoolId: poolId,
        WorkerSources: [{ Bucket: 'cdk-assets-bucket', Key: 'workers/abc123.json' }],
        RemovedWorkers: 'RETAIN',
        MaxRequestsPerSecond: '10',
        MaxConcurrency: '2',
      },
    });
    expect(run.error).toBeUndefined();
    expect(run.requested).toEqual([]);
    expect(run.responses).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: `${poolId}/invitations` })]);
    expect(run.responses[0].Data).toMatchObject({ Workers: 2, Invited: 2 });
    expect(w.s3.gets).toEqual(['cdk-assets-bucket/workers/abc123.json']);
    expect(w.s3.violations).toEqual([]);
    expect(w.s3Http.received.map((r) => r.headers.authorization)).toEqual([expect.stringMatching(`Credential=${ACCESS_KEY_ID}/\\d{8}/us-east-1/s3/aws4_request`)]);
    expect(w.cognito.users(poolId).map((u) => u.Username).sort()).toEqual(['ana', 'bo']);
  });

  test('ExistingWorkforce finds the workforce, sets its CIDRs and waits for it, through the bundled SageMaker and CloudFormation clients', async () => {
    const { poolId, clientId } = richPool(w.cognito);
    w.sagemaker.createWorkforce({ WorkforceName: 'default', CognitoConfig: { UserPool: poolId, ClientId: clientId } });
    w.sagemaker.updatingPolls = 1; // one poll sees it Updating: the bundle waits 2 s of real time
    w.sagemaker.loseResponse('UpdateWorkforce'); // and its error path: InternalFailure, then ConflictException
    const run = await w.invoke(BUNDLE, {
      RequestType: 'Create',
      ResourceType: EXISTING_WORKFORCE_RESOURCE_TYPE,
      LogicalResourceId: 'Workforce',
      RequestId: 'set-by-invoke',
      StackId: arn('cloudformation', 'stack/Test/1'),
      ResourceProperties: { SourceIpCidrs: ['203.0.113.0/24'] },
    });
    expect(run.error).toBeUndefined();
    expect(run.requested).toEqual([]);
    expect(run.responses).toEqual([expect.objectContaining({ Status: 'SUCCESS' })]);
    expect(run.responses[0].Data).toEqual({
      WorkforceArn: 'arn:aws:sagemaker:us-east-1:123456789012:workforce/default',
      WorkforceName: 'default',
      SubDomain: w.sagemaker.workforce('default')!.SubDomain,
      PortalUrl: `https://${w.sagemaker.workforce('default')!.SubDomain}`,
      UserPoolId: poolId,
      ClientId: clientId,
    });
    expect(w.sagemaker.workforce('default')!.SourceIpConfig).toEqual({ Cidrs: ['203.0.113.0/24'] });
    const operations = w.sagemaker.requests.map((r) => r.operation);
    expect(operations.slice(0, 3)).toEqual(['CreateWorkforce', 'ListWorkforces', 'DescribeWorkforce']);
    // The lost response was retried into a ConflictException, answered by waiting and sending again.
    expect(operations.filter((o) => o === 'UpdateWorkforce').length).toBeGreaterThanOrEqual(3);
    expect(operations.at(-1)).toBe('DescribeWorkforce');
    expect(w.sagemaker.workforce('default')!.Status).toBe('Active');
    expect(w.sagemaker.violations).toEqual([]);
  });
});
