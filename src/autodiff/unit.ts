import type { Unit } from "../check/unit.js";
import { unitGraphs } from "../ir/unit.js";
import { differentiateStep, type StepGradient } from "./reverse.js";

/**
 * The backward step of a unit whose kernel is one step graph (a cell); undefined for a model,
 * whose backward pass runs each layer's own backward step (print a layer's cell to see it).
 */
export function unitStepGradient(unit: Unit): StepGradient | undefined {
  return unit.kind === "cell" ? differentiateStep(unitGraphs(unit)[0]!) : undefined;
}
