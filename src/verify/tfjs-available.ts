/**
 * TensorFlow.js is an optional peer dependency of rnnc: only gradcheck needs it (its oracle, and
 * the module graph of the gradient checks), and it is most of what an install would weigh
 * (~270 MB). Says how to get it when it is not installed, instead of a module-not-found stack.
 */
export async function tfjsMissing(): Promise<string | undefined> {
  try {
    await import("@tensorflow/tfjs");
    return undefined;
  } catch (error) {
    const code = typeof error === "object" && error !== null && "code" in error ? (error as { code: unknown }).code : undefined;
    const message = error instanceof Error ? error.message : String(error);
    if ((code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && message.includes("@tensorflow/tfjs")) {
      return "gradcheck needs @tensorflow/tfjs, an optional peer dependency of rnnc that is not installed: add it with `npm i -D @tensorflow/tfjs`";
    }
    throw error;
  }
}
