import { nextAuthor, repoRoot } from "../git/repo.js";
import { jsonText, printErr, printOut } from "../report/output.js";
import { FeedbackError, listFeedback, recordFeedback } from "../suggest/feedback.js";
import { type Command, parse, UsageError } from "./args.js";

export const feedbackCmd: Command = {
  help: `Usage: dejafix feedback ID useful|wrong [--note TEXT] [--repo DIR]
       dejafix feedback --list [--repo DIR]

ID is printed with every suggestion (e.g. 42-1a2b3c4d5e). A suggestion marked wrong is no longer
proposed in this clone; \`dejafix eval\` reports the marks.`,
  async run(argv) {
    const { values, positionals } = parse(
      argv,
      {
        repo: { type: "string", default: "." },
        note: { type: "string" },
        list: { type: "boolean", default: false },
      },
      { positionals: true },
    );
    const repoDir = values.repo as string;
    if (values.list) {
      const { marks, summary } = await listFeedback(repoDir);
      for (const m of marks) printOut(`${jsonText(m)}\n`);
      printOut(
        `dejafix: ${summary.useful} useful, ${summary.wrong} wrong, ${summary.suppressed} suggestions no longer proposed.\n`,
      );
      return 0;
    }
    const [id, verdict] = positionals;
    if (!id || (verdict !== "useful" && verdict !== "wrong"))
      throw new UsageError("give a suggestion ID and useful or wrong");
    try {
      const who = await nextAuthor(await repoRoot(repoDir));
      const r = await recordFeedback(repoDir, id, verdict, {
        ...(values.note ? { note: values.note as string } : {}),
        ...(who ? { author: who.email } : {}),
      });
      printOut(
        `dejafix: marked ${r.matchId} (fix ${r.fix.slice(0, 10)}, ${r.path}) ${verdict}` +
          `${verdict === "wrong" ? "; it will not be proposed again" : ""}.\n`,
      );
      return 0;
    } catch (e) {
      if (e instanceof FeedbackError) {
        printErr(`dejafix: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
  },
};
