#!/usr/bin/env bash
# cfsboot pull over HTTP from nginx (started here, with its own prefix, on
# a free port of 127.0.0.1), and through tests/host/fault-proxy.py in front
# of it: v1, then v2 moving only its new objects (nginx's access log
# counts them), a pull killed half-way resumes with what it has, and every
# broken answer (truncated, cut, flipped, grown, 500, 404, redirect,
# stall, reset, a bad object after others were placed), replayed or
# expired channel is one line with the store unchanged and fsck-clean.
# Then a repository of zstd frames (publish --compress zstd): corrupt and
# truncated frames, a frame larger than the image records (declared or
# not), swapped encodings.
. "$(dirname "$0")/../lib.sh"
command -v nginx >/dev/null || { echo "1..0 # SKIP nginx is not installed (scripts/install-deps.sh)"; exit 0; }
. "$TESTS_DIR/pull-lib.sh"

NG=$S/nginx
NGINX_PID="" PROXY_PID=""
trap '[ -z "$NGINX_PID" ] || kill "$NGINX_PID" 2>/dev/null; [ -z "$PROXY_PID" ] || kill "$PROXY_PID" 2>/dev/null; rm -rf "$SCRATCH"' EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The repositories must exist before nginx serves them: REPO_Z, of zstd
# frames, under /z/.
REPO_Z=$S/repo-zstd
publish "$V1" >/dev/null || { echo "Bail out! publish v1"; exit 1; }
REPO_DIR=$REPO_Z publish --compress zstd "$V1" >/dev/null || { echo "Bail out! publish v1 zstd"; exit 1; }
mkdir -p "$NG/tmp"
PORT=$(free_port)
cat > "$NG/nginx.conf" <<CONF
$( [ "$(id -u)" -eq 0 ] && echo "user root;" )
worker_processes 1;
daemon off;
pid $NG/nginx.pid;
error_log $NG/error.log;
events { worker_connections 256; }
http {
	access_log $NG/access.log;
	client_body_temp_path $NG/tmp/body;
	proxy_temp_path $NG/tmp/proxy;
	fastcgi_temp_path $NG/tmp/fastcgi;
	uwsgi_temp_path $NG/tmp/uwsgi;
	scgi_temp_path $NG/tmp/scgi;
	default_type application/octet-stream;
	server {
		listen 127.0.0.1:$PORT;
		root $REPO_DIR;
		location /z/ { alias $REPO_Z/; }
	}
}
CONF
nginx -p "$NG" -e "$NG/error.log" -c "$NG/nginx.conf" &
NGINX_PID=$!
FAULTS=$S/faults
: > "$FAULTS"
python3 "$TESTS_DIR/host/fault-proxy.py" --to "$PORT" --faults "$FAULTS" > "$S/proxy.out" &
PROXY_PID=$!
for _ in $(seq 100); do
	grep -q '^port ' "$S/proxy.out" 2>/dev/null && curl -sf -o /dev/null "http://127.0.0.1:$PORT/channels/stable" && break
	sleep 0.1
done
PPORT=$(sed -n 's/^port //p' "$S/proxy.out")
[ -n "$PPORT" ] || { echo "Bail out! the fault proxy did not start"; exit 1; }
URL=http://127.0.0.1:$PORT
PURL=http://127.0.0.1:$PPORT

pull() { "$CFSBOOT" pull --trust "$PKI/trust" --store "$DEV" --tpm none --retries 1 "$@"; }
# objects_served: GETs of objects nginx answered so far.
objects_served() { grep -c '"GET /objects/[^ ]* HTTP/[0-9.]*" 200 ' "$NG/access.log" || true; }
distinct_contents() { find "$1" -type f -size +64c -exec sha256sum {} + | cut -d' ' -f1 | sort -u; }

n1=$(distinct_contents "$S/v1" | wc -l)
check "pull v1 over HTTP" pull "$URL"
check "v1 is in the store, fsck-clean" "$CFSBOOT" fsck --store "$DEV" "$V1"
served=$(objects_served)
test "$served" -eq "$n1" && ok "nginx served v1's $n1 objects once each" || fail "nginx served $served objects, not $n1"
cp "$REPO_DIR/channels/stable" "$S/channel-v1"

publish "$V2" >/dev/null
new=$(comm -13 <(distinct_contents "$S/v1") <(distinct_contents "$S/v2") | wc -l)
check "pull v2 over HTTP" pull "$URL"
moved=$(( $(objects_served) - served ))
test "$moved" -eq "$new" && ok "only v2's $new new objects moved" || fail "$moved objects moved, not $new"
check "v1 and v2 are in the store, fsck-clean" "$CFSBOOT" fsck --store "$DEV" "$V1" "$V2"

