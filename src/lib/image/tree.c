// SPDX-License-Identifier: MIT
#include "lib/image/tree.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/base/array.h"
#include "lib/base/log.h"

struct cfs_node *cfs_node_new(void)
{
	struct cfs_node *n = calloc(1, sizeof(*n));

	if (n)
		n->nlink = 1;
	return n;
}

void cfs_node_free(struct cfs_node *node)
{
	if (!node)
		return;
	for (size_t i = 0; i < node->n_children; i++)
		cfs_node_free(node->children[i]);
	free(node->children);
	for (size_t i = 0; i < node->n_xattrs; i++) {
		free(node->xattrs[i].key);
		free(node->xattrs[i].value);
	}
	free(node->xattrs);
	free(node->name);
	free(node->payload);
	free(node->content);
	free(node->src_path);
	free(node);
}

static char *dup_bytes(const void *p, size_t len)
{
	char *s = malloc(len + 1);

	if (s) {
		memcpy(s, p, len);
		s[len] = '\0';
	}
	return s;
}

int cfs_node_set_name(struct cfs_node *node, const char *name, size_t len)
{
	char *s = dup_bytes(name, len);

	if (!s)
		return log_oom();
	free(node->name);
	node->name = s;
	node->name_len = len;
	return 0;
}

int cfs_node_add_child(struct cfs_node *parent, struct cfs_node *child)
{
	if (CFS_GROW(parent->children, parent->children_cap, parent->n_children + 1, 8) < 0)
		return log_oom();
	parent->children[parent->n_children++] = child;
	child->parent = parent;
	return 0;
}

struct cfs_node *cfs_node_lookup(const struct cfs_node *dir, const char *name, size_t len)
{
	for (size_t i = 0; i < dir->n_children; i++) {
		struct cfs_node *c = dir->children[i];

		if (c->name_len == len && memcmp(c->name, name, len) == 0)
			return c;
	}
	return NULL;
}

void cfs_node_remove_child(struct cfs_node *dir, size_t i)
{
	cfs_node_free(dir->children[i]);
	memmove(&dir->children[i], &dir->children[i + 1],
		(dir->n_children - i - 1) * sizeof(dir->children[0]));
	dir->n_children--;
}

static struct cfs_xattr *find_xattr(const struct cfs_node *node, const char *key)
{
	for (size_t i = 0; i < node->n_xattrs; i++)
		if (strcmp(node->xattrs[i].key, key) == 0)
			return &node->xattrs[i];
	return NULL;
}

int cfs_node_set_xattr(struct cfs_node *node, const char *key, const void *value, size_t len)
{
	struct cfs_xattr *x = find_xattr(node, key);
	uint8_t *v = (uint8_t *)dup_bytes(value, len);

	if (!v)
		return log_oom();
	if (!x) {
		if (CFS_GROW(node->xattrs, node->xattrs_cap, node->n_xattrs + 1, 4) < 0) {
			free(v);
			return log_oom();
		}
		x = &node->xattrs[node->n_xattrs];
		x->key = strdup(key);
		if (!x->key) {
			free(v);
			return log_oom();
		}
		x->value = NULL;
		node->n_xattrs++;
	}
	free(x->value);
	x->value = v;
	x->value_len = len;
	return 0;
}

const struct cfs_xattr *cfs_node_get_xattr(const struct cfs_node *node, const char *key)
{
	return find_xattr(node, key);
}

void cfs_node_remove_xattr(struct cfs_node *node, const char *key)
{
	struct cfs_xattr *x = find_xattr(node, key);

	if (!x)
		return;
	free(x->key);
	free(x->value);
	*x = node->xattrs[--node->n_xattrs];
}

int cfs_node_set_payload(struct cfs_node *node, const char *payload, size_t len)
{
	char *s = dup_bytes(payload, len);

	if (!s)
		return log_oom();
	free(node->payload);
	node->payload = s;
	node->payload_len = len;
	return 0;
}

int cfs_node_set_content(struct cfs_node *node, const void *content, size_t len)
{
	uint8_t *c = (uint8_t *)dup_bytes(content, len);

	if (!c)
		return log_oom();
	free(node->content);
	node->content = c;
	node->content_len = len;
	return 0;
}

struct cfs_node *cfs_node_resolve(struct cfs_node *node)
{
	while (node->link_to)
		node = node->link_to;
	return node;
}

char *cfs_node_path(const struct cfs_node *node)
{
	const struct cfs_node *n;
	size_t len = 0;
	char *path, *p;

	for (n = node; n->parent; n = n->parent)
		len += 1 + n->name_len;
	path = malloc(len ? len + 1 : 2);
	if (!path)
		return NULL;
	if (len == 0)
		return strcpy(path, "/");
	/* Fill from the end: the walk goes from the leaf up. */
	p = path + len;
	*p = '\0';
	for (n = node; n->parent; n = n->parent) {
		p -= n->name_len;
		memcpy(p, n->name, n->name_len);
		*--p = '/';
	}
	return path;
}

int cfs_name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if (r)
		return r;
	return alen < blen ? -1 : alen > blen;
}
