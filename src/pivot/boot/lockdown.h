/* SPDX-License-Identifier: MIT */
/*
 * What a policy with image = required forbids (docs/threat-model.md): a
 * command line that names no image, which would boot the physical root
 * unverified, and the words of the initramfs itself that would skip, stop
 * or replace cfs-pivot (rd.break, rd.systemd.mask=, init=, ...).  The
 * dracut module asks for the second with cfs-pivot --check-cmdline from
 * places the command line cannot switch off (docs/dracut.md).
 */
#ifndef CFS_PIVOT_LOCKDOWN_H
#define CFS_PIVOT_LOCKDOWN_H

#include <stdbool.h>

struct pivot_cmdline;
struct pivot_policy;

/* The only init a locked policy lets the command line name. */
#define PIVOT_LOCKDOWN_INIT "/sbin/init"

/*
 * The command line names no image.  Returns 0 when the physical root may
 * boot as it is (image = optional, not PID 1: "nothing to do"), else
 * -EPERM after logging why not: the policy requires an image, or as PID 1
 * there is nothing else to boot.  Class PIVOT_EXIT_NO_IMAGE.
 */
int pivot_lockdown_no_image(const struct pivot_policy *p, bool pid1);

/*
 * The words of text (a kernel command line) that p forbids: with
 * image = required, the first word that would skip, stop or replace
 * cfs-pivot in the initramfs is logged, naming it, and -EPERM returned;
 * c is text as cfs-pivot parsed it (for init= as the kernel reads it).
 * Words are matched the way each of their readers could see them: split
 * at any blank, quotes and backslashes ignored, '-' and '_' alike, after
 * a "--" too.  0 when nothing is forbidden.
 */
int pivot_lockdown_words(const struct pivot_policy *p, const struct pivot_cmdline *c,
			 const char *text);

/*
 * cfs-pivot --check-cmdline: reads the command line at cmdline_path and the
 * policy at config_path and applies pivot_lockdown_words(), logging to the
 * kernel log as well.  A refusal is measured as a boot's is
 * (composefs-refused:<class>, the record logged at log_path, NULL for the
 * default).  Returns the exit code: PIVOT_EXIT_OK, or the class of the
 * refusal (PIVOT_EXIT_CMDLINE for a forbidden or malformed word,
 * PIVOT_EXIT_POLICY, PIVOT_EXIT_INTERNAL).
 */
int pivot_lockdown_check(const char *cmdline_path, const char *config_path, const char *log_path);

#endif
