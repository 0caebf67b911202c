import { CfnResource, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Acknowledges a cdk-nag finding that the library's design makes unavoidable, for cdk-nag 3
 * (`Validations.acknowledge`, read by the rule packs) and cdk-nag 2 (`cdk_nag` metadata on the
 * CloudFormation resources), without depending on cdk-nag. Every call is listed in the README.
 *
 * @param scope the construct whose resources the finding is about
 * @param ruleId the rule, e.g. `AwsSolutions-IAM5`
 * @param reason why the design needs it
 * @param finding the finding within the rule, e.g. `Resource::<Handler.Arn>:*`
 */
export function acknowledgeNagFinding(scope: IConstruct, ruleId: string, reason: string, finding?: string): void {
  if (finding?.includes('::')) {
    // Validations.acknowledge refuses "::" in an id (its prefix delimiter), but cdk-nag 3 names
    // granular findings so (`AwsSolutions-IAM5[Resource::*]`) and reads this metadata entry.
    scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [`${ruleId}[${finding}]`]: reason });
  } else {
    Validations.of(scope).acknowledge({ id: finding ? `${ruleId}[${finding}]` : ruleId, reason });
  }
  for (const resource of scope.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c))) {
    const metadata = resource.getMetadata('cdk_nag') ?? {};
    const rules: unknown[] = metadata.rules_to_suppress ?? [];
    rules.push({ id: ruleId, reason, ...(finding ? { applies_to: [finding] } : {}) });
    resource.addMetadata('cdk_nag', { ...metadata, rules_to_suppress: rules });
  }
}
