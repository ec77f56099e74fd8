/* SPDX-License-Identifier: GPL-2.0 */
/* dslitectl: the objects of the command line, one file each. */
#ifndef DSLITECTL_OBJECTS_H
#define DSLITECTL_OBJECTS_H

#include <stdio.h>

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

/* pure helpers shared by the objects (unit-tested) */
int proto_from_name(const char *s);
const char *proto_name(unsigned int p);
const char *sess_state_name(unsigned int s);

#endif
