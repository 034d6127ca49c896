import type { IncomingMessage } from 'node:http';
import { isLoopback } from '../util/loopback.js';
import type { Sender } from './receiver.js';

/**
 * Who sent a request. A tunnel (ngrok, cloudflared) connects from this machine and names the real sender in
 * X-Forwarded-For; that header is believed only from a loopback peer, and only its last address, the one the
 * tunnel added: the ones before it are whatever the sender wrote.
 */
export function senderOf(request: IncomingMessage): Sender {
  const { headers } = request;
  const peer = request.socket.remoteAddress;
  const forwarded = headers['x-forwarded-for'];
  const chain = Array.isArray(forwarded) ? forwarded.join(',') : forwarded;
  const added = chain?.split(',').at(-1)?.trim();
  const loopback = peer !== undefined && isLoopback(peer);
  const userAgent = headers['user-agent'];
  return { address: loopback && added ? added : peer, userAgent: Array.isArray(userAgent) ? userAgent[0] : userAgent, headers };
}