# Faults, on a fresh v3 whose objects the store lacks.
make_tree "$S/v3" 3
V3=$(build_image "$S/v3" 3)
publish "$V3" >/dev/null
fault() { echo "$1 $2" > "$FAULTS"; }
fault truncate objects/
refused "a truncated object" 35 'truncated' pull "$PURL"
fault cut objects/
refused "a transfer cut short" 34 'transfer failed after 2 attempts' pull "$PURL"
fault flip objects/
refused "a flipped byte" 35 'does not have the digest' pull "$PURL"
fault grow objects/
refused "an object far larger than the image says" 35 'more than the [0-9]+ bytes' pull "$PURL"
fault status500 objects/
refused "HTTP 500" 34 'HTTP 500, retries exhausted' pull "$PURL"
fault status404 objects/
refused "HTTP 404" 34 'no such file \(HTTP 404\)' pull "$PURL"
fault redirect objects/
refused "a redirect" 34 'HTTP 301' pull "$PURL"
fault stall objects/
refused "a server that stalls" 34 'transfer failed after 2 attempts.*(timeout|Operation too slow)' \
	pull --timeout 2 "$PURL"
fault reset objects/
refused "a connection reset" 34 'transfer failed after 2 attempts' pull "$PURL"
# A bad object found by a processor after the flusher placed others: with
# one transfer at a time, the second missing object arrives slowly (longer
# than a round of the flusher), the last one flipped.  What was placed
# before goes again.
missing=$(comm -23 <(cd "$REPO_DIR" && find objects -type f | sort) \
	<(cd "$DEV" && find objects -type f | sort) | grep -v "${V3:2}")
printf 'slow %s\nflip %s\n' "$(echo "$missing" | sed -n 2p)" "$(echo "$missing" | tail -n 1)" > "$FAULTS"
refused "a bad object after others were placed" 35 'does not have the digest' \
	pull --parallel 1 "$PURL"
fault flip "images/$V3"
refused "a flipped image" 33 'not the image the channel names' pull "$PURL"
fault flip "$V3.sig"
# Which class a flipped byte hits depends on where it falls in the DER.
rc=0; out=$(pull "$PURL" 2>&1 >/dev/null) || rc=$?
case $rc in 1[0-9]|2[0-5]) ok "a flipped signature is refused with a signature class ($rc)" ;;
*) fail "a flipped signature: exit $rc: $out" ;; esac
fault status404 "$V3.sig"
refused "a missing signature" 34 "has no signature of the image $V3, neither signatures/$V3.sig nor images/$V3.sig" \
	pull "$PURL"
# signatures/<d>.sig answered 404: images/<d>.sig, where an earlier cfsboot
# published it, is fetched and verified (here another image's: refused).
cp "$REPO_DIR/signatures/$V1.sig" "$REPO_DIR/images/$V3.sig"
fault status404 "signatures/$V3.sig"
refused "on a 404, the legacy images/<d>.sig is fetched, verified as any other" 14 \
	"signature images/$V3.sig does not sign" pull "$PURL"
# Any other failure is not a missing file: no second place is tried.
cp "$REPO_DIR/signatures/$V3.sig" "$REPO_DIR/images/$V3.sig"
fault status500 "signatures/$V3.sig"
refused "on a 500, the legacy images/<d>.sig is not tried" 34 "signatures/$V3.sig: the server answered HTTP 500" \
	pull "$PURL"
rm "$REPO_DIR/images/$V3.sig"
fault flip channels/
refused "a flipped channel" 30 'channel|signature' pull "$PURL"
fault status500 channels/
refused "a channel answered with HTTP 500" 34 'HTTP 500' pull "$PURL"

# Kill a slow pull half-way; the next one resumes with what it has.
fault slow objects/
before=$(find "$DEV/objects" -type f | wc -l)
"$CFSBOOT" pull --trust "$PKI/trust" --store "$DEV" --tpm none --parallel 1 "$PURL" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 200); do
	[ "$(find "$DEV/objects" -type f ! -name '.tmp-*' | wc -l)" -ge $((before + 2)) ] && break
	sleep 0.05
done
kill -9 "$pid"; wait "$pid" 2>/dev/null
have=$(( $(find "$DEV/objects" -type f ! -name '.tmp-*' | wc -l) - before ))
n3=$(comm -13 <(distinct_contents "$S/v2") <(distinct_contents "$S/v3") | wc -l)
test "$have" -ge 2 -a "$have" -lt "$n3" && ok "killed after $have of $n3 objects" || fail "killed after $have of $n3 objects"
check "the killed pull left no image" test ! -e "$DEV/images/$V3"
check "the killed pull left a fsck-clean store" "$CFSBOOT" fsck --store "$DEV"
: > "$FAULTS"
served=$(objects_served)
out=$(pull "$PURL" 2>&1) && printf '%s\n' "$out" | grep -q "fetching $((n3 - have)) of " &&
	ok "the next pull fetches only the $((n3 - have)) objects left" ||
	{ fail "resume"; printf '%s\n' "$out" | sed 's/^/#   /'; }
