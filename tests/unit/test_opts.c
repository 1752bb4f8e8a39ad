/* test_opts.c — the commands' option tables (src/cmd/opts.c, commands.c): every command
 * and subcommand documents every option it takes (help text, metavar, completion kind),
 * no two options clash, the generated help fits 80 columns and names each option, the man
 * page source names each option, the parser returns each option's id with its value, and
 * the shared options (--color, --quiet, --no-progress, --help) do what they say. */
#include "cmd/opts.h"
#include "cloud/policy.h"
#include "report/report.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static char *render(void (*fn)(const kw_cmd_spec *, FILE *), const kw_cmd_spec *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	fn(s, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_registry(void **state)
{
	(void)state;
	assert_true(kw_n_commands >= 1);
	for (size_t i = 0; i < kw_n_commands; i++) {
		const kw_cmd_spec *s = kw_commands[i].spec;
		assert_non_null(s);
		assert_non_null(s->name);
		/* a subcommand follows its parent and has no function of its own */
		const char *sp = strchr(s->name, ' ');
		if (sp) {
			assert_null(kw_commands[i].fn);
			char parent[32];
			snprintf(parent, sizeof parent, "%.*s", (int)(sp - s->name), s->name);
			assert_non_null(kw_spec_find(parent));
		} else {
			assert_non_null(kw_commands[i].fn);
		}
		assert_ptr_equal(kw_spec_find(s->name), s);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(kw_commands[j].spec->name, s->name);
	}
}

static void test_every_command_is_documented(void **state)
{
	(void)state;
	for (size_t i = 0; i < kw_n_commands; i++) {
		const kw_cmd_spec *s = kw_commands[i].spec;
		if (!s->summary || !*s->summary || !s->synopsis || !*s->synopsis || !s->description ||
		    !*s->description || !s->exit_status || !s->examples || !*s->examples)
			fail_msg("%s: summary, synopsis, description, exit status and examples are required", s->name);
		if (s->summary[strlen(s->summary) - 1] == '.')
			fail_msg("%s: the summary is a phrase, without a full stop", s->name);
		if (s->operands == KW_COMP_WORDS && (!s->operand_words || !*s->operand_words))
			fail_msg("%s: operand words missing", s->name);
	}
}

static void test_every_option_is_documented(void **state)
{
	(void)state;
	for (size_t i = 0; i < kw_n_commands; i++) {
		const kw_cmd_spec *s = kw_commands[i].spec;
		size_t n = 0;
		for (const kw_opt *o = s->opts; o && o->id != -1; o++, n++) {
			if (!o->help || !*o->help)
				fail_msg("%s: a row without help text", s->name);
			if (kw_opt_is_heading(o))
				continue;
			const char *nm = o->name ? o->name : "(short)";
			if ((o->arg == KW_ARG_NONE) != (o->metavar == NULL))
				fail_msg("%s --%s: a metavar exactly when the option takes a value", s->name, nm);
			if (o->arg == KW_ARG_NONE && o->comp != KW_COMP_NONE)
				fail_msg("%s --%s: a completion kind for an option without a value", s->name, nm);
			if (o->comp == KW_COMP_WORDS && (!o->words || !*o->words))
				fail_msg("%s --%s: completion words missing", s->name, nm);
			if (o->short_name ? o->id != o->short_name : o->id < 256)
				fail_msg("%s --%s: a short option's id is its letter, a long one's >= 256", s->name, nm);
			if (o->help[strlen(o->help) - 1] == '\n')
				fail_msg("%s --%s: help text ends with a newline", s->name, nm);
			/* unique ids, long names and letters, also against the shared options */
			for (const kw_opt *p = s->opts; p != o; p++) {
				if (kw_opt_is_heading(p))
					continue;
				if (p->id == o->id || (o->name && p->name && !strcmp(o->name, p->name)) ||
				    (o->short_name && p->short_name == o->short_name))
					fail_msg("%s --%s: clashes with an earlier row", s->name, nm);
			}
			for (const kw_opt *p = kw_shared_opts; p->id != -1; p++) {
				bool own_h = p->short_name == 'h' && (s->flags & KW_SPEC_OWN_H);
				if (p->id == o->id || (o->name && !strcmp(o->name, p->name)) ||
				    (o->short_name && o->short_name == p->short_name && !own_h))
					fail_msg("%s --%s: clashes with the shared option --%s", s->name, nm, p->name);
			}
		}
		assert_true(n < KW_OPTS_MAX - 8);
	}
}

