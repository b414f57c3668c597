/**
 * Self-check of the tfjs math that workload C compares rnnc against, written from examples/*.rnn: before
 * blaming rnnc for a disagreement, this shows the tfjs side agrees with references that share no code
 * with it. `npx tsx bench/check-tfjs-cells.ts` prints the max |Δ| of each and exits 1 beyond 1e-5.
 *   - peephole LSTM vs ONNX's own LSTM operator with its peephole input P (run by onnxruntime);
 *   - layer-normalised LSTM vs a scalar float64 loop written directly from the .rnn equations.
 */
import * as tf from "@tensorflow/tfjs";
import onnxProto from "onnx-proto";
import * as ort from "onnxruntime-node";
import { reorderGateBlocks } from "./systems/onnx-native-model.js";
import { layerNormLstmSequence, peepholeLstmSequence } from "./systems/tfjs-cells.js";
import { seededRandom, uniformArray } from "./workloads.js";

const { onnx } = onnxProto;
const I = 5, H = 6, B = 3, T = 7;
const rand = seededRandom(3);
const x = uniformArray(T * B * I, 1, rand);

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return a.length === b.length ? m : Infinity;
}

async function checkPeephole(): Promise<number> {
  const P = {
    W_ih: uniformArray(4 * H * I, 0.5, rand), W_hh: uniformArray(4 * H * H, 0.5, rand), b: uniformArray(4 * H, 0.5, rand),
    p_i: uniformArray(H, 0.5, rand), p_f: uniformArray(H, 0.5, rand), p_o: uniformArray(H, 0.5, rand),
  };
  const params = {
    W_ih: tf.tensor2d(P.W_ih, [4 * H, I]), W_hh: tf.tensor2d(P.W_hh, [4 * H, H]), b: tf.tensor1d(P.b),
    p_i: tf.tensor1d(P.p_i), p_f: tf.tensor1d(P.p_f), p_o: tf.tensor1d(P.p_o),
  };
  const ours = peepholeLstmSequence(tf.tensor3d(x, [T, B, I]), params, H).dataSync();
  // ONNX: gates i, o, f, c; B = [Wb, Rb] (the cell's single bias goes in Wb); P = [p_i, p_o, p_f].
  const order = [0, 3, 1, 2];
  const bias = new Float32Array(8 * H);
  bias.set(reorderGateBlocks(P.b, H, 1, order), 0);
  const peep = new Float32Array(3 * H);
  peep.set(P.p_i, 0);
  peep.set(P.p_o, H);
  peep.set(P.p_f, 2 * H);
  const init = (name: string, dims: number[], d: Float32Array) => ({ name, dims, dataType: 1, rawData: new Uint8Array(d.buffer.slice(0)) });
  const vi = (name: string, dims: number[]) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  const model = onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: "", version: 14 }],
      graph: {
        name: "peephole",
        node: [{ opType: "LSTM", input: ["X", "W", "R", "B", "", "", "", "P"], output: ["Y"], attribute: [{ name: "hidden_size", type: 2, i: H }] }],
        initializer: [
          init("W", [1, 4 * H, I], reorderGateBlocks(P.W_ih, H, I, order)),
          init("R", [1, 4 * H, H], reorderGateBlocks(P.W_hh, H, H, order)),
          init("B", [1, 8 * H], bias),
          init("P", [1, 3 * H], peep),
        ],
        input: [vi("X", [T, B, I])],
        output: [vi("Y", [T, 1, B, H])],
      },
    }),
  ).finish();
  const session = await ort.InferenceSession.create(model);
  const theirs = (await session.run({ X: new ort.Tensor("float32", x, [T, B, I]) })).Y!.data as Float32Array;
  await session.release();
  return maxDiff(ours, theirs);
}

function checkLayerNorm(): number {
  const shapes: Record<string, number[]> = {
    W_ih: [4 * H, I], W_hh: [4 * H, H], g_ih: [4 * H], b_ih: [4 * H], g_hh: [4 * H], b_hh: [4 * H], g_c: [H], b_c: [H],
  };
  const Q: Record<string, Float32Array> = {};
  const params: Record<string, tf.Tensor> = {};
  for (const [name, shape] of Object.entries(shapes)) {
    Q[name] = uniformArray(shape.reduce((a, b) => a * b, 1), name.startsWith("g") ? 1.5 : 0.5, rand);
    params[name] = tf.tensor(Q[name]!, shape);
  }
  const ours = layerNormLstmSequence(tf.tensor3d(x, [T, B, I]), params, H).dataSync();
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const ln = (v: number[], g: Float32Array, b: Float32Array): number[] => {
    const mu = v.reduce((a, c) => a + c, 0) / v.length;
    const d = v.map((e) => e - mu);
    const variance = d.reduce((a, c) => a + c * c, 0) / v.length;
    return d.map((e, k) => (g[k]! * e) / Math.sqrt(variance + 1e-5) + b[k]!);
  };
  const matvec = (W: Float32Array, cols: number, v: ArrayLike<number>, off: number): number[] =>
    Array.from({ length: 4 * H }, (_, r) => {
      let acc = 0;
      for (let k = 0; k < cols; k++) acc += W[r * cols + k]! * v[off + k]!;
      return acc;
    });
  const theirs = new Float64Array(T * B * H);
  for (let b = 0; b < B; b++) {
    let h = new Array<number>(H).fill(0);
    let c = new Array<number>(H).fill(0);
    for (let t = 0; t < T; t++) {
      const gi = ln(matvec(Q.W_ih!, I, x, (t * B + b) * I), Q.g_ih!, Q.b_ih!);
      const gh = ln(matvec(Q.W_hh!, H, h, 0), Q.g_hh!, Q.b_hh!);
      const g = gi.map((v, k) => v + gh[k]!);
      c = c.map((cv, j) => sig(g[H + j]!) * cv + sig(g[j]!) * Math.tanh(g[2 * H + j]!));
      const lc = ln(c, Q.g_c!, Q.b_c!);
      h = h.map((_, j) => sig(g[3 * H + j]!) * Math.tanh(lc[j]!));
      theirs.set(h, (t * B + b) * H);
    }
  }
  return maxDiff(ours, theirs);
}

tf.enableProdMode(); // no console advice to install tfjs-node
await tf.setBackend("cpu");
const peephole = await checkPeephole();
const layerNorm = checkLayerNorm();
console.log(`tfjs peephole LSTM vs ONNX LSTM with peepholes: max |Δ| ${peephole.toExponential(2)}`);
console.log(`tfjs layer-norm LSTM vs float64 scalar loop:    max |Δ| ${layerNorm.toExponential(2)}`);
process.exitCode = peephole <= 1e-5 && layerNorm <= 1e-5 ? 0 : 1;
