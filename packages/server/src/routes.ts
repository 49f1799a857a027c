import {
  activityListSchema,
  activitySchema,
  createWebhookRequestSchema,
  deliveryChangeSchema,
  deliveryDetailSchema,
  deliveryPageSchema,
  type ErrorCode,
  exportDeliveriesQuerySchema,
  exportedDeliverySchema,
  fieldCatalogSchema,
  historyQuerySchema,
  ingestRequestSchema,
  ingestResponseSchema,
  listDeliveriesQuerySchema,
  listWebhooksQuerySchema,
  overviewQuerySchema,
  overviewSchema,
  recentActivityEventsSchema,
  reconnectRequestSchema,
  reconnectResponseSchema,
  replayRequestSchema,
  replayResponseSchema,
  retryFailedResponseSchema,
  SegmentWebhookError,
  sendToWebhookRequestSchema,
  sendToWebhookResponseSchema,
  setDestinationRequestSchema,
  testResultSchema,
  testSavedWebhookRequestSchema,
  testWebhookRequestSchema,
  updateWebhookRequestSchema,
  usageSchema,
  webhookHistorySchema,
  webhookListSchema,
  webhookSchema,
} from '@segment-webhook/core/contract';
import type { z } from 'zod';
import type { OperationId } from './handlers';

/** One route of the REST API: how the router mounts it and how the OpenAPI document describes it. */
export interface RouteDefinition {
  /** HTTP method, lower case. */
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  /** Path relative to the base path, with `:name` parameters (`/webhooks/:id`). */
  path: string;
  /** The handler, also the OpenAPI `operationId`. */
  operationId: OperationId;
  /** One line for the OpenAPI document. */
  summary: string;
  /** OpenAPI tag (group). */
  tag: 'Webhooks' | 'Lifecycle' | 'Deliveries' | 'Ingest' | 'Activities' | 'Account' | 'Meta';
  /** Query parameters (a strict zod object); none when absent. */
  query?: z.ZodObject;
  /** JSON request body; the router reads a body only for these routes. `optional`: it may be left out. */
  body?: { schema: z.ZodType; name: string; optional?: boolean };
  /**
   * The success answer. `schema` absent: no body (204). `stream`: Server-Sent Events of that schema.
   * `download`: a file attachment (NDJSON lines of that schema, or CSV of its columns), streamed.
   */
  success: {
    status: number;
    description: string;
    schema?: z.ZodType;
    name?: string;
    stream?: boolean;
    download?: boolean;
  };
  /** Error codes this route can answer with, besides `unauthorized`, `internal_error` and the body errors. */
  errors: ErrorCode[];
  /** Public routes do not call `resolveAccount`. */
  public?: boolean;
}

const webhook = { schema: webhookSchema, name: 'Webhook' };
const ID_ERRORS: ErrorCode[] = ['validation_error', 'not_found'];
const LIFECYCLE_ERRORS: ErrorCode[] = ['validation_error', 'not_found', 'invalid_state'];

/**
 * Every route, in mounting order (static segments before parameters: `/deliveries/export`,
 * `/deliveries/stream` and `/deliveries/retry-failed` come before `/deliveries/:deliveryId`).
 */
