/** Every command of the CLI, each a thin wrapper over the library (src/api.ts and the stage folders). */
import type { Command } from "./args.js";
import { checkCmd } from "./check.js";
import { demoCmd } from "./demo.js";
import { doctorCmd } from "./doctor.js";
import { feedbackCmd } from "./feedback.js";
import { indexCmd, labelsCmd } from "./history.js";
import { initCmd, uninstallCmd } from "./install.js";
import { calibrateCmd, datasetCmd, evalCmd, trainCmd } from "./model.js";
import { rulesCmd } from "./rules.js";

export type { Command } from "./args.js";

export const commands: Record<string, Command> = {
  init: initCmd,
  uninstall: uninstallCmd,
  check: checkCmd,
  rules: rulesCmd,
  doctor: doctorCmd,
  index: indexCmd,
  labels: labelsCmd,
  feedback: feedbackCmd,
  dataset: datasetCmd,
  train: trainCmd,
  eval: evalCmd,
  calibrate: calibrateCmd,
  demo: demoCmd,
};
