#!/bin/sh
# build.sh - configure (once) and build pam_oauth2 in the source tree.
# Extra arguments go to ./configure, e.g. --enable-sanitizers.
set -eu
cd "$(dirname "$0")/.."
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
    autoreconf -fi
fi
if [ ! -f Makefile ] || [ $# -gt 0 ]; then
    ./configure --enable-werror "$@"
fi
make -j"$(nproc)"
