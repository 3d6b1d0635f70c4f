/* Unit tests for launch.c: the one-shot run's flag values, and users
 * looked up in a root filesystem that may be hostile. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/error.h"
#include "spacer/launch.h"
#include "spacer/rootfs-user.h"
#include "spacer/utils.h"
#include "unit.h"

static bool
cpus_is (const char *text, int64_t want)
{
  int64_t quota = -1;
  uint64_t period = 0;
  spc_err_t err = NULL;
  bool ok = spc_launch_parse_cpus (text, &quota, &period, &err) == 0;
  if (!ok)
    printf ("#   %s: %s\n", text, err->msg);
  spc_error_free (&err);
  return ok && quota == want && period == 100000;
}

static bool
cpus_refused (const char *text)
{
  int64_t quota;
  uint64_t period;
  spc_err_t err = NULL;
  bool refused = spc_launch_parse_cpus (text, &quota, &period, &err) < 0 && err != NULL;
  spc_error_free (&err);
  return refused;
}

/* Decimal CPUs, exactly: 0.3 is 30000 per 100000, not a float's guess. */
static bool
cpus_become_a_quota_per_period (void)
{
  CHECK (cpus_is ("0.5", 50000));
  CHECK (cpus_is ("2", 200000));
  CHECK (cpus_is ("0.3", 30000));
  CHECK (cpus_is ("1.25", 125000));
  CHECK (cpus_is ("0.01", 1000));
  CHECK (cpus_is ("1.00001", 100001));
  CHECK (cpus_refused ("1.000001")); /* finer than a microsecond per period */
  CHECK (cpus_refused ("0"));
  CHECK (cpus_refused ("0.0"));
  CHECK (cpus_refused ("0.009"));
  CHECK (cpus_refused ("-1"));
  CHECK (cpus_refused ("1."));
  CHECK (cpus_refused (".5"));
  CHECK (cpus_refused ("1e3"));
  CHECK (cpus_refused ("2 "));
  CHECK (cpus_refused (""));
  CHECK (cpus_refused ("99999999999999999999"));
  return true;
}

static char tmp[PATH_MAX];

static bool
make_tmp (void)
{
  snprintf (tmp, sizeof tmp, "%s/test-launch-XXXXXX", getenv ("TMPDIR") ? getenv ("TMPDIR")
                                                                          : "/tmp");
  return mkdtemp (tmp) != NULL;
}

static void
remove_tmp (void)
{
  spc_err_t err = NULL;
  spc_rm_rf_at (AT_FDCWD, tmp, &err);
  spc_error_free (&err);
}

static bool
write_file (const char *path, const char *text)
{
  FILE *f = fopen (path, "we");
  if (f == NULL)
    return false;
  fputs (text, f);
  return fclose (f) == 0;
}

/* The source is the part that may hold a colon; it must exist and comes
 * back absolute, symlinks resolved. */
static bool
volumes_parse (void)
{
  char src[PATH_MAX + 32], text[2 * PATH_MAX], *source = NULL, *dest = NULL;
  bool ro = true;
  spc_err_t err = NULL;
  snprintf (src, sizeof src, "%s/a:b", tmp);
  CHECK (mkdir (src, 0755) == 0);

  snprintf (text, sizeof text, "%s:/data", src);
  CHECK (spc_launch_parse_volume (text, &source, &dest, &ro, &err) == 0);
  CHECK_STR (source, src);
  CHECK_STR (dest, "/data");
  CHECK (!ro);
  free (source), free (dest);

  snprintf (text, sizeof text, "%s:/data:ro", src);
  CHECK (spc_launch_parse_volume (text, &source, &dest, &ro, &err) == 0);
  CHECK_STR (dest, "/data");
  CHECK (ro);
  free (source), free (dest);

  snprintf (text, sizeof text, "%s:/data:rw", src);
  CHECK (spc_launch_parse_volume (text, &source, &dest, &ro, &err) == 0);
  CHECK (!ro);
  free (source), free (dest);

  const char *bad[] = { "/nonexistent-launch-src:/x", "/tmp", "/tmp:", ":/x", "/tmp:data",
                        "/tmp:/", "/tmp://", "/tmp:/x:ro:", NULL };
  for (const char **b = bad; *b; b++)
    {
      if (spc_launch_parse_volume (*b, &source, &dest, &ro, &err) == 0)
        {
          printf ("#   `%s` taken as %s -> %s\n", *b, source, dest);
          return false;
        }
      spc_error_free (&err);
    }
  return true;
}

