/* linux.netDevices over rtnetlink: see netdev.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/log.h"
#include "spacer/netdev.h"

/* ---- rtnetlink ---------------------------------------------------------- */

struct nl_request
{
  struct nlmsghdr h;
  union
  {
    struct ifinfomsg link;
    struct ifaddrmsg addr;
  } u;
  char attrs[256];
};

static void
nl_init (struct nl_request *r, uint16_t type, uint16_t flags, size_t body)
{
  memset (r, 0, sizeof *r);
  r->h.nlmsg_type = type;
  r->h.nlmsg_flags = NLM_F_REQUEST | flags;
  r->h.nlmsg_len = NLMSG_LENGTH (body);
}

static void
nl_attr (struct nl_request *r, uint16_t type, const void *data, size_t len)
{
  struct rtattr *a = (struct rtattr *) ((char *) r + NLMSG_ALIGN (r->h.nlmsg_len));
  a->rta_type = type;
  a->rta_len = (unsigned short) RTA_LENGTH (len);
  memcpy (RTA_DATA (a), data, len);
  r->h.nlmsg_len = NLMSG_ALIGN (r->h.nlmsg_len) + RTA_ALIGN (a->rta_len);
}

static int
nl_open (spc_err_t *err)
{
  int fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0)
    return spc_error_errno (err, "rtnetlink socket");
  return fd;
}

typedef int (*nl_reply_fn) (const struct nlmsghdr *h, void *data, spc_err_t *err);

/* Send r and read the answer: the ack (or error) of a request, every
 * part of a dump until its end. Returns -errno of a refused request, with
 * *err unset, for the caller to word; -1 with *err set otherwise. */
