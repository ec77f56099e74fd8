// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl: configure the dslite DS-Lite AFTR, the way ip(8) configures
 * the network stack.
 *
 *   dslitectl [-j] [-p] [-d] [-n NETNS] [-b FILE [-f]] [-V] OBJECT COMMAND [ARGS]
 *
 * Exit status: 0 success, 1 usage error (nothing was sent), 2 the kernel
 * refused or could not be reached (its message is printed), 3 service-
 * location check: not healthy.
 *
 * Objects and verbs may be abbreviated, like ip(8), but only to a prefix
 * that names one of them: an ambiguous one ("s": session, stats, ...) is
 * a usage error naming the candidates, never a guess.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "json.h"
#include "nl.h"
#include "instance.h"
#include "objects.h"

#ifndef DSLITE_VERSION
#define DSLITE_VERSION "unknown"
#endif

struct ctl ctl;

int usage_err(const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(". Try \"dslitectl help\".\n", stderr);
	return EXIT_USAGE;
}

static void main_help(FILE *f);

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	main_help(stdout);
	return EXIT_OK;
}

/* each object's verbs ("list" is show's alias) */
#define VERBS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const struct object objects[] = {
	{ "instance", do_instance, instance_help,
	  VERBS("help", "add", "set", "delete", "show", "list") },
	{ "pool", do_pool, pool_help,
	  VERBS("help", "add", "delete", "show", "list") },
	{ "timeout", do_timeout, timeout_help, VERBS("help", "set", "show") },
	{ "session", do_session, session_help,
	  VERBS("help", "show", "list", "flush") },
	{ "user", do_user, user_help, VERBS("help", "show", "list") },
	{ "stats", do_stats, stats_help, VERBS("help", "show", "list") },
	{ "monitor", do_monitor, monitor_help, NULL },
	{ "ha", ha_object, ha_help, VERBS("help", "show", "set") },
	{ "service-location", sl_object, sl_help,
	  VERBS("help", "show", "list", "add", "check", "delete", "set") },
	{ "service-instance-group", sig_object, sig_help,
	  VERBS("help", "show", "list", "delete", "add") },
	{ "help", do_help, main_help, NULL },
	{ "save", do_save, save_help, NULL },
	{ "apply", do_apply, apply_help, NULL },
};

#define N_OBJECTS (sizeof(objects) / sizeof(objects[0]))

/*
 * @arg among @words: the index, or -1 after a usage error saying what
 * is unknown (unless !@report_unknown: then -2, for the caller) or
 * which words an ambiguous abbreviation could be.
 */
static int resolve(const char *what, const char *arg,
		   const char *const *words, bool report_unknown)
{
	char list[256] = "";
	size_t len = 0;
	int i = match_unique(arg, words);

	if (i >= 0)
		return i;
	if (i == -1) {
		if (!report_unknown)
			return -2;
		usage_err("unknown %s \"%s\"", what, arg);
		return -1;
	}
	for (i = 0; words[i]; i++)
		if (matches(arg, words[i]) && len < sizeof(list))
			len += snprintf(list + len, sizeof(list) - len, "%s%s",
					len ? ", " : "", words[i]);
	usage_err("%s \"%s\" is ambiguous: %s", what, arg, list);
	return -1;
}

static void main_help(FILE *f)
{
	fputs("Usage: dslitectl [OPTIONS] OBJECT { COMMAND | help }\n"
	      "       dslitectl [OPTIONS] -b FILE\n"
	      "OBJECT  := { instance | pool | timeout | session | user | stats |\n"
	      "             monitor | ha | service-location |\n"
	      "             service-instance-group | save | apply }\n"
	      "OPTIONS := { -j[son] | -p[retty] | -d[etails] | -n[etns] NAME |\n"
	      "             -b[atch] FILE | -f[orce] | -V[ersion] | -h[elp] }\n"
	      "Objects and commands may be abbreviated to a unique prefix.\n"
	      "-f: a batch goes on past a failed command (exit: the first failure's).\n"
	      "Exit status: 0 ok, 1 usage error, 2 kernel error (or no such object),\n"
	      "3 service-location check: not healthy.\n"
	      "See dslitectl(8).\n", f);
}

static int run(int argc, char **argv)
{
	const char *names[N_OBJECTS + 1];
	const struct object *o;
	char what[64];
	size_t i;
	int k;

	if (argc == 0) {
		main_help(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
		main_help(stdout);
		return EXIT_OK;
	}
	for (i = 0; i < N_OBJECTS; i++)
		names[i] = objects[i].name;
	names[N_OBJECTS] = NULL;
	k = resolve("object", argv[0], names, true);
	if (k < 0)
		return EXIT_USAGE;
	o = &objects[k];
	/* the verb, resolved here once for every object (argv[1] becomes
	 * the full word); a word that is no verb is the object's to judge
	 */
	if (o->verbs && argc > 1) {
		snprintf(what, sizeof(what), "%s command", o->name);
		k = resolve(what, argv[1], o->verbs, false);
		if (k == -1)
			return EXIT_USAGE;
		if (k >= 0)
			argv[1] = (char *)o->verbs[k];
	}
	return o->run(argc - 1, argv + 1);
}

static int batch(const char *file)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	char *line = NULL, *argv[64];
	size_t cap = 0;
	int lineno = 0, ret = EXIT_OK, first_err = 0;

	if (!f) {
		fprintf(stderr, "Error: cannot open batch file \"%s\": %s\n",
			file, strerror(errno));
		return EXIT_USAGE;
	}
	while (getline(&line, &cap, f) > 0) {
		int argc;

		lineno++;
		argc = split_words(line, argv, 64);
		if (argc == 0)
			continue;
		if (argc < 0)
			ret = usage_err("%s:%d: cannot split the line", file,
					lineno);
		else
			ret = run(argc, argv);
		if (ret) {
			fprintf(stderr, "Command failed %s:%d\n", file, lineno);
			if (!first_err)
				first_err = ret;
			if (!ctl.force)
				break;
			fflush(stdout);
		}
	}
	/* -f: every line was tried; the status is the first failure's */
	if (first_err)
		ret = first_err;
	free(line);
	if (f != stdin)
		fclose(f);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "details", no_argument, NULL, 'd' },
		{ "netns", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ "force", no_argument, NULL, 'f' },
		{ "Version", no_argument, NULL, 'V' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *batch_file = NULL;
	int c, ret;

	/* '+': stop at the first non-option, like ip(8) */
	while ((c = getopt_long(argc, argv, "+jpdn:b:fVh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			ctl.json = true;
			break;
		case 'p':
			ctl.pretty = true;
			break;
		case 'd':
			ctl.details = true;
			break;
		case 'n':
			ctl.netns = optarg;
			break;
		case 'b':
			batch_file = optarg;
			break;
		case 'f':
			ctl.force = true;
			break;
		case 'V':
			printf("dslitectl %s (uapi version %d)\n",
			       DSLITE_VERSION, DSLITE_GENL_VERSION);
			return EXIT_OK;
		case 'h':
			main_help(stdout);
			return EXIT_OK;
		default:
			main_help(stderr);
			return EXIT_USAGE;
		}
	}
	print_init(stdout, ctl.json, ctl.pretty);
	ctl_run = run;
	if (batch_file) {
		if (optind < argc)
			return usage_err("-b takes no further arguments");
		ret = batch(batch_file);
	} else {
		ret = run(argc - optind, argv + optind);
	}
	nl_close();
	fflush(stdout);
	return ret;
}
