import { planAccess, PlanInput, poolIdentity, PoolUser } from '../../src/handlers/access-plan';
import type { WorkerRecord } from '../../src/handlers/types';

// The plan is a pure function: these tests give it a list, a pool and a policy, and read what it
// would do. The same function runs in the handler (through the simulator's tests) and in the plan
// command.

const DAY = 86_400_000;
const worker = (name: string, groups?: string[]): WorkerRecord => ({ username: name, email: `${name}@example.com`, ...(groups ? { groups } : {}) });
const user = (name: string, extra: Partial<PoolUser> = {}): PoolUser => ({
  username: name, sub: `sub-${name}`, email: `${name}@example.com`, enabled: true, status: 'CONFIRMED', createdAt: 0, modifiedAt: 0, ...extra,
});
const USERNAMES = poolIdentity({});
const EMAILS = poolIdentity({ UsernameAttributes: ['email'], UsernameConfiguration: { CaseSensitive: false } });

function input(overrides: Partial<PlanInput> & { users?: PoolUser[]; groups?: Record<string, string[]>; disabled?: string[] }): PlanInput {
  const { users = [], groups = {}, disabled = [], ...rest } = overrides;
  return {
    workers: [],
    pool: { identity: USERNAMES, users, groups, disabledBySender: new Map(disabled.map((sub) => [sub, 0])), now: 0 },
    policy: 'RETAIN',
    phase: 'DEPLOY',
    managedGroups: Object.keys(groups),
    poolOwned: true,
    adoptExistingUsers: false,
    sendsEmails: true,
    allowLargeRemovals: false,
    ...rest,
    ...(rest.pool ? {} : {}),
  };
}
const withIdentity = (i: PlanInput, identity = EMAILS): PlanInput => ({ ...i, pool: { ...i.pool, identity } });

describe('identity as the pool has it', () => {
  test('the pool\'s sign-in rules: user names, generated names, phone numbers, case, passwords, sender', () => {
    expect(poolIdentity({})).toEqual({ keyedBy: 'username', caseSensitive: true, temporaryPasswordDays: 7, defaultEmailSender: true, emailIsAlias: false });
    expect(poolIdentity({ UsernameAttributes: ['email'], AliasAttributes: [] })).toMatchObject({ keyedBy: 'email' });
    expect(poolIdentity({ UsernameAttributes: ['phone_number', 'email'] })).toMatchObject({ keyedBy: 'email' });
    expect(poolIdentity({ UsernameAttributes: ['phone_number'] })).toMatchObject({ keyedBy: 'phone_number' });
    expect(poolIdentity({ AliasAttributes: ['email'], UsernameConfiguration: { CaseSensitive: false } })).toMatchObject({ keyedBy: 'username', caseSensitive: false, emailIsAlias: true });
    expect(poolIdentity({ Policies: { PasswordPolicy: { TemporaryPasswordValidityDays: 0 } } }).temporaryPasswordDays).toBe(7); // 0 is the default
    expect(poolIdentity({ Policies: { PasswordPolicy: { TemporaryPasswordValidityDays: 3 } }, EmailConfiguration: { EmailSendingAccount: 'DEVELOPER' } }))
      .toMatchObject({ temporaryPasswordDays: 3, defaultEmailSender: false });
  });

  test('in a pool that signs in with the email, users are found by their email, not by the name the list gives', () => {
    // Cognito named them itself (a UUID); the list's user names never match.
    const users = [user('a1b2', { email: 'ana@example.com' }), user('c3d4', { email: 'Bo@Example.com' })];
    const plan = planAccess(withIdentity(input({ workers: [worker('ana'), worker('bo'), worker('cy')], users, policy: 'DISABLE' }), poolIdentity({ UsernameAttributes: ['email'] })));
    expect(plan.invite).toEqual([2]); // Bo@Example.com is bo@example.com, in a case-sensitive pool too
    expect(plan.disable).toEqual([]);
    expect(plan.changeEmail).toEqual([]);
    expect(plan.left.unchanged).toBe(2);
  });

  test('negative control: keyed by user name, the same pool looks like strangers, and DISABLE would lock everyone out', () => {
    const users = [user('a1b2', { email: 'ana@example.com' }), user('c3d4', { email: 'bo@example.com' })];
    const plan = planAccess(input({ workers: [worker('ana'), worker('bo')], users, policy: 'DISABLE', allowLargeRemovals: true }));
    expect(plan.invite).toEqual([0, 1]);
    expect(plan.disable.map((u) => u.username)).toEqual(['a1b2', 'c3d4']);
  });

  test('a case-sensitive pool tells Alice from alice; a case-insensitive one does not', () => {
    const users = [user('alice', { email: 'alice@example.com' })];
    const workers = [{ username: 'Alice', email: 'alice@example.com' }];
    expect(planAccess(input({ workers, users })).invite).toEqual([0]);
    expect(planAccess(withIdentity(input({ workers, users }), poolIdentity({ UsernameConfiguration: { CaseSensitive: false } }))).invite).toEqual([]);
  });

  test('a pool that signs in with phone numbers only is refused, before anything is written', () => {
    const plan = planAccess(withIdentity(input({ workers: [worker('ana')] }), poolIdentity({ UsernameAttributes: ['phone_number'] })));
    expect(plan.refusal).toMatch(/signs in with phone numbers only/);
    expect(plan.invite).toEqual([]);
  });

  test('emails as user names in a pool with the email as alias are refused, naming the worker by place only', () => {
    const plan = planAccess(withIdentity(input({ workers: [worker('ana'), { username: 'bo@example.com', email: 'bo@example.com' }] }), poolIdentity({ AliasAttributes: ['email'] })));
    expect(plan.refusal).toBe('Worker #2 of the list has an email as user name (`emailAsUsername`), but the user pool signs in with user names and has the email as an alias, ' +
      'where Cognito refuses user names that look like an email: leave emailAsUsername off for this pool.');
  });
});

