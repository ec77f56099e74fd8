// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl ha, service-location, service-instance-group: hot backup
 * configuration (the vendor manual's commands, the Linux way; docs/ha.md).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>

#include "util.h"
#include "json.h"
#include "nl.h"
#include "objects.h"

void ha_help(FILE *f)
{
	fputs("Usage: dslitectl ha set hot-backup { on | off }\n"
	      "       dslitectl ha show\n"
	      "With hot backup on, an instance bound to a service-instance-group\n"
	      "translates only for the service-locations that are master here.\n", f);
}

void sl_help(FILE *f)
{
	fputs("Usage: dslitectl service-location add ID remote-backup interface IF peer ADDR\n"
	      "              [ port P ] { authentication-key KEY hash-algorithm hmac-sha256 |\n"
	      "                           authentication none }\n"
	      "              [ vrrp vrid N interface IF ] [ aftr IPV6 ]\n"
	      "       dslitectl service-location set ID [ role { master | backup | init } ]\n"
	      "              [ authentication-key KEY hash-algorithm hmac-sha256 ]\n"
	      "              [ remote-backup interface IF ] [ peer ADDR ] [ port P ]\n"
	      "       dslitectl service-location del ID\n"
	      "       dslitectl service-location show [ ID ]\n"
	      "       dslitectl service-location check ID\n"
	      "ID := 1..1024, the same on both routers. KEY: 16-64 characters; it is\n"
	      "never shown back. keepalived's notify script sets the role.\n"
	      "check exits 0 when this router may be master of ID, 3 (and says why)\n"
	      "when not: a bound instance's device is down, the peer's configuration\n"
	      "differs (show says which setting), the peer's packets fail\n"
	      "authentication, or a backup has not yet received the peer's whole state.\n"
	      "set ... authentication-key rotates the key without a gap: the new key is\n"
	      "used once the peer has it too (give it to both routers), the old one\n"
	      "is accepted 30 s more. A new interface, peer or port moves the sync\n"
	      "channel in place: the state stays, the peers resync.\n", f);
}

void sig_help(FILE *f)
{
	fputs("Usage: dslitectl service-instance-group add NAME service-location ID [ weight W ]\n"
	      "              [ service-location ID [ weight W ] ]...\n"
	      "       dslitectl service-instance-group del NAME\n"
	      "       dslitectl service-instance-group show\n"
	      "Bind an instance: dslitectl instance set INSTANCE service-instance-group NAME\n", f);
}

const char *const sl_role_names[3] = { "init", "master", "backup" };
const char *const sl_peer_names[6] = {
	"down", "hello", "bulk-syncing", "in-sync", "config-mismatch",
	"auth-failed",
};
static const char *const key_state_names[] = { "stable", "pending", "overlap" };

static int ha_print(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DSLITE_A_MAX + 1];
	bool on;

	(void)data;
	nl_parse(nlh, tb);
	on = tb[DSLITE_A_HA_ENABLED] && mnl_attr_get_u8(tb[DSLITE_A_HA_ENABLED]);
	open_json_object(NULL);
	print_bool(PR_ANY, "hot_backup", "hot-backup on", "hot-backup off", on);
	print_nl();
	close_json_object();
	return MNL_CB_OK;
}

static int do_ha(int argc, char **argv)
{
	struct nlmsghdr *nlh;

	if (argc > 0 && (is_help(argv[0]) || (argc > 1 && is_help(argv[1])))) {
		ha_help(stdout);
		return EXIT_OK;
	}
	if (argc == 0 || matches(argv[0], "show")) {
		nlh = nl_begin(DSLITE_CMD_HA_GET, NLM_F_ACK);
		return nlh ? nl_talk(nlh, ha_print, NULL) : EXIT_KERNEL;
	}
	if (matches(argv[0], "set")) {
		if (argc != 3 || strcmp(argv[1], "hot-backup") ||
		    (strcmp(argv[2], "on") && strcmp(argv[2], "off")))
			return usage_err("ha set hot-backup { on | off }");
		nlh = nl_begin(DSLITE_CMD_HA_SET, NLM_F_ACK);
		if (!nlh)
			return EXIT_KERNEL;
		mnl_attr_put_u8(nlh, DSLITE_A_HA_ENABLED, !strcmp(argv[2], "on"));
		return nl_talk(nlh, NULL, NULL);
	}
	usage_err("ha: unknown command \"%s\"", argv[0]);
	return EXIT_USAGE;
}

