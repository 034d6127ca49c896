import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layering rules of the README's architecture section, checked instead of reviewed.
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sources(dir = SRC): Array<{ path: string; text: string }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') ? [{ path: relative(SRC, full), text: readFileSync(full, 'utf8') }] : [];
  });
}

const files = sources();
const isEdge = (path: string) => path === 'cli.ts' || path.startsWith('commands/');

describe('architecture', () => {
  it('only the commands and cli.ts import commander or ora, or touch process', () => {
    const offenders = files
      .filter((file) => !isEdge(file.path))
      .filter((file) => /from '(commander|ora)'/.test(file.text) || /\bprocess\.(env|argv|exit|on|once|stdout|stderr|stdin|kill|pid)\b/.test(file.text))
      .map((file) => file.path);
    expect(offenders).toEqual([]);
  });

  it('only src/output imports chalk at run time', () => {
    const offenders = files.filter((file) => !file.path.startsWith('output/') && /^import \{[^}]*\bChalk\b[^}]*\} from 'chalk'/m.test(file.text)).map((file) => file.path);
    expect(offenders).toEqual([]);
  });

  it('only tunnel/ngrok.ts names @ngrok/ngrok, and loads it lazily', () => {
    const naming = files.filter((file) => file.text.includes('@ngrok/ngrok')).map((file) => file.path);
    expect(naming).toEqual(['tunnel/ngrok.ts']);
    expect(files.find((file) => file.path === 'tunnel/ngrok.ts')?.text).not.toMatch(/^import .* from '@ngrok\/ngrok'/m);
  });

  it('the emulator never uses the client: it is the other side of that contract', () => {
    const offenders = files.filter((file) => file.path.startsWith('emulator/') && file.text.includes('metriport/client')).map((file) => file.path);
    expect(offenders).toEqual([]);
  });

  it('only metriport/client.ts calls fetch against the API paths', () => {
    const offenders = files.filter((file) => file.path !== 'metriport/client.ts' && /['"`]\/?settings\/webhook\/retry['"`]/.test(file.text) && !file.path.startsWith('emulator/'));
    expect(offenders.map((file) => file.path)).toEqual([]);
  });
});
