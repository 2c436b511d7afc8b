// SPDX-License-Identifier: MIT
/*
 * cfsboot tpm: the host side of measured boot (docs/measurement.md).
 * replay checks the measurement log against the live PCRs; read-floor and
 * commit-version read and raise the anti-rollback floor cfs-pivot enforces.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "tool/commands.h"
#include "tool/common/options.h"
#include "tool/common/dispatch.h"
#include "lib/base/hex.h"
#include "lib/base/json_read.h"
#include "lib/base/log.h"
#include "lib/base/parse.h"
#include "lib/base/read_file.h"
#include "lib/tpm/measure_log.h"
#include "lib/trust/signature.h"
#include "lib/tpm/tpm.h"
#include "lib/tpm/tpm_floor.h"
#include "tool/tpm/tpm_replay.h"
#include "lib/base/util.h"

/* Exit codes of cfsboot tpm beyond the shared ones (docs/errors.md). */
enum {
	EXIT_TPM_MISMATCH = 6,    /* replay: the log does not give the live PCR values */
	EXIT_TPM_ABSENT = 7,      /* no TPM at --device */
	EXIT_TPM_NO_FLOOR = 8,    /* read-floor: no usable anti-rollback counter */
	EXIT_TPM_FLOOR_ABOVE = 9, /* commit-version: the floor is already higher */
};

#define STATUS_PATH "/run/cfsboot/status.json"
#define STATUS_MAX_SIZE (1024 * 1024)

static const char device_help[] =
	"  --device DEV       the TPM: auto (default: /dev/tpmrm0, else /dev/tpm0), a\n"
	"                     device path, swtpm:host=H,port=P or swtpm:path=SOCKET\n";

/* Opens the TPM for a command, with its exit code on failure. */
static int open_tpm(const char *device, struct cfs_tpm **t)
{
	int r;

	/* Before any other OpenSSL use, so that no openssl.cnf is read. */
	if (cfs_sig_init(false) < 0)
		return EXIT_FAILED;
	r = cfs_tpm_open(device, t);
	if (r == -ENODEV) {
		log_error("no TPM at %s", device);
		return EXIT_TPM_ABSENT;
	}
	return r < 0 ? EXIT_FAILED : EXIT_OK;
}

/* --- replay --------------------------------------------------------- */

static void replay_usage(FILE *out)
{
	fprintf(out, "Usage: cfsboot tpm replay [--device DEV] [--pcr N]... [LOG]\n\n"
		     "Recompute PCRs from the measurement log LOG (default %s)\n"
		     "and compare them with the TPM's, in every active bank.  Each PCR the log\n"
		     "names is replayed, or those given with --pcr.  Exits 0 when every value\n"
		     "matches and every record's digests are those of its content string.\n\n"
		     "%s"
		     "  --pcr N            replay PCR N only (may be repeated)\n"
		     "  -h, --help         show this help\n", CFS_MEASURE_LOG_PATH, device_help);
}

static uint32_t pcrs_in_log(const struct cfs_measure_records *recs)
{
	uint32_t mask = 0;

	for (size_t i = 0; i < recs->n; i++)
		mask |= UINT32_C(1) << recs->r[i].pcr;
	return mask;
}

/* Prints one line per bank of one PCR; false on any difference. */
static bool compare_pcr(const struct tpm_replay *rp, const struct cfs_tpm_digests *live)
{
	char want[CFS_TPM_HEX_MAX], have[CFS_TPM_HEX_MAX];
	bool all = rp->content_ok;

	for (size_t b = 0; b < live->n; b++) {
		const char *bank = cfs_tpm_alg_name(live->d[b].alg);
		bool same = rp->complete[b] &&
			    memcmp(rp->value.d[b].bytes, live->d[b].bytes, live->d[b].size) == 0;

		cfs_hex_encode(rp->value.d[b].bytes, rp->value.d[b].size, want);
		cfs_hex_encode(live->d[b].bytes, live->d[b].size, have);
		if (same)
			printf("%u %s match %s (%zu records)\n", rp->pcr, bank, have, rp->records);
		else
			printf("%u %s MISMATCH log %s tpm %s\n", rp->pcr, bank, want, have);
		all &= same;
	}
	return all;
}

static int replay(struct cfs_tpm *t, const struct cfs_measure_records *recs, uint32_t pcrs)
{
	const uint16_t *banks;
	bool all = true;
	size_t n;

	if (cfs_tpm_banks(t, &banks, &n) < 0)
		return EXIT_FAILED;
	for (unsigned int pcr = 0; pcr < CFS_TPM_PCRS; pcr++) {
		struct cfs_tpm_digests live;
		struct tpm_replay rp;

		if (!(pcrs & UINT32_C(1) << pcr))
			continue;
		if (tpm_replay_pcr(recs, pcr, banks, n, &rp) < 0 ||
		    cfs_tpm_pcr_read(t, pcr, &live) < 0)
			return EXIT_FAILED;
		all &= compare_pcr(&rp, &live);
	}
	if (fflush(stdout) != 0)
		return EXIT_FAILED;
	return all ? EXIT_OK : EXIT_TPM_MISMATCH;
}

