/*
 * tool.h: what the interactive programs of ctests/ share (testcpg,
 * testevs, subscription, publish, testclm): stopping on SIGINT/SIGTERM,
 * and the loop that follows a library's callbacks, and optionally what
 * is typed on standard input, until a signal, a number of callbacks or
 * a time limit.
 *
 * The including file defines _POSIX_C_SOURCE (200809L) before any
 * system header.
 */
#ifndef CTESTS_TOOL_H
#define CTESTS_TOOL_H

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "timing.h"

/*
 * TOOL_INITIALIZE(rc, call): an SA Forum saXxxInitialize in a tool; the
 * executive may still be starting: 10 attempts, a second apart.
 */
#define TOOL_INITIALIZE(rc, call) RETRY(rc, call, SA_AIS_ERR_TRY_AGAIN, 10, 1000)

/* set by SIGINT or SIGTERM once stop_on_signals() ran */
static volatile sig_atomic_t stop_requested;

/*
 * RETRY_UNTIL_STOPPED(rc, call, busy): stores CALL's result in RC and
 * calls again, 10 ms apart, while it answers BUSY (the library's
 * TRY_AGAIN code), until a signal asks to stop.
 */
#define RETRY_UNTIL_STOPPED(rc, call, busy)                          \
	do {                                                         \
		while (((rc) = (call)) == (busy) && !stop_requested) \
			sleep_ms(10);                                \
	} while (0)

static inline void tool_on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* SIGINT and SIGTERM set stop_requested (and interrupt a wait) */
static inline void stop_on_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tool_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* what tool_follow() follows, and until when */
struct tool_follow {
	const char *program;		/* ahead of its error messages */
	int fd;				/* the library's selection object */
	int (*dispatch)(void *ctx);	/* 0, or -1 once it said why */
	/* a line typed on standard input, newlines removed; NULL: none read */
	void (*line)(void *ctx, char *text, size_t len);
	void *ctx;
	const unsigned long *seen;	/* the callbacks counted so far */
	unsigned long want;		/* stop once that many were seen; 0: no limit */
	double seconds;			/* stop after that long; 0: no limit */
};

/*
 * Dispatches F's library whenever its selection object is readable, and
 * hands each line typed on standard input to F->line (end of input does
 * not stop it), until a signal, F->want callbacks or F->seconds.
 * Returns the exit status: 0 on a normal stop, 1 on an error, 2 when the
 * time ran out before F->want callbacks came.
 */
static inline int tool_follow(const struct tool_follow *f)
{
	double deadline = f->seconds > 0 ? now_seconds() + f->seconds : 0;
	int input_open = f->line != NULL;

	while (!stop_requested && (f->want == 0 || *f->seen < f->want)) {
		struct pollfd p[2];
		int wait = 1000;

		if (deadline > 0) {
			double left = deadline - now_seconds();

			if (left <= 0)
				return f->want ? 2 : 0;
			if (left < 1.0)
				wait = (int)(left * 1000) + 1;
		}
		p[0].fd = f->fd;
		p[0].events = POLLIN;
		p[1].fd = input_open ? 0 : -1;
		p[1].events = POLLIN;
		if (poll(p, 2, wait) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: poll: %s\n", f->program, strerror(errno));
			return 1;
		}
		if (p[0].revents && f->dispatch(f->ctx) < 0)
			return 1;
		if (p[1].revents) {
			char line[4096];
			ssize_t n = read(0, line, sizeof(line));

			if (n <= 0) {
				input_open = 0;
				continue;
			}
			while (n > 0 && line[n - 1] == '\n')
				n--;
			f->line(f->ctx, line, (size_t)n);
		}
	}
	return 0;
}

#endif /* CTESTS_TOOL_H */
