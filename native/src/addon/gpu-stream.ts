import type { NativeStream } from './binding';
import type { ContextGuard } from './device-buffer';
import { NativeArgumentError } from './errors/native-argument-error';
import { ResourceReleasedError } from './errors/resource-released-error';
import { nativeCall, nativeCallAsync } from './native-call';
import type { Stream } from './types';
import { describe } from './validate';

export class StreamImpl implements Stream {
  private destroyed = false;

  /** @internal */
  constructor(
    readonly native: NativeStream,
    readonly owner: ContextGuard,
  ) {}

  /** @internal Checks the stream can be used by `operation`. */
  live(operation: string): void {
    if (this.destroyed) throw new ResourceReleasedError(operation, 'stream');
    this.owner.guard(operation);
  }

  synchronize(): Promise<void> {
    try {
      this.live('Stream.synchronize');
    } catch (err) {
      return Promise.reject(err);
    }
    return nativeCallAsync('Stream.synchronize', () => this.native.synchronize());
  }

  destroy(): void {
    this.destroyed = true;
    nativeCall('Stream.destroy', () => this.native.destroy());
  }
}

/** The native stream of an optional stream argument (null: the legacy default stream). */
export function nativeStreamOf(argument: string, stream: unknown, owner: ContextGuard): NativeStream | null {
  if (stream === undefined || stream === null) return null;
  if (!(stream instanceof StreamImpl)) {
    throw new NativeArgumentError(argument, `${describe(stream)} is not a stream`, 'pass a stream from Context.createStream(), or null');
  }
  if (stream.owner !== owner) {
    throw new NativeArgumentError(argument, 'the stream belongs to another context', 'use a stream of this context');
  }
  stream.live(argument);
  return stream.native;
}
