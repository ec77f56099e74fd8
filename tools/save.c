// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl save, dslitectl apply: the namespace's whole configuration as
 * a batch file (-b replays it), and making the running configuration
 * equal to such a file by changing only what differs (like wg syncconf).
 *
 * Both go through one model (struct conf): save fills it from the
 * kernel's dumps and prints it; apply fills one from the file and one
 * from the kernel, and computes the commands between them. Every refusal
 * is found before the first command is sent, so a refused apply changed
 * nothing; the commands then run through the ordinary command code
 * (ctl_run), exactly as -b would run them.
 *
 * What is not configuration and is neither saved nor applied: a
 * service-location's role (keepalived's notify script sets it; a new SL
 * starts in init), sessions, users, counters. A service-location's
 * authentication key leaves the kernel only when asked for, one SL at a
 * time (SL_GET doit with SL_WITH_KEY; dumps never carry it): save writes
 * it with --with-keys; without, "hash-algorithm hmac-sha256" without the
 * key and a comment saying so, which -b refuses until the key is put
 * back and apply takes as "keep the running key". apply reads the
 * running keys to compare them with the file's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/genetlink.h>

#include "util.h"
#include "json.h"
#include "nl.h"
#include "instance.h"
#include "objects.h"

#ifndef DSLITE_VERSION
#define DSLITE_VERSION "unknown"
#endif

int (*ctl_run)(int argc, char **argv);

#define SYNC_PORT_DEFAULT 8286	/* kmod/dslite.h DSLITE_SYNC_PORT */
#define SIG_MEMBERS_MAX 8
#define IFNAMSIZ_ 16		/* IFNAMSIZ, without <net/if.h> */

void save_help(FILE *f)
{
	fputs("Usage: dslitectl save [ --with-keys ] [ file PATH ]\n"
	      "Print the namespace's whole configuration as a batch file that\n"
	      "\"dslitectl -b FILE\" replays and \"dslitectl apply FILE\" applies.\n"
	      "file PATH writes PATH (mode 0600 whatever the umask) instead of stdout.\n"
	      "Authentication keys are saved only with --with-keys (then keep the\n"
	      "file private: file PATH writes it 0600); without, a keyed\n"
	      "service-location is saved without its key and a comment says so.\n", f);
}

void apply_help(FILE *f)
{
	fputs("Usage: dslitectl apply FILE [ dry-run ]\n"
	      "       dslitectl apply --dry-run FILE\n"
	      "Make the running configuration equal to FILE (the batch grammar of -b,\n"
	      "add and set lines), changing only what differs: objects that are equal\n"
	      "and their sessions are not touched. A change that the kernel cannot\n"
	      "make in place (an instance's id or aftr, a service-location's settings,\n"
	      "a group's members, a pool's service-location, port-block-size or\n"
	      "port-range of an instance that keeps pools) is refused, naming it, and\n"
	      "nothing is changed. dry-run prints the commands instead. A command\n"
	      "the kernel refuses stops apply (exit 2) and the ones made before it\n"
	      "are undone. One apply at a time per namespace.\n", f);
}

/* the settings of an instance, in the order save writes them */
enum {
	S_BLOCK, S_PORT_LO, S_PORT_HI, S_MAX_BLOCKS, S_MAX_SESS_USER,
	S_MAX_SESS, S_FILTERING, S_HOLDDOWN, S_MSS, S_MTU,
	S_TO_UDP, S_TO_TCP_EST, S_TO_TCP_TRANS, S_TO_ICMP, S_TO_TCP_SYN,
	S_N
};

static const struct {
	uint16_t attr;
	const char *kw;		/* as instance add/set or timeout set take it */
	uint32_t def;		/* kmod/instance.c dslite_cfg_defaults(), dev.c */
} settings[S_N] = {
	[S_BLOCK] = { DSLITE_A_INST_BLOCK_SIZE, "port-block-size", 512 },
	[S_PORT_LO] = { DSLITE_A_INST_PORT_LO, "port-range", 1024 },
	[S_PORT_HI] = { DSLITE_A_INST_PORT_HI, "port-range", 65535 },
	[S_MAX_BLOCKS] = { DSLITE_A_INST_MAX_BLOCKS, "max-blocks-per-user", 4 },
	[S_MAX_SESS_USER] = { DSLITE_A_INST_MAX_SESS_USER,
			      "max-sessions-per-user", 2048 },
	[S_MAX_SESS] = { DSLITE_A_INST_MAX_SESS, "max-sessions", 1000000 },
	[S_FILTERING] = { DSLITE_A_INST_FILTERING, "filtering", 0 },
	[S_HOLDDOWN] = { DSLITE_A_INST_HOLDDOWN, "hold-down", 120 },
	[S_MSS] = { DSLITE_A_INST_MSS, "mss", 0 },
	[S_MTU] = { DSLITE_A_INST_MTU, "mtu", 1500 },
	[S_TO_UDP] = { DSLITE_A_INST_TO_UDP, "udp", 300 },
	[S_TO_TCP_EST] = { DSLITE_A_INST_TO_TCP_EST, "tcp-est", 7440 },
	[S_TO_TCP_TRANS] = { DSLITE_A_INST_TO_TCP_TRANS, "tcp-trans", 240 },
	[S_TO_ICMP] = { DSLITE_A_INST_TO_ICMP, "icmp", 60 },
	[S_TO_TCP_SYN] = { DSLITE_A_INST_TO_TCP_SYN, "tcp-syn", 6 },
};

#define S_FIRST_TIMEOUT S_TO_UDP

enum { AUTH_NONE, AUTH_KEY, AUTH_KEY_KEPT };

struct c_sl {
	uint32_t id;
	char ifname[IFNAMSIZ_];
	int peer_len;
	uint8_t peer[16];
	uint32_t port;
	int auth;		/* AUTH_KEY: key known; _KEPT: one is set, not read */
	char key[80];
	int key_len;
	uint32_t vrid;		/* 0: no vrrp */
	char vrrp_if[IFNAMSIZ_];
	bool has_aftr;
	struct in6_addr aftr;
	int line;
};

struct c_sig {
	char name[32];
	int n;
	uint32_t sl[SIG_MEMBERS_MAX], weight[SIG_MEMBERS_MAX];
	int line;
};

struct c_inst {
	char name[16];
	uint32_t id;
	bool has_aftr;
	struct in6_addr aftr;
	char sig[32];		/* "": none */
	uint32_t v[S_N];
	int line;
};

struct c_pool {
	char inst[16];
	uint32_t addr;		/* network order */
	uint8_t plen;
	uint32_t sl;		/* 0: none */
	int line;
};

struct conf {
	bool hot_backup;
	int n_sl, n_sig, n_inst, n_pool;
	struct c_sl *sl;
	struct c_sig *sig;
	struct c_inst *inst;
	struct c_pool *pool;
};

static void conf_free(struct conf *c)
{
	if (c->sl)
		explicit_bzero(c->sl, sizeof(*c->sl) * c->n_sl);
	free(c->sl);
	free(c->sig);
	free(c->inst);
	free(c->pool);
	memset(c, 0, sizeof(*c));
}

