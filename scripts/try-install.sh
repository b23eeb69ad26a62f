#!/usr/bin/env bash
# What a new user meets: from a packed tarball, in a fresh project (a git repository with a package.json and
# a few commits) with an EMPTY cache, `npx --package TARBALL dejafix init` (npm) and `pnpm add -D TARBALL`
# then `pnpm exec dejafix init` (pnpm), no extra flags. Then a real commit, and `dejafix doctor`'s findings on
# the hooks and the index. Uses the `node` first on PATH (put another Node's bin first to try it). One row per
# package manager: exit code, seconds, node_modules KB (pnpm) and what doctor says.
#   scripts/try-install.sh /tmp/dejafix-0.1.0.tgz
set -u
tarball=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d /tmp/try-install.XXXXXX)
echo "node $(node --version), npm $(npm --version), pnpm $(pnpm --version); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'manager\tinit exit\tseconds\tnode_modules KB\tcommit exit\tdoctor: hooks\tdoctor: index\n'
project() {
  mkdir -p "$1" && cd "$1" || exit 1
  git init -q -b main
  printf '{"name":"probe","version":"1.0.0","private":true}\n' >package.json
  for i in 1 2 3; do
    printf 'export function f() {\n  return %s;\n}\n' "$i" >app.js
    git add -A && git -c user.name=Ada -c user.email=ada@example.com commit -q --no-verify -m "change $i"
  done
}
finding() { # doctor JSON, check name
  node -e 'const f=JSON.parse(require("fs").readFileSync(0,"utf8")).findings.find(x=>x.check===process.argv[1]);process.stdout.write(f?(f.ok?"ok":"NOT ok")+": "+f.text.slice(0,90):"none")' "$1"
}
for pm in npm pnpm; do
  dir="$work/$pm"
  (
    project "$dir/project"
    start=$(date +%s.%N)
    if [ $pm = npm ]; then
      npm_config_cache="$dir/cache" npx --yes --package "$tarball" dejafix init >"$dir/log" 2>&1
    else
      { pnpm add -D "$tarball" --store-dir "$dir/store" --config.cache-dir="$dir/cache" &&
        pnpm exec dejafix init; } >"$dir/log" 2>&1
    fi
    rc=$?
    end=$(date +%s.%N)
    kb=$(du -sk node_modules 2>/dev/null | cut -f1)
    printf 'export function f() {\n  return 4;\n}\n' >app.js
    git add app.js
    git -c user.name=Ada -c user.email=ada@example.com commit -q -m "change 4" >"$dir/commit.log" 2>&1
    crc=$?
    if [ $pm = npm ]; then doc=(npx --yes --package "$tarball" dejafix doctor --format json); else doc=(pnpm exec dejafix doctor --format json); fi
    json=$(npm_config_cache="$dir/cache" "${doc[@]}" 2>/dev/null)
    printf '%s\t%s\t%.1f\t%s\t%s\t%s\t%s\n' "$pm" "$rc" "$(echo "$end - $start" | bc)" "${kb:--}" "$crc" \
      "$(echo "$json" | finding hooks)" "$(echo "$json" | finding index)"
  )
done
echo "projects and logs: $work"
