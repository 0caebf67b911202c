import { checkRange } from './validation';
import type { WorkforceWebAclProps } from '../workforce-web-acl';

/** Limits of a WAF rate-based rule (requests per IP address per evaluation window). */
const RATE_LIMIT_MIN = 10;
const RATE_LIMIT_MAX = 2_000_000_000;

/**
 * Validates web ACL settings; `propPrefix` names where they came from (for example `webAcl.`).
 */
export function validateWebAclProps(props: WorkforceWebAclProps, propPrefix = ''): void {
  checkRange(`${propPrefix}rateLimit`, props.rateLimit, RATE_LIMIT_MIN, RATE_LIMIT_MAX);
}
