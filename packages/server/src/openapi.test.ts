import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from './openapi';
import { routes } from './routes';

type Operation = {
  operationId: string;
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: { $ref: string } }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
};

describe('buildOpenApiDocument', () => {
  const document = buildOpenApiDocument(routes, { serverUrl: '/api/segment-webhooks' });
  const paths = document.paths as Record<string, Record<string, Operation>>;
  const schemas = (document.components as { schemas: Record<string, unknown> }).schemas;

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it("lists every route of the issue's table once", () => {
    const listed = Object.entries(paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(listed.sort()).toEqual(
      [
        'GET /webhooks',
        'POST /webhooks',
        'POST /webhooks/test',
        'GET /webhooks/{id}',
        'PATCH /webhooks/{id}',
        'DELETE /webhooks/{id}',
        'POST /webhooks/{id}/test',
        'POST /webhooks/{id}/disconnect',
        'POST /webhooks/{id}/reconnect',
        'POST /webhooks/{id}/archive',
        'POST /webhooks/{id}/unarchive',
        'POST /webhooks/{id}/resume',
        'POST /webhooks/{id}/send',
        'GET /webhooks/{id}/overview',
        'GET /webhooks/{id}/deliveries',
        'GET /webhooks/{id}/deliveries/stream',
        'GET /webhooks/{id}/deliveries/export',
        'GET /webhooks/{id}/history',
        'POST /webhooks/{id}/replay',
        'GET /activities/recent-events',
        'GET /webhooks/{id}/deliveries/{deliveryId}',
        'POST /webhooks/{id}/deliveries/{deliveryId}/retry',
        'POST /webhooks/{id}/deliveries/retry-failed',
        'GET /activities',
        'PUT /activities/{activityId}/destination',
        'DELETE /activities/{activityId}/destination',
        'GET /fields',
        'GET /usage',
        'POST /events',
        'GET /openapi.json',
      ].sort(),
    );
    const operationIds = Object.values(paths).flatMap((methods) => Object.values(methods).map((o) => o.operationId));
    expect(new Set(operationIds).size).toBe(routes.length);
  });

  it('resolves every $ref to a component schema', () => {
    const refs = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(30);
    for (const ref of refs) {
      const name = ref.slice('"$ref":"#/components/schemas/'.length, -1);
      expect(ref.startsWith('"$ref":"#/components/schemas/')).toBe(true);
      expect(schemas, name).toHaveProperty(name);
    }
  });

  it('describes bodies, query parameters, successes and problems of each route', () => {
    const createWebhook = paths['/webhooks']!.post!;
    expect(createWebhook.requestBody!.content['application/json']!.schema.$ref).toBe(
      '#/components/schemas/CreateWebhookRequest',
    );
    expect(createWebhook.responses['201']!.content!['application/json']!.schema.$ref).toBe(
      '#/components/schemas/Webhook',
    );
    for (const status of ['400', '401', '413', '500']) {
      expect(createWebhook.responses[status]!.content!['application/problem+json']!.schema.$ref).toBe(
        '#/components/schemas/Problem',
      );
    }
    const listDeliveries = paths['/webhooks/{id}/deliveries']!.get!;
    expect(listDeliveries.parameters!.map((p) => `${p.in}:${p.name}`)).toEqual([
      'path:id',
      'query:status',
      'query:personId',
      'query:eventId',
      'query:q',
      'query:from',
      'query:to',
      'query:cursor',
      'query:limit',
    ]);
    expect(Object.keys(listDeliveries.responses).sort()).toEqual(['200', '400', '401', '404', '500', '503']);
    expect(Object.keys(paths['/activities/{activityId}/destination']!.put!.responses)).toContain('409');
    expect(paths['/webhooks/{id}']!.delete!.responses['204']).toEqual({ description: 'Deleted' });
    expect(Object.keys(paths['/webhooks/{id}/deliveries/stream']!.get!.responses['200']!.content!)).toEqual([
      'text/event-stream',
    ]);
    const exported = paths['/webhooks/{id}/deliveries/export']!.get!;
    expect(Object.keys(exported.responses['200']!.content!)).toEqual(['application/x-ndjson', 'text/csv']);
    expect(JSON.stringify(exported.responses['200'])).toContain('"$ref":"#/components/schemas/ExportedDelivery"');
    expect(exported.parameters!.map((p) => p.name)).toContain('format');
    expect(Object.keys(paths['/webhooks/{id}/replay']!.post!.responses)).toContain('202');
    // Bodies that may be left out say so.
    const reconnect = paths['/webhooks/{id}/reconnect']!.post! as Operation & { requestBody: { required: boolean } };
    expect(reconnect.requestBody.required).toBe(false);
    expect((createWebhook as Operation & { requestBody: { required: boolean } }).requestBody.required).toBe(true);
  });

  it('names its servers, licence, tag descriptions and security, and references DeliveryChange', () => {
    expect(document.servers).toEqual([{ url: '/api/segment-webhooks', description: 'Where the host serves the API' }]);
    expect((document.info as { license: unknown }).license).toEqual({ name: 'MIT', identifier: 'MIT' });
    const tags = document.tags as { name: string; description: string }[];
    expect(tags.map((tag) => tag.name).sort()).toEqual([...new Set(routes.map((route) => route.tag))].sort());
    expect(tags.every((tag) => tag.description.length > 0)).toBe(true);
    expect(document.security).toEqual([{ hostSession: [] }]);
    expect(Object.keys((document.components as { securitySchemes: object }).securitySchemes)).toEqual(['hostSession']);
    expect((paths['/openapi.json']!.get as unknown as { security: unknown }).security).toEqual([]);
    const stream = paths['/webhooks/{id}/deliveries/stream']!.get!.responses['200']!.content!['text/event-stream']!;
    expect(JSON.stringify(stream.schema)).toContain('"$ref":"#/components/schemas/DeliveryChange"');
  });

  it('never describes a write key in a response schema', () => {
    for (const name of ['Webhook', 'WebhookList', 'DeliveryDetail', 'TestResult', 'ReconnectResponse']) {
      expect(JSON.stringify(schemas[name])).not.toContain('writeKey"');
    }
    expect(JSON.stringify(schemas.CreateWebhookRequest)).toContain('"writeKey"');
    // The history names the write key only as changed: that change has no value to describe.
    const text = JSON.stringify(schemas.WebhookHistory);
    const keyChange =
      /\{"type":"object","properties":\{"field":\{"type":"string","const":"writeKey"\},"changed":\{"type":"boolean","const":true\}\}/;
    expect(text).toMatch(keyChange);
  });
});
