import * as accessPlan from '../../src/handlers/access-plan';
import * as fence from '../../src/handlers/fence';

// Defects planted back into the real handler, for negative controls: each test that guards against
// one shows it failing with the defect in place.

/** The handler before the identity change: users keyed by the list's user names, in every pool. */
export function plantUsernameKeying(): jest.SpyInstance {
  return jest.spyOn(accessPlan, 'poolIdentity').mockImplementation((pool) => ({
    keyedBy: 'username', caseSensitive: pool.UsernameConfiguration?.CaseSensitive !== false, temporaryPasswordDays: 7, defaultEmailSender: true, emailIsAlias: false,
  }));
}

/** The handler before the fence: every event, every delivery and every run writes. */
export function plantNoFence(): jest.SpyInstance {
  return jest.spyOn(fence, 'claimOperation').mockImplementation(async (request) => ({
    requestId: request.requestId,
    run: request.run,
    previous: undefined,
    guard: async () => undefined,
    handOff: async () => undefined,
    release: async () => undefined,
  }));
}
