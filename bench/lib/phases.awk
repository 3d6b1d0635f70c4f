# Split one `strace -f -ttt -T` trace into phases at landmark syscalls.
#   awk -v landmarks=FILE -f phases.awk TRACE
# FILE has one landmark a line, "NAME|WHO|AFTER|REGEX": the landmark is the
# first syscall matching REGEX (from its name on, or "<... NAME resumed>") in the traced process
# (WHO=main, the first pid of the trace) or any other (WHO=child) or any
# (WHO=any), once the landmark named AFTER (if not empty) was seen.
# Phases are the intervals of the merged timeline between landmarks seen,
# sorted by time; the last one ends when the main process exits. Each
# syscall counts in the phase in which it started. Prints, in time order,
# one line per phase: "NAME<TAB>syscalls<TAB>of them in children<TAB>usec",
# then "total<TAB>...", and "missing<TAB>NAME" for landmarks not seen.
BEGIN {
  while ((getline line < landmarks) > 0) {
    if (line ~ /^#/ || line == "") continue
    nl++
    # The first three fields: REGEX may hold "|" itself.
    for (k = 1; k <= 3; k++) { p = index(line, "|"); f[k] = substr(line, 1, p - 1); line = substr(line, p + 1) }
    lname[nl] = f[1]; lwho[nl] = f[2]; lafter[nl] = f[3]; lre[nl] = line
  }
}
function usec(ts,   p) { p = index(ts, "."); return substr(ts, 1, p - 1) * 1000000 + substr(ts, p + 1) }
{
  pid = $1; ts = usec($2)
  if (NR == 1) { main = pid; first = ts }
  call = $0; sub(/^[0-9]+ +[0-9.]+ +/, "", call)
  if (call ~ /^\+\+\+ / && pid == main) { end = ts; next }
  if (call ~ /^(---|\+\+\+)/) next # signals, exits
  # A resumed half ("<... wait4 resumed>...") is no syscall start, but can
  # be a landmark: the return of a call that blocked.
  if (call !~ /^<\.\.\./) { n++; cts[n] = ts; cchild[n] = (pid != main) }
  for (i = 1; i <= nl; i++) {
    if (i in seen) continue
    if (lwho[i] == "main" && pid != main) continue
    if (lwho[i] == "child" && pid == main) continue
    if (lafter[i] != "" && !(lafter[i] in seenname)) continue
    if (call ~ lre[i]) { seen[i] = ts; seenname[lname[i]] = 1 }
  }
}
END {
  if (end == "") end = cts[n]
  # Landmarks in time order (insertion sort: a dozen of them).
  m = 0
  for (i = 1; i <= nl; i++) {
    if (!(i in seen)) continue
    for (j = ++m; j > 1 && seen[order[j - 1]] > seen[i]; j--) order[j] = order[j - 1]
    order[j] = i
  }
  for (k = 1; k <= n; k++) {
    p = 0
    for (j = 1; j <= m; j++) if (cts[k] >= seen[order[j]]) p = j
    count[p]++; if (cchild[k]) kids[p]++
    total_kids += cchild[k]
  }
  if (count[0] > 0)
    printf "(before the first landmark)\t%d\t%d\t%d\n", count[0], kids[0], seen[order[1]] - first
  for (j = 1; j <= m; j++) {
    stop = j < m ? seen[order[j + 1]] : end
    printf "%s\t%d\t%d\t%d\n", lname[order[j]], count[j], kids[j], stop - seen[order[j]]
  }
  printf "total\t%d\t%d\t%d\n", n, total_kids, end - first
  for (i = 1; i <= nl; i++) if (!(i in seen)) printf "missing\t%s\n", lname[i]
}
