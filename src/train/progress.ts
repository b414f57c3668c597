/**
 * Training progress as text: a bar redrawn in place on a terminal, plain lines otherwise (a log
 * file, CI). Pure formatting around a clock passed in, so the text is testable.
 */

export interface ProgressSnapshot {
  readonly iteration: number;
  readonly iterations: number;
  readonly loss: number;
  /** Mean loss of the steps since the previous report. */
  readonly meanLoss: number;
  readonly stepsPerSecond: number;
  /** Seconds to the last iteration at the current speed. */
  readonly etaSeconds: number;
}

/** `48s`, `3m05s`, `1h02m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

function speed(stepsPerSecond: number): string {
  return stepsPerSecond >= 10 ? stepsPerSecond.toFixed(0) : stepsPerSecond.toFixed(1);
}

/** `[########------------]  120/1000  loss 2.345  18.2 steps/s  ETA 48s` (no newline). */
export function formatProgressBar(p: ProgressSnapshot, width = 24): string {
  const filled = Math.min(width, Math.floor((p.iteration / p.iterations) * width));
  const digits = String(p.iterations).length;
  return (
    `[${"#".repeat(filled)}${"-".repeat(width - filled)}]  ${String(p.iteration).padStart(digits)}/${p.iterations}` +
    `  loss ${p.loss.toFixed(3)}  ${speed(p.stepsPerSecond)} steps/s  ETA ${formatDuration(p.etaSeconds)}`
  );
}

/**
 * The bar fitted into `columns` (the terminal's width): the bar shrinks (to nothing) before the
 * numbers are cut, and the line stays one column short of the width, so redrawing it with `\r`
 * never wraps onto a new line in a narrow terminal.
 */
export function fitProgressBar(p: ProgressSnapshot, columns: number | undefined): string {
  if (columns === undefined) return formatProgressBar(p);
  const room = Math.max(1, columns - 1);
  const bare = formatProgressBar(p, 0);
  // The bar is `[` width `]`; the rest of the line is `bare` minus its empty `[]`.
  const width = Math.min(24, room - bare.length);
  if (width >= 4) return formatProgressBar(p, width);
  const numbers = bare.slice(4);
  return Array.from(numbers).slice(0, room).join("");
}

/** `iteration 120/1000  loss 2.345  mean 2.412  18.2 steps/s  ETA 48s` (no newline). */
export function formatProgressLine(p: ProgressSnapshot): string {
  return `iteration ${p.iteration}/${p.iterations}  loss ${p.loss.toFixed(3)}  mean ${p.meanLoss.toFixed(3)}  ${speed(p.stepsPerSecond)} steps/s  ETA ${formatDuration(p.etaSeconds)}`;
}

/**
 * Decides when to report and what: on a terminal, a bar at most every `redrawMs` (and at the last
 * iteration); otherwise a line every `every` iterations (and at the last). Speed is measured from
 * the first report's clock reading, so compiling the cell does not count.
 */
export class ProgressMeter {
  private readonly start: number;
  private lastDraw = -Infinity;
  private sinceReport = 0;
  private lossSum = 0;

  constructor(
    private readonly iterations: number,
    private readonly terminal: boolean,
    private readonly now: () => number,
    private readonly every = Math.max(1, Math.round(iterations / 20)),
    private readonly redrawMs = 100,
    /** The terminal's width (undefined: unknown, the bar is 24 wide). */
    private readonly columns?: number,
  ) {
    this.start = now();
  }

  /** The text to write after `iteration` (with its `\r` or newline), or undefined for nothing. */
  update(iteration: number, loss: number): string | undefined {
    this.sinceReport++;
    this.lossSum += loss;
    const t = this.now();
    const last = iteration === this.iterations;
    const due = this.terminal ? last || t - this.lastDraw >= this.redrawMs : last || iteration % this.every === 0;
    if (!due) return undefined;
    const elapsed = (t - this.start) / 1000;
    const stepsPerSecond = elapsed > 0 ? iteration / elapsed : 0;
    const snapshot: ProgressSnapshot = {
      iteration,
      iterations: this.iterations,
      loss,
      meanLoss: this.lossSum / this.sinceReport,
      stepsPerSecond,
      etaSeconds: stepsPerSecond > 0 ? (this.iterations - iteration) / stepsPerSecond : Infinity,
    };
    this.lastDraw = t;
    this.sinceReport = 0;
    this.lossSum = 0;
    // `\x1b[K` clears what a longer previous bar left at the end of the line.
    return this.terminal ? `\r${fitProgressBar(snapshot, this.columns)}\x1b[K${last ? "\n" : ""}` : `${formatProgressLine(snapshot)}\n`;
  }
}
