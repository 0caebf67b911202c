import { readFileSync } from 'fs';
import { join } from 'path';
import { readmeWithDiagram, renderDiagram } from '../scripts/diagram';

test('the README diagram is the one the example app generates (run scripts/diagram.ts when it is not)', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf-8');
  expect(readmeWithDiagram(readme, renderDiagram())).toBe(readme);
});
