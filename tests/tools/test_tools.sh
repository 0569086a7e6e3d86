#!/usr/bin/env bash
# Tool tests: mkfs.famfs, fsck.famfs and famfsctl local on a fabric file,
# including fsck finding injected faults. Prints "tools: N passed, N failed".
set -u
B=${B:-build}
MKFS=$B/mkfs.famfs FSCK=$B/fsck.famfs CTL=$B/famfsctl INJ=$B/tests/famfs_inject
DEV=/dev/shm/famfs-tooltest.$$
TMP=$(mktemp -d)
trap 'rm -rf "$TMP" "$DEV" "$DEV".*' EXIT
pass=0 fail=0

ok()   { pass=$((pass + 1)); echo "PASS: $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL: $1"; }
# expect CODE DESCRIPTION CMD...: the command exits with CODE
expect() {
	local code=$1 what=$2; shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"; local rc=$?
	if [ "$rc" = "$code" ]; then ok "$what"; else bad "$what (exit $rc, want $code): $(head -c 300 "$TMP/err")"; fi
}
# grep_out PATTERN DESCRIPTION: the last command's stdout+stderr matches
grep_out() {
	if cat "$TMP/out" "$TMP/err" | grep -Eq -- "$1"; then ok "$2"; else bad "$2: no '$1' in: $(cat "$TMP/out" "$TMP/err" | head -c 300)"; fi
}
json_get() { python3 -c "import json,sys; d=json.load(open('$TMP/out')); print($1)"; }

# --- mkfs ---
expect 0 "mkfs creates a fabric file" $MKFS --size 256M --label demo "$DEV"
grep_out '^famfs [0-9a-f-]{36} on ' "mkfs prints the new uuid"
grep_out '^log capacity: about 2[0-9]{4} files with 40-byte paths .*\(3[0-9]{3} per MiB of log\)' "mkfs says how many files the default 8M log holds"
expect 8 "mkfs refuses to overwrite famfs" $MKFS "$DEV"
grep_out 'already holds famfs.*--force' "mkfs names the reason and --force"
expect 0 "mkfs --force overwrites" $MKFS --force "$DEV"
truncate -s 64M "$DEV.ext4"; mkfs.ext4 -q -F "$DEV.ext4" 2>/dev/null
if [ -s "$DEV.ext4" ] && command -v mkfs.ext4 >/dev/null || { bad "mkfs.ext4 (e2fsprogs) could not make $DEV.ext4"; false; }; then
	expect 8 "mkfs refuses a device with another file system" $MKFS "$DEV.ext4"
	grep_out 'ext4 signature' "mkfs names the foreign signature"
	expect 0 "mkfs --force overwrites the foreign signature" $MKFS --force "$DEV.ext4"
fi
truncate -s 1M "$DEV.small"
expect 8 "mkfs refuses a too small device" $MKFS "$DEV.small"
expect 16 "mkfs rejects a bad size" $MKFS --log-size 12Q "$DEV"
truncate -s 64M "$DEV.au"
expect 8 "mkfs rejects a non power-of-two allocation unit" $MKFS --alloc-unit 3000 "$DEV.au"
grep_out 'allocation unit' "mkfs explains the allocation unit rule"
expect 16 "mkfs without a device is a usage error" $MKFS

# --- fsck on a fresh and a populated file system ---
expect 0 "fsck of a fresh file system is clean" $FSCK "$DEV"
head -c 3000000 /dev/urandom >"$TMP/blob"
expect 0 "mkdir -p" $CTL local mkdir -p "$DEV" /a/b/c
expect 0 "cp a 3 MB file in" $CTL local cp "$DEV" "$TMP/blob" /a/b/blob
expect 0 "creat --size" $CTL local creat --size 10M "$DEV" /a/ten
expect 0 "cat gives the same bytes" bash -c "$CTL local cat $DEV /a/b/blob | cmp - $TMP/blob"
expect 0 "replay as a second host" $CTL --json local replay "$DEV"
[ "$(json_get "d['files'], d['directories'], d['clean']")" = "2 3 True" ] && ok "replay sees 2 files, 3 dirs" || bad "replay counts: $(cat "$TMP/out")"
expect 0 "fsck --json of a populated fs" $FSCK --json "$DEV"
[ "$(json_get "d['errors'], d['summary']['files'], d['summary']['used_bytes']")" = "0 2 14680064" ] \
	&& ok "fsck json: 0 errors, 2 files, 14 MiB used (4 + 10)" || bad "fsck json: $(cat "$TMP/out")"