/* one more zeroed element at the end of *@arr (of @n, @size each) */
static void *grow(void *arr_p, int *n, size_t size)
{
	void **arr = arr_p;
	char *p = realloc(*arr, size * (*n + 1));

	if (!p) {
		fprintf(stderr, "Error: out of memory\n");
		exit(EXIT_KERNEL);
	}
	*arr = p;
	memset(p + size * *n, 0, size);
	return p + size * (*n)++;
}

static struct c_sl *find_sl(const struct conf *c, uint32_t id)
{
	int i;

	for (i = 0; i < c->n_sl; i++)
		if (c->sl[i].id == id)
			return &c->sl[i];
	return NULL;
}

static struct c_sig *find_sig(const struct conf *c, const char *name)
{
	int i;

	for (i = 0; i < c->n_sig; i++)
		if (!strcmp(c->sig[i].name, name))
			return &c->sig[i];
	return NULL;
}

static struct c_inst *find_inst(const struct conf *c, const char *name)
{
	int i;

	for (i = 0; i < c->n_inst; i++)
		if (!strcmp(c->inst[i].name, name))
			return &c->inst[i];
	return NULL;
}

static struct c_pool *find_pool(const struct conf *c, const char *inst,
				uint32_t addr, uint8_t plen)
{
	int i;

	for (i = 0; i < c->n_pool; i++)
		if (!strcmp(c->pool[i].inst, inst) && c->pool[i].addr == addr &&
		    c->pool[i].plen == plen)
			return &c->pool[i];
	return NULL;
}

static int setting_of_attr(uint16_t attr)
{
	int i;

	for (i = 0; i < S_N; i++)
		if (settings[i].attr == attr)
			return i;
	return -1;
}

/* ---- reading a file ---------------------------------------------------- */

struct where {
	const char *file;
	int line;
};

