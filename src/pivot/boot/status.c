// SPDX-License-Identifier: MIT
#include "pivot/boot/status.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "pivot/boot/errors.h"
#include "pivot/boot/json.h"
#include "lib/base/log.h"
#include "lib/base/util.h"

int pivot_status_add_kernel_path(struct pivot_status *s, const char *path)
{
	if (s->n_kernel_paths >= PIVOT_STATUS_MAX_PATHS)
		return log_errno(-E2BIG, "internal error: more than %d kernel paths in the status",
				 PIVOT_STATUS_MAX_PATHS);
	s->kernel_paths[s->n_kernel_paths++] = path;
	return 0;
}

int pivot_status_add_phase(struct pivot_status *s, const char *name, uint64_t usec)
{
	if (s->n_phases >= PIVOT_STATUS_MAX_PHASES)
		return log_errno(-E2BIG, "internal error: more than %d phases in the status",
				 PIVOT_STATUS_MAX_PHASES);
	s->phases[s->n_phases++] = (struct pivot_status_phase){ .name = name, .usec = usec };
	return 0;
}

int pivot_status_add_tpm_bank(struct pivot_status_tpm *t, const char *alg, const char *value)
{
	struct pivot_status_bank *b;

	if (t->n_banks >= PIVOT_STATUS_MAX_BANKS)
		return log_errno(-E2BIG, "internal error: more than %d PCR banks in the status",
				 PIVOT_STATUS_MAX_BANKS);
	if (strlen(value) >= sizeof(b->value))
		return log_errno(-EINVAL, "internal error: a %s PCR value of %zu digits", alg,
				 strlen(value));
	b = &t->banks[t->n_banks++];
	b->alg = alg;
	strcpy(b->value, value);
	return 0;
}

/* The verity mode as the status reports it: loud when nothing is enforced. */
static const char *verity_label(enum pivot_verity v)
{
	return v == PIVOT_VERITY_INSECURE_DEV ? "INSECURE" : pivot_verity_to_string(v);
}

static void write_tpm(struct json_writer *j, const struct pivot_status *s)
{
	json_key(j, "tpm");
	json_begin_object(j);
	json_key(j, "present");
	json_bool(j, s->tpm.present);
	if (s->tpm.measured) {
		json_key(j, "pcr");
		json_uint(j, s->tpm.pcr);
		json_key(j, "banks");
		json_begin_array(j);
		for (size_t i = 0; i < s->tpm.n_banks; i++) {
			json_begin_object(j);
			json_key(j, "alg");
			json_string(j, s->tpm.banks[i].alg);
			json_key(j, "value");
			json_string(j, s->tpm.banks[i].value);
			json_end_object(j);
		}
		json_end_array(j);
		json_key(j, "logged");
		json_bool(j, s->tpm.logged);
	}
	if (s->tpm.have_floor) {
		json_key(j, "floor");
		json_uint(j, s->tpm.floor);
	}
	json_end_object(j);
}

