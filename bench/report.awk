# report.awk: bench/compare's report, from its three files:
#	awk -f report.awk meta.tsv raw.tsv bursts.tsv		the markdown report
#	awk -f report.awk -v table=rate|p99 meta.tsv raw.tsv bursts.tsv
#						a table for gnuplot: one row per
#						concurrency, one column per server
# Medians are over rounds; a ratio is the median over rounds of the
# ratio within one round.  Plain POSIX awk (Debian's default is mawk).

BEGIN { FS = "\t"; nfile = 0; nskip = 0 }
FNR == 1 { nfile++; if (nfile > 1) next }

nfile == 1 {
	if ($1 == "skip") { skipname[++nskip] = $2; skipwhy[nskip] = $3 }
	else if ($1 == "cmd") cmd[$2] = $3
	else meta[$1] = $2
	next
}
nfile == 2 {
	s = $3; c = $2; r = $1
	mode[s] = $4
	rate[s, c, r] = $5; p50[s, c, r] = $6; p99[s, c, r] = $7
	failed[s] += $8; conns[s] += $9
	minflt[s] += $10; cminflt[s] += $11
	pcpu[s] += $12 + $13; ccpu[s] += $14 + $15
	if ($16 != "-") { logged[s] += $16; haslog[s] = 1 }
	next
}
nfile == 3 {
	s = $1; n = $2
	for (i = 2; i <= NF; i++) b[s, n, i] = $i
	bn[s, n] = 1
	next
}

END {
	nsrv = split(meta["servers"], srv, " ")
	nconc = split(meta["concs"], conc, " ")
	nround = meta["rounds"] + 0
	split(meta["hold"], hold, " ")
	tck = meta["tck"] + 0
	if (table != "") { chart(table); exit }
	report()
}

# The median of the numbers in the space-separated list l; "" if none.
function median(l,    v, n, i, j, t) {
	n = split(l, v, " ")
	if (n == 0) return ""
	for (i = 2; i <= n; i++) {
		t = v[i] + 0
		for (j = i - 1; j >= 1 && v[j] + 0 > t; j--) v[j + 1] = v[j]
		v[j + 1] = t
	}
	return n % 2 ? v[(n + 1) / 2] + 0 : (v[n / 2] + v[n / 2 + 1]) / 2
}

# Median over rounds of array a (rate, p50 or p99) for server s at c.
function med(which, s, c,    r, l) {
	l = ""
	for (r = 1; r <= nround; r++) {
		if (which == "rate" && (s, c, r) in rate) l = l " " rate[s, c, r]
		if (which == "p50" && (s, c, r) in p50) l = l " " p50[s, c, r]
		if (which == "p99" && (s, c, r) in p99) l = l " " p99[s, c, r]
	}
	return median(l)
}

# Median over rounds of rate(s) / rate(base) at c, each within one round.
function ratio(s, base, c,    r, l) {
	l = ""
	for (r = 1; r <= nround; r++)
		if ((s, c, r) in rate && (base, c, r) in rate && rate[base, c, r] > 0)
			l = l " " rate[s, c, r] / rate[base, c, r]
	return median(l)
}

function base(s) { return mode[s] == "echo" ? "forkd" : "forkd-cat" }
function service(s) { return mode[s] == "echo" ? "echo" : "exec /bin/cat" }
function fmt(v, f) { return v == "" ? "-" : sprintf(f, v) }
function known(s) { return s in mode }

# gnuplot's table: concurrency, then one column per server: the built-in
# echo servers first (forkd's variants leading), then the exec ones
# (forkd-cat leading); charts.gp draws them solid and dashed.
function chart(what,    i, j, k, n, col, line, v) {
	n = split("forkd forkd-syslog forkd-quiet", col, " ")
	k = 0
	for (j = 1; j <= n; j++)
		if (known(col[j])) ord[++k] = col[j]
	for (j = 1; j <= nsrv; j++)
		if (known(srv[j]) && mode[srv[j]] == "echo" && srv[j] !~ /^forkd/) ord[++k] = srv[j]
	if (known("forkd-cat")) ord[++k] = "forkd-cat"
	for (j = 1; j <= nsrv; j++)
		if (known(srv[j]) && mode[srv[j]] != "echo" && srv[j] != "forkd-cat") ord[++k] = srv[j]
	line = "c"
	for (j = 1; j <= k; j++) line = line "\t" ord[j]
	print line
	for (i = 1; i <= nconc; i++) {
		line = conc[i]
		for (j = 1; j <= k; j++) {
			v = med(what, ord[j], conc[i])
			line = line "\t" (v == "" ? "?" : v)
		}
		print line
	}
}

