/* link: -levs */
/*
 * testevs: join an EVS group, print configuration changes and messages,
 * and multicast every line typed on standard input to the group.
 *
 *   testevs [-g KEY] [-n COUNT] [-t SECONDS] [-s]
 *
 * KEY (default "key1") is the group key, zero-padded to its 32 bytes.
 * -s multicasts with EVS_TYPE_SAFE (else EVS_TYPE_AGREED).  Stops on
 * SIGINT/SIGTERM, after COUNT callbacks (-n), or after SECONDS (-t); end
 * of input does not stop it.  Exit status: 0 on a normal stop, 1 on an
 * error, 2 when -t ran out before the -n callbacks arrived.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <openais/evs.h>

static volatile sig_atomic_t stop_requested;
static unsigned long callbacks_seen;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void print_nodes(const char *title, const unsigned int *list, int n)
{
	int i;

	printf("  %s (%d):", title, n);
	for (i = 0; i < n; i++)
		printf(" %u", list[i]);
	printf("\n");
}

static void on_confchg(unsigned int *members, int nmembers, unsigned int *left, int nleft,
		       unsigned int *joined, int njoined)
{
	callbacks_seen++;
	printf("CONFIGURATION CHANGE\n");
	print_nodes("members", members, nmembers);
	print_nodes("left", left, nleft);
	print_nodes("joined", joined, njoined);
	fflush(stdout);
}

static void on_deliver(unsigned int nodeid, void *msg, int msg_len)
{
	const unsigned char *m = msg;
	int i;

	callbacks_seen++;
	printf("DELIVER from node %u (%d bytes): ", nodeid, msg_len);
	for (i = 0; i < msg_len; i++)
		putchar(m[i] >= 32 && m[i] < 127 ? m[i] : '.');
	printf("\n");
	fflush(stdout);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	evs_callbacks_t callbacks = { on_deliver, on_confchg };
	const char *key = "key1";
	unsigned long max_callbacks = 0, seconds = 0;
	evs_guarantee_t guarantee = EVS_TYPE_AGREED;
	unsigned int local, members[64], nmembers = 64;
	struct evs_group group;
	struct sigaction sa;
	evs_handle_t h;
	evs_error_t rc;
	long long deadline = 0;
	int fd, opt, input_open = 1, status = 0;

	while ((opt = getopt(argc, argv, "g:n:t:s")) != -1) {
		switch (opt) {
		case 'g': key = optarg; break;
		case 'n': max_callbacks = strtoul(optarg, NULL, 0); break;
		case 't': seconds = strtoul(optarg, NULL, 0); break;
		case 's': guarantee = EVS_TYPE_SAFE; break;
		default:
			fprintf(stderr, "usage: testevs [-g KEY] [-n COUNT] [-t SECONDS] [-s]\n");
			return 1;
		}
	}
	if (strlen(key) > sizeof(group.key)) {
		fprintf(stderr, "testevs: a key has at most %d bytes\n", (int)sizeof(group.key));
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	memset(&group, 0, sizeof(group));
	memcpy(group.key, key, strlen(key));

	rc = evs_initialize(&h, &callbacks);
	if (rc != EVS_OK) {
		fprintf(stderr, "testevs: evs_initialize: error %u\n", (unsigned)rc);
		return 1;
	}
	if (evs_membership_get(h, &local, members, &nmembers) == EVS_OK) {
		printf("local node id %u\n", local);
		print_nodes("current members", members, (int)nmembers);
	}
	rc = evs_join(h, &group, 1);
	if (rc != EVS_OK) {
		fprintf(stderr, "testevs: evs_join: error %u\n", (unsigned)rc);
		evs_finalize(h);
		return 1;
	}
	evs_fd_get(h, &fd);
	if (seconds)
		deadline = now_ms() + (long long)seconds * 1000;
	printf("joined group %s; type lines to multicast them\n", key);
	fflush(stdout);

	while (!stop_requested && (max_callbacks == 0 || callbacks_seen < max_callbacks)) {
		struct pollfd p[2];
		int wait = -1;

		if (deadline) {
			long long left = deadline - now_ms();

			if (left <= 0) {
				status = max_callbacks ? 2 : 0;
				break;
			}
			wait = (int)(left > 1000 ? 1000 : left);
		}
		p[0].fd = fd;
		p[0].events = POLLIN;
		p[1].fd = input_open ? 0 : -1;
		p[1].events = POLLIN;
		if (poll(p, 2, wait) < 0) {
			if (errno == EINTR)
				continue;
			perror("testevs: poll");
			status = 1;
			break;
		}
		if (p[0].revents) {
			rc = evs_dispatch(h, EVS_DISPATCH_ALL);
			if (rc != EVS_OK) {
				fprintf(stderr, "testevs: evs_dispatch: error %u\n", (unsigned)rc);
				status = 1;
				break;
			}
		}
		if (p[1].revents) {
			char line[4096];
			ssize_t n = read(0, line, sizeof(line));

			if (n <= 0) {
				input_open = 0;
			} else {
				struct iovec iov = { line, (size_t)n };

				while (n > 0 && line[n - 1] == '\n')
					iov.iov_len = (size_t)--n;
				do {
					rc = evs_mcast_joined(h, guarantee, &iov, 1);
					if (rc == EVS_ERR_TRY_AGAIN)
						poll(NULL, 0, 10);
				} while (rc == EVS_ERR_TRY_AGAIN && !stop_requested);
				if (rc != EVS_OK)
					fprintf(stderr, "testevs: evs_mcast_joined: error %u\n",
						(unsigned)rc);
			}
		}
	}
	evs_leave(h, &group, 1);
	evs_finalize(h);
	return status;
}
