// Checks the Python side offline after `package:python`: the generated sources compile, and every
// name the README's Python examples import from cdk_private_workforce is in the generated package.
import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';

const ROOT = join(__dirname, '..');
const SOURCES = join(ROOT, 'dist', 'pacmak', 'python', 'src');

function main(): void {
  execFileSync('/usr/bin/python3', ['-m', 'compileall', '-q', SOURCES], { stdio: 'inherit' });
  const init = readFileSync(join(SOURCES, 'cdk_private_workforce', '__init__.py'), 'utf-8');
  const all = /__all__ = \[([\s\S]*?)\]/.exec(init);
  if (!all) {
    throw new Error('The generated package has no __all__.');
  }
  const exported = new Set([...all[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]));
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf-8');
  const missing: string[] = [];
  for (const block of readme.matchAll(/```python\n([\s\S]*?)```/g)) {
    for (const line of block[1].matchAll(/^from cdk_private_workforce import (.+)$/gm)) {
      for (const name of line[1].split(',').map((n) => n.trim())) {
        if (!exported.has(name)) {
          missing.push(name);
        }
      }
    }
  }
  if (missing.length > 0) {
    throw new Error(`The README's Python examples import names the generated package lacks: ${[...new Set(missing)].join(', ')}`);
  }
  console.log(`Python: generated sources compile; the README's examples import ${exported.size > 0 ? 'only exported names' : 'nothing'}.`);
}

main();