function report(    i, j, s, c, line, sep) {
	print "# forkd benchmark"
	print ""
	print "- Machine: " meta["machine"]
	print "- Command: `" meta["command"] "` (" meta["date"] ", " meta["elapsed"] " s)"
	print "- Load average (1, 5, 15 min): " meta["load"] "; the machine is shared"
	print "- " nround " round(s) of " meta["seconds"] " s per measurement at concurrency " meta["concs"] ";"
	print "  the order of the servers rotates each round; each measurement starts"
	print "  its server afresh on 127.0.0.1 (bench/loadgen: connect, send a line,"
	print "  half-close, read it back until the server closes)."
	print "- Figures are medians over the rounds; `×forkd` is the median over the"
	print "  rounds of the ratio to forkd measured in the same round: built-in"
	print "  echo servers against `forkd -b echo`, exec servers against"
	print "  `forkd -- /bin/cat`.  Compare only figures from the same run."
	print ""

	print "## Connections per second"
	print ""
	line = "| server | service |"; sep = "|---|---|"
	for (i = 1; i <= nconc; i++) { line = line " c=" conc[i] " | ×forkd |"; sep = sep "---:|---:|" }
	print line; print sep
	for (j = 1; j <= nsrv; j++) {
		s = srv[j]
		if (!known(s)) continue
		line = "| " s " | " service(s) " |"
		for (i = 1; i <= nconc; i++)
			line = line " " fmt(med("rate", s, conc[i]), "%.0f") " | " \
			    fmt(ratio(s, base(s), conc[i]), "%.2f") " |"
		print line
	}
	print ""

	print "## Latency (ms, per connection: connect to the server's close)"
	print ""
	line = "| server |"; sep = "|---|"
	for (i = 1; i <= nconc; i++) { line = line " c=" conc[i] " p50 | p99 |"; sep = sep "---:|---:|" }
	print line; print sep
	for (j = 1; j <= nsrv; j++) {
		s = srv[j]
		if (!known(s)) continue
		line = "| " s " |"
		for (i = 1; i <= nconc; i++)
			line = line " " fmt(med("p50", s, conc[i]), "%.2f") " | " \
			    fmt(med("p99", s, conc[i]), "%.2f") " |"
		print line
	}
	print ""

	print "## Cost per connection (all measurements together, from /proc/PID/stat)"
	print ""
	print "Parent: the server process (utime+stime, minflt); children: what it"
	print "reaped (cutime+cstime, cminflt), grandchildren included."
	print ""
	print "| server | parent CPU µs | parent minflt | children CPU µs | children minflt | connections | failed |"
	print "|---|---:|---:|---:|---:|---:|---:|"
	for (j = 1; j <= nsrv; j++) {
		s = srv[j]
		if (!known(s) || conns[s] == 0) continue
		printf("| %s | %.0f | %.2f | %.0f | %.1f | %d | %d |\n", s,
		    pcpu[s] / tck / conns[s] * 1e6, minflt[s] / conns[s],
		    ccpu[s] / tck / conns[s] * 1e6, cminflt[s] / conns[s],
		    conns[s], failed[s])
	}
	print ""

	memory()
	bursts()
	logging()
	targets()
	notes()
}

# RSS per child held, KiB; "" if unknown.
function rss(s, n) { return (s, n) in bn ? b[s, n, 11] : "" }

function memory(    j, s, lo, hi, idle, per, growth) {
	print "## Parent memory (VmRSS, KiB)"
	print ""
	print "| server | idle | " hold[1] " children held | " hold[2] \
	    " children held | bytes per child | growth " hold[1] "→" hold[2] " |"
	print "|---|---:|---:|---:|---:|---:|"
	for (j = 1; j <= nsrv; j++) {
		s = srv[j]
		lo = rss(s, hold[1]); hi = rss(s, hold[2])
		idle = (s, hold[1]) in bn ? b[s, hold[1], 10] : ""
		if (lo == "" && hi == "") continue
		per = lo != "" && hi != "" ? sprintf("%.0f", (hi - lo) * 1024 / (hold[2] - hold[1])) : "-"
		growth = lo > 0 && hi != "" ? sprintf("%+.1f%%", (hi / lo - 1) * 100) : "-"
		printf("| %s | %s | %s | %s | %s | %s |\n", s, fmt(idle, "%d"),
		    fmt(lo, "%d"), fmt(hi, "%d"), per, growth)
	}
	print ""
}

