// The checks of `npx projen test:interop` (Python and Java consumers, cfn-lint) fail on bad input:
// each is run here on planted input it must reject, and on input it must accept.
import { execFileSync } from 'child_process';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { AllowedWarning, lint, triage } from '../scripts/cfn-lint';
import { embeddedTarball, unexpectedFiles } from '../scripts/check-packages';
import { uncompilable } from '../scripts/check-python';
import { assetsWithoutLanguage, differences, withoutLanguage } from '../scripts/compare-templates';
import { completeImports, fixtureImports, restoreComments } from '../scripts/readme-python';

const PYTHON = join(__dirname, '..', '.venv', 'bin', 'python');

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'interop-test-'));
}

describe('template comparison across languages', () => {
  const template = {
    Resources: {
      Topic: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: 'Labeling' } },
      CDKMetadata: { Type: 'AWS::CDK::Metadata', Properties: { Analytics: 'v2:deflate64:typescript' } },
    },
  };
  const copy = () => JSON.parse(JSON.stringify(template));

  test('a changed property is a difference', () => {
    const other = copy();
    other.Resources.Topic.Properties.DisplayName = 'Other';
    expect(differences(withoutLanguage(template).template, withoutLanguage(other).template))
      .toEqual(['Resources.Topic.Properties.DisplayName: "Labeling" != "Other"']);
  });

  test('a resource only one side has is a difference', () => {
    const other = copy();
    other.Resources.Extra = { Type: 'AWS::SNS::Topic' };
    expect(differences(template, other)).toEqual([expect.stringMatching(/^Resources\.Extra: undefined != /)]);
  });

  test('only the CDK metadata of the language is ignored', () => {
    const other = copy();
    other.Resources.CDKMetadata.Properties.Analytics = 'v2:deflate64:python';
    expect(differences(template, other)).toHaveLength(1);
    const blanked = withoutLanguage(other);
    expect(blanked.blanked).toEqual(['Resources.CDKMetadata.Properties.Analytics']);
    expect(differences(withoutLanguage(template).template, blanked.template)).toEqual([]);
  });

  test("the template's own asset hash is ignored, a Lambda asset's is not", () => {
    const manifest = (templateHash: string, codeHash: string) => ({
      files: {
        [templateHash]: { source: { path: 'S.template.json', packaging: 'file' }, destinations: { [`d-${templateHash}`]: { objectKey: `${templateHash}.json` } } },
        [codeHash]: { source: { path: `asset.${codeHash}`, packaging: 'zip' }, destinations: { d: { objectKey: `${codeHash}.zip` } } },
      },
    });
    const ts = assetsWithoutLanguage(manifest('t1', 'c1'), 'S.template.json').assets;
    expect(differences(ts, assetsWithoutLanguage(manifest('t2', 'c1'), 'S.template.json').assets)).toEqual([]);
    expect(differences(ts, assetsWithoutLanguage(manifest('t1', 'c2'), 'S.template.json').assets)).not.toEqual([]);
  });
});

describe('cfn-lint triage', () => {
  const allowList: AllowedWarning[] = [{
    rule: 'W3005',
    resourceType: 'AWS::SNS::TopicPolicy',
    message: "dependency already enforced by a 'Ref'",
    reason: 'planted',
  }];
  const write = (dir: string, name: string, template: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(template));
    return file;
  };

  test('an error fails, a listed warning passes, an unlisted one fails, an unused entry is stale', async () => {
    const dir = scratch();
    const files = [
      // E3002: a property AWS::SNS::Topic does not have.
      write(dir, 'error.template.json', { Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: { NotAProperty: 'x' } } } }),
      // W3005 on a TopicPolicy: listed.
      write(dir, 'listed.template.json', {
        Resources: {
          Topic: { Type: 'AWS::SNS::Topic' },
          Policy: {
            Type: 'AWS::SNS::TopicPolicy',
            DependsOn: ['Topic'],
            Properties: { Topics: [{ Ref: 'Topic' }], PolicyDocument: { Statement: [{ Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: { Ref: 'Topic' } }] } },
          },
        },
      }),
      // W3005 on a Subscription: not listed.
      write(dir, 'unlisted.template.json', {
        Resources: {
          Topic: { Type: 'AWS::SNS::Topic' },
          Subscription: { Type: 'AWS::SNS::Subscription', DependsOn: ['Topic'], Properties: { TopicArn: { Ref: 'Topic' }, Protocol: 'email', Endpoint: 'a@example.com' } },
        },
      }),
    ];
    const findings = await lint(files);
    const result = triage(findings, allowList);
    expect(result.errors.map((f) => [f.rule, f.resourceType])).toEqual([['E3002', 'AWS::SNS::Topic']]);
    expect(result.unlisted.map((f) => [f.rule, f.resourceType])).toEqual([['W3005', 'AWS::SNS::Subscription']]);
    expect(result.allowed.get(allowList[0])).toBe(2); // the policy refs the topic twice
    expect(result.stale).toEqual([]);

    const clean = triage(await lint([files[2]]), allowList);
    expect(clean.stale).toEqual(allowList);
  });
});

