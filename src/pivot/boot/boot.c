// SPDX-License-Identifier: MIT
/*
 * The phases run in the order of the table below.  Verification (digest,
 * signature, boot-time object check) comes before anything is mounted, and
 * the mounts are made detached: until the attach phase, a refusal needs no
 * undoing beyond closing fds.  The measurement comes after verification
 * and before the image is mounted, so that the kernel parses nothing of an
 * image before the TPM holds its identity; every run that does not end in
 * a measured boot is measured too, refusals before it included
 * (measure_exit, docs/measurement.md).  The state phase is the first to
 * write to the physical root, once everything has been verified.
 */
#include "pivot/boot/boot.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pivot/mount/attach.h"
#include "pivot/mount/compose.h"
#include "pivot/boot/booted.h"
#include "pivot/boot/errors.h"
#include "pivot/boot/image_config.h"
#include "pivot/mount/fsctx.h"
#include "lib/base/log.h"
#include "pivot/boot/lockdown.h"
#include "pivot/boot/policy_cmdline.h"
#include "pivot/boot/tpm_phases.h"
#include "pivot/verify/measure.h"
#include "lib/store/image_check.h"
#include "pivot/pid1/pid1.h"
#include "pivot/pid1/switchroot.h"
#include "pivot/mount/probe.h"
#include "lib/trust/signature.h"
#include "lib/base/util.h"
#include "pivot/verify/verity.h"

void pivot_boot_init(struct pivot_boot *b, const struct pivot_boot_options *opt)
{
	const char *slash = strrchr(opt->status_path, '/');

	memset(b, 0, sizeof(*b));
	b->opt = *opt;
	pivot_policy_defaults(&b->policy);
	pivot_store_init(&b->store);
	pivot_state_init(&b->state);
	b->erofs_fd = b->root_fd = b->overlay_fsfd = -1;
	if (!slash)
		snprintf(b->run_dir, sizeof(b->run_dir), ".");
	else
		snprintf(b->run_dir, sizeof(b->run_dir), "%.*s",
			 slash == opt->status_path ? 1 : (int)(slash - opt->status_path),
			 opt->status_path);
	pivot_stage_init(&b->stage, b->run_dir);
	b->stage.active = opt->avoid.detached_layers;
}

void pivot_boot_done(struct pivot_boot *b)
{
	pivot_tpm_early_join(b);
	pivot_early_join(&b->trust_early);
	pivot_trust_free(&b->trust);
	cfs_tpm_close(b->tpm);
	b->tpm = NULL;
	cfs_closep(&b->overlay_fsfd);
	pivot_stage_release(&b->stage);
	pivot_state_close(&b->state);
	cfs_closep(&b->root_fd);
	cfs_closep(&b->erofs_fd);
	pivot_store_close(&b->store);
	pivot_cmdline_done(&b->cmdline);
}

static int add_path(struct pivot_boot *b, const char *path)
{
	return pivot_status_add_kernel_path(&b->status, path) < 0 ? PIVOT_EXIT_INTERNAL : 0;
}

static int phase_cmdline(struct pivot_boot *b)
{
	int r = pivot_cmdline_load(&b->cmdline, b->opt.cmdline_path);

	if (r < 0)
		return pivot_exit_class(r, PIVOT_EXIT_CMDLINE);
	if (b->cmdline.debug)
		cfs_log_set_level(LOG_DEBUG);
	/* Without an image named, the policy decides (phase_policy). */
	b->have_digest = r > 0;
	return 0;
}

static void *trust_run(void *data)
{
	struct pivot_boot *b = data;

	pivot_trust_load(&b->trust, &b->policy);
	return NULL;
}

static int phase_policy(struct pivot_boot *b)
{
	int r = pivot_policy_load(&b->policy, b->opt.config_path);

	if (r < 0)
		return pivot_exit_class(r, PIVOT_EXIT_POLICY);
	pivot_policy_apply_cmdline(&b->policy, &b->cmdline);
	b->have_policy = true;
	if (!b->have_digest) {
		/* --check reports the decision instead of taking it. */
		if (!b->checking && pivot_lockdown_no_image(&b->policy, b->opt.pid1) < 0)
			return PIVOT_EXIT_NO_IMAGE;
		b->nothing_to_do = true;
		return 0;
	}
	r = pivot_cmdline_check_init(&b->cmdline, &b->policy, b->opt.pid1);
	if (r < 0)
		return PIVOT_EXIT_CMDLINE;
	b->floor.version = b->policy.min_version;
	b->floor.source = "min-version";
	/* The TPM's phases and the trust need only the policy: they run
	 * while the root device comes up and the image is opened (early.h). */
	if (!b->checking) {
		pivot_tpm_early_start(b);
		if (b->policy.signature != PIVOT_SIGNATURE_OFF)
			pivot_early_start(&b->trust_early, trust_run, b, "the trust");
	}
	return 0;
}

