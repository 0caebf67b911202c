import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Workers } from '../src';
import { usernameForEmail } from '../src/private/worker-list';

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'workers-')), name);
  writeFileSync(path, text);
  return path;
}

describe('Workers', () => {
  test('fromList derives user names that are not email addresses', () => {
    expect(Workers.fromList([{ email: ' Ana@Example.com ' }, { email: 'bo@example.com', username: 'bo.b' }])._load({})).toEqual([
      { username: 'ana_at_example.com', email: 'Ana@Example.com' },
      { username: 'bo.b', email: 'bo@example.com' },
    ]);
  });

  test('a very long email gets a shortened, still unique user name', () => {
    const email = `${'a'.repeat(150)}@example.com`;
    const name = usernameForEmail(email);
    expect(name).toHaveLength(128);
    expect(name).toMatch(/^a+-[0-9a-f]{8}$/);
    expect(usernameForEmail(`${'a'.repeat(151)}@example.com`)).not.toBe(name);
  });

  test('emailAsUsername uses the email itself', () => {
    expect(Workers.fromList([{ email: 'ana@example.com' }])._load({ emailAsUsername: true })).toEqual([{ username: 'ana@example.com', email: 'ana@example.com' }]);
  });

  test('fromFile reads CSV with quotes, CRLF, a BOM, blank lines and columns in any order', () => {
    const path = file('w.csv', '\uFEFFusername,Email,team\r\n"smith,j",j.smith@example.com,a\r\n\r\n,ana@example.com,"b ""quoted"""\r\n');
    expect(Workers.fromFile(path)._load({})).toEqual([
      { username: 'smith,j', email: 'j.smith@example.com' },
      { username: 'ana_at_example.com', email: 'ana@example.com' },
    ]);
  });

  test('fromFile reads JSON emails and objects', () => {
    const path = file('w.json', JSON.stringify(['ana@example.com', { email: 'bo@example.com', username: 'bo' }]));
    expect(Workers.fromFile(path)._load({})).toEqual([
      { username: 'ana_at_example.com', email: 'ana@example.com' },
      { username: 'bo', email: 'bo@example.com' },
    ]);
  });

  const bad: Array<[string, () => Workers, string]> = [
    ['an invalid email in a list', () => Workers.fromList([{ email: 'ana@example.com' }, { email: 'bo@' }]),
      'Workers.fromList item 2: the email must be an email address of at most 254 characters, got: "bo@".'],
    ['a duplicate email, in another case', () => Workers.fromList([{ email: 'ana@example.com' }, { email: 'ANA@example.com', username: 'x' }]),
      'Workers.fromList item 2: ANA@example.com is listed twice (first at Workers.fromList item 1).'],
    ['a duplicate user name', () => Workers.fromList([{ email: 'a@example.com', username: 'sam' }, { email: 'b@example.com', username: 'Sam' }]),
      'Workers.fromList item 2: the username Sam is listed twice (first at Workers.fromList item 1).'],
    ['a user name with a space', () => Workers.fromList([{ email: 'a@example.com', username: 'sam smith' }]),
      'Workers.fromList item 1: the username must be 1-128 letters, digits, symbols or punctuation without spaces, got: "sam smith".'],
    ['a user name that is an email', () => Workers.fromList([{ email: 'a@example.com', username: 'a@example.com' }]),
      'Workers.fromList item 1: the username must not look like an email address (workers also sign in with their email), got: "a@example.com".'],
    ['a CSV without an email column', () => Workers.fromFile(file('w.csv', 'name\nana\n')),
      'Workers.fromFile(PATH) line 1: the header row needs an "email" column, got: ["name"].'],
    ['a CSV with a bad email on line 3', () => Workers.fromFile(file('w.csv', 'email\nana@example.com\nnot-an-email\n')),
      'Workers.fromFile(PATH) line 3: the email must be an email address of at most 254 characters, got: "not-an-email".'],
    ['a CSV with an unclosed quote', () => Workers.fromFile(file('w.csv', 'email\n"ana@example.com\n')),
      'Workers.fromFile(PATH) line 2: a quoted field is not closed.'],
    ['an empty CSV', () => Workers.fromFile(file('w.csv', '')),
      'Workers.fromFile(PATH): the file is empty; it needs a header row with an "email" column.'],
    ['JSON that is not an array', () => Workers.fromFile(file('w.json', '{"email":"a@example.com"}')),
      'Workers.fromFile(PATH): expected an array of emails or of { "email", "username" } objects.'],
    ['JSON that does not parse', () => Workers.fromFile(file('w.json', '[')),
      'Workers.fromFile(PATH): not valid JSON (Unexpected end of JSON input).'],
    ['a file of another type', () => Workers.fromFile(file('w.txt', 'a@example.com')),
      'Workers.fromFile(PATH): the file must end in .csv or .json, got ".txt".'],
    ['a missing file', () => Workers.fromFile('/nonexistent/workers.csv'),
      'Workers.fromFile(PATH): cannot read the file (ENOENT: no such file or directory, open \'/nonexistent/workers.csv\').'],
  ];

  test.each(bad)('refuses %s, saying where', (_what, workers, message) => {
    const list = workers();
    let error: Error | undefined;
    try {
      list._load({});
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message.replace(/Workers\.fromFile\("[^"]*"\)/g, 'Workers.fromFile(PATH)')).toBe(message);
  });
});