static int file_err(const struct where *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int file_err(const struct where *w, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "Error: %s:%d: ", w->file, w->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(".\n", stderr);
	return EXIT_USAGE;
}

static int copy_name(char *dst, size_t size, const char *src,
		     const struct where *w, const char *what)
{
	if (!*src || strlen(src) >= size)
		return file_err(w, "%s \"%s\" is empty or longer than %zu characters",
				what, src, size - 1);
	strcpy(dst, src);
	return EXIT_OK;
}

static int read_inst_opts(struct c_inst *in, const struct inst_args *a)
{
	int i, s;

	for (i = 0; i < a->n_opts; i++) {
		s = setting_of_attr(a->opts[i].attr);
		if (s >= 0)
			in->v[s] = a->opts[i].val;
	}
	if (a->sig)
		snprintf(in->sig, sizeof(in->sig), "%s", a->sig);
	return EXIT_OK;
}

static int read_instance(struct conf *c, int argc, char **argv,
			 const struct where *w)
{
	struct inst_args a;
	struct c_inst *in;
	int i, ret;

	if (argc >= 1 && matches(argv[0], "add")) {
		ret = instance_parse_add(argc - 1, argv + 1, &a);
		if (ret)
			return file_err(w, "bad instance add");
		if (find_inst(c, a.name))
			return file_err(w, "instance %s is added twice", a.name);
		for (i = 0; i < c->n_inst; i++)
			if (c->inst[i].id == a.id)
				return file_err(w, "instance id %u is used twice", a.id);
		in = grow(&c->inst, &c->n_inst, sizeof(*in));
		ret = copy_name(in->name, sizeof(in->name), a.name, w, "instance");
		if (ret)
			return ret;
		in->id = a.id;
		in->has_aftr = a.has_aftr;
		in->aftr = a.aftr;
		in->line = w->line;
		for (i = 0; i < S_N; i++)
			in->v[i] = settings[i].def;
		return read_inst_opts(in, &a);
	}
	if (argc >= 1 && matches(argv[0], "set")) {
		ret = instance_parse_set(argc - 1, argv + 1, &a);
		if (ret)
			return file_err(w, "bad instance set");
		in = find_inst(c, a.name);
		if (!in)
			return file_err(w, "instance set %s before its instance add",
					a.name);
		return read_inst_opts(in, &a);
	}
	return file_err(w, "only \"instance add\" and \"instance set\" describe a configuration");
}

static int read_timeout(struct conf *c, int argc, char **argv,
			const struct where *w)
{
	struct inst_args a;
	struct c_inst *in;

	if (argc < 1 || !matches(argv[0], "set"))
		return file_err(w, "only \"timeout set\" describes a configuration");
	if (timeout_parse_set(argc - 1, argv + 1, &a))
		return file_err(w, "bad timeout set");
	in = find_inst(c, a.name);
	if (!in)
		return file_err(w, "timeout set %s before its instance add", a.name);
	return read_inst_opts(in, &a);
}

static int read_pool(struct conf *c, int argc, char **argv,
		     const struct where *w)
{
	struct c_pool *p;
	struct in_addr addr;
	uint8_t plen;
	uint32_t sl = 0;

	if (argc < 1 || !matches(argv[0], "add"))
		return file_err(w, "only \"pool add\" describes a configuration");
	argc--, argv++;
	if (argc == 4 && !strcmp(argv[2], "service-location")) {
		if (parse_u32(argv[3], 1, UINT32_MAX, &sl))
			return file_err(w, "pool: service-location \"%s\" is not a number",
					argv[3]);
		argc = 2;
	}
	if (argc != 2)
		return file_err(w, "pool add INSTANCE PREFIX [ service-location ID ]");
	if (parse_prefix4(argv[1], &addr, &plen))
		return file_err(w, "pool: \"%s\" is not an IPv4 prefix A.B.C.D/LEN without host bits",
				argv[1]);
	if (!find_inst(c, argv[0]))
		return file_err(w, "pool add %s before its instance add", argv[0]);
	if (find_pool(c, argv[0], addr.s_addr, plen))
		return file_err(w, "pool %s of %s is added twice", argv[1], argv[0]);
	if (sl && !find_sl(c, sl))
		return file_err(w, "pool %s: service-location %u is not in the file",
				argv[1], sl);
	p = grow(&c->pool, &c->n_pool, sizeof(*p));
	snprintf(p->inst, sizeof(p->inst), "%s", argv[0]);
	p->addr = addr.s_addr;
	p->plen = plen;
	p->sl = sl;
	p->line = w->line;
	return EXIT_OK;
}

static int read_sl(struct conf *c, int argc, char **argv,
		   const struct where *w)
{
	struct sl_args a;
	struct c_sl *s;
	int ret;

	if (argc < 1 || !matches(argv[0], "add"))
		return file_err(w, "only \"service-location add\" describes a configuration (roles are keepalived's)");
	if (sl_parse_add(argc - 1, argv + 1, &a))
		return file_err(w, "bad service-location add");
	if (find_sl(c, a.id))
		return file_err(w, "service-location %u is added twice", a.id);
	if (a.key && !a.hmac)
		return file_err(w, "service-location %u: authentication-key needs hash-algorithm hmac-sha256",
				a.id);
	if (!a.hmac && !a.auth_none)
		return file_err(w, "service-location %u needs authentication-key KEY hash-algorithm hmac-sha256, or \"authentication none\"",
				a.id);
	if (!!a.vrrp_if != !!a.vrid)
		return file_err(w, "service-location %u: vrrp needs a vrid", a.id);
	s = grow(&c->sl, &c->n_sl, sizeof(*s));
	s->id = a.id;
	ret = copy_name(s->ifname, sizeof(s->ifname), a.ifname, w, "interface");
	if (ret)
		return ret;
	s->peer_len = a.peer_len;
	memcpy(s->peer, a.peer, sizeof(s->peer));
	s->port = a.port ? a.port : SYNC_PORT_DEFAULT;
	s->auth = a.auth_none ? AUTH_NONE : a.key ? AUTH_KEY : AUTH_KEY_KEPT;
	if (a.key) {
		if (strlen(a.key) >= sizeof(s->key))
			return file_err(w, "service-location %u: the key is too long", a.id);
		strcpy(s->key, a.key);
		s->key_len = strlen(a.key);
	}
	s->vrid = a.vrid;
	if (a.vrrp_if) {
		ret = copy_name(s->vrrp_if, sizeof(s->vrrp_if), a.vrrp_if, w,
				"vrrp interface");
		if (ret)
			return ret;
	}
	s->has_aftr = a.has_aftr;
	s->aftr = a.aftr;
	s->line = w->line;
	return EXIT_OK;
}

static int read_sig(struct conf *c, int argc, char **argv,
		    const struct where *w)
{
	struct c_sig *g;
	uint32_t id, wt;
	int i, ret;

	if (argc < 1 || !matches(argv[0], "add"))
		return file_err(w, "only \"service-instance-group add\" describes a configuration");
	if (argc < 4)
		return file_err(w, "service-instance-group add NAME service-location ID [ weight W ] ...");
	if (find_sig(c, argv[1]))
		return file_err(w, "service-instance-group %s is added twice", argv[1]);
	g = grow(&c->sig, &c->n_sig, sizeof(*g));
	ret = copy_name(g->name, sizeof(g->name), argv[1], w,
			"service-instance-group");
	if (ret)
		return ret;
	g->line = w->line;
	argc -= 2, argv += 2;
	while (argc > 0) {
		if (strcmp(argv[0], "service-location") || argc < 2 ||
		    parse_u32(argv[1], 1, UINT32_MAX, &id))
			return file_err(w, "expected \"service-location ID\" at \"%s\"",
					argv[0]);
		wt = 1;
		argc -= 2, argv += 2;
		if (argc >= 2 && !strcmp(argv[0], "weight")) {
			if (parse_u32(argv[1], 0, UINT32_MAX, &wt))
				return file_err(w, "weight \"%s\" is not a number", argv[1]);
			argc -= 2, argv += 2;
		}
		if (!find_sl(c, id))
			return file_err(w, "group %s: service-location %u is not in the file (or comes later)",
					g->name, id);
		for (i = 0; i < g->n; i++)
			if (g->sl[i] == id)
				return file_err(w, "group %s lists service-location %u twice",
						g->name, id);
		if (g->n >= SIG_MEMBERS_MAX)
			return file_err(w, "at most %d service-locations in a group",
					SIG_MEMBERS_MAX);
		g->sl[g->n] = id;
		g->weight[g->n++] = wt;
	}
	return EXIT_OK;
}

static int read_line(struct conf *c, int argc, char **argv,
		     const struct where *w)
{
	if (matches(argv[0], "instance"))
		return read_instance(c, argc - 1, argv + 1, w);
	if (matches(argv[0], "timeout"))
		return read_timeout(c, argc - 1, argv + 1, w);
	if (matches(argv[0], "pool"))
		return read_pool(c, argc - 1, argv + 1, w);
	if (matches(argv[0], "service-location"))
		return read_sl(c, argc - 1, argv + 1, w);
	if (matches(argv[0], "service-instance-group"))
		return read_sig(c, argc - 1, argv + 1, w);
	if (matches(argv[0], "ha")) {
		if (argc != 4 || !matches(argv[1], "set") ||
		    strcmp(argv[2], "hot-backup") ||
		    (strcmp(argv[3], "on") && strcmp(argv[3], "off")))
			return file_err(w, "ha set hot-backup { on | off }");
		c->hot_backup = !strcmp(argv[3], "on");
		return EXIT_OK;
	}
	return file_err(w, "\"%s\" does not describe a configuration (only ha, service-location, service-instance-group, instance, timeout and pool add/set lines)",
			argv[0]);
}

/* the whole file, checked as far as the file alone can tell */
static int read_file(const char *file, struct conf *c)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	struct where w = { .file = file };
	char *line = NULL, *argv[64];
	size_t cap = 0;
	int argc, ret = EXIT_OK, i;

	if (!f) {
		fprintf(stderr, "Error: cannot open \"%s\": %s\n", file,
			strerror(errno));
		return EXIT_USAGE;
	}
	while (ret == EXIT_OK && getline(&line, &cap, f) > 0) {
		w.line++;
		argc = split_words(line, argv, 64);
		if (argc < 0)
			ret = file_err(&w, "cannot split the line");
		else if (argc > 0)
			ret = read_line(c, argc, argv, &w);
	}
	if (line)
		explicit_bzero(line, cap);
	free(line);
	if (f != stdin)
		fclose(f);
	for (i = 0; ret == EXIT_OK && i < c->n_inst; i++) {
		w.line = c->inst[i].line;
		if (*c->inst[i].sig && !find_sig(c, c->inst[i].sig))
			ret = file_err(&w, "instance %s: service-instance-group %s is not in the file",
				       c->inst[i].name, c->inst[i].sig);
	}
	return ret;
}

/* ---- reading the kernel ------------------------------------------------ */

static void attr_str(char *dst, size_t size, const struct nlattr *a)
{
	snprintf(dst, size, "%s", a ? mnl_attr_get_str(a) : "");
}

static int ha_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DSLITE_A_MAX + 1];
	struct conf *c = data;

	nl_parse(nlh, tb);
	c->hot_backup = nl_u8(tb[DSLITE_A_HA_ENABLED]);
	return MNL_CB_OK;
}

static int sl_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DSLITE_A_MAX + 1];
	struct conf *c = data;
	struct c_sl *s;
	int len;

	nl_parse(nlh, tb);
	if (!tb[DSLITE_A_SL_ID] || !tb[DSLITE_A_SL_PEER])
		return MNL_CB_OK;
	s = grow(&c->sl, &c->n_sl, sizeof(*s));
	s->id = mnl_attr_get_u32(tb[DSLITE_A_SL_ID]);
	attr_str(s->ifname, sizeof(s->ifname), tb[DSLITE_A_SL_IFNAME]);
	len = mnl_attr_get_payload_len(tb[DSLITE_A_SL_PEER]);
	s->peer_len = len == 16 ? 16 : 4;
	memcpy(s->peer, mnl_attr_get_payload(tb[DSLITE_A_SL_PEER]),
	       s->peer_len);
	s->port = nl_u16(tb[DSLITE_A_SL_PORT]);
	s->auth = tb[DSLITE_A_SL_HAS_KEY] ? AUTH_KEY_KEPT : AUTH_NONE;
	if (tb[DSLITE_A_SL_VRID]) {
		s->vrid = mnl_attr_get_u8(tb[DSLITE_A_SL_VRID]);
		attr_str(s->vrrp_if, sizeof(s->vrrp_if),
			 tb[DSLITE_A_SL_VRRP_IF]);
	}
	if (tb[DSLITE_A_SL_AFTR] &&
	    mnl_attr_get_payload_len(tb[DSLITE_A_SL_AFTR]) == 16) {
		s->has_aftr = true;
		memcpy(&s->aftr, mnl_attr_get_payload(tb[DSLITE_A_SL_AFTR]), 16);
	}
	return MNL_CB_OK;
}

