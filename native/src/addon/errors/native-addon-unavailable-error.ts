/** One place the addon was looked for, why it did not load there and how to fix that. */
export interface AddonLoadAttempt {
  readonly path: string;
  readonly problem: string;
  readonly fix: string;
}

/** No build of the native addon could be loaded. The message lists each place tried, the cause and its fix. */
export class NativeAddonUnavailableError extends Error {
  readonly code = 'MOE_NATIVE_ADDON_UNAVAILABLE';

  constructor(readonly attempts: readonly AddonLoadAttempt[]) {
    super(
      [
        '@moe/native: the native addon (moe_native.node) did not load; tried:',
        ...attempts.map((a, i) => `  ${i + 1}. ${a.path}: ${a.problem}. Fix: ${a.fix}`),
      ].join('\n'),
    );
    this.name = 'NativeAddonUnavailableError';
  }
}