static int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "pcr",    required_argument, NULL, 'p' },
		{ "help",   no_argument,       NULL, 'h' },
		{}
	};
	const char *device = "auto", *path = CFS_MEASURE_LOG_PATH;
	struct cfs_measure_records recs;
	struct cfs_tpm *t = NULL;
	_cleanup_close_ int lock_fd = -1;
	uint32_t pcrs = 0;
	bool incomplete;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			device = optarg;
			break;
		case 'p': {
			uint64_t v;

			if (cfs_parse_u64(optarg, &v) < 0 || v >= CFS_TPM_PCRS) {
				log_error("--pcr %s: give a PCR number from 0 to %d", optarg,
					  CFS_TPM_PCRS - 1);
				return EXIT_USAGE;
			}
			pcrs |= UINT32_C(1) << v;
			break;
		}
		default:
			return option_end(c, replay_usage);
		}
	}
	if (argc - optind > 1) {
		log_error("give at most one log file (see --help)");
		return EXIT_USAGE;
	}
	if (optind < argc)
		path = argv[optind];

	r = open_tpm(device, &t);
	if (r != EXIT_OK)
		return r;
	/* The lock is held until the PCRs are read, so that no writer
	 * extends them in between. */
	r = cfs_measure_log_load(path, &recs, &incomplete, &lock_fd);
	if (r == -ENOENT)
		log_error("there is no measurement log at %s", path);
	if (r < 0) {
		cfs_tpm_close(t);
		return EXIT_FAILED;
	}
	if (incomplete)
		log_warning("%s is marked incomplete (sticky bit): a writer died between extending "
			    "a PCR and logging it, so that PCR cannot match", path);
	r = replay(t, &recs, pcrs ? pcrs : pcrs_in_log(&recs));
	cfs_measure_records_free(&recs);
	cfs_tpm_close(t);
	return r;
}

/* --- read-floor ----------------------------------------------------- */

static void read_floor_usage(FILE *out)
{
	fprintf(out, "Usage: cfsboot tpm read-floor [--device DEV]\n\n"
		     "Print the anti-rollback floor: the lowest security version cfs-pivot\n"
		     "boots, kept in the TPM's NV counter %#x.\n\n"
		     "%s"
		     "  -h, --help         show this help\n", CFS_TPM_FLOOR_INDEX, device_help);
}

/* Parses the options every floor command takes. */
static int floor_options(int argc, char **argv, void (*usage)(FILE *), const char **device,
			 const char **status)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "status", required_argument, NULL, 's' },
		{ "help",   no_argument,       NULL, 'h' },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			*device = optarg;
			break;
		case 's':
			if (!status) {
				usage(stderr);
				return EXIT_USAGE;
			}
			*status = optarg;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

static int cmd_read_floor(int argc, char **argv)
{
	const char *device = "auto";
	char foreign[256];
	struct cfs_tpm *t;
	uint64_t floor;
	int r;

	r = floor_options(argc, argv, read_floor_usage, &device, NULL);
	if (r != EXIT_OK)
		return r < 0 ? EXIT_OK : r;
	if (optind < argc) {
		log_error("unexpected argument '%s' (see --help)", argv[optind]);
		return EXIT_USAGE;
	}
	r = open_tpm(device, &t);
	if (r != EXIT_OK)
		return r;
	r = cfs_tpm_floor_read(t, &floor);
	if (r == -ENOENT)
		log_error("the TPM %s has no anti-rollback counter at %#x; cfsboot tpm "
			  "commit-version creates it", cfs_tpm_name(t), CFS_TPM_FLOOR_INDEX);
	else if (r == -ENODATA)
		log_error("the anti-rollback counter %#x of the TPM %s was never incremented; "
			  "cfsboot tpm commit-version sets it", CFS_TPM_FLOOR_INDEX, cfs_tpm_name(t));
	else if (r == -EBADSLT) {
		int e = cfs_tpm_floor_describe(t, foreign, sizeof(foreign));

		if (e < 0)
			r = e;        /* the TPM failed, and said so */
		else
			log_error("the index %#x of the TPM %s is not cfsboot's anti-rollback "
				  "counter (%s)", CFS_TPM_FLOOR_INDEX, cfs_tpm_name(t), foreign);
	}
	cfs_tpm_close(t);
	if (r == -ENOENT || r == -ENODATA || r == -EBADSLT)
		return EXIT_TPM_NO_FLOOR;
	if (r < 0)
		return EXIT_FAILED;
	printf("%llu\n", (unsigned long long)floor);
	return EXIT_OK;
}

