// One stack, three languages: the example app synthesized by its TypeScript (example/app.ts),
// Python (consumers/python) and Java (consumers/java) versions must give the same template and the
// same asset manifest. The only thing that may differ is the CDK metadata resource's `Analytics`,
// which encodes the language and the jsii runtime; asset hashes are compared as they are (they
// hash the asset's content, which is the same in every language).
//
//   ts-node scripts/compare-templates.ts OUTDIR   # OUTDIR/{typescript,python,java}/ are cloud assemblies
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';

export const LANGUAGES = ['typescript', 'python', 'java'];
const STACK = 'LabelingStack';

/** A copy of a template without what depends on the language; says what it blanked. */
export function withoutLanguage(template: any): { template: any; blanked: string[] } {
  const copy = JSON.parse(JSON.stringify(template));
  const blanked: string[] = [];
  for (const [id, resource] of Object.entries<any>(copy.Resources ?? {})) {
    if (resource.Type === 'AWS::CDK::Metadata' && resource.Properties?.Analytics !== undefined) {
      resource.Properties.Analytics = '<language-dependent>';
      blanked.push(`Resources.${id}.Properties.Analytics`);
    }
  }
  return { template: copy, blanked };
}

/**
 * A copy of an asset manifest without what depends on the language: the template is itself a
 * file asset, hashed over its content (the metadata included), so its hash is blanked.
 */
export function assetsWithoutLanguage(manifest: any, templateFile: string): { assets: any; blanked: string[] } {
  const copy = JSON.parse(JSON.stringify(manifest));
  const blanked: string[] = [];
  for (const [hash, file] of Object.entries<any>(manifest.files ?? {})) {
    if (file.source?.path === templateFile) {
      // The destination ids and object keys are derived from the hash too.
      const destinations = Object.values<any>(file.destinations ?? {}).map((d) => ({ ...d, objectKey: d.objectKey?.replace(hash, '<template hash>') }));
      delete copy.files[hash];
      copy.files['<template hash>'] = { ...file, destinations };
      blanked.push(`the asset hash of ${templateFile}`);
    }
  }
  return { assets: copy, blanked };
}

/** Every path where two JSON values differ (a key missing on one side, or a different value). */
export function differences(a: any, b: any, path = ''): string[] {
  if (a === b) {
    return [];
  }
  const bothObjects = typeof a === 'object' && typeof b === 'object' && a !== null && b !== null && Array.isArray(a) === Array.isArray(b);
  if (!bothObjects) {
    return [`${path || '(root)'}: ${JSON.stringify(a)?.slice(0, 120)} != ${JSON.stringify(b)?.slice(0, 120)}`];
  }
  const keys = Array.isArray(a)
    ? [...Array(Math.max(a.length, b.length)).keys()].map(String)
    : [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.flatMap((k) => differences(a[k], b[k], path ? `${path}.${k}` : k));
}

function read(file: string): any {
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: synthesize the ${STACK} app there first (npx projen test:consumers)`);
  }
  return JSON.parse(readFileSync(file, 'utf-8'));
}

function main(outdir: string): void {
  const [reference, ...others] = LANGUAGES;
  const load = (language: string) => ({
    template: withoutLanguage(read(join(outdir, language, `${STACK}.template.json`))),
    assets: assetsWithoutLanguage(read(join(outdir, language, `${STACK}.assets.json`)), `${STACK}.template.json`),
  });
  const expected = load(reference);
  let failed = false;
  for (const language of others) {
    const actual = load(language);
    const found = [
      ...differences(expected.template.template, actual.template.template).map((d) => `template ${d}`),
      ...differences(expected.assets.assets, actual.assets.assets).map((d) => `assets ${d}`),
    ];
    if (found.length > 0) {
      failed = true;
      console.error(`${STACK}: the ${language} app's template differs from the ${reference} app's in ${found.length} places:`);
      found.slice(0, 40).forEach((d) => console.error(`  ${d}`));
    }
  }
  if (failed) {
    process.exit(1);
  }
  const template = expected.template.template;
  const assets = Object.keys(expected.assets.assets.files ?? {}).length - expected.assets.blanked.length;
  console.log(`compare-templates: ${STACK} is the same in ${LANGUAGES.join(', ')}: ` +
    `${Object.keys(template.Resources).length} resources, ${JSON.stringify(template).length} bytes, ${assets} Lambda code asset(s) with the same hash; ` +
    `ignored only ${[...expected.template.blanked, ...expected.assets.blanked].join(' and ')} (they depend on the language)`);
}

if (require.main === module) {
  main(process.argv[2] ?? join(__dirname, '..', 'consumers', 'out'));
}
