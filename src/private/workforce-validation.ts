import { Annotations, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { SAGEMAKER_TAG_KEY_MAX, SAGEMAKER_TAG_PATTERN, SAGEMAKER_TAG_VALUE_MAX, SAGEMAKER_TAGS_MAX } from './aws-limits';
import { checkCount, checkHttpsUrl, checkLength, checkPattern, cidrFamily, derivedName, isKnown, received } from './validation';
import { REGIONS_WITH_REGISTRY_DATA, WORKFORCE_REGIONS } from './workforce-regions';
import { cidrKey, firstRepeat } from '../handlers/lists';
import type { IpAddressType } from '../ip-address-type';
import type { WorkforceOidcConfig, WorkforceVpcConfig } from '../workforce-resource';

/** `WorkforceName` pattern from the CreateWorkforce API reference. */
export const WORKFORCE_NAME_PATTERN = /^[a-zA-Z0-9]([a-zA-Z0-9-]){0,62}$/;
const MAX_CIDRS = 10;
const MAX_TAGS = SAGEMAKER_TAGS_MAX;
const OIDC_ENDPOINT_MAX_LENGTH = 500;

/** The workforce settings shared by `WorkforceResource` and `PrivateWorkforce`. */
export interface WorkforceSettings {
  readonly workforceName?: string;
  readonly sourceIpCidrs?: string[];
  readonly vpcConfig?: WorkforceVpcConfig;
  readonly ipAddressType?: IpAddressType;
  readonly tags?: Record<string, string>;
}

/**
 * Validates the workforce settings; runs before any construct is created.
 */
export function validateWorkforceSettings(props: WorkforceSettings): void {
  checkLength('workforceName', props.workforceName, 1, 63);
  checkPattern('workforceName', props.workforceName, WORKFORCE_NAME_PATTERN,
    'letters, digits and hyphens, starting with a letter or digit');

  const dualstack = props.ipAddressType === 'dualstack'; // its values are checked with the prop types

  const cidrs = props.sourceIpCidrs;
  checkCount('sourceIpCidrs', cidrs, 1, MAX_CIDRS);
  for (const cidr of isKnown(cidrs) ? cidrs! : []) {
    if (!isKnown(cidr)) {
      continue;
    }
    const family = cidrFamily(cidr);
    if (!family) {
      throw new Error(`\`sourceIpCidrs\` must contain CIDR blocks such as "203.0.113.0/24" or "2001:db8::/32", got: ${received(cidr)}.`);
    }
    if (family === 'ipv6' && !dualstack) {
      throw new Error(`\`sourceIpCidrs\` contains the IPv6 block ${received(cidr)}, which needs \`ipAddressType: IpAddressType.DUALSTACK\` (got ${received(props.ipAddressType ?? 'ipv4')}).`);
    }
  }
  // One network in two spellings is a repeat too: "2001:DB8::/32" is "2001:db8::/32", and
  // "10.0.0.1/24" is "10.0.0.0/24" (the prefix decides the network; the host bits do not).
  checkOnce('sourceIpCidrs', cidrs, 'list each network', cidrKey);

  if (props.vpcConfig) {
    if (cidrs !== undefined) {
      throw new Error('`sourceIpCidrs` and `vpcConfig` cannot be combined: source-IP restrictions do not apply to a portal reached through a VPC endpoint. ' +
        `Restrict access with the security groups of \`vpcConfig\` instead (got sourceIpCidrs ${received(cidrs)}).`);
    }
    validateVpcConfig(props.vpcConfig);
  }

  if (props.tags && Object.keys(props.tags).length > MAX_TAGS) {
    throw new Error(`\`tags\` can have at most ${MAX_TAGS} entries, got ${Object.keys(props.tags).length}.`);
  }
  validateTags(props.tags ?? {});
}

/** Tag keys and values as SageMaker's API model allows them; `aws:` keys are AWS's own. */
export function validateTags(tags: Record<string, string>, prop = 'tags'): void {
  const pattern = new RegExp(`^${SAGEMAKER_TAG_PATTERN}$`, 'u');
  for (const [key, value] of Object.entries(tags)) {
    if (/^aws:/i.test(key)) {
      throw new Error(`\`${prop}\`: tag keys starting with "aws:" are reserved for AWS, got: ${received(key)}.`);
    }
    if (key.length < 1 || key.length > SAGEMAKER_TAG_KEY_MAX || !pattern.test(key)) {
      throw new Error(`\`${prop}\`: a tag key must be 1-${SAGEMAKER_TAG_KEY_MAX} letters, digits, spaces and _ . : / = + - @, got: ${received(key)}.`);
    }
    if (isKnown(value) && (value.length > SAGEMAKER_TAG_VALUE_MAX || !pattern.test(value))) {
      throw new Error(`\`${prop}.${key}\` must be at most ${SAGEMAKER_TAG_VALUE_MAX} letters, digits, spaces and _ . : / = + - @, got: ${received(value)}.`);
    }
  }
}

function validateVpcConfig(vpcConfig: WorkforceVpcConfig): void {
  const subnetIds = vpcConfig.vpc.selectSubnets(vpcConfig.subnets).subnetIds;
  checkCount('vpcConfig.subnets', subnetIds, 1, 16);
  for (const id of subnetIds) {
    checkPattern('vpcConfig.subnets', id, /^subnet-[0-9a-z]{1,32}$/, 'subnet IDs');
  }
  checkOnce('vpcConfig.subnets', subnetIds, 'select each subnet');
  const securityGroupIds = vpcConfig.securityGroups?.map((sg) => sg.securityGroupId);
  checkCount('vpcConfig.securityGroups', securityGroupIds, 1, 5);
  for (const id of securityGroupIds ?? []) {
    checkPattern('vpcConfig.securityGroups', id, /^sg-[0-9a-z]{1,32}$/, 'security group IDs');
  }
  checkOnce('vpcConfig.securityGroups', securityGroupIds, 'list each security group');
  checkPattern('vpcConfig.vpc', vpcConfig.vpc.vpcId, /^vpc-[0-9a-z]{1,32}$/, 'a VPC ID');
}

/**
 * Refuses a list that has an item twice (by `key`): the handler and SageMaker compare such lists
 * with their repeats, and a repeat is always a mistake. Tokens count as their own text: the same
 * token twice is the same value twice; two tokens are not compared.
 */
function checkOnce(prop: string, items: readonly string[] | undefined, rule: string, key?: (item: string) => string): void {
  if (items === undefined || Token.isUnresolved(items)) {
    return;
  }
  const repeat = firstRepeat(items, key);
  if (repeat) {
    const what = repeat[0] === repeat[1] ? `${received(repeat[0])} twice` : `${received(repeat[0])} and ${received(repeat[1])}, the same network,`;
    throw new Error(`\`${prop}\` must ${rule} once, got ${what} in ${received(items)}.`);
  }
}

/**
 * Validates an OIDC configuration of a workforce.
 */
export function validateOidcConfig(oidc: WorkforceOidcConfig, resolveSecret: (secret: WorkforceOidcConfig['clientSecret']) => unknown): void {
  const endpoints: Array<[string, string]> = [
    ['issuer', oidc.issuer],
    ['authorizationEndpoint', oidc.authorizationEndpoint],
    ['tokenEndpoint', oidc.tokenEndpoint],
    ['userInfoEndpoint', oidc.userInfoEndpoint],
    ['logoutEndpoint', oidc.logoutEndpoint],
    ['jwksUri', oidc.jwksUri],
  ];
  for (const [name, url] of endpoints) {
    checkHttpsUrl(`oidcConfig.${name}`, url, OIDC_ENDPOINT_MAX_LENGTH);
  }
  checkLength('oidcConfig.clientId', oidc.clientId, 1, 1024);
  // The CloudFormation resource schema is stricter than the API (`[ -~]+`): it allows only [\w+].
  checkPattern('oidcConfig.clientId', oidc.clientId, /^[\w+]+$/,
    'letters, digits, "_" and "+" (the AWS::SageMaker::Workforce schema refuses other characters)');
  checkLength('oidcConfig.scope', oidc.scope, 1, 1024);

  // A secret must reach the template as a dynamic reference, never as the secret itself.
  const resolved = resolveSecret(oidc.clientSecret);
  if (typeof resolved === 'string' && !resolved.startsWith('{{resolve:')) {
    throw new Error('`oidcConfig.clientSecret` must reference Secrets Manager or an SSM SecureString ' +
      '(SecretValue.secretsManager(...), SecretValue.ssmSecure(...)) so the secret never appears in the template; got a plain-text SecretValue.');
  }
}


/**
 * A valid workforce name derived from the construct path: stable as long as the path is.
 */
export function deriveWorkforceName(scope: IConstruct): string {
  return derivedName(scope, WORKFORCE_NAME_PATTERN, 'workforceName');
}

/**
 * Refuses a stack in a Region where AWS::SageMaker::Workforce does not exist (the registry's data,
 * src/private/workforce-regions.ts); a token Region is not checked, and a Region the data does not
 * cover gets a warning (unless `warn` is false: the WorkforceResource that follows warns).
 */
export function validateWorkforceRegion(scope: IConstruct, warn = true): void {
  const region = Stack.of(scope).region;
  if (Token.isUnresolved(region)) {
    return;
  }
  if (!REGIONS_WITH_REGISTRY_DATA.includes(region)) {
    if (!warn) {
      return;
    }
    Annotations.of(scope).addWarningV2('cdk-private-workforce:regionNotChecked',
      `Region ${region} is not in the CloudFormation registry data this library was built with: make sure AWS::SageMaker::Workforce exists there.`);
    return;
  }
  if (!WORKFORCE_REGIONS.includes(region)) {
    throw new Error(`AWS::SageMaker::Workforce does not exist in ${region} (CloudFormation registry data); ` +
      `a private workforce can be created in: ${WORKFORCE_REGIONS.join(', ')}.`);
  }
}

/** Marks the constructs that are a workforce of an account and Region (copies of the library find each other). */
const WORKFORCE_MARKER = Symbol.for('cdk-private-workforce.Workforce');

/**
 * At most one private workforce per account and Region (sagemaker API_CreateWorkforce): two in an
 * app with the same concrete account and Region, or in one stack, are refused, naming both; a
 * stack whose account or Region is a token also gets a warning that the check could not run
 * across stacks.
 */
export function validateOneWorkforcePerRegion(scope: IConstruct): void {
  const stack = Stack.of(scope);
  const agnostic = (s: Stack) => Token.isUnresolved(s.account) || Token.isUnresolved(s.region);
  const place = (s: Stack) => (agnostic(s) ? `the stack ${s.node.path}` : `${s.account} ${s.region}`);
  Object.defineProperty(scope, WORKFORCE_MARKER, { value: true });
  const other = scope.node.root.node.findAll().find((c) => c !== scope
    && (c as unknown as Record<symbol, boolean>)[WORKFORCE_MARKER] && place(Stack.of(c)) === place(stack));
  if (other) {
    throw new Error(`An account and Region can have one private workforce, and ${other.node.path} and ${scope.node.path} are both in ` +
      `${place(stack)}: keep one (add work teams to it), or put them in different Regions or accounts.`);
  }
  if (agnostic(stack)) {
    Annotations.of(scope).addWarningV2('cdk-private-workforce:oneWorkforcePerRegionNotChecked',
      'The stack has no concrete account and Region, so the library cannot check that this is the only private workforce of its account and Region ' +
      '(SageMaker allows one): give the stack an env to have it checked.');
  }
}