function bursts(    j, k, s, n) {
	print "## Bursts (N connections opened at once, held until each is served, closed at once)"
	print ""
	print "Lost: not served (echoed) within " meta["timeout"] " s, or refused or reset."
	print ""
	print "| server | N | served | lost | all served s | all reaped s after the closes | total s | peak zombies | left (live/zombie) |"
	print "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	for (j = 1; j <= nsrv; j++) {
		s = srv[j]
		for (k = 2; k <= 3; k++) {
			n = hold[k]
			if (n == "" || n == 0 || !((s, n) in bn)) continue
			printf("| %s | %d | %d | %d | %.2f | %.2f | %.2f | %d | %d/%d |\n", s, n,
			    b[s, n, 3], b[s, n, 4], b[s, n, 5], b[s, n, 6], b[s, n, 7],
			    b[s, n, 8], b[s, n, 12], b[s, n, 13])
		}
	}
	print ""
}

function logging(    i, j, s, line, sep, v, what) {
	if (!known("forkd-syslog") && !known("forkd-quiet")) return
	print "## The cost of logging (forkd -b echo, a reaped line per child)"
	print ""
	line = "| forkd logging | reaped lines / connections |"; sep = "|---|---:|"
	for (i = 1; i <= nconc; i++) { line = line " c=" conc[i] " | ×forkd |"; sep = sep "---:|---:|" }
	print line; print sep
	for (j = 1; j <= 3; j++) {
		s = j == 1 ? "forkd" : j == 2 ? "forkd-syslog" : "forkd-quiet"
		if (!known(s)) continue
		what = j == 1 ? "-L stderr to a file (forkd)" : j == 2 ? \
		    "-L syslog to rsyslogd (forkd-syslog)" : meta["quiet"] == "" ? \
		    "-L stderr to /dev/null (forkd-quiet)" : meta["quiet"] " (forkd-quiet)"
		v = haslog[s] ? sprintf("%d / %d", logged[s], conns[s]) : "-"
		line = "| " what " | " v " |"
		for (i = 1; i <= nconc; i++)
			line = line " " fmt(med("rate", s, conc[i]), "%.0f") " | " \
			    fmt(ratio(s, "forkd", conc[i]), "%.2f") " |"
		print line
	}
	print ""
}

# A line of the targets table: what, the figures, met or not (1, 0, -1: no data).
function target(what, fig, ok) {
	printf("| %s | %s | %s |\n", what, fig, ok < 0 ? "no data" : ok ? "met" : "**not met**")
}

function perconn(s, which) {
	if (!known(s) || conns[s] == 0) return ""
	return which == "p" ? minflt[s] / conns[s] : cminflt[s] / conns[s]
}

