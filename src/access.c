/*
 * Access rules (-a FILE): parsed once at start, matched for every
 * connection.  Parsing is pure (text in, rules or a message naming the
 * line out).  Matching does not walk the rules: each address family has
 * a path-compressed binary trie of the rules' prefixes, so a lookup
 * visits about log2(rules) nodes and allocates nothing.
 *
 * The families are kept apart on purpose: a v4-mapped IPv6 client
 * (::ffff:a.b.c.d) is matched as the IPv4 client a.b.c.d, and a mapped
 * rule (::ffff:a.b.c.d/LEN) is stored as the IPv4 rule a.b.c.d/(LEN-96),
 * so IPv4 clients meet IPv4 rules and "all" only.  An IPv6 rule such as
 * ::/0 or ::/80 never matches an IPv4 or mapped client, which is what
 * one means by "::/0" (every IPv6 client), whatever the socket family.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "forkd.h"
#include "access.h"

#define ACCESS_MAX_LINE		4096	/* bytes, not counting the line end */
#define ACCESS_MAX_RULES	1000000
#define ACCESS_MAX_FILE		(64 * 1024 * 1024)
#define NO_RULE			UINT32_MAX

/* Like CUT(), for the first n bytes of s (not NUL-terminated there). */
#define CUTN(s, n)	(int)((n) > FORKD_CUT_MAX ? FORKD_CUT_MAX : (n)), \
			(s), ((n) > FORKD_CUT_MAX ? "..." : "")

/* An address or prefix as 128 bits, first bit first; IPv4 in the top 32. */
struct key {
	uint64_t	w[2];
};

/*
 * A trie node: the prefix it stands for (the first len bits of key, the
 * others zero), its children by the bit after the prefix (0: none; the
 * root, node 0, is nobody's child) and the first rule with exactly this
 * prefix.  Path compression: a node exists only where a rule sits or two
 * branches part, so a trie has fewer than two nodes a rule.
 */
struct node {
	struct key	key;
	uint32_t	child[2];
	uint32_t	rule;		/* index into rules; NO_RULE: none */
	uint8_t		len;
};

/* One family's trie; the nodes live in one array, linked by index. */
struct trie {
	struct node	*v;
	size_t		 n;
	size_t		 cap;
	unsigned	 bits;		/* 32 or 128 */
};

struct access_rules {
	char			*name;
	struct access_rule	*rule;		/* in line order */
	size_t			 nrule;
	size_t			 caprule;
	struct trie		 t4;
	struct trie		 t6;
	char			*pool;		/* "NAME=value\0", in order */
	size_t			 npool;
	size_t			 cappool;
	char			**envv;		/* into pool, for rule.env */
	size_t			 nenv;
};

/* One line's rule as parsed, before it is added. */
struct line {
	int		 allow;
	int		 all;
	int		 v6;
	struct key	 key;
	unsigned	 len;
	size_t		 nenv;
	const char	*env[ACCESS_MAX_ENV];	/* into the line buffer */
	size_t		 namelen[ACCESS_MAX_ENV];
};

/* A word of the line, NUL-terminated in the line buffer. */
struct word {
	char	*s;		/* NULL: no more words on this line */
	int	 quoted;	/* NAME="...": its value was unescaped */
};

struct parser {
	struct access_rules	*r;
	const char		*name;
	unsigned		 lineno;
	char			*err;
	size_t			 errlen;
	char			 buf[ACCESS_MAX_LINE + 1];
};

/* Variables forkd sets itself, or never passes on to a program. */
static const char *const reserved_names[] = {
	"PROTO", "TCPLOCALIP", "TCPLOCALPORT", "TCPREMOTEIP", "TCPREMOTEPORT",
	"TCPLOCALHOST", "TCPREMOTEHOST", "TCPREMOTEINFO", "REMOTE_ADDR",
	"REMOTE_PORT", "TCPCONNNUM", "PROXYIP", "PROXYPORT", "LISTEN_FDS",
	"LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET",
};

static const unsigned char mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* The big-endian 64-bit number at b. */
static uint64_t
load64(const unsigned char *b)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

