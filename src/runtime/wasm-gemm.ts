// The WebAssembly GEMM kernels behind the JS runtime's contract (runtime/gemm.ts): the same
// calls, with every matrix a view (float offset, leading dimension) into the one memory the
// module imports. The compile-time side (src/backends/wasm/gemm.ts) emits the kernels; this
// file only calls them, through a ThreadPool when one is given (outputs split by 8-column
// panels: bit-identical for any thread count). No imports beyond the runtime's own files.
import type { ThreadPool } from "./wasm-threads.js";

/** A packed B operand living in wasm memory: ⌈n/8⌉ panels of k×8 floats from float offset `at`. */
export interface WasmPackedB {
  readonly k: number;
  readonly n: number;
  readonly at: number;
}

/** Floats a packed [k×n] operand occupies. */
export function packedFloats(k: number, n: number): number {
  return ((n + 7) >> 3) * k * 8;
}

type Kernel = (...args: number[]) => void;

/** Kernel export names (as emitted by the compiler's GEMM_KERNELS). */
const NAMES = {
  packN: "f32_packb_n_8",
  packT: "f32_packb_t_8",
  gemmNT: "f32_gemm_nt_4x8_loadsplat",
  gemmTN: "f32_gemm_tn_4x8_loadsplat",
  transpose: "f32_transpose",
} as const;

export class WasmGemm {
  private readonly packN: Kernel;
  private readonly packT: Kernel;
  private readonly nt: Kernel;
  private readonly tn: Kernel;
  private readonly transpose: Kernel;

  constructor(instance: WebAssembly.Instance, private readonly pool?: ThreadPool) {
    const get = (n: string) => {
      const f = instance.exports[n];
      if (typeof f !== "function") throw new Error(`WasmGemm: the module does not export ${n}`);
      return f as Kernel;
    };
    this.packN = get(NAMES.packN);
    this.packT = get(NAMES.packT);
    this.nt = get(NAMES.gemmNT);
    this.tn = get(NAMES.gemmTN);
    this.transpose = get(NAMES.transpose);
  }

  /** The exports a ThreadPool must list to run these products. */
  static readonly poolExports: readonly string[] = [NAMES.gemmNT, NAMES.gemmTN];

  /** Packs op(B) [k×n] — B [k×n] at `bOff` (`trans` false) or Bᵀ given [n×k] — into `packedFloats(k, n)` floats at `dst`. */
  packB(bOff: number, ldb: number, trans: boolean, k: number, n: number, dst: number): WasmPackedB {
    (trans ? this.packT : this.packN)(4 * bOff, ldb, k, n, 4 * dst);
    return { k, n, at: dst };
  }

  /** C[m×n] (+)= A[m×k]·B, B packed. */
  gemm(m: number, aOff: number, lda: number, Bp: WasmPackedB, cOff: number, ldc: number, accumulate: boolean): void {
    this.product(false, m, aOff, lda, Bp, cOff, ldc, accumulate);
  }

  /**
   * C[m×n] (+)= A[k×m]ᵀ·B, B packed (a weight's gradient). With `scratch` (a float offset
   * with room for m·k floats), A is first transposed there and the row-layout kernel runs:
   * reading A's columns directly is about 1.6× slower when lda is a multiple of 1024 (every
   * row of A then falls in the same L1 cache set). Same result either way, bit for bit.
   */
  gemmTransA(m: number, aOff: number, lda: number, Bp: WasmPackedB, cOff: number, ldc: number, accumulate: boolean, scratch?: number): void {
    if (scratch === undefined) return this.product(true, m, aOff, lda, Bp, cOff, ldc, accumulate);
    this.transpose(4 * aOff, lda, Bp.k, m, 4 * scratch, Bp.k);
    this.product(false, m, scratch, Bp.k, Bp, cOff, ldc, accumulate);
  }

  private product(tn: boolean, m: number, aOff: number, lda: number, Bp: WasmPackedB, cOff: number, ldc: number, accumulate: boolean): void {
    const { k, n, at } = Bp;
    const panels = (n + 7) >> 3;
    const args = [m, k, 4 * aOff, lda, 4 * at, n, 4 * cOff, ldc, accumulate ? 1 : 0];
    if (this.pool !== undefined && this.pool.splits(2 * m * n * k, panels)) {
      this.pool.run(tn ? NAMES.gemmTN : NAMES.gemmNT, args, panels, 2 * m * n * k);
    } else {
      (tn ? this.tn : this.nt)(...args, 0, panels);
    }
  }
}