moved=$(( $(objects_served) - served ))
test "$moved" -eq $((n3 - have)) && ok "nginx served $moved objects for it" || fail "nginx served $moved, not $((n3 - have))"
check "v3 is in the store, fsck-clean" "$CFSBOOT" fsck --store "$DEV" "$V1" "$V2" "$V3"

# Replayed and expired channels, over HTTP.
cp "$REPO_DIR/channels/stable" "$S/channel-v3"
cp "$S/channel-v1" "$REPO_DIR/channels/stable"
refused "a replayed channel" 32 'older than serial' pull "$URL"
cp "$S/channel-v3" "$REPO_DIR/channels/stable"
publish --valid 1 "$V3" >/dev/null
sleep 2
refused "an expired channel" 31 'expired at' pull "$URL"
# The zstd repository: the same checks behind the decoder, and the
# decoder's own refusals, into a store of its own.
DEV=$S/device-zstd
zpull() { pull "$PURL/z"; }
# On a terminal (script(1) gives the pull one), the bar counts the decoded
# bytes of the objects complete: it ends at 100% though fewer bytes moved.
script -qec "$(printf '%q ' "$CFSBOOT" pull --trust "$PKI/trust" --store "$DEV" --tpm none \
	--retries 1 "$PURL/z")" "$S/zpull.tty" > /dev/null 2>&1 &&
	grep -q "] 100% .*, $n1/$n1 objects," "$S/zpull.tty" &&
	ok "pull v1 from the zstd repository, its bar at 100% on a terminal" ||
	{ fail "pull v1 from the zstd repository on a terminal"; tr '\r' '\n' < "$S/zpull.tty" | sed 's/^/#   /'; }
check "v1 is in the zstd-fed store, fsck-clean" "$CFSBOOT" fsck --store "$DEV" "$V1"
zserved=$(grep -c '"GET /z/objects/[^ ]*\.zst HTTP/[0-9.]*" 200 ' "$NG/access.log" || true)
test "$zserved" -eq "$n1" && ok "nginx served v1's $n1 objects as .zst" || fail "nginx served $zserved .zst objects, not $n1"
REPO_DIR=$REPO_Z publish --compress zstd "$V3" >/dev/null
zobj=$(cd "$REPO_Z" && find objects -name '*.zst' -newer "$S/channel-v3" | grep -v "${V3:2}" | head -n1)
plain=${zobj%.zst}
cp "$REPO_Z/$zobj" "$S/good.zst"
size=$(stat -c %s "$BUILD_STORE/$plain")
fault flip z/objects/
refused "a corrupt zstd frame" 35 'zstd frame|does not have the digest' zpull
fault truncate z/objects/
refused "a zstd frame cut mid-frame" 35 'zstd frame is cut short' zpull
fault flip "z/images/$V3"
refused "a corrupt zstd image" 33 'zstd frame|not the image the channel names' zpull
: > "$FAULTS"
head -c $((size * 4)) /dev/zero > "$S/big" && zstd -q -c "$S/big" > "$REPO_Z/$zobj"
refused "a frame declaring more than the image records" 35 'decodes to more than the' zpull
head -c $((64 << 20)) /dev/zero | zstd -q -c > "$REPO_Z/$zobj"
refused "a zstd bomb that declares no size" 35 'decodes to more than the' zpull
cp "$BUILD_STORE/$plain" "$REPO_Z/$zobj"
refused "plain bytes served as a zstd frame" 35 'not a valid zstd frame' zpull
cp "$S/good.zst" "$REPO_Z/$zobj"
sed -i '1{s/"format":2/"format":1/;s/"encoding":"zstd",//}' "$REPO_Z/channels/stable"
refused "a channel whose encoding was taken out" 30 'does not sign' zpull
REPO_DIR=$REPO_Z publish --compress zstd "$V3" >/dev/null
# A zstd frame served where the plain repository has the object.
publish "$V3" >/dev/null
cp "$REPO_DIR/$plain" "$S/good-plain"
cp "$S/good.zst" "$REPO_DIR/$plain"
refused "a zstd frame served as a plain object" 35 'truncated|does not have the digest|more than the' pull "$PURL"
cp "$S/good-plain" "$REPO_DIR/$plain"
check "after all that, pull v3 from the zstd repository" zpull
check "the zstd-fed store is fsck-clean with v1 and v3" "$CFSBOOT" fsck --store "$DEV" "$V1" "$V3"
check "nginx logged no error of ours" sh -c "! grep -q '\[emerg\]\|\[crit\]' '$NG/error.log'"
done_testing