/* The key of address b: 16 bytes when v6, else 4. */
static struct key
key_of(const unsigned char *b, int v6)
{
	struct key k;

	if (v6) {
		k.w[0] = load64(b);
		k.w[1] = load64(b + 8);
	} else {
		k.w[0] = (uint64_t)b[0] << 56 | (uint64_t)b[1] << 48 |
		    (uint64_t)b[2] << 40 | (uint64_t)b[3] << 32;
		k.w[1] = 0;
	}
	return k;
}

/* Bit i of k, from 0 (the first). */
static unsigned
key_bit(const struct key *k, unsigned i)
{
	return (unsigned)(k->w[i >> 6] >> (63 - (i & 63))) & 1;
}

/* How many leading bits a and b share, 0..128. */
static unsigned
key_common(const struct key *a, const struct key *b)
{
	uint64_t d;

	if ((d = a->w[0] ^ b->w[0]) != 0)
		return (unsigned)__builtin_clzll(d);
	if ((d = a->w[1] ^ b->w[1]) != 0)
		return 64 + (unsigned)__builtin_clzll(d);
	return 128;
}

/* The first n bits of a 64-bit word set, n 0..64. */
static uint64_t
mask64(unsigned n)
{
	return n == 0 ? 0 : UINT64_MAX << (64 - n);
}

/* k with every bit from len on cleared. */
static struct key
key_mask(struct key k, unsigned len)
{
	k.w[0] &= mask64(len > 64 ? 64 : len);
	k.w[1] &= mask64(len > 64 ? len - 64 : 0);
	return k;
}

/*
 * Room for want elements of sz bytes in v (*cap of them now), doubling;
 * the array, or NULL when out of memory (v is then still valid).
 */
static void *
grow(void *v, size_t *cap, size_t want, size_t sz)
{
	size_t n = *cap < 16 ? 16 : *cap;
	void *nv;

	if (want <= *cap)
		return v;
	while (n < want)
		n *= 2;
	if ((nv = reallocarray(v, n, sz)) == NULL)
		return NULL;
	*cap = n;
	return nv;
}

/* v cut down to its n elements once parsing is done (if realloc agrees). */
static void *
shrink(void *v, size_t *cap, size_t n, size_t sz)
{
	void *nv;

	if (n == 0 || n == *cap || (nv = reallocarray(v, n, sz)) == NULL)
		return v;
	*cap = n;
	return nv;
}

/* A new node (room made beforehand) for prefix k/len; its index. */
static uint32_t
node_new(struct trie *t, const struct key *k, unsigned len, uint32_t rule)
{
	struct node *nd = &t->v[t->n];

	nd->key = key_mask(*k, len);
	nd->len = (uint8_t)len;
	nd->child[0] = nd->child[1] = 0;
	nd->rule = rule;
	return (uint32_t)t->n++;
}

/*
 * Between node n and its child c, which share the first cl bits with
 * prefix k/len but c has more, put a node for those cl bits: the new
 * rule's own (cl == len), or a fork to c and a new leaf.
 */
static void
trie_split(struct trie *t, uint32_t n, unsigned b, const struct key *k,
    unsigned len, unsigned cl, uint32_t rule)
{
	uint32_t c = t->v[n].child[b], m;

	m = node_new(t, k, cl, cl == len ? rule : NO_RULE);
	t->v[m].child[key_bit(&t->v[c].key, cl)] = c;
	if (cl < len)
		t->v[m].child[key_bit(k, cl)] = node_new(t, k, len, rule);
	t->v[n].child[b] = m;
}

/*
 * Add prefix k/len (host bits clear) for rule; -1 when out of memory.
 * Rules come in line order, so a prefix keeps the first rule it got.
 */
