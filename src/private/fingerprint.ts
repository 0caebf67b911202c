import { createHash } from 'crypto';
import { CfnResource, Lazy, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * What identifies the state CloudFormation writes into a set of resources.
 */
export interface Fingerprint {
  /** A digest of the resources' resolved properties. */
  readonly digest: string;
  /**
   * The deploy-time values (Ref, GetAtt, imports, dynamic references) those properties use, as
   * CloudFormation intrinsics: a change of their values changes this property too.
   */
  readonly inputs: unknown;
}

/**
 * A fingerprint of `resources` as they are at synth time (computed lazily, so that later changes
 * and escape-hatch overrides count). Intrinsics are kept only for resources in `scope`'s stack,
 * to add no cross-stack references.
 */
export function cloudFormationFingerprint(scope: IConstruct, resources: CfnResource[]): Fingerprint {
  const rendered = () => resources.map((resource) => ({ resource, properties: renderedProperties(resource) }));
  return {
    digest: Lazy.string({
      produce: () => createHash('sha256').update(JSON.stringify(rendered().map((r) => r.properties))).digest('hex'),
    }),
    inputs: Lazy.any({
      produce: () => {
        const found = new Map<string, unknown>();
        for (const { resource, properties } of rendered()) {
          if (Stack.of(resource) === Stack.of(scope)) {
            collectIntrinsics(properties, found);
          }
        }
        return [...found.keys()].sort().map((key) => found.get(key));
      },
    }, { omitEmptyArray: true }),
  };
}

/** The properties CloudFormation sees for a resource, overrides included. */
function renderedProperties(resource: CfnResource): unknown {
  // _toCloudFormation() is what the stack itself renders (raw overrides applied); it has been
  // stable since CDK v1 and the fingerprint tests guard it.
  const template = Stack.of(resource).resolve((resource as unknown as { _toCloudFormation(): unknown })._toCloudFormation()) as
    { Resources: Record<string, { Properties?: unknown }> };
  const [body] = Object.values(template.Resources);
  return body?.Properties ?? {};
}

/** Collects every value that only CloudFormation knows (pseudo parameters except). */
function collectIntrinsics(value: unknown, found: Map<string, unknown>): void {
  if (typeof value === 'string') {
    if (value.includes('{{resolve:')) {
      found.set(JSON.stringify(value), value);
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item) => collectIntrinsics(item, found));
    return;
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    const ref = (value as { Ref?: unknown }).Ref;
    if (keys.length === 1 && ((typeof ref === 'string' && !ref.startsWith('AWS::')) || keys[0] === 'Fn::GetAtt' || keys[0] === 'Fn::ImportValue')) {
      found.set(JSON.stringify(value), value);
      return;
    }
    Object.values(value).forEach((item) => collectIntrinsics(item, found));
  }
}
