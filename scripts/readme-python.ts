// Puts the Python translation of each TypeScript example of the README right after it, from the
// tablet jsii-rosetta wrote when it compiled the examples (strict). Runs in the build, after
// `jsii-rosetta extract --strict`; `--check` fails instead of writing when the README is stale.
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';

const ROOT = join(__dirname, '..');
const MARKER = '<!-- python: generated from the TypeScript above by jsii-rosetta (npx projen build); do not edit -->';

interface Tablet {
  snippets: Record<string, { translations: Record<string, { source: string }>; location?: any }>;
}

const normalize = (code: string) => code.replace(/\s+/g, ' ').trim();

function main(): void {
  const check = process.argv.includes('--check');
  const tablet: Tablet = JSON.parse(readFileSync(join(ROOT, '.jsii.tabl.json'), 'utf-8'));
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
    return `${block}${MARKER}\n<details><summary>Python</summary>\n\n\`\`\`python\n${translation.trimEnd()}\n\`\`\`\n\n</details>\n`;
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

main();
