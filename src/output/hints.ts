/**
 * Hints name commands as `metriport-webhook …` in backticks; shown, they use the name the user ran the CLI
 * by (`node bin/metriport-webhook.js`, `npx metriport-webhook`), so they run as printed.
 */
export function asRun(text: string, invocation: string): string {
  return invocation === 'metriport-webhook' ? text : text.replaceAll('`metriport-webhook ', `\`${invocation} `);
}