describe('removals', () => {
  const users = ['a', 'b', 'c', 'd'].map((n) => user(n));
  test.each([
    ['RETAIN', [], []],
    ['DISABLE', ['d'], []],
    ['DELETE', [], ['d']],
  ] as const)('%s: who leaves the list', (policy, disabled, deleted) => {
    const plan = planAccess(input({ workers: ['a', 'b', 'c'].map((n) => worker(n)), users, policy }));
    expect(plan.disable.map((u) => u.username)).toEqual(disabled);
    expect(plan.delete.map((u) => u.username)).toEqual(deleted);
    expect(plan.refusal).toBeUndefined();
  });

  test('more than half of the pool is refused unless allowed, in deploys', () => {
    const plan = planAccess(input({ workers: [worker('a')], users, policy: 'DISABLE' }));
    expect(plan.refusal).toBe('This deploy would disable 3 of the 4 users who can sign in to the pool, more than half. Refused: check the worker list, or set `allowLargeRemovals: true` for this deploy.');
    expect(planAccess(input({ workers: [worker('a')], users, policy: 'DISABLE', allowLargeRemovals: true })).refusal).toBeUndefined();
  });

  test('a rollback removes only the users the rolled-back deploy created, and the guard does not count them', () => {
    const pool = [user('a'), user('b'), user('old', { createdAt: 10 }), ...['n1', 'n2', 'n3'].map((n) => user(n, { createdAt: 101 }))];
    const plan = planAccess(input({ workers: [worker('a'), worker('b')], users: pool, policy: 'DELETE', phase: 'ROLLBACK', rolledBackSince: 100 }));
    expect(plan.delete.map((u) => u.username)).toEqual(['n1', 'n2', 'n3']);
    expect(plan.left.notOurs).toBe(1); // 'old' waits for the next deploy
    expect(plan.refusal).toBeUndefined();
    // Without the rolled-back operation's start, a rollback removes nobody.
    expect(planAccess(input({ workers: [worker('a')], users: pool, policy: 'DELETE', phase: 'ROLLBACK' })).delete).toEqual([]);
  });

  test('federated users and users already disabled are left alone', () => {
    const pool = [user('a'), user('Google_1', { status: 'EXTERNAL_PROVIDER' }), user('x', { enabled: false })];
    const plan = planAccess(input({ workers: [worker('a')], users: pool, policy: 'DISABLE' }));
    expect(plan.disable).toEqual([]);
    expect(plan.left).toMatchObject({ federated: 1, notOurs: 1 });
  });

  test('the stack\'s deletion removes the listed workers only', () => {
    const pool = [user('a'), user('b', { enabled: false }), user('x')];
    expect(planAccess(input({ workers: [worker('a'), worker('b')], users: pool, policy: 'DISABLE', phase: 'STACK_DELETE' })).disable.map((u) => u.username)).toEqual(['a']);
    expect(planAccess(input({ workers: [worker('a'), worker('b')], users: pool, policy: 'DELETE', phase: 'STACK_DELETE' })).delete.map((u) => u.username)).toEqual(['a', 'b']);
  });

  test('an empty list under an authoritative policy is refused', () => {
    expect(planAccess(input({ workers: [], users, policy: 'DELETE' })).refusal).toMatch(/The worker list is empty and removedWorkers is DELETE/);
  });
});