int ha_object(int argc, char **argv)
{
	return do_ha(argc, argv);
}

static const char *const sync_stat_names[] = {
	[DSLITE_SYNC_STAT_TX_PACKETS] = "tx_packets",
	[DSLITE_SYNC_STAT_TX_RECORDS] = "tx_records",
	[DSLITE_SYNC_STAT_RX_PACKETS] = "rx_packets",
	[DSLITE_SYNC_STAT_RX_RECORDS] = "rx_records",
	[DSLITE_SYNC_STAT_RETRANSMITS] = "retransmits",
	[DSLITE_SYNC_STAT_RESYNCS] = "resyncs",
	[DSLITE_SYNC_STAT_BULK_SENT] = "bulk_sent",
	[DSLITE_SYNC_STAT_BULK_RECEIVED] = "bulk_received",
	[DSLITE_SYNC_STAT_DROP_AUTH] = "drop_auth",
	[DSLITE_SYNC_STAT_DROP_REPLAY] = "drop_replay",
	[DSLITE_SYNC_STAT_DROP_MALFORMED] = "drop_malformed",
	[DSLITE_SYNC_STAT_DROP_QUEUE_FULL] = "drop_queue_full",
	[DSLITE_SYNC_STAT_DROP_FOREIGN] = "drop_foreign",
	[DSLITE_SYNC_STAT_DROP_REFUSED] = "drop_refused",
	[DSLITE_SYNC_STAT_DROP_EPOCH] = "drop_epoch",
	[DSLITE_SYNC_STAT_DROP_MISMATCH] = "drop_mismatch",
	[DSLITE_SYNC_STAT_NACK_LIMITED] = "nack_limited",
	[DSLITE_SYNC_STAT_RX_NEW_KEY] = "rx_new_key",
	[DSLITE_SYNC_STAT_RX_OLD_KEY] = "rx_old_key",
	[DSLITE_SYNC_STAT_KEY_SWITCHES] = "key_switches",
	[DSLITE_SYNC_STAT_DROP_KEY_PROBE] = "drop_key_probe",
	[DSLITE_SYNC_STAT_RX_DUPLICATE] = "rx_duplicate",
	[DSLITE_SYNC_STAT_RING_GROWN] = "ring_grown",
};

static void sync_print(const struct nlattr *nest, const struct nlattr *lag)
{
	uint64_t v[__DSLITE_SYNC_STAT_MAX] = { 0 };
	const struct nlattr *a;
	unsigned int i;

	if (!nest)
		return;
	mnl_attr_for_each_nested(a, nest) {
		uint16_t t = mnl_attr_get_type(a);

		if (t < __DSLITE_SYNC_STAT_MAX &&
		    mnl_attr_get_payload_len(a) == sizeof(uint64_t))
			v[t] = mnl_attr_get_u64(a);
	}
	open_json_object("sync");
	print_string(PR_TEXT, NULL, "%s", "    sync");
	for (i = 1; i < sizeof(sync_stat_names) / sizeof(sync_stat_names[0]); i++) {
		if (!sync_stat_names[i])
			continue;
		print_string(PR_TEXT, NULL, " %s ", sync_stat_names[i]);
		print_u64(PR_ANY, sync_stat_names[i], "%" PRIu64, v[i]);
	}
	print_uint(PR_ANY, "lag_ms", " lag_ms %u\n", nl_u32(lag));
	close_json_object();
}

