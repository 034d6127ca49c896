import type { FastifyInstance } from 'fastify';
import { MAX_WEBHOOK_URL_LENGTH, type WebhookRequestPage } from '../metriport/types.js';
import { blockedSubstring } from '../metriport/url-rules.js';
import { isRecord, jsonKind } from '../util/json.js';
import type { EmulatedAccount } from './account.js';
import { ApiError, badRequest, issue, notFound, ValidationError } from './api-errors.js';

const MAX_PAGE_SIZE = 500;
const DEFAULT_PAGE_SIZE = 50;

/** Metriport's medical-record sections (`mrSectionsKeys` in `packages/api/src/routes/settings.ts`). */
const MR_SECTIONS = [
  'reports',
  'conditions',
  'medications',
  'allergies',
  'procedures',
  'social-history',
  'vitals',
  'labs',
  'observations',
  'immunizations',
  'family-member-history',
  'related-persons',
  'tasks',
  'coverages',
  'encounters',
  'documents',
] as const;

/**
 * Metriport's settings and webhook routes, from the other side (`packages/api/src/routes/settings.ts`). An
 * account with no settings row yet answers 404 on `POST /settings`, retry and sample-payload, as
 * `getSettingsOrFail` does; `GET /settings` creates the row.
 */
export function registerSettingsRoutes(app: FastifyInstance, input: { account: EmulatedAccount; allowLocalUrls: boolean }): void {
  const { account } = input;
  const settingsOrFail = () => {
    if (!account.hasSettings()) throw notFound(`Could not find settings ${account.cxId}`);
  };

  app.get('/settings', async () => account.getSettings());

  app.post('/settings', async (request) => {
    const { webhookUrl, mrFilters } = parseSettingsUpdate(request.body ?? {});
    if (webhookUrl) {
      const blocked = input.allowLocalUrls ? undefined : blockedSubstring(webhookUrl);
      if (blocked !== undefined) throw badRequest('Invalid URL');
    }
    settingsOrFail();
    if (mrFilters !== undefined) account.updateMrFilters(mrFilters);
    if (!webhookUrl) return account.getSettings();
    const { settings, ping } = account.updateWebhookUrl(webhookUrl);
    void ping.catch(() => undefined);
    return settings;
  });

  app.get('/settings/webhook', async () => {
    settingsOrFail();
    return account.webhookStatus();
  });

  app.post('/settings/webhook/retry', async (_request, reply) => {
    settingsOrFail();
    account.retryFailed();
    return reply.type('text/plain; charset=utf-8').send('OK');
  });

  app.get('/settings/webhook/request', async (request) => listRequests(account, request.query, `${request.protocol}://${request.host}`));

  app.post('/settings/webhook/request/:id/retry', async (request) => {
    const { id } = request.params as { id: string };
    const sent = await account.retryOne(id);
    if (sent === undefined) throw notFound(`Could not find webhook request ${id}`);
    return sent;
  });

  app.post('/settings/webhook/sample-payload', async (request) => {
    const body = request.body ?? {};
    settingsOrFail();
    if (!account.hasWebhookUrl()) throw badRequest('Webhook URL and key must be configured');
    if (!isRecord(body)) throw new ValidationError([issue(`Expected object, received ${jsonKind(body)}`, [])]);
    if (!isRecord(body.meta))
      throw new ValidationError([
        issue(body.meta === undefined ? 'Required' : `Expected object, received ${jsonKind(body.meta)}`, ['meta']),
      ]);
    if (typeof body.meta.type !== 'string')
      throw new ValidationError([
        issue(body.meta.type === undefined ? 'Required' : `Expected string, received ${jsonKind(body.meta.type)}`, ['meta', 'type']),
      ]);
    const sent = await account.sendSample(body as { meta: { type: string } } & Record<string, unknown>);
    if (!sent.ok) throw new ApiError(500, 'WebhookError', 'Failed to send payload', { ...sent.failure });
    const { ok: _ok, ...answer } = sent;
    return answer;
  });
}

/**
 * Metriport's `updateSettingsSchema` (strict): `webhookUrl` a URL of at most 2048 characters, or `""`, `null`
 * or absent (no change); `mrFilters` one entry per medical-record section. Every issue is reported, in the
 * order zod finds them (the fields, then unknown keys), joined in one detail.
 */