function targets(    i, c, v, fig, ok, best, bp, p, j, peers, np, s, k, n, ref, lo, hi) {
	print "## Targets (issue 8, item 4)"
	print ""
	print "| target | figures | |"
	print "|---|---|---|"
	# 1. built-in echo vs the minimal fork echo server.
	fig = ""; ok = -1
	for (i = 1; i <= nconc; i++) {
		c = conc[i]
		if (c == 1) continue
		v = ratio("forkd", "ref-fork-echo", c)
		if (v == "") continue
		fig = fig (fig == "" ? "" : ", ") "c=" c " " sprintf("%.2f×", v)
		ok = (ok != 0 && v >= 0.95) ? 1 : 0
	}
	target("built-in echo ≥ 0.95× ref-fork-echo at c=8, 32, 128, logging every reaped child", fig, ok)
	# 2. exec /bin/cat vs tcpserver, and p99 against the best peer.
	fig = ""; ok = -1
	for (i = 1; i <= nconc; i++) {
		c = conc[i]
		if (c == 1) continue
		v = ratio("forkd-cat", "tcpserver", c)
		if (v == "") continue
		fig = fig (fig == "" ? "" : ", ") "c=" c " " sprintf("%.2f×", v)
		ok = (ok != 0 && v >= 1.25) ? 1 : 0
	}
	target("exec /bin/cat ≥ 1.25× tcpserver at c=8, 32, 128", fig, ok)
	np = split("tcpserver tcpsvd socat xinetd-cat inetd-cat", peers, " ")
	fig = ""; ok = -1
	for (i = 1; i <= nconc; i++) {
		c = conc[i]
		if (c == 1) continue
		best = ""; bp = ""
		for (j = 1; j <= np; j++) {
			p = med("p99", peers[j], c)
			if (p != "" && (best == "" || p < best)) { best = p; bp = peers[j] }
		}
		v = med("p99", "forkd-cat", c)
		if (v == "" || best == "") continue
		fig = fig (fig == "" ? "" : ", ") "c=" c " " sprintf("%.1f ms vs %.1f (%s)", v, best, bp)
		ok = (ok != 0 && v <= best) ? 1 : 0
	}
	target("exec /bin/cat: p99 no worse than the best peer's", fig, ok)
	# 3. memory.
	for (k = 1; k <= 2; k++) {
		s = k == 1 ? "forkd" : "forkd-cat"
		lo = rss(s, hold[1]); hi = rss(s, hold[2])
		if (hi == "") { target(s ": parent RSS < 2 MiB with " hold[2] " children held", "", -1); continue }
		target(s ": parent RSS < 2 MiB with " hold[2] " children held", hi " KiB", hi < 2048)
		if (lo > 0)
			target(s ": RSS flat within 5% from " hold[1] " to " hold[2] " children",
			    sprintf("%+.1f%%, %.0f bytes per child", (hi / lo - 1) * 100,
			    (hi - lo) * 1024 / (hold[2] - hold[1])), hi <= lo * 1.05)
	}
	# 4. bursts.
	for (k = 1; k <= 2; k++) {
		s = k == 1 ? "forkd" : "forkd-cat"
		ref = k == 1 ? "ref-fork-echo" : "ref-spawn"
		for (j = 2; j <= 3; j++) {
			n = hold[j]
			if (n == "" || n == 0) continue
			if (!((s, n) in bn)) { target(s ": burst " n ": all served and reaped, no slower than " ref, "", -1); continue }
			fig = sprintf("served %d, lost %d, left %d/%d, %.2f s", b[s, n, 3], b[s, n, 4],
			    b[s, n, 12], b[s, n, 13], b[s, n, 7])
			ok = b[s, n, 3] == n && b[s, n, 4] == 0 && b[s, n, 12] == 0 && b[s, n, 13] == 0
			if ((ref, n) in bn) {
				fig = fig sprintf(" vs %.2f s", b[ref, n, 7])
				ok = ok && b[s, n, 7] <= b[ref, n, 7]
			}
			target(s ": burst " n ": all served and reaped, 0 zombies left, no slower than " ref, fig, ok)
		}
	}
	# 5. page faults.
	v = perconn("forkd", "p"); p = perconn("ref-fork-echo", "p")
	target("built-in: parent faults per connection within 1 of ref-fork-echo's",
	    v == "" || p == "" ? "" : sprintf("%.2f vs %.2f", v, p), v == "" || p == "" ? -1 : v <= p + 1)
	v = perconn("forkd", "c"); p = perconn("ref-fork-echo", "c")
	target("built-in: child faults per connection within 3 of ref-fork-echo's",
	    v == "" || p == "" ? "" : sprintf("%.1f vs %.1f", v, p), v == "" || p == "" ? -1 : v <= p + 3)
	v = perconn("forkd-cat", "p"); p = perconn("tcpserver", "p")
	target("exec: parent faults per connection no higher than tcpserver's",
	    v == "" || p == "" ? "" : sprintf("%.2f vs %.2f", v, p), v == "" || p == "" ? -1 : v <= p)
	print ""
}

function notes(    i, j, s) {
	print "## Notes"
	print ""
	print "- forkd logs a reaped line per child (`-L stderr` into a file, `-c 10000 -g 0`);"
	print "  the peers and the references log nothing per connection."
	if (meta["quiet"] == "")
		print "- forkd-quiet: forkd has no option to turn the reaped lines off yet; the" \
		    "\n  nearest, measured here, is `-L stderr` into /dev/null (the lines are still" \
		    "\n  formatted and written).  Once the option exists, run with" \
		    "\n  `FORKD_QUIET_ARGS=\"--the-option\" bench/compare`."
	print "- openbsd-inetd runs an internal service only under its /etc/services"
	print "  name: its echo listens on 127.0.0.1:7.  xinetd and inetd run from"
	print "  `apt-get download` + `dpkg-deb -x` (the packages conflict)."
	print "- Listen backlogs: xinetd has no setting (its own 64); tcpserver -b 4096,"
	print "  tcpsvd -b 4096, socat backlog=4096, inetd -q 4096, forkd and the"
	print "  references the kernel's maximum (net.core.somaxconn)."
	print "- xinetd's and inetd's configuration files follow the command lines."
	for (i = 1; i <= nskip; i++)
		print "- Not measured: " skipname[i] ": " skipwhy[i] "."
	print ""
	print "### Command lines"
	print ""
	print "| server | command (PORT: a free port, picked afresh each time) |"
	print "|---|---|"
	for (j = 1; j <= nsrv; j++) {
		s = srv[j]
		print "| " s " | `" cmd[s] "` |"
	}
}
