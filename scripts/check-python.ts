// Every example jsii-rosetta translated (the docstring @examples, which go into the Python
// package's docstrings, and the README's) must be valid Python: `compile()` over each translation
// in the tablet that `jsii-rosetta extract --strict` wrote. The README's examples are also run, in
// consumers/python/readme_snippets.py.
import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';

const ROOT = join(__dirname, '..');

/** One translated example: where it comes from, and its Python. */
export interface PythonExample {
  readonly where: string;
  readonly source: string;
}

interface Tablet {
  snippets: Record<string, { translations: Record<string, { source: string }>; location?: { api?: any; field?: any } }>;
}

/** The Python translation of every example in a tablet; throws if one has none. */
export function pythonExamples(tablet: Tablet): PythonExample[] {
  return Object.values(tablet.snippets).map((snippet) => {
    const api = snippet.location?.api ?? {};
    const where = api.api === 'moduleReadme' ? 'README' : `${api.fqn}${api.memberName ? `.${api.memberName}` : ''} (${api.api})`;
    const python = snippet.translations.python;
    if (python === undefined) {
      throw new Error(`${where}: no Python translation in the tablet`);
    }
    return { where, source: python.source };
  });
}

/** The examples whose Python does not compile, with Python's error. */
export function uncompilable(examples: PythonExample[], python = process.env.PYTHON ?? 'python3'): { where: string; error: string }[] {
  const program = [
    'import json, sys',
    'failures = []',
    'for example in json.load(sys.stdin):',
    '    try:',
    '        compile(example["source"], example["where"], "exec")',
    '    except SyntaxError as e:',
    '        failures.append({"where": example["where"], "error": f"line {e.lineno}: {e.msg}: {(e.text or \'\').strip()}"})',
    'print(json.dumps(failures))',
  ].join('\n');
  return JSON.parse(execFileSync(python, ['-c', program], { input: JSON.stringify(examples), encoding: 'utf-8' }));
}

function main(): void {
  const tablet: Tablet = JSON.parse(readFileSync(join(ROOT, '.jsii.tabl.json'), 'utf-8'));
  const examples = pythonExamples(tablet);
  const failures = uncompilable(examples);
  for (const failure of failures) {
    console.error(`${failure.where}: its Python translation does not compile: ${failure.error}`);
  }
  if (failures.length > 0) {
    process.exit(1);
  }
  const docstrings = examples.filter((e) => e.where !== 'README').length;
  console.log(`check-python: the Python translations of ${examples.length} examples compile ` +
    `(${docstrings} docstring @examples, ${examples.length - docstrings} README examples).`);
}

if (require.main === module) {
  main();
}
