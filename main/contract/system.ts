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

export const setActiveProfileBody = z.object({ profile: z.string().min(1).max(64) }).strict();
export const setActiveProfileResult = z.object({
  active_profile: z.string(),
  previous: z.string(),
  file: z.string(),
  message: z.string(),
});

export const configRoutes = {
  setActiveProfile: route({
    method: 'POST',
    path: '/api/v1/config/active-profile',
    auth: true,
    summary: 'Switch the hardware profile: writes active_profile in config.yml (comments kept) and applies it at once. 404 unknown profile.',
    body: setActiveProfileBody,
    response: setActiveProfileResult,
  }),
} as const;