describe('re-enabling follows who disabled, under any policy', () => {
  test.each(['RETAIN', 'DISABLE', 'DELETE'] as const)('%s: the sender\'s own disable is undone, an administrator\'s is kept', (policy) => {
    const pool = [user('mine', { enabled: false }), user('admins', { enabled: false }), user('back', { enabled: true })];
    const plan = planAccess(input({ workers: ['mine', 'admins', 'back'].map((n) => worker(n)), users: pool, policy, disabled: ['sub-mine', 'sub-back'] }));
    expect(plan.enable.map((u) => u.username)).toEqual(['mine']);
    expect(plan.left.adminDisabled).toBe(1);
    expect(plan.forget).toEqual(['sub-back']); // enabled by someone since: the record goes
  });
});

describe('expired invitations', () => {
  const pending = (name: string, modifiedAt: number) => user(name, { status: 'FORCE_CHANGE_PASSWORD', modifiedAt });
  test('a temporary password older than the pool\'s validity gets a new invitation; a fresh one does not', () => {
    const pool = [pending('old', 0), pending('fresh', 6 * DAY)];
    const plan = planAccess({ ...input({ workers: [worker('old'), worker('fresh')], users: pool }), pool: { identity: USERNAMES, users: pool, groups: {}, disabledBySender: new Map(), now: 8 * DAY } });
    expect(plan.resend.map((u) => u.username)).toEqual(['old']);
  });

  test('Cognito\'s default sender: resends take what invitations leave of 50 a day, the rest wait', () => {
    const pool = Array.from({ length: 60 }, (_, i) => pending(`p${i}`, 0));
    const workers = [...pool.map((u) => worker(u.username)), ...Array.from({ length: 20 }, (_, i) => worker(`new${i}`))];
    const at = (identity: typeof USERNAMES) => ({
      ...input({ workers }), pool: { identity, users: pool, groups: {}, disabledBySender: new Map<string, number>(), now: 8 * DAY },
    });
    const plan = planAccess(at(USERNAMES));
    expect(plan.invite).toHaveLength(20);
    expect(plan.resend).toHaveLength(30);
    expect(plan.resendsDeferred).toBe(30);
    const ses = poolIdentity({ EmailConfiguration: { EmailSendingAccount: 'DEVELOPER' } });
    expect(planAccess(at(ses)).resend).toHaveLength(60);
  });

  test('no resend without invitation emails (SuppressEmails), nor for a disabled user', () => {
    const pool = [pending('a', 0), { ...pending('b', 0), enabled: false }];
    const base = { ...input({ workers: [worker('a'), worker('b')] }), pool: { identity: USERNAMES, users: pool, groups: {}, disabledBySender: new Map<string, number>(), now: 8 * DAY } };
    expect(planAccess({ ...base, sendsEmails: false }).resend).toEqual([]);
    expect(planAccess(base).resend.map((u) => u.username)).toEqual(['a']);
  });
});

describe('groups and emails', () => {
  test('members are exactly the workers listed for the group; new workers join once invited', () => {
    const pool = [user('a'), user('b'), user('c')];
    const plan = planAccess(input({ workers: [worker('a', ['team']), worker('b'), worker('n', ['team'])], users: pool, groups: { team: ['b', 'c'] } }));
    expect(plan.addToGroup).toEqual([{ group: 'team', worker: 0, username: 'a' }, { group: 'team', worker: 2 }]);
    expect(plan.removeFromGroup).toEqual([{ group: 'team', username: 'b' }, { group: 'team', username: 'c' }]);
  });

  test('a changed email is applied in a pool of the app, refused in another without adoptExistingUsers, never naming the worker', () => {
    const pool = [user('bo', { email: 'someone.else@example.com' })];
    expect(planAccess(input({ workers: [worker('bo')], users: pool })).changeEmail).toEqual([{ username: 'bo', sub: 'sub-bo', worker: 0 }]);
    const refused = planAccess(input({ workers: [worker('bo')], users: pool, poolOwned: false }));
    expect(refused.refusal).toBe('Worker #1 of the list already exists in the user pool with another email. The pool is not created by this app, so its users are not taken over: ' +
      'give the worker another user name, or set `adoptExistingUsers: true` to make the listed email theirs.');
    expect(planAccess(input({ workers: [worker('bo')], users: pool, poolOwned: false, adoptExistingUsers: true })).refusal).toBeUndefined();
  });

  test('a Delete that is no departure plans nothing', () => {
    const plan = planAccess(input({ workers: [worker('a')], users: [user('x')], policy: 'DELETE', phase: 'KEEP' }));
    expect([plan.invite, plan.delete, plan.disable]).toEqual([[], [], []]);
  });
});
