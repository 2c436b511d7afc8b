// SPDX-License-Identifier: MIT
/*
 * The image's setup-root-conf.toml: what bootc's and composefs-rs's own
 * tests and documentation write parses to the modes they mean, everything
 * else in TOML is refused with its line, and the stricter of the policy
 * and the file wins.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pivot/boot/image_config.h"
#include "pivot/boot/setup_conf.h"

static int parse(const char *text, struct pivot_setup_conf *c, struct pivot_setup_error *err)
{
	return pivot_setup_conf_parse(text, strlen(text), c, err);
}

static void test_accepted(void **state)
{
	struct pivot_setup_conf c;
	struct pivot_setup_error err;

	(void)state;
	assert_int_equal(parse("", &c, &err), 0);
	assert_false(c.root_transient);
	assert_int_equal(pivot_setup_dir_mode(&c.etc), PIVOT_SETUP_BIND);
	assert_int_equal(pivot_setup_dir_mode(&c.var), PIVOT_SETUP_BIND);

	assert_int_equal(parse("[root]\ntransient = true\n[etc]\nmount = \"root\"", &c, &err), 0);
	assert_true(c.root_transient);
	assert_int_equal(pivot_setup_dir_mode(&c.etc), PIVOT_SETUP_NONE);

	assert_int_equal(parse("# composefs-rs\r\n\r\n [etc] # the /etc\r\n\tmount\t=\t'overlay' "
			       "# a comment, caf\xc3\xa9\r\n[var]\nmount=\"volatile\"\n", &c, &err), 0);
	assert_int_equal(pivot_setup_dir_mode(&c.etc), PIVOT_SETUP_OVERLAY);
	assert_int_equal(pivot_setup_dir_mode(&c.var), PIVOT_SETUP_TRANSIENT);

	/* transient without a mount key means transient; a mount key wins. */
	assert_int_equal(parse("[etc]\ntransient = true\n[var]\ntransient = true\nmount = \"none\"\n",
			       &c, &err), 0);
	assert_int_equal(pivot_setup_dir_mode(&c.etc), PIVOT_SETUP_TRANSIENT);
	assert_int_equal(pivot_setup_dir_mode(&c.var), PIVOT_SETUP_NONE);
	assert_int_equal(parse("[ etc ]\ntransient = false\nmount = \"bind\"\n", &c, &err), 0);
	assert_int_equal(pivot_setup_dir_mode(&c.etc), PIVOT_SETUP_BIND);
}

static void test_refused(void **state)
{
	static const struct {
		const char *text;
		unsigned int line;
		const char *what;
	} cases[] = {
		{ "transient = true\n", 1, "key transient outside a table" },
		{ "[usr]\nmount = \"bind\"\n", 1, "unknown table [usr]" },
		{ "[etc]\n[etc]\n", 2, "table [etc] a second time" },
		{ "[etc]\nmount = \"bind\"\nmount = \"none\"\n", 3, "key mount a second time in [etc]" },
		{ "[root]\nmount = \"none\"\n", 2, "unknown key mount in [root]" },
		{ "[etc]\nreadonly = true\n", 2, "unknown key readonly in [etc]" },
		{ "[etc]\nmount = \"tmpfs\"\n", 2, "unknown mount \"tmpfs\"" },
		{ "[etc]\nmount = true\n", 2, "mount takes a string" },
		{ "[etc]\ntransient = \"yes\"\n", 2, "transient takes true or false" },
		{ "[etc]\ntransient = 1\n", 2, "a value must be a string or true or false" },
		{ "[etc]\ntransient = True\n", 2, "a value must be a string or true or false" },
		{ "[etc]\nmount = \"b\\u0069nd\"\n", 2, "escapes in strings are not read" },
		{ "[etc]\nmount = \"\"\"bind\"\"\"\n", 2, "multi-line strings are not read" },
		{ "[etc]\nmount = \"bind\n", 2, "a string is not closed on its line" },
		{ "[etc]\nmount = \"bind\" \"none\"\n", 2, "unexpected text after the value" },
		{ "[etc] x\n", 1, "unexpected text after the table header" },
		{ "[etc\n", 1, "expected ] after the table name" },
		{ "[[etc]]\n", 1, "arrays of tables are not read" },
		{ "[\"etc\"]\n", 1, "expected a bare table name" },
		{ "[etc]\netc.mount = \"bind\"\n", 2, "expected = after the key etc" },
		{ "[etc]\n\"mount\" = \"bind\"\n", 2, "expected a bare key" },
		{ "[etc]\nmount \"bind\"\n", 2, "expected = after the key mount" },
		{ "[etc]\nmount = {}\n", 2, "a value must be a string or true or false" },
		{ "[etc]\nmount = \"bind\"\x0b\n", 2, "a control character (0x0b)" },
		{ "[etc]\nmount = \"b\xc3\xafnd\"\n", 2, "a byte that is not ASCII outside a comment" },
		{ "[etc]\r\r\n", 1, "a control character (0x0d)" },
	};
	struct pivot_setup_conf c;
	struct pivot_setup_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (parse(cases[i].text, &c, &err) != -EINVAL)
			fail_msg("case %zu was accepted", i);
		if (err.line != cases[i].line || !strstr(err.what, cases[i].what))
			fail_msg("case %zu: line %u: \"%s\", expected line %u: \"%s\"", i, err.line,
				 err.what, cases[i].line, cases[i].what);
	}
}

