export const en = {
  app: { title: 'WhisperX Console' },
  header: {
    profile: 'profile',
    status_healthy: 'healthy',
    status_degraded: 'degraded',
    status_unhealthy: 'unhealthy',
    language: 'Language',
  },
  banner: {
    unreachable: 'The console server is not reachable. Reconnecting…',
    token_missing: 'Read-only: actions need the API token. Run `whisperx-console token` and paste it here.',
    token_placeholder: 'API token',
    token_save: 'Use token',
    token_bad: 'That token was not accepted.',
  },
  health: {
    component_api: 'api',
    component_redis: 'redis',
    component_engine: 'engine',
    component_disk: 'disk',
    state_up: 'up',
    state_down: 'down',
    state_degraded: 'degraded',
    state_unknown: '?',
  },
  dashboard: {
    components: 'Components',
    waiting: 'Waiting for the first health report…',
  },
};
export type Messages = typeof en;
