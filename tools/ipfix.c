// SPDX-License-Identifier: GPL-2.0
/*
 * IPFIX encoding for dslite-logd (RFC 7011 message, template and data
 * sets; RFC 8158 NAT event templates). See ipfix.h.
 */
#include <string.h>

#include "ipfix.h"

struct field {
	uint16_t id, len;
};

/* RFC 8158 section 5.2.3/5.2.4: a port block; DS-Lite names the B4 */
static const struct field tmpl_block[] = {
	{ IPFIX_IE_OBS_TIME_MS, 8 },
	{ IPFIX_IE_NAT_EVENT, 1 },
	{ IPFIX_IE_NAT_INSTANCE_ID, 4 },
	{ IPFIX_IE_SOURCE_IPV6, 16 },
	{ IPFIX_IE_POST_NAT_SRC_IPV4, 4 },
	{ IPFIX_IE_PORT_RANGE_START, 2 },
	{ IPFIX_IE_PORT_RANGE_END, 2 },
	{ IPFIX_IE_PORT_RANGE_STEP, 2 },
	{ IPFIX_IE_PORT_RANGE_NUM, 2 },
};

/* RFC 8158 section 5.2.6: quota exceeded (per user: the B4) */
static const struct field tmpl_quota[] = {
	{ IPFIX_IE_OBS_TIME_MS, 8 },
	{ IPFIX_IE_NAT_EVENT, 1 },
	{ IPFIX_IE_NAT_INSTANCE_ID, 4 },
	{ IPFIX_IE_NAT_QUOTA_EXCEEDED, 4 },
	{ IPFIX_IE_SOURCE_IPV6, 16 },
};

/* RFC 8158 section 5.2.5: addresses exhausted (the B4 left without one) */
static const struct field tmpl_exhausted[] = {
	{ IPFIX_IE_OBS_TIME_MS, 8 },
	{ IPFIX_IE_NAT_EVENT, 1 },
	{ IPFIX_IE_NAT_INSTANCE_ID, 4 },
	{ IPFIX_IE_SOURCE_IPV6, 16 },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	uint16_t id;
	const struct field *f;
	size_t n;
} templates[] = {
	{ IPFIX_TMPL_BLOCK, tmpl_block, N(tmpl_block) },
	{ IPFIX_TMPL_QUOTA, tmpl_quota, N(tmpl_quota) },
	{ IPFIX_TMPL_EXHAUSTED, tmpl_exhausted, N(tmpl_exhausted) },
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, v);
}

size_t ipfix_record_len(uint16_t id)
{
	size_t i, j, len;

	for (i = 0; i < N(templates); i++) {
		if (templates[i].id != id)
			continue;
		for (len = 0, j = 0; j < templates[i].n; j++)
			len += templates[i].f[j].len;
		return len;
	}
	return 0;
}

uint16_t ipfix_template_for(uint8_t nat_event)
{
	switch (nat_event) {
	case NAT_EVENT_PORT_BLOCK_ALLOC:
	case NAT_EVENT_PORT_BLOCK_DEALLOC:
		return IPFIX_TMPL_BLOCK;
	case NAT_EVENT_QUOTA_EXCEEDED:
		return IPFIX_TMPL_QUOTA;
	case NAT_EVENT_ADDRESSES_EXHAUSTED:
		return IPFIX_TMPL_EXHAUSTED;
	}
	return 0;
}

void ipfix_begin(struct ipfix_msg *m, uint32_t export_time)
{
	memset(m->buf, 0, IPFIX_HDR_LEN);
	put16(m->buf, IPFIX_VERSION);
	put32(m->buf + 4, export_time);
	put32(m->buf + 8, m->seq);
	put32(m->buf + 12, m->domain);
	m->len = IPFIX_HDR_LEN;
	m->set_off = 0;
	m->set_id = 0;
	m->records = 0;
}

/* close the open set: its length into its header */
static void set_close(struct ipfix_msg *m)
{
	if (m->set_off)
		put16(m->buf + m->set_off + 2, m->len - m->set_off);
	m->set_off = 0;
	m->set_id = 0;
}

int ipfix_add_templates(struct ipfix_msg *m)
{
	size_t need = 4, i, j;
	uint8_t *p;

	for (i = 0; i < N(templates); i++)
		need += 4 + 4 * templates[i].n;
	if (m->len + need > IPFIX_MSG_MAX)
		return -1;
	set_close(m);
	p = m->buf + m->len;
	put16(p, IPFIX_SET_TEMPLATE);
	put16(p + 2, need);
	p += 4;
	for (i = 0; i < N(templates); i++) {
		put16(p, templates[i].id);
		put16(p + 2, templates[i].n);
		p += 4;
		for (j = 0; j < templates[i].n; j++, p += 4) {
			put16(p, templates[i].f[j].id);
			put16(p + 2, templates[i].f[j].len);
		}
	}
	m->len += need;
	return 0;
}

int ipfix_add_record(struct ipfix_msg *m, const struct ipfix_rec *r)
{
	uint16_t id = ipfix_template_for(r->nat_event);
	size_t len = ipfix_record_len(id), need = len;
	uint8_t *p;

	if (!id)
		return -1;
	if (m->set_id != id)
		need += 4;
	if (m->len + need > IPFIX_MSG_MAX)
		return -1;
	if (m->set_id != id) {
		set_close(m);
		m->set_off = m->len;
		m->set_id = id;
		put16(m->buf + m->len, id);
		m->len += 4;
	}
	p = m->buf + m->len;
	put64(p, r->time_ms);
	p[8] = r->nat_event;
	put32(p + 9, r->instance_id);
	p += 13;
	switch (id) {
	case IPFIX_TMPL_BLOCK:
		memcpy(p, r->b4, 16);
		memcpy(p + 16, &r->pub, 4);	/* already network order */
		put16(p + 20, r->first);
		put16(p + 22, r->last);
		put16(p + 24, 1);		/* contiguous ports */
		put16(p + 26, r->last - r->first + 1);
		break;
	case IPFIX_TMPL_QUOTA:
		put32(p, r->quota);
		memcpy(p + 4, r->b4, 16);
		break;
	case IPFIX_TMPL_EXHAUSTED:
		memcpy(p, r->b4, 16);
		break;
	}
	m->len += len;
	m->records++;
	return 0;
}

size_t ipfix_finish(struct ipfix_msg *m)
{
	set_close(m);
	put16(m->buf + 2, m->len);
	m->seq += m->records;
	return m->len;
}