static int sig_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DSLITE_A_MAX + 1];
	const struct nlattr *a, *b;
	struct conf *c = data;
	struct c_sig *g;

	nl_parse(nlh, tb);
	if (!tb[DSLITE_A_SIG_NAME])
		return MNL_CB_OK;
	g = grow(&c->sig, &c->n_sig, sizeof(*g));
	attr_str(g->name, sizeof(g->name), tb[DSLITE_A_SIG_NAME]);
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) != DSLITE_A_SIG_MEMBER ||
		    g->n >= SIG_MEMBERS_MAX)
			continue;
		g->weight[g->n] = 1;
		mnl_attr_for_each_nested(b, a) {
			if (mnl_attr_get_type(b) == DSLITE_A_SL_ID)
				g->sl[g->n] = mnl_attr_get_u32(b);
			else if (mnl_attr_get_type(b) == DSLITE_A_SIG_WEIGHT)
				g->weight[g->n] = mnl_attr_get_u32(b);
		}
		g->n++;
	}
	return MNL_CB_OK;
}

static int inst_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DSLITE_A_MAX + 1];
	struct conf *c = data;
	struct c_inst *in;
	int i;

	nl_parse(nlh, tb);
	if (!tb[DSLITE_A_INST_NAME] || !tb[DSLITE_A_INST_ID])
		return MNL_CB_OK;
	in = grow(&c->inst, &c->n_inst, sizeof(*in));
	attr_str(in->name, sizeof(in->name), tb[DSLITE_A_INST_NAME]);
	in->id = mnl_attr_get_u32(tb[DSLITE_A_INST_ID]);
	if (tb[DSLITE_A_INST_AFTR] &&
	    mnl_attr_get_payload_len(tb[DSLITE_A_INST_AFTR]) == 16) {
		in->has_aftr = true;
		memcpy(&in->aftr, mnl_attr_get_payload(tb[DSLITE_A_INST_AFTR]), 16);
	}
	attr_str(in->sig, sizeof(in->sig), tb[DSLITE_A_INST_SIG]);
	for (i = 0; i < S_N; i++) {
		const struct nlattr *a = tb[settings[i].attr];

		if (!a)
			in->v[i] = settings[i].def;
		else if (settings[i].attr == DSLITE_A_INST_FILTERING)
			in->v[i] = mnl_attr_get_u8(a);
		else
			in->v[i] = mnl_attr_get_u32(a);
	}
	return MNL_CB_OK;
}

static int pool_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DSLITE_A_MAX + 1];
	struct conf *c = data;
	struct c_pool *p;

	nl_parse(nlh, tb);
	if (!tb[DSLITE_A_INST_NAME] || !tb[DSLITE_A_POOL_ADDR] ||
	    !tb[DSLITE_A_POOL_PLEN])
		return MNL_CB_OK;
	p = grow(&c->pool, &c->n_pool, sizeof(*p));
	attr_str(p->inst, sizeof(p->inst), tb[DSLITE_A_INST_NAME]);
	p->addr = mnl_attr_get_u32(tb[DSLITE_A_POOL_ADDR]);
	p->plen = mnl_attr_get_u8(tb[DSLITE_A_POOL_PLEN]);
	p->sl = nl_u32(tb[DSLITE_A_POOL_SL]);
	return MNL_CB_OK;
}

static int read_kernel(struct conf *c)
{
	static const struct {
		uint8_t cmd;
		bool dump;
		mnl_cb_t cb;
	} reqs[] = {
		{ DSLITE_CMD_HA_GET, false, ha_cb },
		{ DSLITE_CMD_SL_GET, true, sl_cb },
		{ DSLITE_CMD_SIG_GET, true, sig_cb },
		{ DSLITE_CMD_INSTANCE_GET, true, inst_cb },
		{ DSLITE_CMD_POOL_GET, true, pool_cb },
	};
	struct nlmsghdr *nlh;
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		nlh = nl_begin(reqs[i].cmd,
			       NLM_F_ACK | (reqs[i].dump ? NLM_F_DUMP : 0));
		if (!nlh)
			return EXIT_KERNEL;
		ret = nl_talk(nlh, reqs[i].cb, c);
		if (ret)
			return ret;
	}
	return EXIT_OK;
}

static int key_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DSLITE_A_MAX + 1];
	struct c_sl *s = data;
	int len;

	nl_parse(nlh, tb);
	if (!tb[DSLITE_A_SL_KEY])
		return MNL_CB_OK;
	len = mnl_attr_get_payload_len(tb[DSLITE_A_SL_KEY]);
	if (len <= 0 || len >= (int)sizeof(s->key))
		return MNL_CB_OK;
	memcpy(s->key, mnl_attr_get_payload(tb[DSLITE_A_SL_KEY]), len);
	s->key[len] = '\0';
	s->key_len = len;
	s->auth = AUTH_KEY;
	return MNL_CB_OK;
}

/*
 * The keys of @c's keyed SLs, each by its own SL_GET doit with
 * SL_WITH_KEY (the kernel never puts a key in a dump).
 */
static int read_keys(struct conf *c)
{
	struct nlmsghdr *nlh;
	int i, ret;

	for (i = 0; i < c->n_sl; i++) {
		if (c->sl[i].auth != AUTH_KEY_KEPT)
			continue;
		nlh = nl_begin(DSLITE_CMD_SL_GET, NLM_F_ACK);
		if (!nlh)
			return EXIT_KERNEL;
		mnl_attr_put_u32(nlh, DSLITE_A_SL_ID, c->sl[i].id);
		mnl_attr_put(nlh, DSLITE_A_SL_WITH_KEY, 0, NULL);
		ret = nl_talk(nlh, key_cb, &c->sl[i]);
		if (ret)
			return ret;
		if (c->sl[i].auth != AUTH_KEY) {
			fprintf(stderr, "Error: service-location %u: the kernel did not return its key\n",
				c->sl[i].id);
			return EXIT_KERNEL;
		}
	}
	return EXIT_OK;
}

/*
 * A key as one word of a batch line: as it is when it is plain, in
 * quotes when it has blanks or starts like a comment or a quote.
 * Returns NULL for a key no line can carry (bytes that are not
 * printable ASCII: the CLI can never have set it, only raw netlink).
 */
static const char *key_word(const struct c_sl *s, char *buf, size_t size)
{
	bool blank = false;
	int i;

	for (i = 0; i < s->key_len; i++) {
		unsigned char ch = s->key[i];

		if (ch < 0x20 || ch > 0x7e)
			return NULL;
		if (ch == ' ')
			blank = true;
	}
	if (!blank && s->key[0] != '#' && s->key[0] != '"' && s->key[0] != '\'')
		return s->key;
	if (!strchr(s->key, '"'))
		snprintf(buf, size, "\"%s\"", s->key);
	else if (!strchr(s->key, '\''))
		snprintf(buf, size, "'%s'", s->key);
	else
		return NULL;
	return buf;
}