static int phase_root_device(struct pivot_boot *b)
{
	int r = pid1_prepare(&b->cmdline, &b->policy, b->opt.sysroot);

	return r < 0 ? pivot_exit_class(r, PIVOT_EXIT_ROOTDEV) : 0;
}

static int phase_store(struct pivot_boot *b)
{
	int r = pivot_store_open(&b->store, b->opt.sysroot, b->policy.store, &b->cmdline.digest);

	return r < 0 ? pivot_exit_class(r, PIVOT_EXIT_STORE) : 0;
}

static int phase_digest(struct pivot_boot *b)
{
	/* Only verity = require insists on the kernel's measurement: in the
	 * other modes files are not checked by the kernel either. */
	static const enum pivot_image_rule rule[] = {
		[PIVOT_VERITY_REQUIRE] = PIVOT_IMAGE_KERNEL_ONLY,
		[PIVOT_VERITY_BOOT_CHECK] = PIVOT_IMAGE_SEALED,
		[PIVOT_VERITY_INSECURE_DEV] = PIVOT_IMAGE_AS_IS,
	};
	enum pivot_image_check how;
	int r;

	r = pivot_check_image(&b->store.image_fd, b->store.image_path, &b->cmdline.digest,
			      rule[b->policy.verity], &how);
	if (r == -EBADMSG)
		return PIVOT_EXIT_DIGEST;
	if (r < 0)
		return pivot_exit_class(r, PIVOT_EXIT_VERITY);
	return add_path(b, how == PIVOT_IMAGE_KERNEL ? "image:fs-verity" : "image:computed");
}

static int phase_signature(struct pivot_boot *b)
{
	int r;

	pivot_early_join(&b->trust_early);
	r = pivot_check_signature(&b->store, &b->policy, &b->cmdline.digest, &b->floor,
				  &b->trust, &b->signer);

	if (r == -CFS_SIG_ROLLBACK)
		return PIVOT_EXIT_ROLLBACK;
	return r < 0 ? pivot_exit_class(r, PIVOT_EXIT_SIGNATURE) : 0;
}

/* The class of a failed object check (objects.h). */
static int objects_class(int r)
{
	switch (r) {
	case -ENOENT:
	case -ELOOP:
	case -EXDEV:
		return PIVOT_EXIT_STORE;
	case -EUCLEAN:
	case -EOPNOTSUPP:
		return PIVOT_EXIT_MOUNT;
	default:
		return pivot_exit_class(r, PIVOT_EXIT_VERITY);
	}
}

static int phase_boot_check(struct pivot_boot *b)
{
	struct cfs_image_check_report rep;
	const struct cfs_image_file *img;
	int r = pivot_store_image(&b->store, &img);

	if (r == 0)
		r = cfs_image_check_parsed(img, b->store.objects_fd, b->store.objects_path, &rep);

	if (r < 0)
		return objects_class(r);
	b->boot_check_usec = rep.usec;
	b->boot_checked = true;
	b->objects_checked = rep.objects;
	return 0;
}

/* The image's setup-root-conf.toml: verified, tightening only, measured. */
static int phase_image_config(struct pivot_boot *b)
{
	int r = pivot_image_config_apply(&b->policy, &b->store);

	return r < 0 ? pivot_image_config_class(r) : 0;
}

/* Probes the overlayfs context *fsfd and chooses the plan; a context the
 * probe spoilt is closed (*fsfd = -1). */
static int choose_plan(struct pivot_boot *b, int *fsfd)
{
	struct pivot_probe probe;
	const char *why;
	int r;

	r = pivot_probe_overlay(*fsfd, b->store.objects_fd, &probe);
	if (r < 0)
		return pivot_exit_class(r, PIVOT_EXIT_MOUNT);
	if (probe.legacy_context)
		*fsfd = safe_close(*fsfd);
	if (pivot_plan_choose(b->policy.verity, &probe, &b->opt.avoid, &b->plan, &why) < 0) {
		log_error("refusing to boot with verity = require: %s", why);
		return PIVOT_EXIT_VERITY;
	}
	return 0;
}

/*
 * How the kernel will compose the tree, known before the measurement names
 * the verity mode: the plan either enforces what the policy asks or
 * refuses here.  The probed context is kept for the root's mount.
 */
