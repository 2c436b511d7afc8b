#!/usr/bin/env bash
# A user's clone has nothing beside it: no tracked file may refer to a
# directory next to the repository (the team's reference notes once were
# there, and tests read them).  Searches the tracked files (or, outside a
# git checkout, every file but build/ and .git).
. "$(dirname "$0")/../lib.sh"
S=$(scratch)

# The pattern is a regex, and no message spells it out, so that this file
# does not match itself.
pattern='\.\./shared'
if git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git -C "$REPO" ls-files -z > "$S/files"
else
	(cd "$REPO" && find . \( -path ./build -o -path ./.git \) -prune -o -type f -print0) > "$S/files"
fi
check "the file list is not empty" test -s "$S/files"
if (cd "$REPO" && xargs -0 grep -nIE -- "$pattern" < "$S/files") > "$S/hits"; then
	fail "tracked files refer to a directory beside the repository, which a clone does not have"
	head -n 10 "$S/hits" | sed 's/^/#   /'
else
	ok "no tracked file refers to a directory beside the repository"
fi

done_testing