static int sl_print(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DSLITE_A_MAX + 1];
	char peer[INET6_ADDRSTRLEN] = "", aftr[INET6_ADDRSTRLEN] = "";
	unsigned int role, ps;

	(void)data;
	nl_parse(nlh, tb);
	if (!tb[DSLITE_A_SL_ID])
		return MNL_CB_OK;
	if (tb[DSLITE_A_SL_PEER])
		inet_ntop(mnl_attr_get_payload_len(tb[DSLITE_A_SL_PEER]) == 4 ?
			  AF_INET : AF_INET6,
			  mnl_attr_get_payload(tb[DSLITE_A_SL_PEER]), peer,
			  sizeof(peer));
	if (tb[DSLITE_A_SL_AFTR])
		inet_ntop(AF_INET6, mnl_attr_get_payload(tb[DSLITE_A_SL_AFTR]),
			  aftr, sizeof(aftr));
	role = nl_u8(tb[DSLITE_A_SL_ROLE]);
	ps = nl_u8(tb[DSLITE_A_SL_PEER_STATE]);
	if (role > 2)
		role = 0;
	if (ps >= sizeof(sl_peer_names) / sizeof(sl_peer_names[0]))
		ps = 0;
	open_json_object(NULL);
	print_uint(PR_ANY, "id", "service-location %u",
		   mnl_attr_get_u32(tb[DSLITE_A_SL_ID]));
	print_string(PR_ANY, "role", " role %s", sl_role_names[role]);
	print_string(PR_ANY, "peer_state", " peer-state %s", sl_peer_names[ps]);
	print_string(PR_ANY, "interface", " remote-backup interface %s",
		     tb[DSLITE_A_SL_IFNAME] ?
		     mnl_attr_get_str(tb[DSLITE_A_SL_IFNAME]) : "");
	print_string(PR_ANY, "peer", " peer %s", peer);
	print_uint(PR_ANY, "port", " port %u", nl_u16(tb[DSLITE_A_SL_PORT]));
	print_bool(PR_ANY, "authentication", " authentication hmac-sha256",
		   " authentication none", tb[DSLITE_A_SL_HAS_KEY]);
	if (tb[DSLITE_A_SL_KEY_STATE] &&
	    mnl_attr_get_u8(tb[DSLITE_A_SL_KEY_STATE]) < 3)
		print_string(PR_ANY, "key_state", " key %s",
			     key_state_names[mnl_attr_get_u8(tb[DSLITE_A_SL_KEY_STATE])]);
	if (tb[DSLITE_A_SL_VRID]) {
		print_uint(PR_ANY, "vrid", " vrrp vrid %u",
			   mnl_attr_get_u8(tb[DSLITE_A_SL_VRID]));
		print_string(PR_ANY, "vrrp_interface", " interface %s",
			     tb[DSLITE_A_SL_VRRP_IF] ?
			     mnl_attr_get_str(tb[DSLITE_A_SL_VRRP_IF]) : "");
	}
	if (*aftr)
		print_string(PR_ANY, "aftr", " aftr %s", aftr);
	print_nl();
	/* the kernel sends HEALTH (why not) exactly when not HEALTHY */
	print_bool(PR_ANY, "healthy", "    healthy\n", NULL,
		   tb[DSLITE_A_SL_HEALTHY] &&
		   mnl_attr_get_u8(tb[DSLITE_A_SL_HEALTHY]));
	if (tb[DSLITE_A_SL_HEALTH])
		print_string(PR_ANY, "health", "    not healthy: %s\n",
			     mnl_attr_get_str(tb[DSLITE_A_SL_HEALTH]));
	if (tb[DSLITE_A_SL_MISMATCH])
		print_string(PR_ANY, "mismatch", "    differs from the peer: %s\n",
			     mnl_attr_get_str(tb[DSLITE_A_SL_MISMATCH]));
	sync_print(tb[DSLITE_A_SL_SYNC], tb[DSLITE_A_SL_LAG]);
	close_json_object();
	return MNL_CB_OK;
}

/* the kernel's health reason for a configuration mismatch */
#define MISMATCH_WHY "the peer's configuration differs"

struct sl_health {
	bool seen, healthy;
	char why[256];
};