/* ---- writing ----------------------------------------------------------- */

static const char *ip6(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static const char *peer_str(const struct c_sl *s, char *buf)
{
	return inet_ntop(s->peer_len == 16 ? AF_INET6 : AF_INET, s->peer, buf,
			 INET6_ADDRSTRLEN);
}

static const char *prefix_str(uint32_t addr, uint8_t plen, char *buf)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	sprintf(buf, "%s/%u", a, plen);
	return buf;
}

static const char *setting_val(int s, uint32_t v, char *buf)
{
	if (s == S_FILTERING)
		return filtering_name(v);
	sprintf(buf, "%u", v);
	return buf;
}

/* @s; its key only when read (save --with-keys: AUTH_KEY) */
static void print_sl(FILE *f, const struct c_sl *s)
{
	char b[INET6_ADDRSTRLEN], kb[sizeof(s->key) + 2];

	fprintf(f, "service-location add %u remote-backup interface %s peer %s port %u",
		s->id, s->ifname, peer_str(s, b), s->port);
	if (s->auth == AUTH_NONE)
		fputs(" authentication none", f);
	else if (s->auth == AUTH_KEY)
		fprintf(f, " authentication-key %s hash-algorithm hmac-sha256",
			key_word(s, kb, sizeof(kb)));
	else
		fputs(" hash-algorithm hmac-sha256", f);
	if (s->vrid)
		fprintf(f, " vrrp vrid %u interface %s", s->vrid, s->vrrp_if);
	if (s->has_aftr)
		fprintf(f, " aftr %s", ip6(&s->aftr, b));
	fputc('\n', f);
}

static void print_sig(FILE *f, const struct c_sig *g)
{
	int i;

	fprintf(f, "service-instance-group add %s", g->name);
	for (i = 0; i < g->n; i++)
		fprintf(f, " service-location %u weight %u", g->sl[i],
			g->weight[i]);
	fputc('\n', f);
}

static void print_inst(FILE *f, const struct c_inst *in)
{
	char b[INET6_ADDRSTRLEN];
	int s;

	fprintf(f, "instance add %s id %u", in->name, in->id);
	if (in->has_aftr)
		fprintf(f, " aftr %s", ip6(&in->aftr, b));
	for (s = 0; s < S_FIRST_TIMEOUT; s++) {
		if (s == S_PORT_LO)
			fprintf(f, " port-range %u-%u", in->v[S_PORT_LO],
				in->v[S_PORT_HI]);
		else if (s != S_PORT_HI)
			fprintf(f, " %s %s", settings[s].kw,
				setting_val(s, in->v[s], b));
	}
	if (*in->sig)
		fprintf(f, " service-instance-group %s", in->sig);
	fprintf(f, "\ntimeout set %s", in->name);
	for (s = S_FIRST_TIMEOUT; s < S_N; s++)
		fprintf(f, " %s %u", settings[s].kw, in->v[s]);
	fputc('\n', f);
}

static void print_pool(FILE *f, const struct c_pool *p)
{
	char b[INET_ADDRSTRLEN + 4];

	fprintf(f, "pool add %s %s", p->inst, prefix_str(p->addr, p->plen, b));
	if (p->sl)
		fprintf(f, " service-location %u", p->sl);
	fputc('\n', f);
}

/*
 * The configuration in dependency order: what a line names exists by the
 * time -b reaches it. No date: saving an unchanged configuration twice
 * gives the same bytes.
 */
static void print_conf(FILE *f, const struct conf *c)
{
	int i;

	fprintf(f, "# dslitectl save (dslite %s, uapi %d): replay with \"dslitectl -b FILE\"\n"
		"# (an empty namespace) or \"dslitectl apply FILE\". Roles are not saved:\n"
		"# keepalived sets them; a new service-location starts in init.\n",
		DSLITE_VERSION, DSLITE_GENL_VERSION);
	fprintf(f, "ha set hot-backup %s\n", c->hot_backup ? "on" : "off");
	if (c->n_sl)
		fputc('\n', f);
	for (i = 0; i < c->n_sl; i++) {
		if (c->sl[i].auth == AUTH_KEY_KEPT)
			fprintf(f, "# service-location %u: authentication-key omitted (save --with-keys\n"
				"# writes it): -b refuses this line until \"authentication-key KEY\"\n"
				"# is put back; apply keeps the running key.\n",
				c->sl[i].id);
		print_sl(f, &c->sl[i]);
	}
	if (c->n_sig)
		fputc('\n', f);
	for (i = 0; i < c->n_sig; i++)
		print_sig(f, &c->sig[i]);
	for (i = 0; i < c->n_inst; i++) {
		fputc('\n', f);
		print_inst(f, &c->inst[i]);
	}
	if (c->n_pool)
		fputc('\n', f);
	for (i = 0; i < c->n_pool; i++)
		print_pool(f, &c->pool[i]);
}

/*
 * Write @c to @path: a temporary file in the same directory (mkstemp:
 * mode 0600, whatever the umask), then renamed over @path, so a reader
 * never sees half a file and the mode never depends on the umask.
 */
