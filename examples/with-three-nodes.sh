#!/bin/sh
# Start three `raftkit node` processes running an app state machine, run a
# script of raftkit CLI commands against them, stop them:
#   sh examples/with-three-nodes.sh MODULE#EXPORT COMMANDS.sh   (from the repository root, after pnpm build)
# COMMANDS.sh is sourced with $raftkit (the CLI) and $c (its --cluster and --secret-file flags) set.
# The nodes listen on 127.0.0.1 ports PORT, PORT+1, PORT+2 (default 18701); data and secret live
# in a temp dir removed at the end.
set -e
[ $# -eq 2 ] || { echo "usage: sh examples/with-three-nodes.sh MODULE#EXPORT COMMANDS.sh" >&2; exit 2; }
raftkit="node $(pwd)/packages/net/dist/bin.js"
machine="$(pwd)/$1"
port=${PORT:-18701}
dir=$(mktemp -d)
pids=""
trap 'kill $pids 2>/dev/null; rm -rf "$dir"' EXIT
head -c 32 /dev/urandom | base64 >"$dir/secret" && chmod 600 "$dir/secret"
for i in 0 1 2; do
  peers=""
  for j in 0 1 2; do [ "$j" = "$i" ] || peers="$peers${peers:+,}n$j=127.0.0.1:$((port + j))"; done
  $raftkit node --id "n$i" --listen "127.0.0.1:$((port + i))" --peers "$peers" --data "$dir/n$i" \
    --secret-file "$dir/secret" --state-machine "$machine" >/dev/null 2>>"$dir/nodes.log" &
  pids="$pids $!"
done
c="--cluster 127.0.0.1:$port,127.0.0.1:$((port + 1)) --secret-file $dir/secret"
tries=0
until $raftkit status $c >/dev/null 2>&1; do # until a node answers (at most ~30 s)
  tries=$((tries + 1)) && [ $tries -lt 150 ] || { cat "$dir/nodes.log" >&2; exit 1; }
  sleep 0.2
done
. "$2"