static int sl_health_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DSLITE_A_MAX + 1];
	struct sl_health *h = data;
	const char *why, *diff;

	nl_parse(nlh, tb);
	if (!tb[DSLITE_A_SL_ID])
		return MNL_CB_OK;
	h->seen = true;
	h->healthy = tb[DSLITE_A_SL_HEALTHY] &&
		     mnl_attr_get_u8(tb[DSLITE_A_SL_HEALTHY]);
	why = tb[DSLITE_A_SL_HEALTH] ? mnl_attr_get_str(tb[DSLITE_A_SL_HEALTH]) :
	      "no health reported";
	/* a configuration mismatch: which setting */
	diff = tb[DSLITE_A_SL_MISMATCH] && !strncmp(why, MISMATCH_WHY,
						    strlen(MISMATCH_WHY)) ?
	       mnl_attr_get_str(tb[DSLITE_A_SL_MISMATCH]) : NULL;
	snprintf(h->why, sizeof(h->why), "%s%s%s", why, diff ? ": " : "",
		 diff ? diff : "");
	return MNL_CB_OK;
}

static int parse_sl_id(const char *s, uint32_t *id)
{
	if (parse_u32(s, 0, UINT32_MAX, id))
		return usage_err("service-location: ID \"%s\" is not a number", s);
	return EXIT_OK;
}

/* parse ID, open the socket and start a request @cmd for that SL */
static int sl_id_req(const char *arg, uint8_t cmd, uint32_t *id,
		     struct nlmsghdr **nlh)
{
	int ret = parse_sl_id(arg, id);

	if (ret)
		return ret;
	*nlh = nl_begin(cmd, NLM_F_ACK);
	if (!*nlh)
		return EXIT_KERNEL;
	mnl_attr_put_u32(*nlh, DSLITE_A_SL_ID, *id);
	return EXIT_OK;
}

/*
 * Pure: parse "ID remote-backup interface IF peer ADDR ..." of
 * service-location add into @a (pointers into @argv). EXIT_OK or
 * EXIT_USAGE (said why). Also what apply reads a file with.
 */
int sl_parse_add(int argc, char **argv, struct sl_args *a)
{
	memset(a, 0, sizeof(*a));
	if (argc < 1)
		return usage_err("service-location add: ID is missing");
	if (parse_u32(argv[0], 0, UINT32_MAX, &a->id))
		return usage_err("service-location: ID \"%s\" is not a number",
				 argv[0]);
	argc--, argv++;
	while (argc > 0) {
		if (!strcmp(argv[0], "remote-backup") && argc >= 3 &&
		    !strcmp(argv[1], "interface")) {
			a->ifname = argv[2];
			argc -= 3, argv += 3;
		} else if (!strcmp(argv[0], "peer") && argc >= 2) {
			if (inet_pton(AF_INET, argv[1], a->peer) == 1) {
				a->peer_len = 4;
			} else if (inet_pton(AF_INET6, argv[1], a->peer) == 1) {
				a->peer_len = 16;
			} else {
				return usage_err("peer \"%s\" is not an IP address",
						 argv[1]);
			}
			argc -= 2, argv += 2;
		} else if (!strcmp(argv[0], "port") && argc >= 2) {
			if (parse_u32(argv[1], 0, UINT32_MAX, &a->port))
				return usage_err("port \"%s\" is not a number", argv[1]);
			argc -= 2, argv += 2;
		} else if (!strcmp(argv[0], "authentication-key") && argc >= 2) {
			a->key = argv[1];
			argc -= 2, argv += 2;
		} else if (!strcmp(argv[0], "authentication") && argc >= 2 &&
			   !strcmp(argv[1], "none")) {
			a->auth_none = true;
			argc -= 2, argv += 2;
		} else if (!strcmp(argv[0], "hash-algorithm") && argc >= 2) {
			if (strcmp(argv[1], "hmac-sha256"))
				return usage_err("hash-algorithm must be hmac-sha256");
			a->hmac = true;
			argc -= 2, argv += 2;
		} else if (!strcmp(argv[0], "vrrp") && argc >= 5 &&
			   !strcmp(argv[1], "vrid") && !strcmp(argv[3], "interface")) {
			if (parse_u32(argv[2], 0, UINT32_MAX, &a->vrid))
				return usage_err("vrid \"%s\" is not a number", argv[2]);
			a->vrrp_if = argv[4];
			argc -= 5, argv += 5;
		} else if (!strcmp(argv[0], "aftr") && argc >= 2) {
			if (parse_ipv6(argv[1], &a->aftr))
				return usage_err("aftr \"%s\" is not an IPv6 address",
						 argv[1]);
			a->has_aftr = true;
			argc -= 2, argv += 2;
		} else {
			return usage_err("service-location add: unknown or incomplete argument \"%s\"",
					 argv[0]);
		}
	}
	if (!a->ifname || !a->peer_len)
		return usage_err("service-location add: \"remote-backup interface IF peer ADDR\" is required");
	if (a->auth_none && (a->key || a->hmac))
		return usage_err("service-location add: \"authentication none\" and a key exclude each other");
	return EXIT_OK;
}