static int
trie_insert(struct trie *t, const struct key *k, unsigned len, uint32_t rule)
{
	struct node *v;
	uint32_t n = 0, c;
	unsigned b, cl;

	if ((v = grow(t->v, &t->cap, t->n + 3, sizeof(*v))) == NULL)
		return -1;
	t->v = v;
	if (t->n == 0)
		node_new(t, k, 0, NO_RULE);
	for (;;) {
		if (v[n].len == len) {
			if (v[n].rule == NO_RULE)
				v[n].rule = rule;
			return 0;
		}
		b = key_bit(k, v[n].len);
		if ((c = v[n].child[b]) == 0) {
			v[n].child[b] = node_new(t, k, len, rule);
			return 0;
		}
		cl = key_common(k, &v[c].key);
		if (cl >= v[c].len && len >= v[c].len) {
			n = c;
			continue;
		}
		trie_split(t, n, b, k, len, cl < len ? cl : len, rule);
		return 0;
	}
}

/*
 * The lowest rule index on a's path from the root: every prefix holding
 * a lies on that path, so this is the first rule that matches.
 */
static uint32_t
trie_lookup(const struct trie *t, const struct key *a)
{
	const struct node *nd;
	uint32_t n = 0, best = NO_RULE;

	if (t->n == 0)
		return NO_RULE;
	for (;;) {
		nd = &t->v[n];
		if (key_common(a, &nd->key) < nd->len)
			break;
		if (nd->rule < best)
			best = nd->rule;
		if (nd->len >= t->bits ||
		    (n = nd->child[key_bit(a, nd->len)]) == 0)
			break;
	}
	return best;
}

/* Put "name:LINE: what" in the parser's err; returns EX_CONFIG. */
static int __attribute__((__format__(printf, 2, 3)))
bad(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->err, p->errlen, "%s:%u: ", p->name, p->lineno);
	if (n < 0 || (size_t)n >= p->errlen)
		return EX_CONFIG;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return EX_CONFIG;
}

/* Say the parser ran out of memory; returns EX_OSERR. */
static int
nomem(struct parser *p)
{
	snprintf(p->err, p->errlen, "%s: %s", p->name, strerror(ENOMEM));
	return EX_OSERR;
}

/* Whether c separates words. */
static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/*
 * Unescape in place the quoted value whose opening quote is at q, in the
 * word starting at word (NAME=), and leave *end after the closing quote.
 * Only \" and \\ are escapes, so a Windows path needs its \\ doubled.
 */
static int
unquote(struct parser *p, char *word, char *q, char **end)
{
	size_t namelen = (size_t)(q - 1 - word);
	char *in = q + 1, *out = q, c;

	while ((c = *in++) != '"') {
		if (c == '\\' && *in != '\0') {
			c = *in++;
			if (c != '"' && c != '\\')
				return bad(p, "\"\\%c\" in the value of "
				    "%.*s%s: the only escapes are \\\" and "
				    "\\\\", c, CUTN(word, namelen));
		} else if (c == '\0' || c == '\\')
			return bad(p, "unterminated quote in the value of "
			    "%.*s%s", CUTN(word, namelen));
		*out++ = c;
	}
	if (*in != '\0' && !is_blank(*in))
		return bad(p, "text after the closing quote of %.*s%s's value "
		    "(a blank must follow it)", CUTN(word, namelen));
	*out = '\0';
	*end = in;
	return 0;
}

/*
 * The next word at *cur into w, NUL-terminated in place; w->s NULL at the
 * line's end or a comment (a word starting with '#').  A value right
 * after a word's first '=' may be quoted, and then spans blanks and '#'.
 */
static int
next_word(struct parser *p, char **cur, struct word *w)
{
	char *s = *cur;
	int rc;

	while (is_blank(*s))
		s++;
	w->s = NULL;
	w->quoted = 0;
	if (*s == '\0' || *s == '#')
		return 0;
	w->s = s;
	s += strcspn(s, " \t=");
	if (s[0] == '=' && s[1] == '"') {
		if ((rc = unquote(p, w->s, s + 1, &s)) != 0)
			return rc;
		w->quoted = 1;
	} else
		s += strcspn(s, " \t");
	if (*s != '\0')
		*s++ = '\0';
	*cur = s;
	return 0;
}

