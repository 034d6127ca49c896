import type { Renderer } from '../render.js';

/** The inspector is serving the captures. */
export interface InspectEvent {
  type: 'serving';
  loaded: number;
  skipped: number;
  url: string;
  /** The port asked for (the default) was taken, and this one is used instead. */
  fellBackFrom: number | undefined;
}

/** Runs until Ctrl-C: says what it loaded and where to open it. */
export const renderInspect: Renderer<Record<string, never>, InspectEvent> = {
  result: () => ({}),
  event: ({ loaded, skipped, url, fellBackFrom }) => ({
    stderr: [
      `Loaded ${loaded} captured message(s)${skipped > 0 ? `; skipped ${skipped} file(s) that are not captured messages` : ''}.`,
      ...(fellBackFrom === undefined ? [] : [`Port ${fellBackFrom} is taken, so the inspector uses another (--port to choose).`]),
      `Inspector: ${url}`,
      'Open it in a browser; Ctrl-C stops it.',
      '',
    ].join('\n'),
  }),
};
