import {
  ERROR_STATUS,
  ERROR_TITLE,
  type ErrorCode,
  jsonValueSchema,
  problemSchema,
  problemType,
} from '@segment-webhook/core/contract';
import { z } from 'zod';
import type { RouteDefinition } from './routes';

/** An OpenAPI security scheme: how the host's own authentication reaches the API. */
export type SecurityScheme =
  | { type: 'apiKey'; in: 'header' | 'cookie' | 'query'; name: string; description?: string }
  | { type: 'http'; scheme: string; bearerFormat?: string; description?: string }
  | { type: 'openIdConnect'; openIdConnectUrl: string; description?: string };

/** Options of {@link buildOpenApiDocument}. */
export interface OpenApiOptions {
  /** `info.title`. Default `Segment webhooks API`. */
  title?: string | undefined;
  /** `info.version`. Default `0.1.0`. */
  version?: string | undefined;
  /** `servers[0].url`: where the host mounts the API. Default: the handler's base path (or `/`). */
  serverUrl?: string | undefined;
  /** `info.license`. Default MIT, the kit's licence; a host publishing its own API names its own. */
  license?: { name: string; identifier?: string; url?: string } | undefined;
  /**
   * How the host authenticates requests (the kit itself only calls `resolveAccount`), by scheme name. Every
   * operation but `GET /openapi.json` requires one of them. Default: `{ hostSession: … }`, a session cookie
   * named `session`; name your own, e.g. `{ bearer: { type: 'http', scheme: 'bearer' } }`.
   */
  securitySchemes?: Record<string, SecurityScheme> | undefined;
}

/** The default {@link OpenApiOptions.securitySchemes}. */
export const DEFAULT_SECURITY_SCHEMES: Record<string, SecurityScheme> = {
  hostSession: {
    type: 'apiKey',
    in: 'cookie',
    name: 'session',
    description:
      "The host product's own session: the host resolves the account of each request (resolveAccount) and " +
      'answers 401 without one. Hosts name their real scheme with the openApi.securitySchemes option.',
  },
};

/** One line per tag (group of operations). */
const TAGS: Record<RouteDefinition['tag'], string> = {
  Webhooks: "Create, list, read, update and test the account's Segment webhooks.",
  Lifecycle: 'Disconnect, reconnect, archive, unarchive, delete and resume webhooks.',
  Deliveries: 'The delivery log of a webhook: overview, pages, details, retries and the live tail.',
  Ingest: 'Report activity events and send people to a webhook ("Send to webhook").',
  Activities: "Route the host's activities to webhooks.",
  Account: 'The fields the fields editor offers and the plan usage of the account.',
  Meta: 'This document.',
};

type JsonObject = Record<string, unknown>;

const SCHEMA_REF = '#/components/schemas/';

/** Errors every route with an account can answer, besides its own. */
const COMMON_ERRORS: ErrorCode[] = ['unauthorized', 'unavailable', 'internal_error'];
/** Errors of every route that writes (any method but GET): the store may have no room left (507). */
const WRITE_ERRORS: ErrorCode[] = ['storage_full'];
/** Errors of every route that reads a JSON body. */
const BODY_ERRORS: ErrorCode[] = ['invalid_json', 'payload_too_large', 'validation_error'];

/**
 * Builds the OpenAPI 3.1 document of `routes` from the same zod schemas the handlers validate with
 * (`z.toJSONSchema`, JSON Schema 2020-12, which OpenAPI 3.1 uses as is). Request bodies and query
 * parameters are described as the API accepts them (zod input), responses as it answers (output).
 * Every error response is an RFC 9457 `application/problem+json` with the `Problem` schema; the
 * codes a route can answer are listed per status in the response description.
 */
export function buildOpenApiDocument(routes: readonly RouteDefinition[], options: OpenApiOptions = {}): JsonObject {
  const inputs = z.registry<{ id: string }>();
  const outputs = z.registry<{ id: string }>();
  inputs.add(jsonValueSchema, { id: 'JsonValue' });
  outputs.add(jsonValueSchema, { id: 'JsonValue' });
  outputs.add(problemSchema, { id: 'Problem' });
  for (const route of routes) {
    if (route.body && !inputs.has(route.body.schema)) inputs.add(route.body.schema, { id: route.body.name });
    const { schema, name } = route.success;
    if (schema && name && !outputs.has(schema)) outputs.add(schema, { id: name });
  }
  const schemas: Record<string, JsonObject> = {
    ...componentSchemas(inputs, 'input'),
    ...componentSchemas(outputs, 'output'),
  };

  const securitySchemes = options.securitySchemes ?? DEFAULT_SECURITY_SCHEMES;
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    paths[path] ??= {};
    paths[path][route.method] = operationOf(route);
  }

  return {
    openapi: '3.1.0',
    info: {
      title: options.title ?? 'Segment webhooks API',
      version: options.version ?? '0.1.0',
      description:
        "Forwards a product's activity events to a customer's Segment workspace as track calls. Every route " +
        'is scoped to the account the host resolves; ids of other accounts are answered 404. Errors are RFC 9457 ' +
        'application/problem+json with a stable `type` and `code`.',
      license: options.license ?? { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: options.serverUrl || '/', description: 'Where the host serves the API' }],
    security: Object.keys(securitySchemes).map((name) => ({ [name]: [] })),
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: { schemas, securitySchemes },
  };
}

