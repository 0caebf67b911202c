import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SCENARIOS } from './scenarios';
import { newStack, templateOf, validatorErrors } from './util';
import { PrivateWorkforce } from '../src';

/** The stacks of the integ-runner apps (their modules synthesize them when loaded). */
function integStacks(): Record<string, () => Stack> {
  const dir = join(__dirname, '..', 'integ');
  return Object.fromEntries(readdirSync(dir)
    .filter((f) => /^integ\..*\.ts$/.test(f))
    // Loaded on demand: each integ module synthesizes its app when it is first required.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    .map((f) => [`integ/${f}`, () => require(join(dir, f)).stack as Stack]));
}

const ALL: Record<string, () => Stack> = { ...SCENARIOS, ...integStacks() };

/** Every unacknowledged AwsSolutions finding in a stack, as "<rule> <construct path>". */
function findings(stack: Stack): string[] {
  const report = new AwsSolutionsChecks(stack).validateScope(stack);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`));
}

describe('cdk-nag AwsSolutions', () => {
  test.each(Object.keys(ALL))('no unacknowledged finding: %s', (name) => {
    expect(findings(ALL[name]())).toEqual([]);
  });

  test('reports what it should (the check can fail)', () => {
    const stack = newStack();
    new PrivateWorkforce(stack, 'Workforce');
    const role = new iam.Role(stack, 'Careless', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['cognito-idp:*'], resources: ['*'] }));
    expect(findings(stack)).toEqual([
      'AwsSolutions-IAM5[Action::cognito-idp:*] TestStack/Careless/DefaultPolicy/Resource',
      'AwsSolutions-IAM5[Resource::*] TestStack/Careless/DefaultPolicy/Resource',
    ]);
  });

  test('the library acknowledges only granular findings, each with a reason, also for cdk-nag 2', () => {
    const stack = ALL['VPC and dualstack']();
    const suppressions = Object.values(templateOf(stack).toJSON().Resources)
      .flatMap((r: any) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    // One acknowledgment in the whole library, on the one resource it is about.
    expect(suppressions).toEqual([{
      id: 'AwsSolutions-EC23',
      reason: 'Ingress is HTTPS from the VPC\'s own IPv4 CIDR block, a CloudFormation reference that cdk-nag cannot resolve.',
    }]);
    const defaults = Object.values(templateOf(ALL['default props']()).toJSON().Resources).filter((r: any) => r.Metadata?.cdk_nag);
    expect(defaults).toEqual([]);
  });
});

describe('least privilege', () => {
  /** Every IAM statement the library's resources carry, with the policy it is in. */
  function statements(stack: Stack): Array<{ policy: string; statement: any }> {
    const resources = templateOf(stack).toJSON().Resources as Record<string, any>;
    const out: Array<{ policy: string; statement: any }> = [];
    for (const [id, r] of Object.entries(resources)) {
      const docs = r.Type === 'AWS::IAM::Policy' ? [r.Properties.PolicyDocument]
        : r.Type === 'AWS::IAM::Role' ? (r.Properties.Policies ?? []).map((p: any) => p.PolicyDocument) : [];
      for (const doc of docs) {
        for (const statement of doc.Statement) {
          out.push({ policy: id, statement });
        }
      }
    }
    return out;
  }

  test.each(Object.keys(SCENARIOS))('no wildcard action and no "*" resource: %s', (name) => {
    for (const { statement } of statements(SCENARIOS[name]())) {
      for (const action of [statement.Action].flat()) {
        expect(action).not.toMatch(/\*/);
      }
      for (const resource of [statement.Resource].flat()) {
        // No action the library uses lacks resource-level permissions, so no statement needs "*".
        expect(resource).not.toBe('*');
      }
    }
  });

  test('the library attaches no managed policies', () => {
    for (const name of Object.keys(SCENARIOS)) {
      const roles = templateOf(SCENARIOS[name]()).findResources('AWS::IAM::Role');
      for (const role of Object.values(roles) as any[]) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    }
  });
});

describe("AWS's offline validator over every integ snapshot", () => {
  const dir = join(__dirname, '..', 'integ');
  const templates = readdirSync(dir).filter((d) => d.endsWith('.snapshot'))
    .flatMap((d) => readdirSync(join(dir, d)).filter((f) => f.endsWith('.template.json')).map((f) => join(d, f)));

  test('there is a snapshot template for every integ app', () => {
    expect(templates.length).toBeGreaterThanOrEqual(2 * Object.keys(integStacks()).length);
  });

  test.each(templates)('no FATAL or ERROR diagnostic: %s', (file) => {
    expect(validatorErrors(JSON.parse(readFileSync(join(dir, file), 'utf-8')))).toEqual([]);
  });
});