export const routes: readonly RouteDefinition[] = [
  {
    method: 'get',
    path: '/webhooks',
    operationId: 'listWebhooks',
    tag: 'Webhooks',
    summary: "List the account's webhooks, oldest first, optionally of one status",
    query: listWebhooksQuerySchema,
    success: { status: 200, description: 'The webhooks', schema: webhookListSchema, name: 'WebhookList' },
    errors: ['validation_error'],
  },
  {
    method: 'post',
    path: '/webhooks',
    operationId: 'createWebhook',
    tag: 'Webhooks',
    summary: 'Create an active webhook',
    body: { schema: createWebhookRequestSchema, name: 'CreateWebhookRequest' },
    success: { status: 201, description: 'The new webhook', ...webhook },
    errors: ['validation_error'],
  },
  {
    method: 'post',
    path: '/webhooks/test',
    operationId: 'testConfiguration',
    tag: 'Webhooks',
    summary: 'Send one sample track message with an unsaved configuration (no name needed)',
    body: { schema: testWebhookRequestSchema, name: 'TestWebhookRequest' },
    success: { status: 200, description: 'What Segment answered', schema: testResultSchema, name: 'TestResult' },
    errors: ['validation_error', 'message_too_large'],
  },
  {
    method: 'get',
    path: '/webhooks/:id',
    operationId: 'getWebhook',
    tag: 'Webhooks',
    summary: 'Read one webhook',
    success: { status: 200, description: 'The webhook', ...webhook },
    errors: ID_ERRORS,
  },
  {
    method: 'patch',
    path: '/webhooks/:id',
    operationId: 'updateWebhook',
    tag: 'Webhooks',
    summary: 'Change some of the settings (name, trackEventName, writeKey, region, sendActivityPayload, fields)',
    body: { schema: updateWebhookRequestSchema, name: 'UpdateWebhookRequest' },
    success: { status: 200, description: 'The updated webhook', ...webhook },
    errors: ID_ERRORS,
  },
  {
    method: 'get',
    path: '/webhooks/:id/history',
    operationId: 'webhookHistory',
    tag: 'Webhooks',
    summary: 'The settings history, newest version first: who changed what and when (the write key only as changed)',
    query: historyQuerySchema,
    success: { status: 200, description: 'One page', schema: webhookHistorySchema, name: 'WebhookHistory' },
    errors: ID_ERRORS,
  },
  {
    method: 'post',
    path: '/webhooks/:id/test',
    operationId: 'testWebhook',
    tag: 'Webhooks',
    summary:
      'Send one track message with the saved configuration: the sample, or a recent activity event (activityEventId)',
    body: { schema: testSavedWebhookRequestSchema, name: 'TestSavedWebhookRequest', optional: true },
    success: { status: 200, description: 'What Segment answered', schema: testResultSchema, name: 'TestResult' },
    errors: [...ID_ERRORS, 'message_too_large'],
  },
  {
    method: 'post',
    path: '/webhooks/:id/disconnect',
    operationId: 'disconnect',
    tag: 'Lifecycle',
    summary: 'active → disconnected: nothing new is sent, queued deliveries are held',
    success: { status: 200, description: 'The disconnected webhook', ...webhook },
    errors: LIFECYCLE_ERRORS,
  },
  {
    method: 'post',
    path: '/webhooks/:id/reconnect',
    operationId: 'reconnect',
    tag: 'Lifecycle',
    summary:
      'disconnected → active: held deliveries go out; with {backfill: true} the deliveries skipped while disconnected too',
    body: { schema: reconnectRequestSchema, name: 'ReconnectRequest', optional: true },
    success: {
      status: 200,
      description: 'The active webhook, and how many skipped deliveries were queued',
      schema: reconnectResponseSchema,
      name: 'ReconnectResponse',
    },
    errors: LIFECYCLE_ERRORS,
  },
  {
    method: 'post',
    path: '/webhooks/:id/archive',
    operationId: 'archive',
    tag: 'Lifecycle',
    summary: "disconnected → archived: releases the webhook's outbound activity streams",
    success: { status: 200, description: 'The archived webhook', ...webhook },
    errors: LIFECYCLE_ERRORS,
  },
  {
    method: 'post',
    path: '/webhooks/:id/unarchive',
    operationId: 'unarchive',
    tag: 'Lifecycle',
    summary: 'archived → disconnected',
    success: { status: 200, description: 'The disconnected webhook', ...webhook },
    errors: LIFECYCLE_ERRORS,
  },
  {
    method: 'delete',
    path: '/webhooks/:id',
    operationId: 'deleteWebhook',
    tag: 'Lifecycle',
    summary: 'Delete an archived webhook and its deliveries (409 unless archived)',
    success: { status: 204, description: 'Deleted' },
    errors: LIFECYCLE_ERRORS,
  },
  {
    method: 'post',
    path: '/webhooks/:id/resume',
    operationId: 'resume',
    tag: 'Lifecycle',
    summary: 'Release the held deliveries of a webhook that needs attention',
    success: { status: 200, description: 'The healthy webhook', ...webhook },
    errors: ID_ERRORS,
  },
  {
    method: 'get',
    path: '/webhooks/:id/overview',
    operationId: 'overview',
    tag: 'Deliveries',
    summary: 'Counts, time series, success rate, last delivery and lag over 24h, 7d or 30d',
    query: overviewQuerySchema,
    success: { status: 200, description: 'The overview', schema: overviewSchema, name: 'Overview' },
    errors: ID_ERRORS,
  },
  {
    method: 'get',
    path: '/webhooks/:id/deliveries',
    operationId: 'listDeliveries',
    tag: 'Deliveries',
    summary: 'Deliveries, newest first, filtered and cursor-paginated',
    query: listDeliveriesQuerySchema,
    success: { status: 200, description: 'One page', schema: deliveryPageSchema, name: 'DeliveryPage' },
    errors: ID_ERRORS,
  },
  {
    method: 'get',
    path: '/webhooks/:id/deliveries/export',
    operationId: 'exportDeliveries',
    tag: 'Deliveries',
    summary:
      'Every delivery matching the filters (those of the list), newest first, as an NDJSON or CSV attachment, streamed',
    query: exportDeliveriesQuerySchema,
    success: {
      status: 200,
      description: 'The file',
      schema: exportedDeliverySchema,
      name: 'ExportedDelivery',
      download: true,
    },
    errors: ID_ERRORS,
  },
  {
    method: 'get',
    path: '/webhooks/:id/deliveries/stream',
    operationId: 'streamDeliveries',
    tag: 'Deliveries',
    summary:
      'Server-Sent Events: each change of a delivery of this webhook as `event: delivery`, a comment every heartbeat',
    success: {
      status: 200,
      description: 'An endless text/event-stream',
      schema: deliveryChangeSchema,
      name: 'DeliveryChange',
      stream: true,
    },
    errors: ID_ERRORS,
  },
  {
    method: 'post',
    path: '/webhooks/:id/deliveries/retry-failed',
    operationId: 'retryFailed',
    tag: 'Deliveries',
    summary: 'Schedule every failed delivery of the webhook again',
    success: {
      status: 200,
      description: 'How many were scheduled',
      schema: retryFailedResponseSchema,
      name: 'RetryFailedResponse',
    },
    errors: ID_ERRORS,
  },
  {
    method: 'post',
    path: '/webhooks/:id/replay',
    operationId: 'replay',
    tag: 'Deliveries',
    summary:
      'Send again the deliveries created in [from, to) in statuses (default failed): same messageIds and timestamps',
    body: { schema: replayRequestSchema, name: 'ReplayRequest' },
    success: {
      status: 202,
      description: 'Queued; withinDedupWindow of them Segment first accepted less than 24 h ago (it drops those)',
      schema: replayResponseSchema,
      name: 'ReplayResponse',
    },
    errors: ID_ERRORS,
  },
  {
    method: 'get',
    path: '/webhooks/:id/deliveries/:deliveryId',
    operationId: 'getDelivery',
    tag: 'Deliveries',
    summary: 'One delivery with its Segment message and every attempt',
    success: { status: 200, description: 'The delivery', schema: deliveryDetailSchema, name: 'DeliveryDetail' },
    errors: ID_ERRORS,
  },
  {
    method: 'post',
    path: '/webhooks/:id/deliveries/:deliveryId/retry',
    operationId: 'retryDelivery',
    tag: 'Deliveries',
    summary: 'Schedule a failed delivery again (same messageId and timestamp); 409 unless failed',
    success: { status: 200, description: 'The delivery', schema: deliveryDetailSchema, name: 'DeliveryDetail' },
    errors: LIFECYCLE_ERRORS,
  },
  {
    method: 'post',
    path: '/webhooks/:id/send',
    operationId: 'sendToWebhook',
    tag: 'Ingest',
    summary: 'The journey and playbook action "Send to webhook": a person, optionally with an activity',
    body: { schema: sendToWebhookRequestSchema, name: 'SendToWebhookRequest' },
    success: {
      status: 202,
      description: 'Accepted and committed',
      schema: sendToWebhookResponseSchema,
      name: 'SendToWebhookResponse',
    },
    errors: [...ID_ERRORS, 'message_too_large'],
  },
  {
    method: 'post',
    path: '/events',
    operationId: 'ingest',
    tag: 'Ingest',
    summary: 'Report one activity event, or {events: [...]} with up to 1,000',
    body: { schema: ingestRequestSchema, name: 'IngestRequest' },
    success: {
      status: 202,
      description: 'Accepted and committed',
      schema: ingestResponseSchema,
      name: 'IngestResponse',
    },
    errors: ['validation_error', 'message_too_large'],
  },
  {
    method: 'get',
    path: '/activities',
    operationId: 'listActivities',
    tag: 'Activities',
    summary: "The host's activities, each with its destination webhook id or null",
    success: { status: 200, description: 'The activities', schema: activityListSchema, name: 'ActivityList' },
    errors: ['validation_error'],
  },
  {
    method: 'get',
    path: '/activities/recent-events',
    operationId: 'recentActivityEvents',
    tag: 'Activities',
    summary: "The account's recent activity events (from the host), which Test can send instead of the sample",
    success: {
      status: 200,
      description: 'Newest first, at most 50',
      schema: recentActivityEventsSchema,
      name: 'RecentActivityEvents',
    },
    errors: ['validation_error'],
  },
  {
    method: 'put',
    path: '/activities/:activityId/destination',
    operationId: 'setActivityDestination',
    tag: 'Activities',
    summary: 'Route an activity to a webhook (409 stream_limit_reached past the plan)',
    body: { schema: setDestinationRequestSchema, name: 'SetDestinationRequest' },
    success: { status: 200, description: 'The routed activity', schema: activitySchema, name: 'Activity' },
    errors: [...LIFECYCLE_ERRORS, 'stream_limit_reached'],
  },
  {
    method: 'delete',
    path: '/activities/:activityId/destination',
    operationId: 'clearActivityDestination',
    tag: 'Activities',
    summary: "Clear an activity's destination",
    success: { status: 200, description: 'The unrouted activity', schema: activitySchema, name: 'Activity' },
    errors: ID_ERRORS,
  },
  {
    method: 'get',
    path: '/fields',
    operationId: 'listFields',
    tag: 'Account',
    summary: 'The person and activity fields the fields editor offers',
    success: { status: 200, description: 'The fields', schema: fieldCatalogSchema, name: 'FieldCatalog' },
    errors: ['validation_error'],
  },
  {
    method: 'get',
    path: '/usage',
    operationId: 'usage',
    tag: 'Account',
    summary: 'Outbound activity streams in use against the plan',
    success: { status: 200, description: 'The usage', schema: usageSchema, name: 'Usage' },
    errors: ['validation_error'],
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openApi',
    tag: 'Meta',
    summary: 'This document (OpenAPI 3.1)',
    success: { status: 200, description: 'The OpenAPI document' },
    errors: ['validation_error'],
    public: true,
  },
];

