#!/usr/bin/env bash
# Fails when an #include in src/ points up the layer map (shared by docs/architecture.md):
#
#   cli > node, infra > gateway, dashboard > services > serve > cluster > sources, web > net > storage
#       > market > core
#
# A module may include itself and any module below it. Modules on one floor (node and infra,
# gateway and dashboard) do not include each other. Services see interfaces only: never net/, sources/, a
# storage implementation (storage/sqlite/, storage/postgres/, storage/redis/) or a bus implementation.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../src"

rank() {
  case "$1" in
    core) echo 0 ;; market) echo 1 ;; storage) echo 2 ;; net) echo 3 ;; sources | web) echo 4 ;;
    cluster) echo 5 ;; serve) echo 6 ;; services) echo 7 ;; gateway | dashboard) echo 8 ;;
    node | infra) echo 9 ;; cli) echo 10 ;; *) echo "" ;;
  esac
}

failures=0
while IFS=: read -r file line include; do
  from="${file%%/*}"
  to="${include%%/*}"
  from_rank=$(rank "$from")
  to_rank=$(rank "$to")
  if [ -z "$from_rank" ]; then
    echo "check_layers: $file is in a module the layer map does not name ($from)" >&2
    failures=$((failures + 1))
    continue
  fi
  [ -z "$to_rank" ] && continue  # a third-party header in quotes
  why=""
  if [ "$from" != "$to" ] && [ "$to_rank" -ge "$from_rank" ]; then
    why="$to/ is not below $from/"
  elif [ "$from" = services ] &&
       [[ "$include" =~ ^(net/|sources/|storage/sqlite/|storage/postgres/|storage/redis/|cluster/nats/|cluster/inproc_bus) ]]; then
    why="services see interfaces only, not $include"
  fi
  if [ -n "$why" ]; then
    echo "check_layers: src/$file:$line includes \"$include\": $why" >&2
    failures=$((failures + 1))
  fi
done < <(grep -rnoE '^#include "[^"]+"' --include='*.hpp' --include='*.cpp' . |
         sed -E 's|^\./||; s|#include "([^"]+)"|\1|')

if [ "$failures" -gt 0 ]; then
  echo "check_layers: $failures include(s) break the layer map" >&2
  exit 1
fi
echo "check_layers: every include points down the layer map"
