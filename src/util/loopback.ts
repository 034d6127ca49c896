import { isIPv4, isIPv6 } from 'node:net';

/**
 * Whether a host or peer address stays on this machine: `localhost`, the whole of 127.0.0.0/8, `::1`, and
 * 127.x mapped into IPv6 (`::ffff:127.0.0.1`, how a dual-stack socket reports an IPv4 peer). Strict: a name
 * other than localhost, or a shorthand such as `127.1`, is not taken for loopback. One test for the `--host`
 * warnings of listen and the emulator, and for the receiver's trust in X-Forwarded-For (so it runs per
 * request: the forms sockets report are answered without parsing a URL).
 */
export function isLoopback(host: string): boolean {
  const bare = (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host).toLowerCase();
  if (isIPv4(bare)) return bare.startsWith('127.');
  if (bare === 'localhost' || bare === '::1') return true;
  if (bare.startsWith('::ffff:') && isIPv4(bare.slice(7))) return bare.startsWith('::ffff:127.');
  // A zone (`fe80::1%eth0`) names an interface of a link-local address, never loopback.
  if (!isIPv6(bare) || bare.includes('%')) return false;
  // Any other spelling of an IPv6 address, in the URL parser's canonical form: `0:0:0:0:0:0:0:1` → `::1`,
  // `::ffff:7f00:2` (127.0.0.2) stays as it is.
  const canonical = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  return canonical === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(canonical);
}
