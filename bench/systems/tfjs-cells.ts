/**
 * The cells of the benchmark written as a loop of tfjs ops over time, in PyTorch's parameter layout.
 * The input projection x·W_ihᵀ + b_ih is one matrix product for all steps (as PyTorch and cuDNN do); the
 * recurrent product h·W_hhᵀ is one per step, because it depends on the previous step. The weights are
 * transposed once per sequence, outside the time loop: tfjs-backend-wasm's matMul with transposeB is about
 * 20× slower than on a pre-transposed operand (0.7 vs 13.6 GFLOP/s at [32, 384]·[384, 1024] here).
 */
import * as tf from "@tensorflow/tfjs";
import type { CellKind } from "../workloads.js";

/** Parameters as tensors, by the names of the .rnn cell (W_ih, W_hh, b_ih, b_hh, …). */
export type TfParams = Record<string, tf.Tensor>;

/** Runs a whole sequence: x [T, B, I] → per-step outputs [T, B, H], initial states zero. */
export type TfSequence = (x: tf.Tensor3D, p: TfParams, H: number) => tf.Tensor3D;

function param(p: TfParams, name: string): tf.Tensor {
  const t = p[name];
  if (t === undefined) throw new Error(`tfjs cell: missing parameter ${name}`);
  return t;
}

/** x·W_ihᵀ + b_ih for every step at once, returned step by step as [B, G·H] tensors. */
function inputProjection(x: tf.Tensor3D, p: TfParams): tf.Tensor2D[] {
  const [T, B, I] = x.shape;
  const W_ih = param(p, "W_ih") as tf.Tensor2D;
  const proj = tf.add(tf.matMul(tf.reshape(x, [T * B, I]), tf.transpose(W_ih)), param(p, "b_ih"));
  return tf.unstack(tf.reshape(proj, [T, B, W_ih.shape[0]])) as tf.Tensor2D[];
}