/* How a document shows an option: "--name", or "-x" for a letter-only one, inside mark
 * ("*--name*" in scdoc); a letter-only one is preceded by short_before ("  -T" in --help,
 * where only the start of a row tells it from text). */
static void flag_text(const kw_opt *o, const char *mark, const char *short_before, char *buf, size_t size)
{
	if (o->name)
		snprintf(buf, size, "%s--%s%s", mark, o->name, mark);
	else
		snprintf(buf, size, "%s%s-%c%s", short_before, mark, o->short_name, mark);
}

/* A copy with every run of spaces and newlines as one space (the help wraps text). */
static char *squeeze(const char *t)
{
	char *r = malloc(strlen(t) + 1), *w = r;
	assert_non_null(r);
	for (; *t; t++) {
		bool sp = *t == ' ' || *t == '\n';
		if (sp && w > r && w[-1] == ' ')
			continue;
		*w++ = sp ? ' ' : *t;
	}
	*w = '\0';
	return r;
}

/* Every line of --help fits 80 columns (the examples excepted: commands are not wrapped),
 * and names every option as it is typed. */
static void test_help_layout(void **state)
{
	(void)state;
	for (size_t i = 0; i < kw_n_commands; i++) {
		const kw_cmd_spec *s = kw_commands[i].spec;
		char *h = render(kw_spec_print_help, s);
		char usage[64];
		snprintf(usage, sizeof usage, "usage: keyward %s ", s->name);
		if (strncmp(h, usage, strlen(usage)))
			fail_msg("%s: help does not start with '%s'", s->name, usage);
		bool examples = false;
		for (char *line = h; *line;) {
			char *nl = strchr(line, '\n');
			size_t len = nl ? (size_t)(nl - line) : strlen(line);
			if (!strncmp(line, "Examples:", 9))
				examples = true;
			if (!examples && len > 80)
				fail_msg("%s: help line over 80 columns: %.*s", s->name, (int)len, line);
			line += len + (nl != NULL);
		}
		assert_true(examples);
		for (const kw_opt *o = s->opts; o && o->id != -1; o++) {
			if (kw_opt_is_heading(o))
				continue;
			char want[64];
			flag_text(o, "", "  ", want, sizeof want);
			if (!strstr(h, want))
				fail_msg("%s: --help does not show %s", s->name, want);
			char *nh = squeeze(h), *no = squeeze(o->help);
			if (!strstr(nh, no))
				fail_msg("%s: --help lacks the whole text of %s", s->name, want);
			free(nh);
			free(no);
		}
		for (const kw_opt *o = kw_shared_opts; o->id != -1; o++) {
			char want[64];
			snprintf(want, sizeof want, "--%s", o->name);
			assert_non_null(strstr(h, want));
		}
		free(h);
	}
}

static void test_man_source(void **state)
{
	(void)state;
	for (size_t i = 0; i < kw_n_commands; i++) {
		const kw_cmd_spec *s = kw_commands[i].spec;
		char *m = render(kw_spec_print_scdoc, s);
		char page[64], head[80];
		snprintf(head, sizeof head, "%s(1)\n", kw_spec_page_name(s, page, sizeof page));
		assert_true(!strncmp(m, head, strlen(head)));
		for (const char *sec = "# NAME\0# SYNOPSIS\0# DESCRIPTION\0# OPTIONS\0# EXIT STATUS\0"
					"# EXAMPLES\0# SEE ALSO\0"; *sec; sec += strlen(sec) + 1)
			if (!strstr(m, sec))
				fail_msg("%s: the man page has no %s", s->name, sec);
		for (const kw_opt *o = s->opts; o && o->id != -1; o++) {
			if (kw_opt_is_heading(o))
				continue;
			char want[64];
			flag_text(o, "*", "", want, sizeof want);
			if (!strstr(m, want))
				fail_msg("%s: the man page does not document %s", s->name, want);
		}
		free(m);
	}
}

