#!/bin/bash
# Check the corpus: every patch applies to a fresh copy of tree/ (GNU
# patch and git apply), the series only in its own order, the seed patch
# not on top of the quicklist patch; unifdef accepts every .c/.h file;
# kconfiglib loads the Kconfig.  Prints FAIL lines and exits 1 on failure.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
T=$HERE/../tree
P=$HERE/../patches
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
status=0
ok()   { echo "ok   $*"; }
fail() { echo "FAIL $*"; status=1; }
fresh() { rm -rf "$TMP/t"; cp -r "$T" "$TMP/t"; }

for f in paravirt-pmd-sharing.mbox paravirt-pmd-sharing-v2.mbox quicklist-pgd.mbox; do
	fresh
	(cd "$TMP/t" && patch -p1 --dry-run -s < "$P/$f" >/dev/null) && ok "patch: $f" || fail "patch: $f"
	fresh
	(cd "$TMP/t" && git init -q && git apply --check "$P/$f") && ok "git apply: $f" || fail "git apply: $f"
done

# split the series by its n/3 counter (the file is deliberately out of order)
python3 - "$P/series-pte-hooks.mbox" "$TMP" <<'PY'
import mailbox, re, sys
for m in mailbox.mbox(sys.argv[1]):
    n = re.search(r'\[PATCH (\d)/3\]', m['subject']).group(1)
    with open('%s/ser_%s' % (sys.argv[2], n), 'w') as f:
        f.write(m.as_string())
PY
fresh
(cd "$TMP/t" && for i in 1 2 3; do patch -p1 -s < "$TMP/ser_$i" || exit 1; done) && ok "series 1,2,3 with patch" || fail "series 1,2,3 with patch"
fresh
(cd "$TMP/t" && git init -q && for i in 1 2 3; do git apply "$TMP/ser_$i" || exit 1; done) && ok "series 1,2,3 with git apply" || fail "series 1,2,3 with git apply"
fresh
(cd "$TMP/t" && ! patch -p1 --dry-run -s -f < "$TMP/ser_2" >/dev/null 2>&1) && ok "series patch 2 alone does not apply" || fail "series patch 2 applies alone"
fresh
(cd "$TMP/t" && patch -p1 -s < "$P/quicklist-pgd.mbox" && ! patch -p1 --dry-run -s -f < "$P/paravirt-pmd-sharing.mbox" >/dev/null 2>&1) \
	&& ok "seed patch does not apply on top of quicklist-pgd" || fail "seed patch applies on top of quicklist-pgd"

for f in $(cd "$T" && find . -name '*.[ch]' | sort); do
	for a in "-UCONFIG_X86_PAE -UCONFIG_PARAVIRT" "-DCONFIG_X86_PAE -UCONFIG_PARAVIRT" \
		 "-UCONFIG_X86_PAE -DCONFIG_PARAVIRT" "-DCONFIG_X86_PAE -DCONFIG_PARAVIRT"; do
		unifdef -b $a "$T/$f" >/dev/null 2>"$TMP/err"
		rc=$?
		if [ $rc -gt 1 ] || [ -s "$TMP/err" ]; then fail "unifdef $a $f: $(cat "$TMP/err")"; fi
	done
done
ok "unifdef"

(cd "$T" && srctree="$T" python3 -c '
import kconfiglib, sys
k = kconfiglib.Kconfig("Kconfig", warn_to_stderr=False)
sys.exit(1 if k.warnings else 0)') && ok "kconfiglib" || fail "kconfiglib"
exit $status
