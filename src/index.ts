export * from './invitation-message';
export * from './workforce-web-acl';
export * from './cognito-backbone';
export * from './workforce-resource';
export * from './workers';
export * from './callback-reconciler';
export * from './invitation-sender';
export * from './private-workforce';
