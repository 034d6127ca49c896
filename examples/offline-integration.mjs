// Your app against a local Metriport: no account, no network. In another terminal, first:
//   metriport-webhook listen --emulator --webhook-key dev-key --forward-to http://127.0.0.1:3000/webhook
// then `node offline-integration.mjs` (with `npm install @metriport/api-sdk` done).
import { createServer } from 'node:http';
import { MetriportMedicalApi } from '@metriport/api-sdk';

const apiUrl = process.env.METRIPORT_API_URL ?? 'http://127.0.0.1:4748'; // the "Emulator API" listen printed
const port = Number(process.env.PORT ?? 3000);
const webhookKey = 'dev-key'; // --webhook-key keeps the emulator's account on this key, run after run
const api = new MetriportMedicalApi('local-emulator', { baseAddress: apiUrl });

// Your webhook endpoint: verify the raw bytes, answer at once, then do the work.
const received = [];
let onMessage = () => {};
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const signature = String(req.headers['x-metriport-signature']);
    if (!MetriportMedicalApi.verifyWebhookSignature(webhookKey, raw, signature)) return void res.writeHead(401).end();
    res.writeHead(200).end();
    received.push(JSON.parse(raw.toString()));
    onMessage();
  });
});
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));

// Your integration, as it would run against Metriport's sandbox.
const [facility] = await api.listFacilities();
const patient = await api.createPatient(
  {
    firstName: 'Sam',
    lastName: 'Offline',
    dob: '1969-02-14',
    genderAtBirth: 'F',
    address: [{ addressLine1: '5 Flow Road', city: 'Springfield', state: 'IL', zip: '62701', country: 'USA' }],
  },
  facility.id,
);
const consolidated = await api.startConsolidatedQuery(patient.id, undefined, undefined, undefined, 'json');
const documents = await api.startDocumentQuery(patient.id, facility.id);

// Each flow ends in webhooks that carry its requestId.
const expected = [
  [consolidated.requestId, 'medical.consolidated-data'],
  [documents.requestId, 'medical.document-download'],
  [documents.requestId, 'medical.document-conversion'],
];
await new Promise((resolve) => {
  onMessage = () => {
    const arrived = (requestId, type) => received.some(({ meta }) => meta.requestId === requestId && meta.type === type);
    if (expected.every(([requestId, type]) => arrived(requestId, type))) resolve();
  };
  onMessage();
});
for (const { meta, patients } of received.filter(({ meta }) => expected.some(([id]) => id === meta.requestId))) {
  console.log(`${meta.type}: ${patients[0].status} (request ${meta.requestId})`);
}
server.close();
