# dejafix hook runtime (POSIX sh), sourced by the hook scripts beside it with $dejafix_hook set.
# It finds Node (GUI clients and nvm users often have none on PATH) and the dejafix hook runner, then runs
# it. It never stops a commit or push because dejafix itself is missing or broken: one line to stderr, exit 0.

# Filled in by `dejafix init`: the Node and the runner that ran init, tried when nothing better is found.
DEJAFIX_INIT_NODE=""
DEJAFIX_INIT_RUNNER=""

: "${dejafix_hook:?must be set by the hook script that sources dejafix.sh}"
[ "${DEJAFIX:-}" = "0" ] && exit 0

# Like husky's ~/.config/husky/init.sh: the place to set PATH for GUI clients (e.g. `. "$HOME/.nvm/nvm.sh"`).
dejafix_init_file="${XDG_CONFIG_HOME:-$HOME/.config}/dejafix/init.sh"
if [ -f "$dejafix_init_file" ]; then
  # shellcheck source=/dev/null
  . "$dejafix_init_file"
fi
[ "${DEJAFIX:-}" = "0" ] && exit 0

dejafix_newest_in() {
  # Prints the newest "vX.Y.Z" folder of $1 (version managers keep one folder per Node version).
  [ -d "$1" ] || return 0
  # A bare PATH (GUI clients, env -i) may lack these tools: then say nothing and try the other places.
  for dejafix_tool in ls sed sort tail; do command -v "$dejafix_tool" >/dev/null 2>&1 || return 0; done
  # shellcheck disable=SC2012
  ls "$1" 2>/dev/null | sed -n 's/^v\{0,1\}\([0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*\)$/\1/p' |
    sort -t. -k1,1n -k2,2n -k3,3n | tail -n 1
}

dejafix_find_node() {
  if [ -n "${DEJAFIX_NODE:-}" ] && [ -x "$DEJAFIX_NODE" ]; then
    printf '%s\n' "$DEJAFIX_NODE"
    return 0
  fi
  if command -v node >/dev/null 2>&1; then
    command -v node
    return 0
  fi
  nvm_dir="${NVM_DIR:-$HOME/.nvm}"
  nvm_version=$(dejafix_newest_in "$nvm_dir/versions/node")
  fnm_dir="${FNM_DIR:-$HOME/.local/share/fnm}"
  for candidate in \
    "$DEJAFIX_INIT_NODE" \
    "$HOME/.volta/bin/node" \
    "$fnm_dir/aliases/default/bin/node" \
    "$HOME/.fnm/aliases/default/bin/node" \
    "$HOME/.asdf/shims/node" \
    "$HOME/.local/share/mise/shims/node" \
    "/opt/homebrew/bin/node" \
    "/usr/local/bin/node" \
    "/usr/bin/node" \
    "${nvm_version:+$nvm_dir/versions/node/v$nvm_version/bin/node}" \
    "/c/Program Files/nodejs/node.exe"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

dejafix_find_runner() {
  for candidate in \
    "${DEJAFIX_RUNNER:-}" \
    "node_modules/dejafix/dist/src/cli/hookRunner.js" \
    "$DEJAFIX_INIT_RUNNER"; do
    if [ -n "$candidate" ] && [ -f "$candidate" ]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

# Background hooks stay silent when dejafix is missing; the checking hooks say why nothing was checked.
case $dejafix_hook in
  post-*) dejafix_quiet=1 ;;
  *) dejafix_quiet=0 ;;
esac
if ! dejafix_node=$(dejafix_find_node); then
  [ "$dejafix_quiet" = 1 ] && exit 0
  echo "dejafix: Node.js not found, so this $dejafix_hook check was skipped. Set PATH in ~/.config/dejafix/init.sh (see docs/faq.md)." >&2
  exit 0
fi
if ! dejafix_runner=$(dejafix_find_runner); then
  [ "$dejafix_quiet" = 1 ] && exit 0
  echo "dejafix: not installed for this clone, so this $dejafix_hook check was skipped. Run: npx dejafix init" >&2
  exit 0
fi
# The runner's modules packed in one file beside them (`npm run build` writes it) start faster; a pack older
# than the modules runs them instead.
dejafix_pack="${dejafix_runner%/cli/hookRunner.js}/hook.cjs"
if [ "$dejafix_pack" != "$dejafix_runner" ] && [ -f "$dejafix_pack" ]; then dejafix_runner=$dejafix_pack; fi
# The pack keeps V8's compiled code of its modules in this clone's dejafix folder (beside the index), so
# the next hook compiles almost nothing; a folder it cannot write only means compiling again.
case $0 in
  */dejafix/hooks/*)
    DEJAFIX_CODE_CACHE_DIR="${DEJAFIX_CODE_CACHE_DIR:-${0%/hooks/*}/cache}"
    export DEJAFIX_CODE_CACHE_DIR
    ;;
esac

case $dejafix_hook in
  post-commit | post-merge | post-rewrite)
    # Index upkeep must not delay the user: detach, read nothing, write to a log under the git dir.
    dejafix_logs="$(git rev-parse --git-common-dir 2>/dev/null)/dejafix/logs"
    mkdir -p "$dejafix_logs" 2>/dev/null || dejafix_logs=/dev/null
    if [ -d "$dejafix_logs" ]; then dejafix_log="$dejafix_logs/background.log"; else dejafix_log=/dev/null; fi
    ("$dejafix_node" "$dejafix_runner" "$dejafix_hook" "$@" </dev/null >>"$dejafix_log" 2>&1 &)
    exit 0
    ;;
esac

# The runner's stderr goes to the terminal (fd 9); the shells' own "Alarm clock" line when the watchdog ends
# it goes nowhere: the runner has already said why, in dejafix's words.
( (exec "$dejafix_node" "$dejafix_runner" "$dejafix_hook" "$@" 2>&9 9>&-); exit $? ) 9>&2 2>/dev/null
dejafix_status=$?
# The runner exits 0 to let the change through and 3 to stop it; 142 (SIGALRM) is its watchdog ending it at
# the time budget, after it said so. Anything else means Node or the runner failed before it could decide,
# and a broken tool must not hold work hostage.
case $dejafix_status in
  0) exit 0 ;;
  3) exit 1 ;;
  142) exit 0 ;;
  *)
    echo "dejafix: the $dejafix_hook check failed to start (exit $dejafix_status), so it was skipped. Run: dejafix doctor" >&2
    exit 0
    ;;
esac
