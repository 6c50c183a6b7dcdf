/* link: -lcpg */
/*
 * cpgverify: checks that every member of a CPG group delivers the same
 * messages in the same order, complete and intact.
 *
 *   cpgverify [-w MEMBERS] [-n COUNT] [-t SECONDS] [-s SIZE] [-g GROUP] [-v]
 *
 * Run one instance on every node (or several per node) with the same -w:
 * each joins GROUP (default "cpgverify"), waits until MEMBERS processes
 * (default 1) are in it, then multicasts COUNT numbered messages (default
 * 2000) of 16..SIZE bytes (default 1024) with a checksum, for at most
 * SECONDS (default 10), and a closing message saying how many it sent.
 *
 * Every instance checks every delivery: the checksum, that each sender's
 * numbers come one after the other, and the agreed order itself. For that
 * each message carries its sender's count of messages delivered so far and
 * a running digest of their identities; since the sender delivered those
 * before sending, every member has delivered the same ones before it, and
 * its own digest at that position must be the same.  At the end each
 * instance waits (at most SECONDS + 30) for every participant's closing
 * message and all its messages, prints its count and digest, and exits 0
 * only when nothing was missing, duplicated, corrupted or out of order.
 * Mismatches are printed as they are found (up to 20).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openais/cpg.h>

#include "timing.h"

#define MAGIC 0x56475043u	/* "CPGV" */
#define KIND_DATA 1u
#define KIND_DONE 2u
#define HEADER_LEN 56
#define MAX_PARTICIPANTS 128
#define MAX_REPORTS 20

struct participant {
	uint32_t nodeid, pid;
	uint64_t next_seq;	/* next number expected */
	int done;
	uint64_t total;		/* announced in the closing message */
};

static struct participant parts[MAX_PARTICIPANTS];
static int nparts;
static int started;		/* participants fixed, sending may begin */
static int want_members = 1;
static int verbose;

/* the agreed-order digest after each delivered data message */
static uint64_t *digests;
static uint64_t positions, positions_cap;
static uint64_t digest = 0xcbf29ce484222325ull;

static unsigned long errors, ignored;
static uint32_t my_nodeid, my_pid;