function parseSettingsUpdate(body: unknown): { webhookUrl: string | undefined; mrFilters: unknown } {
  if (!isRecord(body)) throw new ValidationError([issue(`Expected object, received ${jsonKind(body)}`, [])]);
  const issues: string[] = [];
  const { webhookUrl, mrFilters } = body;
  let url: string | undefined;
  if (webhookUrl !== undefined && webhookUrl !== null && webhookUrl !== '') {
    if (typeof webhookUrl !== 'string') issues.push(issue('Invalid input', ['webhookUrl']));
    else {
      if (!URL.canParse(webhookUrl)) issues.push(issue('Invalid url', ['webhookUrl']));
      if (webhookUrl.length > MAX_WEBHOOK_URL_LENGTH)
        issues.push(issue(`String must contain at most ${MAX_WEBHOOK_URL_LENGTH} character(s)`, ['webhookUrl']));
      url = webhookUrl;
    }
  }
  if (mrFilters !== undefined) issues.push(...mrFilterIssues(mrFilters));
  const unknown = Object.keys(body).filter((key) => key !== 'webhookUrl' && key !== 'mrFilters');
  if (unknown.length > 0) issues.push(issue(`Unrecognized key(s) in object: ${unknown.map((key) => `'${key}'`).join(', ')}`, []));
  if (issues.length > 0) throw new ValidationError(issues);
  return { webhookUrl: url, mrFilters };
}

/** `mrFilters`: an array of at least one entry per section, each `{key, dateFilter?: {from?, to?}, stringFilter?}`. */
function mrFilterIssues(value: unknown): string[] {
  if (!Array.isArray(value)) return [issue(`Expected array, received ${jsonKind(value)}`, ['mrFilters'])];
  const issues: string[] = [];
  if (value.length < MR_SECTIONS.length) issues.push(issue(`Array must contain at least ${MR_SECTIONS.length} element(s)`, ['mrFilters']));
  value.forEach((entry, index) => {
    const path = ['mrFilters', index];
    if (!isRecord(entry)) {
      issues.push(issue(`Expected object, received ${jsonKind(entry)}`, path));
      return;
    }
    if (entry.key === undefined) issues.push(issue('Required', [...path, 'key']));
    else if (!MR_SECTIONS.includes(entry.key as (typeof MR_SECTIONS)[number]))
      issues.push(
        issue(`Invalid enum value. Expected ${MR_SECTIONS.map((key) => `'${key}'`).join(' | ')}, received '${String(entry.key)}'`, [
          ...path,
          'key',
        ]),
      );
    if (entry.dateFilter !== undefined) {
      if (!isRecord(entry.dateFilter))
        issues.push(issue(`Expected object, received ${jsonKind(entry.dateFilter)}`, [...path, 'dateFilter']));
      else
        for (const bound of ['from', 'to'] as const) {
          const date = entry.dateFilter[bound];
          if (date === undefined) continue;
          if (typeof date !== 'string') issues.push(issue(`Expected string, received ${jsonKind(date)}`, [...path, 'dateFilter', bound]));
          else if (!isIsoDate(date)) issues.push(issue('Invalid input', [...path, 'dateFilter', bound]));
        }
    }
    if (entry.stringFilter !== undefined && typeof entry.stringFilter !== 'string')
      issues.push(issue(`Expected string, received ${jsonKind(entry.stringFilter)}`, [...path, 'stringFilter']));
  });
  return issues;
}

/** `dayjs(value, "YYYY-MM-DD", true).isValid()`. */
export function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

function listRequests(account: EmulatedAccount, query: unknown, origin: string): WebhookRequestPage {
  const params = isRecord(query) ? query : {};
  const count = params.count === undefined ? DEFAULT_PAGE_SIZE : Number(params.count);
  if (!Number.isInteger(count) || count < 1 || count > MAX_PAGE_SIZE) {
    throw new ValidationError([issue(`Number must be less than or equal to ${MAX_PAGE_SIZE}`, ['count'])]);
  }
  const sort = typeof params.sort === 'string' ? params.sort : 'createdAt=desc';
  if (!/^(createdAt|id)=(asc|desc)$/.test(sort)) throw new ValidationError([issue('Invalid sort', ['sort'])]);
  const rows = account.listRequests({ ascending: sort.endsWith('=asc') });
  const start = typeof params.fromItem === 'string' ? rows.findIndex((row) => row.id === params.fromItem) : 0;
  if (start < 0) throw badRequest(`Invalid fromItem ${String(params.fromItem)}`);
  const page = rows.slice(start, start + count);
  const next = rows[start + count];
  return {
    meta: {
      itemsOnPage: page.length,
      itemsInTotal: rows.length,
      ...(next === undefined
        ? {}
        : {
            nextPage: `${origin}/settings/webhook/request?fromItem=${encodeURIComponent(next.id)}&count=${count}&sort=${encodeURIComponent(sort)}`,
          }),
    },
    requests: page,
  };
}
