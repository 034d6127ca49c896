/** A public URL that reaches the local receiver. `close()` is idempotent. */
export interface Tunnel {
  url: string;
  close(): Promise<void>;
}

/** `reconnecting`: the connection dropped and the provider is retrying; `lost`: it gave up for good. */
export type TunnelState = 'connected' | 'reconnecting' | 'lost';

export interface OpenTunnelOptions {
  /** Local address the tunnel forwards to, e.g. `127.0.0.1:4747`. */
  localAddress: string;
  onState: (state: TunnelState) => void;
}

/** Opens the tunnel chosen by the flags. Engines receive this, never a concrete provider. */
export type TunnelOpener = ((options: OpenTunnelOptions) => Promise<Tunnel>) & {
  /** Nothing is opened (a URL the user runs): no wait, so nothing to show a spinner for. */
  readonly instant?: boolean;
};

/** `--public-url`: a tunnel the user runs themselves, so there is nothing to open or close. */
export function publicUrlTunnel(url: string): TunnelOpener {
  return Object.assign(async () => ({ url, close: async () => undefined }), { instant: true });
}
