import type { NativeGraph } from './binding';
import type { ContextGuard } from './device-buffer';
import { ResourceReleasedError } from './errors/resource-released-error';
import { nativeStreamOf } from './gpu-stream';
import { nativeCall } from './native-call';
import type { Graph, Stream } from './types';

export class GraphImpl implements Graph {
  private destroyed = false;

  /** @internal */
  constructor(
    readonly native: NativeGraph,
    readonly owner: ContextGuard,
  ) {}

  /** @internal */
  live(operation: string): void {
    if (this.destroyed) throw new ResourceReleasedError(operation, 'graph');
    this.owner.guard(operation);
  }

  launch(stream: Stream | null = null): void {
    const op = 'Graph.launch';
    const s = nativeStreamOf(`${op}(stream)`, stream, this.owner);
    this.live(op);
    nativeCall(op, () => this.native.launch(s));
  }

  destroy(): void {
    this.destroyed = true;
    nativeCall('Graph.destroy', () => this.native.destroy());
  }
}
