export interface FlushTimerOptions {
  intervalInMs: number;
  /** Runs when the timer is due; the owner reports the outcome with succeeded() or failed(). */
  onDue: () => void;
  maxRetryDelayInMs?: number;
}

/**
 * When buffered writes go to disk: after the interval, at once when a batch is full, and with
 * exponential backoff while writes fail (so a broken disk is not hammered by every append).
 */
export class FlushTimer {
  private timer: NodeJS.Timeout | undefined;
  private armedForNow = false;
  private consecutiveFailures = 0;

  constructor(private readonly options: FlushTimerOptions) {}

  /** Arms the timer if it is not armed; `now` runs it on the next turn, except while writes fail. */
  arm(now = false): void {
    const soon = now && this.consecutiveFailures === 0;
    if (this.timer !== undefined && (this.armedForNow || !soon)) return;
    this.start(soon ? 0 : this.options.intervalInMs);
    this.armedForNow = soon;
  }

  succeeded(): void {
    this.consecutiveFailures = 0;
    this.disarm();
  }

  /** Schedules the retry and returns its delay. */
  failed(): number {
    this.consecutiveFailures += 1;
    const delayInMs = Math.min(this.options.maxRetryDelayInMs ?? 5_000, this.options.intervalInMs * 2 ** this.consecutiveFailures);
    this.disarm();
    this.start(delayInMs);
    return delayInMs;
  }

  disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedForNow = false;
  }

  private start(delayInMs: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.armedForNow = false;
      this.options.onDue();
    }, delayInMs);
  }
}