static void test_nul_and_size(void **state)
{
	static const char nul[] = "[etc]\nmount = \"bind\"\0\n";
	char big[PIVOT_SETUP_CONF_MAX + 1];
	struct pivot_setup_conf c;
	struct pivot_setup_error err;

	(void)state;
	assert_int_equal(pivot_setup_conf_parse(nul, sizeof(nul) - 1, &c, &err), -EINVAL);
	assert_int_equal(err.line, 2);
	memset(big, '\n', sizeof(big));
	assert_int_equal(pivot_setup_conf_parse(big, sizeof(big) - 1, &c, &err), 0);
	assert_int_equal(pivot_setup_conf_parse(big, sizeof(big), &c, &err), -EINVAL);
	assert_non_null(strstr(err.what, "more than the 4096 read"));
}

/* The stricter wins: etc bind < overlay < transient < none, var bind < none. */
static void test_tighten(void **state)
{
	static const struct {
		enum pivot_etc policy_etc;
		enum pivot_var policy_var;
		const char *text;
		int r;
		enum pivot_etc etc;
		enum pivot_var var;
	} cases[] = {
		{ PIVOT_ETC_OVERLAY, PIVOT_VAR_BIND, "", 0, PIVOT_ETC_OVERLAY, PIVOT_VAR_BIND },
		{ PIVOT_ETC_BIND, PIVOT_VAR_BIND, "[etc]\nmount='overlay'", 0, PIVOT_ETC_OVERLAY,
		  PIVOT_VAR_BIND },
		{ PIVOT_ETC_OVERLAY, PIVOT_VAR_BIND, "[etc]\nmount='bind'", 0, PIVOT_ETC_OVERLAY,
		  PIVOT_VAR_BIND },
		{ PIVOT_ETC_OVERLAY, PIVOT_VAR_BIND, "[etc]\ntransient=true", 0, PIVOT_ETC_TRANSIENT,
		  PIVOT_VAR_BIND },
		{ PIVOT_ETC_TRANSIENT, PIVOT_VAR_BIND, "[etc]\nmount='overlay'", 0,
		  PIVOT_ETC_TRANSIENT, PIVOT_VAR_BIND },
		{ PIVOT_ETC_TRANSIENT, PIVOT_VAR_BIND, "[etc]\nmount='none'", 0, PIVOT_ETC_NONE,
		  PIVOT_VAR_BIND },
		{ PIVOT_ETC_NONE, PIVOT_VAR_BIND, "[etc]\nmount='transient'", 0, PIVOT_ETC_NONE,
		  PIVOT_VAR_BIND },
		{ PIVOT_ETC_BIND, PIVOT_VAR_BIND, "[var]\nmount='none'", 0, PIVOT_ETC_BIND,
		  PIVOT_VAR_NONE },
		{ PIVOT_ETC_BIND, PIVOT_VAR_NONE, "[var]\nmount='bind'", 0, PIVOT_ETC_BIND,
		  PIVOT_VAR_NONE },
		/* A transient or overlay /var: stricter than bind, not mounted. */
		{ PIVOT_ETC_BIND, PIVOT_VAR_BIND, "[var]\nmount='transient'", -EINVAL, PIVOT_ETC_BIND,
		  PIVOT_VAR_BIND },
		{ PIVOT_ETC_BIND, PIVOT_VAR_BIND, "[var]\nmount='overlay'", -EINVAL, PIVOT_ETC_BIND,
		  PIVOT_VAR_BIND },
		/* Against var = none they are the weaker, and none stays. */
		{ PIVOT_ETC_BIND, PIVOT_VAR_NONE, "[var]\ntransient=true", 0, PIVOT_ETC_BIND,
		  PIVOT_VAR_NONE },
		/* A transient root is weaker than the read-only one. */
		{ PIVOT_ETC_BIND, PIVOT_VAR_BIND, "[root]\ntransient=true", 0, PIVOT_ETC_BIND,
		  PIVOT_VAR_BIND },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pivot_policy p;
		struct pivot_setup_conf c;
		struct pivot_setup_error err;

		pivot_policy_defaults(&p);
		p.etc = cases[i].policy_etc;
		p.var = cases[i].policy_var;
		assert_int_equal(parse(cases[i].text, &c, &err), 0);
		if (pivot_image_config_tighten(&p, &c) != cases[i].r)
			fail_msg("case %zu: not %d", i, cases[i].r);
		if (cases[i].r == 0 && (p.etc != cases[i].etc || p.var != cases[i].var))
			fail_msg("case %zu: etc %d var %d, expected %d %d", i, p.etc, p.var,
				 cases[i].etc, cases[i].var);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_nul_and_size),
		cmocka_unit_test(test_tighten),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
