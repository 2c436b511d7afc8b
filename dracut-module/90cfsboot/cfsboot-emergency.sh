#!/bin/sh
# SPDX-License-Identifier: MIT
#
# emergency and shutdown-emergency hook 00 of the dracut module "cfsboot":
# dracut sources one of them before it opens a shell (an rd.break point, a
# failed step, cfs-pivot's refusal) or, with rd.shell=0, halts, with
# systemd (dracut-emergency, which emergency.service and rescue.service
# run) or without.  When the policy requires an image a shell would be a
# way around it, so the machine powers off instead.

. /usr/lib/cfsboot/cfsboot-lib.sh
if cfsboot_locked; then
	# Names the word that brought the boot here, if a word did.
	/usr/bin/cfs-pivot --check-cmdline 2> /dev/null
	cfsboot_power_off "the boot failed, and the policy requires a verified image (image = required): no shell"
fi
