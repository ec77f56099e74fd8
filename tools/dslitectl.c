// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl: configure the dslite DS-Lite AFTR, the way ip(8) configures
 * the network stack.
 *
 *   dslitectl [-j] [-p] [-n NETNS] [-b FILE] [-V] OBJECT COMMAND [ARGS]
 *
 * Exit status: 0 success, 1 usage error (nothing was sent), 2 the kernel
 * refused or could not be reached (its message is printed).
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

static const struct object objects[] = {
	{ "instance", do_instance, instance_help },
	{ "pool", do_pool, pool_help },
	{ "timeout", do_timeout, timeout_help },
	{ "session", do_session, session_help },
	{ "user", do_user, user_help },
	{ "stats", do_stats, stats_help },
	{ "monitor", do_monitor, monitor_help },
	{ "ha", ha_object, ha_help },
	{ "service-location", sl_object, sl_help },
	{ "service-instance-group", sig_object, sig_help },
	{ "help", do_help, main_help },
	/* last: "s" and "a" keep meaning what they meant before these */
	{ "save", do_save, save_help },
	{ "apply", do_apply, apply_help },
};

static void main_help(FILE *f)
{
	fputs("Usage: dslitectl [OPTIONS] OBJECT { COMMAND | help }\n"
	      "       dslitectl [OPTIONS] -b FILE\n"
	      "OBJECT  := { instance | pool | timeout | session | user | stats |\n"
	      "             monitor | ha | service-location |\n"
	      "             service-instance-group | save | apply }\n"
	      "OPTIONS := { -j[son] | -p[retty] | -d[etails] | -n[etns] NAME |\n"
	      "             -b[atch] FILE | -V[ersion] | -h[elp] }\n"
	      "Exit status: 0 ok, 1 usage error, 2 kernel error.\n"
	      "See dslitectl(8).\n", f);
}

static int run(int argc, char **argv)
{
	size_t i;

	if (argc == 0) {
		main_help(stderr);
		return EXIT_USAGE;
	}
	if (is_help(argv[0])) {
		main_help(stdout);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if (matches(argv[0], objects[i].name))
			return objects[i].run(argc - 1, argv + 1);
	usage_err("unknown object \"%s\"", argv[0]);
	return EXIT_USAGE;
}

static int batch(const char *file)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	char *line = NULL, *argv[64];
	size_t cap = 0;
	int lineno = 0, ret = EXIT_OK;

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
			break;
		}
	}
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
		{ "Version", no_argument, NULL, 'V' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *batch_file = NULL;
	int c, ret;

	/* '+': stop at the first non-option, like ip(8) */
	while ((c = getopt_long(argc, argv, "+jpdn:b:Vh", opts, NULL)) != -1) {
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
