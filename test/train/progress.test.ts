import { describe, expect, it } from "vitest";
import { formatDuration, formatProgressBar, ProgressMeter } from "../../src/train/progress.js";

describe("progress", () => {
  it("durations", () => {
    expect([0, 48.4, 185, 3720, Infinity].map(formatDuration)).toEqual(["0s", "48s", "3m05s", "1h02m", "?"]);
  });

  it("the bar: filled in proportion, counts padded, speed and ETA", () => {
    expect(formatProgressBar({ iteration: 25, iterations: 100, loss: 2.41234, meanLoss: 2.5, stepsPerSecond: 4.06, etaSeconds: 18.5 }, 8)).toBe(
      "[##------]   25/100  loss 2.412  4.1 steps/s  ETA 19s",
    );
  });

  it("off a terminal: a line every `every` iterations and at the last, with the mean loss since the previous line", () => {
    let now = 0;
    const meter = new ProgressMeter(5, false, () => now, 2);
    const lines = [1, 2, 3, 4, 5].map((i) => {
      now += 500; // half a second per step: 2 steps/s
      return meter.update(i, i);
    });
    expect(lines).toEqual([
      undefined,
      "iteration 2/5  loss 2.000  mean 1.500  2.0 steps/s  ETA 2s\n",
      undefined,
      "iteration 4/5  loss 4.000  mean 3.500  2.0 steps/s  ETA 1s\n",
      "iteration 5/5  loss 5.000  mean 5.000  2.0 steps/s  ETA 0s\n",
    ]);
  });

  it("on a terminal: redrawn in place at most every 100 ms, and ended with a newline", () => {
    let now = 0;
    const meter = new ProgressMeter(4, true, () => now);
    const out = [30, 60, 150, 160].map((t, i) => {
      now = t;
      return meter.update(i + 1, 1);
    });
    expect(out.map((s) => (s === undefined ? "-" : s.startsWith("\r") ? (s.endsWith("\n") ? "last" : "draw") : "?"))).toEqual(["draw", "-", "draw", "last"]);
  });
});