static int sl_add(int argc, char **argv)
{
	struct nlmsghdr *nlh;
	struct sl_args a;
	int ret;

	ret = sl_parse_add(argc, argv, &a);
	if (ret)
		return ret;
	/*
	 * What "dslitectl save" writes for an SL with a key: the kernel
	 * never returns keys, so the line has the algorithm and not the key.
	 */
	if (a.hmac && !a.key)
		return usage_err("service-location add %u: hash-algorithm hmac-sha256 needs \"authentication-key KEY\" (a file written by \"dslitectl save\" has no keys: put the key back)",
				 a.id);
	nlh = nl_begin(DSLITE_CMD_SL_NEW, NLM_F_ACK);
	if (!nlh)
		return EXIT_KERNEL;
	mnl_attr_put_u32(nlh, DSLITE_A_SL_ID, a.id);
	mnl_attr_put_strz(nlh, DSLITE_A_SL_IFNAME, a.ifname);
	mnl_attr_put(nlh, DSLITE_A_SL_PEER, a.peer_len, a.peer);
	if (a.port)
		mnl_attr_put_u16(nlh, DSLITE_A_SL_PORT, (uint16_t)a.port);
	if (a.key)
		mnl_attr_put(nlh, DSLITE_A_SL_KEY, strlen(a.key), a.key);
	if (a.hmac)
		mnl_attr_put_u8(nlh, DSLITE_A_SL_HASH, DSLITE_HASH_HMAC_SHA256);
	else if (a.auth_none)
		mnl_attr_put_u8(nlh, DSLITE_A_SL_HASH, DSLITE_HASH_NONE);
	if (a.vrrp_if) {
		mnl_attr_put_u8(nlh, DSLITE_A_SL_VRID,
				a.vrid > 255 ? 0 : (uint8_t)a.vrid);
		mnl_attr_put_strz(nlh, DSLITE_A_SL_VRRP_IF, a.vrrp_if);
	}
	if (a.has_aftr)
		mnl_attr_put(nlh, DSLITE_A_SL_AFTR, 16, &a.aftr);
	return nl_talk(nlh, NULL, NULL);
}

/*
 * set ID [ role R ] [ authentication-key KEY hash-algorithm hmac-sha256 ]
 *        [ remote-backup interface IF ] [ peer ADDR ] [ port P ]
 */
