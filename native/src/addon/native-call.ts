// Turns the addon's coded JS errors into the typed error classes.
import { ContextClosedError } from './errors/context-closed-error';
import { ContextDeadError } from './errors/context-dead-error';
import { DriverError, type DriverFailure } from './errors/driver-error';
import { ModuleInUseError } from './errors/module-in-use-error';
import { ResourceReleasedError } from './errors/resource-released-error';

function resourceOf(message: string): string {
  const m = /the (device buffer|module|stream|event|graph)/.exec(message);
  return m?.[1] ?? 'resource';
}

/** The typed error for an error the addon threw during `operation`; other errors pass through. */
export function typedNativeError(err: unknown, operation: string): unknown {
  if (!(err instanceof Error)) return err;
  const code = (err as Error & { code?: unknown }).code;
  switch (code) {
    case 'MOE_DRIVER_ERROR':
      return new DriverError(err as unknown as DriverFailure);
    case 'MOE_CONTEXT_DEAD':
      return new ContextDeadError(operation, err.message.replace(/^the GPU context is dead: /, ''));
    case 'MOE_CONTEXT_CLOSED':
      return new ContextClosedError(operation);
    case 'MOE_RESOURCE_RELEASED':
      return new ResourceReleasedError(operation, resourceOf(err.message));
    case 'MOE_MODULE_IN_USE':
      return new ModuleInUseError(operation, Number(/^(\d+)/.exec(err.message)?.[1] ?? 0));
    default:
      return err;
  }
}

/** Runs a synchronous addon call, converting its errors. */
export function nativeCall<T>(operation: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw typedNativeError(err, operation);
  }
}

/** Runs an asynchronous addon call, converting the errors it throws or rejects with. */
export async function nativeCallAsync<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw typedNativeError(err, operation);
  }
}
