#!/usr/bin/env bash
# Benchmark: an update over HTTP, cfsboot pull against ostree pull, from
# the same nginx on 127.0.0.1 (own prefix, free port), in the same run.
# v1 is a Debian bookworm minbase tree (scripts/debootstrap-tree.sh); v2 is
# the same tree after `apt-get upgrade` from bookworm-updates and
# bookworm-security (the mirrors this host's apt uses, read at run time),
# a few packages upgraded.  Each is committed to an archive-mode ostree
# repository (zlib per object) and published with cfsboot publish
# --compress zstd (PUBLISH_COMPRESS=none for plain objects).  Measured: bytes nginx
# sent (its access log) and wall time of the first pull (v1 into an empty
# repository or store) and the update (v2 on top); and, for the first
# pull, curl of all of v1's objects as one file: the transfer floor.
#   CFSBOOT=build/cfsboot  CFS_DEBOOTSTRAP_DIR=build/debootstrap-bookworm
set -eu
cd "$(dirname "$0")/.."
CFSBOOT=${CFSBOOT:-build/cfsboot}
COMPRESS=${PUBLISH_COMPRESS:-zstd}
. bench/lib.sh
TREE=${CFS_DEBOOTSTRAP_DIR:-build/debootstrap-bookworm}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cfsboot-bench-pull.XXXXXX")
NGINX_PID=""
trap '[ -z "$NGINX_PID" ] || kill "$NGINX_PID" 2>/dev/null; umount -R "$WORK/v2/proc" 2>/dev/null || true; rm -rf "$WORK"' EXIT
for c in ostree nginx curl debootstrap; do
	command -v "$c" >/dev/null || { echo "bench: $c is needed (scripts/install-deps.sh)" >&2; exit 1; }
done
[ -x "$CFSBOOT" ] || { echo "bench: build $CFSBOOT first (make)" >&2; exit 1; }
scripts/debootstrap-tree.sh "$TREE"

bench_update_trees "$TREE" "$WORK"
upgraded=$UPGRADED
# ostree commits no device nodes: /dev stays empty in both trees, for both tools.
rm -rf "$WORK"/v1/dev/* "$WORK"/v2/dev/*

P=$WORK/pki
bench_pki "$P"
image() { bench_image "$WORK/build" "$1" "$2"; }
publish() {
	"$CFSBOOT" publish --store "$WORK/build" --out "$WORK/srv/cfs" --trust "$P/trust" \
		--compress "$COMPRESS" \
		--channel stable --key "$P/ch/key.pem" --cert "$P/ch/cert.pem" \
		--chain "$P/ch/chain.pem" "$1" >/dev/null
}
V1=$(image "$WORK/v1" 1)
V2=$(image "$WORK/v2" 2)
[ -n "$V1" ] && [ -n "$V2" ] || { echo "bench: cannot build the images" >&2; exit 1; }
mkdir -p "$WORK/srv"

# The ostree repository: archive mode, both trees on one branch.
ostree --repo="$WORK/srv/ostree" init --mode=archive
ostree --repo="$WORK/srv/ostree" commit --branch=os --tree=dir="$WORK/v1" --no-xattrs >/dev/null
cp -a "$WORK/srv/ostree" "$WORK/srv/ostree-v1"
ostree --repo="$WORK/srv/ostree" commit --branch=os --tree=dir="$WORK/v2" --no-xattrs >/dev/null

# nginx, serving $WORK/srv.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$WORK/nginx/tmp"
cat > "$WORK/nginx/nginx.conf" <<CONF
$( [ "$(id -u)" -eq 0 ] && echo "user root;" )
worker_processes 2;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
	log_format bytes '\$body_bytes_sent';
	access_log $WORK/nginx/access.log bytes;
	client_body_temp_path $WORK/nginx/tmp/body;
	proxy_temp_path $WORK/nginx/tmp/proxy;
	fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
	uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
	scgi_temp_path $WORK/nginx/tmp/scgi;
	default_type application/octet-stream;
	keepalive_requests 100000;
	server { listen 127.0.0.1:$port; root $WORK/srv; }
}
CONF
nginx -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" &
NGINX_PID=$!
sleep 1
URL=http://127.0.0.1:$port

# run NAME CMD...: wall time and bytes nginx sent for CMD.
run() {
	local name=$1 s e bytes; shift
	sync
	: > "$WORK/nginx/access.log"
	s=$(date +%s.%N)
	"$@" > "$WORK/$name.out" 2>&1 || { tail -n 5 "$WORK/$name.out" >&2; exit 1; }
	e=$(date +%s.%N)
	sleep 0.2
	bytes=$(awk '{ s += $1 } END { print s + 0 }' "$WORK/nginx/access.log")
	printf '%-34s %12s bytes %6d requests %8.2f s\n' "$name" "$bytes" \
		"$(wc -l < "$WORK/nginx/access.log")" "$(echo "$e - $s" | bc -l)"
}

cfs_pull() { "$CFSBOOT" pull --trust "$P/trust" --store "$WORK/dev" --tpm none "$URL/cfs"; }
ostree_pull() { ostree --repo="$WORK/client" pull origin os; }
ostree --repo="$WORK/client" init --mode=bare-user
ostree --repo="$WORK/client" remote add --no-gpg-verify origin "$URL/ostree"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "v1: $(du -sh --apparent-size "$WORK/v1" | cut -f1), $(find "$WORK/v1" -type f | wc -l) files; v2: $upgraded packages upgraded"
# First pulls: v1 alone is published.
publish "$V1"
mv "$WORK/srv/ostree" "$WORK/srv/ostree-v2" && mv "$WORK/srv/ostree-v1" "$WORK/srv/ostree"
run "cfsboot pull v1 (first)" cfs_pull
run "ostree pull v1 (first)" ostree_pull
find "$WORK/srv/cfs/objects" -type f -print0 | sort -z | xargs -0 cat > "$WORK/srv/v1-objects"
run "curl of v1's objects as one file" curl -sf -o "$WORK/one-file" "$URL/v1-objects"
# The update: v2 published on both sides.
publish "$V2"
rm -rf "$WORK/srv/ostree" && mv "$WORK/srv/ostree-v2" "$WORK/srv/ostree"
run "cfsboot pull v2 (update)" cfs_pull
run "ostree pull v2 (update)" ostree_pull
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