static int sl_set(int argc, char **argv)
{
	const char *key = NULL, *ifname = NULL;
	uint32_t id, port = 0;
	struct nlmsghdr *nlh;
	unsigned int peer_len = 0;
	unsigned char peer[16];
	bool hmac = false;
	int role = -1, ret;

	if (argc < 3)
		return usage_err("service-location set ID [ role { master | backup | init } ] [ authentication-key KEY hash-algorithm hmac-sha256 ]");
	ret = parse_sl_id(argv[0], &id);
	if (ret)
		return ret;
	for (argc--, argv++; argc > 0; argc -= 2, argv += 2) {
		if (argc < 2)
			return usage_err("service-location set: \"%s\" needs a value",
					 argv[0]);
		if (!strcmp(argv[0], "remote-backup")) {
			if (argc < 3 || strcmp(argv[1], "interface"))
				return usage_err("service-location set: \"remote-backup interface IF\"");
			ifname = argv[2];
			argc--, argv++;
		} else if (!strcmp(argv[0], "peer")) {
			if (inet_pton(AF_INET, argv[1], peer) == 1)
				peer_len = 4;
			else if (inet_pton(AF_INET6, argv[1], peer) == 1)
				peer_len = 16;
			else
				return usage_err("peer \"%s\" is not an IP address",
						 argv[1]);
		} else if (!strcmp(argv[0], "port")) {
			if (parse_u32(argv[1], 1, 65535, &port))
				return usage_err("port \"%s\" is not 1..65535", argv[1]);
		} else if (!strcmp(argv[0], "role")) {
			for (role = 0; role < 3; role++)
				if (!strcmp(argv[1], sl_role_names[role]))
					break;
			if (role == 3)
				return usage_err("role \"%s\" is not master, backup or init",
						 argv[1]);
		} else if (!strcmp(argv[0], "authentication-key")) {
			key = argv[1];
		} else if (!strcmp(argv[0], "hash-algorithm")) {
			if (strcmp(argv[1], "hmac-sha256"))
				return usage_err("hash-algorithm must be hmac-sha256");
			hmac = true;
		} else {
			return usage_err("service-location set: unknown argument \"%s\"",
					 argv[0]);
		}
	}
	if (!!key != hmac)
		return usage_err("service-location set: authentication-key KEY goes with hash-algorithm hmac-sha256");
	if (role < 0 && !key && !ifname && !peer_len && !port)
		return usage_err("service-location set ID: give a role, an authentication-key, a peer, a port or an interface");
	nlh = nl_begin(DSLITE_CMD_SL_SET, NLM_F_ACK);
	if (!nlh)
		return EXIT_KERNEL;
	mnl_attr_put_u32(nlh, DSLITE_A_SL_ID, id);
	if (ifname)
		mnl_attr_put_strz(nlh, DSLITE_A_SL_IFNAME, ifname);
	if (peer_len)
		mnl_attr_put(nlh, DSLITE_A_SL_PEER, peer_len, peer);
	if (port)
		mnl_attr_put_u16(nlh, DSLITE_A_SL_PORT, (uint16_t)port);
	if (role >= 0)
		mnl_attr_put_u8(nlh, DSLITE_A_SL_ROLE, (uint8_t)role);
	if (key) {
		mnl_attr_put(nlh, DSLITE_A_SL_KEY, strlen(key), key);
		mnl_attr_put_u8(nlh, DSLITE_A_SL_HASH, DSLITE_HASH_HMAC_SHA256);
	}
	return nl_talk(nlh, NULL, NULL);
}

int sl_object(int argc, char **argv)
{
	struct nlmsghdr *nlh;
	uint32_t id;
	int ret;

	if (argc > 0 && (is_help(argv[0]) || (argc > 1 && is_help(argv[1])))) {
		sl_help(stdout);
		return EXIT_OK;
	}
	if (argc == 0 || matches(argv[0], "show") || matches(argv[0], "list")) {
		if (argc > 2)
			return usage_err("service-location show [ ID ]");
		if (argc == 2 && (ret = parse_sl_id(argv[1], &id)))
			return ret;
		nlh = nl_begin(DSLITE_CMD_SL_GET, NLM_F_ACK |
			       (argc == 2 ? 0 : NLM_F_DUMP));
		if (!nlh)
			return EXIT_KERNEL;
		if (argc == 2)
			mnl_attr_put_u32(nlh, DSLITE_A_SL_ID, id);
		return nl_show(nlh, sl_print, NULL);
	}
	if (matches(argv[0], "add"))
		return sl_add(argc - 1, argv + 1);
	if (matches(argv[0], "check")) {
		struct sl_health h = { 0 };

		if (argc != 2)
			return usage_err("service-location check ID");
		ret = sl_id_req(argv[1], DSLITE_CMD_SL_GET, &id, &nlh);
		if (ret)
			return ret;
		ret = nl_talk(nlh, sl_health_cb, &h);
		if (ret)
			return ret;
		open_json_object(NULL);
		print_uint(PR_ANY, "id", "service-location %u: ", id);
		print_bool(PR_ANY, "healthy", "healthy\n", NULL, h.healthy);
		if (!h.healthy)
			print_string(PR_ANY, "health", "not healthy: %s\n", h.why);
		close_json_object();
		return h.healthy ? EXIT_OK : EXIT_UNHEALTHY;
	}
	if (matches(argv[0], "delete")) {
		if (argc != 2)
			return usage_err("service-location del ID");
		ret = sl_id_req(argv[1], DSLITE_CMD_SL_DEL, &id, &nlh);
		return ret ? ret : nl_talk(nlh, NULL, NULL);
	}
	if (matches(argv[0], "set"))
		return sl_set(argc - 1, argv + 1);
	usage_err("service-location: unknown command \"%s\"", argv[0]);
	return EXIT_USAGE;
}

