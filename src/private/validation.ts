import { Names, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { parseCidr } from '../handlers/lists';

/**
 * Renders a received value for an error message: strings quoted, everything else as JSON.
 */
export function received(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value);
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** True when a value can be checked at synth time (present and not a token). */
export function isKnown(value: unknown): boolean {
  if (value === undefined || value === null) {
    return false;
  }
  return !Token.isUnresolved(value);
}

/**
 * Throws when a known string does not match a pattern.
 */
export function checkPattern(prop: string, value: string | undefined, pattern: RegExp, meaning: string): void {
  if (isKnown(value) && !pattern.test(value!)) {
    throw new Error(`\`${prop}\` must be ${meaning} (pattern ${pattern.source}), got: ${received(value)}.`);
  }
}

/**
 * Throws when a known string is shorter or longer than allowed.
 */
export function checkLength(prop: string, value: string | undefined, min: number, max: number): void {
  if (isKnown(value) && (value!.length < min || value!.length > max)) {
    throw new Error(`\`${prop}\` must be ${min} to ${max} characters long, got ${value!.length}: ${received(value)}.`);
  }
}

/**
 * Throws when a list (whose length is known) has fewer or more items than allowed.
 */
export function checkCount(prop: string, items: readonly unknown[] | undefined, min: number, max: number): void {
  if (items === undefined || Token.isUnresolved(items)) {
    return;
  }
  if (items.length < min || items.length > max) {
    throw new Error(`\`${prop}\` must have ${min === max ? min : `${min} to ${max}`} item(s), got ${items.length}: ${received(items)}.`);
  }
}

/**
 * The address family of a CIDR block, or undefined when it is not a CIDR block as SageMaker's API
 * model takes it (a prefix length without leading zeros: "10.0.0.0/024" is refused).
 */
export function cidrFamily(cidr: string): 'ipv4' | 'ipv6' | undefined {
  return parseCidr(cidr)?.family;
}

/**
 * Checks an `https://` URL within a maximum length.
 */
export function checkHttpsUrl(prop: string, value: string | undefined, maxLength: number): void {
  if (!isKnown(value)) {
    return;
  }
  let url: URL | undefined;
  try {
    url = new URL(value!);
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'https:' || !url.hostname) {
    throw new Error(`\`${prop}\` must be an https:// URL, got: ${received(value)}.`);
  }
  if (value!.length > maxLength) {
    throw new Error(`\`${prop}\` must be at most ${maxLength} characters long, got ${value!.length}: ${received(value)}.`);
  }
}

/**
 * Throws when a known number is not an integer within a range.
 */
export function checkRange(prop: string, value: number | undefined, min: number, max: number): void {
  if (isKnown(value) && (!Number.isInteger(value) || value! < min || value! > max)) {
    throw new Error(`\`${prop}\` must be a whole number from ${min} to ${max}, got: ${received(value)}.`);
  }
}

/**
 * A name derived from the construct path (letters, digits and hyphens, at most 63 characters,
 * no hyphen at either end): stable as long as the path is. Throws, naming `prop`, when the result
 * does not match `pattern`.
 */
export function derivedName(scope: IConstruct, pattern: RegExp, prop: string): string {
  const name = Names.uniqueResourceName(scope, { maxLength: 63, separator: '-' })
    .replace(/[^a-zA-Z0-9-]/g, '')
    .replace(/^-+|-+$/g, '');
  if (!pattern.test(name)) {
    throw new Error(`Cannot derive a valid ${prop} from the construct path "${scope.node.path}"; set \`${prop}\`.`);
  }
  return name;
}
