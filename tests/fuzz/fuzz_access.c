/*
 * access_parse() and access_match(): the input is a rules file.  Bad
 * files must be refused with a message naming the line; a good one is
 * read a second time here, the simple way (each rule's action and
 * address, kept in a list), and access_match() must pick, for clients in
 * and just outside every rule's prefix and a few fixed ones, the same
 * first rule that walking that list does: the trie and its path
 * compression against a linear scan.  Then access_free(); LeakSanitizer
 * sees the rest.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "fuzz.h"

#define PROBED_RULES	32	/* rules whose prefixes make clients */

/* A rule as read here: the whole address and the prefix length in bits. */
struct model {
	int		 allow;
	int		 all;
	int		 v6;		/* else IPv4, v4-mapped rules included */
	unsigned char	 b[16];		/* IPv4: the first 4 */
	unsigned	 len;
	unsigned	 line;
};

static const unsigned char mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* Whether the first len bits of a and b agree. */
static int
prefix_eq(const unsigned char *a, const unsigned char *b, unsigned len)
{
	unsigned full = len / 8, rest = len % 8;

	if (memcmp(a, b, full) != 0)
		return 0;
	return rest == 0 ||
	    ((a[full] ^ b[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/*
 * Read the rule in line s (NUL-terminated; the parser took it, so it is
 * blank, a comment, or ACTION ADDRESS [NAME=value...]); 1 if it is one.
 */
static int
model_line(char *s, struct model *m)
{
	char *word, *slash;

	s += strspn(s, " \t");
	if (*s == '\0' || *s == '#')
		return 0;
	memset(m, 0, sizeof(*m));
	m->allow = strncmp(s, "allow", 5) == 0;
	s += strcspn(s, " \t");
	word = s + strspn(s, " \t");
	word[strcspn(word, " \t")] = '\0';
	if (strcmp(word, "all") == 0) {
		m->all = 1;
		return 1;
	}
	if ((slash = strchr(word, '/')) != NULL)
		*slash++ = '\0';
	m->v6 = strchr(word, ':') != NULL;
	FUZZ_CHECK(inet_pton(m->v6 ? AF_INET6 : AF_INET, word, m->b) == 1);
	m->len = slash != NULL ? (unsigned)strtoul(slash, NULL, 10) :
	    m->v6 ? 128 : 32;
	if (m->v6 && memcmp(m->b, mapped, sizeof(mapped)) == 0) {
		memmove(m->b, m->b + 12, 4);
		memset(m->b + 4, 0, 12);
		m->v6 = 0;
		m->len -= 96;
	}
	return 1;
}

/* The rules of text (cap at most), split into lines as the parser does. */
static size_t
model_read(const uint8_t *text, size_t size, struct model *m, size_t cap)
{
	const uint8_t *end = text + size, *nl;
	unsigned line = 0;
	size_t n, k = 0;
	char *s;

	if (size >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		text += 3;
	for (; text < end; text = nl < end ? nl + 1 : end) {
		line++;
		if ((nl = memchr(text, '\n', (size_t)(end - text))) == NULL)
			nl = end;
		n = (size_t)(nl - text);
		if (n > 0 && text[n - 1] == '\r')
			n--;
		s = fuzz_string(text, n);	/* no NUL in a good file */
		FUZZ_CHECK(k < cap);
		if (model_line(s, &m[k])) {
			m[k].line = line;
			k++;
		}
		free(s);
	}
	return k;
}

/* The line of the first rule of m matching client b (v6 or IPv4), or 0. */
static unsigned
model_match(const struct model *m, size_t n, int v6, const unsigned char *b)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (m[i].all || (m[i].v6 == v6 && prefix_eq(m[i].b, b,
		    m[i].len)))
			return m[i].line;
	return 0;
}

/*
 * Client b (16 bytes if v6, else 4) through access_match(), the IPv4
 * ones also as v4-mapped IPv6: the rule the list picks, or none.
 */
static void
probe(const struct access_rules *r, const struct model *m, size_t n, int v6,
    const unsigned char *b)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const struct access_rule *got;
	unsigned want;
	size_t i;

	if (v6 && memcmp(b, mapped, sizeof(mapped)) == 0) {
		probe(r, m, n, 0, b + 12);	/* matched as the IPv4 client */
		return;
	}
	want = model_match(m, n, v6, b);
	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	if (v6) {
		memcpy(&sin6.sin6_addr, b, 16);
	} else {
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, b, 4);
		got = access_match(r, (struct sockaddr *)&sin);
		FUZZ_CHECK(got == NULL ? want == 0 : got->line == want);
		memcpy(&sin6.sin6_addr, mapped, sizeof(mapped));
		memcpy(sin6.sin6_addr.s6_addr + 12, b, 4);
	}
	got = access_match(r, (struct sockaddr *)&sin6);
	FUZZ_CHECK(got == NULL ? want == 0 : got->line == want);
	if (got == NULL)
		return;
	for (i = 0; i < n && m[i].line != want; i++)
		;
	FUZZ_CHECK(i < n && got->allow == m[i].allow);
	FUZZ_CHECK(got->nenv <= ACCESS_MAX_ENV);
	FUZZ_CHECK(got->allow || got->nenv == 0);
	FUZZ_CHECK((got->nenv == 0) == (got->env == NULL));
	for (i = 0; i < got->nenv; i++)
		FUZZ_CHECK(strchr(got->env[i], '=') > got->env[i]);
}

/* Clients at, just inside and just outside the prefix of rule m. */
static void
probe_rule(const struct access_rules *r, const struct model *m, size_t n,
    const struct model *rule)
{
	unsigned char b[16];
	unsigned bits = rule->v6 ? 128 : 32;

	if (rule->all)
		return;
	memcpy(b, rule->b, sizeof(b));
	probe(r, m, n, rule->v6, b);
	if (rule->len < bits) {		/* a host bit: still inside */
		b[rule->len / 8] ^= (unsigned char)(0x80 >> (rule->len % 8));
		probe(r, m, n, rule->v6, b);
		memcpy(b, rule->b, sizeof(b));
	}
	if (rule->len > 0) {		/* the prefix's last bit: outside */
		b[(rule->len - 1) / 8] ^=
		    (unsigned char)(0x80 >> ((rule->len - 1) % 8));
		probe(r, m, n, rule->v6, b);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char v4[][4] = {
		{ 0, 0, 0, 0 }, { 127, 0, 0, 1 }, { 10, 1, 2, 3 },
		{ 255, 255, 255, 255 }
	};
	static const unsigned char v6[][16] = {
		{ 0 }, { [15] = 1 }, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
		{ 0xfe, 0x80, [15] = 1 },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }
	};
	struct access_rules *r;
	struct sockaddr_storage other;
	struct model *m;
	char err[256];
	size_t n, i;

	r = access_parse("fuzz.rules", (const char *)data, size, err,
	    sizeof(err));
	if (r == NULL) {
		FUZZ_CHECK(strncmp(err, "fuzz.rules:", 11) == 0);
		return 0;
	}
	FUZZ_CHECK(strcmp(access_name(r), "fuzz.rules") == 0);
	FUZZ_CHECK(access_memory(r) > 0);

	/* A rule takes 7 bytes ("deny ::"), and one more to end its line. */
	m = calloc(size / 8 + 1, sizeof(*m));
	FUZZ_CHECK(m != NULL);
	n = model_read(data, size, m, size / 8 + 1);
	FUZZ_CHECK(access_count(r) == n);
	for (i = 0; i < sizeof(v4) / sizeof(v4[0]); i++)
		probe(r, m, n, 0, v4[i]);
	for (i = 0; i < sizeof(v6) / sizeof(v6[0]); i++)
		probe(r, m, n, 1, v6[i]);
	for (i = 0; i < n && i < PROBED_RULES; i++)
		probe_rule(r, m, n, &m[i]);
	memset(&other, 0, sizeof(other));
	other.ss_family = AF_UNIX;	/* never matched */
	FUZZ_CHECK(access_match(r, (struct sockaddr *)&other) == NULL);
	free(m);
	access_free(r);
	return 0;
}
