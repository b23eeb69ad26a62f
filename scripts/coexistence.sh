#!/usr/bin/env bash
# dejafix beside the real hook managers, in every order, one line per scenario:
#   manager  order  ran(after install)  doctor  ran(after `dejafix init` again)  uninstall(exact?)
# "ran" lists who wrote to the mark file during a real `git commit` (dejafix through a test checker).
# Needs: husky 9 (HUSKY_BIN, default: this repo's node_modules), lefthook and pre-commit on PATH.
#   scripts/coexistence.sh "node dist/src/cli/main.js"
set -u
dejafix_cmd=${1:?usage: $0 "DEJAFIX COMMAND (e.g. node dist/src/cli/main.js)"}
here=$(cd "$(dirname "$0")/.." && pwd)
husky_bin=${HUSKY_BIN:-$here/node_modules/husky/bin.js}
work=$(mktemp -d /tmp/coexistence.XXXXXX)
checker="$work/checker.mjs"
cat >"$checker" <<'EOF'
import { appendFileSync } from "node:fs";
export async function checker(_change, ctx) {
  appendFileSync(process.env.MARK, `dejafix-${ctx.hook}\n`);
  return { level: "green", action: "pass", matches: [], notices: [] };
}
EOF
# No background indexing: the post-commit update would race the uninstall that follows.
printf 'export async function updateIndex() {}\n' >"$work/indexer.mjs"
export DEJAFIX_CHECKER="$checker" DEJAFIX_INDEXER="$work/indexer.mjs" GIT_CONFIG_NOSYSTEM=1 HOME="$work/home"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
export PRE_COMMIT_HOME="$work/pre-commit-cache"
mkdir -p "$HOME"
unset CI

dejafix() { (cd "$repo" && $dejafix_cmd "$@"); }

new_repo() {
  repo="$work/$1"
  mkdir -p "$repo"
  cd "$repo" || exit 1
  git init -q -b main
  printf '{"name":"probe","version":"1.0.0","private":true}\n' >package.json
  # The team's rules: a time budget no loaded machine reaches, so the checker always gets to run.
  mkdir -p .dejafix && printf 'version: 1\nhooks:\n  timeBudgetMs: 600000\n' >.dejafix/rules.yml
  echo hello >a.txt
  git add -A && git commit -q -m first --no-verify
}

# Each manager's config is written (and committed) when it is installed, as a team adopting it would.
install_manager() {
  case $1 in
    lefthook*)
      cat >lefthook.yml <<'EOF'
pre-commit:
  commands:
    mark:
      run: echo lefthook >> "$MARK"
EOF
      git add lefthook.yml && git commit -q -m lefthook --no-verify
      ;;
    pre-commit*)
      cat >.pre-commit-config.yaml <<'EOF'
repos:
  - repo: local
    hooks:
      - id: mark
        name: mark
        entry: sh -c 'echo pre-commit >> "$MARK"'
        language: system
        pass_filenames: false
        always_run: true
EOF
      git add .pre-commit-config.yaml && git commit -q -m pre-commit --no-verify
      ;;
  esac
  case $1 in
    husky)
      node "$husky_bin" init >/dev/null 2>&1
      printf 'echo husky >> "$MARK"\n' >.husky/pre-commit
      ;;
    lefthook) lefthook install >/dev/null 2>&1 ;;
    pre-commit) pre-commit install >/dev/null 2>&1 ;;
    pre-commit-f) pre-commit install -f >/dev/null 2>&1 ;;
  esac
}

# Hook-related files (path, mode, sha256) and core.hooksPath: what uninstall must give back.
snapshot() {
  (
    cd "$repo" || exit 1
    echo "hooksPath=$(git config --get core.hooksPath)"
    find .git/hooks .git/dejafix .husky .dejafix lefthook.yml .pre-commit-config.yaml package.json \
      -type f 2>/dev/null | LC_ALL=C sort | while read -r f; do
      printf '%s %s %s\n' "$f" "$(stat -c %a "$f")" "$(sha256sum <"$f" | cut -c1-16)"
    done
    find .git/hooks .git/dejafix .husky .dejafix -type d 2>/dev/null | LC_ALL=C sort | sed 's/$/\//'
  )
}

commit_marks() {
  export MARK="$work/mark"
  : >"$MARK"
  echo "$RANDOM" >>"$repo/a.txt"
  (cd "$repo" && git add a.txt && git commit -q -m change >/dev/null 2>&1)
  grep -c . "$MARK" >/dev/null && sort -u "$MARK" | tr '\n' '+' | sed 's/+$//' || printf 'nothing'
}

# doctor's finding about the hooks (the index and model findings are not what this is about).
doctor_says() {
  dejafix doctor --format json 2>/dev/null | node -e '
    const f = JSON.parse(require("fs").readFileSync(0, "utf8")).findings.find((x) => x.check === "hooks");
    process.stdout.write(f.ok ? "ok" : "reports: " + f.text.slice(0, 90));'
}

printf 'manager\torder\tran\tdoctor\tran after init again\tuninstall\n'
for m in husky lefthook pre-commit pre-commit-f; do
  # dejafix first, then the manager; the twin repository has the manager only (what uninstall must leave).
  new_repo "$m-twin" && install_manager "$m" && expected=$(snapshot)
  new_repo "$m-dejafix-first"
  dejafix init --no-index >/dev/null 2>&1
  install_manager "$m"
  ran=$(commit_marks)
  doc=$(doctor_says)
  dejafix init --no-index >/dev/null 2>&1
  ran2=$(commit_marks)
  dejafix uninstall --purge >/dev/null 2>&1
  if [ "$(snapshot)" = "$expected" ]; then exact=exact; else exact="differs: $(diff <(echo "$expected") <(snapshot) | grep '^[<>]' | head -n 3 | tr '\n' ' ')"; fi
  printf '%s\tdejafix first\t%s\t%s\t%s\t%s\n' "$m" "$ran" "$doc" "$ran2" "$exact"

  # The manager first, then dejafix.
  new_repo "$m-manager-first"
  install_manager "$m"
  expected=$(snapshot)
  dejafix init --no-index >/dev/null 2>&1
  ran=$(commit_marks)
  doc=$(doctor_says)
  dejafix uninstall --purge >/dev/null 2>&1
  if [ "$(snapshot)" = "$expected" ]; then exact=exact; else exact="differs: $(diff <(echo "$expected") <(snapshot) | grep '^[<>]' | head -n 3 | tr '\n' ' ')"; fi
  printf '%s\tmanager first\t%s\t%s\t-\t%s\n' "$m" "$ran" "$doc" "$exact"
done

# The issue's sequence: init; lefthook install; init; uninstall --purge.
new_repo lefthook-twice
dejafix init --no-index >/dev/null 2>&1
install_manager lefthook
dejafix init --no-index >/dev/null 2>&1
dejafix uninstall --purge >/dev/null 2>&1
left=$(find "$repo/.git/hooks" -name '*.old' | wc -l)
purge=$([ -e "$repo/.git/dejafix" ] && echo ".git/dejafix left" || echo "no .git/dejafix")
printf 'lefthook\tinit; lefthook install; init; uninstall --purge\t*.old left: %s; %s\n' "$left" "$purge"
echo "repositories: $work" >&2
