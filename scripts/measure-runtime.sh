#!/usr/bin/env bash
# The scoring runtimes compared in one run (docs/install.md#the-scoring-runtime): install size and time of
# onnxruntime-node and onnxruntime-web (each in a fresh project with an EMPTY npm cache; the registry must be
# reachable), the size of dejafix's own runtime, then bench/runtimeBench.js (session start, scoring, hook) in
# a copy of this package where all three can be imported. Run from the package root after `npm run build`:
#   scripts/measure-runtime.sh [RUNS]
set -u
runs=${1:-15}
root=$(pwd)
work=$(mktemp -d /tmp/measure-runtime.XXXXXX)
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '\n| runtime | install exit | install s | node_modules KB | note |\n| --- | --- | --- | --- | --- |\n'
install() { # name spec [env...]
  local name=$1 spec=$2
  shift 2
  local dir="$work/$name"
  mkdir -p "$dir/project" "$dir/cache"
  printf '{"name":"probe","version":"1.0.0","private":true}\n' >"$dir/project/package.json"
  local start end rc kb note=""
  start=$(date +%s.%N)
  (cd "$dir/project" && env "$@" npm_config_cache="$dir/cache" npm install --no-audit --no-fund "$spec") >"$dir/log" 2>&1
  rc=$?
  end=$(date +%s.%N)
  kb=$(du -sk "$dir/project/node_modules" 2>/dev/null | cut -f1)
  [ $rc -ne 0 ] && note=$(grep -m1 -iE 'error|fail' "$dir/log" | cut -c1-100 | tr '|\t' '  ')
  printf '| %s | %s | %.1f | %s | %s |\n' "$name" "$rc" "$(echo "$end - $start" | bc)" "${kb:-0}" "$note"
}
install onnxruntime-node onnxruntime-node@1.30.0 DUMMY=1
install onnxruntime-node-skip onnxruntime-node@1.30.0 ONNXRUNTIME_NODE_INSTALL=skip
install onnxruntime-web onnxruntime-web@1.30.0 DUMMY=1
own=$(cat "$root/dist/src/model/readOnnx.js" "$root/dist/src/model/runGraph.js" | wc -c)
printf '| dejafix own (readOnnx + runGraph) | - | 0 (in the package) | %s | %s bytes of JavaScript |\n' "$(((own + 1023) / 1024))" "$own"

# A copy of the package whose node_modules holds this one's packages and onnxruntime-web.
pkg="$work/pkg"
mkdir -p "$pkg/node_modules"
cp -r "$root/package.json" "$root/dist" "$root/models" "$root/hooks" "$root/rules" "$pkg/"
for m in "$root"/node_modules/* "$root"/node_modules/.bin; do ln -s "$(readlink -f "$m")" "$pkg/node_modules/$(basename "$m")"; done
[ -d "$work/onnxruntime-web/project/node_modules/onnxruntime-web" ] &&
  ln -s "$work/onnxruntime-web/project/node_modules/onnxruntime-web" "$pkg/node_modules/onnxruntime-web"
echo
(cd "$pkg" && node dist/bench/runtimeBench.js --runs "$runs")
echo "projects and logs: $work"