static int
nl_talk (int fd, struct nl_request *r, nl_reply_fn each, void *data, spc_err_t *err)
{
  static uint32_t seq;
  r->h.nlmsg_seq = ++seq;
  /* Only the GET requests here are dumps (NLM_F_DUMP's bits are shared
   * with NLM_F_EXCL's and NLM_F_REPLACE's, so the flags do not tell). */
  if (r->h.nlmsg_type != RTM_GETLINK && r->h.nlmsg_type != RTM_GETADDR)
    r->h.nlmsg_flags |= NLM_F_ACK;
  if (send (fd, r, r->h.nlmsg_len, 0) < 0)
    return spc_error_errno (err, "rtnetlink send");
  for (;;)
    {
      /* 32 KiB: the most the kernel puts in one part of a dump. */
      char buf[32768] __attribute__ ((aligned (NLMSG_ALIGNTO)));
      ssize_t n = recv (fd, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return spc_error_errno (err, "rtnetlink receive");
      for (struct nlmsghdr *h = (struct nlmsghdr *) buf; NLMSG_OK (h, (size_t) n);
           h = NLMSG_NEXT (h, n))
        {
          if (h->nlmsg_seq != r->h.nlmsg_seq)
            continue;
          if (h->nlmsg_type == NLMSG_DONE)
            return 0;
          if (h->nlmsg_type == NLMSG_ERROR)
            {
              const struct nlmsgerr *e = NLMSG_DATA (h);
              return e->error; /* 0: the ack */
            }
          if (each && each (h, data, err) < 0)
            return -1;
        }
    }
}

/* A refusal (nl_talk's negative errno) as the error of interface host. */
static int
nl_refused (int r, spc_err_t *err, const char *host, const char *what)
{
  if (r == -1 && *err)
    return -1;
  errno = -r;
  return spc_error_errno (err, "linux.netDevices[\"%s\"]: %s", host, what);
}

/* A request that wants only its ack: 0, or the negative errno of its
 * refusal or of the socket's failure. */
static int
nl_ack (int fd, struct nl_request *r)
{
  spc_err_t err = NULL;
  int ret = nl_talk (fd, r, NULL, NULL, &err);
  if (ret == -1 && err)
    {
      ret = -(err->errno_ ? err->errno_ : EIO);
      spc_error_free (&err);
    }
  return ret;
}

/* ---- links -------------------------------------------------------------- */

static int
set_link (int fd, int index, unsigned flags, unsigned change, int netns_fd, const char *name)
{
  struct nl_request r;
  nl_init (&r, RTM_NEWLINK, 0, sizeof r.u.link);
  r.u.link.ifi_family = AF_UNSPEC;
  r.u.link.ifi_index = index;
  r.u.link.ifi_flags = flags;
  r.u.link.ifi_change = change;
  if (netns_fd >= 0)
    {
      uint32_t ns = (uint32_t) netns_fd;
      nl_attr (&r, IFLA_NET_NS_FD, &ns, sizeof ns);
    }
  if (name)
    nl_attr (&r, IFLA_IFNAME, name, strlen (name) + 1);
  return nl_ack (fd, &r);
}

/* A namespace's links, to tell the moved one by (its index) and to see a
 * name taken before anything moves. */
struct link
{
  int index;
  char name[IFNAMSIZ];
};

struct link_list
{
  struct link *items;
  size_t n, cap;
};

static int
collect_link (const struct nlmsghdr *h, void *data, spc_err_t *err)
{
  struct link_list *l = data;
  if (h->nlmsg_type != RTM_NEWLINK)
    return 0;
  if (l->n == l->cap)
    {
      size_t cap = l->cap ? 2 * l->cap : 16;
      struct link *items = realloc (l->items, cap * sizeof *items);
      if (items == NULL)
        return spc_error_make (err, ENOMEM, "realloc");
      l->items = items;
      l->cap = cap;
    }
  const struct ifinfomsg *m = NLMSG_DATA (h);
  struct link *link = &l->items[l->n++];
  *link = (struct link){ .index = m->ifi_index };
  int len = (int) IFLA_PAYLOAD (h);
  for (struct rtattr *at = IFLA_RTA (m); RTA_OK (at, len); at = RTA_NEXT (at, len))
    if (at->rta_type == IFLA_IFNAME)
      snprintf (link->name, sizeof link->name, "%.*s", (int) RTA_PAYLOAD (at),
                (const char *) RTA_DATA (at));
  return 0;
}

static int
list_links (int fd, struct link_list *l, const char *host, spc_err_t *err)
{
  struct nl_request r;
  l->n = 0;
  nl_init (&r, RTM_GETLINK, NLM_F_DUMP, sizeof r.u.link);
  r.u.link.ifi_family = AF_UNSPEC;
  int ret = nl_talk (fd, &r, collect_link, l, err);
  return ret < 0 ? nl_refused (ret, err, host, "list the interfaces of the container") : 0;
}

static bool
link_listed (const struct link_list *l, int index, const char *name)
{
  for (size_t i = 0; i < l->n; i++)
    if (name ? strcmp (l->items[i].name, name) == 0 : l->items[i].index == index)
      return true;
  return false;
}

/* ---- addresses ---------------------------------------------------------- */

struct address
{
  struct ifaddrmsg msg;
  unsigned char local[16], address[16], broadcast[16];
  size_t len; /* 4 or 16 */
  bool has_local, has_address, has_broadcast;
};

struct address_list
{
  int index;
  struct address *items;
  size_t n, cap;
};

/* Only permanent addresses of global scope, as runc keeps: the rest
 * (link-local, autoconfigured, with lifetimes) belong to the namespace
 * they came from. */
static int
collect_address (const struct nlmsghdr *h, void *data, spc_err_t *err)
{
  struct address_list *l = data;
  const struct ifaddrmsg *m = NLMSG_DATA (h);
  if (h->nlmsg_type != RTM_NEWADDR || (int) m->ifa_index != l->index
      || m->ifa_scope != RT_SCOPE_UNIVERSE || (m->ifa_family != AF_INET && m->ifa_family != AF_INET6))
    return 0;
  uint32_t flags = m->ifa_flags;
  struct address a = { .msg = *m, .len = m->ifa_family == AF_INET ? 4 : 16 };
  int len = (int) IFA_PAYLOAD (h);
  for (struct rtattr *at = IFA_RTA (m); RTA_OK (at, len); at = RTA_NEXT (at, len))
    {
      bool fits = RTA_PAYLOAD (at) == a.len;
      if (at->rta_type == IFA_FLAGS && RTA_PAYLOAD (at) == sizeof flags)
        memcpy (&flags, RTA_DATA (at), sizeof flags);
      else if (at->rta_type == IFA_LOCAL && fits)
        a.has_local = memcpy (a.local, RTA_DATA (at), a.len) != NULL;
      else if (at->rta_type == IFA_ADDRESS && fits)
        a.has_address = memcpy (a.address, RTA_DATA (at), a.len) != NULL;
      else if (at->rta_type == IFA_BROADCAST && fits)
        a.has_broadcast = memcpy (a.broadcast, RTA_DATA (at), a.len) != NULL;
    }
  if (!(flags & IFA_F_PERMANENT))
    return 0;
  if (l->n == l->cap)
    {
      size_t cap = l->cap ? 2 * l->cap : 8;
      struct address *items = realloc (l->items, cap * sizeof *items);
      if (items == NULL)
        return spc_error_make (err, ENOMEM, "realloc");
      l->items = items;
      l->cap = cap;
    }
  l->items[l->n++] = a;
  return 0;
}

static int
add_address (int fd, int index, const struct address *a)
{
  struct nl_request r;
  nl_init (&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof r.u.addr);
  r.u.addr = a->msg;
  r.u.addr.ifa_index = (uint32_t) index;
  r.u.addr.ifa_flags = 0;
  if (a->has_local)
    nl_attr (&r, IFA_LOCAL, a->local, a->len);
  if (a->has_address)
    nl_attr (&r, IFA_ADDRESS, a->address, a->len);
  if (a->has_broadcast)
    nl_attr (&r, IFA_BROADCAST, a->broadcast, a->len);
  return nl_ack (fd, &r);
}

/* ---- one device --------------------------------------------------------- */

/* An rtnetlink socket of the namespace netns_fd: a socket stays with the
 * namespace it was made in. */
static int
nl_open_in (int netns_fd, spc_err_t *err)
{
  _cleanup_close_ int own = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (own < 0)
    return spc_error_errno (err, "open the runtime's network namespace");
  if (setns (netns_fd, CLONE_NEWNET) < 0)
    return spc_error_errno (err, "enter the container's network namespace");
  int fd = nl_open (err);
  if (setns (own, CLONE_NEWNET) < 0)
    {
      /* The runtime must not go on in the container's namespace. */
      spc_error_free (err);
      if (fd >= 0)
        close (fd);
      return spc_error_errno (err, "return to the runtime's network namespace");
    }
  return fd;
}

struct move
{
  const struct spc_net_device *dev;
  int host_fd, ns_fd, netns_fd;
  struct address_list addrs;
  struct link_list before, after;
};

/* Was the interface up? (Then a refused move brings it up again.) */
static bool
link_is_up (const char *name)
{
  struct ifreq ifr = { 0 };
  _cleanup_close_ int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  strncpy (ifr.ifr_name, name, IFNAMSIZ - 1);
  return s >= 0 && ioctl (s, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
}

static int
name_taken (const char *host, const char *name, spc_err_t *err)
{
  return spc_error_make (err, 0, "linux.netDevices[\"%s\"]: the container's network namespace "
                                 "has an interface named \"%s\" already",
                         host, name);
}

static int
move_and_rename (struct move *m, int index, spc_err_t *err)
{
  const char *host = m->dev->host_name, *name = m->dev->name;
  /* Checked before anything changes: the kernel would move the link
   * under its old name first and refuse only the rename in there. A name
   * with %d is the kernel's to number. */
  if (strchr (name, '%') == NULL && link_listed (&m->before, 0, name))
    return name_taken (host, name, err);
  bool was_up = link_is_up (host);
  int r = set_link (m->host_fd, index, 0, IFF_UP, -1, NULL);
  if (r < 0)
    return nl_refused (r, err, host, "take it down");
  r = set_link (m->host_fd, index, 0, 0, m->netns_fd, name);
  /* Where it is still the host's, as it was (a race can have the kernel
   * move it and refuse the rename; it then goes with the container). */
  if (r < 0 && was_up)
    set_link (m->host_fd, index, IFF_UP, IFF_UP, -1, NULL);
  if (r == -EEXIST)
    return name_taken (host, name, err);
  if (r < 0)
    return nl_refused (r, err, host, "move it into the container's network namespace");
  return 0;
}

static int
move_one (struct move *m, spc_err_t *err)
{
  const char *host = m->dev->host_name;
  struct nl_request r;
  int index = (int) if_nametoindex (host);
  if (index == 0)
    return spc_error_make (err, 0, "linux.netDevices[\"%s\"]: no such interface in the runtime's "
                                   "network namespace",
                           host);
  m->addrs.index = index;
  m->addrs.n = 0;
  nl_init (&r, RTM_GETADDR, NLM_F_DUMP, sizeof r.u.addr);
  r.u.addr.ifa_family = AF_UNSPEC;
  int ret = nl_talk (m->host_fd, &r, collect_address, &m->addrs, err);
  if (ret < 0)
    return nl_refused (ret, err, host, "list its addresses");
  if (list_links (m->ns_fd, &m->before, host, err) < 0 || move_and_rename (m, index, err) < 0
      || list_links (m->ns_fd, &m->after, host, err) < 0)
    return -1;
  /* The moved link keeps its index unless the namespace had it taken:
   * it is the one that was not there before. */
  int moved = 0;
  for (size_t i = 0; i < m->after.n && moved == 0; i++)
    if (!link_listed (&m->before, m->after.items[i].index, NULL))
      moved = m->after.items[i].index;
  if (moved == 0)
    return spc_error_make (err, 0, "linux.netDevices[\"%s\"]: not found in the container's "
                                   "network namespace after the move",
                           host);
  for (size_t i = 0; i < m->addrs.n; i++)
    if ((ret = add_address (m->ns_fd, moved, &m->addrs.items[i])) < 0 && ret != -EEXIST)
      return nl_refused (ret, err, host, "add its address again");
  ret = set_link (m->ns_fd, moved, IFF_UP, IFF_UP, -1, NULL);
  if (ret < 0)
    return nl_refused (ret, err, host, "bring it up");
  spc_debug ("linux.netDevices: \"%s\" moved into the container (index %d, %zu addresses)", host,
             moved, m->addrs.n);
  return 0;
}

int
spc_netdev_move_all (const struct spc_linux *l, pid_t init_pid, int netns_fd, spc_err_t *err)
{
  if (l->n_net_devices == 0)
    return 0;
  _cleanup_close_ int own_netns = -1;
  if (netns_fd < 0)
    {
      char path[64];
      snprintf (path, sizeof path, "/proc/%d/ns/net", (int) init_pid);
      if ((own_netns = netns_fd = open (path, O_RDONLY | O_CLOEXEC)) < 0)
        return spc_error_errno (err, "linux.netDevices: open `%s`", path);
    }
  struct move m = { .netns_fd = netns_fd, .host_fd = -1, .ns_fd = -1 };
  int r = 0;
  if ((m.host_fd = nl_open (err)) < 0 || (m.ns_fd = nl_open_in (netns_fd, err)) < 0)
    r = -1;
  for (size_t i = 0; r == 0 && i < l->n_net_devices; i++)
    {
      m.dev = &l->net_devices[i];
      r = move_one (&m, err);
    }
  if (m.host_fd >= 0)
    close (m.host_fd);
  if (m.ns_fd >= 0)
    close (m.ns_fd);
  free (m.addrs.items);
  free (m.before.items);
  free (m.after.items);
  return r;
}
