import { checkCount, checkPattern, checkRange, received } from './validation';
import type { WorkforceWebAclProps } from '../workforce-web-acl';

/** Limits of a WAF rate-based rule (requests per IP address per evaluation window). */
const RATE_LIMIT_MIN = 10;
const RATE_LIMIT_MAX = 2_000_000_000;
/** The priorities of the library's own rules (country allow-list, 3 managed groups, rate limit). */
const LIBRARY_PRIORITIES = [0, 1, 2, 3, 4];

/**
 * Validates web ACL settings; `propPrefix` names where they came from (for example `webAcl.`).
 */
export function validateWebAclProps(props: WorkforceWebAclProps, propPrefix = ''): void {
  checkRange(`${propPrefix}rateLimit`, props.rateLimit, RATE_LIMIT_MIN, RATE_LIMIT_MAX);
  checkCount(`${propPrefix}allowedCountryCodes`, props.allowedCountryCodes, 1, 50);
  for (const code of props.allowedCountryCodes ?? []) {
    checkPattern(`${propPrefix}allowedCountryCodes`, code, /^[A-Z]{2}$/, 'ISO 3166 alpha-2 country codes such as "DE"');
  }
  const seen = new Map<number, string>();
  for (const rule of props.extraRules ?? []) {
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
