// Puts the Python translation of each TypeScript example of the README right after it, from the
// tablet jsii-rosetta wrote when it compiled the examples (strict). Runs in the build, after
// `jsii-rosetta extract --strict`; `--check` fails instead of writing when the README is stale.
//
// rosetta's translation is finished here in two ways, so that it is what a Python user can paste:
// - Imports: rosetta translates only the imports an example spells out, and the README's examples
//   take theirs from rosetta/default.ts-fixture. Each Python example gets the imports of every
//   fixture name it uses, merged with rosetta's own (deduplicated, one line per module).
// - Comments: rosetta drops a trailing comment on the last argument of a call and on an expression
//   statement. Each one goes back on the Python line of the same argument or statement, and the
//   script fails when a comment of the TypeScript is still missing from the Python.
// consumers/python/readme_snippets.py then runs each Python example with nothing but its own
// imports, so a missing import fails the tests.
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';

const ROOT = join(__dirname, '..');
const MARKER = '<!-- python: generated from the TypeScript above by jsii-rosetta (npx projen build); do not edit -->';

interface Tablet {
  snippets: Record<string, { translations: Record<string, { source: string }>; location?: any }>;
}

/** Python imports: plain names per module, and `import module as alias`. */
export interface PythonImports {
  readonly names: Map<string, Set<string>>;
  readonly aliases: Map<string, string>;
}

const normalize = (code: string) => code.replace(/\s+/g, ' ').trim();

/** The Python module of an npm module (`aws-cdk-lib/aws-sns` is `aws_cdk.aws_sns`). */
function pythonModule(npm: string): string {
  return npm.replace(/^aws-cdk-lib/, 'aws_cdk').replace(/\//g, '.').replace(/-/g, '_');
}

/** The imports of a rosetta fixture, as Python imports. */
export function fixtureImports(fixture: string): PythonImports {
  const names = new Map<string, Set<string>>();
  const aliases = new Map<string, string>();
  for (const m of fixture.matchAll(/^import\s+\{([^}]*)\}\s+from\s+'([^']+)';/gm)) {
    const module = pythonModule(m[2]);
    for (const name of m[1].split(',').map((n) => n.trim()).filter(Boolean)) {
      (names.get(module) ?? names.set(module, new Set()).get(module)!).add(name);
    }
  }
  for (const m of fixture.matchAll(/^import\s+\*\s+as\s+(\w+)\s+from\s+'([^']+)';/gm)) {
    aliases.set(m[1], pythonModule(m[2]));
  }
  return { names, aliases };
}

/** Python code without its comments and string literals (what names it really uses). */
function pythonCode(source: string): string {
  return source.replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#.*$/gm, '""');
}

/** Whether a Python line already ends in a comment (a declaration line is itself one). */
function hasTrailingComment(line: string): boolean {
  const code = line.trim().replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  return code.indexOf('#', code.startsWith('#') ? 1 : 0) >= 0;
}

/** A TypeScript line's trailing or whole-line `//` comment (outside string literals). */
function typescriptComment(line: string): { code: string; comment: string } | undefined {
  const blanked = line.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`/g, (s) => '_'.repeat(s.length));
  const at = blanked.indexOf('//');
  if (at < 0) {
    return undefined;
  }
  return { code: line.slice(0, at).trim(), comment: line.slice(at + 2).trim() };
}

/** `userPool` is `user_pool`; class names (`Workers`) stay as they are. */
function snake(path: string): string {
  return path.split('.').map((s) => (/^[a-z]/.test(s) ? s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : s)).join('.');
}

/** The Python line that a TypeScript line with code becomes: how it starts. */
function pythonStart(code: string): RegExp | undefined {
  const declared = /^declare\s+const\s+(\w+)\s*:/.exec(code);
  if (declared) {
    return new RegExp(`^# ${escape(snake(declared[1]))}:`);
  }
  const m = /^(?:(?:const|let)\s+(\w+)\s*=|(?:new\s+)?([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*))/.exec(code);
  if (!m) {
    return undefined;
  }
  return new RegExp(`^${escape(snake(m[1] ?? m[2]))}(?=$|[\\s=(.,:])`);
}

/** Puts back the TypeScript's comments that rosetta dropped; throws when one cannot be placed. */
export function restoreComments(typescript: string, python: string): string {
  const lines = python.split('\n');
  const has = (comment: string) => lines.some((l) => normalize(l).includes(normalize(`# ${comment}`)));
  let from = 0;
  for (const tsLine of typescript.split('\n')) {
    const found = typescriptComment(tsLine);
    if (!found || found.comment === '') {
      continue;
    }
    const start = found.code === '' ? undefined : pythonStart(found.code);
    const matches = (i: number) => start !== undefined && start.test(lines[i].trim());
    let at = lines.findIndex((_l, i) => i >= from && matches(i));
    if (at < 0) {
      at = lines.findIndex((_l, i) => matches(i));
    }
    if (has(found.comment)) {
      // rosetta kept it; when it put a declaration's comment on a line of its own, join them.
      const alone = lines.findIndex((l) => l.trim() === `# ${found.comment}`);
      if (at >= 0 && alone === at + 1 && lines[at].trim().startsWith('#')) {
        lines[at] = `${lines[at]}  # ${found.comment}`;
        lines.splice(alone, 1);
      }
    } else if (at >= 0 && !hasTrailingComment(lines[at])) {
      lines[at] = `${lines[at]}  # ${found.comment}`;
    }
    if (!has(found.comment)) {
      throw new Error(`The Python translation lost the comment "// ${found.comment}" of:\n${typescript}\nPython:\n${lines.join('\n')}`);
    }
    from = at >= 0 ? at + 1 : from;
  }
  return lines.join('\n');
}

