#!/usr/bin/env bash
# cfsboot publish and cfsboot pull from a directory (a second disk, a USB
# stick): v1, then v2 with only its new objects copied; a repository that
# publishes again adds only new files; refusals say one line and leave the
# store unchanged and fsck-clean: a damaged object, channel or signature,
# a channel signed by an image key, a replayed or expired channel, a path
# leaving the repository through a link.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/pull-lib.sh"

pull() { "$CFSBOOT" pull --trust "$PKI/trust" --store "$DEV" --tpm none "$@"; }

check "publish v1" publish "$V1"
# The store's layout (mkimage --store's code): the image is its own object,
# named by a link.
check "v1's repository layout" test -L "$REPO_DIR/images/$V1" -a -f "$REPO_DIR/signatures/$V1.sig" \
	-a -f "$REPO_DIR/objects/${V1:0:2}/${V1:2}" -a -f "$REPO_DIR/channels/stable"
# Where a device whose cfsboot predates signatures/ fetches it.
check "... with a copy of the signature at images/<d>.sig for older devices" \
	cmp "$REPO_DIR/signatures/$V1.sig" "$REPO_DIR/images/$V1.sig"
# distinct_contents TREE: how many objects its image needs (files over 64 bytes).
distinct_contents() { find "$1" -type f -size +64c -exec sha256sum {} + | cut -d' ' -f1 | sort -u; }
n1=$(($(find "$REPO_DIR/objects" -type f | wc -l) - 1))
check "the repository holds v1's objects and nothing else" \
	test "$n1" -eq "$(distinct_contents "$S/v1" | wc -l)"
# Independent check of the channel's signature: openssl cms over the
# fs-verity formatted digest of the first line.
head -n1 "$REPO_DIR/channels/stable" | tr -d '\n' > "$S/ch.json"
sed -n 2p "$REPO_DIR/channels/stable" | base64 -d > "$S/ch.der"
d=$(fsverity digest --compact "$S/ch.json")
python3 -c "import sys,struct; d=bytes.fromhex('$d'); sys.stdout.buffer.write(b'FSVerity'+struct.pack('<HH',1,len(d))+d)" > "$S/ch.payload"
check "openssl verifies the channel's signature" openssl cms -verify -binary -inform DER \
	-in "$S/ch.der" -content "$S/ch.payload" -CAfile "$PKI/root/cert.pem" -purpose any -out /dev/null
check "the channel names v1 with its version" grep -q "\"digest\":\"sha256:$V1\",\"version\":1," "$S/ch.json"
cp "$REPO_DIR/channels/stable" "$S/channel-v1"

out=$(pull "$REPO_DIR" 2>&1) && printf '%s\n' "$out" | grep -q "fetching $n1 of $n1 objects" &&
	ok "pull v1: all $n1 objects" || { fail "pull v1"; printf '%s\n' "$out" | sed 's/^/#   /'; }
check "the device store holds v1, fsck-clean" "$CFSBOOT" fsck --store "$DEV" "$V1"
check "the device store has v1's signature in signatures/" cmp "$DEV/signatures/$V1.sig" "$BUILD_STORE/signatures/$V1.sig"
out=$(pull "$REPO_DIR" 2>&1) && printf '%s\n' "$out" | grep -q "was pulled already" &&
	ok "pulling the same channel again does nothing" || fail "pull v1 again: $out"

# Publishing again adds only what is new; the channel is replaced.
before=$(find "$REPO_DIR/objects" -type f -newer "$S/channel-v1" | wc -l)
out=$(publish "$V2")
new=$(comm -13 <(distinct_contents "$S/v1") <(distinct_contents "$S/v2") | wc -l)
printf '%s\n' "$out" | grep -q ": $new objects added" && ok "publish v2 adds its $new new objects" ||
	{ fail "publish v2 adds $new objects"; printf '%s\n' "$out" | sed 's/^/#   /'; }
