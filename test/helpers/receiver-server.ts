import { messageIdKey } from '../../src/capture/file-names.js';
import { createKeyHolder, type KeyHolder } from '../../src/receiver/key-holder.js';
import { createReceiver, type ReceiverEvent } from '../../src/receiver/receiver.js';
import { type ReceiverLimits, type ReceiverServer, startReceiverServer } from '../../src/receiver/receiver-server.js';
import { createEventFilter } from '../../src/webhook/event-filter.js';
import { TEST_KEY } from './webhooks.js';

/**
 * The real receiver behind its real server on 127.0.0.1:0, verifying with `TEST_KEY` unless given `keys`,
 * every event it publishes kept in `events`. `onCleanup` gets the server's close.
 */
export async function startTestReceiver(input: {
  onCleanup: (cleanup: () => Promise<unknown>) => void;
  keys?: KeyHolder;
  keyWaitMs?: number;
  maxBodyBytes?: number;
  limits?: Partial<ReceiverLimits>;
}): Promise<{ server: ReceiverServer; events: ReceiverEvent[] }> {
  const events: ReceiverEvent[] = [];
  const receiver = createReceiver({
    keys: input.keys ?? createKeyHolder(TEST_KEY),
    keyWaitMs: input.keyWaitMs ?? 0,
    filter: createEventFilter([]),
    messageIdKey,
    publish: (event) => events.push(event),
    now: () => new Date(),
  });
  const server = await startReceiverServer({
    host: '127.0.0.1',
    port: 0,
    path: '/webhook',
    maxBodyBytes: input.maxBodyBytes ?? 1024 * 1024,
    receiver,
    onInternalError: () => undefined,
    limits: input.limits,
  });
  input.onCleanup(() => server.close());
  return { server, events };
}
