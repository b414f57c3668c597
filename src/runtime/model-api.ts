/**
 * What a generated module that defines a model calls besides index.ts: the model driver. Bundled
 * after index.ts (only what index.ts does not already embed), into modules with a model only.
 */
export { buildModel, type CellFactory, type ModelPlan } from "./model.js";
