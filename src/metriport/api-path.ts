import { internalError } from '../errors.js';

/**
 * An API path built from segments, each percent-encoded on its own. `encodeURIComponent` leaves `.` as it is,
 * and URL resolution (ours with `new URL`, and any proxy's) turns a `..` segment into "the parent": `retry ..`
 * once became `POST /settings/webhook/retry` and resent every failed request. So an empty, `.` or `..` segment
 * is refused here, whatever the caller checked before: no input can name another endpoint.
 */
export function apiPath(...segments: string[]): string {
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw internalError('UNSAFE_PATH_SEGMENT', `Refused to build an API path with the segment ${JSON.stringify(segment)}.`);
    }
  }
  return segments.map((segment) => encodeURIComponent(segment)).join('/');
}
