#!/bin/sh
# redis-server without a configuration file, protected mode off (as in the official image).
set -eu
if [ "$1" = redis-server ]; then
  shift
  exec redis-server --protected-mode no "$@"
fi
exec "$@"