/* -e K takes the caller's K, and sets nothing when the caller has none. */
static bool
env_entries (void)
{
  _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
  spc_err_t err = NULL;
  CHECK (spc_launch_parse_env ("A=b=c", &a, &err) == 0);
  CHECK_STR (a, "A=b=c");
  setenv ("SPACER_LAUNCH_UNIT", "from caller", 1);
  CHECK (spc_launch_parse_env ("SPACER_LAUNCH_UNIT", &b, &err) == 0);
  CHECK_STR (b, "SPACER_LAUNCH_UNIT=from caller");
  unsetenv ("SPACER_LAUNCH_UNIT");
  CHECK (spc_launch_parse_env ("SPACER_LAUNCH_UNIT", &c, &err) == 0);
  CHECK (c == NULL);
  CHECK (spc_launch_parse_env ("=x", &c, &err) < 0);
  spc_error_free (&err);
  CHECK (spc_launch_parse_env ("", &c, &err) < 0);
  spc_error_free (&err);
  return true;
}

static bool
user_is (const char *rootfs, const char *user, uint32_t uid, uint32_t gid)
{
  uint32_t u = 0xdead, g = 0xdead;
  spc_err_t err = NULL;
  if (spc_rootfs_resolve_user (rootfs, user, &u, &g, &err) < 0)
    {
      printf ("#   %s: %s\n", user, err->msg);
      spc_error_free (&err);
      return false;
    }
  if (u != uid || g != gid)
    printf ("#   %s: %u:%u, want %u:%u\n", user, u, g, uid, gid);
  return u == uid && g == gid;
}

static bool
user_refused (const char *rootfs, const char *user)
{
  uint32_t u, g;
  spc_err_t err = NULL;
  bool refused = spc_rootfs_resolve_user (rootfs, user, &u, &g, &err) < 0;
  spc_error_free (&err);
  return refused;
}

static bool
users_resolve_in_the_rootfs (void)
{
  char rootfs[PATH_MAX + 16], etc[PATH_MAX + 32], path[PATH_MAX + 48];
  snprintf (rootfs, sizeof rootfs, "%s/rootfs", tmp);
  snprintf (etc, sizeof etc, "%s/etc", rootfs);
  CHECK (mkdir (rootfs, 0755) == 0 && mkdir (etc, 0755) == 0);

  /* No /etc/passwd: numbers only, the group 0 unless given. */
  CHECK (user_is (rootfs, "1000", 1000, 0));
  CHECK (user_is (rootfs, "1000:7", 1000, 7));
  CHECK (user_refused (rootfs, "app"));

  snprintf (path, sizeof path, "%s/passwd", etc);
  CHECK (write_file (path, "root:x:0:0:root:/root:/bin/sh\n"
                           "broken line\n"
                           "app:x:1000:1001::/home/app:/bin/sh\n"
                           "nobody:x:65534:65534:nobody:/:/bin/false\n"));
  snprintf (path, sizeof path, "%s/group", etc);
  CHECK (write_file (path, "root:x:0:\nstaff:x:50:app\napp:x:1001:\n"));
  CHECK (user_is (rootfs, "app", 1000, 1001));
  CHECK (user_is (rootfs, "1000", 1000, 1001));
  CHECK (user_is (rootfs, "app:staff", 1000, 50));
  CHECK (user_is (rootfs, "app:0", 1000, 0));
  CHECK (user_is (rootfs, "4242", 4242, 0));
  CHECK (user_is (rootfs, "nobody", 65534, 65534));
  CHECK (user_refused (rootfs, "ghost"));
  CHECK (user_refused (rootfs, "app:ghosts"));
  CHECK (user_refused (rootfs, "app:"));
  CHECK (user_refused (rootfs, ":50"));
  CHECK (user_refused (rootfs, "broken line"));
  return true;
}

/* A rootfs's /etc/passwd that is a symlink to an absolute path means that
 * path inside the rootfs, never the host's file of that name. */
static bool
symlinked_passwd_stays_in_the_rootfs (void)
{
  char rootfs[PATH_MAX + 16], outside[PATH_MAX + 16], path[PATH_MAX + 48];
  snprintf (rootfs, sizeof rootfs, "%s/hostile", tmp);
  snprintf (outside, sizeof outside, "%s/host-passwd", tmp);
  snprintf (path, sizeof path, "%s/etc", rootfs);
  CHECK (mkdir (rootfs, 0755) == 0 && mkdir (path, 0755) == 0);
  CHECK (write_file (outside, "intruder:x:4321:4321::/:/bin/sh\n"));
  snprintf (path, sizeof path, "%s/etc/passwd", rootfs);
  CHECK (symlink (outside, path) == 0);
  CHECK (user_refused (rootfs, "intruder"));

  /* A FIFO in its place is refused, not waited on. */
  CHECK (unlink (path) == 0 && mkfifo (path, 0644) == 0);
  CHECK (user_refused (rootfs, "anyone"));
  return true;
}

int
main (void)
{
  if (!make_tmp ())
    {
      perror ("mkdtemp");
      return 1;
    }
  RUN (cpus_become_a_quota_per_period);
  RUN (volumes_parse);
  RUN (env_entries);
  RUN (users_resolve_in_the_rootfs);
  RUN (symlinked_passwd_stays_in_the_rootfs);
  remove_tmp ();
  return unit_summary ();
}
