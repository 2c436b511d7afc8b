/* SPDX-License-Identifier: MIT */
/*
 * The boot policy of cfs-pivot: /etc/cfsboot/pivot.conf inside the
 * initramfs, "key = value" lines, parsed strictly (docs/policy.md).  In
 * lib/ because cfsboot deploy reads the policy of the initramfs an image
 * ships with the same parser cfs-pivot boots with.  The
 * initramfs is part of what the boot loader verified, so the policy is the
 * trusted floor; the kernel command line may only tighten it.
 */
#ifndef CFS_PIVOT_CONF_H
#define CFS_PIVOT_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/policy/keeplist.h"

#define PIVOT_POLICY_PATH "/etc/cfsboot/pivot.conf"

/* Longest line of pivot.conf, newline excluded; every text value fits. */
#define PIVOT_POLICY_LINE_MAX 1023
#define PIVOT_POLICY_VALUE_SIZE (PIVOT_POLICY_LINE_MAX + 1)

/* The three tightenable settings are ordered weakest first, so that
 * "stricter" is "greater" and tightening is a max(). */
enum pivot_verity {
	PIVOT_VERITY_INSECURE_DEV,  /* mount without per-file verity: development only */
	PIVOT_VERITY_BOOT_CHECK,    /* no kernel enforcement: check every object before switching */
	PIVOT_VERITY_REQUIRE,       /* overlayfs verity=require */
	_PIVOT_VERITY_MAX,
};

enum pivot_signature {
	PIVOT_SIGNATURE_OFF,
	PIVOT_SIGNATURE_OPTIONAL,   /* verify one when present; boot unsigned images */
	PIVOT_SIGNATURE_REQUIRED,
	_PIVOT_SIGNATURE_MAX,
};

enum pivot_tpm {
	PIVOT_TPM_OFF,
	PIVOT_TPM_IF_PRESENT,
	PIVOT_TPM_REQUIRED,
	_PIVOT_TPM_MAX,
};

/* Whether the anti-rollback counter must be in the TPM: required once it
 * was provisioned, so that deleting it (or keeping the TPM from showing
 * up) refuses the boot instead of lowering the floor to min-version. */
enum pivot_floor_need {
	PIVOT_FLOOR_NEED_IF_PRESENT,
	PIVOT_FLOOR_NEED_REQUIRED,
	_PIVOT_FLOOR_NEED_MAX,
};

enum pivot_etc {
	PIVOT_ETC_OVERLAY,          /* upper and work dirs in the deployment's state (unverified) */
	PIVOT_ETC_BIND,             /* the state's etc bound over the image's (unverified) */
	PIVOT_ETC_TRANSIENT,        /* tmpfs upper: changes vanish at shutdown, but etc-keep's */
	PIVOT_ETC_NONE,             /* the image's /etc, read-only */
	_PIVOT_ETC_MAX,
};

enum pivot_var {
	PIVOT_VAR_BIND,
	PIVOT_VAR_NONE,
	_PIVOT_VAR_MAX,
};

/* Whether the command line must name an image (docs/policy.md, "image"). */
enum pivot_image {
	PIVOT_IMAGE_OPTIONAL,       /* none named: the physical root boots as it is */
	PIVOT_IMAGE_REQUIRED,       /* none named: the boot is refused */
	_PIVOT_IMAGE_MAX,
};

enum pivot_on_failure {
	PIVOT_ON_FAILURE_HALT,
	PIVOT_ON_FAILURE_REBOOT,
	_PIVOT_ON_FAILURE_MAX,
};

struct pivot_policy {
	enum pivot_image image;
	bool image_set;                           /* pivot.conf says it (else the default) */
	char store[PIVOT_POLICY_VALUE_SIZE];     /* under the physical root */
	char state[PIVOT_POLICY_VALUE_SIZE];     /* under the physical root */
	enum pivot_verity verity;
	enum pivot_etc etc;
	struct pivot_keep_list etc_keep;          /* what etc = transient keeps */
	enum pivot_var var;
	bool image_config;                        /* the image's setup-root-conf.toml may tighten etc, var */
	enum pivot_signature signature;
	char trust[PIVOT_POLICY_VALUE_SIZE];     /* in the initramfs */
	char revoked[PIVOT_POLICY_VALUE_SIZE];   /* in the initramfs */
	uint64_t min_version;
	bool check_clock;
	enum pivot_tpm tpm;
	char tpm_device[PIVOT_POLICY_VALUE_SIZE];
	unsigned int pcr;
	unsigned int tpm_wait;                    /* seconds for the TPM device to appear */
	enum pivot_floor_need floor;
	unsigned int root_wait;                   /* seconds */
	enum pivot_on_failure on_failure;
	char init[PIVOT_POLICY_VALUE_SIZE];      /* in the image: the only init= allowed */
	char signer_ca[PIVOT_POLICY_VALUE_SIZE];  /* "any" or spki: pins (lib/trust/sig_pins.h) */
};

/* The init the kernel, dracut and systemd run when init= is absent. */
#define PIVOT_INIT_DEFAULT "/sbin/init"

/* Value names, as written in pivot.conf and on the command line.
 * *_from_string() return the value or -EINVAL. */
const char *pivot_verity_to_string(enum pivot_verity v);
int pivot_verity_from_string(const char *s);
const char *pivot_signature_to_string(enum pivot_signature v);
int pivot_signature_from_string(const char *s);
const char *pivot_tpm_to_string(enum pivot_tpm v);
int pivot_tpm_from_string(const char *s);
const char *pivot_image_to_string(enum pivot_image v);
int pivot_image_from_string(const char *s);
const char *pivot_etc_to_string(enum pivot_etc v);
int pivot_etc_from_string(const char *s);
const char *pivot_var_to_string(enum pivot_var v);
int pivot_var_from_string(const char *s);

/* The defaults, image = required among them: without an initramfs to
 * look into, the stricter one. */
void pivot_policy_defaults(struct pivot_policy *p);

/*
 * Parses the text of a pivot.conf over the defaults.  name is the file name
 * used in messages ("FILE:LINE: what is wrong (what to write instead)",
 * logged once); returns 0 or -EINVAL.
 */
int pivot_policy_parse(struct pivot_policy *p, const char *name, const char *text, size_t len);

/* Writes every key in pivot.conf syntax: what --check prints, and text
 * that pivot_policy_parse() reads back to the same policy. */
int pivot_policy_print(const struct pivot_policy *p, FILE *f);

#endif
