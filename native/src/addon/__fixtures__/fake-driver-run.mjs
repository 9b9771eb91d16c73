// Child process of addon.fake-driver.test.ts: runs one scenario against the fake libcuda
// (MOE_NATIVE_CUDA_LIBRARY) through the bundled TypeScript API (MOE_TEST_ADDON_BUNDLE) and prints
// what happened as one JSON line. The test asserts on it.
const m = await import(process.env.MOE_TEST_ADDON_BUNDLE);
const scenario = process.argv[2];

const pick = (e) => ({
  class: e?.constructor?.name,
  code: e?.code,
  call: e?.call,
  errorName: e?.errorName,
  sticky: e?.sticky,
  backend: e?.backend,
  message: e?.message,
});
const attempt = async (fn) => {
  try {
    await fn();
    return null;
  } catch (e) {
    return pick(e);
  }
};
const u64s = (u8) => [...new BigUint64Array(u8.buffer, u8.byteOffset, u8.byteLength / 8)].map(String);

const out = {};
if (scenario === 'probe') {
  out.probe = m.probeDevices();
  out.openError = await attempt(() => m.openContext(out.probe.devices.length));
} else if (scenario === 'full') {
  const ctx = m.openContext(0);
  out.device = ctx.device;
  const buf = ctx.alloc(64);
  buf.fill(0);
  buf.upload(new Uint32Array([1, 2, 3, 4]), 8);
  out.range = [...new Uint32Array((await buf.download({ offsetBytes: 4, bytes: 24 })).buffer)];
  buf.fill(0x7fc0, 2);
  out.fill16 = [...new Uint16Array((await buf.download({ bytes: 6 })).buffer)];
  const other = ctx.alloc(64);
  other.upload(new Uint8Array(64).map((_, i) => i));
  buf.copyFrom(other, { srcOffsetBytes: 10, dstOffsetBytes: 0, bytes: 4 });
  out.copied = [...(await buf.download({ bytes: 6 }))];
  out.uploadOverrun = await attempt(() => buf.upload(new Uint8Array(8), 60));
  out.fillWidth = await attempt(() => buf.fill(1, 3));
  other.free();
  out.useAfterFree = await attempt(() => other.upload(new Uint8Array(1)));

  const mod = ctx.loadModule(Buffer.from('FAKECUBIN image'));
  const echo = mod.getFunction('echo');
  const res = ctx.alloc(64);
  ctx.launch(echo, {
    grid: [2, 3, 4],
    block: [32, 2],
    sharedBytes: 100 * 1024,
    params: [
      { type: 'ptr', value: res },
      { type: 'i32', value: -5 },
      { type: 'i64', value: -(2n ** 40n) + 3n },
      { type: 'f32', value: 1.5 },
      { type: 'u32', value: 4_000_000_000 },
      { type: 'ptr', value: 0x1234567890n },
    ],
  });
  out.echo = u64s(await res.download());
  out.maxDynamicShared = echo.attributes.maxDynamicSharedSizeBytes;
  out.blockTooLarge = await attempt(() => ctx.launch(echo, { grid: 1, block: [64, 32], params: [] }));
  out.badParam = await attempt(() => ctx.launch(echo, { grid: 1, block: 1, params: [{ type: 'i32', value: 2 ** 31 }] }));
  out.sharedTooLarge = await attempt(() => ctx.launch(echo, { grid: 1, block: 1, sharedBytes: 300 * 1024, params: [] }));

  const add1 = mod.getFunction('add1');
  const counter = ctx.alloc(8);
  counter.fill(0);
  const graph = ctx.captureGraph((stream) => {
    ctx.launch(add1, { grid: 1, block: 1, stream, params: [{ type: 'ptr', value: counter }] });
    ctx.launch(add1, { grid: 1, block: 1, stream, params: [{ type: 'ptr', value: counter }] });
  });
  out.counterAfterCapture = u64s(await counter.download())[0];
  out.times = await ctx.replayTimes(graph, { warmup: 2, repeats: 5 });
  out.timesFlushed = await ctx.replayTimes(graph, { warmup: 0, repeats: 3, l2Flush: 1 << 20 });
  out.counterAfterReplays = u64s(await counter.download())[0];
  out.badRepeats = await attempt(() => ctx.replayTimes(graph, { repeats: 0 }));
  out.captureThrows = await attempt(() =>
    ctx.captureGraph(() => {
      throw new Error('record failed');
    }),
  );

  const s = ctx.createStream();
  const e0 = ctx.createEvent();
  const e1 = ctx.createEvent();
  e0.record(s);
  ctx.launch(add1, { grid: 1, block: 1, stream: s, params: [{ type: 'ptr', value: counter }] });
  ctx.launch(add1, { grid: 1, block: 1, stream: s, params: [{ type: 'ptr', value: counter }] });
  ctx.launch(add1, { grid: 1, block: 1, stream: s, params: [{ type: 'ptr', value: counter }] });
  e1.record(s);
  await e1.synchronize();
  await s.synchronize();
  out.eventMicros = e1.elapsedMicrosSince(e0);
  out.eventQuery = e1.query();

  const scratch = m.tritonScratchParams(ctx, { global_scratch_size: 16, global_scratch_align: 16, profile_scratch_size: 0, num_ctas: 1 }, [3, 2]);
  out.scratch = { bytes: scratch.buffers.map((b) => b.bytes), second: scratch.params[1].value, firstIsBuffer: scratch.params[0].value === scratch.buffers[0] };

  out.badImage = await attempt(() => ctx.loadModule(new Uint8Array([1, 2, 3, 4])));
  out.unknownKernel = await attempt(() => mod.getFunction('no_such_kernel'));
  out.deadBefore = ctx.dead;

  const fault = mod.getFunction('fault');
  ctx.launch(fault, { grid: 1, block: 1, params: [] });
  out.fault = await attempt(() => ctx.synchronize());
  out.dead = ctx.dead;
  out.deadReason = ctx.deadReason;
  out.afterDead = await attempt(() => ctx.alloc(8));
  out.downloadAfterDead = await attempt(() => counter.download());
  ctx.close();
  out.afterClose = await attempt(() => ctx.createStream());
}
if (scenario === 'release-in-flight') {
  // free()/destroy() called while a worker thread still uses the resource (the fake driver's
  // worker calls wait FAKE_CUDA_WORKER_DELAY_MS first, and reject freed handles).
  const ctx = m.openContext(0);
  const freeBytes = () => ctx.memoryInfo().freeBytes;
  const before = freeBytes();
  const buf = ctx.alloc(1 << 20);
  buf.fill(7);
  const download = buf.download({ bytes: 16 });
  buf.free();
  out.freedAtOnce = buf.freed;
  out.heldWhileDownloading = before - freeBytes();
  out.download = [...(await download)];
  out.heldAfterDownload = before - freeBytes();
  out.useAfterFree = await attempt(() => buf.download());
  out.doubleFree = await attempt(() => buf.free());

  const mod = ctx.loadModule(Buffer.from('FAKECUBIN image'));
  const add1 = mod.getFunction('add1');
  const counter = ctx.alloc(8);
  counter.fill(0);
  const graph = ctx.captureGraph((stream) => ctx.launch(add1, { grid: 1, block: 1, stream, params: [{ type: 'ptr', value: counter }] }));
  const stream = ctx.createStream();
  const replay = ctx.replayTimes(graph, { warmup: 1, repeats: 2, stream, l2Flush: 4096 });
  graph.destroy();
  stream.destroy();
  // a larger flush replaces the context's flush buffer while the first replay still uses it
  const graph2 = ctx.captureGraph((s) => ctx.launch(add1, { grid: 1, block: 1, stream: s, params: [{ type: 'ptr', value: counter }] }));
  const replay2 = ctx.replayTimes(graph2, { warmup: 0, repeats: 1, l2Flush: 8192 });
  out.replay = await attempt(async () => {
    out.times = await replay;
  });
  out.replay2 = await attempt(() => replay2);
  out.counter = u64s(await counter.download())[0];
  out.graphAfterDestroy = await attempt(() => graph.launch());
  out.doubleDestroy = await attempt(() => {
    graph.destroy();
    stream.destroy();
  });

  const s2 = ctx.createStream();
  const sync = s2.synchronize();
  s2.destroy();
  out.streamSync = await attempt(() => sync);
  const ev = ctx.createEvent();
  ev.record(null);
  const evSync = ev.synchronize();
  ev.destroy();
  out.eventSync = await attempt(() => evSync);
  out.dead = ctx.dead;
  // close() while a download runs: the context is released after it, twice is fine
  const last = ctx.alloc(16);
  last.fill(9);
  const pending = last.download();
  ctx.close();
  out.downloadAcrossClose = [...(await pending)];
  out.closeTwice = await attempt(() => ctx.close());
  out.closed = ctx.closed;
}
if (scenario === 'download-alloc-fails') {
  // A download whose host array cannot be allocated (the child runs under ulimit -v, the fake
  // hands out 4 GiB of "device" memory with nothing behind it): it must fail as an error, not
  // abort the process, and leave no in-flight count behind that holds back the buffer's free or
  // the context's close.
  const { readFileSync } = await import('node:fs');
  const ctx = m.openContext(0);
  const freeBytes = () => ctx.memoryInfo().freeBytes;
  const before = freeBytes();
  // 4 GiB: the largest typed array Node 20 makes, so the allocation itself is what fails
  const buf = ctx.alloc(4 * 2 ** 30);
  out.heldBeforeDownload = before - freeBytes();
  out.download = await attempt(() => buf.download());
  buf.free();
  out.heldAfterFree = before - freeBytes();
  ctx.close();
  out.retainedAfterClose = Number(readFileSync(process.env.FAKE_CUDA_RETAINED_FILE, 'utf8'));
}
if (scenario === 'unload-with-graphs') {
  // Module.unload() while graphs captured from its kernels are alive: refused until the last is
  // destroyed (a replay in flight keeps its graph until it settles); graphs of another module
  // and a capture abandoned mid-way do not count.
  const ctx = m.openContext(0);
  const mod = ctx.loadModule(Buffer.from('FAKECUBIN image'));
  const other = ctx.loadModule(Buffer.from('FAKECUBIN image'));
  const add1 = mod.getFunction('add1');
  const otherAdd1 = other.getFunction('add1');
  const counter = ctx.alloc(8);
  counter.fill(0);
  const launch = (fn) => (stream) => ctx.launch(fn, { grid: 1, block: 1, stream, params: [{ type: 'ptr', value: counter }] });
  const g1 = ctx.captureGraph(launch(add1));
  const g2 = ctx.captureGraph((s) => {
    launch(add1)(s);
    launch(otherAdd1)(s);
  });
  out.abandoned = await attempt(() =>
    ctx.captureGraph((s) => {
      launch(add1)(s);
      throw new Error('recording failed');
    }),
  );
  out.withTwo = await attempt(() => mod.unload());
  out.unloadedAfterRefusal = await attempt(() => mod.getFunction('add1'));
  g1.destroy();
  out.withOne = await attempt(() => mod.unload());
  out.graphStillRuns = await attempt(() => g2.launch());
  // a plain launch of the module's kernel (no capture) does not hold it
  ctx.launch(add1, { grid: 1, block: 1, params: [{ type: 'ptr', value: counter }] });
  const replay = ctx.replayTimes(g2, { warmup: 0, repeats: 1 });
  g2.destroy();
  out.whileReplaying = await attempt(() => mod.unload());
  out.replay = await attempt(() => replay);
  out.afterReplay = await attempt(() => mod.unload());
  out.unloadedFunction = await attempt(() => ctx.launch(add1, { grid: 1, block: 1, params: [{ type: 'ptr', value: counter }] }));
  out.otherUnload = await attempt(() => other.unload());
  out.counter = u64s(await counter.download())[0];
  // after close() the context took the module and its graphs: unload() is a no-op, not refused
  const third = ctx.loadModule(Buffer.from('FAKECUBIN image'));
  ctx.captureGraph(launch(third.getFunction('add1'))); // never destroyed
  ctx.close();
  out.unloadAfterClose = await attempt(() => third.unload());
}
if (scenario === 'concurrent-replays') {
  // Two timed replays asked for at once: one graph of 1 kernel, one of 3 (10 us each on the
  // fake clock). Each must time only its own launches.
  const ctx = m.openContext(0);
  const mod = ctx.loadModule(Buffer.from('FAKECUBIN image'));
  const add1 = mod.getFunction('add1');
  const counter = ctx.alloc(8);
  counter.fill(0);
  const graphOf = (n) =>
    ctx.captureGraph((stream) => {
      for (let i = 0; i < n; i++) ctx.launch(add1, { grid: 1, block: 1, stream, params: [{ type: 'ptr', value: counter }] });
    });
  const one = graphOf(1);
  const three = graphOf(3);
  [out.one, out.three] = await Promise.all([ctx.replayTimes(one, { warmup: 0, repeats: 4 }), ctx.replayTimes(three, { warmup: 0, repeats: 4 })]);
  out.counter = u64s(await counter.download())[0];
}
if (scenario === 'hip') {
  const ctx = m.openContext(0);
  out.device = ctx.device;
  const mod = ctx.loadModule(Buffer.from('FAKECUBIN image'));
  const echo = mod.getFunction('echo');
  const res = ctx.alloc(64);
  const params = [
    { type: 'ptr', value: res },
    { type: 'i32', value: 7 },
    { type: 'i64', value: 2n ** 40n },
    { type: 'f32', value: -2 },
    { type: 'u32', value: 1 },
    { type: 'ptr', value: null },
  ];
  ctx.launch(echo, { grid: 5, block: [64, 4], sharedBytes: 64 * 1024, params });
  out.echo = u64s(await res.download());
  out.sharedTooLarge = await attempt(() => ctx.launch(echo, { grid: 1, block: 64, sharedBytes: 64 * 1024 + 1, params }));
  const add1 = mod.getFunction('add1');
  const counter = ctx.alloc(8);
  counter.fill(0);
  const graph = ctx.captureGraph((stream) => ctx.launch(add1, { grid: 1, block: 64, stream, params: [{ type: 'ptr', value: counter }] }));
  out.times = await ctx.replayTimes(graph, { warmup: 1, repeats: 2 });
  out.counter = u64s(await counter.download())[0];
  ctx.launch(mod.getFunction('fault'), { grid: 1, block: 1, params: [] });
  out.fault = await attempt(() => ctx.synchronize());
  out.dead = ctx.dead;
}
console.log(JSON.stringify(out, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)));
