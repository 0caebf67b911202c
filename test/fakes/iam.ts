/*
 * IAM for the CloudFormation simulator: the identity policies attached to roles, as the stack's
 * AWS::IAM::Policy resources and the roles' inline `Policies` make them at any moment of a deploy,
 * and the check a fake service runs before answering the handler. Only what the library's
 * policies use: Allow statements with Action and Resource (wildcards `*` and `?`); a statement
 * with anything else (Deny, NotAction, NotResource, Condition) fails loudly instead of guessing.
 */

type Json = Record<string, any>;

/** A denied request, as the services answer it. */
export class AccessDenied extends Error {
  constructor(public readonly action: string, public readonly resource: string, principal: string) {
    super(`User: ${principal} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`);
    this.name = 'AccessDeniedException';
  }
}

/** Asks whether the caller may make `action` on `resource`; throws AccessDenied when not. */
export type Authorizer = (action: string, resource: string) => void;

/** The policies of the stack's roles. */
export class IamPolicies {
  /** Policy documents by the resource that holds them (a policy's or role's logical id). */
  private readonly documents = new Map<string, { roles: string[]; statements: Json[] }>();

  /** Records (or replaces) the statements a resource attaches to roles. */
  public attach(holder: string, roles: string[], document: Json | undefined): void {
    const statements = [document?.Statement ?? []].flat();
    for (const statement of statements) {
      const unsupported = Object.keys(statement).filter((k) => !['Effect', 'Action', 'Resource', 'Sid'].includes(k));
      if (statement.Effect !== 'Allow' || unsupported.length > 0) {
        throw new Error(`The IAM simulation supports Allow statements with Action and Resource only, got ${JSON.stringify(statement)}`);
      }
    }
    this.documents.set(holder, { roles, statements });
  }

  /** Removes the statements of a resource (the policy was deleted). */
  public detach(holder: string): void {
    this.documents.delete(holder);
  }

  /** An authorizer for a role, as the fakes call it. */
  public authorizerFor(roleName: () => string | undefined, account: string): Authorizer {
    return (action, resource) => {
      const role = roleName();
      if (!role || !this.allows(role, action, resource)) {
        throw new AccessDenied(action, resource, `arn:aws:sts::${account}:assumed-role/${role ?? 'unknown'}/handler`);
      }
    };
  }

  /** True when some statement attached to `role` allows `action` on `resource`. */
  public allows(role: string, action: string, resource: string): boolean {
    for (const { roles, statements } of this.documents.values()) {
      if (!roles.includes(role)) {
        continue;
      }
      for (const statement of statements) {
        const actions: string[] = [statement.Action].flat();
        const resources: string[] = [statement.Resource].flat();
        if (actions.some((a) => matches(a, action, true)) && resources.some((r) => matches(r, resource, false))) {
          return true;
        }
      }
    }
    return false;
  }
}

/** IAM wildcard matching: `*` any run of characters, `?` one; actions are case-insensitive. */
function matches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const re = new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`, ignoreCase ? 'i' : '');
  return re.test(value);
}