function componentSchemas(registry: z.core.$ZodRegistry<{ id: string }>, io: 'input' | 'output') {
  const { schemas } = z.toJSONSchema(registry, {
    io,
    unrepresentable: 'any',
    uri: (id) => `${SCHEMA_REF}${id}`,
  });
  const out: Record<string, JsonObject> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    // Inside an OpenAPI document the components are not separate resources: drop `$schema` and the
    // fragment `$id` (a fragment is not a valid `$id` in JSON Schema 2020-12).
    const { $schema: _schema, $id: _id, ...rest } = schema as JsonObject;
    out[id] = rest;
  }
  return out;
}

function operationOf(route: RouteDefinition): JsonObject {
  const parameters: JsonObject[] = [];
  for (const match of route.path.matchAll(/:(\w+)/g)) {
    parameters.push({ name: match[1], in: 'path', required: true, schema: { type: 'string', minLength: 1 } });
  }
  if (route.query) {
    const query = z.toJSONSchema(route.query, { io: 'input', unrepresentable: 'any' }) as JsonObject;
    const properties = (query.properties ?? {}) as Record<string, JsonObject>;
    const required = new Set((query.required ?? []) as string[]);
    for (const [name, schema] of Object.entries(properties)) {
      parameters.push({ name, in: 'query', required: required.has(name), schema });
    }
  }

  const responses: Record<string, JsonObject> = {};
  const { success } = route;
  if (success.download) {
    responses[String(success.status)] = {
      description:
        `${success.description}: an attachment (\`Content-Disposition: attachment; filename="…"\`), streamed. ` +
        `\`format=ndjson\`: one JSON ${success.name} per line; \`format=csv\`: a header row, then its columns but ` +
        "`message` (RFC 4180; a cell starting with =, +, -, @, a tab or a carriage return is prefixed with '). ",
      headers: {
        'Content-Disposition': {
          description: 'attachment; filename="segment-deliveries-<webhook>-<time>.<format>"',
          schema: { type: 'string' },
        },
      },
      content: {
        'application/x-ndjson': {
          schema: { type: 'string', contentMediaType: 'application/x-ndjson', contentSchema: ref(success.name!) },
        },
        'text/csv': { schema: { type: 'string', contentMediaType: 'text/csv' } },
      },
    };
  } else if (success.stream) {
    responses[String(success.status)] = {
      description:
        `${success.description}: \`retry:\`, then per change \`id:\`, \`event: delivery\` and a \`data:\` line ` +
        `holding one JSON ${success.name}, and a \`: heartbeat\` comment every 15 s.`,
      content: {
        'text/event-stream': {
          // JSON Schema 2020-12: the stream is text; `contentSchema` is what each event's data decodes to.
          schema: { type: 'string', contentMediaType: 'application/json', contentSchema: ref(success.name!) },
        },
      },
    };
  } else if (success.schema && success.name) {
    responses[String(success.status)] = {
      description: success.description,
      content: { 'application/json': { schema: ref(success.name) } },
    };
  } else if (success.status === 204) {
    responses['204'] = { description: success.description };
  } else {
    responses[String(success.status)] = {
      description: success.description,
      content: { 'application/json': { schema: { type: 'object' } } },
    };
  }

  const codes = new Set<ErrorCode>([
    ...(route.public ? [] : COMMON_ERRORS),
    ...(route.public || route.method === 'get' ? [] : WRITE_ERRORS),
    ...(route.body ? BODY_ERRORS : []),
    ...route.errors,
    'internal_error',
  ]);
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: list.map((code) => `\`${code}\` (${problemType(code)}): ${ERROR_TITLE[code]}`).join('; '),
      content: { 'application/problem+json': { schema: ref('Problem') } },
    };
  }

  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: !route.body.optional,
            content: { 'application/json': { schema: ref(route.body.name) } },
          },
        }
      : {}),
    responses,
    ...(route.public ? { security: [] } : {}),
  };
}

function ref(name: string): JsonObject {
  return { $ref: `${SCHEMA_REF}${name}` };
}
