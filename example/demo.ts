// `npm run demo`: synthesizes the example app offline and prints what it made.
import * as fs from 'fs';
import * as path from 'path';
import { CfnResource, Stack } from 'aws-cdk-lib';
import { buildExampleApp } from './app';

// A built-in default environment, so the demo needs no AWS credentials or configuration.
process.env.CDK_DEFAULT_ACCOUNT ??= '123456789012';
process.env.CDK_DEFAULT_REGION ??= 'us-east-1';

const outdir = path.resolve(__dirname, '..', 'example.out');
fs.rmSync(outdir, { recursive: true, force: true });
const started = Date.now();
const app = buildExampleApp(outdir);
const assembly = app.synth();
const elapsed = Date.now() - started;

// logical id -> construct path, read off the construct tree (templates carry no path metadata here)
const paths = new Map<string, string>();
for (const construct of app.node.findAll()) {
  if (construct instanceof CfnResource) {
    paths.set(Stack.of(construct).resolve(construct.logicalId), construct.node.path);
  }
}

for (const stack of assembly.stacks) {
  const resources: Record<string, any> = stack.template.Resources ?? {};
  const ids = Object.keys(resources);
  console.log(`\nStack ${stack.stackName} (${stack.environment.account}/${stack.environment.region}): ` +
    `${ids.length} resources, synthesized in ${elapsed} ms to ${path.relative(process.cwd(), outdir)}/${stack.templateFile}\n`);

  const byType = new Map<string, number>();
  for (const id of ids) {
    byType.set(resources[id].Type, (byType.get(resources[id].Type) ?? 0) + 1);
  }
  console.log('  Resource types:');
  for (const [type, count] of [...byType.entries()].sort()) {
    console.log(`    ${String(count).padStart(3)} x ${type}`);
  }

  console.log('\n  Resources (construct path -> logical id: what it is):');
  for (const id of ids) {
    const resource = resources[id];
    const where = paths.get(id) ?? id;
    console.log(`    ${where}\n      -> ${id}: ${resource.Type}${describe(resource)}`);
  }

  console.log('\n  Portal wiring (what runs after CloudFormation has created or updated the pool and client):');
  for (const id of ids) {
    for (const line of wiring(id, resources)) {
      console.log(`    ${line}`);
    }
  }

  const outputs = stack.template.Outputs ?? {};
  if (Object.keys(outputs).length > 0) {
    console.log('\n  Outputs:');
    for (const [name, output] of Object.entries<any>(outputs)) {
      console.log(`    ${name}: ${render(output.Value)}`);
    }
  }
}

/** A one-line description of the settings that matter for a resource. */
function describe(resource: any): string {
  const p = resource.Properties ?? {};
  switch (resource.Type) {
    case 'AWS::Cognito::UserPool':
      return ` MFA ${p.MfaConfiguration}, admin-only sign-up ${p.AdminCreateUserConfig?.AllowAdminCreateUserOnly}, ` +
        `plan ${p.UserPoolTier}, min password length ${p.Policies?.PasswordPolicy?.MinimumLength}`;
    case 'AWS::Cognito::UserPoolClient':
      return ` OAuth ${p.AllowedOAuthFlows?.join(',')}, callback ${render(p.CallbackURLs)} (placeholder until the portal URL is wired)`;
    case 'AWS::Cognito::UserPoolDomain':
      return ` prefix ${render(p.Domain)}`;
    case 'AWS::WAFv2::WebACL':
      return ` rules ${p.Rules?.map((r: any) => r.Name).join(', ')}`;
    case 'AWS::Cognito::LogDeliveryConfiguration':
      return ` ${p.LogConfigurations?.map((c: any) => `${c.EventSource}/${c.LogLevel}`).join(', ')}`;
    case 'AWS::Logs::LogGroup':
      return ` retention ${p.RetentionInDays} days`;
    case 'AWS::SSM::Parameter':
      return ` ${p.Name}`;
    case 'AWS::SageMaker::Workforce':
      return ` name ${render(p.WorkforceName)}, source CIDRs ${render(p.SourceIpConfig?.Cidrs ?? 'any')}`;
    default:
      return '';
  }
}

/** What a custom resource of the library does, in words. */
function wiring(id: string, resources: Record<string, any>): string[] {
  const resource = resources[id];
  const p = resource.Properties ?? {};
  if (resource.Type === 'Custom::PrivateWorkforceCallbackReconciler') {
    const portal = `https://${render(p.PortalSubDomain)}`;
    return [
      `${id} (CallbackReconciler):`,
      `  app client ${render(p.ClientId)}: callback URL ${portal}/oauth2/idpresponse, logout URL ${portal}/logout`,
      `    replacing ${p.PlaceholderUrls.join(' and ')}; other URLs and settings kept (read-modify-write)`,
      `  user pool ${render(p.UserPoolId)}: invitation "${p.InvitationSubject}" with {portalUrl} = ${portal}`,
      `  re-runs when the pool's or client's CloudFormation properties change: fingerprint ${p.Fingerprint.slice(0, 12)}..., ` +
        `inputs ${render(p.FingerprintInputs ?? [])}`,
    ];
  }
  if (resource.Type === 'Custom::PrivateWorkforceInvitationSender') {
    const sources = (p.WorkerSources ?? []).map((s: any) => (s.Inline ? `${s.Inline.length} inline` : `S3 ${render(s.Key)}`));
    const names = (p.WorkerSources ?? []).flatMap((s: any) => (s.Inline ?? [])
      .map((w: any) => `${w.username} <${w.email}>${w.groups ? ` in ${w.groups.join(', ')}` : ''}`));
    return [
      `${id} (InvitationSender):`,
      `  invites workers into user pool ${render(p.UserPoolId)} from ${sources.join(', ')}${names.length ? `: ${names.join(', ')}` : ''}`,
      `  after the portal is wired (waits for ${render(p.PortalUrl)}); at most ${p.MaxRequestsPerSecond} invitations per second; ` +
        `removed workers: ${p.RemovedWorkers}${p.ManagedGroups ? `; keeps the members of ${p.ManagedGroups.join(', ')}` : ''}`,
    ];
  }
  return [];
}

/** Renders a template value compactly: intrinsics as Ref/GetAtt shorthand. */
function render(value: any): string {
  if (value === undefined) {
    return '-';
  }
  if (typeof value === 'string') {
    return value;
  }
  if (Array.isArray(value)) {
    return `[${value.map(render).join(', ')}]`;
  }
  if (value.Ref) {
    return `!Ref ${value.Ref}`;
  }
  if (value['Fn::GetAtt']) {
    return `!GetAtt ${value['Fn::GetAtt'].join('.')}`;
  }
  if (value['Fn::Join']) {
    return value['Fn::Join'][1].map(render).join(value['Fn::Join'][0]);
  }
  if (value['Fn::Select']) {
    return `!Select[${value['Fn::Select'][0]}] ${render(value['Fn::Select'][1])}`;
  }
  if (value['Fn::Split']) {
    return `!Split '${value['Fn::Split'][0]}' ${render(value['Fn::Split'][1])}`;
  }
  return JSON.stringify(value);
}
