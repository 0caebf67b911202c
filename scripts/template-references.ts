// What a CloudFormation resource refers to (Ref, Fn::GetAtt, ${...} in Fn::Sub, DependsOn): the
// edges that order a deploy. Shared by the benchmark and the README diagram.

/** The logical ids a resource refers to, among `resources`. */
export function references(resource: any, resources: Record<string, unknown>): Set<string> {
  const found = new Set<string>();
  const walk = (value: any): void => {
    if (Array.isArray(value)) {
      value.forEach(walk);
    } else if (value && typeof value === 'object') {
      if (typeof value.Ref === 'string') {
        found.add(value.Ref);
      }
      if (value['Fn::GetAtt']) {
        found.add(Array.isArray(value['Fn::GetAtt']) ? value['Fn::GetAtt'][0] : String(value['Fn::GetAtt']).split('.')[0]);
      }
      if (value['Fn::Sub']) {
        const text = Array.isArray(value['Fn::Sub']) ? value['Fn::Sub'][0] : value['Fn::Sub'];
        for (const m of String(text).matchAll(/\$\{([^}!.]+)/g)) {
          found.add(m[1]);
        }
      }
      Object.values(value).forEach(walk);
    }
  };
  walk(resource.Properties ?? {});
  for (const d of [resource.DependsOn ?? []].flat()) {
    found.add(d);
  }
  return new Set([...found].filter((id) => id in resources));
}
