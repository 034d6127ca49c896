// The baseline: a bare Fastify route that takes the body as a buffer (as the receiver must, to verify the
// exact bytes) and answers 200, nothing else. Prints its URL on stderr, as listen does.
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
app.post('/webhook', async () => ({ received: true }));
await app.listen({ host: '127.0.0.1', port: 0 });
process.stderr.write(`ready http://127.0.0.1:${app.server.address().port}/webhook\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
process.on('SIGINT', () => app.close().then(() => process.exit(0)));
