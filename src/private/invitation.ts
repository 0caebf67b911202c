import { Annotations, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { COGNITO_INVITE_MESSAGE_MAX, COGNITO_INVITE_MESSAGE_PATTERN } from './aws-limits';
import { received } from './validation';
import type { InvitationMessage } from '../invitation-message';
import type { InvitationSenderProps } from '../invitation-sender';

export const PORTAL_URL_PLACEHOLDER = '{portalUrl}';
export const DEFAULT_INVITATION_SUBJECT = 'You are invited to a labeling workforce';
export const DEFAULT_INVITATION_BODY =
  'You are invited to work on labeling tasks. Sign in at {portalUrl} with the user name {username} ' +
  'and the temporary password {####}. You will choose a new password and set up an authenticator app ' +
  'for multi-factor authentication.';
/** What stands for the portal URL in the template, before the workforce exists. */
export const PORTAL_URL_PENDING = 'the labeling portal';

const MAX_SUBJECT = 140;
/** The longest portal URL: https://<10 characters>.labeling.<Region>.sagemaker.aws, with room. */
const PORTAL_URL_MAX = 80;

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
    // Cognito's limit counts the message with the portal URL in it, once per {portalUrl}.
    const occurrences = emailBody.split(PORTAL_URL_PLACEHOLDER).length - 1;
    const budget = COGNITO_INVITE_MESSAGE_MAX - occurrences * (PORTAL_URL_MAX - PORTAL_URL_PLACEHOLDER.length);
    if (emailBody.length > budget) {
      throw new Error(`\`invitation.emailBody\` must be at most ${budget} characters long: Cognito allows ${COGNITO_INVITE_MESSAGE_MAX} with the portal URL ` +
        `(up to ${PORTAL_URL_MAX} characters) in place of each of its ${occurrences} {portalUrl}, got ${emailBody.length}.`);
    }
    if (!new RegExp(`^${COGNITO_INVITE_MESSAGE_PATTERN}$`, 'u').test(emailBody)) {
      throw new Error(`\`invitation.emailBody\` must not contain control or invisible characters (Cognito's pattern ${COGNITO_INVITE_MESSAGE_PATTERN}), got: ${received(emailBody.slice(0, 60))}.`);
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

/** The sender settings a workforce construct passes on to the InvitationSender it makes (which checks them). */
export type SenderOptions = Pick<InvitationSenderProps,
'removedWorkers' | 'removeWorkersOnStackDelete' | 'allowLargeRemovals' | 'adoptExistingUsers' | 'emailAsUsername' | 'sendInvitationEmails'>;

/** Picks the sender settings out of a workforce construct's props. */
export function senderOptions(props: SenderOptions): SenderOptions {
  return {
    removedWorkers: props.removedWorkers,
    removeWorkersOnStackDelete: props.removeWorkersOnStackDelete,
    allowLargeRemovals: props.allowLargeRemovals,
    adoptExistingUsers: props.adoptExistingUsers,
    emailAsUsername: props.emailAsUsername,
    sendInvitationEmails: props.sendInvitationEmails,
  };
}