check "channel serial 2" grep -q '"serial":2,' "$REPO_DIR/channels/stable"
test "$before" -eq 0 && ok "nothing was rewritten before" || fail "$before files rewritten"

out=$(pull "$REPO_DIR" 2>&1) && printf '%s\n' "$out" | grep -q "fetching $new of " &&
	ok "pull v2 copies only its $new new objects" || { fail "pull v2"; printf '%s\n' "$out" | sed 's/^/#   /'; }
check "the device store holds v1 and v2, fsck-clean" "$CFSBOOT" fsck --store "$DEV"

# Replays and expiry.
cp "$REPO_DIR/channels/stable" "$S/channel-v2"
cp "$S/channel-v1" "$REPO_DIR/channels/stable"
refused "a replayed older channel" 32 'serial 1 is older than serial 2' pull "$REPO_DIR"
cp "$S/channel-v2" "$REPO_DIR/channels/stable"
publish --valid 1 "$V2" >/dev/null
sleep 2
refused "an expired channel" 31 'expired at' pull "$REPO_DIR"

# A channel signed by the image key: the usages keep the keys apart.
"$CFSBOOT" publish --store "$BUILD_STORE" --out "$REPO_DIR" --trust "$PKI/trust" --channel stable \
	--key "$PKI/signer/key.pem" --cert "$PKI/signer/cert.pem" --chain "$PKI/signer/chain.pem" \
	"$V2" >/dev/null
refused "a channel signed by an image-signing key" 30 'lacks the channel-signing' pull "$REPO_DIR"
# And an image signature cannot stand in for a channel's: the first line of a
# channel file signed by the image key is refused the same way; a channel key
# cannot sign images (cfsboot verify).
"$CFSBOOT" sign --key "$PKI/channel/key.pem" --cert "$PKI/channel/cert.pem" \
	--chain "$PKI/channel/chain.pem" --digest "sha256:$V2" -o "$S/v2-by-channel.sig" >/dev/null
check_fails "a channel key does not sign images" 17 'lacks the image-signing' \
	"$CFSBOOT" verify --trust "$PKI/trust" --digest "sha256:$V2" "$S/v2-by-channel.sig"

# A fresh v3 and damaged files: nothing may enter.
make_tree "$S/v3" 3
V3=$(build_image "$S/v3" 3)
publish "$V3" >/dev/null
cp "$REPO_DIR/channels/stable" "$S/channel-v3"
sed -i '1s/"serial":[0-9]*/"serial":99/' "$REPO_DIR/channels/stable"
refused "a channel whose text was changed" 30 'does not sign' pull "$REPO_DIR"
printf 'garbage' > "$REPO_DIR/channels/stable"
refused "a channel that is not one" 30 'not two lines' pull "$REPO_DIR"
cp "$S/channel-v3" "$REPO_DIR/channels/beta"
refused "a channel file copied under another name" 30 "signed for channel 'stable', not 'beta'" \
	pull --channel beta "$REPO_DIR"
rm "$REPO_DIR/channels/stable"
refused "a missing channel" 34 'no such file' pull "$REPO_DIR"
refused "a channel name that leaves the repository" 2 'channel name' pull --channel ../x "$REPO_DIR"
cp "$S/channel-v3" "$REPO_DIR/channels/stable"

mv "$REPO_DIR/signatures/$V3.sig" "$S/v3.sig"
rm "$REPO_DIR/images/$V3.sig"
refused "a missing signature" 34 \
	"has no signature of the image $V3, neither signatures/$V3.sig nor images/$V3.sig" pull "$REPO_DIR"
