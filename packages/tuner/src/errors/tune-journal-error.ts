/** A tune journal that cannot be used: another run's, unreadable, or present without --resume. */
export class TuneJournalError extends Error {
  readonly code = 'MOE_TUNE_JOURNAL';
  /** Bad input (the --out folder or the options do not match it): the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'TuneJournalError';
  }
}
