/**
 * What happens to users of the pool that are no longer on the worker list.
 */
export enum WorkerRemovalPolicy {
  /** Keep them as they are. */
  RETAIN = 'RETAIN',
  /**
   * Disable them (they cannot sign in; re-listing a worker enables the account again). The list is
   * then authoritative: every user of the pool that is not on it is disabled, except federated users.
   */
  DISABLE = 'DISABLE',
  /**
   * Delete them. The list is then authoritative: every user of the pool that is not on it is
   * deleted, except federated users.
   */
  DELETE = 'DELETE',
}
