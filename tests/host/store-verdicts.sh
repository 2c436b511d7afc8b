#!/usr/bin/env bash
# `cfsboot fsck` and cfs-pivot's boot check give the same verdict on the
# same stores: a store is damaged in one way at a time (objects missing,
# changed, replaced by links, directories or FIFOs, reached through a mount
# point, changeable by someone other than root; images that are links,
# directories, misnamed, changeable by others, or that name objects the boot
# cannot check), then fsck checks it and cfs-pivot boots from it
# with verity = boot-check, which checks every object in user space as the
# host kernel has no fs-verity.  Both must accept the intact store and the
# harmless changes, and both must refuse every damage, each with its own
# exit code and a line naming what it refused.
. "$(dirname "$0")/../lib.sh"
private_mount_ns "cfs-pivot mounts need root" "$@"

S=$(scratch)
cleanup() {
	unmount_scratch
	rm -rf "$S"
}
trap cleanup EXIT

# ---- one image and its store, made by cfsboot mkimage --store
SRC=$S/src
mkdir -p "$SRC/dir" "$SRC/sysroot"
for i in 1 2 3; do head -c $((i * 5000)) /dev/urandom > "$SRC/file$i"; done
cp "$SRC/file1" "$SRC/dir/same-as-file1"
echo inline > "$SRC/small"
ln -s file1 "$SRC/link"
D=$("$CFSBOOT" mkimage --store "$S/store" --print-digest "$SRC" "$S/image.cfs" 2>/dev/null)
[ ${#D} -eq 64 ] || { fail "mkimage --store builds the image"; done_testing; exit; }
# IMG: the image itself, an object (images/$D links to it); OBJ: an object
# of a file of the image, relative to objects/, in another fan-out
# directory than IMG's; FAN its fan-out directory.
IMG=${D:0:2}/${D:2}
OBJ=$(cd "$S/store/objects" && find . -type f ! -path "./${D:0:2}/*" | sort | head -n 1 | cut -c3-)
FAN=${OBJ%%/*}

POLICY='verity = boot-check
signature = off
tpm = off
etc = none
var = none'

# The store of each case is a copy on a fresh physical root, bind-mounted on
# itself (a mount point, as a real one is); the damage is done after the
# bind, so that mounts it makes are inside the physical root's mount.
R= # the store of the current case
fresh() {
	local name=$1
	rm -rf "${S:?}/$name" "$S/$name.run"
	mkdir -p "$S/$name/composefs" "$S/$name.run"
	cp -a "$S/store/." "$S/$name/composefs/"
	mount --bind "$S/$name" "$S/$name"
	R=$S/$name/composefs
}

# verdict NAME DIGEST FSCK_EXIT FSCK_PATTERN PIVOT_EXIT PIVOT_PATTERN: runs
# both on the store R; each must exit as expected and say its pattern (an
# ERE on its output and messages; "" for a pass), and their verdicts, pass
# or refuse, must be the same.
verdict() {
	local name=$1 digest=$2 fsck_want=$3 fsck_pat=$4 pivot_want=$5 pivot_pat=$6
	local fsck_rc=0 pivot_rc=0 fsck_out pivot_out root=${R%/composefs}
	# A reader blocked on a FIFO is a verdict too: timeout exits 124.
	fsck_out=$(timeout 60 "$CFSBOOT" fsck --store "$R" 2>&1) || fsck_rc=$?
	printf 'composefs.digest=%s\n' "$digest" > "$root.run/cmdline"
	printf '%s\n' "$POLICY" > "$root.run/pivot.conf"
	pivot_out=$(timeout 60 "$CFS_PIVOT" --cmdline "$root.run/cmdline" --config "$root.run/pivot.conf" \
		--sysroot "$root" --status "$root.run/status.json" 2>&1) || pivot_rc=$?
	if [ $((fsck_rc == 0)) -ne $((pivot_rc == 0)) ]; then
		fail "$name: fsck exits $fsck_rc, cfs-pivot $pivot_rc: different verdicts"
		printf '%s\n' "$fsck_out" "$pivot_out" | tail -n 6 | sed 's/^/#   /'
	elif [ "$fsck_rc" -ne "$fsck_want" ] || [ "$pivot_rc" -ne "$pivot_want" ]; then
		fail "$name: fsck exits $fsck_rc, cfs-pivot $pivot_rc; expected $fsck_want and $pivot_want"
		printf '%s\n' "$fsck_out" "$pivot_out" | tail -n 6 | sed 's/^/#   /'
	elif [ -n "$fsck_pat" ] && ! printf '%s\n' "$fsck_out" | grep -qE -- "$fsck_pat"; then
		fail "$name: fsck does not say /$fsck_pat/"
		printf '%s\n' "$fsck_out" | tail -n 4 | sed 's/^/#   /'
	elif [ -n "$pivot_pat" ] && ! printf '%s\n' "$pivot_out" | grep -qE -- "$pivot_pat"; then
		fail "$name: cfs-pivot does not say /$pivot_pat/"
		printf '%s\n' "$pivot_out" | tail -n 4 | sed 's/^/#   /'
	else
		ok "$name: both $([ "$fsck_rc" -eq 0 ] && echo accept || echo refuse) (fsck $fsck_rc, cfs-pivot $pivot_rc)"
	fi
	# A boot leaves the composed tree on the physical root: all goes.
	umount -R "$root"
}

# ---- what both accept
fresh intact
verdict "the intact store" "$D" 0 " 0 missing, 0 corrupt, 0 bad images" 0 ""

fresh unreferenced
echo junk > "$R/objects/$FAN/unreferenced"
chmod 0666 "$R/objects/$FAN/unreferenced"
verdict "a file no image names, writable by anyone" "$D" 0 "" 0 ""

# ---- who else could change what the boot checked: without fs-verity
# nothing checks an object or the image again after the boot, so only root
# may be able to change them or the directories holding the objects.
fresh hardlink
ln "$R/objects/$OBJ" "$S/hardlink/elsewhere"
verdict "an object with another hard link (outside the store)" "$D" \
	5 "^corrupt: $R/objects/$OBJ: it has 2 hard links, so someone other than root could change it" \
	7 "refusing object .*/objects/$OBJ \(nid [0-9]+\): it has 2 hard links, so someone other than root"

fresh world-writable
chmod 0666 "$R/objects/$OBJ"
verdict "an object of mode 0666" "$D" \
	5 "^corrupt: $R/objects/$OBJ: it is writable by its group or others \(mode 0666\)" \
	7 "refusing object .*/objects/$OBJ \(nid [0-9]+\): it is writable by its group or others \(mode 0666\)"

fresh linked-0666
ln "$R/objects/$OBJ" "$S/linked-0666/var-tmp-x" && chmod 0666 "$R/objects/$OBJ"
verdict "an object of mode 0666 hard-linked outside the store (the attack)" "$D" \
	5 "^corrupt: $R/objects/$OBJ: it has 2 hard links" 7 "it has 2 hard links"

fresh user-owned
chown 1000:1000 "$R/objects/$OBJ"
verdict "an object owned by uid 1000" "$D" \
	5 "^corrupt: $R/objects/$OBJ: it is owned by uid 1000, not root" \
	7 "refusing object .*/objects/$OBJ \(nid [0-9]+\): it is owned by uid 1000, not root"

fresh fan-writable
chmod 0777 "$R/objects/$FAN"
verdict "a fan-out directory of mode 0777" "$D" \
	5 "^corrupt: $R/objects/$OBJ: its directory $FAN is writable by its group or others \(mode 0777\)" \
	7 "refusing object .*/objects/$OBJ \(nid [0-9]+\): its directory $FAN is writable"

fresh objects-owned
chown 1000 "$R/objects"
verdict "the objects directory owned by uid 1000" "$D" \
	5 "^corrupt: $R/objects/$OBJ: the objects directory is owned by uid 1000, not root" \
	7 "the objects directory is owned by uid 1000, not root"

fresh img-hardlink
ln "$R/objects/$IMG" "$S/img-hardlink/elsewhere"
verdict "the image with another hard link" "$D" \
	3 "refusing the image $R/images/$D: it has 2 hard links, so someone other than root" \
	7 "refusing the image .*/images/$D: it has 2 hard links, so someone other than root"

fresh img-writable
chmod 0666 "$R/images/$D"
verdict "the image of mode 0666" "$D" \
	3 "refusing the image $R/images/$D: it is writable by its group or others \(mode 0666\)" \
	7 "refusing the image .*/images/$D: it is writable by its group or others \(mode 0666\)"

fresh img-owned
chown 1000:1000 "$R/images/$D"
verdict "the image owned by uid 1000" "$D" \
	3 "refusing the image $R/images/$D: it is owned by uid 1000, not root" \
	7 "refusing the image .*/images/$D: it is owned by uid 1000, not root"

# ---- objects
fresh missing
rm "$R/objects/$OBJ"
verdict "a missing object" "$D" 4 "^missing: $R/objects/$OBJ \(needed by" \
	5 "object .*/objects/$OBJ \(nid [0-9]+\) is missing"

fresh flipped
python3 - "$R/objects/$OBJ" <<'EOF'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(100)
    b = f.read(1)
    f.seek(100)
    f.write(bytes([b[0] ^ 0x01]))
EOF
verdict "an object with a flipped byte" "$D" 5 "^corrupt: $R/objects/$OBJ: fs-verity digest sha256:" \
	7 "refusing object .*/objects/$OBJ \(nid [0-9]+\): its fs-verity digest is"

fresh symlink-out
mv "$R/objects/$OBJ" "$S/symlink-out/good-object"
ln -s "$S/symlink-out/good-object" "$R/objects/$OBJ"
verdict "an object that is a symlink to its good content outside the store" "$D" \
	5 "^corrupt: $R/objects/$OBJ: it is or passes through a symbolic link" \
	5 "refusing object .*/objects/$OBJ \(nid [0-9]+\): Too many levels of symbolic links"

fresh symlink-in
mv "$R/objects/$OBJ" "$R/objects/$FAN/good-object"
ln -s good-object "$R/objects/$OBJ"
verdict "an object that is a symlink to its good content in the store" "$D" \
	5 "symbolic link" 5 "symbolic links"

fresh fanlink
mv "$R/objects/$FAN" "$R/objects/real-$FAN"
ln -s "real-$FAN" "$R/objects/$FAN"
verdict "a fan-out directory that is a symlink" "$D" 5 "symbolic link" 5 "symbolic links"

fresh objlink
mv "$R/objects" "$R/real-objects"
ln -s real-objects "$R/objects"
verdict "the objects directory a symlink to the objects" "$D" \
	1 "refusing the objects directory $R/objects: it is or passes through a symbolic link" \
	5 "refusing the image .*/images/$D: its symbolic link leads through another link on the way to objects/$IMG"

fresh dir
rm "$R/objects/$OBJ" && mkdir "$R/objects/$OBJ"
verdict "an object that is a directory" "$D" 5 "^corrupt: $R/objects/$OBJ: not a regular file" \
	11 "refusing object .*/objects/$OBJ \(nid [0-9]+\): not a regular file"

fresh fifo
rm "$R/objects/$OBJ" && mkfifo "$R/objects/$OBJ"
verdict "an object that is a FIFO" "$D" 5 "^corrupt: $R/objects/$OBJ: not a regular file" \
	11 "not a regular file"

fresh fanfile
rm -r "${R:?}/objects/$FAN" && echo x > "$R/objects/$FAN"
verdict "a fan-out that is a file" "$D" 4 "^missing: $R/objects/$OBJ" 7 "Not a directory"

# Mount points: the right content, but on another mount than the store's.
fresh bind
cp "$R/objects/$OBJ" "$S/bind/copy"
mount --bind "$S/bind/copy" "$R/objects/$OBJ"
verdict "an object bind-mounted over itself" "$D" \
	5 "^corrupt: $R/objects/$OBJ: it is or passes through a mount point" \
	5 "refusing object .*/objects/$OBJ \(nid [0-9]+\): Invalid cross-device link"

fresh tmpfs
cp -a "$R/objects/$FAN" "$S/tmpfs/saved"
mount -t tmpfs fan "$R/objects/$FAN" && cp -a "$S/tmpfs/saved/." "$R/objects/$FAN/"
verdict "a fan-out directory on a tmpfs holding its objects" "$D" \
	5 "mount point" 5 "cross-device link"

fresh objmount
mkdir "$S/objmount/copy" && cp -a "$R/objects/." "$S/objmount/copy/"
mount --bind "$S/objmount/copy" "$R/objects"
verdict "the objects directory a mount of a copy of the objects" "$D" \
	1 "refusing the objects directory $R/objects: it is or passes through a mount point" \
	5 "refusing the image .*/images/$D: its symbolic link leads to objects/$IMG, which is or passes through a mount point"

# ---- images: the link to its object (composefs-rs's layout), followed
# only while it stays in the store and ends at the image's own object.
fresh imgfile
rm "$R/images/$D" && cp "$S/image.cfs" "$R/images/$D"
verdict "images/<digest> a regular file (the layout before links)" "$D" 0 "" 0 ""

fresh imgref
mkdir -p "$R/images/refs/system"
ln -s "../../../objects/$IMG" "$R/images/refs/system/root"
rm "$R/images/$D" && ln -s refs/system/root "$R/images/$D"
verdict "images/<digest> a link to a link in a subdirectory that links to the object" "$D" 0 "" 0 ""

fresh imglink
rm "$R/images/$D" && cp "$S/image.cfs" "$S/imglink/good.cfs"
ln -s ../../good.cfs "$R/images/$D"
verdict "images/<digest> a link out of the store (../..)" "$D" \
	3 "refusing the image $R/images/$D: its symbolic link leads out of the store \(to ../../good.cfs\)" \
	5 "refusing the image .*/images/$D: its symbolic link leads out of the store \(to ../../good.cfs\)"

fresh imgabs
rm "$R/images/$D" && ln -s "$R/objects/$IMG" "$R/images/$D"
verdict "images/<digest> an absolute link to its own object" "$D" \
	3 "its symbolic link leads out of the store \(to /" 5 "its symbolic link leads out of the store \(to /"

fresh imgmagic
rm "$R/images/$D" && ln -s /proc/self/cwd/objects/$IMG "$R/images/$D"
verdict "images/<digest> a magic link (/proc/self/...)" "$D" \
	3 "leads out of the store \(to /proc/self/cwd" 5 "leads out of the store \(to /proc/self/cwd"

fresh imglinkdir
rm "$R/images/$D" && ln -s "../objects/${D:0:2}" "$R/images/$D"
verdict "images/<digest> a link to a directory" "$D" \
	3 "its symbolic link leads to the directory objects/${D:0:2}, not to the image's object" \
	5 "its symbolic link leads to the directory objects/${D:0:2}, not to the image's object"

fresh imgloop
rm "$R/images/$D" && ln -s loop-b "$R/images/$D" && ln -s "$D" "$R/images/loop-b"
verdict "images/<digest> a loop of links" "$D" \
	3 "more than 8 symbolic links in a row" 5 "more than 8 symbolic links in a row"

# chain N: images/$D and N - 1 more links, the last to the object.
chain() {
	rm "$R/images/$D" && ln -s hop1 "$R/images/$D"
	for i in $(seq 1 $(($1 - 2))); do ln -s hop$((i + 1)) "$R/images/hop$i"; done
	ln -s "../objects/$IMG" "$R/images/hop$(($1 - 1))"
}
fresh imghops8
chain 8
verdict "images/<digest> eight links to its object (the most followed)" "$D" 0 "" 0 ""

fresh imghops9
chain 9
verdict "images/<digest> nine links to its object" "$D" \
	3 "more than 8 symbolic links in a row" 5 "more than 8 symbolic links in a row"

fresh imgnonobj
rm "$R/images/$D" && cp "$S/image.cfs" "$R/images/good.cfs" && ln -s good.cfs "$R/images/$D"
verdict "images/<digest> a link to its image outside objects/ (not an object)" "$D" \
	3 "its symbolic link leads to images/good.cfs, not to the image's object objects/$IMG" \
	5 "its symbolic link leads to images/good.cfs, not to the image's object objects/$IMG"

fresh imgmeta
rm "$R/images/$D" && ln -s ../meta.json "$R/images/$D"
verdict "images/<digest> a link to meta.json" "$D" \
	3 "leads to meta.json, not to the image's object" 5 "leads to meta.json, not to the image's object"

fresh imgdangling
rm "$R/objects/$IMG"
verdict "images/<digest> a link to a missing object" "$D" \
	3 "leads to objects/$IMG, which does not exist" 5 "leads to objects/$IMG, which does not exist"

fresh imgviadir
mv "$R/objects/${D:0:2}" "$R/objects/real-fan" && ln -s real-fan "$R/objects/${D:0:2}"
verdict "images/<digest> a link through a linked fan-out directory" "$D" \
	3 "leads through another link on the way to objects/$IMG" \
	5 "leads through another link on the way to objects/$IMG"

fresh imgsdir
mv "$R/images" "$R/real-images"
ln -s real-images "$R/images"
verdict "the images directory a symlink" "$D" \
	1 "refusing the images directory $R/images: it is or passes through a symbolic link" \
	5 "refusing the image .*/images/$D: it is or passes through a symbolic link"

fresh imgdir
rm "$R/images/$D" && mkdir "$R/images/$D"
verdict "images/<digest> a directory" "$D" 3 "refusing the image $R/images/$D: it is not a regular file" \
	5 "refusing the image .*/images/$D: it is not a regular file"

# An image under another image's name: fsck sees the name is not its digest,
# the boot that the digest is not the command line's.
fresh misnamed
"$CFSBOOT" mkimage "$SRC/dir" "$R/images/$D" 2>/dev/null
verdict "images/<digest> holding another image" "$D" 3 "^bad-image: $R/images/$D" \
	6 "its fs-verity digest is .*, but the command line names sha256:$D"

# store_image NAME DUMP: the store holds only the image of DUMP, built by
# cfsboot mkimage --from-file; prints its digest.
store_image() {
	local d
	printf '%s' "$2" > "$S/$1.dump"
	"$CFSBOOT" mkimage --from-file "$S/$1.dump" "$S/$1.cfs" 2>/dev/null
	d=$("$CFSBOOT" digest "$S/$1.cfs" | cut -d' ' -f1 | cut -d: -f2)
	rm -f "$R/images/"*
	cp "$S/$1.cfs" "$R/images/$d"
	echo "$d"
}
ROOT_LINE='/ 0 40755 2 0 0 0 1.0 - - -'
DIGEST=$(printf '%s%s' "${OBJ%%/*}" "${OBJ#*/}")
SIZE=$(stat -c %s "$S/store/objects/$OBJ")

fresh nodigest
N=$(store_image nodigest "$ROOT_LINE
/f $SIZE 100644 1 0 0 0 1.0 $OBJ - -
")
verdict "an image whose file records no digest for its object" "$N" \
	3 "records no digest for its object $OBJ" 7 "records no digest for its object $OBJ"

fresh escape
N=$(store_image escape "$ROOT_LINE
/f $SIZE 100644 1 0 0 0 1.0 ../objects/$OBJ - $DIGEST
")
verdict "an image whose redirect leaves the objects directory" "$N" \
	3 "redirect '/../objects/$OBJ' leaves the object store" 11 "leaves the object store"

fresh redirect-ok
N=$(store_image redirect-ok "$ROOT_LINE
/f $SIZE 100644 1 0 0 0 1.0 $OBJ - $DIGEST
")
verdict "an image from a dump naming the object by its digest" "$N" 0 "" 0 ""

fresh garbage
head -c 8192 /dev/urandom > "$S/garbage.cfs"
N=$("$CFSBOOT" digest "$S/garbage.cfs" | cut -d' ' -f1 | cut -d: -f2)
rm -f "$R/images/"* && cp "$S/garbage.cfs" "$R/images/$N"
verdict "an image that is no image, named by its digest" "$N" 3 "^bad-image: $R/images/$N" \
	11 "images/$N"

done_testing
