import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { RegoEngine, TemplateFile } from '@aws/cloudformation-validate';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { recordTemplate } from './record-template';

/** The account and Region every test stack uses. */
export const TEST_ENV = { account: '123456789012', region: 'us-east-1' };

/** A new app and stack with a concrete environment. */
export function newStack(id = 'TestStack'): Stack {
  const app = new App({ context: { 'aws:cdk:disable-creation-stack-traces': true } });
  return new Stack(app, id, { env: TEST_ENV });
}

/** A diagnostic of AWS's offline CloudFormation validator. */
export interface Diagnostic {
  readonly severity: string;
  readonly ruleId: string;
  readonly message: string;
  readonly resourceId?: string;
}

/**
 * Runs AWS's offline validator (`@aws/cloudformation-validate`) over a template and returns the
 * FATAL and ERROR diagnostics.
 */
export function validatorErrors(template: unknown): Diagnostic[] {
  const dir = mkdtempSync(join(tmpdir(), 'cfn-validate-'));
  const file = join(dir, 'template.json');
  writeFileSync(file, JSON.stringify(template));
  const engine = new RegoEngine();
  try {
    const report = engine.validateStandard(new TemplateFile(file));
    if (report.status === 'ERROR') {
      throw new Error(`validator pipeline failed: ${JSON.stringify(report)}`);
    }
    return (report.diagnostics as Diagnostic[])
      .filter((d) => d.severity === 'FATAL' || d.severity === 'ERROR')
      .map((d) => ({ severity: d.severity, ruleId: d.ruleId, message: d.message, resourceId: d.resourceId }));
  } finally {
    engine.free();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The template of a stack. */
export function templateOf(stack: Stack): Template {
  const template = Template.fromStack(stack);
  recordTemplate(template.toJSON()); // for cfn-lint, after the tests
  return template;
}

/** The one resource of a type in a template, with its logical id. */
export function onlyResource(template: Template, type: string): { id: string; props: any; resource: any } {
  const found = template.findResources(type);
  const ids = Object.keys(found);
  if (ids.length !== 1) {
    throw new Error(`expected one ${type}, found ${ids.length}`);
  }
  return { id: ids[0], props: found[ids[0]].Properties, resource: found[ids[0]] };
}