/* Whether b (16 bytes) is a v4-mapped IPv6 address, ::ffff:a.b.c.d. */
static int
is_mapped(const unsigned char *b)
{
	return memcmp(b, mapped_prefix, sizeof(mapped_prefix)) == 0;
}

/*
 * The prefix length after the '/' of word, at s, into *len (0..max).
 * Digits only: a netmask or a sign is refused, not misread.
 */
static int
parse_length(struct parser *p, const char *word, const char *s,
    unsigned max, unsigned *len)
{
	const char *d = s;
	unsigned v = 0;

	if (*s == '\0')
		return bad(p, "\"%.*s%s\": no prefix length after \"/\"",
		    CUT(word));
	for (; *d >= '0' && *d <= '9'; d++)
		if (v <= max)	/* stays small: no overflow */
			v = v * 10 + (unsigned)(*d - '0');
	if (*d != '\0')
		return bad(p, "\"%.*s%s\": prefix length \"%.*s%s\" is not a "
		    "number (like /24)", CUT(word), CUT(s));
	if (v > max)
		return bad(p, "\"%.*s%s\": prefix length is over %u",
		    CUT(word), max);
	*len = v;
	return 0;
}

/*
 * Whether address b (n bytes) has bits set from len on; if so, say so
 * in err with the prefix that has them cleared.
 */
static int
host_bits(struct parser *p, const char *word, const unsigned char *b,
    int v6, unsigned len)
{
	unsigned char m[16];
	char text[INET6_ADDRSTRLEN];
	size_t i, n = v6 ? 16 : 4;

	for (i = 0; i < n; i++) {
		if (len >= 8 * (i + 1))
			m[i] = b[i];
		else if (len <= 8 * i)
			m[i] = 0;
		else	/* the byte the prefix ends in */
			m[i] = b[i] &
			    (unsigned char)(0xff << (8 - (len - 8 * i)));
	}
	if (memcmp(m, b, n) == 0)
		return 0;
	inet_ntop(v6 ? AF_INET6 : AF_INET, m, text, sizeof(text));
	return bad(p, "\"%.*s%s\": host bits set; did you mean %s/%u?",
	    CUT(word), text, len);
}

/*
 * Set l's prefix to address b/len of word: checked for host bits, and a
 * v4-mapped one turned into its IPv4 prefix (clients are turned alike).
 */
static int
set_prefix(struct parser *p, const char *word, unsigned char *b, int v6,
    unsigned len, struct line *l)
{
	if (v6 && is_mapped(b) && len < 96)
		return bad(p, "\"%.*s%s\": a v4-mapped prefix needs a length "
		    "of 96..128", CUT(word));
	if (host_bits(p, word, b, v6, len) != 0)
		return EX_CONFIG;
	if (v6 && is_mapped(b)) {
		memmove(b, b + 12, 4);
		v6 = 0;
		len -= 96;
	}
	l->v6 = v6;
	l->len = len;
	l->key = key_of(b, v6);
	return 0;
}

/*
 * Parse address bytes from word (its part before any '/', cut there in
 * place, then put back); *v6 tells the family.  -1: not an address.
 */
static int
address_bytes(char *word, unsigned char *b, int *v6, char **slash)
{
	int ok;

	if ((*slash = strchr(word, '/')) != NULL)
		**slash = '\0';
	*v6 = strchr(word, ':') != NULL;
	ok = inet_pton(*v6 ? AF_INET6 : AF_INET, word, b) == 1;
	if (*slash != NULL)
		**slash = '/';
	return ok ? 0 : -1;
}

