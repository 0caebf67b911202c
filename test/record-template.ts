// Every template a test synthesizes is written to test-reports/templates/ (named by its content's
// hash, so each distinct template once), where `npx projen cfn-lint` lints them after jest.
import { createHash } from 'crypto';
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';

/** Where the tests' templates go (test-reports/ is gitignored; `cfn-lint` empties it). */
export const RECORDED_TEMPLATES = join(__dirname, '..', 'test-reports', 'templates');

/** Writes a synthesized template for cfn-lint; returns its file. */
export function recordTemplate(template: unknown): string {
  const json = JSON.stringify(template, undefined, 1);
  const file = join(RECORDED_TEMPLATES, `${createHash('sha256').update(json).digest('hex').slice(0, 16)}.template.json`);
  mkdirSync(RECORDED_TEMPLATES, { recursive: true });
  writeFileSync(file, json);
  return file;
}