cp "$REPO_DIR/signatures/$V1.sig" "$REPO_DIR/signatures/$V3.sig"
refused "another image's signature" 14 'does not sign' pull "$REPO_DIR"
# signatures/<d>.sig a link out of the repository: refused, the legacy
# images/<d>.sig beside it not fetched instead.
cp "$S/v3.sig" "$REPO_DIR/images/$V3.sig"
ln -sf "$S/v3.sig" "$REPO_DIR/signatures/$V3.sig"
refused "a signature that is a link out of the repository" 36 'leaves the repository' pull "$REPO_DIR"
rm "$REPO_DIR/images/$V3.sig" "$REPO_DIR/signatures/$V3.sig"
cp "$S/v3.sig" "$REPO_DIR/signatures/$V3.sig"
refused "a version below --min-version" 19 'below' pull --min-version 4 "$REPO_DIR"

obj=$(cd "$REPO_DIR" && find objects -type f -newer "$S/channel-v2" | grep -v "${V3:2}" | head -n1)
cp "$REPO_DIR/$obj" "$S/good-object"
printf '\x00' | dd of="$REPO_DIR/$obj" bs=1 seek=100 conv=notrunc status=none
refused "a corrupt object" 35 'does not have the digest' pull "$REPO_DIR"
head -c 1000 "$S/good-object" > "$REPO_DIR/$obj"
refused "a truncated object" 35 'truncated' pull "$REPO_DIR"
cat "$S/good-object" "$S/good-object" > "$REPO_DIR/$obj"
refused "an object larger than the image says" 35 'larger than the' pull "$REPO_DIR"
rm "$REPO_DIR/$obj" && ln -s "$S/good-object" "$REPO_DIR/$obj"
refused "an object that is a link out of the repository" 36 'leaves the repository' pull "$REPO_DIR"
rm "$REPO_DIR/$obj" && cp "$S/good-object" "$REPO_DIR/$obj"

refused "a TPM named but absent" 1 "no TPM at $S/no-tpm" pull --tpm "$S/no-tpm" "$REPO_DIR"
check "after all that, pull v3" pull "$REPO_DIR"
check "--tpm off (deploy's word) is --tpm none" pull --tpm off "$REPO_DIR"
check "the device store is fsck-clean with v1, v2, v3" "$CFSBOOT" fsck --store "$DEV" "$V1" "$V2" "$V3"
test -L "$DEV/images/$V3" && ok "the pulled image is a link to its object, as mkimage --store makes it" ||
	fail "the pulled image is not a link"
# A repository an earlier cfsboot published: its signatures are in images/.
cp -a "$REPO_DIR" "$S/legacy-repo"
mv "$S/legacy-repo/signatures"/*.sig "$S/legacy-repo/images/" && rmdir "$S/legacy-repo/signatures"
check "a repository with images/<d>.sig only is pulled from" "$CFSBOOT" pull --trust "$PKI/trust" \
	--store "$S/dev3" --tpm none "$S/legacy-repo"
check "... into the new layout" test -f "$S/dev3/signatures/$V3.sig" -a -z "$(find "$S/dev3/images" -name '*.sig')"
# A device store an earlier cfsboot pulled into: moved by the next pull.
mv "$S/dev3/signatures/$V3.sig" "$S/dev3/images/"
out=$("$CFSBOOT" pull --trust "$PKI/trust" --store "$S/dev3" --tpm none "$S/legacy-repo" 2>&1) &&
	grep -q "moved 1 signatures from images/ to signatures/" <<< "$out" &&
	ok "pull moves a store's legacy signatures" || fail "pull moves a store's legacy signatures: $out"
check "... fsck-clean, images/ without signatures" sh -c \
	"'$CFSBOOT' fsck --store '$S/dev3' '$V3' && test -f '$S/dev3/signatures/$V3.sig' && test -z \"\$(find '$S/dev3/images' -name '*.sig')\""
# A store is a repository: a plain copy of the device's store serves another.
cp -a "$DEV" "$S/store-copy"
check "a copy of a store is a source" "$CFSBOOT" pull --trust "$PKI/trust" --store "$S/dev2" \
	--tpm none "$S/store-copy"
check "the second store is fsck-clean with v3" "$CFSBOOT" fsck --store "$S/dev2" "$V3"
done_testing
