/**
 * An authenticator app for tests: it gives each code for a later time step than the one before, as the API accepts a
 * step's code once (RFC 6238 §5.2), and allows a step of clock drift either side. So three codes come without waiting
 * (the previous step's while the current one has time left to use it, the current step's, the next one's); then it
 * waits for the clock.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { generate } from 'otplib';

const STEP_MS = 30_000;
/** Time left in the current step for a previous step's code to be sent and checked. */
const MARGIN_MS = 10_000;

export class Authenticator {
  private lastStep = 0;

  constructor(readonly secret: string) {}

  async code(): Promise<string> {
    const now = Date.now();
    const current = Math.floor(now / STEP_MS);
    const earliest = (current + 1) * STEP_MS - now > MARGIN_MS ? current - 1 : current;
    const step = Math.max(earliest, this.lastStep + 1);
    if (step > current + 1) await sleep((step - 1) * STEP_MS - now + 50);
    this.lastStep = step;
    return generate({ secret: this.secret, epoch: (step * STEP_MS) / 1000 });
  }
}