/* Parse ADDRESS: all, a.b.c.d[/LEN], x:x::x[/LEN] (no brackets, no zone). */
static int
parse_address(struct parser *p, char *word, struct line *l)
{
	unsigned char b[16];
	char *slash;
	unsigned len;
	int v6;

	if (strcmp(word, "all") == 0) {
		l->all = 1;
		return 0;
	}
	if (strncmp(word, "all/", 4) == 0)
		return bad(p, "\"%.*s%s\": all takes no prefix length",
		    CUT(word));
	if (word[0] == '[')
		return bad(p, "\"%.*s%s\": write an IPv6 address without "
		    "brackets", CUT(word));
	if (strchr(word, '%') != NULL)
		return bad(p, "\"%.*s%s\": an access rule takes no %%zone",
		    CUT(word));
	if (address_bytes(word, b, &v6, &slash) == -1)
		return bad(p, "\"%.*s%s\": not an IPv4 or IPv6 address",
		    CUT(word));
	len = v6 ? 128 : 32;
	if (slash != NULL && parse_length(p, word, slash + 1, len, &len) != 0)
		return EX_CONFIG;
	return set_prefix(p, word, b, v6, len, l);
}

/* Whether s (n bytes) is a NAME: [A-Za-z_][A-Za-z0-9_]*. */
static int
valid_name(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!(c == '_' || (c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z') || (i > 0 && c >= '0' && c <= '9')))
			return 0;
	}
	return n > 0;
}

/* Whether NAME s (n bytes) is one forkd sets or never passes on. */
static int
reserved(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(reserved_names) / sizeof(reserved_names[0]);
	    i++)
		if (strlen(reserved_names[i]) == n &&
		    memcmp(reserved_names[i], s, n) == 0)
			return 1;
	return 0;
}

/* Why word, with no '=', is not NAME=value; a second address, maybe. */
static int
not_env(struct parser *p, char *word)
{
	unsigned char b[16];
	char *slash;
	int v6;

	if (address_bytes(word, b, &v6, &slash) == 0 ||
	    strcmp(word, "all") == 0)
		return bad(p, "\"%.*s%s\": not NAME=value (one address a "
		    "rule)", CUT(word));
	return bad(p, "\"%.*s%s\": not NAME=value", CUT(word));
}

/* Check the name of word w, NAME=value on line l, against l's others. */
static int
check_name(struct parser *p, const struct word *w, size_t n,
    const struct line *l)
{
	size_t i;

	if (n == 0)
		return bad(p, "\"%.*s%s\": no NAME before \"=\"", CUT(w->s));
	if (!valid_name(w->s, n))
		return bad(p, "bad name \"%.*s%s\" (letters, digits and _, "
		    "not a digit first)", CUTN(w->s, n));
	if (reserved(w->s, n))
		return bad(p, "%.*s%s is set by forkd", CUTN(w->s, n));
	for (i = 0; i < l->nenv; i++)
		if (l->namelen[i] == n && memcmp(l->env[i], w->s, n) == 0)
			return bad(p, "%.*s%s given twice", CUTN(w->s, n));
	return 0;
}

/* Check word w (NAME=value after the address) and add it to l. */
static int
parse_env(struct parser *p, const struct word *w, struct line *l)
{
	const char *eq = strchr(w->s, '=');
	size_t n;

	if (eq == NULL)
		return not_env(p, w->s);
	if (!l->allow)
		return bad(p, "\"%.*s%s\" after deny: deny takes no "
		    "NAME=value", CUT(w->s));
	n = (size_t)(eq - w->s);
	if (check_name(p, w, n, l) != 0)
		return EX_CONFIG;
	if (!w->quoted && strchr(eq + 1, '"') != NULL)
		return bad(p, "\"%.*s%s\": a quote inside a value; quote all "
		    "of it: %.*s%s=\"...\"", CUT(w->s), CUTN(w->s, n));
	if (l->nenv == ACCESS_MAX_ENV)
		return bad(p, "more than %d NAME=value words",
		    ACCESS_MAX_ENV);
	l->env[l->nenv] = w->s;
	l->namelen[l->nenv++] = n;
	return 0;
}

/* Append "NAME=value" s, with its NUL, to the pool; -1: no memory. */
static int
pool_add(struct access_rules *r, const char *s)
{
	size_t n = strlen(s) + 1;
	char *pool;

	if ((pool = grow(r->pool, &r->cappool, r->npool + n, 1)) == NULL)
		return -1;
	r->pool = pool;
	memcpy(r->pool + r->npool, s, n);
	r->npool += n;
	return 0;
}