static void sig_member_print(const struct nlattr **tb)
{
	print_uint(PR_ANY, "id", " service-location %u", nl_u32(tb[DSLITE_A_SL_ID]));
	print_uint(PR_ANY, "weight", " weight %u", nl_u32(tb[DSLITE_A_SIG_WEIGHT]));
}

static int sig_print(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DSLITE_A_MAX + 1];

	(void)data;
	nl_parse(nlh, tb);
	if (!tb[DSLITE_A_SIG_NAME])
		return MNL_CB_OK;
	open_json_object(NULL);
	print_string(PR_ANY, "name", "service-instance-group %s",
		     mnl_attr_get_str(tb[DSLITE_A_SIG_NAME]));
	print_nests(nlh, DSLITE_A_SIG_MEMBER, "service_locations",
		    sig_member_print);
	print_nl();
	close_json_object();
	return MNL_CB_OK;
}

int sig_object(int argc, char **argv)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	uint32_t id, w;

	if (argc > 0 && (is_help(argv[0]) || (argc > 1 && is_help(argv[1])))) {
		sig_help(stdout);
		return EXIT_OK;
	}
	if (argc == 0 || matches(argv[0], "show") || matches(argv[0], "list")) {
		nlh = nl_begin(DSLITE_CMD_SIG_GET, NLM_F_ACK | NLM_F_DUMP);
		return nlh ? nl_show(nlh, sig_print, NULL) : EXIT_KERNEL;
	}
	if (matches(argv[0], "delete")) {
		if (argc != 2)
			return usage_err("service-instance-group del NAME");
		nlh = nl_begin(DSLITE_CMD_SIG_DEL, NLM_F_ACK);
		if (!nlh)
			return EXIT_KERNEL;
		mnl_attr_put_strz(nlh, DSLITE_A_SIG_NAME, argv[1]);
		return nl_talk(nlh, NULL, NULL);
	}
	if (!matches(argv[0], "add")) {
		usage_err("service-instance-group: unknown command \"%s\"", argv[0]);
		return EXIT_USAGE;
	}
	if (argc < 4)
		return usage_err("service-instance-group add NAME service-location ID [ weight W ] ...");
	nlh = nl_begin(DSLITE_CMD_SIG_NEW, NLM_F_ACK);
	if (!nlh)
		return EXIT_KERNEL;
	mnl_attr_put_strz(nlh, DSLITE_A_SIG_NAME, argv[1]);
	argc -= 2, argv += 2;
	while (argc > 0) {
		if (strcmp(argv[0], "service-location") || argc < 2)
			return usage_err("expected \"service-location ID\", got \"%s\"",
					 argv[0]);
		if (parse_u32(argv[1], 0, UINT32_MAX, &id))
			return usage_err("service-location \"%s\" is not a number",
					 argv[1]);
		w = 1;
		argc -= 2, argv += 2;
		if (argc >= 2 && !strcmp(argv[0], "weight")) {
			if (parse_u32(argv[1], 0, UINT32_MAX, &w))
				return usage_err("weight \"%s\" is not a number",
						 argv[1]);
			argc -= 2, argv += 2;
		}
		nest = mnl_attr_nest_start(nlh, DSLITE_A_SIG_MEMBER);
		mnl_attr_put_u32(nlh, DSLITE_A_SL_ID, id);
		mnl_attr_put_u32(nlh, DSLITE_A_SIG_WEIGHT, w);
		mnl_attr_nest_end(nlh, nest);
	}
	return nl_talk(nlh, NULL, NULL);
}
