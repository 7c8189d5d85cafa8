#!/bin/sh
# check.sh - the translations are current: po/pam_oauth2.pot holds exactly
# the messages of the sources in po/POTFILES, and every po/LANG.po translates
# all of them (nothing untranslated, nothing fuzzy, formats that match).
# SKIP (77) without the gettext tools.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
command -v xgettext >/dev/null 2>&1 && command -v msgfmt >/dev/null 2>&1 &&
    command -v msgcmp >/dev/null 2>&1 || { echo "SKIP: gettext tools missing"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
cd "$top" || exit 1
xgettext --language=C --from-code=UTF-8 --add-comments=TRANSLATORS: --keyword=_ --keyword=N_ \
    --keyword=oa2_ngettext:1,2 --omit-header --sort-by-file --add-location=file --files-from=po/POTFILES \
    -o "$tmp/now.pot" || exit 1
msgcat --omit-header --sort-by-file po/pam_oauth2.pot -o "$tmp/kept.pot" 2>/dev/null ||
    sed '1,/^$/d' po/pam_oauth2.pot > "$tmp/kept.pot"
if msgcmp --use-untranslated "$tmp/now.pot" "$tmp/kept.pot" 2>"$tmp/e1" &&
   msgcmp --use-untranslated "$tmp/kept.pot" "$tmp/now.pot" 2>"$tmp/e2"; then
    echo "ok - po/pam_oauth2.pot holds the messages of the sources"
else
    echo "not ok - po/pam_oauth2.pot is stale (run make)"; cat "$tmp/e1" "$tmp/e2"; fail=1
fi
for po in po/*.po; do
    stats=$(msgfmt --check --statistics -o /dev/null "$po" 2>&1)
    if msgcmp "$po" po/pam_oauth2.pot 2>"$tmp/e3" && ! echo "$stats" | grep -q "fuzzy\|untranslated"; then
        echo "ok - $po is complete: $stats"
    else
        echo "not ok - $po is incomplete: $stats"; cat "$tmp/e3"; fail=1
    fi
done
exit $fail
