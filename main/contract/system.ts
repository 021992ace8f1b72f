import { z } from 'zod';
import { route } from './route';

export const systemRoutes = {
  events: route({
    method: 'GET',
    path: '/api/v1/events',
    auth: false,
    summary: 'Live feed of events (server-sent events, one JSON LiveEvent per message).',
    response: z.unknown(),
    kind: 'sse',
  }),
  authCheck: route({
    method: 'POST',
    path: '/api/v1/auth/check',
    auth: true,
    summary: 'Answers 200 when the bearer token is right (the UI uses it to validate a pasted token).',
    response: z.object({ ok: z.literal(true) }),
  }),
} as const;