/** A route matched by {@link matchRoute}, with its path parameters decoded. */
export interface RouteMatch {
  route: RouteDefinition;
  params: Record<string, string>;
}

interface CompiledRoute {
  route: RouteDefinition;
  pattern: RegExp;
  names: string[];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compile(route: RouteDefinition): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return escapeRegExp(segment);
      names.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('/');
  // As Express routers match by default: case-insensitive, an optional trailing slash.
  return { route, names, pattern: new RegExp(`^${source}/?$`, 'i') };
}

const compiled = new WeakMap<readonly RouteDefinition[], CompiledRoute[]>();

/**
 * The first route of `table` for `method` and `path` (relative to the base path, still percent-encoded),
 * or `null`. `HEAD` matches `GET` routes. A parameter that is not valid percent-encoding is a 400
 * `validation_error`; `%2F` in a parameter is a `/` in its value.
 */
export function matchRoute(
  method: string,
  path: string,
  table: readonly RouteDefinition[] = routes,
): RouteMatch | null {
  let list = compiled.get(table);
  if (!list) {
    list = table.map(compile);
    compiled.set(table, list);
  }
  const wanted = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
  for (const { route, pattern, names } of list) {
    if (route.method !== wanted) continue;
    const found = pattern.exec(path);
    if (!found) continue;
    const params: Record<string, string> = {};
    names.forEach((name, index) => {
      try {
        params[name] = decodeURIComponent(found[index + 1]!);
      } catch {
        throw new SegmentWebhookError('validation_error', 'The path is not valid percent-encoding.', {
          issues: [{ path: ['path', name], message: 'Malformed percent-encoding' }],
        });
      }
    });
    return { route, params };
  }
  return null;
}
