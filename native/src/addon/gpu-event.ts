import type { NativeEvent } from './binding';
import type { ContextGuard } from './device-buffer';
import { NativeArgumentError } from './errors/native-argument-error';
import { ResourceReleasedError } from './errors/resource-released-error';
import { nativeStreamOf } from './gpu-stream';
import { nativeCall, nativeCallAsync } from './native-call';
import type { GpuEvent, Stream } from './types';
import { describe } from './validate';

export class GpuEventImpl implements GpuEvent {
  private destroyed = false;

  /** @internal */
  constructor(
    readonly native: NativeEvent,
    readonly owner: ContextGuard,
    readonly timing: boolean,
  ) {}

  private live(operation: string): void {
    if (this.destroyed) throw new ResourceReleasedError(operation, 'event');
    this.owner.guard(operation);
  }

  record(stream: Stream | null = null): void {
    const op = 'GpuEvent.record';
    const s = nativeStreamOf(`${op}(stream)`, stream, this.owner);
    this.live(op);
    nativeCall(op, () => this.native.record(s));
  }

  synchronize(): Promise<void> {
    try {
      this.live('GpuEvent.synchronize');
    } catch (err) {
      return Promise.reject(err);
    }
    return nativeCallAsync('GpuEvent.synchronize', () => this.native.synchronize());
  }

  query(): boolean {
    this.live('GpuEvent.query');
    return nativeCall('GpuEvent.query', () => this.native.query());
  }

  elapsedMicrosSince(start: GpuEvent): number {
    const op = 'GpuEvent.elapsedMicrosSince';
    if (!(start instanceof GpuEventImpl) || start.owner !== this.owner) {
      throw new NativeArgumentError(`${op}(start)`, `${describe(start)} is not an event of this context`, 'pass an event from the same Context.createEvent()');
    }
    if (!this.timing || !start.timing) {
      throw new NativeArgumentError(`${op}(start)`, 'an event was created with { timing: false }', 'create both events with timing (the default)');
    }
    start.live(op);
    this.live(op);
    return nativeCall(op, () => this.native.elapsedMsSince(start.native)) * 1000;
  }

  destroy(): void {
    this.destroyed = true;
    nativeCall('GpuEvent.destroy', () => this.native.destroy());
  }
}