/* Add the rule of line l: its entry, its strings, its trie node(s). */
static int
add_rule(struct parser *p, const struct line *l)
{
	struct access_rules *r = p->r;
	struct access_rule *v;
	uint32_t idx = (uint32_t)r->nrule;
	size_t i;

	if (r->nrule == ACCESS_MAX_RULES)
		return bad(p, "more than %d rules", ACCESS_MAX_RULES);
	if ((v = grow(r->rule, &r->caprule, r->nrule + 1, sizeof(*v))) == NULL)
		return nomem(p);
	r->rule = v;
	for (i = 0; i < l->nenv; i++)
		if (pool_add(r, l->env[i]) == -1)
			return nomem(p);
	v[idx].allow = l->allow;
	v[idx].line = p->lineno;
	v[idx].nenv = l->nenv;
	v[idx].env = NULL;	/* set by finish(), when the pool stays put */
	r->nrule++;
	r->nenv += l->nenv;
	if (l->all) {	/* the root of both tries */
		if (trie_insert(&r->t4, &l->key, 0, idx) == -1 ||
		    trie_insert(&r->t6, &l->key, 0, idx) == -1)
			return nomem(p);
	} else if (trie_insert(l->v6 ? &r->t6 : &r->t4, &l->key, l->len,
	    idx) == -1)
		return nomem(p);
	return 0;
}

/* Parse the line in p->buf and add its rule, if it has one. */
static int
parse_line(struct parser *p)
{
	struct line l;
	struct word w;
	char *cur = p->buf;

	l.allow = l.all = l.v6 = 0;
	l.len = 0;
	l.nenv = 0;
	memset(&l.key, 0, sizeof(l.key));
	if (next_word(p, &cur, &w) != 0)
		return EX_CONFIG;
	if (w.s == NULL)
		return 0;	/* blank, or a comment */
	if (strcmp(w.s, "allow") == 0)
		l.allow = 1;
	else if (strcmp(w.s, "deny") != 0)
		return bad(p, "unknown action \"%.*s%s\" (allow or deny)",
		    CUT(w.s));
	if (next_word(p, &cur, &w) != 0)
		return EX_CONFIG;
	if (w.s == NULL)
		return bad(p, "%s needs an address",
		    l.allow ? "allow" : "deny");
	if (parse_address(p, w.s, &l) != 0)
		return EX_CONFIG;
	for (;;) {
		if (next_word(p, &cur, &w) != 0)
			return EX_CONFIG;
		if (w.s == NULL)
			return add_rule(p, &l);
		if (parse_env(p, &w, &l) != 0)
			return EX_CONFIG;
	}
}

/* Check line s (n bytes, its line end taken off), copy it, parse it. */
static int
take_line(struct parser *p, const char *s, size_t n)
{
	size_t i;

	if (n > ACCESS_MAX_LINE)
		return bad(p, "line too long (over %d bytes)", ACCESS_MAX_LINE);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\0')
			return bad(p, "a NUL byte (not a text file?)");
		if (c == '\r')
			return bad(p, "a carriage return inside the line");
		if ((c < ' ' && c != '\t') || c == 0x7f)
			return bad(p, "control character 0x%02x", c);
	}
	memcpy(p->buf, s, n);
	p->buf[n] = '\0';
	return parse_line(p);
}

/*
 * Parse every line of text; the first bad one ends it.  A line ends at
 * "\n" or "\r\n": files edited on Windows exist, and a "\r" left at the
 * end of a value would be invisible in the error or the environment.
 * Likewise a UTF-8 byte order mark at the start is skipped.
 */
static int
parse_text(struct parser *p, const char *text, size_t len)
{
	const char *end = text + len, *nl;
	size_t n;
	int rc;

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		text += 3;
	while (text < end) {
		if (p->lineno == UINT_MAX)
			return bad(p, "too many lines");
		p->lineno++;
		if ((nl = memchr(text, '\n', (size_t)(end - text))) == NULL)
			nl = end;
		n = (size_t)(nl - text);
		if (n > 0 && text[n - 1] == '\r')
			n--;
		if ((rc = take_line(p, text, n)) != 0)
			return rc;
		text = nl < end ? nl + 1 : end;
	}
	return 0;
}

