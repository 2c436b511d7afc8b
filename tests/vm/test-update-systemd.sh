#!/usr/bin/env bash
# Issue 12's update scenarios (tests/vm/test-update.sh) with the systemd
# guest (tests/vm/systemd-guest.sh): systemd-bless-boot and
# cfsboot-bless.service bless the good boots, after boot-complete.target.
# shellcheck disable=SC2034 # read by test-update.sh
CFS_UPDATE_GUEST=systemd
. "$(dirname "$0")/test-update.sh"
