// SPDX-License-Identifier: GPL-2.0
/*
 * pyfork: "python3 ARGS" through the selftests' fork server
 * (selftests/lib/pyforkd.py, started by run_tests.sh; its socket in
 * $DSLITE_PYFORK). Sends this process's stdin/stdout/stderr, network
 * namespace, working directory, arguments and environment, forwards the
 * signals it can catch, and exits as the child did. Whenever the server
 * is absent or refuses (not root, an option it does not run), it execs
 * /usr/bin/python3 with the same arguments: the result is the same, only
 * slower.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

extern char **environ;

static int srv = -1;
static const int fwd[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1,
			   SIGUSR2, SIGALRM };

static void on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int e = errno;

	if (send(srv, &b, 1, MSG_NOSIGNAL) < 0) {
		/* the server is gone: nothing to forward to */
	}
	errno = e;
}

static void real_python(char **argv)
{
	argv[0] = "python3";
	execv("/usr/bin/python3", argv);
	perror("pyfork: exec /usr/bin/python3");
	exit(127);
}

/* append S with its NUL to the body */
static int put(char **b, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s) + 1;

	if (*len + n > *cap) {
		size_t c = (*cap + n) * 2;
		char *nb = realloc(*b, c);

		if (!nb)
			return -1;
		*b = nb;
		*cap = c;
	}
	memcpy(*b + *len, s, n);
	*len += n;
	return 0;
}

static int connect_server(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* the forwarded signals this process ignores: so shall the child */
static unsigned long ignored(void)
{
	struct sigaction old;
	unsigned long m = 0;
	size_t i;

	for (i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++)
		if (!sigaction(fwd[i], NULL, &old) && old.sa_handler == SIG_IGN)
			m |= 1UL << fwd[i];
	return m;
}

static int send_request(int fd, int argc, char **argv, unsigned long ign)
{
	char cwd[4096], num[16], mask[24], *body = NULL;
	size_t len = 0, cap = 0, off;
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { 0 };
	struct cmsghdr *cm;
	struct iovec iov;
	uint32_t blen;
	int fds[4], i, ns;
	ssize_t w;

	if (!getcwd(cwd, sizeof(cwd)))
		return -1;
	snprintf(num, sizeof(num), "%d", argc - 1);
	snprintf(mask, sizeof(mask), "%lu", ign);
	if (put(&body, &len, &cap, cwd) || put(&body, &len, &cap, mask) ||
	    put(&body, &len, &cap, num))
		return -1;
	for (i = 1; i < argc; i++)
		if (put(&body, &len, &cap, argv[i]))
			return -1;
	for (i = 0; environ[i]; i++)
		if (put(&body, &len, &cap, environ[i]))
			return -1;
	len--;			/* fields are separated, not terminated */

	ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return -1;
	for (i = 0; i < 3; i++)
		fds[i] = i;
	fds[3] = ns;
	blen = (uint32_t)len;
	iov.iov_base = &blen;
	iov.iov_len = sizeof(blen);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) != (ssize_t)sizeof(blen)) {
		close(ns);
		return -1;
	}
	close(ns);
	for (off = 0; off < len; off += (size_t)w) {
		w = send(fd, body + off, len - off, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
	}
	free(body);
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = getenv("DSLITE_PYFORK");
	unsigned long ign;
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned char st[4];
	size_t got = 0;
	uint32_t v;
	char ok = 0;
	ssize_t r;
	size_t i;

	if (!path || !*path)
		real_python(argv);
	/* a closed stdin/stdout/stderr is /dev/null, before the socket can
	 * take its number
	 */
	for (i = 0; i < 3; i++)
		if (fcntl((int)i, F_GETFD) < 0 &&
		    open("/dev/null", O_RDWR) != (int)i)
			real_python(argv);
	srv = connect_server(path);
	if (srv < 0)
		real_python(argv);
	ign = ignored();
	if (send_request(srv, argc, argv, ign) < 0 || read(srv, &ok, 1) != 1 ||
	    ok != 'K') {
		close(srv);
		real_python(argv);
	}
	/* the child runs: forward what can be caught, wait for its status */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++)
		if (!(ign & (1UL << fwd[i])))
			sigaction(fwd[i], &sa, NULL);
	while (got < sizeof(st)) {
		r = read(srv, st + got, sizeof(st) - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "pyfork: the fork server went away\n");
			return 1;
		}
		got += (size_t)r;
	}
	memcpy(&v, st, sizeof(v));
	if (v >= 256) {		/* killed by signal v - 256: so are we */
		signal((int)(v - 256), SIG_DFL);
		raise((int)(v - 256));
		return 128 + (int)(v - 256);
	}
	return (int)v;
}
