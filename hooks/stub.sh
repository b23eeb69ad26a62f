#!/bin/sh
# dejafix managed hook: added by `dejafix init`; `dejafix uninstall` removes it and restores what was here.
# Runs the hook that was here before dejafix first (kept as <name>.before-dejafix), then dejafix's hook for
# this clone if it has one (teammates who have not run `npx dejafix init` are not affected).
# Nothing here is looked up on PATH but git (git puts its own directory first on the hooks' PATH): the
# hook script runs under /bin/sh, the shell that runs this file, so a PATH without sh cannot stop a commit.
dejafix_hook=__DEJAFIX_HOOK__
dejafix_chained="$0.before-dejafix"
dejafix_script="$(git rev-parse --git-common-dir 2>/dev/null)/dejafix/hooks/$dejafix_hook"

if [ -x "$dejafix_chained" ]; then
  case $dejafix_hook in
    pre-push | post-rewrite)
      # Both hooks read the same stdin: keep it and feed each one (read by the shell itself, not cat).
      dejafix_input=""
      while IFS= read -r dejafix_line || [ -n "$dejafix_line" ]; do
        dejafix_input="$dejafix_input$dejafix_line
"
      done
      dejafix_feed() { printf '%s' "$dejafix_input"; }
      dejafix_feed | "$dejafix_chained" "$@" || exit $?
      [ -f "$dejafix_script" ] || exit 0
      dejafix_feed | /bin/sh "$dejafix_script" "$@"
      exit $?
      ;;
  esac
  "$dejafix_chained" "$@" || exit $?
fi
[ -f "$dejafix_script" ] || exit 0
exec /bin/sh "$dejafix_script" "$@"
