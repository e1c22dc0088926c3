/** The deployment profile-handler.ts compares against: today's, unless its BASE=<commit> swaps this module at bundle time. */
export { createDeployment } from "../runtime/deployment.ts";
