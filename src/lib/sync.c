#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "spacer/cleanup.h"
#include "spacer/sync.h"
#include "spacer/utils.h"

/* One datagram per message: this header, then `len` bytes of payload (an
 * error text, a state document). A datagram cannot outgrow the socket's
 * send buffer, so a big payload goes in parts, all but the last marked
 * `more`. */
struct sync_header
{
  int32_t type;
  int32_t errno_;
  uint32_t len;
  uint32_t more;
};

#define SYNC_PART_MAX (64 * 1024)

static int
send_part (int fd, const struct sync_header *h, const char *data)
{
  struct iovec iov[2] = {
    { .iov_base = (void *) h, .iov_len = sizeof *h },
    { .iov_base = (void *) data, .iov_len = h->len },
  };
  struct msghdr msg = { .msg_iov = iov, .msg_iovlen = h->len ? 2 : 1 };
  ssize_t n;
  do
    n = sendmsg (fd, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n < 0 ? -1 : 0;
}

static int
send_message (int fd, int32_t type, int32_t errno_, const char *data, size_t len)
{
  do
    {
      size_t part = len > SYNC_PART_MAX ? SYNC_PART_MAX : len;
      struct sync_header h = { .type = type, .errno_ = errno_, .len = (uint32_t) part,
                               .more = len > part };
      if (send_part (fd, &h, data) < 0)
        return -1;
      data += part;
      len -= part;
    }
  while (len > 0);
  return 0;
}

int
spc_sync_send (int fd, enum spc_sync_type type, spc_err_t *err)
{
  return spc_sync_send_data (fd, type, NULL, 0, err);
}

int
spc_sync_send_data (int fd, enum spc_sync_type type, const char *data, size_t len,
                    spc_err_t *err)
{
  if (send_message (fd, type, 0, data, len) < 0)
    return spc_error_errno (err, "sync: send");
  return 0;
}

int
spc_sync_send_error (int fd, const spc_error_t *e)
{
  const char *text = e && e->msg ? e->msg : "unknown error";
  return send_message (fd, SPC_SYNC_ERROR, e ? e->errno_ : 0, text, strlen (text));
}

/* Receive one datagram; its payload is appended to *buf (of *len bytes,
 * kept NUL-terminated). Returns 0 for end-of-file, 1 for a part. flags:
 * MSG_DONTWAIT or 0. */
static int
receive_part (int fd, struct sync_header *h, char **buf, size_t *len, int flags, spc_err_t *err)
{
  /* Peek with MSG_TRUNC for the datagram's real size, then take it whole. */
  ssize_t size;
  do
    size = recv (fd, NULL, 0, MSG_PEEK | MSG_TRUNC | flags);
  while (size < 0 && errno == EINTR);
  if (size < 0)
    return spc_error_errno (err, "sync: receive");
  if (size == 0)
    return 0;
  if ((size_t) size < sizeof *h)
    return spc_error_make (err, EPROTO, "sync: short message");
  char *grown = realloc (*buf, *len + (size_t) size + 1);
  if (grown == NULL)
    return spc_error_errno (err, "sync: receive");
  *buf = grown;
  char *at = grown + *len;
  ssize_t n;
  do
    n = recv (fd, at, (size_t) size, flags);
  while (n < 0 && errno == EINTR);
  if (n != size)
    return spc_error_errno (err, "sync: receive");
  memcpy (h, at, sizeof *h);
  if (h->len != (size_t) size - sizeof *h)
    return spc_error_make (err, EPROTO, "sync: bad message length");
  memmove (at, at + sizeof *h, h->len);
  *len += h->len;
  grown[*len] = '\0';
  return 1;
}

/* Receive one message, all its parts; its payload (NUL-terminated) goes to
 * *data when data is non-NULL. Returns 0 for end-of-file, 1 for a
 * message. */
static int
receive_flags (int fd, struct sync_header *h, char **data, int flags, spc_err_t *err)
{
  _cleanup_free_ char *buf = NULL;
  size_t len = 0;
  int n;
  do
    {
      n = receive_part (fd, h, &buf, &len, flags, err);
      flags = 0; /* the rest of a message follows at once */
    }
  while (n > 0 && h->more);
  if (n > 0 && data)
    *data = buf ? steal_pointer (&buf) : strdup ("");
  return n;
}

static int
receive (int fd, struct sync_header *h, char **data, spc_err_t *err)
{
  return receive_flags (fd, h, data, 0, err);
}

static int
error_from_init (const struct sync_header *h, const char *text, spc_err_t *err)
{
  /* The text already carries strerror; keep errno for callers. */
  return spc_error_classed (err, h->errno_, "container init: %s", text);
}

int
spc_sync_wait_exec (int fd, spc_err_t *err)
{
  struct sync_header h;
  _cleanup_free_ char *text = NULL;
  int n = receive (fd, &h, &text, err);
  if (n <= 0)
    return n;
  if (h.type == SPC_SYNC_ERROR)
    return error_from_init (&h, text, err);
  return spc_error_make (err, EPROTO, "sync: unexpected message %d", h.type);
}

/* Messages that carry nothing but their type, and that a side may send
 * before the other waits for them: the runtime says "cgroup placed" as soon
 * as it is, while the init may first ask for its hooks and wait for the
 * cgroup only later. Such a message that arrives while another is awaited
 * is kept, per socket, and answers the wait for it when that comes. A
 * process has few sockets at once (the init one, the runtime one per
 * container it makes); a full table makes an early message the error it
 * was before. */
#define EARLY_SOCKETS 8

static struct
{
  int fd;
  ino_t socket; /* the fd's socket then: a number reused later is another */
  unsigned types; /* bit 1 << type */
} early[EARLY_SOCKETS];

static ino_t
socket_of (int fd)
{
  struct stat st;
  return fstat (fd, &st) == 0 ? st.st_ino : 0;
}

static bool
may_come_early (int32_t type)
{
  return type == SPC_SYNC_CGROUP_PLACED || type == SPC_SYNC_USERNS_MAPPED
         || type == SPC_SYNC_START;
}

static bool
keep_early (int fd, int32_t type)
{
  ino_t socket = socket_of (fd);
  size_t free = EARLY_SOCKETS;
  for (size_t i = 0; i < EARLY_SOCKETS; i++)
    {
      if (early[i].types && early[i].fd == fd && early[i].socket == socket)
        {
          early[i].types |= 1U << type;
          return true;
        }
      /* A slot of a socket gone, or of another now at this number. */
      if (early[i].types == 0 || early[i].fd == fd)
        free = i;
    }
  if (free == EARLY_SOCKETS)
    return false;
  early[free].fd = fd;
  early[free].socket = socket;
  early[free].types = 1U << type;
  return true;
}

static bool
take_early (int fd, enum spc_sync_type type)
{
  for (size_t i = 0; i < EARLY_SOCKETS; i++)
    if ((early[i].types & (1U << type)) && early[i].fd == fd)
      {
        if (early[i].socket != socket_of (fd))
          {
            early[i].types = 0;
            return false;
          }
        early[i].types &= ~(1U << type);
        return true;
      }
  return false;
}

int
spc_sync_expect_data (int fd, enum spc_sync_type type, char **data, spc_err_t *err)
{
  if (data == NULL && take_early (fd, type))
    return 0;
  for (;;)
    {
      struct sync_header h;
      _cleanup_free_ char *payload = NULL;
      int n = receive (fd, &h, &payload, err);
      if (n < 0)
        return -1;
      if (n == 0)
        return spc_error_make (err, 0, "container init exited before finishing set-up");
      if (h.type == SPC_SYNC_ERROR)
        return error_from_init (&h, payload, err);
      if (h.type == (int32_t) type)
        {
          if (data)
            *data = steal_pointer (&payload);
          return 0;
        }
      if (!(may_come_early (h.type) && h.len == 0 && keep_early (fd, h.type)))
        return spc_error_make (err, EPROTO, "sync: expected message %d, got %d", type, h.type);
    }
}

int
spc_sync_expect (int fd, enum spc_sync_type type, spc_err_t *err)
{
  return spc_sync_expect_data (fd, type, NULL, err);
}

void
spc_sync_prefer_init_error (int fd, spc_err_t *err)
{
  for (;;)
    {
      struct sync_header h;
      _cleanup_free_ char *text = NULL;
      spc_err_t ignored = NULL;
      int n = receive_flags (fd, &h, &text, MSG_DONTWAIT, &ignored);
      spc_error_free (&ignored);
      if (n <= 0)
        return;
      if (h.type == SPC_SYNC_ERROR)
        {
          spc_error_free (err);
          error_from_init (&h, text, err);
          return;
        }
    }
}

int
spc_sync_send_fd (int fd, enum spc_sync_type type, int passed, spc_err_t *err)
{
  struct sync_header h = { .type = type };
  if (spc_send_fd (fd, passed, &h, sizeof h, err) < 0)
    return spc_error_prefix (err, "sync: send");
  return 0;
}

int
spc_sync_expect_fd (int fd, enum spc_sync_type type, spc_err_t *err)
{
  /* The init may have failed instead: then its report is what comes. */
  struct sync_header h;
  ssize_t n;
  do
    n = recv (fd, &h, sizeof h, MSG_PEEK);
  while (n < 0 && errno == EINTR);
  if (n == (ssize_t) sizeof h && h.type != (int32_t) type)
    return spc_sync_expect (fd, type, err);
  int passed = spc_recv_fd (fd, &h, sizeof h, err);
  if (passed < 0)
    return spc_error_prefix (err, "sync: receive");
  return passed;
}
