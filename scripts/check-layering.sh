#!/bin/sh
# Enforces the module boundaries: only codec/ includes libarchive or jansson, only engine/
# includes cblas, only fs/ includes FUSE headers. Prints offenders and fails.
cd "$(dirname "$0")/.." || exit 1
bad=0
check() { # pattern allowed-dir
	hits=$(grep -rlE "#[[:space:]]*include[[:space:]]*<($1)" codec engine fs 2>/dev/null | grep -v "^$2/")
	if [ -n "$hits" ]; then
		echo "layering: <$1> included outside $2/:"; echo "$hits"; bad=1
	fi
}
check 'archive\.h|archive_entry\.h|jansson\.h' codec
check 'cblas\.h|openblas' engine
check 'fuse' fs
# engine must not use the codec parsers, only the plain data headers
hits=$(grep -rlE '#include "codec/(zip|conf|norm|jser|load|updater|describe)\.h"' engine 2>/dev/null)
[ -z "$hits" ] || { echo "layering: engine includes codec parsers:"; echo "$hits"; bad=1; }
[ $bad = 0 ] && echo "layering: ok"
exit $bad
