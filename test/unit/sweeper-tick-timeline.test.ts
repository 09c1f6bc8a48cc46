import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TickTimeline } from '../../activities/collection/sweeper/tick-timeline.js';

describe('TickTimeline', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it("keeps each phase's first and last moment from the tick's start, and how often it happened", () => {
    const timeline = new TickTimeline();
    vi.advanceTimersByTime(40);
    timeline.mark('read');
    vi.advanceTimersByTime(60);
    timeline.mark('planned');
    vi.advanceTimersByTime(900);
    timeline.mark('planned');
    timeline.mark('look', 0);
    vi.advanceTimersByTime(500);
    timeline.mark('look', 350);
    vi.advanceTimersByTime(100);

    expect(timeline.summary()).toEqual({
      ms: 1_600,
      phases: { read: [40, 40, 1], planned: [100, 1_000, 2], look: [1_000, 1_500, 350] },
    });
  });

  it('lists no phase that did not happen', () => {
    expect(new TickTimeline().summary()).toEqual({ ms: 0, phases: {} });
  });
});