/** PyTorch's LSTM: gates i, f, g, o; c' = σ(f)·c + σ(i)·tanh(g); h' = σ(o)·tanh(c'). */
export const lstmSequence: TfSequence = (x, p, H) => {
  const B = x.shape[1];
  const W_hhT = tf.transpose(param(p, "W_hh")) as tf.Tensor2D;
  const b_hh = param(p, "b_hh");
  let h: tf.Tensor2D = tf.zeros([B, H]);
  let c: tf.Tensor2D = tf.zeros([B, H]);
  const outs: tf.Tensor2D[] = [];
  for (const xp of inputProjection(x, p)) {
    const gates = tf.add(xp, tf.add(tf.matMul(h, W_hhT), b_hh));
    const [i, f, g, o] = tf.split(gates, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
    h = tf.mul(tf.sigmoid(o), tf.tanh(c));
    outs.push(h);
  }
  return tf.stack(outs) as tf.Tensor3D;
};

/** PyTorch's GRU: gates r, z, n; n = tanh(x_n + r·(W_hn h + b_hn)); h' = (1 − z)·n + z·h. */
export const gruSequence: TfSequence = (x, p, H) => {
  const B = x.shape[1];
  const W_hhT = tf.transpose(param(p, "W_hh")) as tf.Tensor2D;
  const b_hh = param(p, "b_hh");
  let h: tf.Tensor2D = tf.zeros([B, H]);
  const outs: tf.Tensor2D[] = [];
  for (const xp of inputProjection(x, p)) {
    const hp = tf.add(tf.matMul(h, W_hhT), b_hh);
    const [xr, xz, xn] = tf.split(xp, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const [hr, hz, hn] = tf.split(hp, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const r = tf.sigmoid(tf.add(xr, hr));
    const z = tf.sigmoid(tf.add(xz, hz));
    const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
    h = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
    outs.push(h);
  }
  return tf.stack(outs) as tf.Tensor3D;
};

/**
 * examples/peephole_lstm.rnn: gates from W_ih x + W_hh h + b (one bias); the input and forget gates look at
 * the old cell state, the output gate at the new one: i = σ(z_i + p_i·c), f = σ(z_f + p_f·c),
 * c' = f·c + i·tanh(z_g), o = σ(z_o + p_o·c'), h' = o·tanh(c').
 */
export const peepholeLstmSequence: TfSequence = (x, p, H) => {
  const [T, B, I] = x.shape;
  const W_ih = param(p, "W_ih") as tf.Tensor2D;
  const W_hhT = tf.transpose(param(p, "W_hh")) as tf.Tensor2D;
  const [p_i, p_f, p_o] = [param(p, "p_i"), param(p, "p_f"), param(p, "p_o")];
  const proj = tf.add(tf.matMul(tf.reshape(x, [T * B, I]), tf.transpose(W_ih)), param(p, "b"));
  let h: tf.Tensor2D = tf.zeros([B, H]);
  let c: tf.Tensor2D = tf.zeros([B, H]);
  const outs: tf.Tensor2D[] = [];
  for (const xp of tf.unstack(tf.reshape(proj, [T, B, 4 * H])) as tf.Tensor2D[]) {
    const z = tf.add(xp, tf.matMul(h, W_hhT));
    const [zi, zf, zg, zo] = tf.split(z, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const i = tf.sigmoid(tf.add(zi, tf.mul(p_i, c)));
    const f = tf.sigmoid(tf.add(zf, tf.mul(p_f, c)));
    c = tf.add(tf.mul(f, c), tf.mul(i, tf.tanh(zg)));
    const o = tf.sigmoid(tf.add(zo, tf.mul(p_o, c)));
    h = tf.mul(o, tf.tanh(c));
    outs.push(h);
  }
  return tf.stack(outs) as tf.Tensor3D;
};

/** layernorm of examples/layernorm_lstm.rnn over the last axis: gain·(v − mean)/√(var + 1e-5) + bias. */
function layerNorm(v: tf.Tensor2D, gain: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
  const d = tf.sub(v, tf.mean(v, -1, true));
  const variance = tf.mean(tf.mul(d, d), -1, true);
  return tf.add(tf.mul(gain, tf.div(d, tf.sqrt(tf.add(variance, 1e-5)))), bias);
}

/**
 * examples/layernorm_lstm.rnn: gates = LN(W_ih x; g_ih, b_ih) + LN(W_hh h; g_hh, b_hh), each normalised
 * over all 4H gate values; c' = σ(f)·c + σ(i)·tanh(g); h' = σ(o)·tanh(LN(c'; g_c, b_c)).
 */
export const layerNormLstmSequence: TfSequence = (x, p, H) => {
  const [T, B, I] = x.shape;
  const W_ih = param(p, "W_ih") as tf.Tensor2D;
  const W_hhT = tf.transpose(param(p, "W_hh")) as tf.Tensor2D;
  const proj = layerNorm(tf.matMul(tf.reshape(x, [T * B, I]), tf.transpose(W_ih)), param(p, "g_ih"), param(p, "b_ih"));
  let h: tf.Tensor2D = tf.zeros([B, H]);
  let c: tf.Tensor2D = tf.zeros([B, H]);
  const outs: tf.Tensor2D[] = [];
  for (const xp of tf.unstack(tf.reshape(proj, [T, B, 4 * H])) as tf.Tensor2D[]) {
    const gates = tf.add(xp, layerNorm(tf.matMul(h, W_hhT), param(p, "g_hh"), param(p, "b_hh")));
    const [i, f, g, o] = tf.split(gates, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
    h = tf.mul(tf.sigmoid(o), tf.tanh(layerNorm(c, param(p, "g_c"), param(p, "b_c"))));
    outs.push(h);
  }
  return tf.stack(outs) as tf.Tensor3D;
};

/** The tfjs math per cell kind, each written from the cell's .rnn source. */
export const TF_CELLS: Record<CellKind, TfSequence> = {
  LSTM: lstmSequence,
  GRU: gruSequence,
  PeepholeLSTM: peepholeLstmSequence,
  LayerNormLSTM: layerNormLstmSequence,
};

/** The parameter names each cell's math reads, to refuse a .rnn whose parameters have since changed. */
export const TF_CELL_PARAMS: Record<CellKind, readonly string[]> = {
  LSTM: ["W_ih", "W_hh", "b_ih", "b_hh"],
  GRU: ["W_ih", "W_hh", "b_ih", "b_hh"],
  PeepholeLSTM: ["W_ih", "W_hh", "b", "p_i", "p_f", "p_o"],
  LayerNormLSTM: ["W_ih", "W_hh", "g_ih", "b_ih", "g_hh", "b_hh", "g_c", "b_c"],
};
