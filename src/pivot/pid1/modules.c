// SPDX-License-Identifier: MIT
/*
 * Loading the initramfs's kernel modules with libkmod, as modprobe would:
 * dependencies come from depmod's index, soft dependencies and options
 * from modprobe.d and the kernel command line (name.param=value), and
 * compressed modules (.ko.xz, .ko.zst) are decompressed on the way.
 */
#include <errno.h>
#include <libkmod.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "lib/base/log.h"
#include "pivot/pid1/modlist.h"
#include "pivot/pid1/modules.h"
#include "pivot/boot/readtext.h"
#include "lib/base/util.h"

/*
 * The module libkmod is inserting, so that a failure names the dependency
 * that failed rather than the module asked for.  libkmod's progress
 * callback carries no user data, hence a file-scope variable; PID 1 loads
 * modules from one thread.
 */
static struct {
	char name[PID1_MODULE_NAME_MAX + 1];
	bool by_command;
} attempt;

static void note_attempt(struct kmod_module *m, bool install, const char *options)
{
	snprintf(attempt.name, sizeof(attempt.name), "%s", kmod_module_get_name(m));
	attempt.by_command = install;
	log_debug("loading module %s%s%s", attempt.name, *options ? " " : "", options);
}

/* An "install" command of modprobe.d runs a shell command instead of
 * inserting the module; PID 1 of a minimal initramfs has no shell.
 * Refused here, reported by load_one(). */
static int refuse_command(struct kmod_module *m, const char *cmd, void *data)
{
	(void)m, (void)cmd, (void)data;
	return -ENOTSUP;
}

/* libkmod's own messages repeat what load_one() says; debug only. */
__attribute__((format(printf, 6, 0)))
static void kmod_log(void *data, int priority, const char *file, int line, const char *fn,
		     const char *format, va_list args)
{
	char msg[512];

	(void)data, (void)priority, (void)file, (void)line, (void)fn;
	vsnprintf(msg, sizeof(msg), format, args);
	msg[strcspn(msg, "\n")] = '\0';
	log_debug("libkmod: %s", msg);
}

static int report(int err, const char *name, struct kmod_module *m)
{
	if (attempt.by_command)
		return log_errno(err, "module %s is set to load by an install command in modprobe.d, "
				 "which cfs-pivot does not run (PID 1 has no shell); remove the "
				 "command from the initramfs", attempt.name);
	if (*attempt.name && strcmp(attempt.name, kmod_module_get_name(m)) != 0)
		return log_errno(err, "cannot load module %s, which %s needs: %m",
				 attempt.name, name);
	return log_errno(err, "cannot load module %s: %m", name);
}

/* Loads name (a module or an alias, which may stand for several), which
 * the list at list_path asks for. */
static int load_one(struct kmod_ctx *ctx, const char *moddir, const char *list_path,
		    const char *name)
{
	struct kmod_list *list = NULL, *l;
	int r;

	r = kmod_module_new_from_lookup(ctx, name, &list);
	if (r < 0)
		return log_errno(r, "cannot look up module %s in %s: %m", name, moddir);
	if (!list)
		return log_errno(-ENOENT, "module %s is neither in %s nor built into the kernel; "
				 "add it to the initramfs or remove it from %s",
				 name, moddir, list_path);
	kmod_list_foreach(l, list) {
		struct kmod_module *m = kmod_module_get_module(l);

		attempt.name[0] = '\0';
		attempt.by_command = false;
		/* Built in or already loaded is success: no flag asks
		 * otherwise.  No blacklist either: the list is explicit. */
		r = kmod_module_probe_insert_module(m, 0, NULL, refuse_command, NULL, note_attempt);
		if (r < 0)
			r = report(r, name, m);
		kmod_module_unref(m);
		if (r < 0)
			break;
	}
	kmod_module_unref_list(list);
	if (r == 0)
		log_debug("module %s is loaded", name);
	return r;
}

static int load_list(const struct pid1_modlist *l, const char *moddir, const char *list_path)
{
	char dir[PATH_MAX];
	struct utsname u;
	struct kmod_ctx *ctx;
	int r = 0;

	if (!moddir) {
		if (uname(&u) < 0)
			return log_errno(-errno, "uname: %m");
		snprintf(dir, sizeof(dir), "/lib/modules/%s", u.release);
		moddir = dir;
	}
	/* Config from the usual modprobe.d directories of the initramfs,
	 * module options from the kernel command line. */
	ctx = kmod_new(moddir, NULL);
	if (!ctx)
		return log_oom();
	kmod_set_log_fn(ctx, kmod_log, NULL);
	/* Every index at once, so that a tree without them fails here with
	 * its cause rather than later as "not found". */
	r = kmod_load_resources(ctx);
	if (r < 0)
		r = log_errno(r, "cannot load the module index in %s: %m; the initramfs must carry "
			      "its kernel's modules with the files depmod writes", moddir);
	for (size_t i = 0; r >= 0 && i < l->n; i++)
		r = load_one(ctx, moddir, list_path, l->names[i]);
	kmod_unref(ctx);
	return r < 0 ? r : 0;
}

int pid1_load_modules(const char *moddir, const char *list_path)
{
	_cleanup_free_ char *text = NULL;
	struct pid1_modlist l;
	size_t len;
	int r;

	r = pivot_read_text(list_path, PID1_MODULES_LIST_MAX, &text, &len);
	if (r == -ENOENT) {
		log_debug("no %s: no modules to load", list_path);
		return 0;
	}
	if (r < 0)
		return r;
	r = pid1_modlist_parse(&l, list_path, text, len);
	if (r >= 0 && l.n > 0)
		r = load_list(&l, moddir, list_path);
	if (r >= 0)
		log_info("loaded the %zu module%s of %s", l.n, l.n == 1 ? "" : "s", list_path);
	pid1_modlist_done(&l);
	return r;
}