static int save_to(const char *path, const struct conf *c)
{
	char *dup = strdup(path), *tmp = NULL;
	int fd = -1, ret = EXIT_USAGE;
	FILE *f = NULL;

	if (!dup || asprintf(&tmp, "%s/.%s.XXXXXX", dirname(dup),
			     basename((char *)path)) < 0) {
		tmp = NULL;
		fprintf(stderr, "Error: out of memory\n");
		goto out;
	}
	fd = mkstemp(tmp);
	if (fd < 0 || fchmod(fd, 0600)) {
		fprintf(stderr, "Error: cannot create a file next to \"%s\": %s\n",
			path, strerror(errno));
		goto out;
	}
	f = fdopen(fd, "w");
	if (!f) {
		fprintf(stderr, "Error: %s\n", strerror(errno));
		goto out;
	}
	fd = -1;
	print_conf(f, c);
	if (fflush(f) || fsync(fileno(f)) || ferror(f)) {
		fprintf(stderr, "Error: cannot write \"%s\": %s\n", tmp,
			strerror(errno));
		goto out;
	}
	if (fclose(f)) {
		f = NULL;
		fprintf(stderr, "Error: cannot write \"%s\": %s\n", tmp,
			strerror(errno));
		goto out;
	}
	f = NULL;
	if (rename(tmp, path)) {
		fprintf(stderr, "Error: cannot rename \"%s\" to \"%s\": %s\n",
			tmp, path, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	ret = EXIT_OK;
out:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (tmp)
		unlink(tmp);
	free(tmp);
	free(dup);
	return ret;
}

int do_save(int argc, char **argv)
{
	struct conf c = { 0 };
	const char *path = NULL;
	bool with_keys = false;
	int ret, i;

	for (; argc > 0; argc--, argv++) {
		if (is_help(argv[0])) {
			save_help(stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[0], "--with-keys") ||
			   !strcmp(argv[0], "with-keys")) {
			with_keys = true;
		} else if (!strcmp(argv[0], "file") && argc >= 2) {
			path = argv[1];
			argc--, argv++;
		} else {
			return usage_err("save: unknown argument \"%s\" (save [ --with-keys ] [ file PATH ])",
					 argv[0]);
		}
	}
	ret = read_kernel(&c);
	if (ret)
		goto out;
	if (with_keys) {
		ret = read_keys(&c);
		if (ret)
			goto out;
		for (i = 0; i < c.n_sl; i++) {
			char kb[sizeof(c.sl[i].key) + 2];

			if (c.sl[i].auth != AUTH_KEY ||
			    key_word(&c.sl[i], kb, sizeof(kb)))
				continue;
			fprintf(stderr,
				"Error: save --with-keys: service-location %u's key has bytes no batch line can carry (not printable ASCII, or both kinds of quote): it was not set by dslitectl; set a printable one\n",
				c.sl[i].id);
			ret = EXIT_USAGE;
		}
		if (ret)
			goto out;
	}
	if (path)
		ret = save_to(path, &c);
	else
		print_conf(stdout, &c);
out:
	conf_free(&c);
	return ret;
}

/* ---- apply: the commands between two configurations -------------------- */

#define CMD_WORDS 64

struct cmd {
	int argc;
	char *argv[CMD_WORDS];
	bool secret;		/* argv holds a key: dry-run hides it */
};

struct plan {
	int n_cmd, n_refused;
	struct cmd *cmd;
};

static void cmd_word(struct cmd *k, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void cmd_word(struct cmd *k, const char *fmt, ...)
{
	va_list ap;
	char *w;

	va_start(ap, fmt);
	if (vasprintf(&w, fmt, ap) < 0 || k->argc >= CMD_WORDS) {
		fprintf(stderr, "Error: out of memory\n");
		exit(EXIT_KERNEL);
	}
	va_end(ap);
	k->argv[k->argc++] = w;
}

/* a command from words separated by blanks (none of them has one) */
static struct cmd *cmd_new(struct plan *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static struct cmd *cmd_new(struct plan *p, const char *fmt, ...)
{
	struct cmd *k = grow(&p->cmd, &p->n_cmd, sizeof(*k));
	char *line, *save = NULL, *w;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0) {
		fprintf(stderr, "Error: out of memory\n");
		exit(EXIT_KERNEL);
	}
	va_end(ap);
	for (w = strtok_r(line, " ", &save); w; w = strtok_r(NULL, " ", &save))
		cmd_word(k, "%s", w);
	free(line);
	return k;
}

static void plan_free(struct plan *p)
{
	int i, j;

	for (i = 0; i < p->n_cmd; i++)
		for (j = 0; j < p->cmd[i].argc; j++) {
			explicit_bzero(p->cmd[i].argv[j], strlen(p->cmd[i].argv[j]));
			free(p->cmd[i].argv[j]);
		}
	free(p->cmd);
	memset(p, 0, sizeof(*p));
}

static void refuse(struct plan *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void refuse(struct plan *p, const char *fmt, ...)
{
	va_list ap;

	fputs("Error: apply: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(".\n", stderr);
	p->n_refused++;
}

static void sl_cmd_add(struct plan *p, const struct c_sl *s)
{
	char b[INET6_ADDRSTRLEN];
	struct cmd *k;

	k = cmd_new(p, "service-location add %u remote-backup interface %s peer %s port %u",
		    s->id, s->ifname, peer_str(s, b), s->port);
	if (s->auth == AUTH_NONE) {
		cmd_word(k, "authentication");
		cmd_word(k, "none");
	} else {
		cmd_word(k, "authentication-key");
		cmd_word(k, "%s", s->key);
		cmd_word(k, "hash-algorithm");
		cmd_word(k, "hmac-sha256");
		k->secret = true;
	}
	if (s->vrid) {
		cmd_word(k, "vrrp");
		cmd_word(k, "vrid");
		cmd_word(k, "%u", s->vrid);
		cmd_word(k, "interface");
		cmd_word(k, "%s", s->vrrp_if);
	}
	if (s->has_aftr) {
		cmd_word(k, "aftr");
		cmd_word(k, "%s", ip6(&s->aftr, b));
	}
}

/*
 * The first setting of @run that @want does not have and that cannot
 * change in place, or NULL. The channel (interface, peer, port) and the
 * key can: sl_cmd_set.
 */
static const char *sl_differs(const struct c_sl *run, const struct c_sl *want)
{
	if ((run->auth == AUTH_NONE) != (want->auth == AUTH_NONE))
		return "authentication";
	if (run->vrid != want->vrid ||
	    (run->vrid && strcmp(run->vrrp_if, want->vrrp_if)))
		return "vrrp";
	if (run->has_aftr != want->has_aftr ||
	    (run->has_aftr && memcmp(&run->aftr, &want->aftr, 16)))
		return "aftr";
	return NULL;
}

/*
 * One "service-location set" for what of @want's channel and key differs
 * from @run: the channel moves in place and the key rotates hitlessly
 * (the kernel keeps the subscribers' state). A file without the key
 * (AUTH_KEY_KEPT) keeps the running one.
 */
static void sl_cmd_set(struct plan *p, const struct c_sl *run,
		       const struct c_sl *want)
{
	char b[INET6_ADDRSTRLEN];
	struct cmd *k = NULL;

	if (strcmp(run->ifname, want->ifname)) {
		k = cmd_new(p, "service-location set %u", want->id);
		cmd_word(k, "remote-backup");
		cmd_word(k, "interface");
		cmd_word(k, "%s", want->ifname);
	}
	if (run->peer_len != want->peer_len ||
	    memcmp(run->peer, want->peer, run->peer_len)) {
		if (!k)
			k = cmd_new(p, "service-location set %u", want->id);
		cmd_word(k, "peer");
		cmd_word(k, "%s", peer_str(want, b));
	}
	if (run->port != want->port) {
		if (!k)
			k = cmd_new(p, "service-location set %u", want->id);
		cmd_word(k, "port");
		cmd_word(k, "%u", want->port);
	}
	if (run->auth == AUTH_KEY && want->auth == AUTH_KEY &&
	    strcmp(run->key, want->key)) {
		if (!k)
			k = cmd_new(p, "service-location set %u", want->id);
		cmd_word(k, "authentication-key");
		cmd_word(k, "%s", want->key);
		cmd_word(k, "hash-algorithm");
		cmd_word(k, "hmac-sha256");
		k->secret = true;
	}
}

static bool sig_equal(const struct c_sig *a, const struct c_sig *b)
{
	int i, j;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++) {
		for (j = 0; j < b->n; j++)
			if (a->sl[i] == b->sl[j] && a->weight[i] == b->weight[j])
				break;
		if (j == b->n)
			return false;
	}
	return true;
}

static void inst_cmd_add(struct plan *p, const struct c_inst *in)
{
	char b[INET6_ADDRSTRLEN];
	struct cmd *k;
	int s;

	k = cmd_new(p, "instance add %s id %u", in->name, in->id);
	if (in->has_aftr) {
		cmd_word(k, "aftr");
		cmd_word(k, "%s", ip6(&in->aftr, b));
	}
	for (s = 0; s < S_FIRST_TIMEOUT; s++) {
		if (s == S_PORT_HI || (s != S_PORT_LO && in->v[s] == settings[s].def))
			continue;
		if (s == S_PORT_LO) {
			if (in->v[S_PORT_LO] == settings[S_PORT_LO].def &&
			    in->v[S_PORT_HI] == settings[S_PORT_HI].def)
				continue;
			cmd_word(k, "port-range");
			cmd_word(k, "%u-%u", in->v[S_PORT_LO], in->v[S_PORT_HI]);
			continue;
		}
		cmd_word(k, "%s", settings[s].kw);
		cmd_word(k, "%s", setting_val(s, in->v[s], b));
	}
	if (*in->sig) {
		cmd_word(k, "service-instance-group");
		cmd_word(k, "%s", in->sig);
	}
	k = NULL;
	for (s = S_FIRST_TIMEOUT; s < S_N; s++) {
		if (in->v[s] == settings[s].def)
			continue;
		if (!k)
			k = cmd_new(p, "timeout set %s", in->name);
		cmd_word(k, "%s", settings[s].kw);
		cmd_word(k, "%u", in->v[s]);
	}
}

/* instance set / timeout set for what differs between @run and @want */
static void inst_cmd_set(struct plan *p, const struct c_inst *run,
			 const struct c_inst *want)
{
	struct cmd *k = NULL;
	char b[16];
	int s;

	for (s = 0; s < S_FIRST_TIMEOUT; s++) {
		if (s == S_PORT_HI)
			continue;
		if (s == S_PORT_LO) {
			if (run->v[S_PORT_LO] == want->v[S_PORT_LO] &&
			    run->v[S_PORT_HI] == want->v[S_PORT_HI])
				continue;
		} else if (run->v[s] == want->v[s]) {
			continue;
		}
		if (!k)
			k = cmd_new(p, "instance set %s", want->name);
		cmd_word(k, "%s", settings[s].kw);
		if (s == S_PORT_LO)
			cmd_word(k, "%u-%u", want->v[S_PORT_LO], want->v[S_PORT_HI]);
		else
			cmd_word(k, "%s", setting_val(s, want->v[s], b));
	}
	if (strcmp(run->sig, want->sig)) {
		if (!k)
			k = cmd_new(p, "instance set %s", want->name);
		cmd_word(k, "service-instance-group");
		cmd_word(k, "%s", *want->sig ? want->sig : "none");
	}
	k = NULL;
	for (s = S_FIRST_TIMEOUT; s < S_N; s++) {
		if (run->v[s] == want->v[s])
			continue;
		if (!k)
			k = cmd_new(p, "timeout set %s", want->name);
		cmd_word(k, "%s", settings[s].kw);
		cmd_word(k, "%u", want->v[s]);
	}
}

/* does @name keep a pool through the apply (one in both)? */
static bool keeps_pool(const struct conf *run, const struct conf *want,
		       const char *name)
{
	int i;

	for (i = 0; i < run->n_pool; i++)
		if (!strcmp(run->pool[i].inst, name) &&
		    find_pool(want, name, run->pool[i].addr, run->pool[i].plen))
			return true;
	return false;
}

/*
 * The commands that make @run equal to @want, in an order where each
 * finds what it names: ha; SLs changed (channel, key) and new; new
 * groups; pools gone; instances gone; instances changed; instances new;
 * pools new; groups gone; SLs gone. Refusals are printed and counted; the caller sends nothing then.
 */
static void plan_apply(const struct conf *run, const struct conf *want,
		       struct plan *p)
{
	char b[INET6_ADDRSTRLEN + 4], b2[INET6_ADDRSTRLEN];
	const struct c_inst *ri, *wi;
	const struct c_pool *rp, *wp;
	const struct c_sig *rg;
	const struct c_sl *rs;
	const char *what;
	int i;

	/* everything that cannot change in place, before any command */
	for (i = 0; i < want->n_sl; i++) {
		rs = find_sl(run, want->sl[i].id);
		if (!rs && want->sl[i].auth == AUTH_KEY_KEPT)
			refuse(p, "service-location %u (line %d) has hash-algorithm hmac-sha256 and no authentication-key, and it does not run here: put its key back (files written by \"dslitectl save\" have none)",
			       want->sl[i].id, want->sl[i].line);
		if (!rs)
			continue;
		what = sl_differs(rs, &want->sl[i]);
		if (what)
			refuse(p, "service-location %u: its %s differs from the running one and only its role, channel (interface, peer, port) and key change at runtime; delete and add it yourself (the groups that list it first)",
			       rs->id, what);
	}
	for (i = 0; i < want->n_sig; i++) {
		rg = find_sig(run, want->sig[i].name);
		if (rg && !sig_equal(rg, &want->sig[i]))
			refuse(p, "service-instance-group %s: its service-locations or weights differ and a group cannot change in place; unbind its instances, delete it and add it again yourself",
			       rg->name);
	}
	for (i = 0; i < want->n_inst; i++) {
		wi = &want->inst[i];
		ri = find_inst(run, wi->name);
		if (!ri)
			continue;
		if (ri->id != wi->id)
			refuse(p, "instance %s: its id differs (running %u, file %u) and cannot change; delete and add the instance yourself (its sessions end)",
			       wi->name, ri->id, wi->id);
		if (ri->has_aftr != wi->has_aftr ||
		    (ri->has_aftr && memcmp(&ri->aftr, &wi->aftr, 16)))
			refuse(p, "instance %s: its aftr differs (running %s, file %s) and cannot change; delete and add the instance yourself (its sessions end)",
			       wi->name, ri->has_aftr ? ip6(&ri->aftr, b) : "none",
			       wi->has_aftr ? ip6(&wi->aftr, b2) : "none");
		if ((ri->v[S_BLOCK] != wi->v[S_BLOCK] ||
		     ri->v[S_PORT_LO] != wi->v[S_PORT_LO] ||
		     ri->v[S_PORT_HI] != wi->v[S_PORT_HI]) &&
		    keeps_pool(run, want, wi->name))
			refuse(p, "instance %s: port-block-size or port-range differs and cannot change while it keeps a pool; delete its pools (their sessions end) or the instance yourself",
			       wi->name);
	}
	for (i = 0; i < want->n_pool; i++) {
		wp = &want->pool[i];
		rp = find_pool(run, wp->inst, wp->addr, wp->plen);
		if (rp && rp->sl != wp->sl)
			refuse(p, "pool %s of %s: its service-location differs (running %u, file %u) and a pool cannot change in place; delete and add it yourself (its sessions end)",
			       prefix_str(wp->addr, wp->plen, b), wp->inst, rp->sl,
			       wp->sl);
	}
	if (p->n_refused)
		return;

	if (run->hot_backup != want->hot_backup)
		cmd_new(p, "ha set hot-backup %s", want->hot_backup ? "on" : "off");
	for (i = 0; i < want->n_sl; i++) {
		rs = find_sl(run, want->sl[i].id);
		if (rs)
			sl_cmd_set(p, rs, &want->sl[i]);
		else
			sl_cmd_add(p, &want->sl[i]);
	}
	for (i = 0; i < want->n_sig; i++) {
		const struct c_sig *g = &want->sig[i];
		struct cmd *k;
		int m;

		if (find_sig(run, g->name))
			continue;
		k = cmd_new(p, "service-instance-group add %s", g->name);
		for (m = 0; m < g->n; m++) {
			cmd_word(k, "service-location");
			cmd_word(k, "%u", g->sl[m]);
			cmd_word(k, "weight");
			cmd_word(k, "%u", g->weight[m]);
		}
	}
	for (i = 0; i < run->n_pool; i++) {
		rp = &run->pool[i];
		if (find_pool(want, rp->inst, rp->addr, rp->plen) ||
		    !find_inst(want, rp->inst))
			continue;	/* kept, or goes with its instance */
		cmd_new(p, "pool del %s %s", rp->inst,
			prefix_str(rp->addr, rp->plen, b));
	}
	for (i = 0; i < run->n_inst; i++)
		if (!find_inst(want, run->inst[i].name))
			cmd_new(p, "instance del %s", run->inst[i].name);
	for (i = 0; i < want->n_inst; i++) {
		ri = find_inst(run, want->inst[i].name);
		if (ri)
			inst_cmd_set(p, ri, &want->inst[i]);
	}
	for (i = 0; i < want->n_inst; i++)
		if (!find_inst(run, want->inst[i].name))
			inst_cmd_add(p, &want->inst[i]);
	for (i = 0; i < want->n_pool; i++) {
		wp = &want->pool[i];
		if (find_pool(run, wp->inst, wp->addr, wp->plen))
			continue;
		if (wp->sl)
			cmd_new(p, "pool add %s %s service-location %u", wp->inst,
				prefix_str(wp->addr, wp->plen, b), wp->sl);
		else
			cmd_new(p, "pool add %s %s", wp->inst,
				prefix_str(wp->addr, wp->plen, b));
	}
	for (i = 0; i < run->n_sig; i++)
		if (!find_sig(want, run->sig[i].name))
			cmd_new(p, "service-instance-group del %s", run->sig[i].name);
	for (i = 0; i < run->n_sl; i++)
		if (!find_sl(want, run->sl[i].id))
			cmd_new(p, "service-location del %u", run->sl[i].id);
}

static void cmd_print(FILE *f, const struct cmd *k)
{
	int i;

	for (i = 0; i < k->argc; i++) {
		bool hide = k->secret && i > 0 &&
			    !strcmp(k->argv[i - 1], "authentication-key");

		fprintf(f, "%s%s", i ? " " : "", hide ? "KEY" : k->argv[i]);
	}
	fputc('\n', f);
}

/*
 * Run one planned command as -b would. On a copy of its argv: the runner
 * may put the full word of an abbreviation in place of one (a constant),
 * and the plan's own words are freed (and wiped) later.
 */
static int run_cmd(const struct cmd *k)
{
	char *argv[CMD_WORDS];

	if (!ctl_run)
		return EXIT_USAGE;
	memcpy(argv, k->argv, k->argc * sizeof(*argv));
	return ctl_run(k->argc, argv);
}

/*
 * One apply at a time per network namespace (two would plan from the same
 * running state and undo each other): a lock named by the namespace's
 * inode, held until exit. Waits up to 5 s for another apply to end.
 */
static int apply_lock(void)
{
	char path[64];
	struct stat st;
	int fd, i;

	/* -n NETNS is entered with the netlink socket: the lock is its own */
	i = nl_open();
	if (i)
		return i;
	if (stat("/proc/self/ns/net", &st))
		st.st_ino = 0;
	snprintf(path, sizeof(path), "/run/lock/dslite-apply.%lu.lock",
		 (unsigned long)st.st_ino);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return 0;	/* no /run/lock: go on unlocked */
	for (i = 0; i < 50; i++) {
		if (!flock(fd, LOCK_EX | LOCK_NB))
			return 0;
		usleep(100000);
	}
	fprintf(stderr, "apply: another apply in this namespace holds %s; nothing was changed\n",
		path);
	close(fd);
	return EXIT_KERNEL;
}

/*
 * A command failed after others were made: put the running configuration
 * back to @before (what was read before the first command), by a plan
 * from what runs now, as apply itself would. Says what came of it.
 */
static void apply_rollback(const struct conf *before)
{
	struct conf now = { 0 };
	struct plan back = { 0 };
	int i, ret;

	ret = read_kernel(&now);
	if (!ret)
		ret = read_keys(&now);
	if (ret) {
		fputs("apply: NOT rolled back: the running configuration could not be read\n",
		      stderr);
		goto out;
	}
	plan_apply(&now, before, &back);
	if (back.n_refused) {
		fputs("apply: NOT rolled back: the configuration before cannot be restored in place\n",
		      stderr);
		goto out;
	}
	for (i = 0; i < back.n_cmd; i++) {
		ret = run_cmd(&back.cmd[i]);
		if (ret) {
			fputs("apply: NOT rolled back: this command of the rollback failed: ",
			      stderr);
			cmd_print(stderr, &back.cmd[i]);
			goto out;
		}
	}
	fprintf(stderr, "apply: rolled back (%d command%s): the running configuration is as before\n",
		back.n_cmd, back.n_cmd == 1 ? "" : "s");
out:
	plan_free(&back);
	conf_free(&now);
}

int do_apply(int argc, char **argv)
{
	struct conf want = { 0 }, run = { 0 };
	struct plan p = { 0 };
	const char *file = NULL;
	bool dry = false;
	int ret, i;

	for (; argc > 0; argc--, argv++) {
		if (is_help(argv[0])) {
			apply_help(stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[0], "--dry-run") ||
			   (file && !strcmp(argv[0], "dry-run"))) {
			dry = true;
		} else if (!file) {
			file = argv[0];
		} else {
			return usage_err("apply: unknown argument \"%s\" (apply FILE [ dry-run ])",
					 argv[0]);
		}
	}
	if (!file)
		return usage_err("apply: FILE is missing (apply FILE [ dry-run ])");
	/* the file first: a bad one is refused before the kernel is asked */
	ret = read_file(file, &want);
	if (ret)
		goto out;
	if (!dry) {
		ret = apply_lock();
		if (ret)
			goto out;
	}
	ret = read_kernel(&run);
	if (!ret)
		ret = read_keys(&run);
	if (ret)
		goto out;
	plan_apply(&run, &want, &p);
	if (p.n_refused) {
		fprintf(stderr, "apply: %d refusal%s; nothing was changed\n",
			p.n_refused, p.n_refused > 1 ? "s" : "");
		ret = EXIT_USAGE;
		goto out;
	}
	for (i = 0; i < p.n_cmd; i++) {
		if (dry) {
			cmd_print(stdout, &p.cmd[i]);
			continue;
		}
		ret = run_cmd(&p.cmd[i]);
		if (ret) {
			fputs("apply: this command failed: ", stderr);
			cmd_print(stderr, &p.cmd[i]);
			if (i > 0)
				apply_rollback(&run);
			else
				fputs("apply: nothing was changed\n", stderr);
			break;
		}
	}
out:
	plan_free(&p);
	conf_free(&want);
	conf_free(&run);
	return ret;
}