static void write_status(struct json_writer *j, const struct pivot_status *s)
{
	json_begin_object(j);
	json_key(j, "result");
	json_string(j, s->error ? "refused" : "booted");

	if (s->digest.alg) {
		char hex[PIVOT_DIGEST_HEX_MAX];

		pivot_digest_hex(&s->digest, hex);
		json_key(j, "digest");
		json_begin_object(j);
		json_key(j, "alg");
		json_string(j, cfs_hash_name(s->digest.alg));
		json_key(j, "value");
		json_string(j, hex);
		json_end_object(j);
	}
	if (s->have_verity) {
		json_key(j, "verity");
		json_string(j, verity_label(s->verity));
	}
	if (s->have_objects_checked) {
		json_key(j, "objects_checked");
		json_uint(j, s->objects_checked);
	}
	if (s->n_kernel_paths) {
		json_key(j, "kernel_paths");
		json_begin_array(j);
		for (size_t i = 0; i < s->n_kernel_paths; i++)
			json_string(j, s->kernel_paths[i]);
		json_end_array(j);
	}
	if (s->n_phases) {
		json_key(j, "phases");
		json_begin_array(j);
		for (size_t i = 0; i < s->n_phases; i++) {
			json_begin_object(j);
			json_key(j, "name");
			json_string(j, s->phases[i].name);
			json_key(j, "usec");
			json_uint(j, s->phases[i].usec);
			json_end_object(j);
		}
		json_end_array(j);
	}
	if (s->signer) {
		json_key(j, "signer");
		json_string(j, s->signer);
	}
	if (s->fingerprint) {
		json_key(j, "fingerprint");
		json_string(j, s->fingerprint);
	}
	if (s->have_version) {
		json_key(j, "version");
		json_uint(j, s->version);
	}
	if (s->tpm.checked)
		write_tpm(j, s);
	if (s->error) {
		json_key(j, "error");
		json_begin_object(j);
		json_key(j, "class");
		json_string(j, pivot_exit_name(s->error));
		if (s->message) {
			json_key(j, "message");
			json_string(j, s->message);
		}
		json_end_object(j);
	}
	json_end_object(j);
}

int pivot_status_format(const struct pivot_status *s, char **out, size_t *out_len)
{
	_cleanup_free_ char *buf = NULL;
	struct json_writer j;
	size_t len = 0;
	FILE *f;

	if (!pivot_exit_name(s->error))
		return log_errno(-EINVAL, "internal error: %d is not a failure class", s->error);
	f = open_memstream(&buf, &len);
	if (!f)
		return log_oom();
	json_init(&j, f);
	write_status(&j, s);
	/* A memory stream fails only when it cannot grow. */
	if (fclose(f) != 0)
		return log_oom();
	*out = TAKE_PTR(buf);
	*out_len = len;
	return 0;
}

/* Creates dir 0755 unless it exists. */
static int ensure_dir(const char *dir)
{
	if (mkdir(dir, 0755) == 0) {
		/* mkdir() applied the umask; readers of the status need 0755. */
		if (chmod(dir, 0755) < 0)
			return log_errno(-errno, "cannot set the mode of %s: %m", dir);
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	return log_errno(-errno, "cannot create %s: %m", dir);
}

/* Writes data to a new file beside path and returns its name in *tmp_out. */
static int write_temp(const char *path, const char *data, size_t len, char **tmp_out)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return log_oom();
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return log_errno(-errno, "cannot create a temporary file beside %s: %m", path);
	/* mkostemp() creates 0600; the status is for every reader.  No
	 * fsync(): /run is a tmpfs and the file describes this boot only. */
	if (fchmod(fd, 0644) < 0)
		r = log_errno(-errno, "cannot set the mode of %s: %m", tmp);
	else if ((r = cfs_write_full(fd, data, len)) < 0)
		log_errno(r, "cannot write %s: %m", tmp);
	else if (close(TAKE_FD(fd)) < 0)
		r = log_errno(-errno, "cannot write %s: %m", tmp);
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	*tmp_out = TAKE_PTR(tmp);
	return 0;
}

int pivot_status_write(const struct pivot_status *s, const char *path)
{
	_cleanup_free_ char *json = NULL, *dir = NULL, *tmp = NULL;
	const char *slash = strrchr(path, '/');
	size_t len;
	int r;

	r = pivot_status_format(s, &json, &len);
	if (r < 0)
		return r;

	if (slash && slash != path) {
		dir = strndup(path, (size_t)(slash - path));
		if (!dir)
			return log_oom();
		r = ensure_dir(dir);
		if (r < 0)
			return r;
	}

	r = write_temp(path, json, len, &tmp);
	if (r < 0)
		return r;
	if (rename(tmp, path) < 0) {
		r = log_errno(-errno, "cannot rename %s to %s: %m", tmp, path);
		unlink(tmp);
		return r;
	}
	return 0;
}
