import { SecretValue } from 'aws-cdk-lib';
import { WorkforceOidcConfig } from '../src';

/** A valid OIDC configuration whose secret comes from Secrets Manager. */
export const OIDC: WorkforceOidcConfig = {
  clientId: 'workforce_client',
  clientSecret: SecretValue.secretsManager('labeling/oidc-client-secret'),
  issuer: 'https://idp.example.com',
  authorizationEndpoint: 'https://idp.example.com/authorize',
  tokenEndpoint: 'https://idp.example.com/token',
  userInfoEndpoint: 'https://idp.example.com/userinfo',
  logoutEndpoint: 'https://idp.example.com/logout',
  jwksUri: 'https://idp.example.com/.well-known/jwks.json',
};
