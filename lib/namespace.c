// SPDX-License-Identifier: Apache-2.0
/*
 * In-memory namespace: a tree of nodes plus one hash table keyed by
 * (parent, name), so a lookup costs one probe per path component and a
 * rename of a directory moves one node.
 */
#include "namespace.h"
#include "crc32c.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HASH_MIN 1024	/* slots; a power of two */

/*
 * 64-bit hash of (parent, name): CRC32C of the name seeded with the parent's
 * inode number in the high half, the inode number in the low half, then the
 * murmur3 finalizer so that the low bits (the slot) depend on all of them.
 * The same name under two parents with different inode numbers never
 * collides; under one parent only a CRC32C collision does.
 */
static uint64_t name_hash(const struct fam_node *parent, const char *name, size_t len)
{
	uint64_t h = ((uint64_t)fam_crc32c((uint32_t)parent->ino, name, len) << 32) ^ parent->ino;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* The slot holding (parent, name), or the empty slot where it would go. */
static size_t slot_find(const struct fam_ns *ns, const struct fam_node *parent,
			const char *name, size_t len, uint64_t h)
{
	size_t mask = ns->hsize - 1, i = h & mask;

	for (;; i = (i + 1) & mask) {
		const struct fam_hslot *s = &ns->htab[i];

		if (!s->node)
			return i;
		if (s->hash == h && s->node->parent == parent && s->node->name_len == len &&
		    !memcmp(s->node->name, name, len))
			return i;
	}
}

static struct fam_node *child_find(const struct fam_ns *ns, const struct fam_node *parent,
				   const char *name, size_t len)
{
	return ns->htab[slot_find(ns, parent, name, len, name_hash(parent, name, len))].node;
}

/*
 * Tables are anonymous mappings (zeroed), advised as huge pages: a probe at
 * a million entries is a cache miss, it should not be a TLB miss as well.
 */
static struct fam_hslot *table_alloc(size_t slots)
{
	size_t bytes = slots * sizeof(struct fam_hslot);
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (bytes >= (2UL << 20))
		madvise(p, bytes, MADV_HUGEPAGE);
	return p;
}

static void table_free(struct fam_hslot *t, size_t slots)
{
	if (t)
		munmap(t, slots * sizeof(*t));
}

/*
 * Room for one more entry at a load of at most 5/8: an absent name (every
 * create) then probes about 4 slots, one or two cache lines. The stored
 * hashes rehash it without touching a node.
 */
static int table_reserve(struct fam_ns *ns)
{
	size_t used = ns->n_files + ns->n_dirs, nsize = ns->hsize * 2;
	struct fam_hslot *nt;

	if ((used + 1) * 8 <= ns->hsize * 5)
		return 0;
	nt = table_alloc(nsize);
	if (!nt)
		return -ENOMEM;
	for (size_t i = 0; i < ns->hsize; i++) {
		size_t j;

		if (!ns->htab[i].node)
			continue;
		for (j = ns->htab[i].hash & (nsize - 1); nt[j].node; j = (j + 1) & (nsize - 1))
			;
		nt[j] = ns->htab[i];
	}
	table_free(ns->htab, ns->hsize);
	ns->htab = nt;
	ns->hsize = nsize;
	return 0;
}

/* Remove n's slot; later slots of its probe run move back (no tombstones). */
static void hash_del(struct fam_ns *ns, struct fam_node *n)
{
	size_t mask = ns->hsize - 1, i = name_hash(n->parent, n->name, n->name_len) & mask, j;

	while (ns->htab[i].node != n) {
		if (!ns->htab[i].node)
			return;		/* not in the table: nothing to do */
		i = (i + 1) & mask;
	}
	for (j = i;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!ns->htab[j].node)
			break;
		home = ns->htab[j].hash & mask;
		/* Stays if its home lies cyclically in (i, j]: the gap is not on its run. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		ns->htab[i] = ns->htab[j];
		i = j;
	}
	ns->htab[i].node = NULL;
	ns->htab[i].hash = 0;
}

/* Link n under parent; slot: its empty slot from slot_find with hash h. */
static void link_child_at(struct fam_ns *ns, struct fam_node *parent, struct fam_node *n,
			  size_t slot, uint64_t h)
{
	n->parent = parent;
	n->prev = NULL;
	n->next = parent->children;
	if (parent->children)
		parent->children->prev = n;
	parent->children = n;
	parent->n_children++;
	ns->htab[slot].node = n;
	ns->htab[slot].hash = h;
}

static void link_child(struct fam_ns *ns, struct fam_node *parent, struct fam_node *n)
{
	uint64_t h = name_hash(parent, n->name, n->name_len);

	link_child_at(ns, parent, n, slot_find(ns, parent, n->name, n->name_len, h), h);
}

static void unlink_child(struct fam_ns *ns, struct fam_node *n)
{
	struct fam_node *parent = n->parent;

	hash_del(ns, n);
	if (n->prev)
		n->prev->next = n->next;
	else
		parent->children = n->next;
	if (n->next)
		n->next->prev = n->prev;
	parent->n_children--;
	n->next = n->prev = NULL;
}

static void node_free(struct fam_ns *ns, struct fam_node *n)
{
	fam_arena_free(&ns->arena, n->grants, n->n_grants * sizeof(*n->grants));
	if (n->name_size)
		fam_arena_free(&ns->arena, n->name, n->name_size);
	fam_arena_free(&ns->arena, n, n->block_size);
}

int fam_ns_init(struct fam_ns *ns)
{
	memset(ns, 0, sizeof(*ns));
	fam_arena_init(&ns->arena);
	ns->hsize = HASH_MIN;
	ns->htab = table_alloc(ns->hsize);
	ns->pc_path = malloc(FAM_PATH_MAX);
	if (!ns->htab || !ns->pc_path) {
		table_free(ns->htab, ns->hsize);
		free(ns->pc_path);
		ns->htab = NULL;
		ns->pc_path = NULL;
		return -ENOMEM;
	}
	ns->root.ino = FAM_ROOT_INO;
	ns->root.mode = S_IFDIR | 0755;
	ns->next_ino = FAM_ROOT_INO + 1;
	return 0;
}

void fam_ns_fini(struct fam_ns *ns)
{
	/* Nodes, names, extents and grants all live in the arena. */
	fam_arena_fini(&ns->arena);
	table_free(ns->htab, ns->hsize);
	free(ns->pc_path);
	free(ns->pending);
	memset(ns, 0, sizeof(*ns));
}

int fam_ns_reset(struct fam_ns *ns)
{
	fam_ns_fini(ns);
	return fam_ns_init(ns);
}

/*
 * Walk path; on success *out is the node. With want_parent, resolve all but
 * the last component and return the parent plus the last name.
 */
static int resolve(const struct fam_ns *ns, const char *path, size_t len, bool want_parent,
		   struct fam_node **out, const char **last, size_t *last_len)
{
	struct fam_node *cur = (struct fam_node *)&ns->root;
	size_t i = 1;
	int err = fam_path_check(path, len);

	if (err)
		return err;
	if (len == 1) {
		if (want_parent)
			return -EINVAL;	/* the root has no parent */
		*out = cur;
		return 0;
	}
	while (i < len) {
		const char *slash = memchr(path + i, '/', len - i);
		size_t j = slash ? (size_t)(slash - path) : len;
		struct fam_node *c;

		if (!S_ISDIR(cur->mode))
			return -ENOTDIR;
		if (want_parent && j == len) {
			*out = cur;
			*last = path + i;
			*last_len = j - i;
			return 0;
		}
		c = child_find(ns, cur, path + i, j - i);
		if (!c)
			return -ENOENT;
		cur = c;
		i = j + 1;
	}
	*out = cur;
	return 0;
}

/*
 * Through the parent cache (see struct fam_ns): the cached directory
 * itself, or a name in it, without resolving the prefix again. A create
 * looks its path up three times (the grant check twice, the reply once)
 * just after the cache was set for its directory.
 */
int fam_ns_lookup(const struct fam_ns *ns, const char *path, size_t len,
		  struct fam_node **out)
{
	const char *slash;
	size_t plen;
	int err;

	if (!ns->pc_node || len < ns->pc_len || len > FAM_PATH_MAX ||
	    memcmp(path, ns->pc_path, ns->pc_len))
		goto slow;
	if (len == ns->pc_len) {
		*out = ns->pc_node;
		return 0;
	}
	if (path[ns->pc_len] != '/')
		goto slow;
	slash = path + ns->pc_len;
	plen = len - ns->pc_len - 1;
	if (memchr(slash + 1, '/', plen))
		goto slow;	/* deeper than one name below it */
	err = fam_name_check(slash + 1, plen);
	if (err)
		return err;
	*out = child_find(ns, ns->pc_node, slash + 1, plen);
	return *out ? 0 : -ENOENT;
slow:
	return resolve(ns, path, len, false, out, NULL, NULL);
}

int fam_ns_path(const struct fam_node *n, char *buf, size_t cap)
{
	size_t len = 0;
	const struct fam_node *p;

	if (!n->parent) {
		if (cap < 2)
			return -ENAMETOOLONG;
		strcpy(buf, "/");
		return 1;
	}
	for (p = n; p->parent; p = p->parent)
		len += 1 + p->name_len;
	if (len + 1 > cap)
		return -ENAMETOOLONG;
	buf[len] = 0;
	for (p = n, cap = len; p->parent; p = p->parent) {
		cap -= p->name_len;
		memcpy(buf + cap, p->name, p->name_len);
		buf[--cap] = '/';
	}
	return (int)len;
}

static size_t path_len_of(const struct fam_node *n)
{
	size_t len = 0;

	for (; n->parent; n = n->parent)
		len += 1 + n->name_len;
	return len ? len : 1;
}

/* Image size of n, whose path is plen bytes long. */
static size_t image_size(const struct fam_node *n, size_t plen)
{
	struct fam_rec r = { .type = S_ISDIR(n->mode) ? FAM_REC_MKDIR : FAM_REC_CREATE };
	size_t total;

	r.u.node.path_len = (uint32_t)plen;
	r.u.node.n_ext = n->n_ext;
	total = n->parent ? fam_rec_size(&r) : 0;
	if (n->n_grants) {
		struct fam_rec o = { .type = FAM_REC_OWNER };

		o.u.owner.path_len = (uint32_t)plen;
		total += n->n_grants * fam_rec_size(&o);
	}
	return total;
}

size_t fam_ns_node_image_size(const struct fam_node *n)
{
	return image_size(n, path_len_of(n));
}

/* Image size of n and everything below it: a rename changes all their paths. */
static uint64_t subtree_image_size(const struct fam_node *n)
{
	uint64_t total = fam_ns_node_image_size(n);

	for (const struct fam_node *c = n->children; c; c = c->next)
		total += subtree_image_size(c);
	return total;
}

/* Length of the longest path below n, relative to n ("/child/grandchild"). */
static size_t subtree_path_len(const struct fam_node *n)
{
	size_t max = 0;

	for (const struct fam_node *c = n->children; c; c = c->next) {
		size_t l = 1 + c->name_len + subtree_path_len(c);

		if (l > max)
			max = l;
	}
	return max;
}

static int pending_push(struct fam_ns *ns, uint64_t seq, const struct fam_extent *e)
{
	if (ns->n_pending == ns->pending_cap) {
		size_t live = ns->n_pending - ns->pending_head;

		if (ns->pending_head > live) {
			/* Compact the FIFO instead of growing it. */
			memmove(ns->pending, ns->pending + ns->pending_head,
				live * sizeof(*ns->pending));
			ns->pending_head = 0;
			ns->n_pending = live;
		} else {
			size_t cap = ns->pending_cap ? ns->pending_cap * 2 : 64;
			void *p = realloc(ns->pending, cap * sizeof(*ns->pending));

			if (!p)
				return -ENOMEM;
			ns->pending = p;
			ns->pending_cap = cap;
		}
	}
	ns->pending[ns->n_pending].free_seq = seq;
	ns->pending[ns->n_pending].ext = *e;
	ns->n_pending++;
	return 0;
}

void fam_ns_release_pending(struct fam_ns *ns, uint64_t watermark,
			    void (*cb)(void *arg, const struct fam_extent *e), void *arg)
{
	while (ns->pending_head < ns->n_pending &&
	       ns->pending[ns->pending_head].free_seq <= watermark) {
		if (cb)
			cb(arg, &ns->pending[ns->pending_head].ext);
		ns->pending_head++;
	}
	if (ns->pending_head == ns->n_pending)
		ns->pending_head = ns->n_pending = 0;
}

static bool overlaps(const struct fam_extent *a, const struct fam_extent *b)
{
	return a->offset < b->offset + b->len && b->offset < a->offset + a->len;
}

/*
 * A CREATE that reuses pending space proves the writer's watermark passed
 * that DELETE; pending is a FIFO, so everything up to it is released too.
 */
static void pending_prune_for(struct fam_ns *ns, const struct fam_node *n)
{
	uint64_t upto = 0;

	for (size_t i = ns->pending_head; i < ns->n_pending; i++)
		for (uint32_t k = 0; k < n->n_ext; k++)
			if (overlaps(&ns->pending[i].ext, &n->ext[k]))
				upto = ns->pending[i].free_seq;
	if (upto)
		fam_ns_release_pending(ns, upto, NULL, NULL);
}

static struct fam_node *node_new(struct fam_ns *ns, const struct fam_rec *r,
			      const char *name, size_t name_len)
{
	uint32_t n_ext = r->type == FAM_REC_CREATE ? r->u.node.n_ext : 0;
	size_t size = sizeof(struct fam_node) + n_ext * sizeof(struct fam_extent) + name_len + 1;
	struct fam_node *n = fam_arena_alloc(&ns->arena, size);

	if (!n)
		return NULL;
	n->block_size = (uint32_t)size;
	n->ext = (struct fam_extent *)(n + 1);
	n->name = (char *)(n->ext + n_ext);
	memcpy(n->name, name, name_len);
	n->name[name_len] = 0;
	n->name_len = (uint32_t)name_len;
	n->ino = r->u.node.ino;
	n->seq = r->seq;
	n->uid = r->u.node.uid;
	n->gid = r->u.node.gid;
	if (r->type == FAM_REC_MKDIR) {
		n->mode = S_IFDIR | (r->u.node.mode & 07777);
		return n;
	}
	n->mode = S_IFREG | (r->u.node.mode & 07777);
	n->size = r->u.node.size;
	n->n_ext = n_ext;
	for (uint32_t i = 0; i < n_ext; i++)
		fam_rec_extent(r, i, &n->ext[i]);
	return n;
}

/* resolve(want_parent) through the parent cache (see struct fam_ns). */
static int resolve_parent_cached(struct fam_ns *ns, const char *path, size_t len,
				 struct fam_node **parent, const char **last, size_t *last_len)
{
	const char *slash = len > 1 ? memrchr(path, '/', len) : NULL;
	size_t plen = slash ? (size_t)(slash - path) : 0;
	int err;

	if (ns->pc_node && plen && plen == ns->pc_len && !memcmp(path, ns->pc_path, plen)) {
		/* The prefix resolved before, so it is valid: check the last name only. */
		if (len > FAM_PATH_MAX)
			return -ENAMETOOLONG;
		err = fam_name_check(slash + 1, len - plen - 1);
		if (err)
			return err;
		*parent = ns->pc_node;
		*last = slash + 1;
		*last_len = len - plen - 1;
		return 0;
	}
	err = resolve(ns, path, len, true, parent, last, last_len);
	if (err || !plen)
		return err;
	memcpy(ns->pc_path, path, plen);
	ns->pc_len = plen;
	ns->pc_node = *parent;
	return 0;
}

void fam_ns_prefetch(const struct fam_ns *ns, const struct fam_rec *r)
{
	const char *path = r->u.node.path, *slash;
	size_t len = r->u.node.path_len, plen;
	uint64_t h;

	if ((r->type != FAM_REC_MKDIR && r->type != FAM_REC_CREATE) || !ns->pc_node || len < 2)
		return;
	slash = memrchr(path, '/', len);
	plen = slash ? (size_t)(slash - path) : 0;
	if (!plen || plen != ns->pc_len || memcmp(path, ns->pc_path, plen))
		return;
	h = name_hash(ns->pc_node, slash + 1, len - plen - 1);
	__builtin_prefetch(&ns->htab[h & (ns->hsize - 1)], 1);
}

static int apply_node(struct fam_ns *ns, const struct fam_rec *r, bool dry_run)
{
	struct fam_node *parent, *n;
	const char *name;
	size_t name_len, slot;
	uint64_t h;
	int err;

	err = resolve_parent_cached(ns, r->u.node.path, r->u.node.path_len, &parent, &name,
				    &name_len);
	if (err)
		return err == -EINVAL && r->u.node.path_len == 1 ? -EEXIST : err;
	if (r->u.node.ino <= FAM_ROOT_INO)
		return -EINVAL;
	if (r->type == FAM_REC_CREATE) {
		uint64_t total = 0;

		for (uint32_t i = 0; i < r->u.node.n_ext; i++) {
			struct fam_extent e;

			fam_rec_extent(r, i, &e);
			if (!e.len || e.offset + e.len < e.offset)
				return -EINVAL;
			total += e.len;
		}
		if (total < r->u.node.size)
			return -EINVAL;	/* extents must cover the size */
	}
	if (dry_run)
		return child_find(ns, parent, name, name_len) ? -EEXIST : 0;
	/* Grow first, so that the slot found below is where the node goes. */
	err = table_reserve(ns);
	if (err)
		return err;
	n = node_new(ns, r, name, name_len);
	if (!n)
		return -ENOMEM;
	/*
	 * Hash the node's own copy of the name: the record lies in shared
	 * memory, and the slot must match the name the node keeps.
	 */
	h = name_hash(parent, n->name, n->name_len);
	slot = slot_find(ns, parent, n->name, n->name_len, h);
	if (ns->htab[slot].node) {
		node_free(ns, n);
		return -EEXIST;
	}
	link_child_at(ns, parent, n, slot, h);
	if (S_ISDIR(n->mode)) {
		ns->n_dirs++;
	} else {
		ns->n_files++;
		if (fam_ns_pending_count(ns))
			pending_prune_for(ns, n);
	}
	if (n->ino >= ns->next_ino)
		ns->next_ino = n->ino + 1;
	ns->image_bytes += image_size(n, r->u.node.path_len);
	return 0;
}

static int apply_delete(struct fam_ns *ns, const struct fam_rec *r, bool dry_run)
{
	struct fam_node *n;
	int err = fam_ns_lookup(ns, r->u.del.path, r->u.del.path_len, &n);

	if (err)
		return err;
	if (!n->parent)
		return -EBUSY;		/* the root */
	if (r->u.del.ino && r->u.del.ino != n->ino)
		return -ESTALE;
	if (S_ISDIR(n->mode) && n->n_children)
		return -ENOTEMPTY;
	if (dry_run)
		return 0;
	for (uint32_t i = 0; i < n->n_ext; i++) {
		err = pending_push(ns, r->seq, &n->ext[i]);
		if (err)
			return err;
	}
	ns->image_bytes -= fam_ns_node_image_size(n);
	unlink_child(ns, n);
	if (S_ISDIR(n->mode)) {
		ns->pc_node = NULL;	/* its path no longer names it */
		ns->n_dirs--;
	} else {
		ns->n_files--;
	}
	node_free(ns, n);
	return 0;
}

static int apply_rename(struct fam_ns *ns, const struct fam_rec *r, bool dry_run)
{
	struct fam_node *n, *parent, *p;
	const char *name;
	size_t name_len;
	char *nname;
	int err = fam_ns_lookup(ns, r->u.ren.from, r->u.ren.from_len, &n);

	if (err)
		return err;
	if (!n->parent)
		return -EBUSY;
	if (r->u.ren.ino && r->u.ren.ino != n->ino)
		return -ESTALE;
	err = resolve(ns, r->u.ren.to, r->u.ren.to_len, true, &parent, &name, &name_len);
	if (err)
		return err == -EINVAL && r->u.ren.to_len == 1 ? -EEXIST : err;
	if (child_find(ns, parent, name, name_len))
		return -EEXIST;
	for (p = parent; p; p = p->parent)
		if (p == n)
			return -EINVAL;	/* a directory into its own subtree */
	/* No path below the new name may outgrow the limit (checkpoints write them whole). */
	if (n->n_children && r->u.ren.to_len + subtree_path_len(n) > FAM_PATH_MAX)
		return -ENAMETOOLONG;
	if (dry_run)
		return 0;
	nname = fam_arena_alloc(&ns->arena, name_len + 1);
	if (!nname)
		return -ENOMEM;
	memcpy(nname, name, name_len);
	nname[name_len] = 0;
	ns->image_bytes -= subtree_image_size(n);
	if (S_ISDIR(n->mode))
		ns->pc_node = NULL;	/* paths through it change */
	unlink_child(ns, n);
	if (n->name_size)
		fam_arena_free(&ns->arena, n->name, n->name_size);
	n->name = nname;
	n->name_size = (uint32_t)name_len + 1;
	n->name_len = (uint32_t)name_len;
	link_child(ns, parent, n);
	ns->image_bytes += subtree_image_size(n);
	return 0;
}

static int apply_owner(struct fam_ns *ns, const struct fam_rec *r, bool dry_run)
{
	struct fam_node *n;
	uint32_t i;
	int err = fam_ns_lookup(ns, r->u.owner.path, r->u.owner.path_len, &n);

	if (err)
		return err;
	if (r->u.owner.has_prev) {
		/* A handoff: the grant it replaces must be there, as the writer saw it. */
		if (r->u.owner.prev_host == r->u.owner.host || r->u.owner.mode == FAM_OWN_NONE)
			return -EINVAL;
		for (i = 0; i < n->n_grants; i++)
			if (n->grants[i].host == r->u.owner.prev_host)
				break;
		if (i == n->n_grants || n->grants[i].grant_epoch != r->u.owner.prev_epoch)
			return -ESTALE;
	}
	if (dry_run)
		return 0;
	ns->image_bytes -= fam_ns_node_image_size(n);
	if (r->u.owner.has_prev) {
		/* Same node, one record: nobody ever sees it with neither grant. */
		for (i = 0; i < n->n_grants; i++)
			if (n->grants[i].host == r->u.owner.prev_host)
				break;
		n->grants[i] = n->grants[--n->n_grants];
		if (!n->n_grants) {
			fam_arena_free(&ns->arena, n->grants, sizeof(*n->grants));
			n->grants = NULL;
		}
	}
	for (i = 0; i < n->n_grants; i++)
		if (n->grants[i].host == r->u.owner.host)
			break;
	if (r->u.owner.mode == FAM_OWN_NONE) {
		if (i < n->n_grants)
			n->grants[i] = n->grants[--n->n_grants];
		if (i < n->n_grants + 1 && !n->n_grants) {
			fam_arena_free(&ns->arena, n->grants, sizeof(*n->grants));
			n->grants = NULL;
		}
	} else {
		if (i == n->n_grants) {
			struct fam_grant *g = fam_arena_alloc(&ns->arena,
							      (n->n_grants + 1) * sizeof(*g));

			if (g && n->n_grants)
				memcpy(g, n->grants, n->n_grants * sizeof(*g));
			fam_arena_free(&ns->arena, n->grants, n->n_grants * sizeof(*g));
			if (!g) {
				ns->image_bytes += fam_ns_node_image_size(n);
				return -ENOMEM;
			}
			n->grants = g;
			n->n_grants++;
		}
		n->grants[i].host = r->u.owner.host;
		n->grants[i].mode = r->u.owner.mode;
		n->grants[i].grant_epoch = r->u.owner.grant_epoch;
		n->grants[i].seq = r->seq;
	}
	ns->image_bytes += fam_ns_node_image_size(n);
	return 0;
}

static int apply_checkpoint(struct fam_ns *ns, const struct fam_rec *r, bool dry_run)
{
	int err;

	if (dry_run || r->u.ckpt.phase != FAM_CKPT_BEGIN)
		return 0;
	/* BEGIN: the records up to END recreate the whole namespace. */
	err = fam_ns_reset(ns);
	if (err)
		return err;
	ns->next_ino = r->u.ckpt.next_ino > FAM_ROOT_INO ? r->u.ckpt.next_ino : FAM_ROOT_INO + 1;
	for (uint32_t i = 0; i < r->u.ckpt.n_pending; i++) {
		struct fam_pending_free pf;

		fam_rec_pending(r, i, &pf);
		err = pending_push(ns, pf.free_seq, &pf.ext);
		if (err)
			return err;
	}
	return 0;
}

int fam_ns_apply(struct fam_ns *ns, const struct fam_rec *r, bool dry_run)
{
	int err;

	switch (r->type) {
	case FAM_REC_MKDIR:
	case FAM_REC_CREATE:
		err = apply_node(ns, r, dry_run);
		break;
	case FAM_REC_DELETE:
		err = apply_delete(ns, r, dry_run);
		break;
	case FAM_REC_RENAME:
		err = apply_rename(ns, r, dry_run);
		break;
	case FAM_REC_OWNER:
		err = apply_owner(ns, r, dry_run);
		break;
	case FAM_REC_CHECKPOINT:
		err = apply_checkpoint(ns, r, dry_run);
		break;
	case FAM_REC_PAD:
		err = 0;
		break;
	default:
		err = -EINVAL;
	}
	if (!err && !dry_run && r->seq > ns->applied_seq)
		ns->applied_seq = r->seq;
	return err;
}

static int walk_node(const struct fam_node *n, int (*cb)(void *, const struct fam_node *),
		     void *arg)
{
	int ret = cb(arg, n);

	for (const struct fam_node *c = n->children; c && !ret; c = c->next)
		ret = walk_node(c, cb, arg);
	return ret;
}

int fam_ns_walk(const struct fam_ns *ns, int (*cb)(void *arg, const struct fam_node *n),
		void *arg)
{
	return walk_node(&ns->root, cb, arg);
}

static int grant_cmp(const void *a, const void *b)
{
	const struct fam_grant *x = a, *y = b;

	return (x->host > y->host) - (x->host < y->host);
}

static bool grants_equal(const struct fam_node *a, const struct fam_node *b)
{
	struct fam_grant ga[FAM_MAX_HOSTS], gb[FAM_MAX_HOSTS];

	if (a->n_grants != b->n_grants || a->n_grants > FAM_MAX_HOSTS)
		return false;
	if (!a->n_grants)
		return true;	/* grants may be NULL: no memcpy from it */
	memcpy(ga, a->grants, a->n_grants * sizeof(*ga));
	memcpy(gb, b->grants, b->n_grants * sizeof(*gb));
	qsort(ga, a->n_grants, sizeof(*ga), grant_cmp);
	qsort(gb, b->n_grants, sizeof(*gb), grant_cmp);
	for (uint32_t i = 0; i < a->n_grants; i++)
		if (ga[i].host != gb[i].host || ga[i].mode != gb[i].mode ||
		    ga[i].grant_epoch != gb[i].grant_epoch)
			return false;
	return true;
}

static bool node_equal(const struct fam_ns *bns, const struct fam_node *a,
		       const struct fam_node *b)
{
	if (a->ino != b->ino || a->mode != b->mode || a->uid != b->uid || a->gid != b->gid ||
	    a->size != b->size || a->n_ext != b->n_ext || a->n_children != b->n_children ||
	    (a->n_ext && memcmp(a->ext, b->ext, a->n_ext * sizeof(*a->ext))) ||
	    !grants_equal(a, b))
		return false;
	for (const struct fam_node *c = a->children; c; c = c->next) {
		const struct fam_node *d = child_find(bns, b, c->name, c->name_len);

		if (!d || !node_equal(bns, c, d))
			return false;
	}
	return true;
}

bool fam_ns_equal(const struct fam_ns *a, const struct fam_ns *b)
{
	if (a->n_files != b->n_files || a->n_dirs != b->n_dirs ||
	    fam_ns_pending_count(a) != fam_ns_pending_count(b))
		return false;
	for (size_t i = 0; i < fam_ns_pending_count(a); i++) {
		const struct fam_pending_free *x = fam_ns_pending(a, i), *y = fam_ns_pending(b, i);

		if (x->free_seq != y->free_seq || x->ext.offset != y->ext.offset ||
		    x->ext.len != y->ext.len)
			return false;
	}
	return node_equal(b, &a->root, &b->root);
}