/*
 * Once every line is in: trim the arrays, then point each rule's env at
 * its strings, which are in the pool one after another, in rule order.
 */
static int
finish(struct parser *p)
{
	struct access_rules *r = p->r;
	char *s;
	size_t i, j, k = 0;

	r->rule = shrink(r->rule, &r->caprule, r->nrule, sizeof(*r->rule));
	r->t4.v = shrink(r->t4.v, &r->t4.cap, r->t4.n, sizeof(*r->t4.v));
	r->t6.v = shrink(r->t6.v, &r->t6.cap, r->t6.n, sizeof(*r->t6.v));
	r->pool = shrink(r->pool, &r->cappool, r->npool, 1);
	if (r->nenv > 0 && (r->envv = reallocarray(NULL, r->nenv,
	    sizeof(*r->envv))) == NULL)
		return nomem(p);
	s = r->pool;
	for (i = 0; i < r->nrule; i++) {
		if (r->rule[i].nenv == 0)
			continue;
		r->rule[i].env = r->envv + k;
		for (j = 0; j < r->rule[i].nenv; j++) {
			r->envv[k++] = s;
			s += strlen(s) + 1;
		}
	}
	return 0;
}

/* access_parse(), with the sysexits status access_load() returns. */
static struct access_rules *
parse(const char *name, const char *text, size_t len, char *err,
    size_t errlen, int *status)
{
	struct parser p;
	struct access_rules *r;

	if (errlen > 0)
		err[0] = '\0';
	p.name = name;
	p.lineno = 0;
	p.err = err;
	p.errlen = errlen;
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->name = strdup(name)) == NULL) {
		*status = nomem(&p);
		free(r);
		errno = ENOMEM;
		return NULL;
	}
	r->t4.bits = 32;
	r->t6.bits = 128;
	p.r = r;
	if ((*status = parse_text(&p, text, len)) == 0 &&
	    (*status = finish(&p)) == 0)
		return r;
	access_free(r);
	errno = *status == EX_OSERR ? ENOMEM : EINVAL;
	return NULL;
}

/* Parse rules from text; see access.h. */
struct access_rules *
access_parse(const char *name, const char *text, size_t len, char *err,
    size_t errlen)
{
	int status;

	return parse(name, text, len, err, errlen, &status);
}

/* Put "path: what" in err; returns status. */
static int __attribute__((__format__(printf, 5, 6)))
load_fail(int status, const char *path, char *err, size_t errlen,
    const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, errlen, "%s: ", path);
	if (n < 0 || (size_t)n >= errlen)
		return status;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return status;
}

/*
 * Read fd (a regular file of about size bytes, which may still change)
 * to its end into *text and *len; a sysexits status.
 */
static int
read_all(int fd, const char *path, size_t size, char **text, size_t *len,
    char *err, size_t errlen)
{
	size_t cap = 0;
	char *buf = NULL, *nb;
	ssize_t got;
	int e;

	for (*len = 0;; *len += (size_t)got) {
		if (*len > ACCESS_MAX_FILE) {
			free(buf);
			return load_fail(EX_CONFIG, path, err, errlen,
			    "over %d MiB, too big for access rules",
			    ACCESS_MAX_FILE >> 20);
		}
		if (*len == cap) {	/* size + 1: EOF needs no realloc */
			cap = cap == 0 ? size + 1 : cap * 2;
			if ((nb = realloc(buf, cap)) == NULL)
				break;
			buf = nb;
		}
		while ((got = read(fd, buf + *len, cap - *len)) == -1 &&
		    errno == EINTR)
			;
		if (got == 0) {
			*text = buf;
			return 0;
		}
		if (got == -1)
			break;
	}
	e = errno;	/* ENOMEM from realloc, or read's error */
	free(buf);
	return load_fail(e == ENOMEM ? EX_OSERR : EX_NOINPUT, path, err,
	    errlen, "%s", strerror(e));
}