static int phase_probe(struct pivot_boot *b)
{
	int r;

	b->overlay_fsfd = pivot_fsopen("overlay");
	if (b->overlay_fsfd < 0) {
		pivot_fs_fail(b->overlay_fsfd, "overlayfs", "");
		return PIVOT_EXIT_MOUNT;
	}
	r = choose_plan(b, &b->overlay_fsfd);
	if (r)
		return r;
	/* Under verity=require overlayfs would make every file whose object
	 * lacks fs-verity unreadable: a store without it is refused now. */
	if (b->plan.enforce == PIVOT_ENFORCE_KERNEL) {
		const struct cfs_image_file *img;

		r = pivot_store_image(&b->store, &img);
		if (r == 0)
			r = cfs_image_spot_check(img, b->store.objects_fd, b->store.objects_path);
		if (r < 0)
			return objects_class(r);
	}
	return 0;
}

/* The verity word of the measurement: what the plan enforces. */
static enum pivot_verity enforced_verity(enum pivot_enforce e)
{
	switch (e) {
	case PIVOT_ENFORCE_KERNEL:
		return PIVOT_VERITY_REQUIRE;
	case PIVOT_ENFORCE_BOOT_CHECK:
		return PIVOT_VERITY_BOOT_CHECK;
	default:
		return PIVOT_VERITY_INSECURE_DEV;
	}
}

static int phase_measure(struct pivot_boot *b)
{
	struct pivot_measurement m = {
		.digest = b->cmdline.digest,
		.have_signer = b->signer.verified,
		.version = b->signer.verified ? b->signer.version : 0,
		.verity = enforced_verity(b->plan.enforce),
		.etc = b->policy.etc,
		.var = b->policy.var,
		.n_keep = b->policy.etc_keep.n,
		.init = strcmp(b->policy.init, PIVOT_INIT_DEFAULT) != 0 ? b->policy.init : NULL,
	};
	int r;

	memcpy(m.fingerprint, b->signer.fingerprint_bytes, sizeof(m.fingerprint));
	r = pivot_measure(&b->policy, b->tpm, &m, b->opt.measure_log_path, &b->tpm_status);
	return r < 0 ? pivot_exit_class(r, PIVOT_EXIT_TPM) : 0;
}

static int phase_mount(struct pivot_boot *b)
{
	struct pivot_overlay root = {
		.what = "the composed root",
		.root_hex = b->store.hex,
		.data_fd = b->store.objects_fd,
		.upper_fd = -1, .work_fd = -1,
		.detached = { -1, -1 },
	};
	bool loop;
	int r;

	b->erofs_fd = pivot_mount_erofs(b->store.image_fd, b->store.image_path,
					b->opt.avoid.erofs_file, &loop);
	if (b->erofs_fd < 0)
		return pivot_exit_class(b->erofs_fd, PIVOT_EXIT_MOUNT);
	root.lower_fd = root.detached[0] = b->erofs_fd;
	b->root_fd = pivot_mount_overlay(&root, &b->plan, &b->stage, &b->overlay_fsfd);
	if (b->root_fd < 0)
		return pivot_exit_class(b->root_fd, PIVOT_EXIT_MOUNT);

	r = add_path(b, loop ? "erofs:loop" : "erofs:file");
	if (r == 0)
		r = add_path(b, pivot_layer_syntax_path(b->plan.syntax));
	if (r == 0)
		r = add_path(b, pivot_enforce_path(b->plan.enforce));
	return r;
}

static int phase_state(struct pivot_boot *b)
{
	struct pivot_state_in in = {
		.policy = &b->policy,
		.hex = b->store.hex,
		.sysroot = b->opt.sysroot,
		.pid1 = b->opt.pid1,
		.physroot_fd = b->store.root_fd,
		.erofs_fd = b->erofs_fd,
		.root_fd = b->root_fd,
		.objects_fd = b->store.objects_fd,
		.plan = &b->plan,
		.stage = &b->stage,
	};
	int r = pivot_state_prepare(&in, &b->state);

	if (r < 0)
		return pivot_exit_class(r, PIVOT_EXIT_STATE);
	/* The overlays hold their own clones of the layers now. */
	pivot_stage_release(&b->stage);
	return add_path(b, b->stage.active ? "layers:attached" : "layers:detached");
}

static int phase_attach(struct pivot_boot *b)
{
	struct pivot_attach a = {
		.root_fd = b->root_fd,
		.etc_fd = b->state.etc_fd,
		.var_fd = b->state.var_fd,
		.keep = &b->state.keep,
	};
	int r = pivot_attach_has_sysroot(b->root_fd);

	if (r >= 0)
		r = pivot_attach(b->opt.sysroot, b->store.root_fd, &a, r > 0);
	return r < 0 ? pivot_exit_class(r, PIVOT_EXIT_MOUNT) : 0;
}

