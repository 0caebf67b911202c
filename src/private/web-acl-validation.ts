import { WAF_COUNTRY_CODES, WAF_RULE_NAME_MAX, WAF_RULE_NAME_PATTERN } from './aws-limits';
import { checkCount, checkRange, isKnown, received } from './validation';
import type { WorkforceWebAclProps } from '../workforce-web-acl';

/** Limits of a WAF rate-based rule (requests per IP address per evaluation window). */
const RATE_LIMIT_MIN = 10;
const RATE_LIMIT_MAX = 2_000_000_000;
/** The priorities of the library's own rules (country allow-list, 3 managed groups, rate limit). */
const LIBRARY_PRIORITIES = [0, 1, 2, 3, 4];
/** The names of the library's own rules (a web ACL's rule names must be unique). */
export const LIBRARY_RULE_NAMES = ['AllowedCountriesOnly', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesAmazonIpReputationList', 'RateLimitPerIp'];

/**
 * Validates web ACL settings; `propPrefix` names where they came from (for example `webAcl.`).
 */
export function validateWebAclProps(props: WorkforceWebAclProps, propPrefix = ''): void {
  checkRange(`${propPrefix}rateLimit`, props.rateLimit, RATE_LIMIT_MIN, RATE_LIMIT_MAX);
  checkCount(`${propPrefix}allowedCountryCodes`, props.allowedCountryCodes, 1, 50);
  for (const code of props.allowedCountryCodes ?? []) {
    // WAF's own list (its API model's CountryCode): ISO 3166-1 alpha-2, so "GB", not "UK".
    if (isKnown(code) && !WAF_COUNTRY_CODES.includes(code)) {
      throw new Error(`\`${propPrefix}allowedCountryCodes\` must contain ISO 3166-1 alpha-2 country codes that WAF knows, such as "DE" or "GB", got: ${received(code)}.`);
    }
  }
  const seen = new Map<number, string>();
  const names = new Set<string>();
  for (const rule of props.extraRules ?? []) {
    if (isKnown(rule.name) && (typeof rule.name !== 'string' || !new RegExp(WAF_RULE_NAME_PATTERN).test(rule.name) || rule.name.length > WAF_RULE_NAME_MAX)) {
      throw new Error(`\`${propPrefix}extraRules\`: a rule name must be 1-${WAF_RULE_NAME_MAX} letters, digits, _ and -, got: ${received(rule.name)}.`);
    }
    if (LIBRARY_RULE_NAMES.includes(rule.name)) {
      throw new Error(`\`${propPrefix}extraRules\`: the name ${received(rule.name)} is one of the library's rules (${LIBRARY_RULE_NAMES.join(', ')}); rule names must be unique.`);
    }
    if (names.has(rule.name)) {
      throw new Error(`\`${propPrefix}extraRules\`: two rules are named ${received(rule.name)}; rule names must be unique.`);
    }
    names.add(rule.name);
    if (isKnown(rule.priority) && (!Number.isInteger(rule.priority) || rule.priority < 0)) {
      throw new Error(`\`${propPrefix}extraRules\`: rule ${received(rule.name)} has priority ${received(rule.priority)}; a priority is a whole number, 0 or more.`);
    }
    if (LIBRARY_PRIORITIES.includes(rule.priority)) {
      throw new Error(`\`${propPrefix}extraRules\`: rule ${received(rule.name)} has priority ${rule.priority}, which the library's rules use ` +
        `(${LIBRARY_PRIORITIES.join(', ')}); use ${Math.max(...LIBRARY_PRIORITIES) + 1} or more.`);
    }
    const other = seen.get(rule.priority);
    if (other !== undefined) {
      throw new Error(`\`${propPrefix}extraRules\`: rules ${received(other)} and ${received(rule.name)} both have priority ${rule.priority}; priorities must be unique.`);
    }
    seen.set(rule.priority, rule.name);
  }
}
