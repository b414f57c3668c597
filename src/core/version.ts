/** rnnc's version, as written into generated files (kept in step with package.json by a test). */
export const RNNC_VERSION = "0.1.0";
