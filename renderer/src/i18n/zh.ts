import type { Messages } from './en';

export const zh: Messages = {
  app: { title: 'WhisperX 控制台' },
  header: {
    profile: '配置',
    status_healthy: '健康',
    status_degraded: '降级',
    status_unhealthy: '异常',
    language: '语言',
  },
  banner: {
    unreachable: '无法连接控制台服务器，正在重连…',
    token_missing: '只读模式：操作需要 API 令牌。运行 `whisperx-console token` 并粘贴到此处。',
    token_placeholder: 'API 令牌',
    token_save: '使用令牌',
    token_bad: '令牌无效。',
  },
  health: {
    component_api: 'API',
    component_redis: 'Redis',
    component_engine: '推理引擎',
    component_disk: '磁盘',
    state_up: '正常',
    state_down: '故障',
    state_degraded: '降级',
    state_unknown: '?',
  },
  dashboard: {
    components: '组件',
    waiting: '等待首个健康报告…',
  },
};