static void put32(unsigned char *p, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 4; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t mix_identity(uint64_t h, uint32_t nodeid, uint32_t pid, uint64_t seq)
{
	unsigned char id[16];

	put32(id, nodeid);
	put32(id + 4, pid);
	put64(id + 8, seq);
	return fnv(h, id, sizeof(id));
}

static void report(uint32_t nodeid, uint32_t pid, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(uint32_t nodeid, uint32_t pid, const char *fmt, ...)
{
	va_list ap;

	errors++;
	if (errors <= MAX_REPORTS) {
		printf("MISMATCH from %u/%u: ", nodeid, pid);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	} else if (errors == MAX_REPORTS + 1) {
		printf("(further mismatches not shown)\n");
	}
}

static struct participant *find(uint32_t nodeid, uint32_t pid)
{
	int i;

	for (i = 0; i < nparts; i++)
		if (parts[i].nodeid == nodeid && parts[i].pid == pid)
			return &parts[i];
	return NULL;
}

/* checks that the digest this member had at `pos` is `d` */
static void check_position(uint32_t nodeid, uint32_t pid, uint64_t pos, uint64_t d)
{
	uint64_t mine = pos == 0 ? 0xcbf29ce484222325ull : 0;

	if (pos > positions) {
		report(nodeid, pid, "it had delivered %llu messages, this member only %llu before it",
		       (unsigned long long)pos, (unsigned long long)positions);
		return;
	}
	if (pos > 0)
		mine = digests[pos - 1];
	if (mine != d)
		report(nodeid, pid, "order differs at position %llu (digest %016llx there, %016llx here)",
		       (unsigned long long)pos, (unsigned long long)d, (unsigned long long)mine);
}

static void on_deliver(cpg_handle_t handle, struct cpg_name *group, uint32_t nodeid,
		       uint32_t pid, void *msg, int msg_len)
{
	const unsigned char *m = msg;
	struct participant *p;
	uint32_t kind, body_len;
	uint64_t seq, pos, d;

	(void)handle;
	(void)group;
	if (msg_len < HEADER_LEN || get32(m) != MAGIC) {
		ignored++;
		return;
	}
	kind = get32(m + 4);
	p = find(nodeid, pid);
	if (p == NULL || get32(m + 8) != nodeid || get32(m + 12) != pid) {
		ignored++;
		if (verbose)
			printf("ignored a message of %u/%u, not a participant\n", nodeid, pid);
		return;
	}
	seq = get64(m + 16);
	pos = get64(m + 24);
	d = get64(m + 32);
	check_position(nodeid, pid, pos, d);
	if (kind == KIND_DONE) {
		p->done = 1;
		p->total = get64(m + 40);
		if (p->next_seq != p->total)
			report(nodeid, pid, "announced %llu messages, %llu delivered",
			       (unsigned long long)p->total, (unsigned long long)p->next_seq);
		if (verbose)
			printf("%u/%u done: %llu messages\n", nodeid, pid,
			       (unsigned long long)p->total);
		return;
	}
	body_len = get32(m + 48);
	if ((uint64_t)msg_len != (uint64_t)HEADER_LEN + body_len) {
		report(nodeid, pid, "length %d, header says %llu", msg_len,
		       (unsigned long long)HEADER_LEN + body_len);
	} else if ((uint32_t)fnv(0xcbf29ce484222325ull, m + HEADER_LEN, body_len) != get32(m + 52)) {
		report(nodeid, pid, "checksum wrong in message %llu", (unsigned long long)seq);
	}
	if (seq != p->next_seq)
		report(nodeid, pid, "message %llu where %llu was expected",
		       (unsigned long long)seq, (unsigned long long)p->next_seq);
	p->next_seq = seq + 1;
	digest = mix_identity(digest, nodeid, pid, seq);
	if (positions == positions_cap) {
		uint64_t *grown;

		positions_cap = positions_cap ? positions_cap * 2 : 4096;
		grown = realloc(digests, positions_cap * sizeof(*digests));
		if (grown == NULL) {
			fprintf(stderr, "cpgverify: out of memory\n");
			exit(1);
		}
		digests = grown;
	}
	digests[positions++] = digest;
}

static void on_confchg(cpg_handle_t handle, struct cpg_name *group,
		       struct cpg_address *members, int nmembers,
		       struct cpg_address *left, int nleft,
		       struct cpg_address *joined, int njoined)
{
	int i;

	(void)handle;
	(void)group;
	(void)joined;
	if (verbose)
		printf("group now has %d member(s), %d left, %d joined\n", nmembers, nleft,
		       njoined);
	for (i = 0; i < nleft; i++) {
		struct participant *p = find(left[i].nodeid, left[i].pid);

		if (started && p != NULL && !p->done) {
			printf("MISMATCH participant %u/%u left (reason %u) before it was done\n",
			       left[i].nodeid, left[i].pid, left[i].reason);
			errors++;
		}
	}
	if (!started && nmembers >= want_members) {
		nparts = 0;
		for (i = 0; i < nmembers && nparts < MAX_PARTICIPANTS; i++) {
			parts[nparts].nodeid = members[i].nodeid;
			parts[nparts].pid = members[i].pid;
			nparts++;
		}
		started = 1;
	}
}

static int dispatch_ready(cpg_handle_t h, int fd, int wait_ms)
{
	struct pollfd p;
	cpg_error_t rc;

	p.fd = fd;
	p.events = POLLIN;
	if (poll(&p, 1, wait_ms) < 0 && errno != EINTR)
		return -1;
	if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
		return 0;
	rc = cpg_dispatch(h, CPG_DISPATCH_ALL);
	if (rc != CPG_OK) {
		fprintf(stderr, "cpgverify: cpg_dispatch: %u\n", (unsigned)rc);
		return -1;
	}
	return 0;
}

/* multicasts one message; returns 1 when sent, 0 to retry, -1 on error */
static int send_message(cpg_handle_t h, unsigned char *buf, uint32_t kind, uint64_t seq,
			uint32_t body_len, uint64_t total)
{
	struct iovec iov;
	cpg_error_t rc;
	uint32_t i;

	put32(buf, MAGIC);
	put32(buf + 4, kind);
	put32(buf + 8, my_nodeid);
	put32(buf + 12, my_pid);
	put64(buf + 16, seq);
	put64(buf + 24, positions);
	put64(buf + 32, positions ? digests[positions - 1] : 0xcbf29ce484222325ull);
	put64(buf + 40, total);
	put32(buf + 48, body_len);
	for (i = 0; i < body_len; i++)
		buf[HEADER_LEN + i] = (unsigned char)(seq * 31 + i * 7 + my_pid);
	put32(buf + 52, (uint32_t)fnv(0xcbf29ce484222325ull, buf + HEADER_LEN, body_len));
	iov.iov_base = buf;
	iov.iov_len = HEADER_LEN + body_len;
	rc = cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1);
	if (rc == CPG_OK)
		return 1;
	if (rc == CPG_ERR_TRY_AGAIN)
		return 0;
	fprintf(stderr, "cpgverify: cpg_mcast_joined: %u\n", (unsigned)rc);
	return -1;
}

static int all_done(void)
{
	int i;

	for (i = 0; i < nparts; i++)
		if (!parts[i].done || parts[i].next_seq != parts[i].total)
			return 0;
	return 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: cpgverify [-w MEMBERS] [-n COUNT] [-t SECONDS] [-s SIZE] "
		"[-g GROUP] [-v]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	cpg_callbacks_t callbacks = { on_deliver, on_confchg };
	struct cpg_name group;
	const char *group_text = "cpgverify";
	unsigned long count = 2000, seconds = 10, size = 1024;
	unsigned char *buf;
	cpg_handle_t h;
	cpg_error_t rc;
	uint64_t sent = 0;
	long long t0, deadline, give_up;
	int fd, opt, i, done_sent = 0;

	while ((opt = getopt(argc, argv, "w:n:t:s:g:v")) != -1) {
		switch (opt) {
		case 'w': want_members = atoi(optarg); break;
		case 'n': count = strtoul(optarg, NULL, 0); break;
		case 't': seconds = strtoul(optarg, NULL, 0); break;
		case 's': size = strtoul(optarg, NULL, 0); break;
		case 'g': group_text = optarg; break;
		case 'v': verbose = 1; break;
		default: usage();
		}
	}
	if (want_members < 1 || want_members > MAX_PARTICIPANTS || size < 16 ||
	    size > 1000000 || strlen(group_text) > CPG_MAX_NAME_LENGTH)
		usage();
	buf = malloc(HEADER_LEN + size);
	if (buf == NULL)
		return 1;
	memset(&group, 0, sizeof(group));
	group.length = strlen(group_text);
	memcpy(group.value, group_text, group.length);
	my_pid = (uint32_t)getpid();

	RETRY(rc, cpg_initialize(&h, &callbacks), CPG_ERR_TRY_AGAIN, 51, 100);
	if (rc != CPG_OK) {
		fprintf(stderr, "cpgverify: cpg_initialize: %u\n", (unsigned)rc);
		return 1;
	}
	if (cpg_local_get(h, &my_nodeid) != CPG_OK || cpg_fd_get(h, &fd) != CPG_OK) {
		fprintf(stderr, "cpgverify: cannot get the local node id or the fd\n");
		return 1;
	}
	RETRY(rc, cpg_join(h, &group), CPG_ERR_TRY_AGAIN, 51, 100);
	if (rc != CPG_OK) {
		fprintf(stderr, "cpgverify: cpg_join: %u\n", (unsigned)rc);
		return 1;
	}

	/* wait for the participants */
	t0 = now_ms();
	while (!started) {
		if (now_ms() - t0 > 30000) {
			fprintf(stderr, "cpgverify: fewer than %d members after 30 s\n",
				want_members);
			return 1;
		}
		if (dispatch_ready(h, fd, 100) < 0)
			return 1;
	}
	printf("cpgverify: node %u pid %u: %d participant(s), sending %lu message(s) "
	       "of 16..%lu bytes for at most %lu s\n",
	       my_nodeid, my_pid, nparts, count, size, seconds);
	fflush(stdout);

	deadline = now_ms() + (long long)seconds * 1000;
	give_up = deadline + 30000;
	while (!(done_sent && all_done())) {
		int r = 1;

		if (now_ms() > give_up)
			break;
		if (!done_sent && (sent >= count || now_ms() >= deadline)) {
			r = send_message(h, buf, KIND_DONE, sent, 0, sent);
			if (r > 0)
				done_sent = 1;
		} else if (!done_sent) {
			uint32_t body = 16 + (uint32_t)((sent * 2654435761u) % (size - 15));

			r = send_message(h, buf, KIND_DATA, sent, body, 0);
			if (r > 0)
				sent++;
		}
		if (r < 0)
			return 1;
		/* keep the digests current; wait a little when refused or done */
		if (dispatch_ready(h, fd, r == 0 || done_sent ? 10 : 0) < 0)
			return 1;
	}
	for (i = 0; i < nparts; i++) {
		if (!parts[i].done) {
			printf("MISMATCH participant %u/%u: no closing message (%llu delivered)\n",
			       parts[i].nodeid, parts[i].pid,
			       (unsigned long long)parts[i].next_seq);
			errors++;
		} else if (parts[i].next_seq != parts[i].total) {
			printf("MISMATCH participant %u/%u: %llu of %llu messages delivered\n",
			       parts[i].nodeid, parts[i].pid,
			       (unsigned long long)parts[i].next_seq,
			       (unsigned long long)parts[i].total);
			errors++;
		}
	}
	printf("cpgverify: node %u pid %u: sent %llu, delivered %llu from %d participant(s), "
	       "order digest %016llx, %lu mismatch(es)%s\n",
	       my_nodeid, my_pid, (unsigned long long)sent, (unsigned long long)positions,
	       nparts, (unsigned long long)digest, errors, errors ? "" : ": OK");
	if (ignored)
		printf("cpgverify: %lu message(s) of non-participants ignored\n", ignored);
	cpg_finalize(h);
	free(buf);
	free(digests);
	return errors ? 1 : 0;
}
