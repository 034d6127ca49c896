import { describe, expect, it } from 'vitest';
import { messageIdKey } from '../../src/capture/file-names.js';
import type { SessionEvent } from '../../src/listen/events.js';
import { createKeyHolder } from '../../src/receiver/key-holder.js';
import { createReceiver } from '../../src/receiver/receiver.js';
import { createEventFilter } from '../../src/webhook/event-filter.js';
import { messageBody, signedHeaders } from '../helpers/webhooks.js';

describe('duplicate detection', () => {
  it('remembers a bounded number of messageIds, forgetting the oldest first', async () => {
    const stored: string[] = [];
    const events: SessionEvent[] = [];
    const receiver = createReceiver({
      keys: createKeyHolder('whk_test_7PqL2mZx9VbN4tR8cYwE'),
      keyWaitMs: 0,
      filter: createEventFilter([]),
      messageIdKey,
      rememberedMessageIds: 3,
      store: (message) => {
        stored.push(message.messageId ?? '');
        return undefined;
      },
      publish: (event) => events.push(event),
      now: () => new Date(),
    });
    const deliver = async (id: string) => {
      const body = messageBody('medical.document-download', {}, id);
      return receiver.handle({ headers: signedHeaders(body), body });
    };
    for (const id of ['a', 'b', 'c', 'd']) expect((await deliver(id)).status).toBe(200);
    // 'd', 'c' and 'b' are remembered: their repeats are duplicates, stored once.
    await deliver('d');
    await deliver('b');
    expect(stored).toEqual(['a', 'b', 'c', 'd']);
    expect(events.filter((event) => event.type === 'duplicate')).toHaveLength(2);
    // 'a' was forgotten: its repeat is stored again, as on a fresh start.
    await deliver('a');
    expect(stored).toEqual(['a', 'b', 'c', 'd', 'a']);
  });
});
