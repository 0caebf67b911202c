import { Annotations, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { received } from './validation';
import type { InvitationMessage } from '../invitation-message';

export const PORTAL_URL_PLACEHOLDER = '{portalUrl}';
export const DEFAULT_INVITATION_SUBJECT = 'You are invited to a labeling workforce';
export const DEFAULT_INVITATION_BODY =
  'You are invited to work on labeling tasks. Sign in at {portalUrl} with the user name {username} ' +
  'and the temporary password {####}. You will choose a new password and set up an authenticator app ' +
  'for multi-factor authentication.';
/** What stands for the portal URL in the template, before the workforce exists. */
export const PORTAL_URL_PENDING = 'the labeling portal';

// Cognito's MessageTemplateType limits; the portal URL adds up to about 80 characters.
const MAX_BODY = 20_000 - 100;
const MAX_SUBJECT = 140;

/** The invitation with defaults applied. */
export interface ResolvedInvitation {
  readonly emailSubject: string;
  readonly emailBody: string;
}

/**
 * Applies defaults and validates an invitation message. Warns when the body has no portal URL.
 */
export function resolveInvitation(scope: IConstruct, message: InvitationMessage | undefined): ResolvedInvitation {
  const emailSubject = message?.emailSubject ?? DEFAULT_INVITATION_SUBJECT;
  const emailBody = message?.emailBody ?? DEFAULT_INVITATION_BODY;
  if (!Token.isUnresolved(emailSubject) && (emailSubject.length < 1 || emailSubject.length > MAX_SUBJECT)) {
    throw new Error(`\`invitation.emailSubject\` must be 1 to ${MAX_SUBJECT} characters long, got ${emailSubject.length}: ${received(emailSubject)}.`);
  }
  if (!Token.isUnresolved(emailBody)) {
    for (const required of ['{username}', '{####}']) {
      if (!emailBody.includes(required)) {
        throw new Error(`\`invitation.emailBody\` must contain ${required} (Cognito refuses invitations without it), got: ${received(emailBody)}.`);
      }
    }
    if (emailBody.length > MAX_BODY) {
      throw new Error(`\`invitation.emailBody\` must be at most ${MAX_BODY} characters long (Cognito's limit less room for the portal URL), got ${emailBody.length}.`);
    }
    if (!emailBody.includes(PORTAL_URL_PLACEHOLDER)) {
      Annotations.of(scope).addWarningV2('cdk-private-workforce:invitationWithoutPortalUrl',
        'invitation.emailBody has no {portalUrl}: invited workers will not learn where to sign in.');
    }
  }
  return { emailSubject, emailBody };
}

/** The invitation body as the template carries it, before the portal URL is known. */
export function templateInvitationBody(body: string): string {
  return body.split(PORTAL_URL_PLACEHOLDER).join(PORTAL_URL_PENDING);
}
