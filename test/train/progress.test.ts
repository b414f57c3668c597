import { describe, expect, it } from "vitest";
import { fitProgressBar, formatDuration, formatProgressBar, ProgressMeter } from "../../src/train/progress.js";

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

describe("the bar fits the terminal", () => {
  const snapshot = { iteration: 120, iterations: 1000, loss: 2.345, meanLoss: 2.4, stepsPerSecond: 18.2, etaSeconds: 48 };

  it("is 24 wide when the width is unknown, narrower in a narrow terminal, and gone before the numbers are cut", () => {
    expect(fitProgressBar(snapshot, undefined)).toBe(formatProgressBar(snapshot));
    expect(fitProgressBar(snapshot, 200)).toBe(formatProgressBar(snapshot));
    // The numbers take 44 columns after the bar's brackets: at 60 columns the bar is 60 − 1 − 46 = 13 wide
    // (120/1000 of it filled: 1), filling the line to 59 columns.
    expect(fitProgressBar(snapshot, 60)).toBe(`[#${"-".repeat(12)}]   120/1000  loss 2.345  18 steps/s  ETA 48s`);
    // Below 4 columns of bar, the bar goes and the numbers are cut to 39 columns.
    expect(fitProgressBar(snapshot, 40)).toBe(" 120/1000  loss 2.345  18 steps/s  ETA 48s".slice(0, 39));
    for (const columns of [10, 20, 40, 56, 57, 80]) expect(fitProgressBar(snapshot, columns).length).toBeLessThan(columns);
  });

  it("a narrow terminal gets one line redrawn in place: no newline until the last iteration", () => {
    let now = 0;
    const meter = new ProgressMeter(50, true, () => now, undefined, 100, 30);
    const out: string[] = [];
    for (let i = 1; i <= 50; i++) {
      now += 150;
      out.push(meter.update(i, 1)!);
    }
    expect(out.slice(0, -1).every((s) => s.startsWith("\r") && !s.includes("\n"))).toBe(true);
    expect(out.at(-1)!.endsWith("\n")).toBe(true);
    // What a line shows (between `\r` and the clear-to-end `\x1b[K`) fits in 29 columns.
    expect(out.every((s) => s.replace(/^\r/, "").replace(/\x1b\[K\n?$/, "").length <= 29)).toBe(true);
  });
});