expect 0 "getmap" $CTL --json local getmap "$DEV" /a/ten
[ "$(json_get "d['extents'][0]['offset'] % 2097152, d['extents'][0]['length']")" = "0 10485760" ] \
	&& ok "a 10 MiB file gets one 2 MiB-aligned extent" || bad "getmap: $(cat "$TMP/out")"

# --- famfsctl errors ---
expect 1 "mkdir of an existing dir fails" $CTL local mkdir "$DEV" /a
grep_out 'File exists' "EEXIST is named"
expect 1 "stat of a missing path fails" $CTL local stat "$DEV" /nope
grep_out 'No such file' "ENOENT is named"
expect 1 "rm of a non-empty dir fails" $CTL local rm "$DEV" /a
grep_out 'not empty' "ENOTEMPTY is named"
expect 1 "creat beyond free space fails" $CTL local creat --size 1G "$DEV" /huge
grep_out 'No space left' "ENOSPC is named"
long=/$(printf 'x%.0s' $(seq 1 300))
expect 1 "a 300-byte name is refused" $CTL local mkdir "$DEV" "$long"
grep_out 'File name too long' "ENAMETOOLONG is named"
expect 1 "a relative path is refused" $CTL local mkdir "$DEV" rel/path
expect 2 "an unknown verb is a usage error" $CTL local frob "$DEV"
expect 2 "a missing argument is a usage error" $CTL local creat "$DEV" /x
expect 2 "an unknown option inside a cluster is a usage error" $CTL local mkdir -pX "$DEV" /x
grep_out "option '-X'" "the error names the option (-X), not the verb"
expect 2 "an option without its value is a usage error" $CTL local creat --mode
grep_out "option '--mode' needs a value" "the error says the value is missing"
expect 0 "mv" $CTL local mv "$DEV" /a/ten /a/b/c/ten
expect 0 "rm" $CTL local rm "$DEV" /a/b/c/ten
expect 0 "fsck after mv and rm is clean" $FSCK "$DEV"
cp "$DEV" "$DEV.good"

# --- fsck finds injected faults ---
inject_byte() { # FILE OFFSET: flip the bits of one byte
	python3 -c "import sys; f=open('$1','r+b'); f.seek($2); b=f.read(1); f.seek($2); f.write(bytes([b[0]^0xff]))"
}
fresh() { cp "$DEV.good" "$DEV"; }
fresh; inject_byte "$DEV" 100
expect 4 "fsck finds a corrupt superblock byte" $FSCK "$DEV"
grep_out 'superblock' "the superblock is named"
fresh; inject_byte "$DEV" $((2 * 1048576 + 8192 + 40))
expect 4 "fsck finds a corrupt log record" $FSCK "$DEV"
grep_out 'log record 1 .* corrupt' "the record and its seq are named"
fresh; inject_byte "$DEV" $((2 * 1048576 + 20))
expect 4 "fsck finds a corrupt log header copy" $FSCK "$DEV"
grep_out 'log header copy A' "the header copy is named"
expect 0 "the other header copy still serves" $CTL local ls "$DEV" /a
fresh; $INJ "$DEV" overlap /a/clone
expect 4 "fsck finds overlapping files" $FSCK --json "$DEV"
[ "$(json_get "[p['check'] for p in d['problems']]")" = "['extent-overlap']" ] && ok "overlap reported as extent-overlap" || bad "overlap: $(cat "$TMP/out")"
fresh; $INJ "$DEV" outside /a/far
expect 4 "fsck finds an extent beyond the device" $FSCK "$DEV"
grep_out 'outside the data area' "out-of-range extent named"
fresh; $INJ "$DEV" misaligned /a/odd
expect 4 "fsck finds a misaligned extent" $FSCK "$DEV"
grep_out 'not aligned' "misaligned extent named"
fresh; $INJ "$DEV" dangling /no/such/parent
expect 4 "fsck finds a record under a missing directory" $FSCK "$DEV"
grep_out 'does not apply' "dangling path named"
expect 8 "fsck of a missing device is an operational error" $FSCK /dev/shm/does-not-exist.$$

echo "tools: $pass passed, $fail failed"
[ "$fail" = 0 ]
