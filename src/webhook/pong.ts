import { isRecord, parseJsonOr } from '../util/json.js';

/**
 * Whether a receiver's answer to a ping is the pong Metriport checks for: a JSON object whose `pong` is the
 * ping's value, as a string (Metriport's `sendTestPayload`). Anything else makes the webhook unhealthy
 * ("Bad response from webhook call").
 */
export function isPongFor(responseText: string, ping: string): boolean {
  const answer = parseJsonOr(responseText, undefined);
  return isRecord(answer) && answer.pong === ping;
}
