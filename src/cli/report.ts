import type { SenderPlan } from './live-plan';
import type { AccessPlan, PoolUser } from '../handlers/access-plan';

/** The kinds of change a plan makes to people's access, as the command names them. */
export const CHANGE_KINDS = ['invite', 'resend', 'email', 'enable', 'disable', 'delete', 'join', 'leave'] as const;
export type ChangeKind = typeof CHANGE_KINDS[number];

/** How each kind reads in a table. */
const LABELS: Record<ChangeKind, string> = {
  invite: 'invited',
  resend: 'invitation sent again (expired)',
  email: 'email changed',
  enable: 're-enabled',
  disable: 'disabled',
  delete: 'deleted',
  join: 'added to a team',
  leave: 'removed from a team',
};

/** `--fail-on` shorthands. */
const ALIASES: Record<string, ChangeKind[]> = { remove: ['disable', 'delete'], any: [...CHANGE_KINDS], team: ['join', 'leave'] };

/** The kinds a `--fail-on` value names; throws on an unknown one. */
export function parseKinds(value: string): ChangeKind[] {
  return [...new Set(value.split(',').map((v) => v.trim()).filter(Boolean).flatMap((v) => {
    if (ALIASES[v]) {
      return ALIASES[v];
    }
    if (!(CHANGE_KINDS as readonly string[]).includes(v)) {
      throw new Error(`--fail-on takes ${[...CHANGE_KINDS, ...Object.keys(ALIASES)].join(', ')} (comma-separated), got ${JSON.stringify(v)}.`);
    }
    return [v as ChangeKind];
  }))];
}

/** The people of each kind of change, by email (or, for a user without one, the pool's user name). */
export function changesOf(result: SenderPlan): Record<ChangeKind, string[]> {
  const { plan, sender, snapshot } = result;
  const byName = new Map<string, PoolUser>(snapshot.users.map((u) => [u.username, u]));
  const who = (username: string) => byName.get(username)?.email ?? username;
  const worker = (index: number) => sender.workers[index].email;
  return {
    invite: plan.invite.map(worker),
    resend: plan.resend.map((u) => worker(u.worker)),
    email: plan.changeEmail.map((u) => `${who(u.username)} -> ${worker(u.worker)}`),
    enable: plan.enable.map((u) => who(u.username)),
    disable: plan.disable.map((u) => who(u.username)),
    delete: plan.delete.map((u) => who(u.username)),
    join: plan.addToGroup.map((m) => `${m.worker !== undefined ? worker(m.worker) : who(m.username!)} (${m.group})`),
    leave: plan.removeFromGroup.map((m) => `${who(m.username!)} (${m.group})`),
  };
}

/** How many changes of the given kinds a plan makes. */
export function countOf(plan: AccessPlan, kinds: readonly ChangeKind[]): number {
  const counts: Record<ChangeKind, number> = {
    invite: plan.invite.length,
    resend: plan.resend.length,
    email: plan.changeEmail.length,
    enable: plan.enable.length,
    disable: plan.disable.length,
    delete: plan.delete.length,
    join: plan.addToGroup.length,
    leave: plan.removeFromGroup.length,
  };
  return kinds.reduce((n, k) => n + counts[k], 0);
}

/** One line per sender: where, and what changes, counts first. */
export function summaryLine(result: SenderPlan, offline: boolean): string {
  const { sender, plan } = result;
  const pool = result.poolId ?? (offline || result.deployed ? 'of the stack' : 'made by this deploy');
  const where = `${sender.stack.stackName} ${sender.path} (pool ${pool}, ${sender.settings.policy}` +
    `${offline ? ', offline' : result.deployed ? '' : ', not deployed yet'})`;
  const parts = CHANGE_KINDS.map((k) => [countOf(plan, [k]), LABELS[k]] as const).filter(([n]) => n > 0).map(([n, label]) => `${n} ${label}`);
  const refused = plan.refusal ? ` The deploy would be refused: ${plan.refusal}` : '';
  return `${where}: ${parts.length ? parts.join(', ') : 'no change'}; ${plan.left.unchanged} unchanged.${refused}`;
}

/** The table of changes and of who is left alone (and why); names only when asked for. */
export function table(result: SenderPlan, showNames: boolean): string {
  const { plan } = result;
  const changes = changesOf(result);
  const rows: Array<[string, number, string[]]> = CHANGE_KINDS.map((k) => [LABELS[k], changes[k].length, changes[k]]);
  rows.push(
    ['left alone: disabled by an administrator', plan.left.adminDisabled, []],
    ['left alone: signed in through a federated identity provider', plan.left.federated, []],
    ['left alone: not on the list (RETAIN, or not this deploy\'s to judge)', plan.left.notOurs, []],
  );
  if (plan.resendsDeferred > 0) {
    rows.push(['expired invitations left for a later day (email quota)', plan.resendsDeferred, []]);
  }
  const lines = ['| change | workers |', '| --- | ---: |', ...rows.filter(([, n]) => n > 0).map(([label, n]) => `| ${label} | ${n} |`)];
  if (showNames) {
    for (const [label, n, names] of rows) {
      if (n > 0 && names.length > 0) {
        lines.push('', `${label}:`, ...names.map((name) => `- ${name}`));
      }
    }
  }
  return lines.join('\n');
}

/** The machine-readable form (`--json`). */
export function asJson(results: readonly SenderPlan[], showNames: boolean, offline: boolean): Record<string, unknown> {
  return {
    offline,
    changes: results.reduce((n, r) => n + countOf(r.plan, CHANGE_KINDS), 0),
    senders: results.map((r) => ({
      stack: r.sender.stack.stackName,
      path: r.sender.path,
      logicalId: r.sender.logicalId,
      poolId: r.poolId ?? null,
      policy: r.sender.settings.policy,
      deployed: r.deployed,
      refusal: r.plan.refusal ?? null,
      counts: {
        ...Object.fromEntries(CHANGE_KINDS.map((k) => [k, countOf(r.plan, [k])])),
        unchanged: r.plan.left.unchanged,
        adminDisabled: r.plan.left.adminDisabled,
        federated: r.plan.left.federated,
        notOurs: r.plan.left.notOurs,
        resendsDeferred: r.plan.resendsDeferred,
      },
      ...(showNames ? { names: changesOf(r) } : {}),
    })),
  };
}
