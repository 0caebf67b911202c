import { Token } from 'aws-cdk-lib';
import { received } from './validation';

/*
 * Type checks of props for callers without TypeScript's types (JavaScript, and Python and Java
 * through jsii, where any value can arrive): each prop is checked against what it must be before
 * any other check reads it, so a wrong type gets an error that names the prop, the value and what
 * is allowed, never a TypeError from inside. Tokens pass where their type does (a string token
 * where a string is expected, and so on).
 */

/** What a prop must be. */
export type PropType =
  | 'string'
  | 'number'
  | 'boolean'
  | 'duration'
  | { readonly list: PropType }
  | { readonly record: PropType }
  | { readonly oneOf: readonly unknown[]; readonly named: string }
  | { readonly required: PropType }
  | { readonly like: string; readonly check: (value: any) => boolean }
  | { readonly shape: PropTypes };

/** The props of a construct (or of a nested props object) and what each must be. */
export type PropTypes = Readonly<Record<string, PropType>>;

/** An enum's values (string or numeric enums; a numeric enum's reverse mapping is left out). */
export function enumOf(values: Record<string, string | number>, enumName: string): PropType {
  const members = Object.entries(values).filter(([k]) => !/^\d+$/.test(k));
  return { oneOf: members.map(([, v]) => v), named: members.map(([k]) => `${enumName}.${k}`).join(', ') };
}

/** A prop that must be set. */
export function required(type: PropType): PropType {
  return { required: type };
}

/** A construct or object recognized by a member it must have (duck-typed: copies of aws-cdk-lib may differ). */
export function like(description: string, member: string): PropType {
  return { like: description, check: (value) => value !== null && typeof value === 'object' && member in value };
}

/**
 * Throws unless every prop of `props` that is set has its type. `path` prefixes prop names in
 * messages (for nested props, such as `vpcConfig.`).
 */
export function checkPropTypes(props: unknown, types: PropTypes, path = ''): void {
  if (props === undefined) {
    return;
  }
  if (props === null || typeof props !== 'object' || Array.isArray(props)) {
    throw new Error(`\`${path ? path.replace(/\.$/, '') : 'props'}\` must be an object of props, got: ${describe(props)}.`);
  }
  for (const [name, type] of Object.entries(types)) {
    const value = (props as Record<string, unknown>)[name];
    if (typeof type === 'object' && 'required' in type) {
      if (value === undefined || value === null) {
        throw new Error(`\`${path}${name}\` is required: ${expectation(type.required)}.`);
      }
      checkType(`${path}${name}`, value, type.required);
    } else if (value !== undefined) {
      checkType(`${path}${name}`, value, type);
    }
  }
}

/** What a type asks for, in words. */
function expectation(type: PropType): string {
  if (type === 'string' || type === 'number') {
    return `a ${type}`;
  }
  if (type === 'boolean') {
    return 'true or false';
  }
  if (type === 'duration') {
    return 'a Duration';
  }
  if ('list' in type) {
    return `a list of ${plural(type.list)}`;
  }
  if ('like' in type) {
    return type.like;
  }
  if ('oneOf' in type) {
    return `one of ${type.named}`;
  }
  return 'an object';
}

function checkType(prop: string, value: unknown, type: PropType): void {
  if (Token.isUnresolved(value) && type !== 'boolean' && !(typeof type === 'object' && ('like' in type || 'shape' in type))) {
    return; // a token stands for a value of its type
  }
  const fail = (expected: string) => {
    throw new Error(`\`${prop}\` must be ${expected}, got: ${describe(value)}.`);
  };
  if (type === 'string' || type === 'number') {
    if (typeof value !== type) {
      fail(`a ${type}`);
    }
    if (type === 'number' && !Number.isFinite(value)) {
      fail('a finite number');
    }
    return;
  }
  if (type === 'boolean') {
    if (typeof value !== 'boolean') {
      fail('true or false');
    }
    return;
  }
  if (type === 'duration') {
    if (value === null || typeof value !== 'object' || typeof (value as { toMinutes?: unknown }).toMinutes !== 'function') {
      fail('a Duration (for example Duration.days(7))');
    }
    return;
  }
  if ('list' in type) {
    if (!Array.isArray(value)) {
      fail(`a list of ${plural(type.list)}`);
    }
    (value as unknown[]).forEach((item, i) => checkType(`${prop}[${i}]`, item, type.list));
    return;
  }
  if ('record' in type) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      fail(`an object of ${plural(type.record)} by key`);
    }
    Object.entries(value as Record<string, unknown>).forEach(([k, v]) => checkType(`${prop}.${k}`, v, type.record));
    return;
  }
  if ('oneOf' in type) {
    if (!type.oneOf.includes(value)) {
      fail(`one of ${type.named}`);
    }
    return;
  }
  if ('required' in type) {
    checkType(prop, value, type.required);
    return;
  }
  if ('like' in type) {
    if (!type.check(value)) {
      fail(type.like);
    }
    return;
  }
  checkPropTypes(value, type.shape, `${prop}.`);
}

function plural(type: PropType): string {
  if (type === 'string' || type === 'number') {
    return `${type}s`;
  }
  if (type === 'boolean') {
    return 'booleans';
  }
  if (typeof type === 'object' && 'like' in type) {
    return type.like.replace(/^an? /, '').replace(/ \(.*\)$/, '') + 's';
  }
  if (typeof type === 'object' && 'shape' in type) {
    return 'objects';
  }
  return 'values';
}

/** A value for an error message: the value and what it is. */
function describe(value: unknown): string {
  const kind = value === null ? 'null'
    : Array.isArray(value) ? 'a list'
      : typeof value === 'object' ? 'an object'
        : typeof value === 'boolean' ? 'a boolean'
          : `a ${typeof value}`;
  const text = received(value);
  return `${text.length > 80 ? `${text.slice(0, 77)}...` : text} (${kind})`;
}
