// Max ulp error of rnnc's SIMD exp/expm1/log/log1p/tanh/sigmoid over every float32 binade,
// 2^16 significands per binade and sign (about 33 M points per function). Not a test: slow-ish.
import { log1p, maxUlp, sigmoid } from "../test/backends/wasm/ulp.js";

const per = Number(process.argv[2] ?? 65536);
for (const [op, ref] of [["exp", Math.exp], ["expm1", Math.expm1], ["log", Math.log], ["log1p", log1p], ["tanh", Math.tanh], ["sigmoid", sigmoid]] as const) {
  const { max, at } = maxUlp(op, ref, per);
  console.log(`${op.padEnd(8)} max ${max.toFixed(3)} ulp (at x = ${at})`);
}
