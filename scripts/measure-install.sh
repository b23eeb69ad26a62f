#!/usr/bin/env bash
# Install size and time of packages side by side, each in a fresh project with an EMPTY cache, with npm and
# with pnpm (whatever `pnpm` is on PATH; docs/install.md used pnpm 10). Prints one tab-separated row per
# package manager and package: manager, package, exit code, seconds, KB of node_modules, the command's last
# line when it failed. The registry must be reachable (an empty cache has nothing to install from).
#   scripts/measure-install.sh ./dejafix-0.1.0.tgz husky@9 lefthook
set -u
if [ $# -eq 0 ]; then
  echo "usage: $0 PACKAGE_OR_TARBALL..." >&2
  exit 2
fi
work=$(mktemp -d /tmp/measure-install.XXXXXX)
printf 'manager\tpackage\texit\tseconds\tnode_modules_kb\tnote\n'
for pm in npm pnpm; do
  for pkg in "$@"; do
    case $pkg in ./* | /*) spec=$(cd "$(dirname "$pkg")" && pwd)/$(basename "$pkg") ;; *) spec=$pkg ;; esac
    dir="$work/$pm-$(basename "$pkg" | tr -c 'A-Za-z0-9.\n' _)"
    mkdir -p "$dir/project" "$dir/cache"
    (cd "$dir/project" && git init -q && printf '{"name":"probe","version":"1.0.0","private":true}\n' >package.json)
    start=$(date +%s.%N)
    if [ "$pm" = npm ]; then
      (cd "$dir/project" && npm_config_cache="$dir/cache" npm install --no-audit --no-fund -D "$spec") >"$dir/log" 2>&1
    else
      (cd "$dir/project" && pnpm add -D "$spec" --store-dir "$dir/cache/store" --config.cache-dir="$dir/cache/meta") >"$dir/log" 2>&1
    fi
    rc=$?
    end=$(date +%s.%N)
    kb=$(du -sk "$dir/project/node_modules" 2>/dev/null | cut -f1)
    note=""
    [ $rc -ne 0 ] && note=$(tail -n 1 "$dir/log" | tr '\t' ' ')
    printf '%s\t%s\t%s\t%.1f\t%s\t%s\n' "$pm" "$(basename "$pkg")" "$rc" "$(echo "$end - $start" | bc)" "${kb:-0}" "$note"
  done
done
echo "projects and logs: $work (load average: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
