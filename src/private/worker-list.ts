import { createHash } from 'crypto';
import { COGNITO_EMAIL_PATTERN, COGNITO_USERNAME_MAX, COGNITO_USERNAME_PATTERN } from './aws-limits';
import type { WorkerRecord } from '../handlers/types';

/** Where a worker came from, for error messages. */
export interface WorkerOrigin {
  readonly source: string;
  readonly line?: number;
  readonly index?: number;
}

/** A worker as given, before normalization. */
export interface RawWorker {
  readonly email: unknown;
  readonly username?: unknown;
  readonly origin: WorkerOrigin;
}

/** How user names are made. */
export interface NormalizeOptions {
  /** The pool signs in with the email as user name (UsernameAttributes: email). */
  readonly emailAsUsername?: boolean;
}

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// Cognito's own patterns (its API model): letters, marks, symbols, numbers and punctuation, so no
// control or invisible characters (a zero-width space U+200B is \p{Cf}).
const COGNITO_EMAIL = new RegExp(`^${COGNITO_EMAIL_PATTERN}$`, 'u');
const USERNAME_PATTERN = new RegExp(`^${COGNITO_USERNAME_PATTERN}$`, 'u');
const USERNAME_MAX = COGNITO_USERNAME_MAX;
const EMAIL_MAX = 254;

function where(origin: WorkerOrigin): string {
  if (origin.line !== undefined) {
    return `${origin.source} line ${origin.line}`;
  }
  return origin.index !== undefined ? `${origin.source} item ${origin.index + 1}` : origin.source;
}

/**
 * The user name for an email when none is given: the pool also accepts the email as a sign-in
 * alias, so the user name itself must not look like an email address.
 */
export function usernameForEmail(email: string): string {
  const name = email.trim().toLowerCase().replace('@', '_at_');
  if (name.length <= USERNAME_MAX) {
    return name;
  }
  const digest = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, USERNAME_MAX - 9)}-${digest}`;
}

/**
 * Validates and normalizes workers; rejects duplicates (by email and by user name,
 * case-insensitively) with the place of both occurrences.
 */
export function normalizeWorkers(raw: readonly RawWorker[], options: NormalizeOptions = {}): WorkerRecord[] {
  const byEmail = new Map<string, WorkerOrigin>();
  const byUsername = new Map<string, WorkerOrigin>();
  const result: WorkerRecord[] = [];
  for (const worker of raw) {
    const at = where(worker.origin);
    if (typeof worker.email !== 'string' || !EMAIL_PATTERN.test(worker.email.trim()) || worker.email.trim().length > EMAIL_MAX) {
      throw new Error(`${at}: the email must be an email address of at most ${EMAIL_MAX} characters, got: ${JSON.stringify(worker.email)}.`);
    }
    if (!COGNITO_EMAIL.test(worker.email.trim())) {
      throw new Error(`${at}: the email must not contain control or invisible characters (Cognito refuses them), got: ${JSON.stringify(worker.email)}.`);
    }
    const email = worker.email.trim();
    let username: string;
    if (worker.username === undefined || worker.username === '') {
      username = options.emailAsUsername ? email : usernameForEmail(email);
    } else if (typeof worker.username !== 'string') {
      throw new Error(`${at}: the username must be a string, got: ${JSON.stringify(worker.username)}.`);
    } else {
      username = worker.username.trim();
      if (username.length > USERNAME_MAX || !USERNAME_PATTERN.test(username)) {
        throw new Error(`${at}: the username must be 1-${USERNAME_MAX} letters, digits, symbols or punctuation without spaces, got: ${JSON.stringify(worker.username)}.`);
      }
      if (options.emailAsUsername && username.toLowerCase() !== email.toLowerCase()) {
        throw new Error(`${at}: the user pool signs in with the email as user name, so the username must be the email or empty, got: ${JSON.stringify(worker.username)}.`);
      }
      if (!options.emailAsUsername && username.includes('@')) {
        throw new Error(`${at}: the username must not look like an email address (workers also sign in with their email), got: ${JSON.stringify(worker.username)}.`);
      }
    }
    const emailKey = email.toLowerCase();
    const usernameKey = username.toLowerCase();
    const firstEmail = byEmail.get(emailKey);
    if (firstEmail) {
      throw new Error(`${at}: ${email} is listed twice (first at ${where(firstEmail)}).`);
    }
    const firstUsername = byUsername.get(usernameKey);
    if (firstUsername) {
      throw new Error(`${at}: the username ${username} is listed twice (first at ${where(firstUsername)}).`);
    }
    byEmail.set(emailKey, worker.origin);
    byUsername.set(usernameKey, worker.origin);
    result.push({ username, email });
  }
  return result;
}

/**
 * Parses a CSV worker list: a header row with an `email` column and optionally a `username`
 * column, then one worker per row. Quoted fields may contain commas and doubled quotes.
 */
export function parseWorkersCsv(text: string, source: string): RawWorker[] {
  const rows = parseCsvRows(text, source);
  if (rows.length === 0) {
    throw new Error(`${source}: the file is empty; it needs a header row with an "email" column.`);
  }
  const header = rows[0].cells.map((h) => h.trim().toLowerCase());
  const emailColumn = header.indexOf('email');
  const usernameColumn = header.indexOf('username');
  if (emailColumn < 0) {
    throw new Error(`${source} line 1: the header row needs an "email" column, got: ${JSON.stringify(rows[0].cells)}.`);
  }
  const data = rows.slice(1).filter((row) => row.cells.some((cell) => cell.trim() !== ''));
  const wide = data.find((row) => row.cells.length > header.length);
  if (wide) {
    throw new Error(`${source} line ${wide.line}: the row has ${wide.cells.length} fields, the header ${header.length}; quote a field that holds a comma.`);
  }
  return data
    .map((row) => ({
      email: row.cells[emailColumn] ?? '',
      username: usernameColumn >= 0 ? row.cells[usernameColumn] : undefined,
      origin: { source, line: row.line },
    }));
}

/**
 * Parses a JSON worker list: an array of emails or of `{ "email": ..., "username": ... }`.
 */
export function parseWorkersJson(text: string, source: string): RawWorker[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, '')); // a byte-order mark, as some editors write it
  } catch (error) {
    throw new Error(`${source}: not valid JSON (${(error as Error).message}).`);
  }
  if (!Array.isArray(parsed)) {
    throw new Error(`${source}: expected an array of emails or of { "email", "username" } objects.`);
  }
  return parsed.map((item, index) => typeof item === 'string'
    ? { email: item, origin: { source, index } }
    : { email: item?.email, username: item?.username, origin: { source, index } });
}

function parseCsvRows(text: string, source: string): Array<{ line: number; cells: string[] }> {
  const rows: Array<{ line: number; cells: string[] }> = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const body = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        if (c === '\n') {
          line++;
        }
        cell += c;
      }
    } else if (c === '"' && cell === '') {
      quoted = true;
    } else if (c === '"' && cell.trim() === '') {
      throw new Error(`${source} line ${rowLine}: a space before a quoted field; remove it (the space would be part of the field).`);
    } else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') {
        i++;
      }
      cells.push(cell);
      rows.push({ line: rowLine, cells });
      cells = [];
      cell = '';
      line++;
      rowLine = line;
    } else {
      cell += c;
    }
  }
  if (quoted) {
    throw new Error(`${source} line ${rowLine}: a quoted field is not closed.`);
  }
  if (cell !== '' || cells.length > 0) {
    cells.push(cell);
    rows.push({ line: rowLine, cells });
  }
  return rows;
}
