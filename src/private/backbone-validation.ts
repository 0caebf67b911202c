import { Duration } from 'aws-cdk-lib';
import { SSM_PARAMETER_NAME_MAX } from './aws-limits';
import { checkHttpsUrl, checkPattern, isKnown, received } from './validation';
import { validateWebAclProps } from './web-acl-validation';
import type { CognitoBackboneOptions } from '../cognito-backbone';

/** Cognito's prefix-domain pattern (API_CreateUserPoolDomain). */
const DOMAIN_PREFIX_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Words Cognito refuses in a prefix domain. */
const RESERVED_PREFIX_WORDS = ['aws', 'amazon', 'cognito'];
const HOSTNAME_PATTERN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;
const PARAMETER_PATH_PATTERN = /^(\/[a-zA-Z0-9_.-]+)+$/;
/** SSM: at most 15 levels of hierarchy in a parameter name (ssm ug sysman-paramstore-hierarchies). */
const PARAMETER_LEVELS_MAX = 15;
/** The longest name the backbone and PrivateWorkforce record under the path. */
const PARAMETER_SUFFIX_MAX = '/user-pool-client-id'.length;

/**
 * Validates backbone settings; runs before any construct is created.
 */
export function validateCognitoBackboneOptions(props: CognitoBackboneOptions): void {
  const prefix = props.domainPrefix;
  checkPattern('domainPrefix', prefix, DOMAIN_PREFIX_PATTERN, '1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen');
  if (isKnown(prefix)) {
    const reserved = RESERVED_PREFIX_WORDS.find((word) => prefix!.includes(word));
    if (reserved) {
      throw new Error(`\`domainPrefix\` must not contain "${reserved}" (Cognito refuses ${RESERVED_PREFIX_WORDS.join(', ')}), got: ${received(prefix)}.`);
    }
  }

  checkPattern('parameterPath', props.parameterPath, PARAMETER_PATH_PATTERN,
    'an SSM parameter path such as "/teams/labeling" (slash-separated letters, digits, _ . -, no trailing slash)');
  if (isKnown(props.parameterPath) && /^\/(aws|ssm)/i.test(props.parameterPath!)) {
    throw new Error(`\`parameterPath\` must not start with "aws" or "ssm" (reserved by SSM), got: ${received(props.parameterPath)}.`);
  }
  if (isKnown(props.parameterPath)) {
    const levels = props.parameterPath!.split('/').length - 1;
    if (levels + 1 > PARAMETER_LEVELS_MAX) {
      throw new Error(`\`parameterPath\` has ${levels} levels; with the parameter names under it SSM allows at most ${PARAMETER_LEVELS_MAX}, so at most ` +
        `${PARAMETER_LEVELS_MAX - 1}, got: ${received(props.parameterPath)}.`);
    }
    if (props.parameterPath!.length + PARAMETER_SUFFIX_MAX > SSM_PARAMETER_NAME_MAX) {
      throw new Error(`\`parameterPath\` must be at most ${SSM_PARAMETER_NAME_MAX - PARAMETER_SUFFIX_MAX} characters long (SSM's ${SSM_PARAMETER_NAME_MAX} with the names under it), ` +
        `got ${props.parameterPath!.length}.`);
    }
  }

  if (props.customDomain) {
    if (props.domainPrefix !== undefined) {
      throw new Error(`\`domainPrefix\` and \`customDomain\` cannot be combined: a user pool has one domain (got domainPrefix ${received(props.domainPrefix)} ` +
        `and customDomain ${received(props.customDomain.domainName)}).`);
    }
    checkPattern('customDomain.domainName', props.customDomain.domainName, HOSTNAME_PATTERN,
      'a fully qualified domain name such as "login.labeling.example.com"');
    const arn = props.customDomain.certificate.certificateArn;
    const region = isKnown(arn) ? arn.split(':')[3] : undefined;
    if (region !== undefined && region !== 'us-east-1') {
      throw new Error(`\`customDomain.certificate\` must be an ACM certificate in us-east-1 (Cognito serves custom domains through CloudFront), got one in ${region}: ${received(arn)}.`);
    }
  }

  if (props.webAclArn !== undefined && props.createWebAcl === true) {
    throw new Error(`\`webAclArn\` and \`createWebAcl: true\` cannot be combined: a user pool has one web ACL (got webAclArn ${received(props.webAclArn)}).`);
  }
  if (isKnown(props.webAclArn) && !/^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional\/webacl\/.+$/.test(props.webAclArn!)) {
    throw new Error(`\`webAclArn\` must be the ARN of a regional WAFv2 web ACL (arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>), got: ${received(props.webAclArn)}.`);
  }
  if (props.webAcl !== undefined && (props.webAclArn !== undefined || props.createWebAcl === false)) {
    throw new Error('`webAcl` configures the web ACL the library creates; it cannot be combined with `webAclArn` or `createWebAcl: false`.');
  }
  validateWebAclProps(props.webAcl ?? {}, 'webAcl.');

  if (props.userPool) {
    const newPoolOnly = (['featurePlan', 'email', 'passwordPolicy'] as const).filter((name) => props[name] !== undefined);
    if (newPoolOnly.length > 0) {
      throw new Error(`\`${newPoolOnly[0]}\` applies only to a user pool the library creates; configure your existing \`userPool\` directly ` +
        `(got ${newPoolOnly.map((name) => `\`${name}\``).join(', ')} together with \`userPool\`).`);
    }
  }

  checkValidity('accessTokenValidity', props.accessTokenValidity, Duration.minutes(5), Duration.days(1));
  checkValidity('idTokenValidity', props.idTokenValidity, Duration.minutes(5), Duration.days(1));
  checkValidity('refreshTokenValidity', props.refreshTokenValidity, Duration.minutes(60), Duration.days(3650));

  for (const [name, urls] of [['additionalCallbackUrls', props.additionalCallbackUrls], ['additionalLogoutUrls', props.additionalLogoutUrls]] as const) {
    for (const url of urls ?? []) {
      if (isKnown(url) && !/^http:\/\/localhost(:\d+)?(\/|$)/.test(url)) {
        checkHttpsUrl(name, url, 1024);
      }
      if (isKnown(url) && url.includes('#')) {
        throw new Error(`\`${name}\` must not have a fragment (#...): Cognito refuses redirect URLs with one, got: ${received(url)}.`);
      }
    }
  }
}

function checkValidity(prop: string, value: Duration | undefined, min: Duration, max: Duration): void {
  if (value === undefined || value.isUnresolved()) {
    return;
  }
  const minutes = value.toMinutes({ integral: false });
  if (minutes < min.toMinutes() || minutes > max.toMinutes()) {
    throw new Error(`\`${prop}\` must be between ${min.toHumanString()} and ${max.toHumanString()}, got: ${value.toHumanString()}.`);
  }
}
