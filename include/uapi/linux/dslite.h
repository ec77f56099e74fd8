/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * dslite: a DS-Lite AFTR (RFC 6333) with inter-chassis hot backup.
 *
 * This header is the contract between the kernel module and its userspace
 * tools. It is shared verbatim by kmod/ and tools/.
 *
 * Generic netlink family
 * ----------------------
 * Family name DSLITE_GENL_NAME ("dslite"), version DSLITE_GENL_VERSION.
 * All state is per network namespace: a request acts on the namespace of
 * the socket that sent it.
 *
 * The machine-readable form of this contract is the kernel-format spec
 * Documentation/netlink/specs/dslite.yaml: the module's policies are
 * generated from it, `make check` keeps it and this header in agreement
 * and checks the module against it.
 *
 * Attributes live in one flat space, enum dslite_attr. Each command has
 * its own policy (a dump shares its command's): an attribute the command
 * does not take, a wrong length or an out-of-range value is refused
 * (EINVAL) with an extended-ack message naming the attribute (a missing
 * required one: NLMSGERR_ATTR_MISS_TYPE names it; where either of two
 * will do, INST_NAME or INST_ID, the message says so). Everything
 * a request asks for is checked before anything is applied: a refused
 * request changes nothing. Names other than instance names (groups,
 * interfaces) are 1..N printable ASCII characters, no space.
 *
 * Privilege: every command that changes state, every dump that reveals
 * subscribers (sessions, users) and every hot-backup command need
 * CAP_NET_ADMIN in the initial user namespace (GENL_ADMIN_PERM), not in
 * the namespace's owning user namespace: on a carrier box the root of a
 * container (a child user namespace) must not configure the NAT, even in
 * a network namespace it owns, unless the host does it for it (e.g.
 * `dslitectl -n NETNS` run by the host's root). Readable by anyone, like
 * `ip link`: INSTANCE_GET, POOL_GET, STATS_GET (no subscriber data).
 *
 * DSLITE_CMD_INSTANCE_NEW
 *   Create a DS-Lite instance. NLM_F_CREATE is implied.
 *   Required: DSLITE_A_INST_NAME   NUL-terminated, 1..15 chars of
 *                                  [A-Za-z0-9_.-] (it names the instance's
 *                                  network device, hence IFNAMSIZ)
 *             DSLITE_A_INST_ID     u32, 1..65535, unique in the namespace
 *   Optional: DSLITE_A_INST_AFTR   16 bytes, the AFTR IPv6 address B4s
 *                                  tunnel to: a unicast global or ULA
 *                                  address, unique in the namespace
 *             the NAT settings below, INST_MSS, INST_MTU, INST_SIG
 *   Errors:   EEXIST (name or id taken, or AFTR address in use),
 *             EINVAL (malformed attribute), ENOSPC (instance limit),
 *             ENOENT (no such service-instance group)
 *   Emits:    DSLITE_CMD_INSTANCE_NEW on the "events" group.
 *
 * DSLITE_CMD_INSTANCE_DEL
 *   Delete an instance and everything it owns.
 *   Required: DSLITE_A_INST_NAME or DSLITE_A_INST_ID (name wins if both)
 *   Errors:   ENOENT
 *   Emits:    DSLITE_CMD_INSTANCE_DEL on the "events" group.
 *
 * DSLITE_CMD_INSTANCE_GET
 *   doit:   one instance by DSLITE_A_INST_NAME or DSLITE_A_INST_ID.
 *   dumpit: every instance of the namespace in ascending id order; the
 *           dump resumes correctly across message boundaries even when
 *           instances are added or removed between them. It ignores
 *           NAME/ID (its command's policy accepts them).
 *   Reply:  DSLITE_CMD_INSTANCE_GET with NAME, ID, AFTR (if set), every
 *           NAT setting below (BLOCK_SIZE, PORT_LO/HI, MAX_BLOCKS,
 *           MAX_SESS_USER, MAX_SESS, FILTERING, TO_*, HOLDDOWN), INST_MSS,
 *           INST_SIG (if bound), INST_MTU (the device's) and
 *           INST_IPV4_FORWARDING (u8: does the stack forward what the
 *           instance device receives? 0 = every translated packet would
 *           be black-holed, so the module drops and counts it). The same
 *           attributes are the INSTANCE_NEW/_DEL event's.
 *
 * DSLITE_CMD_INSTANCE_SET
 *   Change the NAT settings, INST_MSS, INST_MTU or INST_SIG of an
 *   instance (by NAME or ID). Settings that shape the port blocks (block
 *   size, port range) can only change while the instance has no pool
 *   (EBUSY). The AFTR address cannot change: INST_AFTR is refused with
 *   EOPNOTSUPP.
 *
 * NAT settings (INSTANCE_NEW and _SET; all optional, defaults in brackets):
 *   DSLITE_A_INST_BLOCK_SIZE   u32, ports per block, 8..32768 [512]
 *   DSLITE_A_INST_PORT_LO/HI   u32, port range of every public address
 *                              [1024..65535]; HI-LO+1 >= block size
 *   DSLITE_A_INST_MAX_BLOCKS   u32, blocks per user, 1..64 [4]
 *   DSLITE_A_INST_MAX_SESS_USER u32, sessions per user, 1..1000000 [2048]
 *   DSLITE_A_INST_MAX_SESS     u32, sessions of the instance,
 *                              1..100000000 [1000000]
 *   DSLITE_A_INST_FILTERING    u8, enum dslite_filtering [EIF]
 *   DSLITE_A_INST_TO_*         u32 seconds, 1..86400: UDP [300], TCP
 *                              established [7440], TCP transitory [240],
 *                              ICMP [60], inbound SYN [6]
 *   DSLITE_A_INST_HOLDDOWN     u32 seconds a released block rests,
 *                              0..86400 [120]
 *   DSLITE_A_INST_MSS          u32, TCP MSS clamp, 0..65535, 0 = off [0]
 *   DSLITE_A_INST_MTU          u32, the instance device's MTU, 576..65495
 *                              (IP_MAX_MTU less the IPv6 header) [1500]
 *   DSLITE_A_INST_SIG          string, the service-instance group the
 *                              instance is bound to; "" = none [none]
 *
 * DSLITE_CMD_POOL_NEW / _DEL (admin): an IPv4 prefix of public addresses
 *   for an instance. Required: INST_NAME, POOL_ADDR (u32, network order),
 *   POOL_PLEN (u8, 16..32); POOL_NEW optionally POOL_SL (POOL_DEL
 *   accepts and ignores it). Prefixes of one instance, and of different
 *   instances of a namespace, must not overlap (EEXIST). POOL_NEW
 *   refuses a prefix with host bits, or in 0.0.0.0/8, 127.0.0.0/8, 169.254.0.0/16,
 *   192.0.0.0/29 (DS-Lite's own), 224.0.0.0/4 or 240.0.0.0/4 (incl.
 *   broadcast) is refused (EINVAL): a pool must be usable public or
 *   shared (100.64.0.0/10) space; RFC 1918 is allowed for labs. Deleting
 *   a pool deletes the sessions and blocks on its addresses.
 * DSLITE_CMD_POOL_GET (dump; filter INST_NAME): pools with address/block
 *   usage, by instance id, then ascending prefix; resumes by the last
 *   prefix sent. ENOENT if INST_NAME names no instance.
 *
 * DSLITE_CMD_SESSION_GET (dump, admin: reveals subscribers)
 *   Filters (all must match): INST_NAME, SESS_B4 (16 bytes), SESS_PROTO
 *   (u8), SESS_PUBLIC_ADDR [+ SESS_PUBLIC_PORT], SESS_REMOTE_ADDR [+
 *   SESS_REMOTE_PORT] (a port without its address is refused, EINVAL).
 *   The kernel filters: only matching sessions are sent. DUMP_LIMIT
 *   (u32 >= 1) ends the dump after that many sessions; DUMP_COUNT (flag,
 *   not with DUMP_LIMIT) sends instead one message per instance with
 *   INST_NAME and SESS_COUNT (u32), the sessions that match. INST_NAME
 *   naming no instance: ENOENT ("no instance with this name"). By
 *   instance id, then ascending (B4, proto, inner address, inner port,
 *   remote address, remote port). The dump resumes by the last key sent,
 *   so a session that exists for the whole dump is in it exactly once
 *   however the tables change meanwhile (sessions created or deleted
 *   during the dump may or may not be). It never sets NLM_F_DUMP_INTR
 *   (readers should still accept a dump with it: the entries are all
 *   there).
 * DSLITE_CMD_SESSION_FLUSH (admin): same filters; deletes sessions.
 *   Errors: ENOENT (INST_NAME names no instance; nothing is deleted).
 * DSLITE_CMD_USER_GET (dump, admin; filters INST_NAME, SESS_B4; SESS_PROTO
 *   is accepted and ignored): users (B4s) with their blocks, by instance
 *   id, then ascending B4, resumed the same way. ENOENT as SESSION_GET.
 * DSLITE_CMD_STATS_GET (doit with INST_NAME or INST_ID, or dump, which
 *   ignores them): INST_NAME and the counters, nested in DSLITE_A_STATS
 *   as u64 attributes of enum dslite_stat (where 64-bit values need
 *   aligning, the pad attributes are of type DSLITE_STAT_UNSPEC).
 *
 * Hot backup (all admin, reading included: see Privilege; docs/ha.md):
 * DSLITE_CMD_HA_SET / _GET: HA_ENABLED for the namespace. While on, an
 *   instance bound to a service-instance group translates only for the
 *   service-locations whose role here is master.
 * DSLITE_CMD_SL_NEW: SL_ID, SL_IFNAME, SL_PEER and SL_HASH required:
 *   HMAC_SHA256 with SL_KEY, or NONE without it (keyless sync must be
 *   asked for); SL_PORT, SL_AFTR, and SL_VRID with SL_VRRP_IF (both or
 *   neither) optional. EEXIST if the id is taken. _SET: SL_ID and any
 *   of SL_ROLE; SL_IFNAME, SL_PEER, SL_PORT (the sync channel moved in
 *   place: the state stays, the peers resync; ENODEV, EADDRINUSE and
 *   the like change nothing); SL_KEY with SL_HASH HMAC_SHA256: a key
 *   rotation of a
 *   keyed SL, hitless: the new key is accepted at once, sent once the
 *   peer's packets prove it has it (SL_KEY_STATE PENDING, then OVERLAP:
 *   the old key still accepted for DSLITE_KEY_OVERLAP_S seconds), the
 *   counters RX_NEW_KEY, RX_OLD_KEY and KEY_SWITCHES show which key
 *   authenticated what. A keyless SL is refused (EOPNOTSUPP).
 *   _DEL: SL_ID. _GET (doit by SL_ID, or dump): SL_HAS_KEY says a key
 *   is set; the key itself (SL_KEY) only in the reply to a doit that
 *   asks for it with SL_WITH_KEY (what `dslitectl save --with-keys`
 *   sends; like WireGuard's private key, readable by CAP_NET_ADMIN
 *   only), never in a dump; it is wiped on delete.
 * DSLITE_CMD_SIG_NEW: SIG_NAME (1..31 printable ASCII characters, no
 *   space; "" is refused: it means "none" in INST_SIG) and 1..8
 *   SIG_MEMBERs (each SL_ID, and SIG_WEIGHT [1]); _DEL (SIG_NAME); _GET
 *   (dump, no attribute). A group in use by an instance cannot
 *   be deleted; an SL in use by a group cannot be deleted (EBUSY).
 * INSTANCE_NEW/_SET take INST_SIG; POOL_NEW takes POOL_SL (the SL whose
 *   share the pool is: its return traffic is translated only where that
 *   SL is master).
 *
 * Multicast group DSLITE_MCGRP_EVENTS ("events"), listening needs
 * CAP_NET_ADMIN (the kernel checks it in the namespace's owning user
 * namespace, GENL_MCAST_CAP_NET_ADMIN): INSTANCE_NEW/DEL, and the RFC 6888 REQ-12 log (no
 * destinations): EVENT_BLOCK_ALLOC / EVENT_BLOCK_FREE with INST_NAME,
 * EVENT_TIME, SESS_B4, SESS_PUBLIC_ADDR, BLOCK_FIRST, BLOCK_LAST; and
 * EVENT_LIMIT (at most one a second per instance) with INST_NAME,
 * EVENT_TIME, SESS_B4, EVENT_REASON; EVENT_SL with SL_ID, EVENT_TIME,
 * SL_EVENT, SL_ROLE, SL_PEER_STATE (and SL_MISMATCH for a mismatch).
 * Every event with EVENT_TIME (seconds) also has EVENT_TIME_MS, the same
 * clock reading in milliseconds (RFC 8158's observationTimeMilliseconds;
 * a module before it sent seconds only). An EVENT_SL says the peer
 * came or went, failed authentication, has another configuration, a
 * bulk began or ended, the role changed, a new key is used (one kernel
 * log line each too, rate-limited). A log event that cannot be sent to
 * listeners is counted in DSLITE_STAT_EVENTS_LOST (a lost INSTANCE_NEW/
 * _DEL event is not counted).
 */
#ifndef _UAPI_LINUX_DSLITE_H
#define _UAPI_LINUX_DSLITE_H

#include <linux/types.h>

#define DSLITE_GENL_NAME	"dslite"
#define DSLITE_GENL_VERSION	1
#define DSLITE_MCGRP_EVENTS	"events"

#define DSLITE_INST_NAME_MAX	15	/* chars, without the NUL */
#define DSLITE_INST_ID_MIN	1
#define DSLITE_INST_ID_MAX	65535
#define DSLITE_KEY_OVERLAP_S	30	/* the old key, after a rotation */

enum dslite_cmd {
	DSLITE_CMD_UNSPEC,
	DSLITE_CMD_INSTANCE_NEW,
	DSLITE_CMD_INSTANCE_DEL,
	DSLITE_CMD_INSTANCE_GET,
	DSLITE_CMD_INSTANCE_SET,
	DSLITE_CMD_POOL_NEW,
	DSLITE_CMD_POOL_DEL,
	DSLITE_CMD_POOL_GET,
	DSLITE_CMD_SESSION_GET,
	DSLITE_CMD_SESSION_FLUSH,
	DSLITE_CMD_USER_GET,
	DSLITE_CMD_STATS_GET,
	DSLITE_CMD_EVENT_BLOCK_ALLOC,	/* events group only */
	DSLITE_CMD_EVENT_BLOCK_FREE,	/* events group only */
	DSLITE_CMD_EVENT_LIMIT,		/* events group only */
	DSLITE_CMD_HA_SET,
	DSLITE_CMD_HA_GET,
	DSLITE_CMD_SL_NEW,
	DSLITE_CMD_SL_DEL,
	DSLITE_CMD_SL_SET,
	DSLITE_CMD_SL_GET,
	DSLITE_CMD_SIG_NEW,
	DSLITE_CMD_SIG_DEL,
	DSLITE_CMD_SIG_GET,
	DSLITE_CMD_EVENT_SL,		/* events group only */

	__DSLITE_CMD_MAX,
};

#define DSLITE_CMD_MAX (__DSLITE_CMD_MAX - 1)

enum dslite_attr {
	DSLITE_A_UNSPEC,
	DSLITE_A_INST_NAME,		/* string, <= 15 chars */
	DSLITE_A_INST_ID,		/* u32, 1..65535 */
	DSLITE_A_INST_AFTR,		/* binary, struct in6_addr */
	DSLITE_A_INST_BLOCK_SIZE,	/* u32 */
	DSLITE_A_INST_PORT_LO,		/* u32 */
	DSLITE_A_INST_PORT_HI,		/* u32 */
	DSLITE_A_INST_MAX_BLOCKS,	/* u32 */
	DSLITE_A_INST_MAX_SESS_USER,	/* u32 */
	DSLITE_A_INST_MAX_SESS,		/* u32 */
	DSLITE_A_INST_FILTERING,	/* u8, enum dslite_filtering */
	DSLITE_A_INST_TO_UDP,		/* u32 seconds */
	DSLITE_A_INST_TO_TCP_EST,	/* u32 seconds */
	DSLITE_A_INST_TO_TCP_TRANS,	/* u32 seconds */
	DSLITE_A_INST_TO_ICMP,		/* u32 seconds */
	DSLITE_A_INST_TO_TCP_SYN,	/* u32 seconds */
	DSLITE_A_INST_HOLDDOWN,		/* u32 seconds */
	DSLITE_A_POOL_ADDR,		/* u32, network byte order */
	DSLITE_A_POOL_PLEN,		/* u8 */
	DSLITE_A_POOL_BLOCKS,		/* u32, blocks in the pool (reply) */
	DSLITE_A_POOL_BLOCKS_USED,	/* u32, allocated or resting (reply) */
	DSLITE_A_SESS_B4,		/* binary, struct in6_addr */
	DSLITE_A_SESS_PROTO,		/* u8, IPPROTO_TCP/UDP/ICMP (filter:
					 * any value, 0 = all)
					 */
	DSLITE_A_SESS_INNER_ADDR,	/* u32, network byte order */
	DSLITE_A_SESS_INNER_PORT,	/* u16 (ICMP: echo id) */
	DSLITE_A_SESS_PUBLIC_ADDR,	/* u32, network byte order */
	DSLITE_A_SESS_PUBLIC_PORT,	/* u16 */
	DSLITE_A_SESS_REMOTE_ADDR,	/* u32, network byte order */
	DSLITE_A_SESS_REMOTE_PORT,	/* u16 */
	DSLITE_A_SESS_STATE,		/* u8, enum dslite_sess_state */
	DSLITE_A_SESS_EXPIRES,		/* u32, seconds until expiry */
	DSLITE_A_USER_SESSIONS,		/* u32 */
	DSLITE_A_USER_BLOCK,		/* nested, repeated: BLOCK_FIRST,
					 * BLOCK_LAST, USER_SESSIONS (the
					 * block's)
					 */
	DSLITE_A_BLOCK_FIRST,		/* u16, first port */
	DSLITE_A_BLOCK_LAST,		/* u16, last port */
	DSLITE_A_STATS,			/* nested: enum dslite_stat */
	DSLITE_A_PAD,
	DSLITE_A_EVENT_TIME,		/* u64, seconds since the epoch (UTC) */
	DSLITE_A_EVENT_REASON,		/* u32, enum dslite_stat of a limit */
	DSLITE_A_INST_MSS,		/* u32, TCP MSS clamp, 0 = off */
	DSLITE_A_INST_MTU,		/* u32, the instance device's MTU */
	DSLITE_A_HA_ENABLED,		/* u8, hot backup on (1) / off (0) */
	DSLITE_A_SL_ID,			/* u32, 1..1024 */
	DSLITE_A_SL_IFNAME,		/* string, remote-backup interface */
	DSLITE_A_SL_PEER,		/* binary, 4 or 16 bytes: peer address */
	DSLITE_A_SL_PORT,		/* u16, sync UDP port (default 8286) */
	DSLITE_A_SL_KEY,		/* binary, 16..64 bytes; never dumped */
	DSLITE_A_SL_HASH,		/* u8, enum dslite_sl_hash */
	DSLITE_A_SL_VRID,		/* u8, 1..255, the VRRP group it follows */
	DSLITE_A_SL_VRRP_IF,		/* string, the VRRP interface */
	DSLITE_A_SL_AFTR,		/* binary, in6_addr: this SL's AFTR */
	DSLITE_A_SL_ROLE,		/* u8, enum dslite_sl_role */
	DSLITE_A_SL_PEER_STATE,		/* u8, enum dslite_sl_peer (reply) */
	DSLITE_A_SL_HAS_KEY,		/* flag (reply): a key is set */
	DSLITE_A_SIG_NAME,		/* string, <= 31 chars */
	DSLITE_A_SIG_MEMBER,		/* nested, repeated: SL_ID, SIG_WEIGHT */
	DSLITE_A_SIG_WEIGHT,		/* u32, 1..100 */
	DSLITE_A_INST_SIG,		/* string: the instance's SIG ("" = none) */
	DSLITE_A_POOL_SL,		/* u32, 1..1024: the SL owning a pool
					 * (absent = none)
					 */
	DSLITE_A_SL_SYNC,		/* nested (reply): enum dslite_sync_stat */
	DSLITE_A_SL_LAG,		/* u32 (reply): ms since the last
					 * packet from the peer, 0 = none yet
					 */
	DSLITE_A_SL_HEALTHY,		/* u8 (reply): 1 = may be master */
	DSLITE_A_SL_HEALTH,		/* string (reply): why not healthy */
	DSLITE_A_INST_IPV4_FORWARDING,	/* u8 (reply): 1 = the instance
					 * device forwards IPv4, 0 = its
					 * translated packets are dropped
					 * (DSLITE_STAT_DROP_NO_FORWARD)
					 */
	DSLITE_A_SL_WITH_KEY,		/* flag (SL_GET doit request): put
					 * SL_KEY in the reply
					 */
	DSLITE_A_DUMP_LIMIT,		/* u32 (SESSION_GET request): send at
					 * most this many sessions
					 */
	DSLITE_A_DUMP_COUNT,		/* flag (SESSION_GET request): send
					 * only SESS_COUNT per instance
					 */
	DSLITE_A_SESS_COUNT,		/* u32 (reply): sessions matched */
	DSLITE_A_SL_MISMATCH,		/* string (reply, event): the first
					 * setting that differs from the
					 * peer's
					 */
	DSLITE_A_SL_EVENT,		/* u8 (event): enum dslite_sl_event */
	DSLITE_A_SL_KEY_STATE,		/* u8 (reply): enum dslite_sl_key_state */
	DSLITE_A_EVENT_TIME_MS,		/* u64 (event): milliseconds since the
					 * epoch (UTC), the same instant as
					 * EVENT_TIME
					 */
	DSLITE_A_INST_SESS_BUCKETS,	/* u32 (reply): hash buckets of each
					 * session index now (the larger)
					 */
	DSLITE_A_INST_SESS_BUCKETS_MAX,	/* u32 (reply): the most they grow
					 * to: max-sessions rounded up to a
					 * power of two
					 */

	__DSLITE_A_MAX,
};

#define DSLITE_A_MAX (__DSLITE_A_MAX - 1)

enum dslite_sl_role {
	DSLITE_ROLE_INIT,	/* not decided: translates nothing */
	DSLITE_ROLE_MASTER,	/* translates this SL's B4s and pools */
	DSLITE_ROLE_BACKUP,	/* standby: holds state, translates nothing */
};

enum dslite_sl_peer {
	DSLITE_PEER_DOWN,
	DSLITE_PEER_HELLO,
	DSLITE_PEER_BULK,
	DSLITE_PEER_IN_SYNC,
	DSLITE_PEER_MISMATCH,
	DSLITE_PEER_AUTH_FAILED,	/* only packets failing authentication */
};

/* what an EVENT_SL says happened (the kernel logs the same, rate-limited) */
enum dslite_sl_event {
	DSLITE_SL_EV_PEER_UP,
	DSLITE_SL_EV_PEER_DOWN,
	DSLITE_SL_EV_AUTH_FAILED,
	DSLITE_SL_EV_MISMATCH,
	DSLITE_SL_EV_BULK_START,
	DSLITE_SL_EV_BULK_END,
	DSLITE_SL_EV_ROLE,
	DSLITE_SL_EV_KEY_SWITCH,	/* the peer proved the new key: sent */
};

/* a key rotation (SL_SET with SL_KEY) */
enum dslite_sl_key_state {
	DSLITE_KEY_STABLE,	/* one key */
	DSLITE_KEY_PENDING,	/* a new key, until the peer proves it has it */
	DSLITE_KEY_OVERLAP,	/* sending the new key, the old still taken */
};

/* sync counters of a service-location (DSLITE_A_SL_SYNC), all u64 */
enum dslite_sync_stat {
	DSLITE_SYNC_STAT_UNSPEC,
	DSLITE_SYNC_STAT_TX_PACKETS,
	DSLITE_SYNC_STAT_TX_RECORDS,
	DSLITE_SYNC_STAT_RX_PACKETS,
	DSLITE_SYNC_STAT_RX_RECORDS,
	DSLITE_SYNC_STAT_RETRANSMITS,
	DSLITE_SYNC_STAT_RESYNCS,
	DSLITE_SYNC_STAT_BULK_SENT,
	DSLITE_SYNC_STAT_BULK_RECEIVED,
	DSLITE_SYNC_STAT_DROP_AUTH,
	DSLITE_SYNC_STAT_DROP_REPLAY,
	DSLITE_SYNC_STAT_DROP_MALFORMED,
	DSLITE_SYNC_STAT_DROP_QUEUE_FULL,
	DSLITE_SYNC_STAT_PAD,
	DSLITE_SYNC_STAT_DROP_FOREIGN,	/* not from the peer's address/port */
	DSLITE_SYNC_STAT_DROP_REFUSED,	/* records that fit no local limit */
	DSLITE_SYNC_STAT_DROP_EPOCH,	/* a stream epoch too far ahead */
	DSLITE_SYNC_STAT_DROP_MISMATCH,	/* data while configurations differ */
	DSLITE_SYNC_STAT_NACK_LIMITED,	/* NACKs answered later (rate limit) */
	DSLITE_SYNC_STAT_RX_NEW_KEY,	/* authenticated by a pending key */
	DSLITE_SYNC_STAT_RX_OLD_KEY,	/* ...by the key rotated away from */
	DSLITE_SYNC_STAT_KEY_SWITCHES,	/* sending switched to a new key */
	DSLITE_SYNC_STAT_DROP_KEY_PROBE, /* the peer's new key: not ours yet */
	DSLITE_SYNC_STAT_RX_DUPLICATE,	/* DATA we have: a resend, not applied */
	DSLITE_SYNC_STAT_RING_GROWN,	/* the unacked ring doubled (a burst) */

	__DSLITE_SYNC_STAT_MAX,
};

enum dslite_sl_hash {
	DSLITE_HASH_NONE,
	DSLITE_HASH_HMAC_SHA256,
};

enum dslite_filtering {
	DSLITE_FILTER_EIF,	/* endpoint-independent (RFC 4787 REQ-8) */
	DSLITE_FILTER_ADF,	/* address-dependent */
	DSLITE_FILTER_APDF,	/* address and port-dependent */
};

enum dslite_sess_state {
	DSLITE_SESS_UDP,
	DSLITE_SESS_ICMP,
	DSLITE_SESS_TCP_SYN_OUT,	/* SYN from the B4 seen */
	DSLITE_SESS_TCP_SYN_IN,		/* inbound SYN only (6 s) */
	DSLITE_SESS_TCP_EST,		/* SYN seen both ways */
	DSLITE_SESS_TCP_FIN,		/* FIN or RST seen: transitory */
};

/*
 * Counters (DSLITE_A_STATS nest). Gauges say "now"/"peak"; every drop
 * has its own reason counter. All u64.
 */
enum dslite_stat {
	DSLITE_STAT_UNSPEC,
	DSLITE_STAT_OUT_PACKETS,	/* B4 -> Internet, translated */
	DSLITE_STAT_OUT_BYTES,
	DSLITE_STAT_IN_PACKETS,		/* Internet -> B4, translated */
	DSLITE_STAT_IN_BYTES,
	DSLITE_STAT_HAIRPIN_PACKETS,
	DSLITE_STAT_SESSIONS,		/* now */
	DSLITE_STAT_SESSIONS_PEAK,
	DSLITE_STAT_USERS,
	DSLITE_STAT_USERS_PEAK,
	DSLITE_STAT_BLOCKS,		/* allocated now */
	DSLITE_STAT_BLOCKS_PEAK,
	DSLITE_STAT_SESSIONS_CREATED,
	DSLITE_STAT_SESSIONS_EXPIRED,
	DSLITE_STAT_ICMP_ERRORS_SENT,	/* e.g. type 3 code 13 to a B4 */
	DSLITE_STAT_DROP_BAD_HEADER,	/* malformed inner/outer header */
	DSLITE_STAT_DROP_NO_POOL,	/* no pool / no free block */
	DSLITE_STAT_DROP_QUOTA,		/* per-user session or block quota */
	DSLITE_STAT_DROP_TABLE_FULL,	/* instance or global session cap */
	DSLITE_STAT_DROP_FILTERED,	/* inbound refused by ADF/APDF */
	DSLITE_STAT_DROP_NO_SESSION,	/* inbound with no mapping */
	DSLITE_STAT_DROP_NOT_FOR_US,	/* no instance for the AFTR address */
	DSLITE_STAT_DROP_UNSUPPORTED,	/* protocol the NAT does not handle */
	DSLITE_STAT_DROP_TTL,		/* inner TTL expired */
	DSLITE_STAT_DROP_NOMEM,
	DSLITE_STAT_DROP_ENCAP,		/* no IPv6 route or headroom to a B4 */
	DSLITE_STAT_EVENTS_LOST,	/* a log event could not be sent */
	DSLITE_STAT_ICMP_TRANSLATED,	/* ICMP errors sent on to a B4 */
	DSLITE_STAT_DROP_ICMP_ERROR,	/* ICMP error matching no session */
	DSLITE_STAT_DROP_FRAGMENT,	/* inner fragment not reassembled */
	DSLITE_STAT_FRAGMENTS_REASSEMBLED,
	DSLITE_STAT_MSS_CLAMPED,
	DSLITE_STAT_DROP_STANDBY,	/* this SL is not master here */
	DSLITE_STAT_PMTU_UPDATES,	/* ICMPv6 too big about a softwire */
	DSLITE_STAT_DROP_NO_FORWARD,	/* IPv4 forwarding is off here */

	__DSLITE_STAT_MAX,
};

#define DSLITE_STAT_MAX (__DSLITE_STAT_MAX - 1)

#endif /* _UAPI_LINUX_DSLITE_H */