describe('package contents', () => {
  test("files that are not the library's are reported", () => {
    expect(unexpectedFiles([
      'package/lib/index.js',
      'package/lib/private/nag.d.ts',
      'package/assets/handlers/provider.lambda/index.js',
      'package/.jsii',
      'package/example.out/LabelingStack.template.json',
      'package/consumers/java/pom.xml',
      'package/src/index.ts',
    ])).toEqual(['package/example.out/LabelingStack.template.json', 'package/consumers/java/pom.xml', 'package/src/index.ts']);
  });

  test('the tarball inside a wheel is read', () => {
    const dir = scratch();
    execFileSync('mkdir', ['-p', join(dir, 'package', 'lib'), join(dir, 'package', 'example.out')]);
    writeFileSync(join(dir, 'package', 'lib', 'index.js'), '');
    writeFileSync(join(dir, 'package', 'example.out', 'manifest.json'), '{}');
    execFileSync('tar', ['czf', join(dir, 'x@0.0.0.jsii.tgz'), '-C', dir, 'package']);
    const wheel = join(dir, 'x-0.0.0-py3-none-any.whl');
    execFileSync(PYTHON, ['-c', `import zipfile; z = zipfile.ZipFile("${wheel}", "w"); z.write("${dir}/x@0.0.0.jsii.tgz", "x/_jsii/x@0.0.0.jsii.tgz"); z.close()`]);
    expect(unexpectedFiles(embeddedTarball(wheel))).toEqual(['package/example.out/manifest.json']);
  });
});

describe('Python translations', () => {
  test("rosetta's broken Workteam example does not compile, its fix does", () => {
    const failures = uncompilable([
      { where: 'broken', source: 'team = workforce.add_workteam("Cats",\n    workers=Workers.from_list([email="ana@example.com"])\n)\n' },
      { where: 'fixed', source: 'ana = Worker(email="ana@example.com")\nteam = workforce.add_workteam("Cats", workers=Workers.from_list([ana]))\n' },
    ], PYTHON);
    expect(failures.map((f) => f.where)).toEqual(['broken']);
  });

  test('a dropped comment goes back on its line', () => {
    const ts = "new X(this, 'X', {\n  a: 1,   // first\n  logRetention: 2,   // last\n});\nteam.workteamArn;   // the ARN\n";
    const py = 'X(self, "X",\n    a=1,  # first\n    log_retention=2\n)\nteam.workteam_arn\n';
    expect(restoreComments(ts, py)).toBe('X(self, "X",\n    a=1,  # first\n    log_retention=2  # last\n)\nteam.workteam_arn  # the ARN\n');
  });

  test('a comment with no line to go on fails', () => {
    expect(() => restoreComments('foo();   // kept?\n', 'bar()\n')).toThrow(/lost the comment "\/\/ kept\?"/);
  });

  test('imports come from the fixture, merged with rosetta\'s', () => {
    const fixture = fixtureImports("import * as cognito from 'aws-cdk-lib/aws-cognito';\nimport { Stack } from 'aws-cdk-lib';\n" +
      "import {\n  PrivateWorkforce,\n  Workers,\n} from 'cdk-private-workforce';\n");
    const py = 'from cdk_private_workforce import Worker, Worker\n\nPrivateWorkforce(self, "W", email=cognito.UserPoolEmail.with_cognito())  # Workers here is a comment\n';
    expect(completeImports(py, fixture)).toBe('import aws_cdk.aws_cognito as cognito\nfrom cdk_private_workforce import PrivateWorkforce, Worker\n\n' +
      'PrivateWorkforce(self, "W", email=cognito.UserPoolEmail.with_cognito())  # Workers here is a comment\n');
  });
});
