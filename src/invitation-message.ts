/**
 * The email that invites a worker to the workforce.
 *
 * Placeholders: `{username}` (the worker's user name), `{####}` (the temporary password) and
 * `{portalUrl}` (the labeling portal URL, filled in once the workforce exists).
 *
 * @see https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_MessageTemplateType.html
 */
export interface InvitationMessage {
  /**
   * The subject, 1 to 140 characters.
   *
   * @default 'You are invited to a labeling workforce'
   */
  readonly emailSubject?: string;

  /**
   * The body. It must contain `{username}` and `{####}`, and should contain `{portalUrl}`.
   *
   * @default - a short text with the portal URL, the user name, the temporary password and a note on MFA
   */
  readonly emailBody?: string;
}
