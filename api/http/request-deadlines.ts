/**
 * The time limit on an answer, for every request with one timer. All requests have the same limit, so their
 * deadlines fall due in the order they came: the timer is set for the oldest request still running, and when it
 * fires, every request past its deadline is answered as timed out and the timer moves on to the next one. hono's
 * timeout() took a timer, a promise and a Promise.race per request: a share of the API's CPU and of the garbage its
 * scavenges collect.
 */
/**
 * Both closures are dropped once the work settled (the request's outcome is its own): a settled entry can wait in
 * `running` behind an older request still running, up to a thousand of them under steady load, and `timedOut` holds
 * the request's whole context (its body, its response). Kept, they were most of what the API's scavenges copied and
 * promoted: 4–10 MB live in the young generation at each, under bench/ledger.ts.
 */
interface Running {
  deadline: number;
  answer: ((value: unknown) => void) | null;
  timedOut: (() => unknown) | null;
}

function settle(entry: Running): void {
  entry.answer = null;
  entry.timedOut = null;
}

export class RequestDeadlines {
  /** Oldest first; settled entries leave from the front, as the timer or a new request reaches them. */
  private running: Running[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly ms: number) {}

  /**
   * `work`'s outcome, or `timedOut()`'s once `ms` have passed since this call (work goes on, unheard). The timeout is
   * an answer, not a rejection, so that the caller can answer it where it stands (the API's one level of middleware).
   */
  race<T>(work: Promise<T>, timedOut: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Running = { deadline: performance.now() + this.ms, answer: resolve as (value: unknown) => void, timedOut };
      this.dropSettled();
      this.running.push(entry);
      if (this.timer === null) this.arm(this.ms);
      work.then(
        (value) => {
          settle(entry);
          resolve(value);
        },
        (error: unknown) => {
          settle(entry);
          reject(error);
        },
      );
    });
  }

  private readonly expire = () => {
    this.timer = null;
    const now = performance.now();
    this.dropSettled();
    while (this.head < this.running.length && this.running[this.head]!.deadline <= now) {
      const entry = this.running[this.head++]!;
      if (entry.answer) entry.answer(entry.timedOut!());
      settle(entry);
      this.dropSettled();
    }
    if (this.head < this.running.length) this.arm(this.running[this.head]!.deadline - now);
  };

  private dropSettled(): void {
    while (this.head < this.running.length && this.running[this.head]!.answer === null) this.head++;
    if (this.head === this.running.length) {
      this.running = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.running.length) {
      this.running = this.running.slice(this.head);
      this.head = 0;
    }
  }

  private arm(ms: number): void {
    // a request in flight keeps the process alive by its socket; this timer alone should not
    this.timer = setTimeout(this.expire, Math.max(ms, 0)).unref();
  }
}
