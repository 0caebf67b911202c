// cfn-lint (.venv, pinned in requirements-dev.txt) over every template the tests synthesized:
// the unit tests' (test-reports/templates/, written by test/record-template.ts), the Python and
// Java consumers' and the README examples' (consumers/out/), and every integ snapshot. It fails
// on any error, on any warning that scripts/cfn-lint-allowlist.json does not list, and on any
// allow-list entry that no longer matches a warning (so the list stays the list of what is there).
import { spawn } from 'child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'fs';
import { join, relative } from 'path';

const ROOT = join(__dirname, '..');
export const RECORDED = join(ROOT, 'test-reports', 'templates');
const CFN_LINT = join(ROOT, '.venv', 'bin', 'cfn-lint');

/** A cfn-lint finding, with the type of the resource it is on. */
export interface Finding {
  readonly rule: string;
  readonly level: string;
  readonly file: string;
  readonly path: string;
  readonly message: string;
  readonly resourceType?: string;
}

/** A warning we accept, and why; an error only where AWS's own data contradicts itself (`level: "Error"`). */
export interface AllowedWarning {
  readonly rule: string;
  readonly resourceType: string;
  /** A regular expression the message must match. */
  readonly message: string;
  readonly reason: string;
  /** "Error" for the rare allowed error; warnings otherwise. */
  readonly level?: 'Error' | 'Warning';
}

/** The verdict: errors, warnings no entry allows, entries nothing matched, and counts per entry. */
export interface Triage {
  readonly errors: Finding[];
  readonly unlisted: Finding[];
  readonly stale: AllowedWarning[];
  readonly allowed: Map<AllowedWarning, number>;
}

/** Runs cfn-lint over some templates (two processes at once: CI has 2 cores). */
export async function lint(files: string[], cfnLint = CFN_LINT): Promise<Finding[]> {
  const chunks: string[][] = [[], []];
  files.forEach((f, i) => chunks[i % 2].push(f));
  const results = await Promise.all(chunks.filter((c) => c.length > 0).map((chunk) => run(cfnLint, chunk)));
  const types = new Map<string, Record<string, any>>();
  const typeOf = (file: string, id: string | undefined) => {
    if (!types.has(file)) {
      types.set(file, JSON.parse(readFileSync(file, 'utf-8')).Resources ?? {});
    }
    return id === undefined ? undefined : types.get(file)![id]?.Type;
  };
  return results.flat().map((r: any) => {
    const path: any[] = r.Location?.Path ?? [];
    return {
      rule: r.Rule.Id,
      level: r.Level,
      file: r.Filename,
      path: path.join('/'),
      message: r.Message,
      resourceType: path[0] === 'Resources' ? typeOf(r.Filename, String(path[1])) : undefined,
    };
  });
}

function run(cfnLint: string, files: string[]): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(cfnLint, ['--format', 'json', '--regions', 'us-east-1', '--', ...files], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      // cfn-lint's exit code is a bit mask of what it found (2 error, 4 warning, 8 info); 1 is a crash.
      if (code === null || code % 2 === 1 || code > 14) {
        reject(new Error(`cfn-lint exited ${code}`));
      } else {
        resolve(JSON.parse(out || '[]'));
      }
    });
  });
}

/** Sorts the findings into errors, allowed warnings and warnings no entry allows. */
export function triage(findings: Finding[], allowList: AllowedWarning[]): Triage {
  const allowed = new Map<AllowedWarning, number>(allowList.map((a) => [a, 0]));
  const errors: Finding[] = [];
  const unlisted: Finding[] = [];
  for (const finding of findings) {
    if (finding.level !== 'Warning' && finding.level !== 'Error') {
      continue; // informational findings are advice, not defects
    }
    const entry = allowList.find((a) => (a.level ?? 'Warning') === finding.level
      && a.rule === finding.rule && a.resourceType === finding.resourceType && new RegExp(a.message).test(finding.message));
    if (!entry && finding.level === 'Error') {
      errors.push(finding);
      continue;
    }
    if (entry) {
      allowed.set(entry, allowed.get(entry)! + 1);
    } else {
      unlisted.push(finding);
    }
  }
  return { errors, unlisted, stale: allowList.filter((a) => allowed.get(a) === 0), allowed };
}

/** The *.template.json files under a folder (recursively). */
export function templatesUnder(dir: string): string[] {
  if (!existsSync(dir)) {
    return [];
  }
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? templatesUnder(path) : name.endsWith('.template.json') ? [path] : [];
  });
}

export function loadAllowList(file = join(__dirname, 'cfn-lint-allowlist.json')): AllowedWarning[] {
  const list: AllowedWarning[] = JSON.parse(readFileSync(file, 'utf-8'));
  for (const entry of list) {
    if (!entry.rule || !entry.resourceType || !entry.message || !entry.reason) {
      throw new Error(`${file}: every entry needs rule, resourceType, message and reason: ${JSON.stringify(entry)}`);
    }
  }
  return list;
}

async function main(): Promise<void> {
  const sources: Record<string, string[]> = {
    'unit tests': templatesUnder(RECORDED),
    'consumers and README examples': templatesUnder(join(ROOT, 'consumers', 'out')),
    'integ snapshots': readdirSync(join(ROOT, 'integ')).filter((d) => d.endsWith('.snapshot')).flatMap((d) => templatesUnder(join(ROOT, 'integ', d))),
  };
  if (sources['unit tests'].length === 0) {
    throw new Error(`No templates in ${relative(ROOT, RECORDED)}: run the unit tests first (npx projen test does).`);
  }
  const files = Object.values(sources).flat();
  const started = Date.now();
  const findings = await lint(files);
  const allowList = loadAllowList();
  const result = triage(findings, allowList);
  const show = (f: Finding) => `  ${f.rule} ${relative(ROOT, f.file)} ${f.path} (${f.resourceType ?? '-'}): ${f.message}`;
  const warnings = findings.filter((f) => f.level === 'Warning').length;
  console.log(`cfn-lint: ${files.length} templates (${Object.entries(sources).map(([k, v]) => `${v.length} from ${k}`).join(', ')}) ` +
    `in ${((Date.now() - started) / 1000).toFixed(1)} s: ${result.errors.length} errors, ${warnings} warnings ` +
    `(${warnings - result.unlisted.length} allow-listed, ${result.unlisted.length} not)`);
  for (const [entry, count] of result.allowed) {
    console.log(`  allowed ${entry.rule} on ${entry.resourceType} /${entry.message}/: ${count}`);
  }
  if (result.errors.length > 0) {
    console.error(`cfn-lint errors:\n${result.errors.map(show).join('\n')}`);
  }
  if (result.unlisted.length > 0) {
    console.error(`cfn-lint warnings not in scripts/cfn-lint-allowlist.json (fix them, or list them with a reason):\n${result.unlisted.map(show).join('\n')}`);
  }
  if (result.stale.length > 0) {
    console.error(`scripts/cfn-lint-allowlist.json entries that match no warning any more (remove them):\n${result.stale.map((s) => `  ${JSON.stringify(s)}`).join('\n')}`);
  }
  if (result.errors.length > 0 || result.unlisted.length > 0 || result.stale.length > 0) {
    process.exit(1);
  }
  // The next test run records afresh.
  rmSync(RECORDED, { recursive: true, force: true });
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
