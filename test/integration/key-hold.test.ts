import { afterEach, describe, expect, it } from 'vitest';
import { createKeyHolder } from '../../src/receiver/key-holder.js';
import { startTestReceiver } from '../helpers/receiver-server.js';
import { messageBody, postSigned, TEST_KEY } from '../helpers/webhooks.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiverWithoutKey(keyWaitMs: number) {
  const base = createKeyHolder();
  let onWait: () => void = () => undefined;
  const waiting = new Promise<void>((resolve) => (onWait = resolve));
  const keys = {
    ...base,
    wait: (ms: number) => {
      onWait();
      return base.wait(ms);
    },
  };
  const { server, events } = await startTestReceiver({ onCleanup: (cleanup) => cleanups.push(cleanup), keys, keyWaitMs });
  return { keys, events, url: server.url, waiting };
}

describe('requests that arrive before the webhook key is known', () => {
  it('are held, then verified once registration returns the key', async () => {
    const { keys, url, waiting } = await receiverWithoutKey(10_000);
    const body = Buffer.from('{"ping":"early","meta":{"type":"ping"}}');
    const answer = postSigned(url, body);
    await waiting;
    keys.set(TEST_KEY);
    const reply = await answer;
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toEqual({ pong: 'early' });
  });

  it('get 503 when the key is still unknown after the wait, so Metriport can retry them', async () => {
    const { events, url } = await receiverWithoutKey(50);
    const reply = await postSigned(url, messageBody());
    expect(reply.status).toBe(503);
    expect(events.find((event) => event.type === 'rejected')).toMatchObject({ status: 503, refusal: { reason: 'key-unknown' } });
  });
});