static bool in_pid1(const struct pivot_boot *b)
{
	return b->opt.pid1;
}

static bool tpm_wanted(const struct pivot_boot *b)
{
	return b->policy.tpm != PIVOT_TPM_OFF;
}

static bool tpm_opened(const struct pivot_boot *b)
{
	return b->tpm != NULL;
}

/* Anti-rollback needs a signature too: a floor (min-version or the TPM's)
 * with signatures off is refused there rather than ignored. */
static bool signature_wanted(const struct pivot_boot *b)
{
	return b->policy.signature != PIVOT_SIGNATURE_OFF || b->floor.version > 0;
}

static bool image_config_wanted(const struct pivot_boot *b)
{
	return b->policy.image_config;
}

static bool boot_check_wanted(const struct pivot_boot *b)
{
	return b->policy.verity == PIVOT_VERITY_BOOT_CHECK;
}

static const struct phase {
	const char *name;
	int (*run)(struct pivot_boot *b);
	bool (*wanted)(const struct pivot_boot *b);   /* NULL: always */
	bool input;     /* reads what the boot would enforce: --check runs these only */
} phases[] = {
	{ "cmdline",     phase_cmdline,     NULL,               true },
	{ "policy",      phase_policy,      NULL,               true },
	{ "root-device", phase_root_device, in_pid1,            false },
	{ "store",       phase_store,       NULL,               false },
	{ "digest",      phase_digest,      NULL,               false },
	/* The TPM goes around the verification: opened, with its
	 * anti-rollback floor read, before the signature (the floor raises
	 * min-version); the measurement once the image is known to be the
	 * one named and signed, its objects checked and the verity mode the
	 * kernel will enforce known, before anything of it is mounted. */
	{ "tpm",         pivot_phase_tpm,   tpm_wanted,         false },
	{ "floor",       pivot_phase_floor, tpm_opened,         false },
	{ "signature",   phase_signature,   signature_wanted,   false },
	{ "probe",       phase_probe,       NULL,               false },
	{ "boot-check",  phase_boot_check,  boot_check_wanted,  false },
	{ "image-config", phase_image_config, image_config_wanted, false },
	{ "measure",     phase_measure,     tpm_opened,         false },
	{ "mount",       phase_mount,       NULL,               false },
	{ "state",       phase_state,       NULL,               false },
	{ "attach",      phase_attach,      NULL,               false },
};

/* Runs one phase and notes its time: 0 or the class of its refusal. */
static int run_phase(struct pivot_boot *b, const struct phase *ph)
{
	uint64_t start = cfs_now_usec();
	int r = ph->run(b);

	if (pivot_status_add_phase(&b->status, ph->name, cfs_now_usec() - start) < 0 && r == 0)
		r = PIVOT_EXIT_INTERNAL;
	return r;
}

static int run_phases(struct pivot_boot *b)
{
	for (size_t i = 0; i < ARRAY_SIZE(phases); i++) {
		int r;

		if (phases[i].wanted && !phases[i].wanted(b))
			continue;
		r = run_phase(b, &phases[i]);
		if (r || b->nothing_to_do)
			return r;
	}
	return 0;
}

/*
 * The status file's fields from what the phases found, filled here alone
 * once the run is over; the TPM steps (measure.h) report into a
 * struct of their own.  Two lists are kept as they happen: the phases
 * with their times (run_phase) and the kernel interfaces used (add_path).
 */
static void fill_status(struct pivot_boot *b, int r)
{
	struct pivot_status *s = &b->status;

	s->error = r;
	s->message = r ? b->message : NULL;
	if (b->have_digest)
		s->digest = b->cmdline.digest;
	s->have_verity = b->have_policy && b->have_digest;
	s->verity = b->policy.verity;
	s->have_objects_checked = b->boot_checked;
	s->objects_checked = b->objects_checked;
	s->tpm = b->tpm_status;
	if (b->signer.verified) {
		s->signer = b->signer.subject;
		s->fingerprint = b->signer.fingerprint;
		s->have_version = true;
		s->version = b->signer.version;
	}
}

/*
 * Every run that does not end in a verified, measured boot marks the PCR
 * (docs/measurement.md): nothing booted, a refusal before the measurement,
 * during it or after it.  A command line refused before the policy was
 * read leaves the policy's TPM keys to read (tpm = off, a device); a
 * policy that cannot be read leaves the default TPM, without waiting.
 * When the TPM fails at that (even if a second connection then succeeds),
 * its error is the last one logged; the refusal's own line is said again,
 * so that it stays the last error, the one PID 1 repeats before it halts.
 */
