// What the Python and Java packages ship: each carries the npm package (the jsii tarball the
// runtime loads), so whatever the npm package includes by mistake (example.out/, consumers/, a
// .venv/) ships to every language. Every file in the tarballs inside the wheel, the sdist and the
// jar must be one of the library's own.
import { execFileSync } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const ROOT = join(__dirname, '..');

/** What the npm package may hold: compiled code, the handler and plan-command bundles, the assembly and docs. */
const ALLOWED = [
  /^package\/(package\.json|README\.md|API\.md|LICENSE|\.jsii|\.jsii\.tabl\.json)$/,
  /^package\/lib\/[\w/.-]+\.(js|d\.ts)$/,
  /^package\/assets\/handlers\/[\w.-]+\/index\.js$/,
  /^package\/assets\/cli\/index\.js$/, // the access plan command (bin)
];

/** The files of a tarball listing that are not the library's own. */
export function unexpectedFiles(listing: string[]): string[] {
  return listing.filter((f) => f !== '' && !f.endsWith('/') && !ALLOWED.some((re) => re.test(f)));
}

/** The file list of the jsii tarball inside a wheel, sdist or jar. */
export function embeddedTarball(archive: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'check-packages-'));
  try {
    if (archive.endsWith('.tar.gz')) {
      execFileSync('tar', ['xzf', archive, '-C', dir, '--wildcards', '*.jsii.tgz']);
    } else {
      execFileSync('unzip', ['-q', archive, '*.jsii.tgz', '-d', dir]);
    }
    const tarballs = execFileSync('find', [dir, '-name', '*.jsii.tgz'], { encoding: 'utf-8' }).split('\n').filter(Boolean);
    if (tarballs.length !== 1) {
      throw new Error(`${archive}: expected one jsii tarball inside, found ${tarballs.length}`);
    }
    return execFileSync('tar', ['tzf', tarballs[0]], { encoding: 'utf-8' }).split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf-8')).version;
  const python = join(ROOT, 'dist', 'python');
  const java = join(ROOT, 'dist', 'java', 'io', 'github', 'cdkprivateworkforce', 'cdk-private-workforce', version);
  const archives = [
    ...readdirSync(python).filter((f) => f.endsWith('.whl') || f.endsWith('.tar.gz')).map((f) => join(python, f)),
    join(java, `cdk-private-workforce-${version}.jar`),
  ];
  if (archives.length !== 3) {
    throw new Error(`expected a wheel, an sdist and a jar, found: ${archives.join(', ')}`);
  }
  let failed = false;
  for (const archive of archives) {
    const listing = embeddedTarball(archive);
    const unexpected = unexpectedFiles(listing);
    const name = archive.slice(ROOT.length + 1);
    if (unexpected.length > 0) {
      failed = true;
      console.error(`${name} ships files that are not the library's (fix .npmignore through .projenrc.ts):\n  ${unexpected.join('\n  ')}`);
    } else {
      console.log(`check-packages: ${name}: ${listing.filter((f) => f && !f.endsWith('/')).length} files, all the library's own`);
    }
  }
  if (failed) {
    process.exit(1);
  }
}

if (require.main === module) {
  main();
}
