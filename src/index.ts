export * from './invitation-message';
export * from './workforce-web-acl';
export * from './cognito-backbone';
export * from './workforce-resource';
export * from './private-workforce';
