/* SPDX-License-Identifier: GPL-2.0 */
/* dslitectl: the objects of the command line, one file each. */
#ifndef DSLITECTL_OBJECTS_H
#define DSLITECTL_OBJECTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>

int do_pool(int argc, char **argv);
void pool_help(FILE *f);
int do_session(int argc, char **argv);
void session_help(FILE *f);
int do_user(int argc, char **argv);
void user_help(FILE *f);
int do_stats(int argc, char **argv);
void stats_help(FILE *f);
int do_monitor(int argc, char **argv);
int ha_object(int argc, char **argv);
void ha_help(FILE *f);
int sl_object(int argc, char **argv);
void sl_help(FILE *f);
int sig_object(int argc, char **argv);
void sig_help(FILE *f);
void monitor_help(FILE *f);

/* service-location add's arguments (pointers into argv) */
struct sl_args {
	uint32_t id;
	const char *ifname;
	int peer_len;		/* 4 or 16, 0: none given */
	uint8_t peer[16];
	uint32_t port;		/* 0: the default */
	const char *key;
	bool hmac, auth_none;
	uint32_t vrid;
	const char *vrrp_if;	/* set with vrid */
	bool has_aftr;
	struct in6_addr aftr;
};

/* pure: parse "ID remote-backup interface IF peer ADDR ..." */
int sl_parse_add(int argc, char **argv, struct sl_args *a);
extern const char *const sl_role_names[3];
extern const char *const sl_peer_names[6];

/* save.c: dslitectl save and dslitectl apply */
int do_save(int argc, char **argv);
void save_help(FILE *f);
int do_apply(int argc, char **argv);
void apply_help(FILE *f);
/* the command dispatcher of dslitectl.c, which apply runs its changes by */
extern int (*ctl_run)(int argc, char **argv);

/* pure helpers shared by the objects (unit-tested) */
int proto_from_name(const char *s);
const char *proto_name(unsigned int p);
const char *sess_state_name(unsigned int s);

#endif
