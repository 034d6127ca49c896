// One racer of test/hardening/lock-takeover.test.ts: a real process that registers with the built registrar,
// state store and client, as `listen` does at start-up, when the test says go. It stays alive between rounds,
// so the record it wrote belongs to a live listen. Lines on stdin: `prepare <json>` then `go`; one JSON line
// per step on stdout.
import { createInterface } from 'node:readline';
import { createRegistrar } from '../../dist/account/registrar.js';
import { createMetriportClient } from '../../dist/metriport/client.js';
import { describeTarget } from '../../dist/metriport/target.js';
import { fileStateStore } from '../../dist/state/file-state-store.js';

const [apiUrl, apiKey] = process.argv.slice(2);
const isProcessAlive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
};
const say = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

let prepared;
for await (const line of createInterface({ input: process.stdin })) {
  const [command, ...rest] = line.split(' ');
  if (command === 'prepare') {
    const { round, stateFile, webhookUrl } = JSON.parse(rest.join(' '));
    const client = createMetriportClient({ target: describeTarget(apiUrl), apiKey });
    const store = fileStateStore(stateFile, { apiUrl, uid: process.getuid?.(), pid: process.pid, isProcessAlive, lockWaitMs: 20_000 });
    const registrar = createRegistrar(
      { keepUrl: false, force: false },
      { client, store, pid: process.pid, isProcessAlive, publish: () => undefined, now: () => new Date() },
    );
    prepared = { round, registrar, webhookUrl };
    say({ round, ready: true });
  } else if (command === 'go') {
    const { round, registrar, webhookUrl } = prepared;
    try {
      const record = await registrar.register({ webhookUrl, onWebhookKey: () => undefined });
      say({ round, pid: process.pid, outcome: 'registered', id: record.id, webhookUrl });
    } catch (error) {
      say({
        round,
        pid: process.pid,
        outcome: error.code === 'LISTEN_ALREADY_RUNNING' ? 'refused' : 'error',
        code: error.code,
        message: error.message,
      });
    }
  }
}