static void measure_exit(struct pivot_boot *b, int r)
{
	const struct pivot_policy *p = &b->policy;
	struct pivot_policy fallback;
	uint64_t wait = 0;

	if (r == 0 && !b->nothing_to_do)
		return;         /* measured, or no TPM to measure into */
	/* A refusal before the tpm phase took its outcome: the TPM, opened
	 * or not, is the thread's until then. */
	pivot_tpm_early_join(b);
	if (!b->have_policy) {
		pivot_policy_defaults(&fallback);
		if (r != PIVOT_EXIT_CMDLINE || pivot_policy_load(&fallback, b->opt.config_path) < 0) {
			pivot_policy_defaults(&fallback);
			fallback.tpm_wait = 0;
		}
		p = &fallback;
	}
	if (!b->tpm_status.checked)
		wait = (uint64_t)p->tpm_wait * 1000000;
	/* The refusal's line stays the last one cfs-pivot prints: dracut's
	 * hook and PID 1 repeat the last line as the reason. */
	if (pivot_measure_exit(p, b->tpm, r ? pivot_exit_name(r) : NULL, wait,
			       b->opt.measure_log_path, &b->tpm_status) != 0 && r)
		log_error("%s", b->message);
}

int pivot_boot_run(struct pivot_boot *b)
{
	int r;

	/* State directories get exactly the modes they are created with. */
	umask(0022);
	cfs_log_open_kmsg();
	if (cfs_sig_init(false) < 0)
		r = PIVOT_EXIT_INTERNAL;
	else
		r = run_phases(b);
	if (r)
		snprintf(b->message, sizeof(b->message), "%s", cfs_log_last_error());
	measure_exit(b, r);
	if (b->nothing_to_do) {
		log_info("the kernel command line names no composefs image: nothing to do");
		return PIVOT_EXIT_OK;
	}
	cfs_tpm_close(b->tpm);
	b->tpm = NULL;
	fill_status(b, r);
	/* The status is a report: failing to write it does not undo a boot. */
	pivot_status_write(&b->status, b->opt.status_path);
	if (r == 0)
		pivot_log_booted(b);
	return r;
}

int pivot_boot_check(struct pivot_boot *b, FILE *out)
{
	char hex[PIVOT_DIGEST_HEX_MAX];

	/* Whether or not an image is named: the policy is what is asked. */
	b->checking = true;
	for (size_t i = 0; i < ARRAY_SIZE(phases) && phases[i].input; i++) {
		int r = run_phase(b, &phases[i]);

		if (r)
			return r;
	}
	if (b->nothing_to_do) {
		fprintf(out, "# image: none named on the command line; %s\n",
			b->policy.image == PIVOT_IMAGE_REQUIRED ? "refused (image = required)" :
			"nothing to do (image = optional)");
	} else {
		pivot_digest_hex(&b->cmdline.digest, hex);
		fprintf(out, "# image: %s:%s\n", cfs_hash_name(b->cmdline.digest.alg), hex);
	}
	if (pivot_policy_print(&b->policy, out) < 0 || fflush(out) != 0) {
		log_error("cannot write the policy to standard output");
		return PIVOT_EXIT_INTERNAL;
	}
	return PIVOT_EXIT_OK;
}

/* A refusal of PID-1 mode outside pivot_boot_run(), marked as those in it are. */
static _Noreturn void pid1_refuse(struct pivot_boot *b, int r)
{
	snprintf(b->message, sizeof(b->message), "%s", cfs_log_last_error());
	measure_exit(b, r);
	pid1_fail(&b->policy, r);
}

_Noreturn void pivot_boot_pid1(const struct pivot_boot_options *opt)
{
	struct pivot_boot b;
	int r;

	pivot_boot_init(&b, opt);
	b.opt.pid1 = true;
	/* /proc first: the command line is read from it. */
	r = pid1_mount_api();
	if (r < 0)
		pid1_refuse(&b, pivot_exit_class(r, PIVOT_EXIT_ROOTDEV));
	r = pivot_boot_run(&b);
	if (r != PIVOT_EXIT_OK)
		pid1_fail(&b.policy, r);
	/* The policy's init, which init= may only repeat; every fd b holds
	 * is close-on-exec. */
	r = pid1_switch_root(b.opt.sysroot, b.policy.init);
	pid1_refuse(&b, pivot_exit_class(r, PIVOT_EXIT_SWITCH_ROOT));
}
