#!/usr/bin/env bash
# The end of every cfsboot command's option parsing (option_end): --help
# prints the command's usage on standard output and exits 0; an unknown
# option and an option without its argument print what getopt found wrong,
# then the usage, on standard error, and exit 2 (docs/errors.md).
. "$(dirname "$0")/../lib.sh"
dir=$(scratch)

# options COMMAND...: --help and an unknown option for cfsboot COMMAND.
options() {
	local cmd=("$@") rc
	rc=0
	"$CFSBOOT" "${cmd[@]}" --help > "$dir/out" 2> "$dir/err" || rc=$?
	if [ "$rc" -eq 0 ] && grep -q "^Usage: cfsboot ${cmd[*]} " "$dir/out" && [ ! -s "$dir/err" ]; then
		ok "${cmd[*]} --help: the usage on stdout, exit 0"
	else
		fail "${cmd[*]} --help: the usage on stdout, exit 0 (exit $rc)"
	fi
	usage_error "unrecognized option '--no-such-option'" "${cmd[@]}" --no-such-option
}

# usage_error PATTERN COMMAND... OPTION: cfsboot COMMAND OPTION exits 2,
# printing nothing on stdout, and on stderr PATTERN (getopt's complaint)
# and the command's usage.
usage_error() {
	local pattern=$1 cmd=("${@:2:$#-2}") opt=${*: -1} rc=0
	"$CFSBOOT" "${cmd[@]}" "$opt" > "$dir/out" 2> "$dir/err" || rc=$?
	if [ "$rc" -eq 2 ] && [ ! -s "$dir/out" ] && grep -q -- "$pattern" "$dir/err" &&
		grep -q "^Usage: cfsboot ${cmd[*]} " "$dir/err"; then
		ok "${cmd[*]} $opt: named, the usage on stderr, exit 2"
	else
		fail "${cmd[*]} $opt: named, the usage on stderr, exit 2 (exit $rc)"
		sed 's/^/#   /' "$dir/err" | head -n 3
	fi
}

# needs_arg OPTION COMMAND...: cfsboot COMMAND with OPTION, which takes an
# argument, last and without one.
needs_arg() {
	usage_error "option '$1' requires an argument" "${@:2}" "$1"
}

options sign
needs_arg --key sign
options verify
needs_arg --trust verify
options digest
needs_arg --hash digest
options fsck
needs_arg --store fsck
options inspect
options tpm replay
needs_arg --device tpm replay
# The trust options (tool/sign/sigtrust.h) and deploy's option loop
# (tool/deploy/cmd_args.h) in every command that takes them.
options publish
needs_arg --revoked publish
options pull
needs_arg --tpm pull
for c in deploy status bless rollback; do
	options $c
	needs_arg --tpm $c
	needs_arg --store $c
done
done_testing