/* The parser hands back every option of every table with its value, long and short. */
static void test_parser_returns_each_option(void **state)
{
	(void)state;
	for (size_t i = 0; i < kw_n_commands; i++) {
		const kw_cmd_spec *s = kw_commands[i].spec;
		for (const kw_opt *o = s->opts; o && o->id != -1; o++) {
			if (kw_opt_is_heading(o))
				continue;
			for (int form = 0; form < 2; form++) {
				char flag[64];
				if (form == 0 && o->name)
					snprintf(flag, sizeof flag, o->arg == KW_ARG_OPTIONAL ? "--%s=v1" : "--%s", o->name);
				else if (form == 1 && o->short_name)
					snprintf(flag, sizeof flag, "-%c", o->short_name);
				else
					continue;
				char *argv[] = { (char *)s->name, flag, (char *)"v1", (char *)"operand", NULL };
				int argc = o->arg == KW_ARG_REQUIRED ? 3 : 2;
				kw_opts p;
				kw_opts_begin(&p, s);
				int c = kw_opts_next(&p, argc, argv);
				if (c != o->id)
					fail_msg("%s %s: parser returned %d, not %d", s->name, flag, c, o->id);
				if (o->arg != KW_ARG_NONE && (!optarg || strcmp(optarg, "v1")))
					fail_msg("%s %s: value not passed", s->name, flag);
				assert_int_equal(kw_opts_next(&p, argc, argv), -1);
			}
		}
	}
}

static int parse_all(const kw_cmd_spec *s, int argc, char **argv, kw_opts *p)
{
	kw_opts_begin(p, s);
	int c;
	while ((c = kw_opts_next(p, argc, argv)) >= 0)
		;
	return c;
}

static void test_shared_options(void **state)
{
	(void)state;
	const kw_cmd_spec *s = kw_commands[0].spec;
	kw_opts p;
	char *a1[] = { (char *)"x", (char *)"--color", (char *)"always", (char *)"-q", NULL };
	assert_int_equal(parse_all(s, 4, a1, &p), -1);
	assert_int_equal(kw_ui_settings.color, KW_COLOR_ALWAYS);
	assert_true(kw_ui_settings.quiet);
	assert_true(kw_ui_settings.no_progress);
	assert_true(kw_ui_color(stderr));

	char *a2[] = { (char *)"x", (char *)"--color=never", (char *)"--no-progress", NULL };
	assert_int_equal(parse_all(s, 3, a2, &p), -1);
	assert_int_equal(kw_ui_settings.color, KW_COLOR_NEVER);
	assert_false(kw_ui_settings.quiet);
	assert_true(kw_ui_settings.no_progress);
	assert_false(kw_ui_color(stdout));

	char *a3[] = { (char *)"x", (char *)"--no-color", NULL };
	assert_int_equal(parse_all(s, 2, a3, &p), -1);
	assert_int_equal(kw_ui_settings.color, KW_COLOR_NEVER);

	/* auto: not a terminal here (the test's stdout is a pipe or a file), NO_COLOR wins */
	char *a4[] = { (char *)"x", NULL };
	assert_int_equal(parse_all(s, 1, a4, &p), -1);
	assert_int_equal(kw_ui_settings.color, KW_COLOR_AUTO);
	setenv("NO_COLOR", "1", 1);
	assert_false(kw_ui_color(stdout));
	unsetenv("NO_COLOR");

	char *bad[] = { (char *)"x", (char *)"--color", (char *)"sometimes", NULL };
	assert_int_equal(parse_all(s, 3, bad, &p), KW_OPTS_EXIT);
	assert_int_equal(p.exit_code, 2);
	char *unknown[] = { (char *)"x", (char *)"--no-such-option", NULL };
	assert_int_equal(parse_all(s, 2, unknown, &p), KW_OPTS_EXIT);
	assert_int_equal(p.exit_code, 2);
	char *missing[] = { (char *)"x", (char *)"--color", NULL };
	assert_int_equal(parse_all(s, 2, missing, &p), KW_OPTS_EXIT);
	assert_int_equal(p.exit_code, 2);

	/* --help prints the help and stops with 0 */
	FILE *saved = stdout;
	char *buf = NULL;
	size_t len = 0;
	stdout = open_memstream(&buf, &len);
	char *help[] = { (char *)"x", (char *)"--help", NULL };
	int c = parse_all(s, 2, help, &p);
	fclose(stdout);
	stdout = saved;
	assert_int_equal(c, KW_OPTS_EXIT);
	assert_int_equal(p.exit_code, 0);
	assert_non_null(strstr(buf, "usage: keyward"));
	free(buf);
}

