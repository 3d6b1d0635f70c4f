#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "spacer/sync.h"

struct sync_msg
{
  int32_t type;
  int32_t errno_;
  char text[3072];
};

int
spc_sync_send (int fd, enum spc_sync_type type, spc_err_t *err)
{
  struct sync_msg m = { .type = type };
  ssize_t n;
  do
    n = send (fd, &m, offsetof (struct sync_msg, text), MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return spc_error_errno (err, "sync: send");
  return 0;
}

int
spc_sync_send_error (int fd, const spc_error_t *e)
{
  struct sync_msg m = { .type = SPC_SYNC_ERROR, .errno_ = e ? e->errno_ : 0 };
  const char *text = e && e->msg ? e->msg : "unknown error";
  size_t len = strnlen (text, sizeof m.text - 1);
  memcpy (m.text, text, len);
  ssize_t n;
  do
    n = send (fd, &m, offsetof (struct sync_msg, text) + len + 1, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n < 0 ? -1 : 0;
}

static int
receive (int fd, struct sync_msg *m, spc_err_t *err)
{
  ssize_t n;
  do
    n = recv (fd, m, sizeof *m, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return spc_error_errno (err, "sync: receive");
  if (n > 0 && (size_t) n < offsetof (struct sync_msg, text))
    return spc_error_make (err, EPROTO, "sync: short message");
  return (int) n;
}

static int
error_from_init (struct sync_msg *m, spc_err_t *err)
{
  m->text[sizeof m->text - 1] = '\0';
  /* The text already carries strerror; keep errno for callers. */
  spc_error_make (err, 0, "container init: %s", m->text);
  if (err && *err)
    (*err)->errno_ = m->errno_;
  return -1;
}

int
spc_sync_wait_exec (int fd, spc_err_t *err)
{
  struct sync_msg m;
  int n = receive (fd, &m, err);
  if (n <= 0)
    return n;
  if (m.type == SPC_SYNC_ERROR)
    return error_from_init (&m, err);
  return spc_error_make (err, EPROTO, "sync: unexpected message %d", m.type);
}

int
spc_sync_expect (int fd, enum spc_sync_type type, spc_err_t *err)
{
  struct sync_msg m;
  int n = receive (fd, &m, err);
  if (n < 0)
    return -1;
  if (n == 0)
    return spc_error_make (err, 0, "container init exited before finishing set-up");
  if (m.type == SPC_SYNC_ERROR)
    return error_from_init (&m, err);
  if (m.type != (int32_t) type)
    return spc_error_make (err, EPROTO, "sync: expected message %d, got %d", type, m.type);
  return 0;
}