/* --- commit-version ------------------------------------------------- */

static void commit_usage(FILE *out)
{
	fprintf(out, "Usage: cfsboot tpm commit-version [--device DEV] [--status FILE] [VERSION]\n\n"
		     "Raise the anti-rollback floor to VERSION once the running image is judged\n"
		     "good, so that cfs-pivot never boots an image with a lower security version\n"
		     "again.  Without VERSION, the version of the image that booted, from the\n"
		     "status file.  The floor is an NV counter (%#x): it is created when\n"
		     "missing and never lowered.\n\n"
		     "%s"
		     "  --status FILE      cfs-pivot's status file (default %s)\n"
		     "  -h, --help         show this help\n",
		     CFS_TPM_FLOOR_INDEX, device_help, STATUS_PATH);
}

/* The security version of the image that booted, from the status file. */
static int booted_version(const char *path, uint64_t *version)
{
	_cleanup_free_ uint8_t *text = NULL;
	struct cfs_json j;
	const char *error;
	char result[16];
	size_t len, at;
	int r, res, ver;

	r = cfs_read_file(path, STATUS_MAX_SIZE, &text, &len);
	if (r < 0)
		return r;
	r = cfs_json_parse((const char *)text, len, 4096, &j, &error, &at);
	if (r < 0)
		return log_errno(-EBADMSG, "%s is not a status file: %s at byte %zu", path, error, at);
	res = cfs_json_member(&j, 0, "result");
	ver = cfs_json_member(&j, 0, "version");
	if (res < 0 || cfs_json_string(&j, (size_t)res, result, sizeof(result)) < 0 ||
	    strcmp(result, "booted") != 0)
		r = log_errno(-EINVAL, "%s does not say that an image booted; nothing to commit",
			      path);
	else if (ver == -ENOENT)
		r = log_errno(-EINVAL, "the image that booted has no security version (%s); give "
			      "VERSION", path);
	else if (ver < 0 || cfs_json_uint(&j, (size_t)ver, version) < 0)
		r = log_errno(-EBADMSG, "%s: \"version\" is not an unsigned 64-bit number", path);
	cfs_json_free(&j);
	return r;
}

static int cmd_commit_version(int argc, char **argv)
{
	const char *device = "auto", *status = STATUS_PATH;
	struct cfs_tpm *t;
	uint64_t version, before;
	int r;

	r = floor_options(argc, argv, commit_usage, &device, &status);
	if (r != EXIT_OK)
		return r < 0 ? EXIT_OK : r;
	if (argc - optind > 1) {
		log_error("give at most one VERSION (see --help)");
		return EXIT_USAGE;
	}
	if (optind < argc) {
		if (cfs_parse_u64(argv[optind], &version) < 0) {
			log_error("VERSION '%s' is not an unsigned 64-bit number", argv[optind]);
			return EXIT_USAGE;
		}
	} else if (booted_version(status, &version) < 0) {
		return EXIT_FAILED;
	}

	r = open_tpm(device, &t);
	if (r != EXIT_OK)
		return r;
	r = cfs_tpm_floor_raise(t, version, &before);
	cfs_tpm_close(t);
	if (r == -EPERM)
		return EXIT_TPM_FLOOR_ABOVE;
	if (r < 0)
		return EXIT_FAILED;
	if (before == version)
		printf("anti-rollback floor: %llu (unchanged)\n", (unsigned long long)version);
	else
		printf("anti-rollback floor: %llu -> %llu\n", (unsigned long long)before,
		       (unsigned long long)version);
	return EXIT_OK;
}

/* --- dispatch ------------------------------------------------------- */

static const struct command subcommands[] = {
	{ "replay",         cmd_replay,         "check the measurement log against the live PCRs" },
	{ "read-floor",     cmd_read_floor,     "print the anti-rollback floor" },
	{ "commit-version", cmd_commit_version, "raise the anti-rollback floor after a good boot" },
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: cfsboot tpm COMMAND [OPTIONS] [ARGS]\n\n"
		     "The TPM side of measured boot: the measurement log and the anti-rollback\n"
		     "floor (docs/measurement.md).\n\nCommands:\n");
	commands_list(out, subcommands, ARRAY_SIZE(subcommands), 15);
	fprintf(out, "\n'cfsboot tpm COMMAND --help' describes a command.\n");
}

int cmd_tpm(int argc, char **argv)
{
	return commands_run(subcommands, ARRAY_SIZE(subcommands), "tpm ", usage, argc, argv);
}
