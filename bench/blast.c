// SPDX-License-Identifier: GPL-2.0
/*
 * blast: the benchmark's packet generator. Sends prebuilt Ethernet frames
 * (a file of fixed-length frames, cycled through from --start) on one
 * interface through an AF_PACKET socket with the qdisc bypassed, in
 * sendmmsg() batches, for --secs seconds or --count frames, then prints
 * {"sent": N, "secs": S, "errors": E, "wrapped": 0|1} on stdout.
 *
 *   blast IFACE FRAMEFILE FRAMELEN [--secs S] [--count N] [--start I] [--cpu C]
 *
 * The forwarder is measured at its sink; this only has to offer more than
 * the forwarder takes (the benchmark prints the offered rate beside it).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double secs = 0, t0, t;
	unsigned long count = 0, sent = 0, errors = 0, start = 0, nframes, pos;
	int fd, s, i, cpu = -1, wrapped = 0, one = 1;
	unsigned int iter = 0;
	struct sockaddr_ll sll = { 0 };
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	unsigned char *frames;
	size_t flen;
	struct stat st;

	if (argc < 4) {
		fprintf(stderr, "usage: blast IFACE FRAMEFILE FRAMELEN [--secs S] [--count N] [--start I] [--cpu C]\n");
		return 2;
	}
	flen = strtoul(argv[3], NULL, 0);
	for (i = 4; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--secs"))
			secs = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--count"))
			count = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--start"))
			start = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--cpu"))
			cpu = atoi(argv[i + 1]);
		else {
			fprintf(stderr, "blast: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			perror("sched_setaffinity");
	}
	fd = open(argv[2], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) || !flen || st.st_size < (off_t)flen) {
		fprintf(stderr, "blast: cannot read frames from %s\n", argv[2]);
		return 1;
	}
	nframes = st.st_size / flen;
	frames = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (frames == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	s = socket(AF_PACKET, SOCK_RAW, 0);
	if (s < 0) {
		perror("socket");
		return 1;
	}
	setsockopt(s, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = if_nametoindex(argv[1]);
	sll.sll_protocol = 0;
	if (!sll.sll_ifindex || bind(s, (struct sockaddr *)&sll, sizeof(sll))) {
		perror("bind");
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_len = flen;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	pos = start % nframes;
	if (start >= nframes)
		wrapped = 1;
	t0 = now();
	t = t0;
	for (;;) {
		int n = BATCH, r;

		if (count && count - sent < (unsigned long)n)
			n = count - sent;
		if (count && !n)
			break;
		for (i = 0; i < n; i++)
			iov[i].iov_base = frames + (pos + i) % nframes * flen;
		r = sendmmsg(s, msgs, n, 0);
		if (r < 0) {
			errors++;
			if (errno != ENOBUFS && errno != EAGAIN) {
				perror("sendmmsg");
				break;
			}
			r = 0;
		}
		sent += r;
		if (pos + r >= nframes)
			wrapped = 1;
		pos = (pos + r) % nframes;
		if (secs > 0 && !(++iter & 15)) {
			t = now();
			if (t - t0 >= secs)
				break;
		}
	}
	t = now();
	printf("{\"sent\": %lu, \"secs\": %.4f, \"errors\": %lu, \"wrapped\": %d, \"next\": %lu}\n",
	       sent, t - t0, errors, wrapped, start + sent);
	return 0;
}