/** Merges rosetta's imports with the fixture imports the example uses, one line per module. */
export function completeImports(python: string, fixture: PythonImports): string {
  const names = new Map<string, Set<string>>();
  const aliases = new Map<string, string>();
  const add = (module: string, name: string) => (names.get(module) ?? names.set(module, new Set()).get(module)!).add(name);
  const body: string[] = [];
  for (const line of python.split('\n')) {
    const from = /^from\s+([\w.]+)\s+import\s+(.+)$/.exec(line);
    const alias = /^import\s+([\w.]+)\s+as\s+(\w+)$/.exec(line);
    if (from) {
      from[2].split(',').map((n) => n.trim()).filter(Boolean).forEach((n) => add(from[1], n));
    } else if (alias) {
      aliases.set(alias[2], alias[1]);
    } else {
      body.push(line);
    }
  }
  const code = pythonCode(body.join('\n'));
  for (const [module, fixtureNames] of fixture.names) {
    for (const name of fixtureNames) {
      if (new RegExp(`\\b${name}\\b`).test(code)) {
        add(module, name);
      }
    }
  }
  for (const [alias, module] of fixture.aliases) {
    if (new RegExp(`\\b${alias}\\.`).test(code)) {
      aliases.set(alias, module);
    }
  }
  // aws_cdk first, then constructs, then this library (as a Python user orders them).
  const rank = (module: string) => (module.startsWith('aws_cdk') ? 0 : module === 'constructs' ? 1 : module === 'cdk_private_workforce' ? 3 : 2);
  const byModule = (a: string, b: string) => rank(a) - rank(b) || a.localeCompare(b);
  const imports = [
    ...[...names.keys()].sort(byModule).map((m) => ({ module: m, line: `from ${m} import ${[...names.get(m)!].sort().join(', ')}` })),
    ...[...aliases.entries()].map(([a, m]) => ({ module: m, line: `import ${m} as ${a}` })),
  ].sort((a, b) => byModule(a.module, b.module) || (a.line.startsWith('from') ? -1 : 1));
  while (body.length > 0 && body[0].trim() === '') {
    body.shift();
  }
  return imports.length === 0 ? body.join('\n') : `${imports.map((i) => i.line).join('\n')}\n\n${body.join('\n')}`;
}

/** The README's Python example for a TypeScript example and rosetta's translation of it. */
export function pythonExample(typescript: string, translation: string, fixture: PythonImports): string {
  return completeImports(restoreComments(typescript, translation.trimEnd()), fixture).trimEnd();
}

function main(): void {
  const check = process.argv.includes('--check');
  const tablet: Tablet = JSON.parse(readFileSync(join(ROOT, '.jsii.tabl.json'), 'utf-8'));
  const fixture = fixtureImports(readFileSync(join(ROOT, 'rosetta', 'default.ts-fixture'), 'utf-8'));
  const python = new Map<string, string>();
  for (const snippet of Object.values(tablet.snippets)) {
    if (snippet.location?.api?.api === 'moduleReadme' && snippet.translations.python) {
      python.set(normalize(snippet.translations.$.source), snippet.translations.python.source);
    }
  }

  const readmePath = join(ROOT, 'README.md');
  const original = readFileSync(readmePath, 'utf-8');
  // Drop the generated blocks, then put them back after each TypeScript example.
  const withoutGenerated = original.replace(new RegExp(`\\n${escape(MARKER)}\\n<details>[\\s\\S]*?</details>\\n`, 'g'), '\n');
  const updated = withoutGenerated.replace(/```ts( [^\n]*)?\n([\s\S]*?)```\n/g, (block, _params, code: string) => {
    const translation = python.get(normalize(visible(code)));
    if (translation === undefined) {
      throw new Error(`No Python translation for the README example:\n${code}\nRun jsii-rosetta extract --strict first.`);
    }
    const example = pythonExample(code, translation, fixture);
    return `${block}${MARKER}\n<details><summary>Python</summary>\n\n\`\`\`python\n${example}\n\`\`\`\n\n</details>\n`;
  });

  if (updated === original) {
    return;
  }
  if (check) {
    console.error('README.md: the Python examples are out of date; run `npx projen build` and commit README.md.');
    process.exit(1);
  }
  writeFileSync(readmePath, updated);
  console.log('README.md: Python examples updated');
}

/** The example as rosetta sees it (without `/// !hide` regions). */
function visible(code: string): string {
  return code;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

if (require.main === module) {
  main();
}
