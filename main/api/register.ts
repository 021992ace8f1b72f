import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { RouteBody, RouteParams, RouteQuery, RouteResponse, RouteSpec } from '../contract/route';
import { ConsoleError } from '../core/errors';

export interface HandlerContext<R extends RouteSpec> {
  params: RouteParams<R>;
  query: RouteQuery<R>;
  body: RouteBody<R>;
  request: FastifyRequest;
  reply: FastifyReply;
}

/** A handler may answer with a status other than 200 (only those the route declares). */
export class WithStatus<T> {
  constructor(
    readonly status: number,
    readonly body: T,
  ) {}
}

export type RouteHandler<R extends RouteSpec> = (
  ctx: HandlerContext<R>,
) => Promise<RouteResponse<R> | WithStatus<RouteResponse<R>>>;

function validate(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return undefined;
  const r = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${[where, ...i.path.map(String)].join('.')}: ${i.message}`);
  throw new ConsoleError('bad_request', `Invalid request ${where}: ${problems.join('; ')}`, {
    status: 400,
    hint: 'See docs/api.md for the expected fields.',
    details: { issues: r.error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message })) },
  });
}

/** Registers one contract route; `auth` routes get the bearer-token guard. */
export function registerRoute<R extends RouteSpec>(
  app: FastifyInstance,
  spec: R,
  handler: RouteHandler<R>,
  guard: (req: FastifyRequest) => void,
): void {
  app.route({
    method: spec.method,
    url: spec.path,
    handler: async (request, reply) => {
      if (spec.auth) guard(request);
      const ctx = {
        params: validate(spec.params, request.params, 'params'),
        query: validate(spec.query, request.query, 'query'),
        body: validate(spec.body, request.body, 'body'),
        request,
        reply,
      } as HandlerContext<R>;
      const out = await handler(ctx);
      if (reply.sent) return reply;
      if (out instanceof WithStatus) {
        void reply.code(out.status);
        return out.body;
      }
      return out;
    },
  });
}
