// Every template a test synthesizes is written to test-reports/templates/ (named by its content's
// hash, so each distinct template once), where `npx projen cfn-lint` lints them after jest.
import { createHash } from 'crypto';
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';

/** Where the tests' templates go (test-reports/ is gitignored; `cfn-lint` empties it). */
export const RECORDED_TEMPLATES = join(__dirname, '..', 'test-reports', 'templates');

/**
 * Writes a synthesized template for cfn-lint; returns its file. Templates that differ only in
 * the workers listed inline (a custom resource's property, which cfn-lint cannot judge) are one:
 * the generated sequences of the property tests deploy thousands of those.
 */
export function recordTemplate(template: unknown): string {
  const json = JSON.stringify(template, undefined, 1);
  const shape = JSON.stringify(template, (key, value) => (key === 'Inline' && Array.isArray(value) ? value.length > 0 : value));
  const file = join(RECORDED_TEMPLATES, `${createHash('sha256').update(shape).digest('hex').slice(0, 16)}.template.json`);
  mkdirSync(RECORDED_TEMPLATES, { recursive: true });
  writeFileSync(file, json);
  return file;
}
