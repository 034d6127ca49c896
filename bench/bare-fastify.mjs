// The baseline: a bare Fastify route that answers 200, nothing else. Prints its URL on stderr, as listen does.
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
app.post('/webhook', async () => ({ received: true }));
await app.listen({ host: '127.0.0.1', port: 0 });
process.stderr.write(`ready http://127.0.0.1:${app.server.address().port}/webhook\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
process.on('SIGINT', () => app.close().then(() => process.exit(0)));