/*
 * Read all of the regular file at path.  O_NONBLOCK: a FIFO given by
 * mistake must be refused, not wait for a writer and hang the start.
 */
static int
read_file(const char *path, char **text, size_t *len, char *err,
    size_t errlen)
{
	struct stat st;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1)
		return load_fail(EX_NOINPUT, path, err, errlen, "%s",
		    strerror(errno));
	if (fstat(fd, &st) == -1)
		rc = load_fail(EX_NOINPUT, path, err, errlen, "%s",
		    strerror(errno));
	else if (S_ISDIR(st.st_mode))
		rc = load_fail(EX_NOINPUT, path, err, errlen, "is a "
		    "directory, not a file of access rules");
	else if (!S_ISREG(st.st_mode))
		rc = load_fail(EX_NOINPUT, path, err, errlen, "not a "
		    "regular file");
	else if (st.st_size > ACCESS_MAX_FILE)
		rc = load_fail(EX_CONFIG, path, err, errlen, "over %d MiB, "
		    "too big for access rules", ACCESS_MAX_FILE >> 20);
	else
		rc = read_all(fd, path, (size_t)st.st_size, text, len, err,
		    errlen);
	close(fd);
	return rc;
}

/* Read and parse the rules file at path; see access.h. */
struct access_rules *
access_load(const char *path, char *err, size_t errlen, int *status)
{
	struct access_rules *r;
	char *text = NULL;
	size_t len = 0;

	if (errlen > 0)
		err[0] = '\0';
	if ((*status = read_file(path, &text, &len, err, errlen)) != 0)
		return NULL;
	r = parse(path, text, len, err, errlen, status);
	free(text);
	return r;
}

/* The first rule matching client sa, or NULL: called per connection. */
const struct access_rule *
access_match(const struct access_rules *r, const struct sockaddr *sa)
{
	const unsigned char *b;
	const struct trie *t;
	struct key k;
	uint32_t i;
	int mapped;

	if (r == NULL || sa == NULL)
		return NULL;
	if (sa->sa_family == AF_INET) {
		b = (const unsigned char *)&((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr;
		k = key_of(b, 0);
		t = &r->t4;
	} else if (sa->sa_family == AF_INET6) {
		b = ((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr.s6_addr;
		if ((mapped = is_mapped(b)) != 0)
			b += 12;
		k = key_of(b, !mapped);
		t = mapped ? &r->t4 : &r->t6;
	} else
		return NULL;
	i = trie_lookup(t, &k);
	return i == NO_RULE ? NULL : &r->rule[i];
}

/* How many rules r holds. */
size_t
access_count(const struct access_rules *r)
{
	return r == NULL ? 0 : r->nrule;
}

/* The file name r was parsed under, for messages. */
const char *
access_name(const struct access_rules *r)
{
	return r == NULL ? NULL : r->name;
}

/* Whether some rule sets NAME (namelen bytes): a scan of every string. */
int
access_sets(const struct access_rules *r, const char *name, size_t namelen)
{
	const char *eq;
	size_t i;

	if (r == NULL)
		return 0;
	for (i = 0; i < r->nenv; i++) {
		eq = strchr(r->envv[i], '=');	/* always there */
		if ((size_t)(eq - r->envv[i]) == namelen &&
		    memcmp(r->envv[i], name, namelen) == 0)
			return 1;
	}
	return 0;
}

/* Bytes held by r: every array at its capacity, and the struct itself. */
size_t
access_memory(const struct access_rules *r)
{
	if (r == NULL)
		return 0;
	return sizeof(*r) + strlen(r->name) + 1 +
	    r->caprule * sizeof(*r->rule) +
	    (r->t4.cap + r->t6.cap) * sizeof(struct node) +
	    r->cappool + r->nenv * sizeof(*r->envv);
}

/* Free r and everything it holds (NULL is fine). */
void
access_free(struct access_rules *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->rule);
	free(r->t4.v);
	free(r->t6.v);
	free(r->pool);
	free(r->envv);
	free(r);
}
