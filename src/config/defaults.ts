/** Defaults shown in `--help`; kept apart so that printing help loads nothing else. */

/** Default receiver port: fixed so `trigger` and docs can rely on it; `--port 0` picks a free one. */
export const DEFAULT_PORT = 4747;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PATH = '/webhook';
/** Metriport bodies are usually KB, but a document-download for a big patient passes 1 MB; allow tens of MB. */
export const DEFAULT_MAX_BODY = '64mb';

/** Where `trigger` and `replay` send by default: a `listen` started with the defaults. */
export const DEFAULT_LISTENER_URL = `http://${DEFAULT_HOST}:${DEFAULT_PORT}${DEFAULT_PATH}`;

/** Default port of the emulator, standalone or inside `listen --emulator`: next to listen's 4747. */
export const DEFAULT_EMULATOR_PORT = 4748;

/** Default port of the local web inspector (`listen`, `inspect`): beside the emulator's; a free one when taken. */
export const DEFAULT_INSPECTOR_PORT = 4749;