/* Completion words copied from other tables stay equal to them. */
static const kw_opt *find_opt(const char *cmd, const char *name)
{
	const kw_cmd_spec *s = kw_spec_find(cmd);
	assert_non_null(s);
	for (const kw_opt *o = s->opts; o && o->id != -1; o++)
		if (o->name && !strcmp(o->name, name))
			return o;
	fail_msg("%s has no --%s", cmd, name);
	return NULL;
}

static void test_words_follow_their_sources(void **state)
{
	(void)state;
	size_t n;
	const kw_cloud_policy *p = kw_cloud_policies(&n);
	/* the same set: as many words as policies, and every policy among them */
	const char *words = find_opt("cloud policy", "name")->words;
	size_t count = 1;
	for (const char *c = words; *c; c++)
		count += *c == ' ';
	assert_int_equal(count, n);
	for (size_t i = 0; i < n; i++) {
		char pad[128], hay[1100];
		snprintf(pad, sizeof pad, " %s ", p[i].name);
		snprintf(hay, sizeof hay, " %s ", words);
		if (!strstr(hay, pad))
			fail_msg("cloud policy --name does not complete %s", p[i].name);
	}
	/* `keyward help <TAB>` offers exactly the top-level commands */
	const char *hw = kw_spec_find("help")->operand_words;
	char hay[512];
	snprintf(hay, sizeof hay, " %s ", hw);
	size_t tops = 0, nw = 1;
	for (const char *c = hw; *c; c++)
		nw += *c == ' ';
	for (size_t i = 0; i < kw_n_commands; i++) {
		const char *nm = kw_commands[i].spec->name;
		if (strchr(nm, ' '))
			continue;
		tops++;
		char pad[64];
		snprintf(pad, sizeof pad, " %s ", nm);
		if (!strstr(hay, pad))
			fail_msg("help does not complete %s", nm);
	}
	assert_int_equal(tops, nw);
	/* every --format word parses as a format */
	for (size_t i = 0; i < kw_n_commands; i++) {
		const kw_cmd_spec *s = kw_commands[i].spec;
		for (const kw_opt *o = s->opts; o && o->id != -1; o++) {
			if (!o->name || strcmp(o->name, "format") || !o->words)
				continue;
			char buf[256];
			snprintf(buf, sizeof buf, "%s", o->words);
			for (char *w = strtok(buf, " "); w; w = strtok(NULL, " ")) {
				kw_format f;
				if (kw_format_parse(w, &f) < 0)
					fail_msg("%s --format completes '%s', not a format", s->name, w);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_every_command_is_documented),
		cmocka_unit_test(test_every_option_is_documented),
		cmocka_unit_test(test_help_layout),
		cmocka_unit_test(test_man_source),
		cmocka_unit_test(test_parser_returns_each_option),
		cmocka_unit_test(test_shared_options),
		cmocka_unit_test(test_words_follow_their_sources),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
