// Test helper: wabt (a devDependency, never needed at run time) validates and disassembles
// the bytes rnnc emits, independently of the engine.
import wabtInit from "wabt";

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
let wabt: Promise<Wabt> | undefined;

const FEATURES = { simd: true, threads: true, relaxed_simd: true, multi_value: true };

/** Throws wabt's message if the module does not validate. */
export async function wabtValidate(bytes: Uint8Array): Promise<void> {
  const w = await (wabt ??= wabtInit());
  const mod = w.readWasm(bytes, { readDebugNames: true, ...FEATURES });
  try {
    (mod.validate as (f: object) => void)(FEATURES);
  } finally {
    mod.destroy();
  }
}

/** The text format of the module (names from the name section). */
export async function wasm2wat(bytes: Uint8Array): Promise<string> {
  const w = await (wabt ??= wabtInit());
  const mod = w.readWasm(bytes, { readDebugNames: true, ...FEATURES });
  try {
    mod.applyNames();
    return mod.toText({ foldExprs: false, inlineExport: false });
  } finally {
    mod.destroy();
  }
}
