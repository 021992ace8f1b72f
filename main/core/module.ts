import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EngineStatus } from '../contract/model';
import type { ConfigStore } from './config/store';
import { ConsoleError } from './errors';
import type { EventBus } from './events';
import type { LoggerFactory } from './logger';
import type { HealthCheck, HealthService } from '../monitoring/health';
import type { IRedisService } from '../redis/service';

/**
 * Services that modules publish for each other (the composition root's registry). Each
 * module adds its own entries:
 *   declare module '../core/module' { interface ConsoleServices { gpuLocks: GpuLockManager } }
 */
export interface ConsoleServices {
  /** The inference engine's status, once an engine module provides one. */
  engineStatus: { status(): EngineStatus };
}

export interface HttpTiming {
  route: string;
  method: string;
  status: number;
  ms: number;
}

/** What every module gets from the composition root. */
export interface ServerContext {
  readonly config: ConfigStore;
  readonly bus: EventBus;
  readonly logs: LoggerFactory;
  readonly redis: IRedisService;
  readonly health: HealthService;
  /** The bound API port (known after listen; 0 before). */
  readonly port: () => number;
  readonly token: string;
  /** Publish a service for later modules. */
  provide<K extends keyof ConsoleServices>(name: K, service: ConsoleServices[K]): void;
  /** A service an earlier module published; throws naming the missing one. */
  require<K extends keyof ConsoleServices>(name: K): ConsoleServices[K];
  optional<K extends keyof ConsoleServices>(name: K): ConsoleServices[K] | undefined;
  /** Every HTTP response's route, status and duration (monitoring subscribes). */
  onHttpResponse(listener: (t: HttpTiming) => void): void;
  /** Registered shutdown steps run in reverse order on close. */
  onClose(fn: () => Promise<void> | void): void;
}

/** One wing of the console: builds its services, registers its routes and health checks. */
export interface ConsoleModule {
  readonly name: string;
  healthChecks?: HealthCheck[];
  registerRoutes?(app: FastifyInstance, guard: (req: FastifyRequest) => void): void;
  /** After the server listens (timers, workers). */
  start?(): Promise<void>;
  close?(): Promise<void>;
}

export type ModuleFactory = (ctx: ServerContext) => Promise<ConsoleModule>;

export class ServiceRegistry {
  private readonly services = new Map<string, unknown>();
  provide<K extends keyof ConsoleServices>(name: K, service: ConsoleServices[K]): void {
    this.services.set(name as string, service);
  }
  require<K extends keyof ConsoleServices>(name: K): ConsoleServices[K] {
    if (!this.services.has(name as string)) {
      throw new ConsoleError('service_missing', `Internal wiring error: service "${String(name)}" is not available yet`, {
        hint: 'Module order in main/modules.ts: a module must come after the modules it uses.',
      });
    }
    return this.services.get(name as string) as ConsoleServices[K];
  }
  optional<K extends keyof ConsoleServices>(name: K): ConsoleServices[K] | undefined {
    return this.services.get(name as string) as ConsoleServices[K] | undefined;
  }
}

