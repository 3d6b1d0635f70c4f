/* Unit tests for sync.c: the messages between the runtime and the init, and
 * what happens when one side says something before the other waits for it. */
#include "config.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/error.h"
#include "spacer/sync.h"
#include "unit.h"

static bool
pair (int fds[2])
{
  return socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) == 0;
}

static bool
messages_arrive_in_order_with_their_payload (void)
{
  int fds[2];
  CHECK (pair (fds));
  spc_err_t err = NULL;
  _cleanup_free_ char *data = NULL;
  CHECK (spc_sync_send (fds[0], SPC_SYNC_MOUNTS_READY, &err) == 0);
  CHECK (spc_sync_send_data (fds[0], SPC_SYNC_HOOKS_DONE, "a\0b", 4, &err) == 0);
  CHECK (spc_sync_expect (fds[1], SPC_SYNC_MOUNTS_READY, &err) == 0);
  CHECK (spc_sync_expect_data (fds[1], SPC_SYNC_HOOKS_DONE, &data, &err) == 0);
  CHECK_STR (data, "a");
  CHECK_STR (data + 2, "b");
  close (fds[0]);
  close (fds[1]);
  return true;
}

/* The runtime says "cgroup placed" at once; an init without a cgroup mount
 * first asks for its hooks and waits for the cgroup at the end. */
static bool
an_early_notice_answers_the_wait_for_it_later (void)
{
  int fds[2];
  CHECK (pair (fds));
  spc_err_t err = NULL;
  _cleanup_free_ char *data = NULL;
  CHECK (spc_sync_send (fds[0], SPC_SYNC_CGROUP_PLACED, &err) == 0);
  CHECK (spc_sync_send_data (fds[0], SPC_SYNC_HOOKS_DONE, "state", 6, &err) == 0);
  CHECK (spc_sync_expect_data (fds[1], SPC_SYNC_HOOKS_DONE, &data, &err) == 0);
  CHECK_STR (data, "state");
  /* Nothing more is queued: the kept notice answers, without a read. */
  close (fds[0]);
  CHECK (spc_sync_expect (fds[1], SPC_SYNC_CGROUP_PLACED, &err) == 0);
  /* Once only. */
  CHECK (spc_sync_expect (fds[1], SPC_SYNC_CGROUP_PLACED, &err) < 0);
  CHECK_CONTAINS (err->msg, "exited before finishing set-up");
  spc_error_free (&err);
  close (fds[1]);
  return true;
}

static bool
a_kept_notice_does_not_answer_for_a_new_socket_with_the_same_number (void)
{
  int fds[2], again[2];
  CHECK (pair (fds));
  spc_err_t err = NULL;
  CHECK (spc_sync_send (fds[0], SPC_SYNC_CGROUP_PLACED, &err) == 0);
  CHECK (spc_sync_send (fds[0], SPC_SYNC_CREATED, &err) == 0);
  CHECK (spc_sync_expect (fds[1], SPC_SYNC_CREATED, &err) == 0);
  int number = fds[1];
  close (fds[0]);
  close (fds[1]);
  CHECK (pair (again));
  if (again[0] != number && again[1] != number)
    {
      close (again[0]);
      close (again[1]);
      return true; /* the kernel gave other numbers: nothing to check */
    }
  int reused = again[0] == number ? again[0] : again[1];
  int other = reused == again[0] ? again[1] : again[0];
  close (other);
  CHECK (spc_sync_expect (reused, SPC_SYNC_CGROUP_PLACED, &err) < 0);
  spc_error_free (&err);
  close (reused);
  return true;
}

static bool
any_other_message_out_of_turn_is_an_error (void)
{
  int fds[2];
  CHECK (pair (fds));
  spc_err_t err = NULL;
  CHECK (spc_sync_send (fds[0], SPC_SYNC_CREATED, &err) == 0);
  CHECK (spc_sync_expect (fds[1], SPC_SYNC_MOUNTS_READY, &err) < 0);
  CHECK (err->errno_ == EPROTO);
  CHECK_CONTAINS (err->msg, "expected message");
  spc_error_free (&err);
  close (fds[0]);
  close (fds[1]);
  return true;
}

static bool
the_init_s_error_comes_through_with_its_errno (void)
{
  int fds[2];
  CHECK (pair (fds));
  spc_err_t err = NULL, sent = NULL;
  spc_error_make (&sent, ENOENT, "mount `/proc`: No such file or directory");
  CHECK (spc_sync_send (fds[0], SPC_SYNC_CGROUP_PLACED, &err) == 0);
  CHECK (spc_sync_send_error (fds[0], sent) == 0);
  CHECK (spc_sync_expect (fds[1], SPC_SYNC_MOUNTS_READY, &err) < 0);
  CHECK (err->errno_ == ENOENT);
  CHECK_CONTAINS (err->msg, "container init: mount `/proc`");
  spc_error_free (&err);
  spc_error_free (&sent);
  close (fds[0]);
  close (fds[1]);
  return true;
}

int
main (void)
{
  RUN (messages_arrive_in_order_with_their_payload);
  RUN (an_early_notice_answers_the_wait_for_it_later);
  RUN (a_kept_notice_does_not_answer_for_a_new_socket_with_the_same_number);
  RUN (any_other_message_out_of_turn_is_an_error);
  RUN (the_init_s_error_comes_through_with_its_errno);
  return unit_summary ();
}
